#pragma once
/// \file photodiode_node.hpp
/// The photodiode of si/optics/photodiode.hpp with the laser's RIN arriving at its input, for a
/// link whose fibre is flat (a gain): RIN, shot and thermal noise are then white noises at the
/// same node (the photocurrent before the photodiode's poles, with the same filters after it),
/// so they are drawn as ONE Gaussian per sample of the summed variance
///
///   i = P{ R P + I_d + sqrt( (R P rin)^2 + 2 q B |R P + I_d| + 4 k T B / R_L ) n },
///
/// rin the per-sample relative RIN sigma sqrt(10^(RIN/10) B) of the laser, P the noiseless
/// power at the photodiode, n ~ N(0,1) on Stream::optics_pd_shot (fill_gaussian). The statistics
/// are those of the separate draws (Laser RIN, shot, thermal: independent, zero-mean, so their
/// variances add; the shot variance uses the noiseless current, whose mean is that of the
/// RIN-perturbed one); the realisation differs. docs/architectures.md "Noise at the photodiode
/// node".
#include <complex>
#include <cstdint>
#include <span>

#include "si/optics/photodiode.hpp"

namespace si::optics {

class PhotodiodeNode {
public:
    /// rin_sigma: the laser's per-sample relative RIN sigma (Laser::rin_sigma form), >= 0.
    /// input_gain: a power gain before the node applied in the same pass, P = input_gain * in
    /// (a flat fibre's; 1 = none, exactly the input).
    PhotodiodeNode(const PhotodiodeConfig& c, double rin_sigma, double dt_s, double input_gain = 1.0);
    /// Optical power [W] (noiseless) -> current [A]. Streams; may alias.
    void process(std::span<const double> in_w, std::span<double> out_a) noexcept;
    void reset(std::uint64_t first_sample = 0) noexcept;
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept { return pd_.response(f_hz); }
    /// Per-sample variance [A^2] of the node noise at a noiseless power p_w.
    [[nodiscard]] double variance_a2(double p_w) const noexcept;

private:
    PhotodiodeConfig cfg_;
    double rr2_, shot_scale_, th_var_, g_in_;
    Photodiode pd_;  // response()
    PoleFilter poles_;
    std::uint64_t n_ = 0;
};

}  // namespace si::optics

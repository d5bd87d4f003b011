#pragma once
/// \file mzm.hpp
/// Mach-Zehnder modulator in push-pull (chirp-free) operation, fed by a CW laser:
///
///   field   E_out = E_in [ a1 e^{j phi/2} + a2 e^{-j phi/2} ],   phi = pi (v + v_bias) / V_pi,
///   power   T(v) = 10^(-IL/10) [ 1/ER + (1 - 1/ER) cos^2(phi/2) ],
///
/// with arm amplitudes a1 + a2 = 1 and (a1 - a2)^2 = 1/ER, which gives the finite extinction
/// ratio ER = 10^(extinction_ratio_db/10) (OptiCommPy calcMZM uses the same imbalance form,
/// optics-dsp.md 3.4; Seimetz, High-Order Modulation for Optical Fiber Transmission, sec. 3.2).
/// v is the differential drive [V] after the electrical bandwidth (pole model). At quadrature
/// (v_bias = -V_pi/2, the default for V_pi = 2 V) the small-signal slope is
///   dP/dv = P0 (1 - 1/ER) pi / (2 V_pi),
/// and a sine drive of amplitude A gives the fundamental P0 (1 - 1/ER) J1(pi A / V_pi): the
/// sinusoidal compression 2 J1(z)/z, z = pi A / V_pi, relative to the small-signal slope.
#include <complex>
#include <cstdint>
#include <span>

#include "si/optics/laser.hpp"
#include "si/optics/pole_filter.hpp"

namespace si::optics {

struct MzmConfig {
    double v_pi_v = 2.0;               ///< half-wave voltage V_pi [V] (differential drive)
    double bias_v = -1.0;              ///< bias v_bias [V]; -V_pi/2 = quadrature, rising slope
    double extinction_ratio_db = 30.0; ///< static extinction ratio [dB], >= 0
    double insertion_loss_db = 0.0;    ///< on-state loss [dB], >= 0
    double bandwidth_hz = 0.0;         ///< -3 dB electro-optic bandwidth [Hz]; 0 = none
    int bandwidth_poles = 1;           ///< poles of the bandwidth model
};

/// Throws ConfigError naming optics.mzm.<field>; extinction ratio below 0 dB is rejected.
void validate(const MzmConfig& c);

class Mzm {
public:
    Mzm(const MzmConfig& c, const LaserConfig& laser, double dt_s);
    /// Drive voltage [V] -> optical power [W]. Streams; may alias.
    void process(std::span<const double> in_v, std::span<double> out_w) noexcept;
    /// Clears the filter state; the noise index restarts at `first_sample` (the absolute sample
    /// number of the next input, so a segment of a long run draws the same noise as the whole run).
    void reset(std::uint64_t first_sample = 0) noexcept;
    /// Static power transmission T(v) (see file comment).
    [[nodiscard]] double transmission(double v) const noexcept;
    /// Small-signal electrical response of the bandwidth model.
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept { return poles_.response(f_hz); }
    [[nodiscard]] const MzmConfig& config() const noexcept { return cfg_; }

private:
    MzmConfig cfg_;
    double il_, floor_;
    PoleFilter poles_;
    Laser laser_;
};

}  // namespace si::optics

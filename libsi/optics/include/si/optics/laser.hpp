#pragma once
/// \file laser.hpp
/// CW laser with relative intensity noise (RIN), the carrier of the modulators:
///
///   P(t) = P0 (1 + r(t)),   r white Gaussian, one-sided PSD 10^(RIN/10) [1/Hz],
///
/// so that over the simulated bandwidth B = 1/(2 dt) (the Nyquist frequency of the time grid)
///   var P = 10^(RIN/10) P0^2 B,
/// the definition RIN = <dP^2> / (P0^2 B) per unit bandwidth (Agrawal, Fiber-Optic
/// Communication Systems, 4th ed., sec. 4.6.2; the 802.3 RIN_xOMA limit of -136 dB/Hz refers
/// to the OMA, see docs/architectures.md). Any receiver filter after it reduces the variance to
/// 10^(RIN/10) P0^2 ENBW.
///
/// process() applies the carrier to a transmission T(t) in [0, 1] (dimensionless, from a
/// modulator's static curve): out = T P0 (1 + r). The noise is indexed by the sample number since
/// construction/reset (Stream::optics_laser_rin), so block splits do not change it.
#include <cstdint>
#include <complex>
#include <span>

namespace si::optics {

struct LaserConfig {
    double power_w = 1e-3;         ///< average (CW) output power P0 [W], >= 0
    double rin_db_hz = -150.0;     ///< relative intensity noise [dB/Hz], <= 0; -inf = none
    double wavelength_m = 1310e-9; ///< emission wavelength [m] (used by the fibre's dispersion)
    std::uint64_t seed = 1;        ///< RIN seed
};

/// Throws ConfigError naming optics.laser.<field>: power negative or not finite, RIN above
/// 0 dB/Hz or NaN, wavelength outside 0.4..2 um.
void validate(const LaserConfig& c);

class Laser {
public:
    Laser(const LaserConfig& c, double dt_s);
    /// out[i] = in[i] P0 (1 + r[n+i]); in is a transmission (dimensionless). May alias.
    void process(std::span<const double> in, std::span<double> out_w) noexcept;
    /// The CW output P0 (1 + r) alone.
    void emit(std::span<double> out_w) noexcept;
    /// The noise index restarts at `first_sample` (absolute sample number of the next input).
    void reset(std::uint64_t first_sample = 0) noexcept { n_ = first_sample; }
    /// Per-sample standard deviation of r: sqrt(10^(RIN/10) / (2 dt)).
    [[nodiscard]] double rin_sigma() const noexcept { return sigma_; }
    [[nodiscard]] const LaserConfig& config() const noexcept { return cfg_; }

private:
    LaserConfig cfg_;
    double sigma_;
    std::uint64_t n_ = 0;
};

}  // namespace si::optics

#pragma once
/// \file driver.hpp
/// Linear modulator driver (LPO/CPO "linear driver"):
///
///   y = C( g * P{ x + n_in } ),   g = 10^(gain_db/20),
///
/// x the input voltage [V], n_in white Gaussian input-referred noise of one-sided density
/// e_n [V/sqrt(Hz)] (per-sample sigma e_n sqrt(1/(2 dt))), P the pole model of pole_filter.hpp
/// (n identical real poles, -3 dB at bandwidth_hz), C the output compression of
/// compression.hpp (tanh or cubic, set by THD, 1 dB point or limit). The linear small-signal
/// part is response(f) = g / (1 + j f/fp)^n; the engine may fuse it with neighbouring linear
/// elements when compression is "none".
///
/// Typical values (optics-dsp.md 3.4, Zhang et al., JEIT 47(8) 2025, 130 nm SiGe LPO driver):
/// gain up to 19.5 dB, 3 Vppd output, THD < 3.5 %, 225 mW per channel.
/// Noise index: sample number since construction/reset, Stream::optics_driver_noise.
#include <complex>
#include <cstdint>
#include <span>

#include "si/optics/compression.hpp"
#include "si/optics/pole_filter.hpp"

namespace si::optics {

struct DriverConfig {
    double gain_db = 0.0;            ///< small-signal voltage gain [dB]
    double bandwidth_hz = 0.0;       ///< -3 dB bandwidth of the pole model [Hz]; 0 = none
    int bandwidth_poles = 2;         ///< number of identical real poles (1..8)
    CompressionConfig compression{}; ///< output compression (amplitudes at the output [V])
    double input_noise_v_rthz = 0.0; ///< input-referred noise density [V/sqrt(Hz)]
    std::uint64_t seed = 1;          ///< noise seed
};

/// Throws ConfigError naming optics.driver.<field>.
void validate(const DriverConfig& c);

class LinearDriver {
public:
    LinearDriver(const DriverConfig& c, double dt_s);
    /// Streams: state and the noise index persist across calls. in/out may alias.
    void process(std::span<const double> in_v, std::span<double> out_v) noexcept;
    /// Clears the filter state; the noise index restarts at `first_sample` (the absolute sample
    /// number of the next input, so a segment of a long run draws the same noise as the whole run).
    void reset(std::uint64_t first_sample = 0) noexcept;
    /// Small-signal linear response g P(f) (compression and noise excluded).
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept;
    /// True when the element is linear (no compression) and noiseless.
    [[nodiscard]] bool linear() const noexcept;
    [[nodiscard]] const Compressor& compressor() const noexcept { return comp_; }
    [[nodiscard]] const DriverConfig& config() const noexcept { return cfg_; }

private:
    DriverConfig cfg_;
    double gain_;
    double noise_sigma_v_;
    PoleFilter poles_;
    Compressor comp_;
    std::uint64_t n_ = 0;
};

}  // namespace si::optics

#pragma once
/// \file tia.hpp
/// Transimpedance amplifier, current [A] in, voltage [V] out:
///
///   v = C( Z_T * K{ P{ i - I_off + n_in } } ),
///
/// n_in white Gaussian input-referred noise of one-sided density i_n [A/sqrt(Hz)] (per-sample
/// sigma i_n sqrt(1/(2 dt))), I_off a DC input offset removed (the offset-cancellation loop of a
/// real TIA; set it to the mean photocurrent so the output swings around 0 V), P the pole model
/// (-3 dB at bandwidth_hz), K an optional CTLE-like peaking shelf
/// (1 + j f/fz)/(1 + j f/fp), fp = fz 10^(peaking_db/20) (LPO TIAs have one), and C the output
/// compression (compression.hpp). Without peaking the output noise is
///   sigma_out = i_n Z_T sqrt(ENBW),  ENBW = pole_cascade_enbw_hz (pi/2 fp for one pole).
///
/// Typical values (optics-dsp.md 3.4): CMOS 112G LPO TIA 63 dBohm, 32 GHz, 16.9 pA/sqrt(Hz);
/// SiGe linear TIA 74 dBohm, 33 GHz, 12.2 pA/sqrt(Hz), THD < 1 % at 600 mVppd.
/// Noise index: sample number since construction/reset, Stream::optics_tia_noise.
#include <complex>
#include <cstdint>
#include <span>

#include "si/optics/compression.hpp"
#include "si/optics/pole_filter.hpp"

namespace si::optics {

struct TiaConfig {
    double transimpedance_ohm = 1000.0; ///< Z_T [ohm] (60 dBohm)
    double bandwidth_hz = 0.0;          ///< -3 dB bandwidth [Hz]; 0 = none
    int bandwidth_poles = 2;            ///< poles of the bandwidth model
    double input_noise_a_rthz = 0.0;    ///< input-referred noise density [A/sqrt(Hz)]
    double input_offset_a = 0.0;        ///< DC current removed at the input [A]
    double peaking_db = 0.0;            ///< CTLE-like high-frequency boost [dB]; 0 = none
    double peaking_zero_hz = 0.0;       ///< zero of the peaking shelf [Hz]
    CompressionConfig compression{};    ///< output compression (amplitudes at the output [V])
    std::uint64_t seed = 1;             ///< noise seed
};

/// Throws ConfigError naming optics.tia.<field>.
void validate(const TiaConfig& c);

class Tia {
public:
    Tia(const TiaConfig& c, double dt_s);
    /// Current [A] -> voltage [V]. Streams; may alias.
    void process(std::span<const double> in_a, std::span<double> out_v) noexcept;
    /// Clears the filter state; the noise index restarts at `first_sample` (the absolute sample
    /// number of the next input, so a segment of a long run draws the same noise as the whole run).
    void reset(std::uint64_t first_sample = 0) noexcept;
    /// Small-signal response Z_T P(f) K(f) [ohm] (noise and compression excluded).
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept;
    /// Analytic ENBW of the pole model [Hz] (infinity without a bandwidth).
    [[nodiscard]] double noise_bandwidth_hz() const noexcept { return poles_.noise_bandwidth_hz(); }
    [[nodiscard]] bool linear() const noexcept { return comp_.linear() && sigma_a_ == 0; }
    [[nodiscard]] const Compressor& compressor() const noexcept { return comp_; }
    [[nodiscard]] const TiaConfig& config() const noexcept { return cfg_; }

private:
    TiaConfig cfg_;
    double sigma_a_;
    PoleFilter poles_;
    PeakingFilter peak_;
    Compressor comp_;
    std::uint64_t n_ = 0;
};

}  // namespace si::optics

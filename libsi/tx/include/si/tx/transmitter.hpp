#pragma once
/// \file transmitter.hpp
/// Transmitter model: symbol-rate FFE, differential swing, Gaussian rise-time filter, edge jitter
/// (random, sinusoidal, duty-cycle distortion) and TX noise given as SNDR.
///
/// Signal model. Data symbols a_k are level values in [-1, 1] (PAM-N levels -1 .. +1 evenly
/// spaced). The FFE forms x_k = sum_i c_i a_{k-i+pre} (pre = index of the main cursor), and the
/// driver emits a rectangular NRZ waveform of height (swing/2) x_k per UI whose edges sit at
/// k T + tau_k, then shapes it with the rise-time filter.
///
/// TX noise (`snr_db`, two models, `snr_model`):
/// - "launch" (default): a Gaussian amplitude perturbation of each launched symbol,
///   sigma = (swing/2) 10^(-SNR/20) relative to the peak level, which then passes the channel,
///   CTLE and AFE exactly like the data (a physical driver-noise model);
/// - "com": IEEE 802.3 Annex 93A eq. 93A-30, sigma_TX^2 = h0^2 10^(-SNR_TX/10) with h0 the
///   victim's main cursor at the sampler: Gaussian noise referred to the sampler. The two differ
///   by the channel's shaping of the launched noise (5 dB in sigma on a 24 dB backplane).
#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace si::tx {

struct TxConfig {
    double swing_v = 1.0;            ///< peak-to-peak differential swing [V]: outer levels at +-swing/2
    std::vector<double> ffe = {1.0}; ///< FFE taps (any count); the main cursor is the largest |tap|
    int ffe_main = -1;               ///< index of the main cursor in `ffe`, -1 = largest |tap|
    bool ffe_normalize = false;      ///< scale taps so that sum |c| = 1 (peak swing preserved)
    double rise_time_s = 0.0;        ///< 20-80 % rise time of the Gaussian output filter [s], 0 = none
    double rj_rms_ui = 0.0;          ///< random jitter on each edge [UI rms]
    double sj_amp_ui = 0.0;          ///< sinusoidal jitter amplitude [UI peak]
    double sj_freq_hz = 0.0;         ///< sinusoidal jitter frequency [Hz]
    double dcd_ui = 0.0;             ///< duty-cycle distortion [UI peak-to-peak]: even edges
                                     ///< early by dcd/2, odd edges late by dcd/2
    double snr_db = 0.0;             ///< TX SNR [dB]; 0 or inf = noiseless
    std::string snr_model = "launch"; ///< "launch" (noise on the launched symbols) or "com" (93A-30)
};

/// Bounds (docs/user-guide.md, "Limits"): a differential swing of at most 100 V, at most 256 FFE
/// taps (a 1e6-tap FFE makes the symbol pulse 1e6 UI long and the run take hours), and, unless
/// ffe_normalize is set, 0.1 <= sum |c| <= 10 (a gain no real FFE has; it bounds the signal
/// amplitude away from overflow and from float underflow).
inline constexpr double kMaxSwingV = 100.0;
inline constexpr std::size_t kMaxFfeTaps = 256;
inline constexpr double kMaxFfeGain = 10.0;

/// Throws ConfigError naming tx.<field>.
void validate(const TxConfig& c);

/// True when any edge jitter is configured (the engine then takes the waveform path).
[[nodiscard]] bool has_jitter(const TxConfig& c) noexcept;

/// Main-cursor index of the FFE (ffe_main, or the largest |tap|).
[[nodiscard]] int ffe_main_index(const TxConfig& c);

/// FFE taps actually applied (normalised when ffe_normalize).
[[nodiscard]] std::vector<double> ffe_taps(const TxConfig& c);

/// Rise-time filter H(f) = exp(-2 (pi f T_r / 1.6832)^2): a Gaussian impulse of
/// sigma = T_r / 1.6832, whose step response rises 20 % -> 80 % in exactly T_r
/// (Phi^-1(0.8) = 0.8416). This is IEEE 802.3 Annex 93A eq. 93A-46 as the standard writes it,
/// H_t(f) = exp(-2 (pi f T_r / 1.6832)^2), so a COM T_r is given to sisim unchanged (tested
/// against the equation and the 20-80 % step time; docs/models.md).
[[nodiscard]] std::complex<double> rise_time_response(double rise_time_s, double f_hz) noexcept;

/// FFE frequency response sum_k c_k exp(-j 2 pi f (k - main) T), eq. 93A-21 (T = 1/fb).
[[nodiscard]] std::complex<double> ffe_response(const std::vector<double>& taps, int main,
                                                double symbol_rate_bd, double f_hz) noexcept;

}  // namespace si::tx

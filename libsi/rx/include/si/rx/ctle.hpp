#pragma once
/// \file ctle.hpp
/// Receiver analog front end: the COM continuous-time linear equalizer and the COM 4th-order
/// Butterworth receiver filter. Both are linear time-invariant: the engine multiplies their
/// responses into the fused link response, so they are described by H(f) here.
#include <complex>
#include <span>
#include <string>

namespace si::rx {

/// COM CTLE, IEEE 802.3 eq. 93A-22:
///   H(f) = (10^(gdc/20) + j f/fz) (10^(gdc2/20) + j f/fLF) / ((1 + j f/fp1)(1 + j f/fp2)(1 + j f/fLF))
/// Frequencies of 0 mean "follow the symbol rate as COM does": fz = fp1 = fb/2.5, fp2 = fb,
/// fLF = fb/80 (802.3ck/dj tables). resolve() fills them in.
struct CtleConfig {
    std::string model = "none";  ///< "none" or "com"
    double gdc_db = 0.0;         ///< DC gain gDC [dB], <= 0
    double gdc2_db = 0.0;        ///< low-frequency gain gDC2 [dB], <= 0
    double fz_hz = 0.0;          ///< zero [Hz]; 0 = fb/2.5
    double fp1_hz = 0.0;         ///< first pole [Hz]; 0 = fb/2.5
    double fp2_hz = 0.0;         ///< second pole [Hz]; 0 = fb
    double flf_hz = 0.0;         ///< low-frequency pole/zero [Hz]; 0 = fb/80
};

/// Fills the zero-valued frequencies from the symbol rate (see CtleConfig).
[[nodiscard]] CtleConfig resolve(CtleConfig c, double symbol_rate_bd);
/// Throws ConfigError naming rx.ctle.<field>. Call on a resolved config.
void validate(const CtleConfig& c);
/// H(f) of eq. 93A-22 (1 for model "none").
[[nodiscard]] std::complex<double> ctle_response(const CtleConfig& c, double f_hz) noexcept;

/// COM receiver filter, 4th-order Butterworth (eq. 93A-20) with -3 dB bandwidth bw_hz:
///   H(f) = 1 / (1 - 3.414214 x^2 + x^4 + j 2.613126 (x - x^3)),  x = f / bw_hz.
/// bw_hz <= 0 means no filter (H = 1).
[[nodiscard]] std::complex<double> butterworth4_response(double bw_hz, double f_hz) noexcept;

/// h[k] *= H_ctle(k df), then *= H_afe(k df) (the two functions above, bw_hz <= 0: no AFE), for
/// every k < h.size(): the receiver part of a link's fused response on its FFT grid, with the
/// per-frequency constants hoisted (within a few ulp of the functions above; ~5x faster).
void apply_ctle_afe(const CtleConfig& c, double afe_bw_hz, double df_hz,
                    std::span<std::complex<double>> h) noexcept;

/// RMS gain of the CTLE and the AFE filter for white noise in 0..bw_hz:
///   sqrt( (1/bw) integral_0^bw |H_ctle(f) H_afe(f)|^2 df ),
/// by the trapezoid rule over 8192 intervals. The last few results are kept for the process by
/// the exact input values (same bits when asked again).
[[nodiscard]] double white_noise_rms_gain(const CtleConfig& c, double afe_bw_hz, double bw_hz);

}  // namespace si::rx

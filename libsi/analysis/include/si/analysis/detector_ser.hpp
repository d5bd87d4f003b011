#pragma once
/// \file detector_ser.hpp
/// Statistical SER of the DSP detectors from a symbol-spaced pulse and Gaussian noise.
///
/// Input everywhere: the equalized symbol-spaced pulse f at the sampling phase (the FFE output
/// per unit normalised level; FfeSolution::equalized), its main-cursor index c, the Gaussian
/// noise std sigma at the detector input (same units as f; for white noise sigma_in at the FFE
/// input, sigma = sigma_in sqrt(sum w_k^2)), and the PAM-N order. Symbols are independent and
/// uniform over the levels a_i = -1 + 2i/(N-1).
///
/// ser_ffe_dfe (exact for the model, up to the voltage grid): the DFE cancels f_1..f_B with
/// *ideal feedback* (correct past decisions: error propagation is not included, it is in the
/// counted SER); the sample of level a_i is a_i f_0 + Y + n with Y = sum over the other
/// cursors of a_k f_k, whose distribution is built by successive convolution on a voltage grid
/// (step <= sigma/16 and <= 1/8192 of the ISI range; cursors below 1e-4 f_0 join the Gaussian
/// part), and n ~ N(0, sigma^2). SER = mean over levels of the probability of crossing the
/// thresholds f_0 (a_i +- 1/(N-1)).
///
/// ser_mlse_union_bound (union bound over error events, Forney 1972; an upper bound when the
/// disturbance is Gaussian, tight at high SNR): Viterbi on the target g = (1, f_1/f_0[, f_2/f_0])
/// with the Euclidean branch metric. The disturbance at the detector is Gaussian with
/// covariance C(m) = sigma^2 rho(m) + E[a^2] sum_k f_k f_{k+m} (noise with normalised
/// autocorrelation rho, e.g. white noise through the FFE: fir_noise_acf(w); plus the residual
/// ISI of the cursors outside 0..M, treated as Gaussian). Error events e (level-index
/// differences with entries in {-1, 0, +1}: the single-step events that hold the minimum
/// distance; multi-level errors are neglected), starting and ending nonzero with fewer than M
/// consecutive interior zeros, give the output difference s = f_0 (2/(N-1)) (g * e) and are
/// possible with probability pi(e) = prod_i (N - |e_i|)/N (the data must allow the error at
/// each symbol). With the Euclidean metric the pairwise error probability is
/// Q(|s|^2 / (2 sqrt(s^T C s))) (= Q(|s| / (2 sigma)) for white noise), and
///   SER <= sum_e w(e) pi(e) Q(|s|^2 / (2 sqrt(s^T C s))),   w(e) = number of nonzero e_i.
/// The sum runs over events up to 64 symbols, pruned where a bound on all longer events falls
/// below 1e-9 of the running total (and capped at 4e6 visited events, which only low SNR
/// reaches). For 1+D PAM4 in white noise this is 24 Q(sqrt2 f_0 (2/3) / (2 sigma)) against
/// 1.5 Q(f_0 (2/3) / (2 sigma)) for symbol-by-symbol detection with ideal DFE: 3 dB in
/// distance, less the multiplicity.
#include <span>
#include <vector>

namespace si::analysis {

/// SER after the FFE with an ideal B-tap DFE (B = 0: plain slicer).
[[nodiscard]] double ser_ffe_dfe(std::span<const double> f, int cursor, int dfe_taps,
                                 double sigma, int levels);

/// Union bound on the MLSE SER for a target of memory M (1 or 2). noise_acf: normalised
/// autocorrelation rho(0) = 1, rho(1), ... of the noise at the detector (empty = white).
[[nodiscard]] double ser_mlse_union_bound(std::span<const double> f, int cursor, int memory,
                                          double sigma, int levels,
                                          std::span<const double> noise_acf = {});

/// Normalised autocorrelation rho(m) = sum_i w_i w_{i+m} / sum_i w_i^2 of white noise after the
/// FIR w (the FFE): the noise_acf of ser_mlse_union_bound.
[[nodiscard]] std::vector<double> fir_noise_acf(std::span<const double> w);

}  // namespace si::analysis

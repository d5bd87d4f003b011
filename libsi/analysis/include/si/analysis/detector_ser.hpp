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
/// ser_mlse_union_bound (an *upper bound*, tight at high SNR; Forney 1972): Viterbi on the
/// target g = (1, f_1/f_0[, f_2/f_0]) with the remaining ISI (cursors outside 0..M) lumped into
/// the Gaussian noise (variance E[a^2] sum f_k^2). Error events e (level-index differences,
/// entries in {-1, 0, +1}: the single-step events that hold the minimum distance; multi-level
/// errors are neglected), starting and ending nonzero with fewer than M consecutive interior
/// zeros, have distance d(e) = f_0 (2/(N-1)) ||g * e|| and probability of being possible
/// pi(e) = prod_i (N - |e_i|)/N (the data must allow the error at each symbol). Then
///   SER <= sum_e w(e) pi(e) Q(d(e) / (2 sigma_eff)),   w(e) = number of nonzero e_i.
/// The sum runs over events up to 64 symbols, pruned where the partial term falls below 1e-9 of
/// the running total. For 1+D PAM4 this is 24 Q(sqrt2 f_0 (2/3) / (2 sigma)) against
/// 1.5 Q(f_0 (2/3) / (2 sigma)) for symbol-by-symbol detection with ideal DFE: 3 dB in
/// distance, less the multiplicity.
#include <span>

namespace si::analysis {

/// SER after the FFE with an ideal B-tap DFE (B = 0: plain slicer).
[[nodiscard]] double ser_ffe_dfe(std::span<const double> f, int cursor, int dfe_taps,
                                 double sigma, int levels);

/// Union bound on the MLSE SER for a target of memory M (1 or 2).
[[nodiscard]] double ser_mlse_union_bound(std::span<const double> f, int cursor, int memory,
                                          double sigma, int levels);

}  // namespace si::analysis

#pragma once
/// \file freq.hpp
/// Frequency response to discrete impulse response.
#include <complex>
#include <cstddef>
#include <functional>
#include <vector>

namespace si::dsp {

/// A continuous-time transfer function H(f), f in Hz (f >= 0; H(-f) = conj H(f) is implied).
using TransferFunction = std::function<std::complex<double>(double f_hz)>;

/// Discrete impulse response of H on the grid t_n = n dt_s, n = 0..n-1, as filter taps for a
/// waveform sampled at dt_s: h[n] = dt * IDFT{H(k/(n dt))}. The taps satisfy sum h = H(0) (DC
/// gain) and, by Parseval, sum h^2 = (1/n) sum_k |H_k|^2. n must be even. H is evaluated for
/// k = 0..n/2; the Nyquist bin is taken as real. Anything of the true response longer than
/// n dt wraps around (choose n so that it does not).
[[nodiscard]] std::vector<double> impulse_from_response(const TransferFunction& h, double dt_s,
                                                        std::size_t n);

/// Same, from H already sampled at f_k = k df, k = 0..n/2 (df = 1/(n dt)). Returns taps h[n].
[[nodiscard]] std::vector<double> impulse_from_samples(const std::vector<std::complex<double>>& hk,
                                                       std::size_t n);
/// Same, taking hk's storage as the FFT's input (no copy of a spectrum of up to ~10^5 bins; hk
/// is left in a valid but unspecified state).
[[nodiscard]] std::vector<double> impulse_from_samples(std::vector<std::complex<double>>&& hk,
                                                       std::size_t n);

/// DTFT of taps h (spacing dt_s) at frequency f_hz: sum_n h[n] exp(-j 2 pi f n dt).
[[nodiscard]] std::complex<double> dtft(const std::vector<double>& h, double dt_s, double f_hz);

}  // namespace si::dsp

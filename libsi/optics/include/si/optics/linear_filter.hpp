#pragma once
/// \file linear_filter.hpp
/// A linear time-invariant stage by FFTW overlap-save: the FIR
///
///   y[n] = sum_{m=0}^{L-1} h[m] x[n - m],
///
/// delivered with a fixed extra delay of one hop: process() writes out[i] = y[n_i - hop] for the
/// input sample n_i (y of negative index is 0). Frames of N = fft_size samples sit at absolute
/// positions (frame k holds inputs k*hop - (L-1) .. k*hop + hop - 1, hop = N - L + 1) and are
/// transformed only when complete, so the output is bit-identical for any block split of the
/// input, and state carries across calls. Cost per sample: two real FFTs of size N per hop
/// samples, i.e. O(log N) instead of O(L) for direct convolution.
///
/// Taps come directly, or from a frequency response by frequency sampling
/// (design_fir_from_response): h[m] = (1/K) sum_k H(f_k) e^{-j 2 pi f_k D dt} e^{j 2 pi k m / K},
/// f_k = k / (K dt), with a bulk delay D = K/2 samples so that a zero-phase or non-causal response
/// (the fibre's power fading, a symmetric reference filter) becomes a causal FIR; the FIR equals
/// H(f) e^{-j 2 pi f D dt} exactly at the K sample frequencies, and between them as far as the
/// response is smooth on the scale 1/(K dt) (choose K so that the impulse response fits well
/// inside K samples). delay_samples() = D + hop is the total lag of the output.
#include <complex>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace si::optics {

/// Causal FIR of K taps (K even, >= 2) from H(f) [dimensionless] on the grid dt_s, with bulk
/// delay K/2 samples (see file comment). Throws ConfigError("optics.filter.taps") for K odd or
/// < 2 and ConfigError("optics.filter.response") for a non-finite H or a complex H(0). At the
/// Nyquist frequency only Re H is realised (a real filter's Nyquist bin is real).
[[nodiscard]] std::vector<double> design_fir_from_response(
    const std::function<std::complex<double>(double f_hz)>& response, double dt_s, std::size_t taps);

class OverlapSaveFilter {
public:
    /// taps: h[0..L-1] (L >= 1). fft_size: N > L - 1 (0 = the smallest 2,3,5-smooth size >= 4 L
    /// and >= 256). bulk_delay_samples: the design delay contained in the taps (reported by
    /// delay_samples(); 0 for taps given directly). Throws ConfigError("optics.filter.*").
    explicit OverlapSaveFilter(std::vector<double> taps, std::size_t fft_size = 0,
                               std::size_t bulk_delay_samples = 0);
    /// FIR of `taps` taps designed from `response` (design_fir_from_response), bulk delay taps/2.
    OverlapSaveFilter(const std::function<std::complex<double>(double)>& response, double dt_s,
                      std::size_t taps, std::size_t fft_size = 0);
    ~OverlapSaveFilter();
    OverlapSaveFilter(OverlapSaveFilter&&) noexcept;
    OverlapSaveFilter& operator=(OverlapSaveFilter&&) noexcept;

    /// Streams (see file comment); in and out must have the same size and may alias.
    void process(std::span<const double> in, std::span<double> out) noexcept;
    /// Clears the history: the next input is sample 0 of a new stream.
    void reset() noexcept;
    /// DTFT of the taps at f_hz for sample spacing dt_s (includes the bulk delay, not the hop).
    [[nodiscard]] std::complex<double> response(double f_hz, double dt_s) const noexcept;
    /// Output lag behind the input [samples]: bulk delay + hop.
    [[nodiscard]] std::size_t delay_samples() const noexcept { return bulk_ + hop_; }
    /// The hop (new samples per FFT frame) = N - L + 1.
    [[nodiscard]] std::size_t hop() const noexcept { return hop_; }
    [[nodiscard]] std::size_t fft_size() const noexcept { return n_; }
    [[nodiscard]] const std::vector<double>& taps() const noexcept { return h_; }

private:
    void frame() noexcept;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::vector<double> h_;
    std::size_t n_ = 0, hop_ = 0, bulk_ = 0, pos_ = 0;
};

}  // namespace si::optics

#pragma once
/// \file fft.hpp
/// RAII wrappers over FFTW real-to-complex plans. fftw3.h stays in the .cpp. Plans are made with
/// FFTW_ESTIMATE (never FFTW_MEASURE on large sizes without wisdom) once per size and precision
/// for the whole process and shared by every object of that size (each runs them on its own
/// buffers; thread-safe): constructing an FFT object costs its buffers only.
#include <complex>
#include <cstddef>
#include <memory>
#include <span>

namespace si::dsp {

/// Forward real FFT of size n (double): X[k] = sum_t x[t] exp(-j 2 pi k t / n), k = 0..n/2.
class RealFft {
public:
    explicit RealFft(std::size_t n);
    ~RealFft();
    RealFft(RealFft&&) noexcept;
    RealFft& operator=(RealFft&&) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return n_; }
    /// in.size() == n, out.size() == n/2+1.
    void forward(std::span<const double> in, std::span<std::complex<double>> out);
    /// Unnormalised inverse: out[t] = sum_k X[k] exp(+j 2 pi k t / n) (Hermitian extension);
    /// divide by n for the true inverse. in.size() == n/2+1, out.size() == n.
    void inverse(std::span<const std::complex<double>> in, std::span<double> out);

private:
    struct Impl;
    std::size_t n_;
    std::unique_ptr<Impl> impl_;
};

/// Single-precision twin of RealFft for the waveform path.
class RealFftF {
public:
    explicit RealFftF(std::size_t n);
    ~RealFftF();
    RealFftF(RealFftF&&) noexcept;
    RealFftF& operator=(RealFftF&&) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return n_; }
    void forward(std::span<const float> in, std::span<std::complex<float>> out);
    void inverse(std::span<const std::complex<float>> in, std::span<float> out);
    /// In-place form of inverse() without its two copies: write the n/2+1 bins into
    /// inverse_input(), call execute_inverse(), read the n samples from inverse_output() (valid
    /// until the next call on this object). Same plan, same values as inverse().
    [[nodiscard]] std::span<std::complex<float>> inverse_input() noexcept;
    void execute_inverse() noexcept;
    [[nodiscard]] std::span<const float> inverse_output() const noexcept;

private:
    struct Impl;
    std::size_t n_;
    std::unique_ptr<Impl> impl_;
};

/// Smallest size >= n whose only prime factors are 2, 3 and 5 (fast FFTW sizes).
[[nodiscard]] std::size_t good_fft_size(std::size_t n);

}  // namespace si::dsp

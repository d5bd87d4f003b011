#pragma once
// Helpers of the optics tests: block-split runner, sample statistics and a DFT-based THD that
// does not use the library's own harmonic analysis.
#include <cmath>
#include <complex>
#include <numbers>
#include <span>
#include <vector>

namespace si::optics::testing {

constexpr double kFb = 53.125e9, kUi = 1 / kFb, kDt = kUi / 32;  // 32 samples/UI, B = 850 GHz

/// Runs k.process over x in blocks of `block` samples.
template <class K>
std::vector<double> run_blocks(K& k, const std::vector<double>& x, std::size_t block) {
    std::vector<double> y(x.size());
    for (std::size_t i = 0; i < x.size(); i += block) {
        const std::size_t n = std::min(block, x.size() - i);
        k.process(std::span<const double>(x.data() + i, n), std::span<double>(y.data() + i, n));
    }
    return y;
}

inline double mean(std::span<const double> x) {
    double s = 0;
    for (double v : x) s += v;
    return s / static_cast<double>(x.size());
}
inline double variance(std::span<const double> x) {
    const double m = mean(x);
    double s = 0;
    for (double v : x) s += (v - m) * (v - m);
    return s / static_cast<double>(x.size() - 1);
}

/// Amplitude of harmonic k of a signal holding exactly `periods` periods (coherent sampling).
inline double harmonic(std::span<const double> y, int periods, int k) {
    std::complex<double> acc = 0;
    const double n = static_cast<double>(y.size());
    for (std::size_t i = 0; i < y.size(); ++i)
        acc += y[i] * std::polar(1.0, -2 * std::numbers::pi * k * periods * static_cast<double>(i) / n);
    return 2 * std::abs(acc) / n;
}
/// THD = sqrt(sum_{k=2..kmax} H_k^2) / H_1 of a coherently sampled signal.
inline double thd(std::span<const double> y, int periods, int kmax = 15) {
    double r = 0;
    for (int k = 2; k <= kmax; ++k) r += std::pow(harmonic(y, periods, k), 2);
    return std::sqrt(r) / harmonic(y, periods, 1);
}
/// A sine of amplitude a, `periods` periods over n samples.
inline std::vector<double> sine(std::size_t n, int periods, double a, double offset = 0) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = offset + a * std::sin(2 * std::numbers::pi * periods * static_cast<double>(i) / static_cast<double>(n));
    return x;
}

}  // namespace si::optics::testing

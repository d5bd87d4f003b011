#pragma once
// Test helpers for the receiver DSP tests: random PAM-N symbols and a symbol-spaced channel
// with white Gaussian noise, all from the library's counter-based generators (so runs are
// reproducible and independent of the standard library).
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "si/core/rng.hpp"

namespace si::testing {

/// n uniform random level indices 0..N-1 (seed, stream pattern).
inline std::vector<std::uint8_t> random_levels(std::size_t n, int levels, std::uint64_t seed) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::uint8_t>(si::random_bits(seed, si::Stream::pattern, i) % static_cast<std::uint64_t>(levels));
    return v;
}

inline double level_value(int i, int levels) { return -1.0 + 2.0 * i / (levels - 1); }

/// r_n = sum_i h[i] a_{n - i + c} + sigma N_n  (sample n carries symbol n at the main cursor);
/// (symbols outside 0..n-1 count as 0).
inline std::vector<double> symbol_channel(std::span<const std::uint8_t> lv, int levels,
                                          std::span<const double> h, int c, double sigma,
                                          std::uint64_t seed) {
    const std::size_t n = lv.size();
    std::vector<double> r(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        const double a = level_value(lv[k], levels);
        for (std::size_t i = 0; i < h.size(); ++i) {
            const long idx = static_cast<long>(k) + static_cast<long>(i) - c;
            if (idx >= 0 && idx < static_cast<long>(n)) r[static_cast<std::size_t>(idx)] += h[i] * a;
        }
    }
    if (sigma > 0)
        for (std::size_t k = 0; k < n; ++k) r[k] += sigma * si::ziggurat_gaussian(seed, si::Stream::rx_noise, k);
    return r;
}

/// Two-sided binomial bound: |count - n p| <= z sqrt(n p (1 - p)) + 1.
inline bool within_binomial(std::uint64_t count, std::uint64_t n, double p, double z = 5.0) {
    const double mean = static_cast<double>(n) * p;
    const double sd = std::sqrt(mean * (1 - p));
    return std::abs(static_cast<double>(count) - mean) <= z * sd + 1.0;
}

}  // namespace si::testing

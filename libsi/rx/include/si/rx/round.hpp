#pragma once
/// \file round.hpp
/// Rounding helpers for per-symbol loops. Without SSE4.1 in the build's baseline ISA,
/// std::nearbyint and std::floor are library calls; these inline forms give the same values
/// on the ranges the receiver uses, at a few cycles each: bit for bit except that a zero result
/// may lose its sign (-0.0 comes back as +0.0), which no caller can tell from +0.0.
#include <cmath>

namespace si::rx {

/// std::nearbyint(x) in the default rounding mode (ties to even) for |x| < 2^51; for larger
/// |x| a value of the same sign and at least 2^51 in magnitude (callers clamp it), NaN for NaN.
[[nodiscard]] inline double round_even(double x) noexcept {
    constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
    if (!(std::abs(x) < 2251799813685248.0)) return x;  // |x| >= 2^51 (already an integer), NaN
    return (x + kShift) - kShift;
}

/// std::llround(x) (halves away from zero) for |x| < 2^52: x less its truncation is exact.
[[nodiscard]] inline long long round_away(double x) noexcept {
    auto r = static_cast<long long>(x);
    const double f = x - static_cast<double>(r);
    r += static_cast<long long>(f >= 0.5) - static_cast<long long>(f <= -0.5);
    return r;
}

/// std::floor(x) for |x| < 2^62.
[[nodiscard]] inline double floor_fast(double x) noexcept {
    const double t = static_cast<double>(static_cast<long long>(x));  // truncation toward 0
    return t > x ? t - 1.0 : t;
}

}  // namespace si::rx

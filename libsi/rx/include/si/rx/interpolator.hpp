#pragma once
/// \file interpolator.hpp
/// Value of a uniformly sampled waveform at an arbitrary instant: 4-point (cubic) Lagrange
/// interpolation, used by a sampler driven by a CDR so that a sample at the recovered phase is
/// the waveform at that instant, not the nearest stored sample.
///
/// For samples v_k = v(k dt) and t = (i + mu) dt with 0 <= mu < 1, the cubic through
/// v_{i-1}, v_i, v_{i+1}, v_{i+2} gives
///   v(t) ~= -mu(mu-1)(mu-2)/6 v_{i-1} + (mu+1)(mu-1)(mu-2)/2 v_i
///           - (mu+1)mu(mu-2)/2 v_{i+1} + (mu+1)mu(mu-1)/6 v_{i+2}.
/// Error (Lagrange remainder): |e| <= max|v''''| / 4! * max_{mu in [0,1]} |(mu+1)mu(mu-1)(mu-2)|
/// = (3/128) dt^4 max|v''''|. For a band-limited signal sum_m A_m cos(2 pi f_m t + p_m) this is
///   |e| <= (3/128) sum_m A_m (2 pi f_m dt)^4,
/// e.g. at 32 samples/UI and f = fb/2: (3/128)(pi/32)^4 = 2.2e-6 of the amplitude; at 8
/// samples/UI: 5.6e-4; at 4: 8.9e-3 (tested on a band-limited multi-tone signal).
/// The interpolated waveform is continuous but its derivative is not (C0), which is harmless for
/// sampling.
#include <cmath>
#include <cstddef>
#include <span>

namespace si::rx {

/// Cubic Lagrange through p[0..3] = v_{i-1}, v_i, v_{i+1}, v_{i+2}, evaluated at i + mu.
[[nodiscard]] inline double lagrange3(const double* p, double mu) noexcept {
    // products by 1/6 and 1/2 (not divisions: this runs twice per UI in a CDR's sampler)
    constexpr double k6 = 1.0 / 6.0;
    const double a = mu + 1.0, b = mu, c = mu - 1.0, d = mu - 2.0;
    return -b * c * d * k6 * p[0] + a * c * d * 0.5 * p[1] - a * b * d * 0.5 * p[2] +
           a * b * c * k6 * p[3];
}

/// Value at position x (in samples, x = t/dt relative to v[0]) of the uniformly sampled v.
/// Needs 1 <= floor(x) <= v.size() - 3 (the four neighbours exist); positions outside are
/// clamped into that range (callers keep one sample of margin on each side).
[[nodiscard]] inline double interpolate_at(std::span<const double> v, double x) noexcept {
    const double hi = static_cast<double>(v.size()) - 3.0;
    double fl = std::floor(x);
    double mu = x - fl;
    if (fl < 1.0) { fl = 1.0; mu = x < 1.0 ? 0.0 : mu; }
    if (fl > hi) { fl = hi; mu = 1.0; }
    return lagrange3(v.data() + static_cast<std::size_t>(fl) - 1, mu);
}

}  // namespace si::rx

#pragma once
/// \file units.hpp
/// SI units: literals, dB helpers, and the parser for quantities written with SI prefixes and
/// units in configs ("53.125GBd", "7.5ps", "26.5625 GHz", "-3dB" is not a prefix form).
#include <cmath>
#include <numbers>
#include <string>
#include <string_view>

namespace si {

inline constexpr double kPi = std::numbers::pi;

[[nodiscard]] inline double db20_to_lin(double db) { return std::pow(10.0, db / 20.0); }
[[nodiscard]] inline double db10_to_lin(double db) { return std::pow(10.0, db / 10.0); }
[[nodiscard]] inline double lin_to_db20(double x) { return 20.0 * std::log10(x); }
[[nodiscard]] inline double lin_to_db10(double x) { return 10.0 * std::log10(x); }

/// Gaussian tail Q(x) = P(N(0,1) > x) = erfc(x / sqrt 2) / 2.
[[nodiscard]] inline double q_function(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }
/// Inverse of q_function for p in (0, 0.5]; accurate to ~1e-12 relative (Newton on erfc).
[[nodiscard]] double q_inverse(double p);

/// True when `s` ends with `suffix`, ignoring ASCII case ("53.125GBD" ends with "Bd").
[[nodiscard]] bool ends_with_ci(std::string_view s, std::string_view suffix) noexcept;

/// Parses "53.125G", "53.125GBd", "7.5ps", "26.5625 GHz", "1e-3", "100mV" into SI base units.
/// `unit` is the key's unit ("Hz", "Bd", "s", "V", "UI", "dB", "" for none). The unit suffix may be
/// omitted; a different unit is an error. Prefixes: f p n u µ m k M G T (case-sensitive: m = milli,
/// M = mega). Throws std::invalid_argument with a short reason.
[[nodiscard]] double parse_quantity(std::string_view text, std::string_view unit);

namespace literals {
constexpr double operator""_Hz(long double v) { return static_cast<double>(v); }
constexpr double operator""_kHz(long double v) { return static_cast<double>(v) * 1e3; }
constexpr double operator""_MHz(long double v) { return static_cast<double>(v) * 1e6; }
constexpr double operator""_GHz(long double v) { return static_cast<double>(v) * 1e9; }
constexpr double operator""_GBd(long double v) { return static_cast<double>(v) * 1e9; }
constexpr double operator""_s(long double v) { return static_cast<double>(v); }
constexpr double operator""_ns(long double v) { return static_cast<double>(v) * 1e-9; }
constexpr double operator""_ps(long double v) { return static_cast<double>(v) * 1e-12; }
constexpr double operator""_fs(long double v) { return static_cast<double>(v) * 1e-15; }
constexpr double operator""_V(long double v) { return static_cast<double>(v); }
constexpr double operator""_mV(long double v) { return static_cast<double>(v) * 1e-3; }
constexpr double operator""_GHz(unsigned long long v) { return static_cast<double>(v) * 1e9; }
constexpr double operator""_MHz(unsigned long long v) { return static_cast<double>(v) * 1e6; }
constexpr double operator""_ps(unsigned long long v) { return static_cast<double>(v) * 1e-12; }
}  // namespace literals

}  // namespace si

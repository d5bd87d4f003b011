#pragma once
/// \file constants.hpp
/// Physical constants used by the optical and analog elements (exact SI 2019 values, BIPM SI
/// Brochure 9th ed., table 1) and the helpers shared by the noise sources.
#include <cstdint>

namespace si::optics {

inline constexpr double kElementaryCharge_c = 1.602176634e-19;  ///< q [C]
inline constexpr double kBoltzmann_j_k = 1.380649e-23;          ///< k [J/K]
inline constexpr double kSpeedOfLight_m_s = 299792458.0;        ///< c in vacuum [m/s]

/// One-sided bandwidth [Hz] of white noise drawn independently per sample at spacing dt_s: the
/// simulated bandwidth is the Nyquist frequency B = 1 / (2 dt). A white one-sided density S
/// [unit^2/Hz] then has per-sample variance S B, and a filter H after it gives variance
/// S * ENBW(H) (ENBW = integral of |H(f)|^2 df / |H(0)|^2 over 0..B).
[[nodiscard]] constexpr double simulated_bandwidth_hz(double dt_s) noexcept { return 0.5 / dt_s; }

}  // namespace si::optics

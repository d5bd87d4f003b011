#pragma once
/// \file gaussian.hpp
/// Standard normal draws for the optical elements' noise (driver, laser RIN, photodiode, TIA):
/// the Box-Muller transform on counter-based uniforms, with our own branch-free log, sin and cos,
/// so that a block of draws vectorises completely (no rejection step: the ziggurat of
/// si/core/rng.hpp sends ~1.2 % of its draws to a scalar retry, which cost as much as the
/// vectorised first try). Pair k = index / 2 uses the 64-bit words random_bits(seed, s, 2k) and
/// random_bits(seed, s, 2k + 1):
///
///   u1 = (w1 >> 12 + 1/2) 2^-52 in (0, 1),      r = sqrt(-2 ln u1)   (|x| up to 8.57),
///   q  = w2 >> 62 (quadrant), a = pi/2 ((w2 bits 11..61 + 1/2) 2^-51 - 1/2) in (-pi/4, pi/4),
///   (x_2k, x_2k+1) = r (cos, sin)(a + q pi/2),
///
/// ln by exponent split and the atanh series (12 terms, |s| <= 0.172), sin/cos by their Taylor
/// series to degree 15/16 on |a| <= pi/4: within 5e-15 of the same transform by std::log/sin/cos
/// (gaussian_test), i.e. the exact Box-Muller transform of 52-bit and 51+2-bit uniforms.
/// Every value is a pure function of (seed, stream, index): any block split gives the same values.
/// Only the optics streams use it (the electrical noise keeps the ziggurat, its results unchanged).
#include <cstddef>
#include <cstdint>

#include "si/core/rng.hpp"

namespace si::optics {

/// out[i] = N(0,1) draw number first + i of (seed, s), for i < n.
void fill_normal(std::uint64_t seed, Stream s, std::uint64_t first, double* out, std::size_t n) noexcept;

/// One draw (the same value fill_normal gives for this index).
[[nodiscard]] double normal_at(std::uint64_t seed, Stream s, std::uint64_t index) noexcept;

}  // namespace si::optics

#pragma once
/// \file exp_kernel.hpp
/// The reduction and polynomial of a vectorisable exp, shared by the block kernels that need
/// exp in a loop (si::optics block_math: tanh and the EML curve; si::core rng: the ziggurat's
/// retries). Inline so that it is compiled inside each caller's target clones.
#include <bit>
#include <cstdint>

namespace si::detail {

/// 2^k (returned) and expm1(r) (p) for t = k ln2 + r, |r| <= ln2/2, t in [-1022 ln2, 0], so
/// exp(t) = 2^k (1 + p). expm1(r) = r + r^2 (1/2! + r/3! + ... + r^11/13!): the next term
/// r^14/14! < 4e-18 for |r| <= 0.347; ln 2 split fdlibm-style (k ln2hi exact).
[[gnu::always_inline]] inline double exp_reduce(double t, double& p) noexcept {
    constexpr double kLog2e = 1.4426950408889634074;
    constexpr double kLn2Hi = 6.93147180369123816490e-01;  // low 32 bits zero
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    constexpr double kMagic = 0x1.8p52;  // s = t log2e + kMagic rounds to an integer k in its low bits
    const double s = t * kLog2e + kMagic;
    const double kd = s - kMagic;
    const double r = (t - kd * kLn2Hi) - kd * kLn2Lo;
    double q = 1.0 / 6227020800.0;  // 1/13!
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    p = r + (r * r) * q;
    const std::int64_t k = std::bit_cast<std::int64_t>(s) - std::bit_cast<std::int64_t>(kMagic);
    return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
}

}  // namespace si::detail

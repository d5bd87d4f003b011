#include "si/optics/gaussian.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace si::optics {

namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // fdlibm split of ln 2
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kPiOver2 = 1.57079632679489661923;

// x < 2^52 as a double, exactly, without an int64 conversion instruction (vectorises on x86-64-v3)
inline double small_to_double(std::uint64_t x) noexcept {
    return std::bit_cast<double>(x | 0x4330000000000000ULL) - 0x1.0p52;
}

// Pairs k0 .. k0+m-1: c[j] = x_{2(k0+j)}, s[j] = x_{2(k0+j)+1}. Straight-line code per element
// (selects, no branches), so the loop vectorises; every element sees the same operations.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void normal_pairs(std::uint64_t key, std::uint64_t k0, double* __restrict c, double* __restrict s,
                  std::size_t m) noexcept {
    for (std::size_t j = 0; j < m; ++j) {
        const std::uint64_t k = k0 + j;
        const std::uint64_t w1 = random_bits_keyed(key, 2 * k);
        const std::uint64_t w2 = random_bits_keyed(key, 2 * k + 1);
        // ln u1, u1 = (j1 + 1/2) 2^-53 > 0: u1 = 2^e m, m in [sqrt(1/2), sqrt(2))
        const double u1 = (small_to_double(w1 >> 12) + 0.5) * 0x1.0p-52;
        const std::uint64_t b = std::bit_cast<std::uint64_t>(u1);
        std::uint64_t e = b >> 52;  // biased exponent
        double mm = std::bit_cast<double>((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
        const bool big = mm > kSqrt2;
        mm = big ? 0.5 * mm : mm;
        e = big ? e + 1 : e;
        const double sr = (mm - 1.0) / (mm + 1.0), s2 = sr * sr;
        double p = 1.0 / 23;
        p = p * s2 + 1.0 / 21;
        p = p * s2 + 1.0 / 19;
        p = p * s2 + 1.0 / 17;
        p = p * s2 + 1.0 / 15;
        p = p * s2 + 1.0 / 13;
        p = p * s2 + 1.0 / 11;
        p = p * s2 + 1.0 / 9;
        p = p * s2 + 1.0 / 7;
        p = p * s2 + 1.0 / 5;
        p = p * s2 + 1.0 / 3;
        const double ed = small_to_double(e) - 1023.0;
        const double ln_m = 2 * sr + 2 * sr * (s2 * p);
        const double ln_u = ed * kLn2Hi + (ln_m + ed * kLn2Lo);
        const double r = std::sqrt(-2.0 * ln_u);
        // angle a + q pi/2
        const double a =
            ((small_to_double((w2 >> 11) & ((std::uint64_t{1} << 51) - 1)) + 0.5) * 0x1.0p-51 - 0.5) *
            kPiOver2;
        const double a2 = a * a;
        double ps = -1.0 / 1307674368000.0;
        ps = ps * a2 + 1.0 / 6227020800.0;
        ps = ps * a2 - 1.0 / 39916800.0;
        ps = ps * a2 + 1.0 / 362880.0;
        ps = ps * a2 - 1.0 / 5040.0;
        ps = ps * a2 + 1.0 / 120.0;
        ps = ps * a2 - 1.0 / 6.0;
        const double sn = a + a * (a2 * ps);
        double pc = 1.0 / 20922789888000.0;
        pc = pc * a2 - 1.0 / 87178291200.0;
        pc = pc * a2 + 1.0 / 479001600.0;
        pc = pc * a2 - 1.0 / 3628800.0;
        pc = pc * a2 + 1.0 / 40320.0;
        pc = pc * a2 - 1.0 / 720.0;
        pc = pc * a2 + 1.0 / 24.0;
        pc = pc * a2 - 0.5;
        const double cs = 1.0 + a2 * pc;
        // rotate (cos a, sin a) by q quarter turns: q=0 (c, s), 1 (-s, c), 2 (-c, -s), 3 (s, -c)
        const std::uint64_t q = w2 >> 62;
        const bool odd = (q & 1) != 0;
        const double x = odd ? sn : cs, y = odd ? cs : sn;
        const double sx = ((q + 1) & 2) != 0 ? -1.0 : 1.0;  // q 1, 2
        const double sy = (q & 2) != 0 ? -1.0 : 1.0;        // q 2, 3
        c[j] = r * (sx * x);
        s[j] = r * (sy * y);
    }
}

}  // namespace

void fill_normal(std::uint64_t seed, Stream st, std::uint64_t first, double* out, std::size_t n) noexcept {
    if (n == 0) return;
    const std::uint64_t key = stream_key(seed, st);
    constexpr std::size_t kPairs = 128;
    double c[kPairs], s[kPairs], v[2 * kPairs];
    const std::uint64_t end = first + n;  // one past the last index
    for (std::uint64_t k = first >> 1; 2 * k < end; k += kPairs) {
        const std::size_t m = static_cast<std::size_t>(std::min<std::uint64_t>(kPairs, (end + 1) / 2 - k));
        normal_pairs(key, k, c, s, m);
        for (std::size_t j = 0; j < m; ++j) {
            v[2 * j] = c[j];
            v[2 * j + 1] = s[j];
        }
        // indices 2k .. 2k + 2m - 1, clipped to [first, end)
        const std::uint64_t lo = std::max(first, 2 * k), hi = std::min(end, 2 * (k + m));
        std::memcpy(out + (lo - first), v + (lo - 2 * k), static_cast<std::size_t>(hi - lo) * sizeof(double));
    }
}

double normal_at(std::uint64_t seed, Stream s, std::uint64_t index) noexcept {
    double v;
    fill_normal(seed, s, index, &v, 1);
    return v;
}

}  // namespace si::optics

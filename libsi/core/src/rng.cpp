#include "si/core/rng.hpp"

#include "si/core/exp_kernel.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>

namespace si {

namespace {

// Ziggurat tables (Marsaglia & Tsang 2000, "The Ziggurat Method for Generating Random
// Variables", 128 layers), built once.
struct Zig {
    std::array<std::uint32_t, 128> kn{};
    std::array<double, 128> wn{}, fn{};
    Zig() {
        const double m1 = 2147483648.0;
        double dn = 3.442619855899, tn = dn;
        const double vn = 9.91256303526217e-3;
        const double q = vn / std::exp(-0.5 * dn * dn);
        kn[0] = static_cast<std::uint32_t>((dn / q) * m1);
        kn[1] = 0;
        wn[0] = q / m1;
        wn[127] = dn / m1;
        fn[0] = 1.0;
        fn[127] = std::exp(-0.5 * dn * dn);
        for (int i = 126; i >= 1; --i) {
            dn = std::sqrt(-2.0 * std::log(vn / dn + std::exp(-0.5 * dn * dn)));
            kn[static_cast<std::size_t>(i + 1)] = static_cast<std::uint32_t>((dn / tn) * m1);
            tn = dn;
            fn[static_cast<std::size_t>(i)] = std::exp(-0.5 * dn * dn);
            wn[static_cast<std::size_t>(i)] = dn / m1;
        }
    }
};
const Zig& zig() {
    static const Zig z;
    return z;
}

// A tiny sequential stream private to one index: SplitMix64 steps from the counter hash.
struct LocalStream {
    std::uint64_t state;
    std::uint64_t next() noexcept {
        state += 0x9e3779b97f4a7c15ULL;
        return mix64(state);
    }
    double uni() noexcept { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
};

}  // namespace

namespace {
// w: the first 64 random bits of this index (random_bits); its high half is the first draw.
inline double zig_from(std::uint64_t w) noexcept {
    const Zig& z = zig();
    LocalStream ls{w};
    std::uint64_t draw = w;
    for (;;) {
        const auto hz = static_cast<std::int32_t>(static_cast<std::uint32_t>(draw >> 32));
        draw = ls.next();
        const std::size_t iz = static_cast<std::uint32_t>(hz) & 127u;
        const std::uint32_t ahz = hz < 0 ? static_cast<std::uint32_t>(-static_cast<std::int64_t>(hz))
                                         : static_cast<std::uint32_t>(hz);
        const double x = hz * z.wn[iz];
        if (ahz < z.kn[iz]) return x;
        if (iz == 0) {  // base strip: sample the tail beyond r exactly
            const double r = 3.442619855899;
            double xt, y;
            do {
                xt = -std::log(ls.uni()) / r;
                y = -std::log(ls.uni());
            } while (y + y < xt * xt);
            return hz > 0 ? r + xt : -r - xt;
        }
        if (z.fn[iz] + ls.uni() * (z.fn[iz - 1] - z.fn[iz]) < std::exp(-0.5 * x * x)) return x;
    }
}
}  // namespace

double ziggurat_gaussian(std::uint64_t seed, Stream s, std::uint64_t index) noexcept {
    return zig_from(random_bits(seed, s, index));
}

double ziggurat_gaussian_keyed(std::uint64_t key, std::uint64_t index) noexcept {
    return zig_from(random_bits_keyed(key, index));
}

void fill_gaussian(std::uint64_t seed, Stream s, std::uint64_t first, double sigma, float* out,
                   std::size_t n) noexcept {
    // random_bits(seed, s, i) = mix64(key ^ mix64(i + c)): the key is hoisted out of the loop.
    const std::uint64_t key = stream_key(seed, s);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<float>(sigma * zig_from(random_bits_keyed(key, first + i)));
}

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
// First try of zig_from for indices first .. first+n-1: out[i] = the value when accepted;
// retry[i] = 1 where zig_from must run (a wedge or the tail). Same integer arithmetic and the same
// single product hz * wn[iz] as zig_from, so accepted values are bit-identical.
void zig_first_try(std::uint64_t key, std::uint64_t first, const double* __restrict wn,
                   const std::uint32_t* __restrict kn, double* __restrict out,
                   std::uint8_t* __restrict retry, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t w = random_bits_keyed(key, first + i);
        const auto hz = static_cast<std::int32_t>(static_cast<std::uint32_t>(w >> 32));
        const std::uint32_t iz = static_cast<std::uint32_t>(hz) & 127u;
        const std::int64_t ahz = hz < 0 ? -static_cast<std::int64_t>(hz) : static_cast<std::int64_t>(hz);
        out[i] = hz * wn[iz];
        retry[i] = ahz < static_cast<std::int64_t>(kn[iz]) ? 0 : 1;
    }
}

}  // namespace

namespace {

// exp(t) for t in [-6, 0] by the shared vectorisable kernel (si/core/exp_kernel.hpp, within a
// few 1e-16 relative): only used where a 1e-9 margin decides (zig_retry).
[[gnu::always_inline]] inline double exp_near(double t) noexcept {
    double p;
    const double two_k = si::detail::exp_reduce(t, p);
    return two_k * p + two_k;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
// zig_from for the rejected first tries at indices first + idx[r], r < nr, without branches (the
// iterations overlap; the retries are too few per block for vectors to pay), as
// far as it is certain: the wedge test of that try (its exp to 1e-11: decided only where the two
// sides differ by more than 1e-9, a margin that also covers a multiply-add contracted or not),
// then the first test of the next try. ok[r] = 0 (run zig_from) for the base strip's tail, a
// wedge test within the margin, or a second rejection. x and x1 are single products as in
// zig_from, so the values returned are the same bits.
void zig_retry(std::uint64_t key, std::uint64_t first, const std::uint32_t* __restrict idx,
               const double* __restrict wn, const double* __restrict fn,
               const std::uint32_t* __restrict kn, double* __restrict val,
               std::uint8_t* __restrict ok, std::size_t nr) noexcept {
    constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ULL;
    for (std::size_t r = 0; r < nr; ++r) {
        const std::uint64_t w = random_bits_keyed(key, first + idx[r]);
        const auto hz = static_cast<std::int32_t>(static_cast<std::uint32_t>(w >> 32));
        const std::uint32_t iz = static_cast<std::uint32_t>(hz) & 127u;
        const double x = hz * wn[iz];
        const std::uint32_t izm = iz + (iz == 0 ? 1u : 0u);  // iz = 0 (tail): undecided below
        // zig_from's local stream: draw = mix64(w + g) (the next try), then uni = mix64(w + 2 g)
        const std::uint64_t draw = mix64(w + kGamma);
        const double u =
            (static_cast<double>(static_cast<std::int64_t>(mix64(w + 2 * kGamma) >> 11)) + 0.5) * 0x1.0p-53;
        const double lhs = fn[izm] + u * (fn[izm - 1] - fn[izm]);
        const double e = exp_near(-0.5 * x * x);
        const double gap = lhs - e;
        // no branches (bitwise logic): the loop vectorises
        const unsigned sure = static_cast<unsigned>(iz != 0) & static_cast<unsigned>(std::abs(gap) > 1e-9);
        const unsigned wedge = gap < 0 ? 1u : 0u;
        const auto hz1 = static_cast<std::int32_t>(static_cast<std::uint32_t>(draw >> 32));
        const std::uint32_t iz1 = static_cast<std::uint32_t>(hz1) & 127u;
        const std::int64_t ahz1 = std::abs(static_cast<std::int64_t>(hz1));
        const double x1 = hz1 * wn[iz1];
        const unsigned first1 = ahz1 < static_cast<std::int64_t>(kn[iz1]) ? 1u : 0u;
        // x where the wedge accepted, else x1: a bitwise select (both computed, no branch)
        const std::uint64_t sel = 0 - static_cast<std::uint64_t>(wedge);
        val[r] = std::bit_cast<double>((std::bit_cast<std::uint64_t>(x) & sel) |
                                       (std::bit_cast<std::uint64_t>(x1) & ~sel));
        ok[r] = static_cast<std::uint8_t>(sure & (wedge | first1));
    }
}

}  // namespace

void fill_gaussian(std::uint64_t seed, Stream s, std::uint64_t first, double* out,
                   std::size_t n) noexcept {
    const std::uint64_t key = stream_key(seed, s);
    const Zig& z = zig();
    constexpr std::size_t kChunk = 512;
    std::uint8_t retry[kChunk];
    std::uint32_t idx[kChunk];
    for (std::size_t c = 0; c < n; c += kChunk) {
        const std::size_t m = n - c < kChunk ? n - c : kChunk;
        zig_first_try(key, first + c, z.wn.data(), z.kn.data(), out + c, retry, m);
        // ~2.8 % retries: their positions from a 64-bit mask per 64 flags (0/1 bytes packed eight
        // at a time by a multiply), without a branch per flag
        std::size_t nr = 0;
        for (std::size_t i = 0; i < m; i += 64) {
            const std::size_t len = m - i < 64 ? m - i : 64;
            std::uint8_t f[64] = {};
            std::memcpy(f, retry + i, len);
            std::uint64_t bits = 0;
            for (std::size_t k = 0; k < 8; ++k) {
                std::uint64_t word;
                std::memcpy(&word, f + 8 * k, 8);
                bits |= ((word * 0x0102040810204080ULL) >> 56) << (8 * k);
            }
            for (; bits != 0; bits &= bits - 1)
                idx[nr++] = static_cast<std::uint32_t>(i + static_cast<std::size_t>(std::countr_zero(bits)));
        }
        // the retries: the wedge test and the next try for all at once, zig_from for the ~2 % of
        // them left (a wedge rejection followed by another rejection, the tail, the margin)
        double val[kChunk];
        std::uint8_t ok[kChunk];
        zig_retry(key, first + c, idx, z.wn.data(), z.fn.data(), z.kn.data(), val, ok, nr);
        for (std::size_t r = 0; r < nr; ++r)
            out[c + idx[r]] = ok[r] != 0 ? val[r] : zig_from(random_bits_keyed(key, first + c + idx[r]));
    }
}

}  // namespace si

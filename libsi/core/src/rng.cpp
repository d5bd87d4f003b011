#include "si/core/rng.hpp"

#include <array>
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

void fill_gaussian(std::uint64_t seed, Stream s, std::uint64_t first, double* out,
                   std::size_t n) noexcept {
    const std::uint64_t key = stream_key(seed, s);
    const Zig& z = zig();
    constexpr std::size_t kChunk = 512;
    std::uint8_t retry[kChunk];
    for (std::size_t c = 0; c < n; c += kChunk) {
        const std::size_t m = n - c < kChunk ? n - c : kChunk;
        zig_first_try(key, first + c, z.wn.data(), z.kn.data(), out + c, retry, m);
        // ~1.2 % retries: skip eight flags at a time
        std::size_t i = 0;
        for (; i + 8 <= m; i += 8) {
            std::uint64_t word;
            std::memcpy(&word, retry + i, 8);
            if (word == 0) continue;
            for (std::size_t j = i; j < i + 8; ++j)
                if (retry[j]) out[c + j] = zig_from(random_bits_keyed(key, first + c + j));
        }
        for (; i < m; ++i)
            if (retry[i]) out[c + i] = zig_from(random_bits_keyed(key, first + c + i));
    }
}

}  // namespace si

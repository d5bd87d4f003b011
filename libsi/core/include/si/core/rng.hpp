#pragma once
/// \file rng.hpp
/// Counter-based random numbers. Every random value is a pure function of (seed, stream, index),
/// so a run gives bit-identical results whatever the block size, thread count or shard split,
/// and adding a random stage does not shift another stage's draws. The generator is a
/// SplitMix64-style finaliser chain (Steele, Lea, Flood 2014), and the Gaussian is our own
/// Box-Muller transform so that values do not depend on the standard library's implementation.
#include <cmath>
#include <cstdint>
#include <numbers>

namespace si {

/// Stream identifiers: one per random source. Never renumber; append new ones.
enum class Stream : std::uint64_t {
    pattern = 1,
    tx_noise = 2,
    tx_rj = 3,
    rx_noise = 4,
    sj_phase = 5,
    prbs_start = 6,   ///< PRBS register start state chosen by the seed
    rx_sampler_noise = 7,  ///< RX noise of samples taken between grid points (CDR), 2 per UI
    eye_noise = 8,    ///< RX noise of interpolated eye samples (CDR eye)
    adc_noise = 9,    ///< extra ADC noise for a given ENOB (si::rx::Adc), indexed by sample
    // 10..31: optical and analog elements (libsi/optics).
    optics_driver_noise = 10,  ///< linear driver input-referred noise
    optics_laser_rin = 11,     ///< laser relative intensity noise
    optics_pd_shot = 12,       ///< photodiode shot noise
    optics_pd_thermal = 13,    ///< photodiode thermal (load resistor) noise
    optics_tia_noise = 14,     ///< TIA input-referred noise
    // 15..31: reserved for further optics sources.
    xtalk_base = 64,  ///< aggressor i draws its symbols from stream xtalk_base + i
};

[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Key of one (seed, stream) pair.
[[nodiscard]] constexpr std::uint64_t stream_key(std::uint64_t seed, Stream s) noexcept {
    return mix64(seed + 0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(s) + 1));
}
/// 64 random bits for (key, index): element `index` of the SplitMix64 sequence that starts at
/// `key` (state key + (index+1) gamma, output finaliser), a single multiply-xorshift chain.
[[nodiscard]] constexpr std::uint64_t random_bits_keyed(std::uint64_t key,
                                                        std::uint64_t index) noexcept {
    return mix64(key + (index + 1) * 0x9e3779b97f4a7c15ULL);
}
/// 64 random bits for (seed, stream, index).
[[nodiscard]] constexpr std::uint64_t random_bits(std::uint64_t seed, Stream s,
                                                  std::uint64_t index) noexcept {
    return random_bits_keyed(stream_key(seed, s), index);
}

/// Uniform in (0, 1), never 0 or 1.
[[nodiscard]] inline double random_uniform(std::uint64_t seed, Stream s, std::uint64_t index) noexcept {
    return (static_cast<double>(random_bits(seed, s, index) >> 11) + 0.5) * 0x1.0p-53;
}

/// Standard normal N(0,1): Box-Muller on two uniforms, pairs share one draw (index even -> cos,
/// odd -> sin), so values come in cheap pairs.
[[nodiscard]] inline double random_gaussian(std::uint64_t seed, Stream s, std::uint64_t index) noexcept {
    const std::uint64_t pair = index >> 1;
    const double u1 = random_uniform(seed, s, 2 * pair);
    const double u2 = random_uniform(seed, s, 2 * pair + 1);
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double ang = 2.0 * std::numbers::pi * u2;
    return (index & 1) ? r * std::sin(ang) : r * std::cos(ang);
}

/// Standard normal N(0,1) by the Marsaglia-Tsang ziggurat (128 layers, J. Stat. Softw. 5(8),
/// 2000), fed by a per-index counter-based stream: about 10x cheaper than Box-Muller and still a
/// pure function of (seed, stream, index). The tail beyond r = 3.4426 is sampled exactly.
[[nodiscard]] double ziggurat_gaussian(std::uint64_t seed, Stream s, std::uint64_t index) noexcept;

/// ziggurat_gaussian for a precomputed stream_key(seed, s).
[[nodiscard]] double ziggurat_gaussian_keyed(std::uint64_t key, std::uint64_t index) noexcept;

/// Fills out[i] = sigma * N(0,1) (ziggurat_gaussian) for indices first .. first+n-1.
void fill_gaussian(std::uint64_t seed, Stream s, std::uint64_t first, double sigma, float* out,
                   std::size_t n) noexcept;

/// out[i] = ziggurat_gaussian(seed, s, first + i) for i < n, bit-identical, for a block: the
/// ziggurat's first try (accepted ~97.2 % of the time: a hash, a table look-up, a compare) runs
/// vectorised over the block; the rejected ones then go through the wedge test and the next try
/// without branches (an exp polynomial with a margin that leaves undecided what it cannot decide
/// exactly), and the ~2 % of them left (second rejections, the tail) through the per-index code.
void fill_gaussian(std::uint64_t seed, Stream s, std::uint64_t first, double* out,
                   std::size_t n) noexcept;

}  // namespace si

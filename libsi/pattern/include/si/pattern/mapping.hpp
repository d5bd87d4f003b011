#pragma once
/// \file mapping.hpp
/// PAM-N symbol mapping: data value -> (Gray) -> (1/(1+D) mod N precoding) -> level index, and
/// its inverse at the receiver.
///
/// Terms used throughout the pattern module:
/// - *data value* d: the log2(N) data bits of one symbol as an integer, first bit in time = MSB
///   (IEEE 802.3 120.5.7.1 maps the bit pair {A, B}, A first, as A = MSB).
/// - *level index* L: 0 .. N-1, 0 = lowest voltage / optical power level, N-1 = highest.
/// - Gray code of a level: gray(L) = L ^ (L >> 1). With Gray coding on, the data value sent on
///   level L is gray(L); for PAM4 this is IEEE 802.3 120.5.7.1: data 00 -> level 0, 01 -> 1,
///   11 -> 2, 10 -> 3 (levels -3, -1, +1, +3). Neighbouring levels differ in exactly one bit.
/// - Precoding (IEEE 802.3 clause 120.5.7.2 for PAM4, also referenced by 135.5.7.2 / 162):
///   P(n) = (G(n) - P(n-1)) mod N, where G(n) is the level index after Gray mapping and P(n)
///   the transmitted level index. The receiver undoes it with G(n) = (P(n) + P(n-1)) mod N.
///   A single wrong received level therefore yields two wrong G values (bursts from a DFE
///   become isolated pairs). The initial state P(-1) is 0 at both ends.
#include <cstdint>

namespace si::pattern {

/// log2(levels) for levels = 2, 4, 8; throws si::ConfigError("signal.modulation") otherwise.
[[nodiscard]] int bits_per_symbol(int levels);

/// Gray label of level index i: i ^ (i >> 1).
[[nodiscard]] constexpr std::uint32_t gray_encode(std::uint32_t i) noexcept { return i ^ (i >> 1); }

/// Inverse of gray_encode: the level index whose Gray label is g (prefix XOR of the bits).
[[nodiscard]] constexpr std::uint32_t gray_decode(std::uint32_t g) noexcept {
    for (std::uint32_t s = 1; s < 32; s <<= 1) g ^= g >> s;
    return g;
}

/// Transmit side: data value -> level index, with optional Gray coding and precoding.
/// Stateful when precoding is on (remembers P(n-1)); reset() sets P(-1) = 0.
class PamMapper {
public:
    /// levels: 2, 4 or 8. Throws si::ConfigError("signal.modulation") otherwise.
    PamMapper(int levels, bool gray, bool precode);

    /// Level index (0..N-1) for data value d (0..N-1; higher bits are ignored).
    [[nodiscard]] std::uint8_t map(std::uint32_t d) noexcept {
        std::uint8_t g = table_[d & mask_];
        if (precode_) {
            g = static_cast<std::uint8_t>((g + levels_ - prev_) & mask_);  // (G - P(n-1)) mod N
            prev_ = g;
        }
        return g;
    }
    void reset() noexcept { prev_ = 0; }

    [[nodiscard]] int levels() const noexcept { return levels_; }
    [[nodiscard]] int bits_per_symbol() const noexcept { return bps_; }
    [[nodiscard]] bool gray() const noexcept { return gray_; }
    [[nodiscard]] bool precode() const noexcept { return precode_; }

private:
    int levels_;
    int bps_;
    std::uint32_t mask_;
    bool gray_;
    bool precode_;
    std::uint8_t table_[8] = {};  ///< data value -> level index before precoding
    std::uint8_t prev_ = 0;       ///< P(n-1)
};

/// Receive side: level index -> data value, undoing precoding first, then Gray coding.
/// Stateful when precoding is on (remembers the previous received level); reset() sets it to 0.
class PamDemapper {
public:
    PamDemapper(int levels, bool gray, bool precode);

    /// Data value for received level index L (0..N-1; higher bits are ignored).
    [[nodiscard]] std::uint32_t demap(std::uint8_t level) noexcept {
        std::uint32_t g = level & mask_;
        if (precode_) {
            const std::uint32_t p = g;
            g = (g + prev_) & mask_;  // G(n) = (P(n) + P(n-1)) mod N
            prev_ = p;
        }
        return gray_ ? gray_encode(g) : g;
    }
    void reset() noexcept { prev_ = 0; }

    [[nodiscard]] int levels() const noexcept { return levels_; }
    [[nodiscard]] int bits_per_symbol() const noexcept { return bps_; }

private:
    int levels_;
    int bps_;
    std::uint32_t mask_;
    bool gray_;
    bool precode_;
    std::uint32_t prev_ = 0;
};

}  // namespace si::pattern

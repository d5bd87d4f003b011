#pragma once
/// \file prbs.hpp
/// Maximal-length pseudo-random binary sequences (PRBS-n) from a Fibonacci linear-feedback
/// shift register, generated 64 bits per step.
///
/// Polynomials (ITU-T O.150 clause 5 and IEEE 802.3; PRBS13 from IEEE 802.3 clause 94.2.9.3 /
/// 120.5.11.2.1; PRBS7 is not in O.150 but the industry convention; sources per polynomial in
/// docs/patterns.md):
///
/// | name   | polynomial                 | recurrence (mod 2)                          | period |
/// |--------|----------------------------|---------------------------------------------|------------|
/// | PRBS7  | x^7 + x^6 + 1              | b[i] = b[i-7] ^ b[i-6]                      | 2^7 - 1 |
/// | PRBS9  | x^9 + x^5 + 1              | b[i] = b[i-9] ^ b[i-5]                      | 2^9 - 1 |
/// | PRBS11 | x^11 + x^9 + 1             | b[i] = b[i-11] ^ b[i-9]                     | 2^11 - 1 |
/// | PRBS13 | x^13 + x^12 + x^2 + x + 1  | b[i] = b[i-13] ^ b[i-12] ^ b[i-2] ^ b[i-1]  | 2^13 - 1 |
/// | PRBS15 | x^15 + x^14 + 1            | b[i] = b[i-15] ^ b[i-14]                    | 2^15 - 1 |
/// | PRBS20 | x^20 + x^3 + 1             | b[i] = b[i-20] ^ b[i-3]                     | 2^20 - 1 |
/// | PRBS23 | x^23 + x^18 + 1            | b[i] = b[i-23] ^ b[i-18]                    | 2^23 - 1 |
/// | PRBS31 | x^31 + x^28 + 1            | b[i] = b[i-31] ^ b[i-28]                    | 2^31 - 1 |
///
/// LFSR form and conventions (see docs/patterns.md):
/// - Fibonacci form as drawn in O.150: stage k and stage n are added mod 2 and fed into stage 1;
///   the output is taken from stage n. The exponents of the polynomial are therefore the delays
///   of the recurrence b[i] = XOR_k b[i-k].
/// - The seed is the register content, i.e. the first n output bits: seed bit n-1 (the MSB)
///   is output first, seed bit 0 is output n-th. The default seed is all ones, so every PRBS
///   starts with n ones.
/// - The output is not inverted. (O.150 clause 5 inverts some sequences at the instrument's
///   output; IEEE 802.3 test patterns use the non-inverted LFSR output. Inversion is a
///   one-liner for a user who needs it.)
///
/// Speed: because (1 + D^k + D^n)^64 = 1 + D^64k + D^64n over GF(2), the sequence also obeys
/// b[i] = XOR_k b[i - 64k]. With bits packed 64 to a word in time order, word m is then just
/// W[m] = XOR_k W[m-k]: one to four 64-bit XORs per 64 bits (several Gbit/s).
#include <cstdint>
#include <span>
#include <vector>

namespace si::pattern {

/// The PRBS orders supported: 7, 9, 11, 13, 15, 20, 23, 31.
[[nodiscard]] bool is_prbs_order(int order) noexcept;

/// Delays k of the recurrence b[i] = XOR_k b[i-k] (the non-constant exponents of the generator
/// polynomial, highest first), e.g. {7, 6} for PRBS7 and {13, 12, 2, 1} for PRBS13.
/// Throws si::ConfigError for an unsupported order.
[[nodiscard]] std::vector<int> prbs_taps(int order);

/// Period of PRBS-n in bits: 2^n - 1.
[[nodiscard]] constexpr std::uint64_t prbs_period(int order) noexcept {
    return (std::uint64_t{1} << order) - 1;
}

/// Streaming PRBS-n bit generator (see file comment for polynomials and conventions).
/// State carries across calls, so any split of the output into calls gives the same stream.
class Prbs {
public:
    /// All-ones seed: the register value 2^n - 1.
    static constexpr std::uint32_t kAllOnes = 0xFFFFFFFFu;

    /// order: one of 7, 9, 11, 13, 15, 20, 23, 31. seed: register content, first output bit in
    /// bit order-1; only the low `order` bits are used and they must not all be zero.
    /// Throws si::ConfigError("pattern.prbs.order" / "pattern.prbs.seed") otherwise.
    explicit Prbs(int order, std::uint32_t seed = kAllOnes);

    /// The next 64 bits; the earliest bit is the MSB (bit 63). May be mixed freely with take(),
    /// next_bit() and fill_bits(): bits left over from those come first.
    [[nodiscard]] std::uint64_t next_word() noexcept;

    /// The next k bits (1 <= k <= 32) packed MSB first: the earliest bit is bit k-1.
    /// This is how IEEE 802.3 forms PAM4 symbols from pairs of PRBS bits (first bit = MSB).
    [[nodiscard]] std::uint32_t take(int k) noexcept;

    /// The next bit (0 or 1).
    [[nodiscard]] int next_bit() noexcept { return static_cast<int>(take(1)); }

    /// Writes the next out.size() bits, one bit (0/1) per byte.
    void fill_bits(std::span<std::uint8_t> out) noexcept;

    /// Restarts from the seed.
    void reset() noexcept;

    [[nodiscard]] int order() const noexcept { return order_; }
    [[nodiscard]] std::uint32_t seed() const noexcept { return seed_; }
    /// Period in bits, 2^n - 1.
    [[nodiscard]] std::uint64_t period() const noexcept { return prbs_period(order_); }

private:
    [[nodiscard]] std::uint64_t raw_word() noexcept;

    int order_;
    std::uint32_t seed_;
    int taps_[4] = {0, 0, 0, 0};
    int n_taps_ = 0;
    std::uint64_t init_[32] = {};  ///< words 0..order-1, computed bit by bit from the seed
    std::uint64_t ring_[32] = {};  ///< words m-31..m, indexed m & 31
    std::uint64_t word_index_ = 0;
    std::uint64_t res_ = 0;  ///< reservoir of pending bits, earliest in the MSB
    int avail_ = 0;          ///< number of pending bits in res_
};

}  // namespace si::pattern

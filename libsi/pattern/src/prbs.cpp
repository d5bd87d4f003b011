#include "si/pattern/prbs.hpp"

#include <si/core/error.hpp>

namespace si::pattern {

bool is_prbs_order(int order) noexcept {
    switch (order) {
        case 7:
        case 9:
        case 11:
        case 13:
        case 15:
        case 20:
        case 23:
        case 31:
            return true;
        default:
            return false;
    }
}

std::vector<int> prbs_taps(int order) {
    switch (order) {
        case 7:
            return {7, 6};
        case 9:
            return {9, 5};
        case 11:
            return {11, 9};
        case 13:
            return {13, 12, 2, 1};
        case 15:
            return {15, 14};
        case 20:
            return {20, 3};
        case 23:
            return {23, 18};
        case 31:
            return {31, 28};
        default:
            throw ConfigError("pattern.prbs.order",
                              str("must be one of 7, 9, 11, 13, 15, 20, 23, 31 (got ", order, ")"));
    }
}

Prbs::Prbs(int order, std::uint32_t seed) : order_(order) {
    const auto taps = prbs_taps(order);
    const std::uint32_t mask =
        order == 32 ? 0xFFFFFFFFu : static_cast<std::uint32_t>((std::uint64_t{1} << order) - 1);
    seed_ = seed & mask;
    if (seed_ == 0)
        throw ConfigError("pattern.prbs.seed", "must have a non-zero low `order` bits (got 0)");
    n_taps_ = static_cast<int>(taps.size());
    for (int i = 0; i < n_taps_; ++i) taps_[i] = taps[static_cast<std::size_t>(i)];

    // The first `order` words bit by bit from the recurrence; afterwards W[m] = XOR W[m-k].
    const std::size_t n_bits = 64 * static_cast<std::size_t>(order);
    std::vector<std::uint8_t> b(n_bits);
    for (int j = 0; j < order; ++j)
        b[static_cast<std::size_t>(j)] = (seed_ >> (order - 1 - j)) & 1u;
    for (std::size_t i = static_cast<std::size_t>(order); i < n_bits; ++i) {
        std::uint8_t v = 0;
        for (int t = 0; t < n_taps_; ++t) v ^= b[i - static_cast<std::size_t>(taps_[t])];
        b[i] = v;
    }
    for (int m = 0; m < order; ++m) {
        std::uint64_t w = 0;
        for (int j = 0; j < 64; ++j) w = (w << 1) | b[static_cast<std::size_t>(64 * m + j)];
        init_[m] = w;
    }
    reset();
}

void Prbs::reset() noexcept {
    for (int m = 0; m < 32; ++m) ring_[m] = init_[m];
    word_index_ = 0;
    res_ = 0;
    avail_ = 0;
}

std::uint64_t Prbs::raw_word() noexcept {
    const std::uint64_t m = word_index_++;
    if (m < static_cast<std::uint64_t>(order_)) return ring_[m];  // warm-up words, already there
    std::uint64_t w = 0;
    for (int t = 0; t < n_taps_; ++t) w ^= ring_[(m - static_cast<std::uint64_t>(taps_[t])) & 31u];
    ring_[m & 31u] = w;  // overwrites W[m-32], older than the largest delay (31)
    return w;
}

std::uint64_t Prbs::next_word() noexcept {
    if (avail_ == 0) return raw_word();
    // Pending bits first, then the head of a fresh word.
    const std::uint64_t w = raw_word();
    const std::uint64_t out = res_ | (w >> avail_);
    res_ = w << (64 - avail_);
    return out;
}

std::uint32_t Prbs::take(int k) noexcept {
    SI_ASSERT(k >= 1 && k <= 32);
    if (avail_ >= k) {
        const auto v = static_cast<std::uint32_t>(res_ >> (64 - k));
        res_ <<= k;
        avail_ -= k;
        return v;
    }
    // Not enough pending bits: the `avail_` pending ones, then r = k - avail_ from a new word.
    const int r = k - avail_;
    const std::uint64_t hi = avail_ == 0 ? 0 : (res_ >> (64 - avail_));
    const std::uint64_t w = raw_word();
    const auto v = static_cast<std::uint32_t>((hi << r) | (w >> (64 - r)));
    res_ = w << r;
    avail_ = 64 - r;
    return v;
}

void Prbs::fill_bits(std::span<std::uint8_t> out) noexcept {
    std::size_t i = 0;
    while (i < out.size() && avail_ > 0) out[i++] = static_cast<std::uint8_t>(take(1));
    while (out.size() - i >= 64) {
        const std::uint64_t w = raw_word();
        for (int j = 63; j >= 0; --j) out[i++] = static_cast<std::uint8_t>((w >> j) & 1u);
    }
    while (i < out.size()) out[i++] = static_cast<std::uint8_t>(take(1));
}

}  // namespace si::pattern

#pragma once
// Transmitter stage: pattern -> level indices -> TX symbol amplitudes x_k (FFE, swing/2, TX
// noise of the "launch" model), generated on demand by absolute symbol index k and kept in a
// sliding window. The first stage of the run; see docs/engine.md.
// Symbols are generated in chunks (kChunk at a time: the pattern source and the FFE run as one
// loop each) into contiguous arrays; a symbol's value depends only on its index, so generating
// ahead changes nothing.
#include <cstdint>
#include <vector>

#include "si/core/error.hpp"
#include "si/pattern/source.hpp"
#include "si/sim/link.hpp"

namespace si::sim::detail {

class TxSymbols {
public:
    explicit TxSymbols(const Link& link);
    /// Starts the store at symbol `first` (minus the FFE span, so the FFE history is exact);
    /// called once, before any symbol is read.
    void start(std::uint64_t first);
    /// Ensures symbols [.., k_end) exist.
    void extend(std::uint64_t k_end) {
        if (k_end > end_) grow(k_end);
    }
    [[nodiscard]] std::uint8_t level(std::uint64_t k) {
        extend(k + 1);
        return lv_[idx(k)];
    }
    /// TX amplitude of symbol k [V] (before the rise-time filter).
    [[nodiscard]] float x(std::uint64_t k) {
        extend(k + 1);
        return x_[idx(k)];
    }
    /// TX amplitudes of symbols k0 .. k0 + n - 1 into out [V].
    void copy_x(std::uint64_t k0, std::size_t n, float* out);
    /// Forgets symbols below k (keeps memory bounded).
    void trim(std::uint64_t k);
    [[nodiscard]] std::uint64_t base() const noexcept { return base_; }

    static constexpr std::size_t kChunk = 2048;  ///< symbols generated per refill

private:
    void grow(std::uint64_t k_end);
    [[nodiscard]] std::size_t idx(std::uint64_t k) const noexcept {
        SI_ASSERT(k >= base_ && k < end_);
        return static_cast<std::size_t>(k - off_);
    }
    const Link& link_;
    pattern::SymbolSource src_;
    std::vector<double> ffe_;
    std::vector<float> level_v_;  // a_i per level index
    double half_, sigma_tx_;
    std::uint64_t seed_;
    std::uint64_t first_ = 0;  // first symbol of the store (the FFE sees zeros before it)
    std::uint64_t base_ = 0, end_ = 0;
    std::uint64_t off_ = 0;    // symbol index of storage element 0 (off_ <= base_)
    std::vector<std::uint8_t> lv_;
    std::vector<float> a_, x_;
};

}  // namespace si::sim::detail

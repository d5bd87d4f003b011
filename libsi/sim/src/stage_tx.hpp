#pragma once
// Transmitter stage: pattern -> level indices -> TX symbol amplitudes x_k (FFE, swing/2, TX
// noise of the "launch" model), generated on demand by absolute symbol index k and kept in a
// sliding window. The first stage of the run; see docs/engine.md.
#include <cstdint>
#include <deque>
#include <vector>

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
    void extend(std::uint64_t k_end);
    [[nodiscard]] std::uint8_t level(std::uint64_t k) {
        extend(k + 1);
        return lv_[idx(k)];
    }
    /// TX amplitude of symbol k [V] (before the rise-time filter).
    [[nodiscard]] float x(std::uint64_t k) {
        extend(k + 1);
        return x_[idx(k)];
    }
    /// Forgets symbols below k (keeps memory bounded).
    void trim(std::uint64_t k);
    [[nodiscard]] std::uint64_t base() const noexcept { return base_; }

private:
    [[nodiscard]] std::size_t idx(std::uint64_t k) const noexcept;
    const Link& link_;
    pattern::SymbolSource src_;
    std::vector<double> ffe_;
    double half_, sigma_tx_;
    std::uint64_t seed_;
    std::uint64_t base_ = 0, end_ = 0;
    std::deque<std::uint8_t> lv_;
    std::deque<float> a_, x_;
    std::vector<std::uint8_t> tmp_;
};

}  // namespace si::sim::detail

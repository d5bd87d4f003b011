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

/// The symbols a retimer hands to the next hop (docs/architectures.md "Multi-hop links"):
/// levels[k - k0] for symbols k0 .. k0+n-1 (kMissing where the retimer decided none) and the
/// retimer's recovered-clock offset of each, which shifts the edge that starts it [UI of this
/// hop]. Symbols outside the range are silence (0 V), like those before a pattern's start.
struct Upstream {
    static constexpr std::uint8_t kMissing = 255;
    const std::uint8_t* levels = nullptr;
    const float* edge_ui = nullptr;
    std::uint64_t k0 = 0, n = 0;
    [[nodiscard]] bool has(std::uint64_t k) const noexcept {
        return k >= k0 && k - k0 < n && levels[k - k0] != kMissing;
    }
};

class TxSymbols {
public:
    /// Symbols from the link's pattern, or (upstream != nullptr) from the previous hop's retimer.
    explicit TxSymbols(const Link& link, const Upstream* upstream = nullptr);
    /// Extra edge offset of symbol k from the upstream retimer's clock [UI] (0 without one).
    [[nodiscard]] double upstream_edge_ui(std::uint64_t k) const noexcept {
        return up_ != nullptr && up_->edge_ui != nullptr && k >= up_->k0 && k - up_->k0 < up_->n
                   ? static_cast<double>(up_->edge_ui[k - up_->k0])
                   : 0.0;
    }
    [[nodiscard]] bool has_upstream() const noexcept { return up_ != nullptr; }
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
    const Upstream* up_ = nullptr;
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

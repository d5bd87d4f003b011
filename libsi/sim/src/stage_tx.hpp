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
    const Upstream* up_ = nullptr;
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

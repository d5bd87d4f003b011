#include "stage_tx.hpp"

#include <algorithm>
#include <span>

#include "si/core/rng.hpp"

namespace si::sim::detail {

TxSymbols::TxSymbols(const Link& link, const Upstream* upstream)
    : link_(link), up_(upstream), src_(link.spec().signal.pattern), ffe_(tx::ffe_taps(link.spec().tx)),
      half_(link.spec().tx.swing_v / 2), sigma_tx_(link.tx_noise_sigma_v()),
      seed_(link.spec().sim.seed) {
    for (int i = 0; i < link.levels(); ++i) level_v_.push_back(static_cast<float>(link.level_value(i)));
}

void TxSymbols::start(std::uint64_t first) {
    // Skip ahead to `first - (ffe taps - 1)` so the FFE history is exact.
    const std::uint64_t pre = ffe_.size() - 1;
    std::uint64_t skip = first > pre ? first - pre : 0;
    if (up_ != nullptr) skip = 0;  // the retimer's symbols are addressed by index
    std::vector<std::uint8_t> junk(65536);
    while (skip > 0) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(skip, junk.size()));
        src_.generate(std::span<std::uint8_t>(junk.data(), n));
        skip -= n;
    }
    first_ = base_ = end_ = off_ = first > pre ? first - pre : 0;
}

void TxSymbols::grow(std::uint64_t k_end) {
    // drop what trim() released once it is at least half the store (amortised O(1) per symbol)
    const auto dead = static_cast<std::size_t>(base_ - off_);
    if (dead >= kChunk && 2 * dead >= lv_.size()) {
        lv_.erase(lv_.begin(), lv_.begin() + static_cast<std::ptrdiff_t>(dead));
        a_.erase(a_.begin(), a_.begin() + static_cast<std::ptrdiff_t>(dead));
        x_.erase(x_.begin(), x_.begin() + static_cast<std::ptrdiff_t>(dead));
        off_ = base_;
    }
    k_end = std::max<std::uint64_t>(k_end, end_ + kChunk);
    const auto n = static_cast<std::size_t>(k_end - end_);
    const std::size_t s0 = lv_.size();
    lv_.resize(s0 + n);
    a_.resize(s0 + n);
    x_.resize(s0 + n);
    if (up_ == nullptr) {
        src_.generate(std::span<std::uint8_t>(lv_.data() + s0, n));
        for (std::size_t i = 0; i < n; ++i) a_[s0 + i] = level_v_[lv_[s0 + i]];
    } else {  // the previous hop's decisions; silence where it decided none
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t k = end_ + i;
            const bool has = up_->has(k);
            const std::uint8_t l = has ? up_->levels[k - up_->k0] : Upstream::kMissing;
            lv_[s0 + i] = l;
            a_[s0 + i] = has ? level_v_[l] : 0.0f;
        }
    }
    // x_k = half * sum_i c_i a_{k-i} + noise_k, for k in [end_, k_end); the sum in the order
    // i = 0, 1, ..., terms before the store's first symbol left out (fresh start)
    const std::size_t T = ffe_.size();
    const double* c = ffe_.data();
    for (std::uint64_t k = end_; k < k_end; ++k) {
        const float* ak = a_.data() + (k - off_);
        double acc = 0;
        if (k - first_ >= T - 1) {
            for (std::size_t i = 0; i < T; ++i) acc += c[i] * ak[-static_cast<std::ptrdiff_t>(i)];
        } else {
            for (std::size_t i = 0; i <= k - first_; ++i) acc += c[i] * ak[-static_cast<std::ptrdiff_t>(i)];
        }
        double x = half_ * acc;
        if (sigma_tx_ > 0) x += sigma_tx_ * ziggurat_gaussian(seed_, Stream::tx_noise, k);
        x_[static_cast<std::size_t>(k - off_)] = static_cast<float>(x);
    }
    end_ = k_end;
}

void TxSymbols::copy_x(std::uint64_t k0, std::size_t n, float* out) {
    extend(k0 + n);
    std::copy_n(x_.data() + idx(k0), n, out);
}

void TxSymbols::trim(std::uint64_t k) {
    // keep the FFE's history of the next symbols to be generated
    const std::uint64_t keep = std::min<std::uint64_t>(end_ - base_, ffe_.size());
    k = std::min(k, end_ - keep);
    if (k > base_) base_ = k;
}

}  // namespace si::sim::detail

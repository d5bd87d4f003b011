#include "stage_tx.hpp"

#include <algorithm>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"

namespace si::sim::detail {

TxSymbols::TxSymbols(const Link& link, const Upstream* upstream)
    : link_(link), up_(upstream), src_(link.spec().signal.pattern), ffe_(tx::ffe_taps(link.spec().tx)),
      half_(link.spec().tx.swing_v / 2), sigma_tx_(link.tx_noise_sigma_v()),
      seed_(link.spec().sim.seed) {}

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
    base_ = first > pre ? first - pre : 0;
    end_ = base_;
}

void TxSymbols::extend(std::uint64_t k_end) {
    if (k_end <= end_) return;
    const std::size_t n = static_cast<std::size_t>(k_end - end_);
    tmp_.resize(n);
    if (up_ == nullptr) {
        src_.generate(tmp_);
        for (std::size_t i = 0; i < n; ++i) {
            lv_.push_back(tmp_[i]);
            a_.push_back(static_cast<float>(link_.level_value(tmp_[i])));
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t k = end_ + i;
            const bool has = up_->has(k);
            const std::uint8_t l = has ? up_->levels[k - up_->k0] : Upstream::kMissing;
            lv_.push_back(l);
            a_.push_back(has ? static_cast<float>(link_.level_value(l)) : 0.0f);
        }
    }
    // x_k = half * sum_i c_i a_{k-i} + noise_k, for k in [end_, k_end)
    for (std::uint64_t k = end_; k < k_end; ++k) {
        double acc = 0;
        for (std::size_t i = 0; i < ffe_.size(); ++i) {
            if (k < i || k - i < base_) continue;  // before the store: zero (fresh start)
            acc += ffe_[i] * a_[static_cast<std::size_t>(k - i - base_)];
        }
        double x = half_ * acc;
        if (sigma_tx_ > 0) x += sigma_tx_ * ziggurat_gaussian(seed_, Stream::tx_noise, k);
        x_.push_back(static_cast<float>(x));
    }
    end_ = k_end;
}

void TxSymbols::trim(std::uint64_t k) {
    // keep the FFE's history of the next symbols to be generated
    const std::uint64_t keep = std::min<std::uint64_t>(end_ - base_, ffe_.size());
    k = std::min(k, end_ - keep);
    if (k <= base_) return;
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::min(k, end_) - base_),
                                                lv_.size());
    lv_.erase(lv_.begin(), lv_.begin() + static_cast<std::ptrdiff_t>(n));
    a_.erase(a_.begin(), a_.begin() + static_cast<std::ptrdiff_t>(n));
    x_.erase(x_.begin(), x_.begin() + static_cast<std::ptrdiff_t>(n));
    base_ += n;
}

std::size_t TxSymbols::idx(std::uint64_t k) const noexcept {
    SI_ASSERT(k >= base_ && k < end_);
    return static_cast<std::size_t>(k - base_);
}

}  // namespace si::sim::detail

#include "si/analysis/burst.hpp"

#include <algorithm>

#include "si/core/error.hpp"

namespace si::analysis {

BurstCounter::BurstCounter(int max_gap, int max_length) : gap_(max_gap), max_len_(max_length) {
    require(max_gap >= 1, "burst.max_gap", "must be >= 1", max_gap);
    require(max_length >= 2, "burst.max_length", "must be >= 2", max_length);
    len_.assign(static_cast<std::size_t>(max_length) + 1, 0);
    cnt_.assign(static_cast<std::size_t>(max_length) + 1, 0);
}

void BurstCounter::finish() noexcept {
    if (!open_) return;
    const auto L = std::min<std::uint64_t>(last_ - first_ + 1, static_cast<std::uint64_t>(max_len_));
    const auto k = std::min<std::uint64_t>(in_burst_, static_cast<std::uint64_t>(max_len_));
    ++len_[L];
    ++cnt_[k];
    ++bursts_;
    open_ = false;
}

void BurstCounter::error_at(std::uint64_t i) noexcept {
    ++errors_;
    if (open_ && i - last_ - 1 < static_cast<std::uint64_t>(gap_)) {
        last_ = i;
        ++in_burst_;
        return;
    }
    finish();
    open_ = true;
    first_ = last_ = i;
    in_burst_ = 1;
}

void BurstCounter::add(std::span<const std::uint8_t> s, std::span<const std::uint8_t> d) noexcept {
    const std::size_t n = std::min(s.size(), d.size());
    for (std::size_t i = 0; i < n; ++i)
        if (s[i] != d[i]) error_at(index_ + i);
    index_ += n;
}

void BurstCounter::add_errors(std::span<const std::uint8_t> e) noexcept {
    for (std::size_t i = 0; i < e.size(); ++i)
        if (e[i]) error_at(index_ + i);
    index_ += e.size();
}

}  // namespace si::analysis

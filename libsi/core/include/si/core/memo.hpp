#pragma once
/// \file memo.hpp
/// Exact-input reuse: bitwise comparison of inputs, and the last few results of a pure function
/// kept by their key (a sweep builds a link per point, mostly from the same channel, CTLE and
/// pulse). A kept result is the same bits as the function computed again.
#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace si {

/// Equal bit patterns (NaN equals the same NaN; 0.0 and -0.0 differ): the test for "the same
/// input, so the same result".
[[nodiscard]] inline bool same_bits(double a, double b) noexcept { return std::memcmp(&a, &b, sizeof a) == 0; }
[[nodiscard]] inline bool same_bits(const std::vector<double>& a, const std::vector<double>& b) noexcept {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

/// The last `cap` results of a pure function, by key (Key::operator== decides a match).
/// Thread-safe; the function runs outside the lock, and nothing is kept when it throws.
template <class Key, class Value>
class RecentResults {
public:
    explicit RecentResults(std::size_t cap) : cap_(cap) {}
    template <class Make>
    std::shared_ptr<const Value> get(const Key& k, Make&& make) {
        {
            std::lock_guard lk(m_);
            for (const auto& e : e_)
                if (e.first == k) return e.second;
        }
        auto v = std::make_shared<const Value>(make());
        std::lock_guard lk(m_);
        e_.emplace_front(k, v);
        if (e_.size() > cap_) e_.pop_back();
        return v;
    }

private:
    std::mutex m_;
    std::deque<std::pair<Key, std::shared_ptr<const Value>>> e_;
    std::size_t cap_;
};

}  // namespace si

#include "si/rx/mlse.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"

namespace si::rx {

void validate(const MlseConfig& c) {
    require(c.levels >= 2 && c.levels <= 8, "rx.mlse.levels", "must be in 2..8", c.levels);
    require(c.memory == 1 || c.memory == 2, "rx.mlse.taps", "must be 1 or 2 (target memory)",
            c.memory);
    require(c.traceback >= 1 && c.traceback <= 1024, "rx.mlse.traceback", "must be in 1..1024",
            c.traceback);
    require(c.target.empty() || static_cast<int>(c.target.size()) == c.memory + 1,
            "rx.mlse.target", "must be empty or have taps + 1 values", c.target.size());
    require(c.target.empty() || c.target[0] == 1.0, "rx.mlse.target", "must start with 1 (monic)",
            c.target.empty() ? 0.0 : c.target[0]);
    for (double g : c.target) require(std::isfinite(g), "rx.mlse.target", "must be finite", g);
}

std::vector<double> mlse_target_from_pulse(std::span<const double> f, int c, int memory) {
    require(c >= 0 && c < static_cast<int>(f.size()) && f[static_cast<std::size_t>(c)] > 0, "rx.mlse",
            "pulse main cursor must exist and be > 0", c);
    std::vector<double> g{1.0};
    for (int i = 1; i <= memory; ++i) {
        const auto j = static_cast<std::size_t>(c + i);
        g.push_back(j < f.size() ? f[j] / f[static_cast<std::size_t>(c)] : 0.0);
    }
    return g;
}

Mlse::Mlse(const MlseConfig& cfg, std::span<const double> target, double h0)
    : n_(cfg.levels), m_(cfg.memory), depth_(cfg.traceback) {
    validate(cfg);
    require(static_cast<int>(target.size()) == m_ + 1 && target[0] == 1.0, "rx.mlse.target",
            "must have taps + 1 values starting with 1", target.size());
    require(std::isfinite(h0) && h0 > 0, "rx.mlse", "main cursor must be > 0", h0);
    target_.assign(target.begin(), target.end());
    const auto N = static_cast<std::size_t>(n_);
    states_ = m_ == 1 ? N : N * N;
    auto lv = [&](std::size_t i) { return -1.0 + 2.0 * static_cast<double>(i) / (n_ - 1); };
    ref_.resize(states_ * N);
    pred_.resize(states_ * N);
    // new state s' = x + N p1 (M = 2) or x (M = 1); predecessor j: (p1 + N j) or j
    for (std::size_t s = 0; s < states_; ++s) {
        const std::size_t x = s % N, p1 = s / N;
        for (std::size_t j = 0; j < N; ++j) {
            double r;
            std::size_t pr;
            if (m_ == 1) {
                r = lv(x) + target_[1] * lv(j);
                pr = j;
            } else {
                r = lv(x) + target_[1] * lv(p1) + target_[2] * lv(j);
                pr = p1 + N * j;
            }
            ref_[s * N + j] = h0 * r;
            pred_[s * N + j] = static_cast<std::uint8_t>(pr);
        }
    }
    metric_.assign(states_, 0.0);
    next_.assign(states_, 0.0);
    if (m_ == 1) {  // transposed reference table for the state-parallel step
        ref_js_.resize(states_ * N);
        for (std::size_t s = 0; s < states_; ++s)
            for (std::size_t j = 0; j < N; ++j) ref_js_[j * N + s] = ref_[s * N + j];
    }
    std::size_t r = 1;
    while (r < static_cast<std::size_t>(depth_) + 1) r <<= 1;
    rmask_ = r - 1;
    surv_.assign(r * states_, 0);
    while ((1 << bits_) < n_) ++bits_;
    exchange_ = (depth_ + 1) * bits_ <= 128;
    for (std::size_t s = 0; s < states_; ++s) xs_.push_back(static_cast<std::uint8_t>(s % N));
    if (exchange_) {
        reg_.assign(states_, 0);
        reg_next_.assign(states_, 0);
    }
}

void Mlse::reset() noexcept {
    std::fill(metric_.begin(), metric_.end(), 0.0);
    t_ = 0;
}

namespace {
// One add-compare-select step of a memory-1 target with N levels (N states, predecessor j of
// every state is state j): the same operations in the same order as the general loop in
// Mlse::step, laid out state-parallel ([j][s]) so that the compiler vectorises across states.
template <std::size_t N>
double acs_memory1(double y, const double* ref_js, const double* metric, double* next,
                   std::uint8_t* sv) noexcept {
    double best[N], d2[N];
    std::uint8_t arg[N];
    for (std::size_t s = 0; s < N; ++s) {
        best[s] = 1e300;
        arg[s] = 0;
    }
    for (std::size_t j = 0; j < N; ++j) {
        const double mj = metric[j];
        for (std::size_t s = 0; s < N; ++s) {
            const double d = y - ref_js[j * N + s];
            d2[s] = mj + d * d;
        }
        for (std::size_t s = 0; s < N; ++s) {
            const bool lt = d2[s] < best[s];  // first minimum kept on ties
            best[s] = lt ? d2[s] : best[s];
            arg[s] = lt ? static_cast<std::uint8_t>(j) : arg[s];
        }
    }
    double best_all = 1e300;
    for (std::size_t s = 0; s < N; ++s) {
        next[s] = best[s];
        sv[s] = arg[s];
        best_all = std::min(best_all, best[s]);
    }
    return best_all;
}
}  // namespace

void Mlse::step(double y) noexcept {
    const auto N = static_cast<std::size_t>(n_);
    if (m_ == 1 && (N == 2 || N == 4 || N == 8)) {
        std::uint8_t* sv = surv_.data() + (t_ & rmask_) * states_;
        const double best_all =
            N == 4   ? acs_memory1<4>(y, ref_js_.data(), metric_.data(), next_.data(), sv)
            : N == 2 ? acs_memory1<2>(y, ref_js_.data(), metric_.data(), next_.data(), sv)
                     : acs_memory1<8>(y, ref_js_.data(), metric_.data(), next_.data(), sv);
        finish_step(sv, best_all);
        return;
    }
    std::uint8_t* sv = surv_.data() + (t_ & rmask_) * states_;
    double best_all = 1e300;
    for (std::size_t s = 0; s < states_; ++s) {
        const double* rf = ref_.data() + s * N;
        const std::uint8_t* pr = pred_.data() + s * N;
        double best = 1e300;
        std::uint8_t arg = 0;
        for (std::size_t j = 0; j < N; ++j) {
            const double d = y - rf[j];
            const double m = metric_[pr[j]] + d * d;
            const bool lt = m < best;  // first minimum kept on ties
            best = lt ? m : best;
            arg = lt ? pr[j] : arg;
        }
        next_[s] = best;
        sv[s] = arg;
        best_all = std::min(best_all, best);
    }
    finish_step(sv, best_all);
}

void Mlse::finish_step(const std::uint8_t* sv, double best_all) noexcept {
    for (std::size_t s = 0; s < states_; ++s) metric_[s] = next_[s] - best_all;
    if (exchange_) {
        const Reg* r = reg_.data();
        Reg* rn = reg_next_.data();
        for (std::size_t s = 0; s < states_; ++s) rn[s] = (r[sv[s]] << bits_) | xs_[s];
        reg_.swap(reg_next_);
    }
    ++t_;
}

std::size_t Mlse::process(std::span<const double> in, std::span<std::uint8_t> out) noexcept {
    SI_ASSERT(out.size() >= in.size());
    const auto N = static_cast<std::size_t>(n_);
    const auto D = static_cast<std::uint64_t>(depth_);
    std::size_t k = 0;
    for (double y : in) {
        step(y);
        if (t_ <= D) continue;
        // best state at time t_-1, traced back D steps to the state at time t_-1-D
        // best state: the first minimum, as std::min_element gives it, without branches
        std::size_t s = 0;
        double bv = metric_[0];
        for (std::size_t q = 1; q < states_; ++q) {
            const bool lt = metric_[q] < bv;
            bv = lt ? metric_[q] : bv;
            s = lt ? q : s;
        }
        if (exchange_) {
            out[k++] = static_cast<std::uint8_t>((reg_[s] >> (D * static_cast<unsigned>(bits_))) &
                                                 ((Reg{1} << bits_) - 1));
            continue;
        }
        for (std::uint64_t i = 0; i < D; ++i) s = surv_[((t_ - 1 - i) & rmask_) * states_ + s];
        out[k++] = static_cast<std::uint8_t>(s % N);
    }
    return k;
}

std::size_t Mlse::flush(std::span<std::uint8_t> out) noexcept {
    const auto N = static_cast<std::size_t>(n_);
    const std::uint64_t pending = std::min<std::uint64_t>(t_, static_cast<std::uint64_t>(depth_));
    SI_ASSERT(out.size() >= pending);
    std::size_t s = static_cast<std::size_t>(std::min_element(metric_.begin(), metric_.end()) - metric_.begin());
    // states at times t_-1, t_-2, ..., t_-pending; decisions written newest last
    for (std::uint64_t i = 0; i < pending; ++i) {
        out[pending - 1 - i] = static_cast<std::uint8_t>(s % N);
        s = surv_[((t_ - 1 - i) & rmask_) * states_ + s];
    }
    reset();
    return static_cast<std::size_t>(pending);
}

}  // namespace si::rx

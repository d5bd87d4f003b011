#include "si/rx/dfe.hpp"
#include "si/rx/round.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"

namespace si::rx {

void validate(const DfeConfig& c) {
    require(c.levels >= 2 && c.levels <= 8, "rx.dfe.levels", "must be in 2..8", c.levels);
    require(c.taps >= 0 && c.taps <= 256, "rx.dfe.taps", "must be in 0..256", c.taps);
    require(c.mode == "fixed" || c.mode == "solve" || c.mode == "lms", "rx.dfe.mode",
            "must be \"fixed\", \"solve\" or \"lms\"", c.mode);
    require(std::isfinite(c.mu) && c.mu > 0, "rx.dfe.mu", "must be > 0", c.mu);
    require(c.float_groups >= 0 && c.float_group_size >= 0, "rx.dfe.float_groups",
            "must be >= 0", c.float_groups);
    const int nf = c.float_groups * c.float_group_size;
    if (nf > 0) {
        require(c.float_span_ui >= c.taps + nf, "rx.dfe.float_span",
                "must leave room for the floating groups beyond the fixed taps", c.float_span_ui);
        require(c.float_span_ui <= 4096, "rx.dfe.float_span", "must be <= 4096 UI", c.float_span_ui);
    }
    if (c.mode != "solve" && nf > 0) {
        require(static_cast<int>(c.float_positions.size()) == nf, "rx.dfe.float_positions",
                "must list float_groups * float_group_size delays", c.float_positions.size());
        for (int d : c.float_positions)
            require(d > c.taps && d <= c.float_span_ui, "rx.dfe.float_positions",
                    "must be in taps+1 .. float_span", d);
    }
    const std::size_t ntot = static_cast<std::size_t>(c.taps + nf);
    require(c.mode != "fixed" || c.coefficients.size() == ntot, "rx.dfe.coefficients",
            "mode \"fixed\" needs taps + floating values", c.coefficients.size());
    require(c.coefficients.empty() || c.coefficients.size() == ntot, "rx.dfe.coefficients",
            "must have taps + floating values", c.coefficients.size());
    for (double x : c.coefficients) require(std::isfinite(x), "rx.dfe.coefficients", "must be finite", x);
    require(c.tap_min.empty() || static_cast<int>(c.tap_min.size()) == c.taps, "rx.dfe.tap_min",
            "must be empty or have rx.dfe.taps entries", c.tap_min.size());
    require(c.tap_max.empty() || static_cast<int>(c.tap_max.size()) == c.taps, "rx.dfe.tap_max",
            "must be empty or have rx.dfe.taps entries", c.tap_max.size());
    require(std::isfinite(c.float_tap_max) && c.float_tap_max >= 0, "rx.dfe.float_tap_max",
            "must be >= 0", c.float_tap_max);
}

namespace {
void limits(const DfeConfig& c, const DfeTaps& t, std::vector<double>& lo, std::vector<double>& hi) {
    lo.assign(t.delays.size(), -1e300);
    hi.assign(t.delays.size(), 1e300);
    for (std::size_t j = 0; j < t.delays.size(); ++j) {
        const int d = t.delays[j];
        if (d <= c.taps) {
            if (!c.tap_min.empty()) lo[j] = c.tap_min[static_cast<std::size_t>(d - 1)];
            if (!c.tap_max.empty()) hi[j] = c.tap_max[static_cast<std::size_t>(d - 1)];
        } else if (c.float_tap_max > 0) {
            lo[j] = -c.float_tap_max;
            hi[j] = c.float_tap_max;
        }
    }
}
}  // namespace

DfeTaps dfe_taps_from_config(const DfeConfig& cfg, double h0) {
    validate(cfg);
    require(std::isfinite(h0) && h0 > 0, "rx.dfe", "main cursor must be > 0", h0);
    DfeTaps t;
    t.main_cursor = h0;
    for (int d = 1; d <= cfg.taps; ++d) t.delays.push_back(d);
    for (int d : cfg.float_positions) t.delays.push_back(d);
    t.b = cfg.coefficients;
    t.b.resize(t.delays.size(), 0.0);
    // sort by delay (floating positions may be listed in any order)
    std::vector<std::size_t> idx(t.delays.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return t.delays[a] < t.delays[b]; });
    DfeTaps s{h0, {}, {}};
    for (auto i : idx) {
        s.delays.push_back(t.delays[i]);
        s.b.push_back(t.b[i]);
    }
    for (std::size_t i = 1; i < s.delays.size(); ++i)
        require(s.delays[i] != s.delays[i - 1], "rx.dfe.float_positions", "delays must be distinct",
                s.delays[i]);
    return s;
}

DfeTaps solve_dfe(const DfeConfig& cfg, std::span<const double> f, int cursor) {
    validate(cfg);
    require(cursor >= 0 && cursor < static_cast<int>(f.size()), "rx.dfe", "cursor out of range", cursor);
    const double f0 = f[static_cast<std::size_t>(cursor)];
    require(f0 > 0, "rx.dfe", "main cursor of the equalized pulse must be > 0", f0);
    auto at = [&](int d) {
        const int i = cursor + d;
        return (i >= 0 && i < static_cast<int>(f.size())) ? f[static_cast<std::size_t>(i)] / f0 : 0.0;
    };
    DfeTaps t;
    t.main_cursor = f0;
    for (int d = 1; d <= cfg.taps; ++d) t.delays.push_back(d);
    // floating groups: greedy, largest sum |f_d| over a window not overlapping taken delays
    std::vector<char> taken(static_cast<std::size_t>(std::max(cfg.float_span_ui, cfg.taps) + 1), 0);
    for (int d = 1; d <= cfg.taps; ++d) taken[static_cast<std::size_t>(d)] = 1;
    for (int g = 0; g < cfg.float_groups && cfg.float_group_size > 0; ++g) {
        int best = -1;
        double best_sum = -1;
        for (int s0 = cfg.taps + 1; s0 + cfg.float_group_size - 1 <= cfg.float_span_ui; ++s0) {
            double sum = 0;
            bool ok = true;
            for (int d = s0; d < s0 + cfg.float_group_size; ++d) {
                if (taken[static_cast<std::size_t>(d)]) { ok = false; break; }
                sum += std::abs(at(d));
            }
            if (ok && sum > best_sum) { best_sum = sum; best = s0; }
        }
        if (best < 0) break;
        for (int d = best; d < best + cfg.float_group_size; ++d) {
            taken[static_cast<std::size_t>(d)] = 1;
            t.delays.push_back(d);
        }
    }
    std::sort(t.delays.begin(), t.delays.end());
    std::vector<double> lo, hi;
    limits(cfg, t, lo, hi);
    for (std::size_t j = 0; j < t.delays.size(); ++j)
        t.b.push_back(std::clamp(at(t.delays[j]), lo[j], hi[j]));
    return t;
}

Dfe::Dfe(const DfeConfig& cfg, const DfeTaps& taps)
    : taps_(taps), levels_(cfg.levels), lms_(cfg.mode == "lms"), adapting_(cfg.mode == "lms"),
      mu_(cfg.mu) {
    validate(cfg);
    require(std::isfinite(taps.main_cursor) && taps.main_cursor > 0, "rx.dfe",
            "main cursor must be > 0", taps.main_cursor);
    require(taps.delays.size() == taps.b.size(), "rx.dfe", "delays and taps differ in count",
            taps.b.size());
    int maxd = 0;
    for (int d : taps.delays) {
        require(d >= 1, "rx.dfe", "tap delays must be >= 1 UI", d);
        maxd = std::max(maxd, d);
    }
    std::size_t sz = 1;
    while (sz < static_cast<std::size_t>(maxd) + 1) sz <<= 1;
    hist_.assign(sz, 0.0);
    mask_ = sz - 1;
    limits(cfg, taps_, lo_, hi_);
    coef_.resize(taps_.b.size());
    for (std::size_t j = 0; j < coef_.size(); ++j) coef_[j] = taps_.main_cursor * taps_.b[j];
    // the decided level value by table (the same expression as a division per symbol would
    // give, off the feedback loop's critical path)
    const double half = (levels_ - 1) / 2.0;
    for (int i = 0; i < levels_; ++i) level_.push_back(-1.0 + static_cast<double>(i) / half);
}

void Dfe::reset() noexcept {
    std::fill(hist_.begin(), hist_.end(), 0.0);
    pos_ = 0;
    last_ = -1;
}

namespace {
struct DfeOneTap {
    const double* in;
    const double* fbp;  // feedback for each previous level
    const double* lvl;
    double inv, half, top;
    std::uint8_t* lv;
    double* eq;
    double* h;
    std::size_t mask;
};
// The decision for previous level p: clamp(round((x - fb_p) / h0 ... )) with std::max/min,
// which equal std::clamp's result (NaN included) without branches.
template <int N>
int dfe_one_tap(const DfeOneTap& k, std::size_t n, int prev, std::size_t pos) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        double zc[N];
        std::uint8_t dc[N];
        for (int p = 0; p < N; ++p) {
            zc[p] = k.in[i] - k.fbp[p];
            dc[p] = static_cast<std::uint8_t>(
                std::min(std::max(round_even((zc[p] * k.inv + 1.0) * k.half), 0.0), k.top));
        }
        const std::uint8_t li = dc[prev];
        k.eq[i] = zc[prev];
        k.lv[i] = li;
        k.h[(pos + i) & k.mask] = k.lvl[li];
        prev = li;
    }
    return prev;
}
// Other level counts: the plain loop (one decision per symbol).
int dfe_one_tap_n(const DfeOneTap& k, std::size_t n, int prev, std::size_t pos) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        const double z = k.in[i] - k.fbp[prev];
        const auto li = static_cast<std::uint8_t>(
            std::min(std::max(round_even((z * k.inv + 1.0) * k.half), 0.0), k.top));
        k.eq[i] = z;
        k.lv[i] = li;
        k.h[(pos + i) & k.mask] = k.lvl[li];
        prev = li;
    }
    return prev;
}
}  // namespace

void Dfe::process(std::span<const double> in, std::span<std::uint8_t> lv,
                  std::span<double> eq) noexcept {
    SI_ASSERT(lv.size() >= in.size() && eq.size() >= in.size());
    const double h0 = taps_.main_cursor, inv = 1.0 / h0;
    const double half = (levels_ - 1) / 2.0, top = levels_ - 1.0;
    const std::size_t nt = coef_.size();
    const int* dl = taps_.delays.data();
    const double* lvl = level_.data();
    double* c = coef_.data();
    double* h = hist_.data();
    const std::size_t mask = mask_;
    std::size_t pos = pos_;
    std::size_t i = 0;
    if (nt == 1 && dl[0] == 1 && !adapting_ && last_ >= 0 && levels_ <= 8) {
        // One tap at 1 UI: the decision for every possible previous level is computed first
        // (the same arithmetic as below), so the feedback loop is one table read per symbol
        // (the unrolled DFE of high-speed receivers, computed in software).
        const double c0 = c[0];
        double fbp[8];
        for (int p = 0; p < levels_; ++p) fbp[p] = 0.0 + c0 * lvl[p];  // fb as summed below
        const DfeOneTap k{in.data(), fbp, lvl, inv, half, top, lv.data(), eq.data(), h, mask};
        int prev = last_;
        switch (levels_) {
            case 2: prev = dfe_one_tap<2>(k, in.size(), prev, pos); break;
            case 4: prev = dfe_one_tap<4>(k, in.size(), prev, pos); break;
            case 8: prev = dfe_one_tap<8>(k, in.size(), prev, pos); break;
            default: prev = dfe_one_tap_n(k, in.size(), prev, pos); break;
        }
        pos += in.size();
        i = in.size();
        last_ = prev;
    }
    for (; i < in.size(); ++i) {
        double fb = 0;
        for (std::size_t j = 0; j < nt; ++j) fb += c[j] * h[(pos - static_cast<std::size_t>(dl[j])) & mask];
        const double z = in[i] - fb;
        const double idx = std::clamp(round_even((z * inv + 1.0) * half), 0.0, top);
        const auto li = static_cast<std::uint8_t>(idx);
        const double a = lvl[li];
        eq[i] = z;
        lv[i] = li;
        last_ = li;
        if (adapting_) {
            const double g = mu_ * (z - h0 * a) * inv;  // mu e / h0
            for (std::size_t j = 0; j < nt; ++j) {
                double b = taps_.b[j] + g * h[(pos - static_cast<std::size_t>(dl[j])) & mask];
                b = std::clamp(b, lo_[j], hi_[j]);
                taps_.b[j] = b;
                c[j] = h0 * b;
            }
        }
        h[pos & mask] = a;
        ++pos;
    }
    pos_ = pos;
}

}  // namespace si::rx

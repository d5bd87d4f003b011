#include "si/analysis/eye.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "si/core/units.hpp"

namespace si::analysis {

namespace {
constexpr double kFix = 4294967296.0;  // 2^32: fixed-point scale of the level sums [1/V]
constexpr double kMaxAbs = 2048.0;     // [V] level sums clamp here (links are bounded far below)
}

EyeAccumulator::EyeAccumulator(int levels, int samples_per_ui, int voltage_bins, double v_min,
                               double v_max)
    : n_(levels), m_(samples_per_ui), nv_(voltage_bins), v_min_(v_min), v_max_(v_max) {
    if (n_ < 2 || m_ < 1 || nv_ < 8 || !(v_max > v_min))
        throw std::invalid_argument("EyeAccumulator: bad geometry");
    scale_ = nv_ / (v_max_ - v_min_);
    hist_.assign(static_cast<std::size_t>(n_) * nv_ * 2 * m_, 0);
    sum_.assign(n_, 0);
    sum2_.assign(n_, 0);
    count_.assign(n_, 0);
}

void EyeAccumulator::add_ui(const float* w, int lk, int lnext) noexcept {
    const int tb = 2 * m_;
    std::uint64_t* hk = hist_.data() + static_cast<std::size_t>(lk) * nv_ * tb;
    std::uint64_t* hn = hist_.data() + static_cast<std::size_t>(lnext) * nv_ * tb;
    for (int r = 0; r < m_; ++r) {
        const double x = (static_cast<double>(w[r]) - v_min_) * scale_;
        long b;
        if (x >= 0 && x < static_cast<double>(nv_)) {
            b = static_cast<long>(x);  // floor (x >= 0) without a libm call
        } else {  // outside, +-inf or NaN: never cast (UB), count in an edge bin
            ++clipped_;
            b = x >= static_cast<double>(nv_) ? nv_ - 1 : 0;
        }
        hk[b * tb + m_ + r] += 1;  // after the instant of symbol k
        hn[b * tb + r] += 1;       // before the instant of symbol k+1
    }
    // |w0| <= kMaxAbs keeps q^2 summed over 2^40 windows inside int128 (and llround defined).
    const double w0 = std::clamp(static_cast<double>(w[0]), -kMaxAbs, kMaxAbs);
    const auto q = static_cast<std::int64_t>(std::llround((w0 == w0 ? w0 : 0.0) * kFix));
    sum_[lk] += q;
    sum2_[lk] += static_cast<int128>(q) * q;
    ++count_[lk];
    ++windows_;
}

void EyeAccumulator::merge(const EyeAccumulator& o) {
    if (o.hist_.size() != hist_.size()) throw std::invalid_argument("EyeAccumulator::merge: geometry");
    for (std::size_t i = 0; i < hist_.size(); ++i) hist_[i] += o.hist_[i];
    for (int l = 0; l < n_; ++l) {
        sum_[l] += o.sum_[l];
        sum2_[l] += o.sum2_[l];
        count_[l] += o.count_[l];
    }
    clipped_ += o.clipped_;
    windows_ += o.windows_;
}

std::vector<double> EyeAccumulator::time_axis_ui() const {
    std::vector<double> t(2 * m_);
    for (int b = 0; b < 2 * m_; ++b) t[b] = static_cast<double>(b - m_) / m_;
    return t;
}
std::vector<double> EyeAccumulator::voltage_axis_v() const {
    std::vector<double> v(nv_);
    for (int b = 0; b < nv_; ++b) v[b] = v_min_ + (b + 0.5) / scale_;
    return v;
}
std::vector<std::uint64_t> EyeAccumulator::histogram() const {
    const std::size_t per = static_cast<std::size_t>(nv_) * 2 * m_;
    std::vector<std::uint64_t> h(per, 0);
    for (int l = 0; l < n_; ++l)
        for (std::size_t i = 0; i < per; ++i) h[i] += hist_[l * per + i];
    return h;
}
std::span<const std::uint64_t> EyeAccumulator::level_histogram(int lvl) const {
    const std::size_t per = static_cast<std::size_t>(nv_) * 2 * m_;
    return {hist_.data() + lvl * per, per};
}

namespace {

/// Voltage below which a fraction p of the column's samples lie (lower tail), with linear
/// interpolation inside bins. Read only where p n >= kMinTailCount (else NaN): never
/// extrapolated.
/// One column of a level's histogram, read in place: bin b's count is h[b * stride] (as a
/// double), bins in the order of `reversed` (the top of a column is the lower tail of its mirror).
struct Column {
    const std::uint64_t* h = nullptr;
    std::size_t stride = 0, bins = 0;
    double n = 0;  // total count
    std::size_t nz_lo = 0, nz_hi = 0;  // first and last bin holding counts (bottom-up order)
    bool reversed = false;
    double operator[](std::size_t b) const noexcept {
        return static_cast<double>(h[(reversed ? bins - 1 - b : b) * stride]);
    }
};

double quantile_lower(const Column& col, double v_min, double dv, double p) {
    double acc = 0;
    const double target = p * col.n;
    // (the empty bins below the first one holding counts change nothing: start there)
    for (std::size_t b = col.reversed ? col.bins - 1 - col.nz_hi : col.nz_lo; b < col.bins; ++b) {
        const double c = col[b];
        if (acc + c >= target && c > 0) {
            const double frac = (target - acc) / c;
            return v_min + (static_cast<double>(b) + frac) * dv;
        }
        acc += c;
    }
    return v_min + static_cast<double>(col.bins) * dv;
}

double tail_lower(const Column& col, double v_min, double dv, double p) {
    if (col.n <= 0 || p * col.n < kMinTailCount * (1 - 1e-12)) return std::nan("");
    return quantile_lower(col, v_min, dv, p);
}

}  // namespace

EyeMetrics EyeAccumulator::metrics(double target_ber) const {
    EyeMetrics m;
    m.target_ber = target_ber;
    const int tb = 2 * m_;
    const double dv = 1.0 / scale_;
    const std::size_t per = static_cast<std::size_t>(nv_) * tb;
    m.levels_v.resize(n_);
    m.level_sigma_v.resize(n_);
    for (int l = 0; l < n_; ++l) {
        if (count_[l] == 0) {
            m.levels_v[l] = m.level_sigma_v[l] = std::nan("");
            continue;
        }
        const double nn = static_cast<double>(count_[l]);
        const double mean = static_cast<double>(sum_[l]) / kFix / nn;
        const double ms = static_cast<double>(sum2_[l]) / (kFix * kFix) / nn;
        m.levels_v[l] = mean;
        m.level_sigma_v[l] = std::sqrt(std::max(0.0, ms - mean * mean));
    }
    for (int l = 0; l + 1 < n_; ++l) m.thresholds_v.push_back(0.5 * (m.levels_v[l] + m.levels_v[l + 1]));

    // Column counts per level and time bin, summed row by row (contiguous; integer counts, so
    // the same values as summing each column down its bins).
    // The rows that hold counts bound every column's occupied bins.
    std::vector<std::uint64_t> ncol(static_cast<std::size_t>(n_) * tb, 0);
    std::vector<int> row_lo(static_cast<std::size_t>(n_), nv_), row_hi(static_cast<std::size_t>(n_), -1);
    for (int l = 0; l < n_; ++l) {
        std::uint64_t* nc = ncol.data() + static_cast<std::size_t>(l) * tb;
        const std::uint64_t* h = hist_.data() + l * per;
        for (int b = 0; b < nv_; ++b, h += tb) {
            std::uint64_t any = 0;
            for (int t = 0; t < tb; ++t) nc[t] += h[t], any |= h[t];
            if (any != 0) row_lo[static_cast<std::size_t>(l)] = std::min(row_lo[static_cast<std::size_t>(l)], b),
                          row_hi[static_cast<std::size_t>(l)] = b;
        }
    }
    auto column = [&](int l, int t) {
        Column c;
        c.h = hist_.data() + l * per + t;
        c.stride = static_cast<std::size_t>(tb);
        c.bins = static_cast<std::size_t>(nv_);
        c.n = static_cast<double>(ncol[static_cast<std::size_t>(l) * tb + t]);
        if (row_hi[static_cast<std::size_t>(l)] >= 0) {
            c.nz_lo = static_cast<std::size_t>(row_lo[static_cast<std::size_t>(l)]);
            c.nz_hi = static_cast<std::size_t>(row_hi[static_cast<std::size_t>(l)]);
        } else {
            c.nz_lo = 0, c.nz_hi = c.bins - 1;
        }
        return c;
    };
    const int nsub = n_ - 1;
    std::vector<Column> cols(static_cast<std::size_t>(n_) * tb);
    double n_min = INFINITY;
    for (int t = 0; t < tb; ++t)
        for (int l = 0; l < n_; ++l) {
            cols[static_cast<std::size_t>(l) * tb + t] = column(l, t);
            const double n = cols[static_cast<std::size_t>(l) * tb + t].n;
            if (n > 0) n_min = std::min(n_min, n);
        }
    // Sub-eye heights at BER p for every time bin (NaN where a column cannot support p).
    auto heights = [&](double p) {
        std::vector<double> hv(static_cast<std::size_t>(nsub) * tb, std::nan(""));
        for (int t = 0; t < tb; ++t)
            for (int s = 0; s < nsub; ++s) {
                const Column& lo = cols[static_cast<std::size_t>(s) * tb + t];
                const Column& hi = cols[static_cast<std::size_t>(s + 1) * tb + t];
                if (lo.n == 0 || hi.n == 0) continue;
                // top of the lower level: the mirrored column's lower tail
                Column lo_m = lo;
                lo_m.reversed = true;
                const double v_top_lo = -tail_lower(lo_m, -v_max_, dv, p);
                const double v_bot_hi = tail_lower(hi, v_min_, dv, p);
                hv[static_cast<std::size_t>(s) * tb + t] = v_bot_hi - v_top_lo;
            }
        return hv;
    };
    // Per sub-eye: height at the instant, width = open span around it (linear interpolation of
    // the crossings); NaN when the instant's height is unknown, and a width stops at unknown bins.
    auto read = [&](const std::vector<double>& hv, std::vector<double>& eh, std::vector<double>& ew) {
        eh.clear();
        ew.clear();
        for (int s = 0; s < nsub; ++s) {
            const double* h = hv.data() + static_cast<std::size_t>(s) * tb;
            eh.push_back(h[m_]);
            double width = std::isnan(h[m_]) ? std::nan("") : 0.0;
            if (h[m_] > 0) {
                int r = m_;
                while (r + 1 < tb && h[r + 1] > 0) ++r;
                int l = m_;
                while (l - 1 >= 0 && h[l - 1] > 0) --l;
                double right = r, left = l;
                if (r + 1 < tb && std::isfinite(h[r + 1])) right += h[r] / (h[r] - h[r + 1]);
                if (l - 1 >= 0 && std::isfinite(h[l - 1])) left -= h[l] / (h[l] - h[l - 1]);
                width = (right - left) / m_;
            }
            ew.push_back(width);
        }
    };
    m.height_vs_time_v = heights(target_ber);
    read(m.height_vs_time_v, m.eye_height_v, m.eye_width_ui);
    m.ber_reached = std::isfinite(n_min) ? std::max(target_ber, std::min(0.5, kMinTailCount / n_min))
                                         : std::nan("");
    m.target_reached = m.ber_reached == target_ber;
    if (m.target_reached) {
        m.eye_height_at_reached_v = m.eye_height_v;
        m.eye_width_at_reached_ui = m.eye_width_ui;
    } else if (std::isfinite(m.ber_reached)) {
        read(heights(m.ber_reached), m.eye_height_at_reached_v, m.eye_width_at_reached_ui);
    }
    m.rlm = std::nan("");  // defined for PAM4 only (802.3 120D.3.1.2)
    m.vec_db = std::nan("");
    if (n_ == 4 && std::isfinite(m.levels_v[0]) && std::isfinite(m.levels_v[3])) {
        const double vmid = 0.5 * (m.levels_v[0] + m.levels_v[3]);
        const double es1 = (m.levels_v[1] - vmid) / (m.levels_v[0] - vmid);
        const double es2 = (m.levels_v[2] - vmid) / (m.levels_v[3] - vmid);
        m.rlm = std::min({3 * es1, 3 * es2, 2 - 3 * es1, 2 - 3 * es2});
        double eh_min = INFINITY;
        for (double h : m.eye_height_v) eh_min = std::isnan(h) || std::isnan(eh_min) ? std::nan("") : std::min(eh_min, h);
        const double av_upp = m.levels_v[3] - m.levels_v[2];
        m.vec_db = std::isnan(eh_min) ? std::nan("")
                   : eh_min > 0       ? 20 * std::log10(av_upp / eh_min)
                                      : INFINITY;
    }
    return m;
}

}  // namespace si::analysis

#include "si/analysis/detector_ser.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "si/core/error.hpp"

namespace si::analysis {

namespace {

double qfunc(double x, double sigma) {
    if (sigma <= 0) return x < 0 ? 1.0 : (x == 0 ? 0.5 : 0.0);
    return 0.5 * std::erfc(x / (sigma * std::sqrt(2.0)));
}

double level_var(int n) { return (n + 1.0) / (3.0 * (n - 1.0)); }

void check(std::span<const double> f, int c, double sigma, int levels) {
    require(levels >= 2 && levels <= 8, "levels", "must be in 2..8", levels);
    require(c >= 0 && c < static_cast<int>(f.size()) && f[static_cast<std::size_t>(c)] > 0,
            "pulse", "main cursor must exist and be > 0", c);
    require(std::isfinite(sigma) && sigma >= 0, "sigma", "must be >= 0", sigma);
}

}  // namespace

double ser_ffe_dfe(std::span<const double> f, int c, int B, double sigma, int N) {
    check(f, c, sigma, N);
    require(B >= 0, "dfe_taps", "must be >= 0", B);
    const double f0 = f[static_cast<std::size_t>(c)];
    std::vector<double> taps;
    double gvar = sigma * sigma, range = 0;
    for (int i = 0; i < static_cast<int>(f.size()); ++i) {
        const int d = i - c;
        if (d == 0 || (d >= 1 && d <= B)) continue;
        const double r = f[static_cast<std::size_t>(i)];
        if (std::abs(r) < 1e-4 * f0) {
            gvar += level_var(N) * r * r;
        } else {
            taps.push_back(r);
            range += std::abs(r);
        }
    }
    const double sg = std::sqrt(gvar);
    const double h = f0 / (N - 1);  // half the level spacing
    if (taps.empty()) return 2.0 * (N - 1) / N * qfunc(h, sg);

    double dv = range / 8192.0;
    if (sg > 0) dv = std::min(dv, sg / 16);
    dv = std::max(dv, 2 * range / 65535.0);
    const auto G = static_cast<std::size_t>(std::ceil(2 * range / dv)) + 3;
    const double v0 = -range - dv;  // grid v_j = v0 + j dv
    std::vector<double> pdf(G, 0.0), out(G, 0.0);
    {  // delta at 0
        const double s = -v0 / dv;
        const auto j = static_cast<std::size_t>(std::floor(s));
        pdf[j] = 1 - (s - static_cast<double>(j));
        pdf[j + 1] += s - static_cast<double>(j);
    }
    std::size_t lo = 0, hi = G - 1;
    const double w = 1.0 / N;
    // Each tap convolves the pdf with N weighted deltas at the levels' offsets, split linearly
    // between the two nearest bins. Gathered per output bin k (vectorises), adding the terms in
    // the order a scatter over (level i, input bin j) adds them: for each i, the fraction fr of
    // bin k - s_i - 1, then the fraction 1 - fr of bin k - s_i (bit for bit the scatter's sums).
    std::vector<long> shift(static_cast<std::size_t>(N));
    std::vector<double> wa(static_cast<std::size_t>(N)), wb(static_cast<std::size_t>(N));
    for (double r : taps) {
        for (int i = 0; i < N; ++i) {
            const double s = (-1.0 + 2.0 * i / (N - 1)) * r / dv;
            const long si = static_cast<long>(std::floor(s));
            const double fr = s - static_cast<double>(si);
            shift[static_cast<std::size_t>(i)] = si;
            wa[static_cast<std::size_t>(i)] = w * fr;        // to bin j + si + 1
            wb[static_cast<std::size_t>(i)] = w * (1 - fr);  // to bin j + si
        }
        const auto ilo = static_cast<long>(lo), ihi = static_cast<long>(hi), iG = static_cast<long>(G);
        std::fill(out.begin(), out.end(), 0.0);
        // output bins reachable from [lo, hi]
        long klo = iG, khi = -1;
        for (long si : shift) {
            klo = std::min(klo, ilo + si);
            khi = std::max(khi, ihi + si + 1);
        }
        klo = std::max(klo, 0L);
        khi = std::min(khi, iG - 1);
        for (long k = klo; k <= khi; ++k) {
            double acc = 0;
            for (int i = 0; i < N; ++i) {
                const long ja = k - shift[static_cast<std::size_t>(i)] - 1;  // feeds k as j0 + 1
                const long jb = ja + 1;                                      // feeds k as j0
                const double pa = ja >= ilo && ja <= ihi ? pdf[static_cast<std::size_t>(ja)] : 0.0;
                const double pb = jb >= ilo && jb <= ihi ? pdf[static_cast<std::size_t>(jb)] : 0.0;
                // pdf >= 0 and the weights >= 0: a zero term adds +0, as the scatter's skip does
                acc += wa[static_cast<std::size_t>(i)] * pa;
                acc += wb[static_cast<std::size_t>(i)] * pb;
            }
            out[static_cast<std::size_t>(k)] = acc;
        }
        pdf.swap(out);
        lo = 0;
        hi = G - 1;
        while (lo < hi && pdf[lo] == 0) ++lo;
        while (hi > lo && pdf[hi] == 0) --hi;
    }
    double ser = 0;
    for (std::size_t j = lo; j <= hi; ++j) {
        const double y = v0 + static_cast<double>(j) * dv;
        ser += pdf[j] * (qfunc(h + y, sg) + qfunc(h - y, sg));
    }
    return ser * (N - 1.0) / N;
}

namespace {

struct UnionBound {
    int N, M;
    double g[3];
    double scale;               // distance per unit (g * e)
    std::vector<double> C;      // covariance of the detector-input disturbance at lag m
    double sigma_max = 0;       // sqrt(max of its PSD) >= sqrt(s^T C s / |s|^2): pruning
    double total = 0;
    long nodes = 0;
    static constexpr int kMaxLen = 64;
    int e[kMaxLen + 3] = {};
    double s[kMaxLen + 3] = {};

    double out_at(int i) const {  // (g * e)_i
        double v = 0;
        for (int m = 0; m <= M; ++m)
            if (i - m >= 0 && i - m < kMaxLen) v += g[m] * e[i - m];
        return v;
    }
    // pairwise error probability of the event e[0..j] under the Euclidean metric: the metric
    // difference is |s|^2 + 2 s.n with s the noiseless output difference, so
    // P = Q(|s|^2 / (2 sqrt(s^T C s))); white noise gives Q(|s| / (2 sigma)).
    double pairwise(int j) {
        const int len = j + M + 1;
        double d2 = 0, v = 0;
        for (int i = 0; i < len; ++i) {
            s[i] = scale * out_at(i);
            d2 += s[i] * s[i];
        }
        const int L = static_cast<int>(C.size());
        for (int i = 0; i < len; ++i) {
            if (s[i] == 0) continue;
            double acc = C[0] * s[i];
            for (int m = 1; m < L && m < len; ++m) {
                if (i - m >= 0) acc += C[static_cast<std::size_t>(m)] * s[i - m];
                if (i + m < len) acc += C[static_cast<std::size_t>(m)] * s[i + m];
            }
            v += s[i] * acc;
        }
        if (v <= 0) return d2 > 0 ? 0.0 : 0.5;
        return qfunc(d2 / (2 * std::sqrt(v)), 1.0);
    }
    void dfs(int j, double d2, double pi, int w, int zeros) {
        if (++nodes > 4'000'000) return;
        if (e[j] != 0) total += 2.0 * w * pi * pairwise(j);  // 2: sign symmetry
        if (j + 1 >= kMaxLen) return;
        // bound on anything longer: |s| >= the partial |s|, weight <= kMaxLen
        if (2.0 * kMaxLen * pi * qfunc(scale * std::sqrt(d2) / 2, sigma_max) < 1e-9 * total) return;
        for (int v = -1; v <= 1; ++v) {
            if (v == 0 && zeros + 1 >= M) continue;  // M zeros would end (merge) the event
            e[j + 1] = v;
            const double o = out_at(j + 1);
            dfs(j + 1, d2 + o * o, pi * (N - std::abs(v)) / N, w + (v != 0), v == 0 ? zeros + 1 : 0);
        }
        e[j + 1] = 0;
    }
};

}  // namespace

std::vector<double> fir_noise_acf(std::span<const double> w) {
    double r0 = 0;
    for (double x : w) r0 += x * x;
    std::vector<double> r(w.size(), 0.0);
    if (r0 == 0) return r;
    for (std::size_t m = 0; m < w.size(); ++m) {
        double acc = 0;
        for (std::size_t i = 0; i + m < w.size(); ++i) acc += w[i] * w[i + m];
        r[m] = acc / r0;
    }
    return r;
}

double ser_mlse_union_bound(std::span<const double> f, int c, int M, double sigma, int N,
                            std::span<const double> noise_acf) {
    check(f, c, sigma, N);
    require(M == 1 || M == 2, "memory", "must be 1 or 2", M);
    require(noise_acf.empty() || noise_acf[0] == 1.0, "noise_acf", "must start with 1", 
            noise_acf.empty() ? 1.0 : noise_acf[0]);
    const double f0 = f[static_cast<std::size_t>(c)];
    UnionBound u;
    u.N = N;
    u.M = M;
    u.g[0] = 1;
    u.g[1] = u.g[2] = 0;
    const int L = static_cast<int>(f.size());
    for (int d = 1; d <= M; ++d)
        if (c + d < L) u.g[d] = f[static_cast<std::size_t>(c + d)] / f0;
    // disturbance covariance: noise sigma^2 rho[m] plus the residual ISI (cursors outside the
    // target, independent symbols): E[a^2] sum_k f_k f_{k+m} over k, k+m both outside 0..M
    // events are at most kMaxLen + M + 1 outputs long: only lags below that enter s^T C s (and
    // the Gershgorin bound used for pruning)
    const std::size_t lags = std::min<std::size_t>(
        std::max<std::size_t>(noise_acf.size(), static_cast<std::size_t>(L)), UnionBound::kMaxLen + 3);
    u.C.assign(std::max<std::size_t>(lags, 1), 0.0);
    u.C[0] = sigma * sigma;
    for (std::size_t m = 1; m < noise_acf.size() && m < lags; ++m) u.C[m] = sigma * sigma * noise_acf[m];
    auto outside = [&](int i) { return i - c < 0 || i - c > M; };
    for (std::size_t m = 0; m < static_cast<std::size_t>(L) && m < lags; ++m)
        for (int i = 0; i + static_cast<int>(m) < L; ++i)
            if (outside(i) && outside(i + static_cast<int>(m)))
                u.C[m] += level_var(N) * f[static_cast<std::size_t>(i)] * f[static_cast<std::size_t>(i) + m];
    double psd_max = u.C[0];
    for (std::size_t m = 1; m < u.C.size(); ++m) psd_max += 2 * std::abs(u.C[m]);
    u.sigma_max = std::sqrt(psd_max);
    u.scale = f0 * 2.0 / (N - 1);
    u.e[0] = 1;
    u.dfs(0, 1.0, (N - 1.0) / N, 1, 0);
    return u.total;
}

}  // namespace si::analysis

#include "si/analysis/stat_eye.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "si/core/error.hpp"
#include "si/core/memo.hpp"
#include "si/core/units.hpp"

// The two inner loops below also get an AVX2 clone, picked at load time where the CPU has it
// (GCC on x86-64). AVX2 without FMA: the same operations in the same order, so the same bits.
// (-DSI_STAT_EYE_NO_CLONES builds the default path only, to compare the two.)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SI_STAT_EYE_NO_CLONES)
#define SI_STAT_EYE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SI_STAT_EYE_CLONES
#endif

namespace si::analysis {

namespace {

/// Cursors smaller than this fraction of the main cursor are lumped into the Gaussian term.
constexpr double kSmallCursor = 2e-3;

/// Four doubles (GCC/Clang vector extension: two SSE2 registers, or one AVX register in the
/// AVX2 clone): lane-wise arithmetic in the order written, so every build and clone gives the
/// same bits (no FMA: the clones target AVX2 without FMA).
/// (Loaded and stored with memcpy in place: no function passes a V4 by value, whose ABI
/// would differ between the clones.)
typedef double V4 __attribute__((vector_size(32)));

/// pdf of X + a*h with a uniform over `vals`, on the grid v_j = v0 + j dv (linear interpolation
/// of the shifted mass between the two nearest bins keeps the mean exact). Both pdfs are held
/// padded: bin j (0..n-1) at index pad + j, with pad zeros on either side that stay zero. Written
/// as a gather over the output bins: each output bin receives its terms in the order of the
/// scatter form (levels in order; for each level the mass of the lower source bin first, from
/// 0), so the result is bit-identical to scattering every source bin. When every level's shift
/// stays inside the padding, all levels go in one pass over the output in vector lanes (one
/// store per bin); otherwise one pass per level over the bins it reaches.
/// Support: src is zero outside bins [sup[0], sup[1]] and dst outside [dsup[0], dsup[1]]; only
/// the bins the output can reach are computed (the others stay or are set zero), and dsup is
/// set to the output's support. (The skipped terms are exact zeros: the same bits.)
SI_STAT_EYE_CLONES void add_discrete(const std::vector<double>& src, const std::vector<double>& vals,
                                     double h, double dv, long pad, std::vector<double>& dst,
                                     const long sup[2], long dsup[2]) {
    const long n = static_cast<long>(src.size()) - 2 * pad;
    const double w = 1.0 / static_cast<double>(vals.size());
    constexpr std::size_t kMaxLevels = 16;
    long sh[kMaxLevels];
    double c0s[kMaxLevels], c1s[kMaxLevels];
    std::size_t nl = 0;
    bool fused = vals.size() <= kMaxLevels;
    for (double a : vals) {
        const double s = a * h / dv;
        // |s| <= G/2 for finite input; never cast a non-finite or huge shift (UB).
        if (!(std::abs(s) < static_cast<double>(2 * n))) continue;
        const long si = static_cast<long>(std::floor(s));
        const double fr = s - static_cast<double>(si);
        if (nl < kMaxLevels) sh[nl] = si, c0s[nl] = w * (1 - fr), c1s[nl] = w * fr;
        ++nl;
        if (si + 1 > pad || -si > pad) fused = false;  // reads reach pdf[-si - 1 .. n - 1 - si]
    }
    long smin = 0, smax = 0;
    for (std::size_t l = 0; l < std::min(nl, kMaxLevels); ++l) {
        smin = l == 0 ? sh[l] : std::min(smin, sh[l]);
        smax = l == 0 ? sh[l] : std::max(smax, sh[l]);
    }
    // output bin k reads src bins k - si - 1 and k - si
    const long klo = nl > 0 ? std::max(0L, sup[0] + smin) : 0;
    const long khi = nl > 0 ? std::min(n - 1, sup[1] + smax + 1) : -1;
    if (fused) {
        const double* base = src.data() + pad;
        // clear what the old contents of dst hold outside the new support
        for (long k = dsup[0]; k <= dsup[1]; ++k)
            if (k < klo || k > khi) dst[static_cast<std::size_t>(pad + k)] = 0.0;
        dsup[0] = klo;
        dsup[1] = khi;
        long k = klo;
        for (; k + 4 <= khi + 1; k += 4) {
            V4 acc{};
            for (std::size_t l = 0; l < nl; ++l) {
                V4 lo, hi;  // pdf[k - si - 1 ..], pdf[k - si ..]
                std::memcpy(&lo, base + k - sh[l] - 1, sizeof lo);
                std::memcpy(&hi, base + k - sh[l], sizeof hi);
                const V4 c1{c1s[l], c1s[l], c1s[l], c1s[l]}, c0{c0s[l], c0s[l], c0s[l], c0s[l]};
                acc += c1 * lo;
                acc += c0 * hi;
            }
            std::memcpy(dst.data() + pad + k, &acc, sizeof acc);
        }
        for (; k <= khi; ++k) {
            double acc = 0;
            for (std::size_t l = 0; l < nl; ++l) {
                acc += c1s[l] * base[k - sh[l] - 1];
                acc += c0s[l] * base[k - sh[l]];
            }
            dst[static_cast<std::size_t>(pad + k)] = acc;
        }
        return;
    }
    std::fill(dst.begin(), dst.end(), 0.0);
    dsup[0] = 0;
    dsup[1] = n - 1;
    for (double a : vals) {
        const double s = a * h / dv;
        if (!(std::abs(s) < static_cast<double>(2 * n))) continue;
        const long si = static_cast<long>(std::floor(s));
        const double fr = s - static_cast<double>(si);
        const double c0 = w * (1 - fr), c1 = w * fr;
        // bin k receives c1 pdf[k - si - 1] then c0 pdf[k - si], for k - si in [0, n]
        const long k0 = std::max(0L, si), k1 = std::min(n - 1, si + n);
        if (k0 > k1) continue;
        double* __restrict o = dst.data() + pad + k0;
        const double* __restrict lo = src.data() + pad - 1 + (k0 - si);  // lo[i] = pdf[k0 + i - si - 1]
        const double* __restrict hi = lo + 1;                            // hi[i] = pdf[k0 + i - si]
        const long len = k1 - k0 + 1;
        for (long i = 0; i < len; ++i) {
            const double t = o[i] + c1 * lo[i];
            o[i] = t + c0 * hi[i];
        }
    }
}

/// One deterministic-jitter component: the sampling instant shifted by delta_ui, weight w.
struct Shift {
    double delta_ui, w;
};

/// SJ (slow against the symbol rate, so a common timing shift of the sampling instant) as its
/// arcsine distribution on 16 points; no SJ: one component. DCD is handled separately (it
/// changes the width of alternate symbols, see dcd_pulses).
std::vector<Shift> jitter_shifts(const StatEyeJitter& t) {
    std::vector<Shift> sj{{0.0, 1.0}};
    if (t.sj_amp_ui > 0) {
        sj.clear();
        const int K = 16;
        for (int j = 0; j < K; ++j)
            sj.push_back({t.sj_amp_ui * std::sin(2 * kPi * (j + 0.5) / K), 1.0 / K});
    }
    return sj;
}

double interp(const std::vector<double>& v, double x) {
    if (!(x >= 0 && x <= static_cast<double>(v.size() - 1))) return 0.0;  // also NaN
    const auto i = static_cast<std::size_t>(std::floor(x));
    const double fr = x - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - fr) + v[i + 1] * fr : v[i];
}

/// Forward dot product sum_i a[i] b[i], four lanes then the lanes in a fixed order (same bits on
/// every build and clone).
SI_STAT_EYE_CLONES double dot(const double* a, const double* b, long n) {
    V4 acc0{}, acc1{};
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        V4 a0, a1, b0, b1;
        std::memcpy(&a0, a + i, sizeof a0);
        std::memcpy(&a1, a + i + 4, sizeof a1);
        std::memcpy(&b0, b + i, sizeof b0);
        std::memcpy(&b1, b + i + 4, sizeof b1);
        acc0 += a0 * b0;
        acc1 += a1 * b1;
    }
    acc0 += acc1;
    double s = (acc0[0] + acc0[1]) + (acc0[2] + acc0[3]);
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

/// The sample of a symbol at fractional pulse index x: main cursor h0 and the distribution of
/// everything else, Y = ISI + crosstalk + Gaussian noise, on a grid of CDF bins
/// y_j = v0 + (j + 1/2) dv, j in [0, n).
///
/// Held as the ISI pdf and the Gaussian kernel's bin masses k; the lower tail P(Y <= y_j) =
/// sum_i pdf[i] Kc[j - i] (Kc the running sum of k from below) and the upper tail P(Y > y_j) =
/// sum_i pdf[i] Ku[j - i] (Ku the running sum of k from above) are computed bin by bin when
/// first asked for and kept. The eye and the SER read a few dozen bins (the bisections of the
/// tail quantiles, the thresholds), so this costs a few dot products where the whole
/// convolution cost G x the kernel length. Each tail is summed from its own small terms, so it
/// keeps its relative accuracy far below 1e-16 (no 1 - CDF).
struct Component {
    double h0 = 0, w = 1;
    double v0 = 0, dv = 1;
    double sigma = 0;          // Gaussian part (for reporting)
    long n = 0;                // CDF bins
    std::vector<double> pdf;   // ISI pdf, G bins; pdf bin i sits at CDF bin i + (nk - 1) / 2
    std::vector<double> prefix, suffix;  // sum of pdf[0..i], sum of pdf[i..G-1]
    std::vector<double> kcr, kur;  // Kc[0 .. nk - 2] and Ku[0 .. nk - 2], reversed
    double ktot = 1;           // the kernel's total mass
    long nk = 1;               // kernel length (1: no Gaussian part)
    mutable std::vector<double> lower, upper;  // bins computed for at()/above(); NaN = not yet
    /// P(Y <= y_j)
    [[nodiscard]] double lower_of(long j) const {
        const long G = static_cast<long>(pdf.size());
        const long full = std::min(j - (nk - 1), G - 1);  // pdf bins wholly below y_j
        double s = full >= 0 ? ktot * prefix[static_cast<std::size_t>(full)] : 0.0;
        const long base = j - nk + 2;  // kcr[i - base] = Kc[j - i]
        const long lo = std::max(0L, base), hi = std::min(j, G - 1);
        if (hi >= lo) s += dot(pdf.data() + lo, kcr.data() + (lo - base), hi - lo + 1);
        return s;
    }
    /// P(Y > y_j)
    [[nodiscard]] double upper_of(long j) const {
        const long G = static_cast<long>(pdf.size());
        double s = j + 1 < G ? ktot * suffix[static_cast<std::size_t>(std::max(0L, j + 1))] : 0.0;
        const long base = j - nk + 2;  // kur[i - base] = Ku[j - i]
        const long lo = std::max(0L, base), hi = std::min(j, G - 1);
        if (hi >= lo) s += dot(pdf.data() + lo, kur.data() + (lo - base), hi - lo + 1);
        return s;
    }
    /// The same, kept (the bisections of a mixture ask for the same bins many times).
    [[nodiscard]] double lower_at(long j) const {
        if (lower.empty()) lower.assign(static_cast<std::size_t>(n), std::nan(""));
        double& c = lower[static_cast<std::size_t>(j)];
        return std::isnan(c) ? (c = lower_of(j)) : c;
    }
    [[nodiscard]] double upper_at(long j) const {
        if (upper.empty()) upper.assign(static_cast<std::size_t>(n), std::nan(""));
        double& c = upper[static_cast<std::size_t>(j)];
        return std::isnan(c) ? (c = upper_of(j)) : c;
    }
    /// P(Y <= y), linear between bin centres
    [[nodiscard]] double at(double y) const {
        const double u = (y - v0) / dv - 0.5;
        if (u < 0) {  // below the first bin centre: interpolate to 0 over one bin
            return u < -1 ? 0.0 : lower_at(0) * (u + 1);
        }
        if (!(u < static_cast<double>(n - 1))) return 1.0;  // also NaN: no UB cast
        const auto j = static_cast<long>(u);
        const double fr = u - static_cast<double>(j);
        return lower_at(j) * (1 - fr) + lower_at(j + 1) * fr;
    }
    /// P(Y > y), the same interpolation as 1 - at(y)
    [[nodiscard]] double above(double y) const {
        const double u = (y - v0) / dv - 0.5;
        if (u < 0) return u < -1 ? 1.0 : -u + upper_at(0) * (u + 1);
        if (!(u < static_cast<double>(n - 1))) return 0.0;  // also NaN (at() gives 1)
        const auto j = static_cast<long>(u);
        const double fr = u - static_cast<double>(j);
        return upper_at(j) * (1 - fr) + upper_at(j + 1) * fr;
    }
};

/// Symbol pulses (FFE, swing/2 applied, symbol_pulse frame) of symbols starting on an even
/// (q[0]) or odd (q[1]) edge under DCD: even edges early by dcd/2, odd edges late by dcd/2, so a
/// symbol starting on an even edge lasts T + dcd and one on an odd edge T - dcd. Built from the
/// step response S (cumulative impulse taps): p(n) = S(n - e0 - 1/2) - S(n - M - e1 - 1/2).
std::array<std::vector<double>, 2> dcd_pulses(const StatEyeInput& in) {
    const int M = in.samples_per_ui;
    const auto& imp = in.impulse;
    std::vector<double> S(imp.size());
    double acc = 0;
    for (std::size_t i = 0; i < imp.size(); ++i) S[i] = (acc += imp[i]);
    auto Sx = [&](double x) {
        if (x < 0) return 0.0;
        if (x >= static_cast<double>(S.size() - 1)) return S.back();
        const auto i = static_cast<std::size_t>(x);
        const double fr = x - static_cast<double>(i);
        return S[i] * (1 - fr) + S[i + 1] * fr;
    };
    const double e = in.jitter.dcd_ui / 2 * M;
    std::array<std::vector<double>, 2> p;  // p[parity of the starting edge]
    for (int par = 0; par < 2; ++par) {
        const double e0 = par == 0 ? -e : e, e1 = par == 0 ? e : -e;
        p[static_cast<std::size_t>(par)].resize(imp.size());
        for (std::size_t n = 0; n < imp.size(); ++n)
            // S(x - 1/2): the trapezoid rule of the unit pulse (S[n] - h[n]/2 = S at n - 1/2)
            p[static_cast<std::size_t>(par)][n] = Sx(static_cast<double>(n) - e0 - 0.5) -
                                                   Sx(static_cast<double>(n) - M - e1 - 0.5);
    }
    const auto& ffe = in.tx_ffe_taps;
    const double half = in.tx_swing_v / 2;
    std::array<std::vector<double>, 2> q;
    for (int par = 0; par < 2; ++par) {  // parity of the symbol a_j; FFE tap k lands on UI j + k
        auto& v = q[static_cast<std::size_t>(par)];
        v.assign(imp.size() + (ffe.size() - 1) * static_cast<std::size_t>(M), 0.0);
        for (std::size_t k = 0; k < ffe.size(); ++k) {
            const auto& pk = p[(static_cast<std::size_t>(par) + k) % 2];
            for (std::size_t n = 0; n < pk.size(); ++n) v[n + k * static_cast<std::size_t>(M)] += half * ffe[k] * pk[n];
        }
    }
    return q;
}

/// The largest pulse sample: cursors below kSmallCursor of it join the Gaussian part. (Not the
/// main cursor's sample, so that the ISI part at a phase does not depend on which sample is the
/// main cursor: a phase search that moves the cursor reuses the phases it has.)
double pulse_peak(const StatEyeInput& in) {
    double m = 0;
    for (double v : in.symbol_pulse) m = std::max(m, std::abs(v));
    return m;
}

}  // namespace

/// The noise-independent part of a component: main cursor, the ISI + crosstalk pdf on its own
/// grid (bins (j - G/2) dv_isi, j in [0, G)), its peak distortion, and the sums the Gaussian
/// part needs (lumped small cursors, TX noise and RJ through the pulse).
struct StatEyeIsiCache::Part {
    double h0 = 0;
    double pd = 0;       // sum of |cursor| of the cursors in the pdf [V]
    double small2 = 0;   // variance of the lumped small cursors [V^2]
    double txp2 = 0;     // sum of unit_pulse^2 at the phase (TX noise gain)
    double h2 = 0;       // sum of impulse^2 at the phase (RJ)
    double dv = 1;       // grid step of pdf [V]
    std::vector<double> pdf;
};

StatEyeIsiCache::StatEyeIsiCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
StatEyeIsiCache::~StatEyeIsiCache() = default;

std::size_t StatEyeIsiCache::size() const {
    std::lock_guard lk(m_);
    return parts_.size();
}

namespace {

/// parity: -1 = no DCD (use symbol_pulse); 0/1 = parity of the sampled symbol under DCD.
std::shared_ptr<const StatEyeIsiCache::Part> isi_part(const StatEyeInput& in, double x, int G, int parity,
                                                      const std::array<std::vector<double>, 2>* dq,
                                                      double h_main) {
    const int M = in.samples_per_ui;
    const int N = static_cast<int>(in.level_values.size());
    const auto& pu = parity < 0 ? in.symbol_pulse : (*dq)[static_cast<std::size_t>(parity)];
    auto pulse_of = [&](double y) -> const std::vector<double>& {  // the pulse of the symbol at y
        if (parity < 0) return pu;
        const long j = std::lround((x - y) / M);  // symbols before (j > 0) or after the sampled one
        return (*dq)[static_cast<std::size_t>(((parity + j) % 2 + 2) % 2)];
    };
    const double ea2 = (N + 1.0) / (3.0 * (N - 1.0));
    auto part = std::make_shared<StatEyeIsiCache::Part>();
    part->h0 = interp(pu, x);
    const std::vector<double>& vals = in.level_values;
    // ISI and crosstalk cursors at this (fractional) phase; small ones join the Gaussian part.
    std::vector<double> cur;
    auto take = [&](double h) {
        if (std::abs(h) > kSmallCursor * h_main) cur.push_back(h);
        else part->small2 += ea2 * h * h;
    };
    const double ph = x - M * std::floor(x / M);
    for (double y = ph; y <= static_cast<double>(pu.size() - 1); y += M)
        if (std::abs(y - x) > 0.5) take(interp(pulse_of(y), y));
    for (const auto& ag : in.aggressor_pulses)
        for (double y = ph; y <= static_cast<double>(ag.size() - 1); y += M) take(interp(ag, y));
    std::sort(cur.begin(), cur.end(), [](double a, double b) { return std::abs(a) < std::abs(b); });
    const auto& fp = in.unit_pulse;
    const auto& imp = in.impulse;
    const std::size_t iph = static_cast<std::size_t>(std::lround(ph)) % static_cast<std::size_t>(M);
    for (std::size_t i = iph; i < fp.size(); i += static_cast<std::size_t>(M)) part->txp2 += fp[i] * fp[i];
    for (std::size_t i = iph; i < imp.size(); i += static_cast<std::size_t>(M)) part->h2 += imp[i] * imp[i];
    for (double h : cur) part->pd += std::abs(h);
    // Grid step 2 pd / (G - 1): the pdf spans +-pd around the centre, plus one bin per cursor
    // on either side (each cursor's mass split reaches the next bin out), so it is held on
    // Gb = G + 2 (K + 2) bins, centre Gb / 2, and nothing is cut off.
    part->dv = 2 * (part->pd + 1e-9 * h_main) / (G - 1);
    const long Gb = G + 2 * (static_cast<long>(cur.size()) + 2);
    const long pad = Gb / 2 + 8;  // covers the shifts |s| <= (G - 1) / 2
    std::vector<double> a(static_cast<std::size_t>(Gb + 2 * pad), 0.0), b(a.size(), 0.0);
    a[static_cast<std::size_t>(pad + Gb / 2)] = 1.0;
    long sa[2] = {Gb / 2, Gb / 2}, sb[2] = {0, -1};  // supports of a and b
    for (double h : cur) {
        add_discrete(a, vals, h, part->dv, pad, b, sa, sb);
        a.swap(b);
        std::swap(sa, sb);
    }
    part->pdf.assign(a.begin() + pad, a.begin() + pad + Gb);
    return part;
}

/// prefix[i] = pdf[0] + ... + pdf[i] and suffix[i] = pdf[i] + ... + pdf[n-1], each summed in its
/// own direction (small tail terms first). Four quarters are summed as independent chains and
/// then offset by the quarters before (after) them: the same sums, ~3x fewer cycles than one
/// chain of dependent additions.
void running_sums(const std::vector<double>& pdf, std::vector<double>& prefix, std::vector<double>& suffix) {
    const std::size_t n = pdf.size(), q = (n + 3) / 4;
    prefix.resize(n);
    suffix.resize(n);
    const std::size_t b[5] = {0, std::min(n, q), std::min(n, 2 * q), std::min(n, 3 * q), n};
    double a[4] = {0, 0, 0, 0};
    for (std::size_t i = 0; i < q; ++i)
        for (int k = 0; k < 4; ++k)
            if (b[k] + i < b[k + 1]) prefix[b[k] + i] = (a[k] += pdf[b[k] + i]);
    double off = 0;
    for (int k = 1; k < 4; ++k) {
        off += a[k - 1];
        for (std::size_t i = b[k]; i < b[k + 1]; ++i) prefix[i] += off;
    }
    double z[4] = {0, 0, 0, 0};
    for (std::size_t i = q; i-- > 0;)
        for (int k = 0; k < 4; ++k)
            if (b[k] + i < b[k + 1]) suffix[b[k] + i] = (z[k] += pdf[b[k] + i]);
    off = 0;
    for (int k = 2; k >= 0; --k) {
        off += z[k + 1];
        for (std::size_t i = b[k]; i < b[k + 1]; ++i) suffix[i] += off;
    }
}

/// The component at x with weight w: the ISI part (from the cache when it holds it) with the
/// Gaussian part of this input's noise.
/// h_main: pulse_peak(in).
Component make_component(const StatEyeInput& in, double x, double w, int G, int parity,
                         const std::array<std::vector<double>, 2>* dq, StatEyeIsiCache* cache,
                         double h_main) {
    const auto part = cache ? cache->get(x, G, parity, [&] { return isi_part(in, x, G, parity, dq, h_main); })
                            : isi_part(in, x, G, parity, dq, h_main);
    const int M = in.samples_per_ui;
    const int N = static_cast<int>(in.level_values.size());
    const double ea2 = (N + 1.0) / (3.0 * (N - 1.0));
    Component c;
    c.w = w;
    c.h0 = part->h0;
    // Gaussian part: sampler noise, TX amplitude noise through the pulse, random jitter.
    double rj2 = 0;
    if (in.jitter.rj_rms_ui > 0) {
        // edge k moves by tau_k: dy = -dx_k h(t - kT) tau_k, independent edges:
        // var = (rj T)^2 E[dx^2] sum h^2, h = taps / dt, E[dx^2] = half^2 E[a^2] sum (c_i - c_{i-1})^2
        const auto& ffe = in.tx_ffe_taps;
        double d2 = 0;
        for (std::size_t i = 0; i <= ffe.size(); ++i) {
            const double ci = i < ffe.size() ? ffe[i] : 0.0, cp = i > 0 ? ffe[i - 1] : 0.0;
            d2 += (ci - cp) * (ci - cp);
        }
        const double half = in.tx_swing_v / 2;
        const double tau = in.jitter.rj_rms_ui * in.ui_s;
        const double dt_s = in.ui_s / M;
        rj2 = tau * tau * half * half * ea2 * d2 * part->h2 / (dt_s * dt_s);
    }
    c.sigma = std::sqrt(std::pow(in.sampler_noise_sigma_v, 2) +
                        std::pow(in.tx_noise_sigma_v, 2) * part->txp2 + part->small2 + rj2);
    const double span = part->pd + 9 * c.sigma + 1e-9 * h_main;
    c.dv = 2 * span / (G - 1);
    // The ISI pdf onto this grid (dv >= the part's step): each bin's mass split between the two
    // nearest bins, which keeps the mean (an identity when there is no Gaussian part).
    const long Gb = static_cast<long>(part->pdf.size());  // G + margin, centre Gb / 2
    std::vector<double> pdf(static_cast<std::size_t>(Gb), 0.0);
    {
        const double rho = part->dv / c.dv;  // <= 1: |u - Gb/2| <= |j - Gb/2|
        const double g2 = static_cast<double>(Gb / 2);
        // u grows with j, so bins fill in order: bin `cur` and the next one are summed in
        // registers and stored once (the terms arrive in the order of the scatter form)
        long cur = -1;
        double acc0 = 0, acc1 = 0;  // bins cur and cur + 1
        for (long j = 0; j < Gb; ++j) {
            const double m = part->pdf[static_cast<std::size_t>(j)];
            if (m == 0) continue;
            const double u = (static_cast<double>(j) - g2) * rho + g2;
            const long i = static_cast<long>(u);
            const double fr = u - static_cast<double>(i);
            const double w0 = m * (1 - fr), w1 = fr > 0 ? m * fr : 0.0;
            if (i == cur) {
                acc0 += w0;
                if (fr > 0) acc1 += w1;
            } else {
                if (cur >= 0) {  // flush: bin cur is complete; cur + 1 too unless i == cur + 1
                    pdf[static_cast<std::size_t>(cur)] = acc0;
                    if (i == cur + 1) {
                        acc0 = acc1 + w0;
                    } else {
                        pdf[static_cast<std::size_t>(cur + 1)] = acc1;
                        acc0 = w0;
                    }
                } else {
                    acc0 = w0;
                }
                acc1 = w1;
                cur = i;
            }
        }
        if (cur >= 0) {
            pdf[static_cast<std::size_t>(cur)] = acc0;
            if (cur + 1 < Gb) pdf[static_cast<std::size_t>(cur + 1)] = acc1;
        }
    }
    c.v0 = -(Gb / 2) * c.dv;
    running_sums(pdf, c.prefix, c.suffix);
    std::vector<double> k{1.0};
    if (c.sigma >= 0.5 * c.dv) {  // Gaussian by bin masses (exact tails)
        const long half = static_cast<long>(std::ceil(9 * c.sigma / c.dv));
        k.assign(static_cast<std::size_t>(2 * half + 1), 0.0);
        // Bin i (|i| <= half) holds Q((|i| - 1/2) r) - Q((|i| + 1/2) r), r = dv / sigma: the
        // kernel is symmetric, so each tail is the difference of two small Q values (no 1 - Q).
        // Q at each bin edge once: the upper edge of bin i is the lower edge of bin i + 1.
        const double r = c.dv / c.sigma;
        double q_in = q_function(0.5 * r);
        k[static_cast<std::size_t>(half)] = 1.0 - 2.0 * q_in;
        for (long i = 1; i <= half; ++i) {
            const double q_out = q_function((static_cast<double>(i) + 0.5) * r);
            k[static_cast<std::size_t>(half + i)] = k[static_cast<std::size_t>(half - i)] = q_in - q_out;
            q_in = q_out;
        }
        double ks = 0;
        for (double kv : k) ks += kv;
        // Normalised once (not q * k / ks per term: the division bound the loop).
        for (double& kv : k) kv /= ks;
        c.v0 -= static_cast<double>(half) * c.dv;
    }
    c.nk = static_cast<long>(k.size());
    c.kcr.resize(k.size() - 1);
    c.kur.resize(k.size() - 1);
    double acc = 0;
    for (long t = 0; t + 1 < c.nk; ++t) c.kcr[static_cast<std::size_t>(c.nk - 2 - t)] = (acc += k[static_cast<std::size_t>(t)]);
    c.ktot = acc + k.back();
    acc = 0;  // Ku[t] = sum_{m > t} k[m], from the top
    for (long t = c.nk - 2; t >= 0; --t) c.kur[static_cast<std::size_t>(c.nk - 2 - t)] = (acc += k[static_cast<std::size_t>(t + 1)]);
    c.n = static_cast<long>(pdf.size()) + c.nk - 1;
    c.pdf = std::move(pdf);
    return c;
}

/// The quantile of one component's Y: the y with P(Y <= y) = p (lower) or P(Y > y) = p, on the
/// same piecewise-linear CDF as Component::at/above, found by a binary search over the bins and
/// the linear piece solved exactly.
double component_quantile(const Component& c, double p, bool lower) {
    double u;  // in bins: y = v0 + (u + 1/2) dv
    if (lower) {
        long lo = 0, hi = c.n - 1;  // smallest j with L_j >= p (n - 1 if none)
        double Lhi = NAN;           // L at hi once evaluated
        while (lo < hi) {
            const long mid = (lo + hi) / 2;
            const double L = c.lower_of(mid);
            if (L >= p) hi = mid, Lhi = L; else lo = mid + 1;
        }
        const double Lj = std::isnan(Lhi) || hi != lo ? c.lower_of(lo) : Lhi;
        if (Lj < p) u = static_cast<double>(c.n - 1);
        else if (lo == 0) u = p / Lj - 1;
        else {
            const double Lp = c.lower_of(lo - 1);
            u = static_cast<double>(lo - 1) + (p - Lp) / (Lj - Lp);
        }
    } else {
        long lo = -1, hi = c.n - 1;  // largest j with U_j >= p (-1 if none)
        double Ulo = NAN;            // U at lo once evaluated
        while (lo < hi) {
            const long mid = lo + (hi - lo + 1) / 2;
            const double U = c.upper_of(mid);
            if (U >= p) lo = mid, Ulo = U; else hi = mid - 1;
        }
        if (lo < 0) {
            const double U0 = c.upper_of(0);
            u = (U0 - p) / (1 - U0);
        } else if (lo == c.n - 1) {
            u = static_cast<double>(c.n - 1);
        } else {
            const double Uj = std::isnan(Ulo) ? c.upper_of(lo) : Ulo, Un = c.upper_of(lo + 1);
            u = static_cast<double>(lo) + (Uj - p) / (Uj - Un);
        }
    }
    return c.v0 + (u + 0.5) * c.dv;
}

/// Voltage x at which the mixture puts probability p below (lower = true) or above it, for a
/// symbol of level value a.
double mixture_quantile(const std::vector<Component>& cs, double a, double p, bool lower) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& c : cs) {
        lo = std::min(lo, a * c.h0 + c.v0 - c.dv);
        hi = std::max(hi, a * c.h0 + c.v0 + (static_cast<double>(c.n) + 1) * c.dv);
    }
    auto below = [&](double x) {
        double s = 0;
        for (const auto& c : cs) s += c.w * c.at(x - a * c.h0);
        return s;
    };
    auto above = [&](double x) {
        double s = 0;
        for (const auto& c : cs) s += c.w * c.above(x - a * c.h0);
        return s;
    };
    for (int it = 0; it < 80; ++it) {
        const double mid = 0.5 * (lo + hi);
        const double pr = lower ? below(mid) : above(mid);
        if (lower ? (pr < p) : (pr > p)) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

std::vector<Component> components_at(const StatEyeInput& in, double x, int G,
                                     const std::array<std::vector<double>, 2>* dq, StatEyeIsiCache* cache,
                                     double h_main) {
    const auto shifts = jitter_shifts(in.jitter);
    std::vector<Component> cs;
    for (const auto& sh : shifts) {
        const double xs = x + sh.delta_ui * in.samples_per_ui;
        if (dq) {  // DCD: the sampled symbol starts on an even or an odd edge, half the time each
            cs.push_back(make_component(in, xs, sh.w / 2, G, 0, dq, cache, h_main));
            cs.push_back(make_component(in, xs, sh.w / 2, G, 1, dq, cache, h_main));
        } else {
            cs.push_back(make_component(in, xs, sh.w, G, -1, nullptr, cache, h_main));
        }
    }
    return cs;
}

void require(bool ok, const char* field, const std::string& rule) {
    if (!ok) throw ConfigError(std::string("StatEyeInput.") + field, rule);
}

}  // namespace

void validate(const StatEyeInput& in) {
    require(in.samples_per_ui >= 1, "samples_per_ui", "must be >= 1");
    require(std::isfinite(in.ui_s) && in.ui_s > 0, "ui_s", "must be > 0 s");
    require(!in.symbol_pulse.empty(), "symbol_pulse", "must not be empty");
    require(in.cursor_index >= 0 && static_cast<std::size_t>(in.cursor_index) < in.symbol_pulse.size(),
            "cursor_index", "must index symbol_pulse");
    require(in.symbol_pulse[static_cast<std::size_t>(in.cursor_index)] != 0, "symbol_pulse",
            "main cursor must be nonzero");
    require(in.level_values.size() >= 2, "level_values", "needs at least 2 levels");
    require(std::is_sorted(in.level_values.begin(), in.level_values.end()), "level_values",
            "must be increasing");
    require(in.thresholds_v.size() + 1 == in.level_values.size(), "thresholds_v",
            "must hold one threshold fewer than level_values");
    require(in.sampler_noise_sigma_v >= 0 && in.tx_noise_sigma_v >= 0, "sampler_noise_sigma_v",
            "noise std must be >= 0 (also tx_noise_sigma_v)");
    require(!in.tx_ffe_taps.empty(), "tx_ffe_taps", "must hold at least one tap");
    require(in.jitter.rj_rms_ui >= 0 && in.jitter.sj_amp_ui >= 0 && in.jitter.dcd_ui >= 0, "jitter",
            "rj_rms_ui, sj_amp_ui and dcd_ui must be >= 0");
    require((in.jitter.dcd_ui == 0 && in.jitter.rj_rms_ui == 0) || !in.impulse.empty(), "impulse",
            "is needed for DCD and RJ");
}


namespace {

/// FNV-1a style mixing of 64-bit words (a lookup hash; equality is decided field by field)
struct Hash {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    void word(std::uint64_t w) noexcept { h = (h ^ w) * 0x100000001b3ULL; }
    void num(double x) noexcept {
        std::uint64_t w;
        std::memcpy(&w, &x, sizeof w);
        word(w);
    }
    /// A vector by its size, its first and last eight values and every 61st value between: a
    /// lookup hash needs only to tell the few kept inputs apart, and every match is confirmed
    /// field by field (same_isi_fields), so hashing a sample keeps lookups cheap for long pulses.
    void vec(const std::vector<double>& v) noexcept {
        word(v.size());
        const std::size_t n = v.size();
        for (std::size_t i = 0; i < n; i = i < 8 || i + 8 >= n ? i + 1 : std::min(i + 61, n - 8)) num(v[i]);
    }
};

}  // namespace

bool same_isi_fields(const StatEyeInput& a, const StatEyeInput& b) noexcept {
    if (a.samples_per_ui != b.samples_per_ui || !same_bits(a.ui_s, b.ui_s) || !same_bits(a.tx_swing_v, b.tx_swing_v) ||
        !same_bits(a.jitter.sj_amp_ui, b.jitter.sj_amp_ui) || !same_bits(a.jitter.dcd_ui, b.jitter.dcd_ui) ||
        !same_bits(a.level_values, b.level_values) || !same_bits(a.tx_ffe_taps, b.tx_ffe_taps) ||
        !same_bits(a.symbol_pulse, b.symbol_pulse) || !same_bits(a.unit_pulse, b.unit_pulse) ||
        !same_bits(a.impulse, b.impulse) || a.aggressor_pulses.size() != b.aggressor_pulses.size())
        return false;
    for (std::size_t i = 0; i < a.aggressor_pulses.size(); ++i)
        if (!same_bits(a.aggressor_pulses[i], b.aggressor_pulses[i])) return false;
    return true;
}

std::uint64_t isi_hash(const StatEyeInput& in) noexcept {
    Hash h;
    h.word(static_cast<std::uint64_t>(in.samples_per_ui));
    h.num(in.ui_s), h.num(in.tx_swing_v), h.num(in.jitter.sj_amp_ui), h.num(in.jitter.dcd_ui);
    h.vec(in.level_values), h.vec(in.tx_ffe_taps), h.vec(in.symbol_pulse), h.vec(in.unit_pulse), h.vec(in.impulse);
    h.word(in.aggressor_pulses.size());
    for (const auto& a : in.aggressor_pulses) h.vec(a);
    return h.h;
}

void StatEyeIsiCache::bind(const StatEyeInput& in) {
    std::lock_guard lk(m_);
    if (!bound_) {
        ref_ = in;  // the fields compared below are the ones the parts depend on
        bound_ = true;
    } else if (!same_isi_fields(ref_, in)) {
        throw std::logic_error("StatEyeIsiCache: used with an input whose pulse, levels, crosstalk or "
                               "jitter differ from the one it holds");
    }
}

std::shared_ptr<const StatEyeIsiCache::Part> StatEyeIsiCache::get(
    double x, int G, int parity, const std::function<std::shared_ptr<const Part>()>& compute) {
    const auto slot = std::make_tuple(x, G, parity);
    {
        std::lock_guard lk(m_);
        if (const auto it = parts_.find(slot); it != parts_.end()) return it->second;
    }
    auto p = compute();  // outside the lock; the same bits whoever computes it
    std::lock_guard lk(m_);
    const std::size_t b = p->pdf.size() * sizeof(double) + sizeof(Part);
    if (bytes_ + b <= max_bytes_ && parts_.emplace(slot, p).second) bytes_ += b;
    return p;
}

StatisticalSer statistical_ser(const StatEyeInput& in, StatEyeIsiCache* cache) {
    validate(in);
    if (cache) cache->bind(in);
    const int N = static_cast<int>(in.level_values.size());
    std::array<std::vector<double>, 2> dq;
    if (in.jitter.dcd_ui > 0) dq = dcd_pulses(in);
    const auto cs = components_at(in, in.cursor_index, 8192, in.jitter.dcd_ui > 0 ? &dq : nullptr, cache,
                                  pulse_peak(in));
    const auto& thr = in.thresholds_v;
    StatisticalSer r;
    r.noise_sigma_v = cs.front().sigma;
    r.grid_step_v = cs.front().dv;
    r.includes_jitter = true;
    r.level_ser.assign(static_cast<std::size_t>(N), 0.0);
    for (int i = 0; i < N; ++i) {
        const double a = in.level_values[static_cast<std::size_t>(i)];
        double pe = 0;
        for (const auto& c : cs) {
            if (i > 0) pe += c.w * c.at(thr[static_cast<std::size_t>(i - 1)] - a * c.h0);
            if (i < N - 1) pe += c.w * c.above(thr[static_cast<std::size_t>(i)] - a * c.h0);
        }
        r.level_ser[static_cast<std::size_t>(i)] = pe;
        r.ser += pe / N;
    }
    const int bps = static_cast<int>(std::lround(std::log2(N)));
    r.ber = r.ser / bps * (in.precode ? 2.0 : 1.0);
    return r;
}

StatisticalEye statistical_eye(const StatEyeInput& in, double p, StatEyeIsiCache* cache, bool curve) {
    validate(in);
    if (cache) cache->bind(in);
    require(p > 0 && p < 0.5, "target_ber", "must be in (0, 0.5)");
    const int M = in.samples_per_ui;
    const int N = static_cast<int>(in.level_values.size());
    const int nsub = N - 1;
    StatisticalEye e;
    e.height_vs_time_v.assign(static_cast<std::size_t>(nsub * 2 * M), std::nan(""));
    const double c0 = in.cursor_index;
    const double L = static_cast<double>(in.symbol_pulse.size());
    std::array<std::vector<double>, 2> dq;
    if (in.jitter.dcd_ui > 0) dq = dcd_pulses(in);
    const bool pos = in.symbol_pulse[static_cast<std::size_t>(in.cursor_index)] >= 0;
    const double h_main = pulse_peak(in);
    std::vector<char> done(static_cast<std::size_t>(2 * M), 0);
    auto compute = [&](int b) {  // every sub-eye's height at offset bin b
        done[static_cast<std::size_t>(b)] = 1;
        const double x = c0 + (b - M);
        if (x < 0 || x >= L) return;
        const auto cs = components_at(in, x, 2048, in.jitter.dcd_ui > 0 ? &dq : nullptr, cache, h_main);
        std::vector<double> top(static_cast<std::size_t>(N)), bot(static_cast<std::size_t>(N));
        if (cs.size() == 1) {  // one distribution Y for every level: two quantiles
            const double ylo = component_quantile(cs[0], p, true), yhi = component_quantile(cs[0], p, false);
            for (int i = 0; i < N; ++i) {
                const double ah = in.level_values[static_cast<std::size_t>(i)] * cs[0].h0;
                bot[static_cast<std::size_t>(i)] = ah + ylo;
                top[static_cast<std::size_t>(i)] = ah + yhi;
            }
        } else {
            for (int i = 0; i < N; ++i) {
                const double a = in.level_values[static_cast<std::size_t>(i)];
                bot[static_cast<std::size_t>(i)] = mixture_quantile(cs, a, p, true);
                top[static_cast<std::size_t>(i)] = mixture_quantile(cs, a, p, false);
            }
        }
        for (int s = 0; s < nsub; ++s) {
            // the eye between levels s and s+1 (their order follows the main cursor's sign)
            const double h = pos ? bot[static_cast<std::size_t>(s + 1)] - top[static_cast<std::size_t>(s)]
                                 : bot[static_cast<std::size_t>(s)] - top[static_cast<std::size_t>(s + 1)];
            e.height_vs_time_v[static_cast<std::size_t>(s * 2 * M + b)] = h;
        }
    };
    for (int b = curve ? 0 : M - M / 2; b < (curve ? 2 * M : M + M / 2 + 1); ++b) compute(b);
    for (int s = 0; s < nsub; ++s) {
        const double* h = e.height_vs_time_v.data() + static_cast<std::size_t>(s * 2 * M);
        auto at = [&](int b) {  // h[b], computed first when it is not yet
            if (!done[static_cast<std::size_t>(b)]) compute(b);
            return h[b];
        };
        e.eye_height_v.push_back(h[M]);
        double width = 0;
        const int tb = 2 * M;
        if (h[M] > 0) {
            int r = M;
            while (r + 1 < tb && at(r + 1) > 0) ++r;
            int l = M;
            while (l - 1 >= 0 && at(l - 1) > 0) --l;
            double right = r, left = l;
            if (r + 1 < tb && std::isfinite(at(r + 1))) right += h[r] / (h[r] - h[r + 1]);
            if (l - 1 >= 0 && std::isfinite(at(l - 1))) left -= h[l] / (h[l] - h[l - 1]);
            width = (right - left) / M;
        }
        e.eye_width_ui.push_back(width);
    }
    return e;
}

}  // namespace si::analysis

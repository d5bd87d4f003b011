#include "si/analysis/stat_eye.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "si/core/error.hpp"
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
SI_STAT_EYE_CLONES void add_discrete(const std::vector<double>& src, const std::vector<double>& vals,
                                     double h, double dv, long pad, std::vector<double>& dst) {
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
    if (fused) {
        const double* base = src.data() + pad;
        long k = 0;
        for (; k + 4 <= n; k += 4) {
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
        for (; k < n; ++k) {
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

/// f[m] = sum_j pdf[j] k[m - j], m in [0, G + nk - 1), summed over the nonzero pdf[j] in
/// increasing j (often few: a narrow ISI pdf under wide noise), a block of 8 outputs at a time
/// in vector lanes (a scatter over m instead stalls on store-to-load forwarding).
SI_STAT_EYE_CLONES std::vector<double> convolve_kernel(const std::vector<double>& pdf,
                                                       const std::vector<double>& k) {
    constexpr long kB = 8;
    const long G = static_cast<long>(pdf.size()), nk = static_cast<long>(k.size());
    const long nf = G + nk - 1;
    std::vector<double> kz(static_cast<std::size_t>(nk + 2 * kB), 0.0);  // k zero-padded by kB
    std::copy(k.begin(), k.end(), kz.begin() + kB);
    std::vector<double> f(static_cast<std::size_t>(nf + kB), 0.0);
    std::vector<long> nz;
    for (long j = 0; j < G; ++j)
        if (pdf[static_cast<std::size_t>(j)] != 0) nz.push_back(j);
    std::size_t t0 = 0;
    for (long m0 = 0; m0 < nf; m0 += kB) {
        V4 a0{}, a1{};  // lanes m0 .. m0 + 7
        const long j0 = m0 - (nk - 1), j1 = m0 + kB - 1;
        while (t0 < nz.size() && nz[t0] < j0) ++t0;
        for (std::size_t t = t0; t < nz.size() && nz[t] <= j1; ++t) {
            const long j = nz[t];
            const double q = pdf[static_cast<std::size_t>(j)];
            const V4 qq{q, q, q, q};
            const double* kj = kz.data() + kB + (m0 - j);  // kj[l] = k[m0 + l - j]
            V4 k0, k1;
            std::memcpy(&k0, kj, sizeof k0);
            std::memcpy(&k1, kj + 4, sizeof k1);
            a0 += qq * k0;
            a1 += qq * k1;
        }
        std::memcpy(f.data() + m0, &a0, sizeof a0);
        std::memcpy(f.data() + m0 + 4, &a1, sizeof a1);
    }
    f.resize(static_cast<std::size_t>(nf));
    return f;
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

/// The sample of a symbol at fractional pulse index x: main cursor h0 and the distribution of
/// everything else, Y = ISI + crosstalk + Gaussian noise, as a CDF on a grid.
struct Component {
    double h0 = 0, w = 1;
    double v0 = 0, dv = 1;
    std::vector<double> cdf;  // P(Y <= v0 + (j + 1/2) dv)
    double sigma = 0;         // Gaussian part (for reporting)
    [[nodiscard]] double at(double y) const {
        const double u = (y - v0) / dv - 0.5;
        if (u < 0) {  // below the first bin centre: interpolate to 0 over one bin
            return u < -1 ? 0.0 : cdf.front() * (u + 1);
        }
        if (!(u < static_cast<double>(cdf.size() - 1))) return 1.0;  // also NaN: no UB cast
        const auto j = static_cast<std::size_t>(u);
        const double fr = u - static_cast<double>(j);
        return cdf[j] * (1 - fr) + cdf[j + 1] * fr;
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

/// parity: -1 = no DCD (use symbol_pulse); 0/1 = parity of the sampled symbol under DCD.
Component make_component(const StatEyeInput& in, double x, double w, int G, int parity,
                         const std::array<std::vector<double>, 2>* dq) {
    const int M = in.samples_per_ui;
    const int N = static_cast<int>(in.level_values.size());
    const auto& pu = parity < 0 ? in.symbol_pulse : (*dq)[static_cast<std::size_t>(parity)];
    auto pulse_of = [&](double y) -> const std::vector<double>& {  // the pulse of the symbol at y
        if (parity < 0) return pu;
        const long j = std::lround((x - y) / M);  // symbols before (j > 0) or after the sampled one
        return (*dq)[static_cast<std::size_t>(((parity + j) % 2 + 2) % 2)];
    };
    const double h_main = std::abs(in.symbol_pulse[static_cast<std::size_t>(in.cursor_index)]);
    const double ea2 = (N + 1.0) / (3.0 * (N - 1.0));
    Component c;
    c.w = w;
    c.h0 = interp(pu, x);
    const std::vector<double>& vals = in.level_values;
    // ISI and crosstalk cursors at this (fractional) phase; small ones join the Gaussian part.
    std::vector<double> cur;
    double small2 = 0;
    auto take = [&](double h) {
        if (std::abs(h) > kSmallCursor * h_main) cur.push_back(h);
        else small2 += ea2 * h * h;
    };
    const double ph = x - M * std::floor(x / M);
    for (double y = ph; y <= static_cast<double>(pu.size() - 1); y += M)
        if (std::abs(y - x) > 0.5) take(interp(pulse_of(y), y));
    for (const auto& ag : in.aggressor_pulses)
        for (double y = ph; y <= static_cast<double>(ag.size() - 1); y += M) take(interp(ag, y));
    std::sort(cur.begin(), cur.end(), [](double a, double b) { return std::abs(a) > std::abs(b); });
    // Gaussian part: sampler noise, TX amplitude noise through the pulse, random jitter.
    const auto& fp = in.unit_pulse;
    const auto& imp = in.impulse;
    const std::size_t iph = static_cast<std::size_t>(std::lround(ph)) % static_cast<std::size_t>(M);
    double txp2 = 0, h2 = 0;
    for (std::size_t i = iph; i < fp.size(); i += static_cast<std::size_t>(M)) txp2 += fp[i] * fp[i];
    for (std::size_t i = iph; i < imp.size(); i += static_cast<std::size_t>(M)) h2 += imp[i] * imp[i];
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
        rj2 = tau * tau * half * half * ea2 * d2 * h2 / (dt_s * dt_s);
    }
    c.sigma = std::sqrt(std::pow(in.sampler_noise_sigma_v, 2) +
                        std::pow(in.tx_noise_sigma_v, 2) * txp2 + small2 + rj2);
    double pd = 0;
    for (double h : cur) pd += std::abs(h);
    const double span = pd + 9 * c.sigma + 1e-9 * h_main;
    c.dv = 2 * span / (G - 1);
    std::vector<double> pdf;
    {
        const long pad = G / 2 + 8;  // covers the shifts |s| <= (G - 1) / 2 (span >= pd)
        std::vector<double> a(static_cast<std::size_t>(G + 2 * pad), 0.0), b(a.size(), 0.0);
        a[static_cast<std::size_t>(pad + G / 2)] = 1.0;
        for (double h : cur) {
            add_discrete(a, vals, h, c.dv, pad, b);
            a.swap(b);
        }
        pdf.assign(a.begin() + pad, a.begin() + pad + G);
    }
    c.v0 = -(G / 2) * c.dv;
    if (c.sigma >= 0.5 * c.dv) {  // Gaussian by bin masses (exact tails)
        const long half = static_cast<long>(std::ceil(9 * c.sigma / c.dv));
        std::vector<double> k(static_cast<std::size_t>(2 * half + 1));
        double ks = 0;
        // Q at each bin edge once: the upper edge of bin i, (i + 0.5) dv / sigma, is the lower
        // edge of bin i + 1, ((i + 1) - 0.5) dv / sigma, to the bit (both half-integers exact).
        double q_lo = q_function((-half - 0.5) * c.dv / c.sigma);
        for (long i = -half; i <= half; ++i) {
            const double q_hi = q_function((i + 0.5) * c.dv / c.sigma);
            k[static_cast<std::size_t>(i + half)] = q_lo - q_hi;
            ks += k[static_cast<std::size_t>(i + half)];
            q_lo = q_hi;
        }
        // Normalised once (not q * k / ks per term: the division bound the loop; the results
        // moved by a few units in the last place, docs/validation.md).
        for (double& kv : k) kv /= ks;
        auto f = convolve_kernel(pdf, k);
        pdf.swap(f);
        c.v0 -= static_cast<double>(half) * c.dv;
    }
    c.cdf.resize(pdf.size());
    double acc = 0;
    for (std::size_t j = 0; j < pdf.size(); ++j) c.cdf[j] = (acc += pdf[j]);
    return c;
}

/// Voltage x at which the mixture puts probability p below (lower = true) or above it, for a
/// symbol of level value a.
double mixture_quantile(const std::vector<Component>& cs, double a, double p, bool lower) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& c : cs) {
        lo = std::min(lo, a * c.h0 + c.v0 - c.dv);
        hi = std::max(hi, a * c.h0 + c.v0 + (static_cast<double>(c.cdf.size()) + 1) * c.dv);
    }
    auto below = [&](double x) {
        double s = 0;
        for (const auto& c : cs) s += c.w * c.at(x - a * c.h0);
        return s;
    };
    for (int it = 0; it < 80; ++it) {
        const double mid = 0.5 * (lo + hi);
        const double pr = lower ? below(mid) : 1.0 - below(mid);
        if (lower ? (pr < p) : (pr > p)) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

std::vector<Component> components_at(const StatEyeInput& in, double x, int G,
                                     const std::array<std::vector<double>, 2>* dq) {
    const auto shifts = jitter_shifts(in.jitter);
    std::vector<Component> cs;
    for (const auto& sh : shifts) {
        const double xs = x + sh.delta_ui * in.samples_per_ui;
        if (dq) {  // DCD: the sampled symbol starts on an even or an odd edge, half the time each
            cs.push_back(make_component(in, xs, sh.w / 2, G, 0, dq));
            cs.push_back(make_component(in, xs, sh.w / 2, G, 1, dq));
        } else {
            cs.push_back(make_component(in, xs, sh.w, G, -1, nullptr));
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

StatisticalSer statistical_ser(const StatEyeInput& in) {
    validate(in);
    const int N = static_cast<int>(in.level_values.size());
    std::array<std::vector<double>, 2> dq;
    if (in.jitter.dcd_ui > 0) dq = dcd_pulses(in);
    const auto cs = components_at(in, in.cursor_index, 8192, in.jitter.dcd_ui > 0 ? &dq : nullptr);
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
            if (i < N - 1) pe += c.w * (1.0 - c.at(thr[static_cast<std::size_t>(i)] - a * c.h0));
        }
        r.level_ser[static_cast<std::size_t>(i)] = pe;
        r.ser += pe / N;
    }
    const int bps = static_cast<int>(std::lround(std::log2(N)));
    r.ber = r.ser / bps * (in.precode ? 2.0 : 1.0);
    return r;
}

StatisticalEye statistical_eye(const StatEyeInput& in, double p) {
    validate(in);
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
    for (int b = 0; b < 2 * M; ++b) {
        const double x = c0 + (b - M);
        if (x < 0 || x >= L) continue;
        const auto cs = components_at(in, x, 2048, in.jitter.dcd_ui > 0 ? &dq : nullptr);
        std::vector<double> top(static_cast<std::size_t>(N)), bot(static_cast<std::size_t>(N));
        for (int i = 0; i < N; ++i) {
            const double a = in.level_values[static_cast<std::size_t>(i)];
            bot[static_cast<std::size_t>(i)] = mixture_quantile(cs, a, p, true);
            top[static_cast<std::size_t>(i)] = mixture_quantile(cs, a, p, false);
        }
        for (int s = 0; s < nsub; ++s) {
            // the eye between levels s and s+1 (their order follows the main cursor's sign)
            const double h = pos ? bot[static_cast<std::size_t>(s + 1)] - top[static_cast<std::size_t>(s)]
                                 : bot[static_cast<std::size_t>(s)] - top[static_cast<std::size_t>(s + 1)];
            e.height_vs_time_v[static_cast<std::size_t>(s * 2 * M + b)] = h;
        }
    }
    for (int s = 0; s < nsub; ++s) {
        const double* h = e.height_vs_time_v.data() + static_cast<std::size_t>(s * 2 * M);
        e.eye_height_v.push_back(h[M]);
        double width = 0;
        const int tb = 2 * M;
        if (h[M] > 0) {
            int r = M;
            while (r + 1 < tb && h[r + 1] > 0) ++r;
            int l = M;
            while (l - 1 >= 0 && h[l - 1] > 0) --l;
            double right = r, left = l;
            if (r + 1 < tb && std::isfinite(h[r + 1])) right += h[r] / (h[r] - h[r + 1]);
            if (l - 1 >= 0 && std::isfinite(h[l - 1])) left -= h[l] / (h[l] - h[l - 1]);
            width = (right - left) / M;
        }
        e.eye_width_ui.push_back(width);
    }
    return e;
}

}  // namespace si::analysis

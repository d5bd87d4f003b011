#include "si/analysis/tdecq.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/dsp/fft.hpp"

namespace si::analysis {

namespace {
constexpr double kW3 = 2.113917674904216;  // -3 dB frequency of the delay-normalised 4th-order Bessel
constexpr int kHistBins = 1000;            // histogram bins over P_ave +- 2 OMA (OMA/250 each)
constexpr int kEyeLevels = 256;
constexpr std::size_t kSearchSymbols = 16384;  // symbols per objective evaluation in the tap search

// ---------------------------------------------------------------- reference receiver, resampling
// Filters x with the Bessel-Thomson response (if f3db > 0) and resamples it band-limited to
// spacing ui/m. Returns samples at t = i ui/m, i = 0.. while t lies inside the record.
std::vector<double> filter_resample(std::span<const double> x, double dt, double ui, int m, double f3db) {
    const std::size_t n = x.size();
    if (f3db <= 0 && std::abs(dt * m / ui - 1) < 1e-9) return {x.begin(), x.end()};  // already there
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
    const auto pad = static_cast<std::size_t>(std::ceil(16 * ui / dt)) + 16;
    const std::size_t nin = dsp::good_fft_size(n + pad);
    std::vector<double> buf(nin, mean);
    std::copy(x.begin(), x.end(), buf.begin());
    dsp::RealFft fin(nin);
    std::vector<std::complex<double>> spec(nin / 2 + 1);
    fin.forward(buf, spec);
    const double df = 1.0 / (static_cast<double>(nin) * dt);
    if (f3db > 0)
        for (std::size_t k = 0; k < spec.size(); ++k) spec[k] *= bessel_thomson4(static_cast<double>(k) * df, f3db);
    // Output FFT size: spacing dt_o = nin dt / nout <= ui/m.
    const double dt_target = ui / m;
    const std::size_t nout = dsp::good_fft_size(static_cast<std::size_t>(std::ceil(static_cast<double>(nin) * dt / dt_target)) + 1);
    const double dt_o = static_cast<double>(nin) * dt / static_cast<double>(nout);
    std::vector<std::complex<double>> so(nout / 2 + 1, 0.0);
    const std::size_t kmax = std::min(so.size(), spec.size());
    for (std::size_t k = 0; k < kmax; ++k) so[k] = spec[k];
    // An even input length's Nyquist bin holds the two halves of a real cosine: halve it when it
    // becomes an interior bin of the longer output.
    if (nout > nin && nin % 2 == 0) so[nin / 2] *= 0.5;
    if (nout < nin && nout % 2 == 0) so[nout / 2] = so[nout / 2].real();
    std::vector<double> yo(nout);
    dsp::RealFft fout(nout);
    fout.inverse(so, yo);
    for (auto& v : yo) v /= static_cast<double>(nin);
    // Lanczos (a = 4) interpolation onto the exact grid ui/m (dt_o is within a fraction of a
    // percent of it). The content lies below the input Nyquist, i.e. below 1/4 cycle per output
    // sample for inputs up to m/2 samples/UI, where the 8-tap kernel is flat to ~1e-3; linear
    // interpolation would lose up to 5 % of the variance of noise near the input Nyquist.
    auto sinc = [](double v) { return v == 0 ? 1.0 : std::sin(kPi * v) / (kPi * v); };
    const double t_end = static_cast<double>(n - 1) * dt;
    const auto nres = static_cast<std::size_t>(std::floor(t_end / dt_target)) + 1;
    std::vector<double> y(nres);
    for (std::size_t i = 0; i < nres; ++i) {
        const double pos = static_cast<double>(i) * dt_target / dt_o;
        const auto j = static_cast<std::ptrdiff_t>(std::floor(pos));
        const double f = pos - static_cast<double>(j);
        if (f < 1e-12) {
            y[i] = yo[static_cast<std::size_t>(j)];
            continue;
        }
        double acc = 0, wsum = 0;
        for (std::ptrdiff_t k = -3; k <= 4; ++k) {
            const double d = f - static_cast<double>(k);
            const double lk = sinc(d) * sinc(d / 4);
            const auto idx = static_cast<std::size_t>((j + k + static_cast<std::ptrdiff_t>(nout)) % static_cast<std::ptrdiff_t>(nout));
            acc += lk * yo[idx];
            wsum += lk;
        }
        y[i] = acc / wsum;
    }
    return y;
}

// ---------------------------------------------------------------- 1-D 4-means
std::array<double, 4> kmeans4(std::vector<double> v, double* within_sigma) {
    std::array<double, 4> c{};
    std::vector<double> s = v;
    std::sort(s.begin(), s.end());
    for (int i = 0; i < 4; ++i) c[static_cast<std::size_t>(i)] = s[static_cast<std::size_t>((2 * i + 1) * s.size() / 8)];
    for (int it = 0; it < 20; ++it) {
        std::array<double, 4> sum{}, cnt{};
        for (double x : v) {
            std::size_t b = 0;
            for (std::size_t k = 1; k < 4; ++k)
                if (std::abs(x - c[k]) < std::abs(x - c[b])) b = k;
            sum[b] += x;
            cnt[b] += 1;
        }
        for (std::size_t k = 0; k < 4; ++k)
            if (cnt[k] > 0) c[k] = sum[k] / cnt[k];
    }
    std::sort(c.begin(), c.end());
    if (within_sigma) {
        double e = 0;
        for (double x : v) {
            double d = std::numeric_limits<double>::infinity();
            for (double ck : c) d = std::min(d, std::abs(x - ck));
            e += d * d;
        }
        *within_sigma = std::sqrt(e / static_cast<double>(v.size()));
    }
    return c;
}

// ---------------------------------------------------------------- pattern alignment
struct Alignment {
    std::string name;
    std::size_t offset = 0;
    double agreement = 0;
};

Alignment align(const std::vector<std::uint8_t>& d, const TdecqPattern& p) {
    constexpr std::size_t w = 16;
    Alignment best{p.name, 0, 0.0};
    const std::size_t per = p.levels.size();
    if (per < w || d.size() < w) return best;
    std::unordered_map<std::uint32_t, std::int64_t> pos;
    pos.reserve(per * 2);
    for (std::size_t i = 0; i < per; ++i) {
        std::uint32_t key = 0;
        for (std::size_t j = 0; j < w; ++j) key = (key << 2) | (p.levels[(i + j) % per] & 3u);
        auto [it, fresh] = pos.emplace(key, static_cast<std::int64_t>(i));
        if (!fresh) it->second = -1;  // ambiguous window
    }
    const std::size_t tries = 64, step = std::max<std::size_t>(1, (d.size() - w) / tries);
    std::vector<std::size_t> tried;
    for (std::size_t s = 0; s + w <= d.size(); s += step) {
        std::uint32_t key = 0;
        for (std::size_t j = 0; j < w; ++j) key = (key << 2) | (d[s + j] & 3u);
        const auto it = pos.find(key);
        if (it == pos.end() || it->second < 0) continue;
        const std::size_t off = (static_cast<std::size_t>(it->second) + per - s % per) % per;
        if (std::find(tried.begin(), tried.end(), off) != tried.end()) continue;
        tried.push_back(off);
        std::size_t ok = 0;
        for (std::size_t k = 0; k < d.size(); ++k) ok += d[k] == p.levels[(k + off) % per];
        const double a = static_cast<double>(ok) / static_cast<double>(d.size());
        if (a > best.agreement) best = {p.name, off, a};
        if (a > 0.999) break;
    }
    return best;
}

// ---------------------------------------------------------------- small dense solver
// Solves A z = b (n x n, row-major) by Gaussian elimination with partial pivoting.
std::vector<double> solve(std::vector<double> a, std::vector<double> b) {
    const std::size_t n = b.size();
    for (std::size_t c = 0; c < n; ++c) {
        std::size_t piv = c;
        for (std::size_t r = c + 1; r < n; ++r)
            if (std::abs(a[r * n + c]) > std::abs(a[piv * n + c])) piv = r;
        for (std::size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[piv * n + k]);
        std::swap(b[c], b[piv]);
        const double p = a[c * n + c];
        if (std::abs(p) < 1e-300) continue;
        for (std::size_t r = 0; r < n; ++r) {
            if (r == c) continue;
            const double f = a[r * n + c] / p;
            if (f == 0) continue;
            for (std::size_t k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (std::size_t c = 0; c < n; ++c) b[c] = std::abs(a[c * n + c]) > 1e-300 ? b[c] / a[c * n + c] : 0.0;
    return b;
}

// ---------------------------------------------------------------- the analysis state
struct Analysis {
    const TdecqConfig& cfg;
    std::vector<double> w{};         // filtered, resampled record (M samples/UI)
    int m = 64;                      // samples per UI
    std::size_t phase = 0;           // decision phase (sample index of symbol 0's centre)
    std::vector<std::uint8_t> lab{}; // level label of symbol k (centre at phase + k m)
    double p_ave = 0, oma = 0;
    std::array<double, 3> th{};
    int main = 2, taps = 5;
    bool bounded = false;
    std::size_t k_lo = 0, k_hi = 0;  // symbols whose FFE span lies inside the record
    std::vector<std::size_t> cross_k{};  // symbols k with a 0<->3 or 1<->2 transition to k+1
    std::size_t stride = 1;          // every stride-th symbol enters the window histograms

    // wt: w by phase, wt[p * nu + q] = w[q m + p] (nu = UIs in w): the taps of one output,
    // a UI apart in w, are neighbours here (one or two cache lines instead of one per tap).
    std::vector<double> wt{};
    std::size_t nu = 0;
    int m_shift = -1;  // log2(m) when m is a power of two (a shift instead of a division)
    void transpose() {
        const auto um = static_cast<std::size_t>(m);
        if ((um & (um - 1)) == 0)
            for (m_shift = 0; (std::size_t{1} << m_shift) < um; ++m_shift) {}
        nu = w.size() / um;
        wt.resize(nu * um);
        for (std::size_t q = 0; q < nu; ++q)
            for (std::size_t p = 0; p < um; ++p) wt[p * nu + q] = w[q * um + p];
    }
    // sum_j c_j w[i + (main - j) m], in the order j = 0, 1, ... (the same sum as reading w)
    [[nodiscard]] double eq_at(const std::vector<double>& c, std::ptrdiff_t i) const {
        const auto b = static_cast<std::size_t>(i + static_cast<std::ptrdiff_t>(main) * m);  // tap 0
        const auto um = static_cast<std::size_t>(m);
        const std::size_t q = m_shift >= 0 ? b >> m_shift : b / um;
        const double* r = wt.data() + (b - q * um) * nu + q;
        double acc = 0;
        for (int j = 0; j < taps; ++j) acc += c[static_cast<std::size_t>(j)] * r[-j];
        return acc;
    }
    [[nodiscard]] std::ptrdiff_t centre(std::size_t k) const {
        return static_cast<std::ptrdiff_t>(phase + k * static_cast<std::size_t>(m));
    }

    // Mean P_ave crossing position between symbol centres k and k+1, relative to centre k
    // [samples], over (a subset of) the symmetric transitions.
    // The crossing of each transition is the sign change of eq - P_ave between consecutive
    // samples j-1, j (interval j, 1 <= j <= m) nearest the UI's middle m/2, ties to the earlier.
    // Intervals are visited in order of their least possible distance to m/2 (cross_order), and
    // the scan stops once that exceeds the best found: the same crossing as a scan of all m
    // intervals (same arithmetic for t), at a few samples per transition instead of m + 1.
    std::vector<int> cross_order{};   // intervals 1..m by increasing least distance to m/2
    std::vector<double> cross_lo{};   // that distance, per position in cross_order
    void order_crossings() {
        const double h = 0.5 * m;
        std::vector<std::pair<double, int>> v;
        for (int j = 1; j <= m; ++j) v.emplace_back(std::max({0.0, (j - 1) - h, h - j}), j);
        std::stable_sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        cross_order.clear();
        cross_lo.clear();
        for (const auto& [d, j] : v) {
            cross_order.push_back(j);
            cross_lo.push_back(d);
        }
    }
    [[nodiscard]] double crossing(const std::vector<double>& c) const {
        double sum = 0;
        std::size_t cnt = 0;
        const std::size_t step = std::max<std::size_t>(1, cross_k.size() / 1500);
        const auto n = static_cast<std::size_t>(m) + 1;
        std::vector<double> e(n);
        std::vector<std::size_t> seen(n, 0);  // e[j] valid when seen[j] == the transition's tag
        std::size_t tag = 0;
        for (std::size_t q = 0; q < cross_k.size(); q += step) {
            const std::size_t k = cross_k[q];
            const std::ptrdiff_t a = centre(k);
            ++tag;
            auto val = [&](int j) {
                const auto u = static_cast<std::size_t>(j);
                if (seen[u] != tag) {
                    e[u] = eq_at(c, a + j) - p_ave;
                    seen[u] = tag;
                }
                return e[u];
            };
            double best = -1, bestd = 1e9;
            int bestj = 0;
            for (std::size_t o = 0; o < cross_order.size(); ++o) {
                if (cross_lo[o] > bestd) break;
                const int j = cross_order[o];
                const double prev = val(j - 1), cur = val(j);
                if ((prev < 0) != (cur < 0)) {
                    const double t = j - 1 + prev / (prev - cur);
                    const double d = std::abs(t - 0.5 * m);
                    if (d < bestd || (d == bestd && j < bestj)) {
                        bestd = d;
                        best = t;
                        bestj = j;
                    }
                }
            }
            if (best >= 0) {
                sum += best;
                ++cnt;
            }
        }
        return cnt ? sum / static_cast<double>(cnt) : 0.5 * m;
    }

    // SER of a histogram, given as (mean value, fraction) of each occupied bin, for noise s.
    // Using the mean of the samples in a bin (not the bin centre) makes the SER exact when a bin
    // holds one value (clean eyes) and leaves an error of second order in the bin width else.
    [[nodiscard]] double ser(const std::vector<std::pair<double, double>>& bins, double s) const {
        double acc = 0;
        const double lim = 9 * s;
        for (const auto& [v, f] : bins)
            for (double t : th) {
                const double d = std::abs(v - t);
                if (d < lim) acc += f * q_function(d / s);
            }
        return acc;
    }
    // Noise s at which the window histogram reaches the target SER (0: already above it).
    [[nodiscard]] double sigma_at_target(const std::vector<std::uint64_t>& h, const std::vector<double>& sum) const {
        std::uint64_t tot = 0;
        for (auto c : h) tot += c;
        std::vector<std::pair<double, double>> bins;
        for (std::size_t b = 0; b < h.size(); ++b)
            if (h[b]) bins.emplace_back(sum[b] / static_cast<double>(h[b]), static_cast<double>(h[b]) / static_cast<double>(tot));
        double a = 1e-6 * oma, z = 0.5 * oma;
        if (ser(bins, a) >= cfg.target_ser) return 0.0;
        // Root of g(x) = ln SER(e^x) - ln target, increasing in x, by the Illinois variant of
        // regula falsi (superlinear: ~8 SER evaluations instead of 36 bisection steps; each
        // evaluation costs an erfc per bin and threshold, the bulk of the equalizer search).
        const double lt = std::log(cfg.target_ser);
        auto g = [&](double x) { return std::log(std::max(ser(bins, std::exp(x)), 1e-300)) - lt; };
        double x0 = std::log(a), x1 = std::log(z), g0 = g(x0), g1 = g(x1);
        int side = 0;
        for (int it = 0; it < 100 && x1 - x0 > 1e-10; ++it) {
            double x = (x0 * g1 - x1 * g0) / (g1 - g0);
            if (!(x > x0 && x < x1)) x = 0.5 * (x0 + x1);  // guard (flat or non-finite g)
            const double gx = g(x);
            if (gx < 0) {
                x0 = x, g0 = gx;
                if (side == -1) g1 *= 0.5;
                side = -1;
            } else {
                x1 = x, g1 = gx;
                if (side == 1) g0 *= 0.5;
                side = 1;
            }
            if (gx == 0) return std::exp(x);
        }
        return std::exp(0.5 * (x0 + x1));
    }

    struct Eval {
        double tdecq_db, sigma_g, sl, sr, ceq, cross;
    };
    [[nodiscard]] Eval evaluate(const std::vector<double>& c) const {
        const double cr = crossing(c);
        const double delta = cr - 0.5 * m;  // eye centre relative to the decision phase [samples]
        const double half = 0.5 * cfg.window_width_ui * m;
        const double lo = p_ave - 2 * oma, bw = 4 * oma / kHistBins;
        std::array<std::vector<std::uint64_t>, 2> hist{std::vector<std::uint64_t>(kHistBins, 0),
                                                       std::vector<std::uint64_t>(kHistBins, 0)};
        std::array<std::vector<double>, 2> hsum{std::vector<double>(kHistBins, 0.0), std::vector<double>(kHistBins, 0.0)};
        const std::array<double, 2> wc{delta + (cfg.window_left_ui - 0.5) * m, delta + (cfg.window_right_ui - 0.5) * m};
        for (int side = 0; side < 2; ++side) {
            const auto j0 = static_cast<std::ptrdiff_t>(std::ceil(wc[static_cast<std::size_t>(side)] - half - 1e-9));
            const auto j1 = static_cast<std::ptrdiff_t>(std::floor(wc[static_cast<std::size_t>(side)] + half + 1e-9));
            for (std::size_t k = k_lo + 1; k + 1 < k_hi; k += stride)
                for (std::ptrdiff_t j = j0; j <= j1; ++j) {
                    const double v = eq_at(c, centre(k) + j);
                    const auto b = std::clamp<std::ptrdiff_t>(static_cast<std::ptrdiff_t>((v - lo) / bw), 0, kHistBins - 1);
                    ++hist[static_cast<std::size_t>(side)][static_cast<std::size_t>(b)];
                    hsum[static_cast<std::size_t>(side)][static_cast<std::size_t>(b)] += v;
                }
        }
        Eval e{};
        e.cross = cr;
        e.sl = sigma_at_target(hist[0], hsum[0]);
        e.sr = sigma_at_target(hist[1], hsum[1]);
        double c2 = 0;
        for (double v : c) c2 += v * v;
        e.ceq = std::sqrt(c2);
        e.sigma_g = std::min(e.sl, e.sr) / e.ceq;
        const double den = 6 * cfg.q_t * std::sqrt(e.sigma_g * e.sigma_g + cfg.scope_noise_rms * cfg.scope_noise_rms);
        e.tdecq_db = den > 0 ? 10 * std::log10(oma / den) : std::numeric_limits<double>::infinity();
        return e;
    }

    // 802.3dj bounds (verify) as a penalty: 0 inside.
    [[nodiscard]] double violation(const std::vector<double>& c) const {
        if (!bounded) return 0;
        double v = 0;
        for (int j = 0; j < taps; ++j) {
            const int r = j - main;
            double lo = -0.1, hi = 0.1;
            if (r == 0) lo = 0.8, hi = 2.5;
            else if (std::abs(r) == 1) lo = -0.4, hi = 0.05;
            else if (std::abs(r) == 2) lo = -0.1, hi = 0.2;
            const double x = c[static_cast<std::size_t>(j)];
            v += std::max(0.0, lo - x) + std::max(0.0, x - hi);
        }
        if (main >= 1 && main + 1 < taps)
            v += std::max(0.0, std::abs(c[static_cast<std::size_t>(main + 1)] - c[static_cast<std::size_t>(main - 1)]) -
                                   0.25 * c[static_cast<std::size_t>(main)]);
        return v;
    }
    [[nodiscard]] double objective(const std::vector<double>& c) const {
        const double v = violation(c);
        if (v > 0) return 1e3 + 1e3 * v;
        const double t = evaluate(c).tdecq_db;
        return std::isfinite(t) ? t : 1e3;
    }

    // Least-squares FFE (sum of taps = 1) fitting ideal levels at the decision phase.
    [[nodiscard]] std::vector<double> least_squares() const {
        const auto n = static_cast<std::size_t>(taps);
        std::vector<double> a((n + 1) * (n + 1), 0.0), b(n + 1, 0.0);
        const double p0 = p_ave - 0.5 * oma;
        for (std::size_t k = k_lo; k < k_hi; ++k) {
            const double target = p0 + lab[k] * oma / 3;
            std::vector<double> row(n);
            for (std::size_t j = 0; j < n; ++j)
                row[j] = w[static_cast<std::size_t>(centre(k) + (main - static_cast<std::ptrdiff_t>(j)) * m)];
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t j = 0; j < n; ++j) a[i * (n + 1) + j] += row[i] * row[j];
                b[i] += row[i] * target;
            }
        }
        for (std::size_t i = 0; i < n; ++i) {  // Lagrange row/column for sum c = 1
            a[i * (n + 1) + n] = 1;
            a[n * (n + 1) + i] = 1;
        }
        b[n] = 1;
        auto z = solve(a, b);
        z.resize(n);
        return z;
    }

    // Compass search over the taps other than the main one (the main tap keeps the sum at 1).
    [[nodiscard]] std::vector<double> optimise(std::vector<double> c, double& best) const {
        best = objective(c);
        double step = 0.05;
        int evals = 0;
        while (step > 2e-4 && evals < 1500) {
            bool improved = false;
            for (int j = 0; j < taps; ++j) {
                if (j == main) continue;
                for (double sgn : {1.0, -1.0}) {
                    auto t = c;
                    t[static_cast<std::size_t>(j)] += sgn * step;
                    t[static_cast<std::size_t>(main)] -= sgn * step;
                    const double o = objective(t);
                    ++evals;
                    if (o < best - 1e-4) {  // 1e-4 dB: below the histogram's resolution
                        best = o;
                        c = t;
                        improved = true;
                        break;
                    }
                }
            }
            if (!improved) step *= 0.5;
        }
        return c;
    }
};

}  // namespace

std::complex<double> bessel_thomson4(double f, double f3db) noexcept {
    const std::complex<double> s(0.0, kW3 * f / f3db);
    return 105.0 / ((((s + 10.0) * s + 45.0) * s + 105.0) * s + 105.0);
}

void validate(const TdecqConfig& c) {
    require(std::isfinite(c.symbol_rate_bd) && c.symbol_rate_bd > 0, "tdecq.symbol_rate",
            "must be > 0 Bd", c.symbol_rate_bd);
    require(c.equalizer == "5tap" || c.equalizer == "dj" || c.equalizer == "none", "tdecq.equalizer",
            "must be \"5tap\", \"dj\" or \"none\"", c.equalizer);
    require(c.ffe_taps >= 0 && c.ffe_taps <= 31, "tdecq.ffe_taps", "must be 0 (default) .. 31", c.ffe_taps);
    require(std::isfinite(c.ref_bandwidth_hz), "tdecq.ref_bandwidth_hz", "must be finite", c.ref_bandwidth_hz);
    require(c.target_ser > 0 && c.target_ser < 0.1, "tdecq.target_ser", "must be in (0, 0.1)", c.target_ser);
    require(c.q_t > 0, "tdecq.q_t", "must be > 0", c.q_t);
    require(c.window_width_ui > 0 && c.window_width_ui < 0.5, "tdecq.window_width_ui",
            "must be in (0, 0.5) UI", c.window_width_ui);
    require(c.window_left_ui > 0 && c.window_left_ui < 1 && c.window_right_ui > 0 && c.window_right_ui < 1,
            "tdecq.window_left_ui", "windows must lie inside the UI", c.window_left_ui);
    require(std::isfinite(c.scope_noise_rms) && c.scope_noise_rms >= 0, "tdecq.scope_noise_rms",
            "must be >= 0", c.scope_noise_rms);
    require(c.samples_per_ui >= 32 && c.samples_per_ui <= 1024, "tdecq.samples_per_ui", "must be in [32, 1024]",
            c.samples_per_ui);
    require(c.min_pattern_agreement > 0.25 && c.min_pattern_agreement <= 1, "tdecq.min_pattern_agreement",
            "must be in (0.25, 1]", c.min_pattern_agreement);
}

TdecqResult tdecq(std::span<const double> x, double dt, const TdecqConfig& cfg, std::span<const TdecqPattern> patterns) {
    validate(cfg);
    require(std::isfinite(dt) && dt > 0, "dt_s", "must be > 0 s", dt);
    const double ui = 1 / cfg.symbol_rate_bd;
    const double spu_in = ui / dt;
    TdecqResult r;
    r.samples_per_ui_input = spu_in;
    if (spu_in < 2)
        throw ModelError(str("sampled at ", spu_in, " samples per UI at ", cfg.symbol_rate_bd,
                             " Bd; TDECQ needs at least 2 (check --symbol-rate and the time step)"));
    for (double v : x)
        if (!std::isfinite(v)) throw ModelError("the waveform holds a non-finite value");
    const double n_ui = static_cast<double>(x.size()) * dt / ui;
    const double need = static_cast<double>(cfg.min_ui + 2 * static_cast<std::size_t>(cfg.edge_ui) + 8);
    if (n_ui < need)
        throw ModelError(str("the waveform spans ", n_ui, " UI; TDECQ needs at least ", need, " UI (",
                             cfg.min_ui, " analysed + ", 2 * cfg.edge_ui, " edge UI)"));

    Analysis a{cfg, {}, cfg.samples_per_ui};
    const int m = a.m;
    const double f3db = cfg.ref_bandwidth_hz == 0 ? 0.5 * cfg.symbol_rate_bd : cfg.ref_bandwidth_hz;
    {
        auto full = filter_resample(x, dt, ui, m, f3db);
        const std::size_t edge = static_cast<std::size_t>(cfg.edge_ui) * static_cast<std::size_t>(m);
        a.w.assign(full.begin() + static_cast<std::ptrdiff_t>(edge), full.end() - static_cast<std::ptrdiff_t>(edge));
    }
    const std::size_t nsym = a.w.size() / static_cast<std::size_t>(m) - 1;
    a.transpose();
    a.order_crossings();

    // Decision phase: widest separation of four clusters (up to 20000 symbols per phase).
    // Score = smallest gap between cluster means / rms distance to the nearest mean; on a flat
    // eye many phases tie, so the middle of the longest run of phases within 1 % of the best is
    // taken (the eye centre rather than its edge).
    std::vector<double> score(static_cast<std::size_t>(m));
    std::vector<std::array<double, 4>> cents(static_cast<std::size_t>(m));
    const std::size_t probe = std::min<std::size_t>(nsym, 8000);
    for (int p = 0; p < m; ++p) {
        std::vector<double> v(probe);
        for (std::size_t k = 0; k < probe; ++k) v[k] = a.w[static_cast<std::size_t>(p) + k * static_cast<std::size_t>(m)];
        double sig;
        const auto c = kmeans4(v, &sig);
        const double gap = std::min({c[1] - c[0], c[2] - c[1], c[3] - c[2]});
        score[static_cast<std::size_t>(p)] = gap / (sig + 1e-9 * (c[3] - c[0]) + 1e-300);
        cents[static_cast<std::size_t>(p)] = c;
    }
    const double smax = *std::max_element(score.begin(), score.end());
    int best_len = 0, best_mid = 0;
    for (int p = 0; p < m; ++p) {
        if (score[static_cast<std::size_t>(p)] < 0.99 * smax || score[static_cast<std::size_t>((p + m - 1) % m)] >= 0.99 * smax)
            continue;  // not the start of a run
        int len = 0;
        while (len < m && score[static_cast<std::size_t>((p + len) % m)] >= 0.99 * smax) ++len;
        if (len > best_len) {
            best_len = len;
            best_mid = (p + (len - 1) / 2) % m;
        }
    }
    if (best_len == 0) best_mid = static_cast<int>(std::max_element(score.begin(), score.end()) - score.begin());
    a.phase = static_cast<std::size_t>(best_mid);
    const auto best_c = cents[a.phase];
    if (!(best_c[3] - best_c[0] > 0))
        throw ModelError("no modulation found: the waveform is constant");
    std::vector<std::uint8_t> dec(nsym);
    for (std::size_t k = 0; k < nsym; ++k) {
        const double v = a.w[a.phase + k * static_cast<std::size_t>(m)];
        std::uint8_t l = 0;
        for (std::size_t t = 0; t < 3; ++t) l += v > 0.5 * (best_c[t] + best_c[t + 1]);
        dec[k] = l;
    }
    // Pattern.
    if (patterns.empty()) {
        a.lab = dec;
        r.pattern = "decisions";
    } else {
        Alignment best;
        for (const auto& p : patterns) {
            const auto al = align(dec, p);
            if (al.agreement > best.agreement) best = al;
        }
        if (best.agreement < cfg.min_pattern_agreement) {
            std::string names;
            for (const auto& p : patterns) names += (names.empty() ? "" : ", ") + p.name;
            throw ModelError(str("no detectable pattern: the symbol decisions match none of ", names,
                                 " (best ", 100 * best.agreement, " % agreement",
                                 best.agreement > 0 ? " with " + best.name : std::string(), ", need ",
                                 100 * cfg.min_pattern_agreement,
                                 " %); check --symbol-rate and --pattern, or use --pattern none"));
        }
        const auto& pat = *std::find_if(patterns.begin(), patterns.end(), [&](const TdecqPattern& p) { return p.name == best.name; });
        a.lab.resize(nsym);
        for (std::size_t k = 0; k < nsym; ++k) a.lab[k] = pat.levels[(k + best.offset) % pat.levels.size()];
        r.pattern = best.name;
        r.pattern_offset = best.offset;
        r.pattern_agreement = best.agreement;
    }

    // Levels, P_ave, OMA_outer.
    const std::size_t used = nsym * static_cast<std::size_t>(m);
    a.p_ave = std::accumulate(a.w.begin(), a.w.begin() + static_cast<std::ptrdiff_t>(used), 0.0) / static_cast<double>(used);
    std::array<double, 2> run_sum{}, run_cnt{};
    for (std::size_t k = 0; k < nsym;) {
        std::size_t e = k;
        while (e < nsym && a.lab[e] == a.lab[k]) ++e;
        const std::size_t len = e - k;
        if (len >= 4 && (a.lab[k] == 0 || a.lab[k] == 3) && k > 0 && e < nsym) {
            // central 2 UI of the run: centre between symbols k and e-1
            const double mid = static_cast<double>(a.phase) + 0.5 * static_cast<double>(k + e - 1) * m;
            double s = 0;
            int cnt = 0;
            for (int j = -m; j < m; ++j) {
                const auto i = static_cast<std::ptrdiff_t>(std::lround(mid)) + j;
                if (i >= 0 && static_cast<std::size_t>(i) < a.w.size()) {
                    s += a.w[static_cast<std::size_t>(i)];
                    ++cnt;
                }
            }
            const std::size_t which = a.lab[k] == 3;
            run_sum[which] += s / cnt;
            run_cnt[which] += 1;
        }
        k = e;
    }
    std::array<double, 4> lsum{}, lcnt{};
    for (std::size_t k = 0; k < nsym; ++k) {
        lsum[a.lab[k]] += a.w[a.phase + k * static_cast<std::size_t>(m)];
        lcnt[a.lab[k]] += 1;
    }
    for (std::size_t l = 0; l < 4; ++l)
        if (lcnt[l] == 0) throw ModelError(str("level ", l, " never occurs: not a PAM4 waveform"));
    if (run_cnt[0] >= 4 && run_cnt[1] >= 4) {
        r.p0 = run_sum[0] / run_cnt[0];
        r.p3 = run_sum[1] / run_cnt[1];
    } else {
        r.p0 = lsum[0] / lcnt[0];
        r.p3 = lsum[3] / lcnt[3];
    }
    a.oma = r.p3 - r.p0;
    if (!(a.oma > 0)) throw ModelError(str("OMA_outer is ", a.oma, ": the eye is inverted or not modulated"));
    a.th = {a.p_ave - a.oma / 3, a.p_ave, a.p_ave + a.oma / 3};

    // Equaliser geometry.
    if (cfg.equalizer == "none") {
        a.taps = 1;
        a.main = 0;
    } else if (cfg.equalizer == "5tap") {
        a.taps = cfg.ffe_taps ? cfg.ffe_taps : 5;
        a.main = cfg.ffe_main >= 0 ? cfg.ffe_main : 2;
    } else {
        a.taps = cfg.ffe_taps ? cfg.ffe_taps : 15;
        a.main = cfg.ffe_main >= 0 ? cfg.ffe_main : 3;
        a.bounded = true;
    }
    require(a.main < a.taps, "tdecq.ffe_main", str("must be < ffe_taps = ", a.taps), a.main);
    // y[n] looks main UI ahead and taps-1-main UI back: keep symbols whose span (and the +-1 UI
    // of the eye) lies inside the record.
    a.k_lo = static_cast<std::size_t>(a.taps - 1 - a.main) + 2;
    const std::size_t ahead = static_cast<std::size_t>(a.main) + 2;
    a.k_hi = nsym > ahead ? nsym - ahead : 0;
    if (a.k_hi <= a.k_lo + cfg.min_ui / 2) throw ModelError("too few symbols for the reference equaliser");
    for (std::size_t k = a.k_lo; k + 1 < a.k_hi; ++k) {
        // 0<->3 and 1<->2: symmetric about P_ave, they cross it half-way (levels sum to 3)
        if (a.lab[k] + a.lab[k + 1] == 3) a.cross_k.push_back(k);
    }

    std::vector<double> ident(static_cast<std::size_t>(a.taps), 0.0);
    ident[static_cast<std::size_t>(a.main)] = 1.0;
    std::vector<double> c = ident;
    if (a.taps > 1) {
        // Long records (SSPRQ is 65535 symbols): the tap search histograms every stride-th
        // symbol (<= kSearchSymbols of them); the result below uses every symbol.
        a.stride = std::max<std::size_t>(1, (a.k_hi - a.k_lo + kSearchSymbols - 1) / kSearchSymbols);
        double o1, o2;
        auto c1 = a.optimise(ident, o1);
        auto ls = a.least_squares();
        if (a.violation(ls) > 0) ls = ident;
        auto c2 = a.optimise(ls, o2);
        c = o2 < o1 ? c2 : c1;
    }
    a.stride = 1;
    const auto e = a.evaluate(c);
    r.tdecq_db = e.tdecq_db;
    r.ceq = e.ceq;
    r.ceq_db = 10 * std::log10(e.ceq);
    r.sigma_g = e.sigma_g;
    r.sigma_left = e.sl;
    r.sigma_right = e.sr;
    r.oma_outer = a.oma;
    r.p_ave = a.p_ave;
    r.extinction_ratio_db = r.p0 > 0 ? 10 * std::log10(r.p3 / r.p0) : std::numeric_limits<double>::infinity();
    r.taps = c;
    r.ffe_main = a.main;
    r.symbols = a.k_hi - a.k_lo;
    const double delta = e.cross - 0.5 * m;
    r.eye_centre_offset_ui = delta / m;

    // Level means at the eye centre of the equalised signal, RLM (802.3 120D.3.1.2).
    const auto dc = static_cast<std::ptrdiff_t>(std::lround(delta));
    std::array<double, 4> s4{}, n4{};
    for (std::size_t k = a.k_lo + 1; k + 1 < a.k_hi; ++k) {
        s4[a.lab[k]] += a.eq_at(c, a.centre(k) + dc);
        n4[a.lab[k]] += 1;
    }
    for (std::size_t l = 0; l < 4; ++l) r.levels[l] = n4[l] > 0 ? s4[l] / n4[l] : std::nan("");
    const double vmid = 0.5 * (r.levels[0] + r.levels[3]);
    const double es1 = (r.levels[1] - vmid) / (r.levels[0] - vmid);
    const double es2 = (r.levels[2] - vmid) / (r.levels[3] - vmid);
    r.rlm = std::min({3 * es1, 3 * es2, 2 - 3 * es1, 2 - 3 * es2});

    // Equalised eye: 2 UI centred on the eye centre, levels over P_ave +- OMA.
    r.eye_time_ui.resize(static_cast<std::size_t>(2 * m));
    for (int j = -m; j < m; ++j) r.eye_time_ui[static_cast<std::size_t>(j + m)] = static_cast<double>(j) / m;
    r.eye_level.resize(kEyeLevels);
    const double elo = a.p_ave - a.oma, ebw = 2 * a.oma / kEyeLevels;
    for (int b = 0; b < kEyeLevels; ++b) r.eye_level[static_cast<std::size_t>(b)] = elo + (b + 0.5) * ebw;
    r.eye_histogram.assign(static_cast<std::size_t>(kEyeLevels) * static_cast<std::size_t>(2 * m), 0);
    for (std::size_t k = a.k_lo + 1; k + 1 < a.k_hi; ++k)
        for (int j = -m; j < m; ++j) {
            const double v = a.eq_at(c, a.centre(k) + dc + j);
            const auto b = std::clamp<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(std::floor((v - elo) / ebw)), 0, kEyeLevels - 1);
            ++r.eye_histogram[static_cast<std::size_t>(b) * static_cast<std::size_t>(2 * m) + static_cast<std::size_t>(j + m)];
        }
    return r;
}

}  // namespace si::analysis

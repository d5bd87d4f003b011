#include "si/sim/stateye.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/units.hpp"

namespace si::sim {

namespace {

/// Cursors smaller than this fraction of the main cursor are lumped into the Gaussian term.
constexpr double kSmallCursor = 2e-3;

/// pdf of X + a*h with a uniform over `vals`, on the grid v_j = v0 + j dv (linear interpolation
/// of the shifted mass between the two nearest bins keeps the mean exact).
std::vector<double> add_discrete(const std::vector<double>& pdf, const std::vector<double>& vals,
                                 double h, double dv) {
    std::vector<double> out(pdf.size(), 0.0);
    const double w = 1.0 / static_cast<double>(vals.size());
    const long n = static_cast<long>(pdf.size());
    for (double a : vals) {
        const double s = a * h / dv;
        const long si = static_cast<long>(std::floor(s));
        const double fr = s - static_cast<double>(si);
        for (long j = 0; j < n; ++j) {
            const double p = pdf[static_cast<std::size_t>(j)];
            if (p == 0) continue;
            const long j0 = j + si, j1 = j0 + 1;
            if (j0 >= 0 && j0 < n) out[static_cast<std::size_t>(j0)] += w * (1 - fr) * p;
            if (j1 >= 0 && j1 < n) out[static_cast<std::size_t>(j1)] += w * fr * p;
        }
    }
    return out;
}

}  // namespace

StatisticalSer statistical_ser(const Link& link) {
    const auto& sp = link.spec();
    const int M = sp.sim.samples_per_ui;
    const int N = link.levels();
    const int c = link.cursor_index();
    const auto& p = link.symbol_pulse();
    const double h0 = p[static_cast<std::size_t>(c)];
    std::vector<double> vals(static_cast<std::size_t>(N));
    for (int i = 0; i < N; ++i) vals[static_cast<std::size_t>(i)] = link.level_value(i);

    // ISI cursors at the sampling phase, largest first (keeps the support tight early on).
    // Cursors below kSmallCursor of the main one join the Gaussian part (their sum is Gaussian by
    // the central limit theorem to far better than they matter); the rest are convolved exactly.
    std::vector<double> cur;
    double small2 = 0;
    const double ea2 = (N + 1.0) / (3.0 * (N - 1.0));
    auto take = [&](double h) {
        if (std::abs(h) > kSmallCursor * std::abs(h0)) cur.push_back(h);
        else small2 += ea2 * h * h;
    };
    for (std::size_t i = static_cast<std::size_t>(c % M); i < p.size(); i += static_cast<std::size_t>(M))
        if (static_cast<int>(i) != c) take(p[i]);
    for (const auto& ag : link.aggressors())
        for (std::size_t i = static_cast<std::size_t>(c % M); i < ag.pulse.size(); i += static_cast<std::size_t>(M))
            take(ag.pulse[i]);
    std::sort(cur.begin(), cur.end(), [](double a, double b) { return std::abs(a) > std::abs(b); });
    double pd = 0;
    for (double h : cur) pd += std::abs(h);

    // Gaussian part: RX noise at the slicer and TX amplitude noise through the pulse.
    double tx2 = 0;
    const double half = sp.tx.swing_v / 2;
    for (std::size_t i = static_cast<std::size_t>(c % M); i < p.size(); i += static_cast<std::size_t>(M))
        tx2 += p[i] * p[i];
    // symbol_pulse includes swing/2 and the FFE; TX noise adds to the symbols after the FFE, so its
    // response is the pulse without FFE: use the fused pulse directly.
    double txp2 = 0;
    const auto& pu = link.pulse();
    for (std::size_t i = static_cast<std::size_t>(c % M); i < pu.size(); i += static_cast<std::size_t>(M))
        txp2 += pu[i] * pu[i];
    (void)tx2;
    (void)half;
    const double sig = std::sqrt(std::pow(link.rx_noise_sigma_out_v(), 2) +
                                 std::pow(link.tx_noise_sigma_v(), 2) * txp2 + small2);

    StatisticalSer r;
    r.noise_sigma_v = sig;
    const double span = pd + 8 * sig + 1e-12;
    const int G = 8192;
    const double dv = 2 * span / (G - 1);
    r.grid_step_v = dv;
    std::vector<double> pdf(G, 0.0);
    pdf[G / 2] = 1.0;  // v0 = -span + (G/2) dv ~ 0
    const double v0 = -(G / 2) * dv;
    for (double h : cur) pdf = add_discrete(pdf, vals, h, dv);

    // Error probability for level i: mass beyond its thresholds, with the Gaussian applied
    // analytically per bin: P(x + n < t) = Q((x - t)/sig).
    const auto& thr = link.thresholds();
    r.level_ser.assign(static_cast<std::size_t>(N), 0.0);
    for (int i = 0; i < N; ++i) {
        const double mu = link.level_value(i) * h0;
        double pe = 0;
        for (int j = 0; j < G; ++j) {
            const double q = pdf[static_cast<std::size_t>(j)];
            if (q < 1e-300) continue;
            const double x = mu + v0 + j * dv;
            if (i > 0) {
                const double t = thr[static_cast<std::size_t>(i - 1)];
                pe += q * (sig > 0 ? q_function((x - t) / sig) : (x < t ? 1.0 : 0.0));
            }
            if (i < N - 1) {
                const double t = thr[static_cast<std::size_t>(i)];
                pe += q * (sig > 0 ? q_function((t - x) / sig) : (x >= t ? 1.0 : 0.0));
            }
        }
        r.level_ser[static_cast<std::size_t>(i)] = pe;
        r.ser += pe / N;
    }
    const int bps = static_cast<int>(std::lround(std::log2(N)));
    r.ber = r.ser / bps * (sp.signal.pattern.precode ? 2.0 : 1.0);
    return r;
}

namespace {

/// Quantiles of Y = X + n at lower-tail probability p and upper-tail probability p, with X
/// discrete on the grid v0 + j dv (pdf) and n ~ N(0, sig^2). The Gaussian is applied by
/// convolving with a sampled kernel (sig >= dv/2), then the CDF is scanned with linear
/// interpolation inside bins.
void tail_quantiles(const std::vector<double>& pdf, double v0, double dv, double sig, double p,
                    double& y_lo, double& y_hi) {
    const long G = static_cast<long>(pdf.size());
    std::vector<double> f;
    if (sig >= 0.5 * dv) {
        const long half = static_cast<long>(std::ceil(9 * sig / dv));
        std::vector<double> k(static_cast<std::size_t>(2 * half + 1));
        double ks = 0;
        for (long i = -half; i <= half; ++i) {
            // mass of N(0, sig) in the bin [i - 1/2, i + 1/2) dv: exact tails, no sampling error
            const double a = (i - 0.5) * dv / sig, b = (i + 0.5) * dv / sig;
            k[static_cast<std::size_t>(i + half)] = q_function(a) - q_function(b);
            ks += k[static_cast<std::size_t>(i + half)];
        }
        for (auto& v : k) v /= ks;
        f.assign(static_cast<std::size_t>(G + 2 * half), 0.0);
        for (long j = 0; j < G; ++j) {
            const double q = pdf[static_cast<std::size_t>(j)];
            if (q == 0) continue;
            for (long i = 0; i <= 2 * half; ++i) f[static_cast<std::size_t>(j + i)] += q * k[static_cast<std::size_t>(i)];
        }
        v0 -= static_cast<double>(half) * dv;
    } else {
        f = pdf;
    }
    // lower tail: smallest y with CDF(y) >= p (bins are centred on v0 + j dv)
    double acc = 0;
    y_lo = v0;
    for (std::size_t j = 0; j < f.size(); ++j) {
        if (acc + f[j] >= p && f[j] > 0) {
            y_lo = v0 + (static_cast<double>(j) - 0.5 + (p - acc) / f[j]) * dv;
            break;
        }
        acc += f[j];
    }
    acc = 0;
    y_hi = v0 + static_cast<double>(f.size()) * dv;
    for (std::size_t jj = f.size(); jj-- > 0;) {
        if (acc + f[jj] >= p && f[jj] > 0) {
            y_hi = v0 + (static_cast<double>(jj) + 0.5 - (p - acc) / f[jj]) * dv;
            break;
        }
        acc += f[jj];
    }
}

}  // namespace

StatisticalEye statistical_eye(const Link& link, double p) {
    const auto& sp = link.spec();
    const int M = sp.sim.samples_per_ui;
    const int N = link.levels();
    const long c0 = link.cursor_index();
    const auto& pu = link.symbol_pulse();
    const long L = static_cast<long>(pu.size());
    std::vector<double> vals(static_cast<std::size_t>(N));
    for (int i = 0; i < N; ++i) vals[static_cast<std::size_t>(i)] = link.level_value(i);
    const auto& fp = link.pulse();
    const int nsub = N - 1;
    StatisticalEye e;
    e.height_vs_time_v.assign(static_cast<std::size_t>(nsub * 2 * M), std::nan(""));
    const double h_main = std::abs(pu[static_cast<std::size_t>(c0)]);
    for (int b = 0; b < 2 * M; ++b) {
        const long c = c0 + (b - M);
        if (c < 0 || c >= L) continue;
        const double h0 = pu[static_cast<std::size_t>(c)];
        const std::size_t ph = static_cast<std::size_t>(((c % M) + M) % M);
        std::vector<double> cur;
        double small2 = 0;
        const double ea2 = (N + 1.0) / (3.0 * (N - 1.0));
        auto take = [&](double h) {
            if (std::abs(h) > kSmallCursor * h_main) cur.push_back(h);
            else small2 += ea2 * h * h;
        };
        for (std::size_t i = ph; i < pu.size(); i += static_cast<std::size_t>(M))
            if (static_cast<long>(i) != c) take(pu[i]);
        for (const auto& ag : link.aggressors())
            for (std::size_t i = ph; i < ag.pulse.size(); i += static_cast<std::size_t>(M))
                take(ag.pulse[i]);
        std::sort(cur.begin(), cur.end(), [](double x, double y) { return std::abs(x) > std::abs(y); });
        double pd = 0, txp2 = 0;
        for (double h : cur) pd += std::abs(h);
        for (std::size_t i = ph; i < fp.size(); i += static_cast<std::size_t>(M)) txp2 += fp[i] * fp[i];
        const double sig = std::sqrt(std::pow(link.rx_noise_sigma_out_v(), 2) +
                                     std::pow(link.tx_noise_sigma_v(), 2) * txp2 + small2);
        const int G = 2048;
        const double span = pd + 8 * sig + 1e-9 * h_main;
        const double dv = 2 * span / (G - 1);
        std::vector<double> pdf(G, 0.0);
        pdf[G / 2] = 1.0;
        const double v0 = -(G / 2) * dv;
        for (double h : cur) pdf = add_discrete(pdf, vals, h, dv);
        double ylo = 0, yhi = 0;
        tail_quantiles(pdf, v0, dv, sig, p, ylo, yhi);
        for (int s = 0; s < nsub; ++s) {
            const double gap = std::abs(h0) * (vals[static_cast<std::size_t>(s + 1)] - vals[static_cast<std::size_t>(s)]);
            // a negative h0 (past a zero crossing) closes the eye: the levels swap order
            e.height_vs_time_v[static_cast<std::size_t>(s * 2 * M + b)] =
                (h0 * (link.main_cursor_v() >= 0 ? 1 : -1) > 0 ? gap : -gap) - (yhi - ylo);
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

}  // namespace si::sim

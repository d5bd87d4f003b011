#include "si/sim/stateye.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/units.hpp"

namespace si::sim {

namespace {

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
    std::vector<double> cur;
    for (std::size_t i = static_cast<std::size_t>(c % M); i < p.size(); i += static_cast<std::size_t>(M))
        if (static_cast<int>(i) != c && std::abs(p[i]) > 1e-7 * std::abs(h0)) cur.push_back(p[i]);
    for (const auto& ag : link.aggressors())
        for (std::size_t i = static_cast<std::size_t>(c % M); i < ag.pulse.size(); i += static_cast<std::size_t>(M))
            if (std::abs(ag.pulse[i]) > 1e-7 * std::abs(h0)) cur.push_back(ag.pulse[i]);
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
                                 std::pow(link.tx_noise_sigma_v(), 2) * txp2);

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

}  // namespace si::sim

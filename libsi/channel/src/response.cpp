#include "si/channel/response.hpp"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <sstream>

#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/dsp/fft.hpp"
#include "si/dsp/freq.hpp"

namespace si::channel {

using cd = std::complex<double>;

ChannelResponse::ChannelResponse(std::function<cd(double)> h, double f_max_hz,
                                 double natural_span_s, std::string description)
    : h_(std::move(h)),
      f_max_hz_(f_max_hz),
      natural_span_s_(natural_span_s),
      description_(std::move(description)) {
    if (!h_) throw ModelError("ChannelResponse: empty transfer function");
}

cd ChannelResponse::operator()(double f_hz) const {
    return f_hz < 0 ? std::conj(h_(-f_hz)) : h_(f_hz);
}

double ChannelResponse::dc_gain() const { return h_(0.0).real(); }

namespace {

double median_spacing(const std::vector<double>& f) {
    std::vector<double> d(f.size() - 1);
    for (std::size_t k = 1; k < f.size(); ++k) d[k - 1] = f[k] - f[k - 1];
    std::nth_element(d.begin(), d.begin() + static_cast<long>(d.size() / 2), d.end());
    return d[d.size() / 2];
}

struct Tabulated {
    std::vector<double> f, mag, ph;
    double f_max = 0, taper = 0, slope = 0;
    cd eval(double x) const {
        if (x <= f_max) return interp_mag_phase(f, mag, ph, x);
        const double u = (x - f_max) / taper;
        if (u >= 1.0) return 0.0;
        const double w = std::cos(0.5 * kPi * u);
        return std::polar(mag.back() * w * w, ph.back() + slope * (x - f_max));
    }
};

}  // namespace

ChannelResponse make_response(const DiffNetwork& net) {
    const std::size_t n = net.f_hz.size();
    if (n < 2 || net.sdd.size() != n)
        throw ModelError(str(net.source, ": need at least 2 frequency points for a response"));
    if (net.f_hz.front() < 0) throw ModelError(str(net.source, ": negative frequency"));
    for (std::size_t k = 1; k < n; ++k)
        if (!(net.f_hz[k] > net.f_hz[k - 1]))
            throw ModelError(str(net.source, ": frequencies not increasing"));
    auto t = std::make_shared<Tabulated>();
    std::vector<cd> h(n);
    for (std::size_t k = 0; k < n; ++k) h[k] = net.sdd[k](1, 0);
    t->f = net.f_hz;
    t->mag.resize(n);
    for (std::size_t k = 0; k < n; ++k) t->mag[k] = std::abs(h[k]);
    t->ph = unwrap_phase(h);
    bool extrapolated = false;
    if (t->f[0] == 0.0) {
        // Real at DC: phase 0 or pi, whichever is nearer; shift the rest by the same 2 pi k.
        const double dc = kPi * std::round(t->ph[0] / kPi);
        const double shift = 2 * kPi * std::round(dc / (2 * kPi));
        for (auto& p : t->ph) p -= shift;
        t->ph[0] = dc - shift;
    } else {
        extrapolated = true;
        const double f0 = t->f[0], f1 = t->f[1];
        const double ph_dc = t->ph[0] - f0 * (t->ph[1] - t->ph[0]) / (f1 - f0);
        const double shift = 2 * kPi * std::round(ph_dc / (2 * kPi));
        for (auto& p : t->ph) p -= shift;
        const double dc_phase = kPi * std::round((ph_dc - shift) / kPi);  // 0 (or +-pi)
        const double m_dc = std::max(0.0, t->mag[0] - f0 * (t->mag[1] - t->mag[0]) / (f1 - f0));
        t->f.insert(t->f.begin(), 0.0);
        t->mag.insert(t->mag.begin(), m_dc);
        t->ph.insert(t->ph.begin(), dc_phase);
    }
    t->f_max = t->f.back();
    t->taper = 0.2 * t->f_max;
    t->slope = t->ph.back() / t->f_max;
    const double span = 1.0 / median_spacing(net.f_hz);
    std::ostringstream os;
    os << "Sdd21 of " << net.source << ": " << n << " points, " << net.f_hz.front() / 1e9 << "-"
       << net.f_hz.back() / 1e9 << " GHz" << (extrapolated ? ", DC extrapolated" : "")
       << ", cos^2 roll-off to 0 at " << 1.2 * t->f_max / 1e9 << " GHz";
    return ChannelResponse([t](double f) { return t->eval(f); }, t->f_max, span, os.str());
}

ChannelResponse ideal_channel() {
    return ChannelResponse([](double) { return cd(1.0, 0.0); },
                           std::numeric_limits<double>::infinity(), 0.0, "ideal channel (H = 1)");
}

ChannelResponse delay_channel(double delay_s) {
    require(delay_s >= 0 && std::isfinite(delay_s), "channel.delay_s", "must be >= 0", delay_s);
    return ChannelResponse([delay_s](double f) { return std::polar(1.0, -2 * kPi * f * delay_s); },
                           std::numeric_limits<double>::infinity(), 2.0 * delay_s,
                           str("lossless delay line, ", delay_s * 1e12, " ps"));
}

cd com_gamma_per_mm(const ComLineParams& p, double f_hz) {
    const double f = f_hz / 1e9;  // GHz
    if (f <= 0) return p.gamma0_per_mm;
    const cd j(0.0, 1.0);
    return p.gamma0_per_mm + p.a1_sqrt_ns_per_mm * (1.0 + j) * std::sqrt(f) +
           p.a2_ns_per_mm * (1.0 - j * (2.0 / kPi) * std::log(f)) * f +
           j * 2.0 * kPi * p.tau_ns_per_mm * f;
}

double synthetic_length_mm(double loss_db, double f_nyq_hz, const ComLineParams& p) {
    require(loss_db >= 0 && std::isfinite(loss_db), "channel.loss_db", "must be >= 0", loss_db);
    require(f_nyq_hz > 0 && std::isfinite(f_nyq_hz), "channel.f_nyquist_hz", "must be > 0",
            f_nyq_hz);
    const double re = com_gamma_per_mm(p, f_nyq_hz).real();
    if (!(re > 0)) throw ConfigError("channel.com", "Re gamma(f_nyquist) must be > 0");
    return loss_db / (20.0 * std::log10(std::exp(1.0)) * re);
}

ChannelResponse synthetic_channel(double loss_db, double f_nyq_hz, const ComLineParams& p) {
    const double len_mm = synthetic_length_mm(loss_db, f_nyq_hz, p);
    const double delay_s = p.tau_ns_per_mm * len_mm * 1e-9;
    return ChannelResponse(
        [p, len_mm](double f) { return std::exp(-com_gamma_per_mm(p, f) * len_mm); },
        std::numeric_limits<double>::infinity(), 4.0 * delay_s + 10e-9,
        str("COM transmission line (IEEE 802.3 93A), ", len_mm, " mm, ", loss_db, " dB at ",
            f_nyq_hz / 1e9, " GHz"));
}

namespace {
std::size_t fft_size_for(const ChannelResponse& h, double dt_s, double ui_s) {
    const double span = std::max(std::min(h.natural_span_s(), kMaxSpanS), 64.0 * ui_s);
    std::size_t n = dsp::good_fft_size(static_cast<std::size_t>(std::ceil(span / dt_s)));
    while (n % 2) n = dsp::good_fft_size(n + 1);
    return n;
}
int check_spu(double dt_s, double ui_s) {
    require(dt_s > 0 && std::isfinite(dt_s), "dt_s", "must be > 0", dt_s);
    require(ui_s > 0 && std::isfinite(ui_s), "ui_s", "must be > 0", ui_s);
    const double r = ui_s / dt_s;
    const double spu = std::round(r);
    require(spu >= 1 && std::abs(r - spu) <= 1e-6 * spu, "ui_s",
            "must be an integer multiple of dt_s", r);
    return static_cast<int>(spu);
}
}  // namespace

TimeResponse time_response(const ChannelResponse& h, double dt_s, double ui_s) {
    const int spu = check_spu(dt_s, ui_s);
    const std::size_t n = fft_size_for(h, dt_s, ui_s);
    std::vector<double> taps = dsp::impulse_from_response(h, dt_s, n);
    const std::size_t causal_end = n - n / 4;
    double total = 0;
    for (double v : taps) total += v * v;
    std::size_t peak = 0;
    for (std::size_t i = 0; i < causal_end; ++i)
        if (std::abs(taps[i]) > std::abs(taps[peak])) peak = i;
    // Smallest m > peak such that the taps in [m, causal_end) hold <= 1e-7 of the energy and
    // their sum is <= 1e-3 |H(0)| (slow low-frequency tails carry DC but little energy).
    const double dc = std::abs(h.dc_gain());
    double tail = 0, tail_sum = 0;
    std::size_t m = causal_end;
    for (std::size_t i = causal_end; i-- > peak + 1;) {
        if (tail + taps[i] * taps[i] > 1e-7 * total || std::abs(tail_sum + taps[i]) > 1e-3 * dc)
            break;
        tail += taps[i] * taps[i];
        tail_sum += taps[i];
        m = i;
    }
    TimeResponse r;
    r.dt_s = dt_s;
    r.samples_per_ui = spu;
    r.n_fft = n;
    double kept = 0;
    for (std::size_t i = 0; i < m; ++i) kept += taps[i] * taps[i];
    r.dropped_energy_fraction = total > 0 ? (total - kept) / total : 0.0;
    r.impulse.assign(taps.begin(), taps.begin() + static_cast<long>(m));
    r.dc_sum_error = h.dc_gain() - std::accumulate(r.impulse.begin(), r.impulse.end(), 0.0);
    r.pulse.assign(m + static_cast<std::size_t>(spu) - 1, 0.0);
    // Running sum of spu taps.
    double acc = 0;
    for (std::size_t i = 0; i < r.pulse.size(); ++i) {
        if (i < m) acc += r.impulse[i];
        if (i >= static_cast<std::size_t>(spu)) acc -= r.impulse[i - static_cast<std::size_t>(spu)];
        r.pulse[i] = acc;
    }
    return r;
}

double acausal_energy_fraction(const std::vector<double>& h, double dt_s, double guard_s) {
    const std::size_t n = h.size();
    if (n < 4) throw ModelError("acausal_energy_fraction: buffer too short");
    const std::size_t causal_end = n - n / 4;
    std::size_t peak = 0;
    for (std::size_t i = 0; i < causal_end; ++i)
        if (std::abs(h[i]) > std::abs(h[peak])) peak = i;
    std::size_t first = 0;
    while (first < peak && std::abs(h[first]) < 0.01 * std::abs(h[peak])) ++first;
    const auto guard = static_cast<std::size_t>(std::llround(guard_s / dt_s));
    const std::size_t start = first > guard ? first - guard : 0;
    double total = 0, early = 0;
    for (std::size_t i = 0; i < n; ++i) {
        total += h[i] * h[i];
        if (i < start || i >= causal_end) early += h[i] * h[i];
    }
    return total > 0 ? early / total : 0.0;
}

PassivityResult passivity(const Touchstone& ts) {
    PassivityResult r;
    for (std::size_t k = 0; k < ts.s.size(); ++k) {
        Eigen::JacobiSVD<Eigen::MatrixXcd> svd(ts.s[k]);
        const double s = svd.singularValues()(0);
        if (s > r.max_singular) {
            r.max_singular = s;
            r.f_at_max_hz = ts.f_hz[k];
        }
    }
    return r;
}

double ChannelReport::loss_db_at(double f_hz) const {
    return -lin_to_db20(std::abs(response(f_hz)));
}

std::string ChannelReport::text() const {
    std::ostringstream os;
    os.precision(5);
    os << "source:            " << source << "\n"
       << "ports:             " << ports << "\n"
       << "frequency points:  " << n_points << ", " << f_min_hz / 1e9 << " - " << f_max_hz / 1e9
       << " GHz, df " << df_hz / 1e6 << " MHz"
       << (dc_extrapolated ? " (no DC point: extrapolated)" : "") << "\n"
       << "DC gain:           " << dc_gain << "\n"
       << "insertion loss:    " << loss_db_at_nyquist << " dB at " << f_nyquist_hz / 1e9
       << " GHz (Nyquist)\n"
       << "passivity:         max singular value " << max_singular << " at "
       << f_max_singular_hz / 1e9 << " GHz -> " << (passive ? "passive" : "NOT passive")
       << " (tolerance " << kPassivityTol << ")\n"
       << "causality:         acausal energy fraction " << acausal_energy_fraction << " -> "
       << (causal ? "causal" : "NOT causal") << " (tolerance " << kCausalityTol << ")\n"
       << "delay:             " << delay_s * 1e9 << " ns (impulse peak)\n";
    for (const auto& w : warnings) os << "warning: " << w << "\n";
    return os.str();
}

ChannelReport make_report(const Touchstone& ts, const DiffPairing& pairing, double f_nyquist_hz,
                          double dt_s) {
    require(f_nyquist_hz > 0, "f_nyquist_hz", "must be > 0", f_nyquist_hz);
    require(dt_s > 0, "dt_s", "must be > 0", dt_s);
    const DiffNetwork net = to_differential(ts, pairing);
    ChannelReport r;
    r.response = make_response(net);
    r.source = net.source;
    r.ports = ts.ports;
    r.n_points = ts.f_hz.size();
    r.f_min_hz = ts.f_hz.front();
    r.f_max_hz = ts.f_hz.back();
    r.df_hz = 1.0 / r.response.natural_span_s();
    r.dc_extrapolated = ts.f_hz.front() > 0;
    r.dc_gain = r.response.dc_gain();
    r.f_nyquist_hz = f_nyquist_hz;
    r.loss_db_at_nyquist = r.loss_db_at(f_nyquist_hz);
    const auto p = passivity(ts);
    r.max_singular = p.max_singular;
    r.f_max_singular_hz = p.f_at_max_hz;
    r.passive = p.max_singular <= 1.0 + ChannelReport::kPassivityTol;
    std::size_t n =
        dsp::good_fft_size(static_cast<std::size_t>(std::ceil(std::min(r.response.natural_span_s(), kMaxSpanS) / dt_s)));
    while (n % 2) n = dsp::good_fft_size(n + 1);
    const auto h = dsp::impulse_from_response(r.response, dt_s, n);
    r.acausal_energy_fraction = acausal_energy_fraction(h, dt_s);
    r.causal = r.acausal_energy_fraction < ChannelReport::kCausalityTol;
    std::size_t peak = 0;
    for (std::size_t i = 0; i < n - n / 4; ++i)
        if (std::abs(h[i]) > std::abs(h[peak])) peak = i;
    r.delay_s = static_cast<double>(peak) * dt_s;
    r.warnings = ts.warnings;
    if (f_nyquist_hz > ts.f_hz.back())
        r.warnings.push_back(str("Nyquist frequency ", f_nyquist_hz / 1e9,
                                 " GHz is above the last data point; loss there is extrapolated"));
    if (!r.passive)
        r.warnings.push_back(str("S is not passive: max singular value ", p.max_singular, " at ",
                                 p.f_at_max_hz / 1e9, " GHz"));
    return r;
}

}  // namespace si::channel

#include "si/sim/receiver.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"
#include "si/rx/gain.hpp"
#include "si/analysis/detector_ser.hpp"
#include "si/sim/link.hpp"
#include "si/sim/stateye.hpp"

namespace si::sim {

namespace {

/// Symbol-spaced samples of a pulse at sample phase m (pulse[m + j M]).
std::vector<double> at_phase(const std::vector<double>& p, int m, int M) {
    std::vector<double> h;
    for (std::size_t i = static_cast<std::size_t>(m); i < p.size(); i += static_cast<std::size_t>(M))
        h.push_back(p[i]);
    return h;
}

std::vector<double> convolve(const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> c(a.size() + b.size() - 1, 0.0);
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t j = 0; j < b.size(); ++j) c[i + j] += a[i] * b[j];
    return c;
}

}  // namespace

ReceiverDesign design_receiver(const Link& link) {
    const auto& sp = link.spec();
    const auto& rs = sp.rx;
    const int M = sp.sim.samples_per_ui;
    const int N = link.levels();
    const int cm = link.cursor_index() % M;
    ReceiverDesign d;
    d.cdr = rs.cdr_model != "ideal";
    d.ffe = rs.ffe;
    d.ffe.levels = N;
    d.dfe = rs.dfe;
    d.dfe.levels = N;
    d.mlse = rs.mlse;
    d.mlse.levels = N;
    const bool has_dfe = d.dfe.taps > 0 || d.dfe.float_groups > 0;
    const bool has_ffe = d.ffe.taps > 0;
    const bool has_mlse = d.mlse.memory > 0;
    d.detector = has_mlse ? "mlse" : has_dfe ? "dfe" : "slicer";

    // ---- gain and ADC ------------------------------------------------------------------------
    const auto h_v = at_phase(link.symbol_pulse(), cm, M);  // [V per unit level] at the sampler
    d.h_cursor = link.cursor_index() / M;
    const double h0 = h_v[static_cast<std::size_t>(d.h_cursor)];
    d.adc = rs.adc;
    d.adc.seed = sp.sim.seed;
    if (rs.gain.mode == "auto") {
        require(d.adc.bits > 0 && d.adc.full_scale_v > 0, "rx.gain.mode",
                "\"auto\" sets the outer levels at a fraction of the ADC full scale: it needs "
                "rx.adc.bits > 0 and rx.adc.full_scale > 0",
                rs.gain.mode);
        d.gain = rx::auto_gain(h0, d.adc.full_scale_v, rs.gain.outer_fraction);
    } else {
        d.gain = rs.gain.gain;
    }
    if (d.adc.bits > 0 && d.adc.full_scale_v == 0)  // automatic: the eye plot's span, no clipping
        d.adc.full_scale_v = 2 * link.eye_range_v() * std::abs(d.gain);
    if (d.adc.bits > 0) {
        const rx::Adc adc(d.adc);
        d.quant_sigma_v = std::sqrt(adc.lsb_v() * adc.lsb_v() / 12 + adc.noise_sigma_v() * adc.noise_sigma_v());
    }
    d.has_dsp = d.gain != 1.0 || d.adc.bits > 0 || has_ffe || has_dfe || has_mlse;
    const double g = d.gain;
    d.h.resize(h_v.size());
    for (std::size_t i = 0; i < h_v.size(); ++i) d.h[i] = g * h_v[i];
    const double sig_s = link.sampler_noise_sigma_v() * std::abs(g);
    d.noise_sigma_v = std::sqrt(sig_s * sig_s + d.quant_sigma_v * d.quant_sigma_v);

    // ---- FFE ---------------------------------------------------------------------------------
    if (has_ffe) {
        rx::FfeSolveInput in;
        in.pulse = d.h;
        in.cursor = d.h_cursor;
        in.noise_var_v2 = d.noise_sigma_v * d.noise_sigma_v;
        in.dfe_taps = has_dfe ? d.dfe.taps : 0;
        in.target_memory = d.mlse.memory;
        const auto K = static_cast<std::size_t>(d.ffe.taps);
        std::vector<double> cov(K * K, 0.0);
        const double ea2 = rx::pam_level_variance(N);
        auto add_cov = [&](const std::vector<double>& x, double var) {
            const auto c = rx::interference_covariance(x, d.ffe.taps, var);
            for (std::size_t i = 0; i < cov.size(); ++i) cov[i] += c[i];
        };
        for (const auto& ag : link.aggressors()) {  // crosstalk: independent uniform symbols
            auto x = at_phase(ag.pulse, cm, M);
            for (auto& v : x) v *= g;
            add_cov(x, ea2);
        }
        if (link.tx_noise_sigma_v() > 0) {  // launched TX noise: through the symbol pulse
            const double s = link.tx_noise_sigma_v() / (sp.tx.swing_v / 2);
            add_cov(d.h, s * s);
        }
        in.extra_cov_v2 = cov;
        rx::FfeSolution sol;
        if (d.ffe.mode == "fixed") {
            sol.taps = d.ffe.coefficients;
            sol.equalized = convolve(sol.taps, d.h);
            sol.cursor = d.h_cursor + d.ffe.pre;
        } else {
            sol = rx::solve_ffe(d.ffe, in);  // "lms": the MMSE solution it converges to
        }
        d.ffe_taps = sol.taps;
        d.equalized = sol.equalized;
        d.eq_cursor = sol.cursor;
        double w2 = 0;
        for (double w : d.ffe_taps) w2 += w * w;
        d.detector_sigma = d.noise_sigma_v * std::sqrt(w2);
        d.delay_ui = d.ffe.pre;
        d.history_ui = d.ffe.taps - 1;
    } else {
        d.equalized = d.h;
        d.eq_cursor = d.h_cursor;
        d.detector_sigma = d.noise_sigma_v;
    }
    d.detector_main = d.equalized[static_cast<std::size_t>(d.eq_cursor)];

    // ---- detector ------------------------------------------------------------------------------
    if (has_dfe) {
        // "lms" without coefficients starts from the solved taps (what it converges to)
        const bool solve = d.dfe.mode == "solve" || (d.dfe.mode == "lms" && d.dfe.coefficients.empty());
        d.dfe_taps = solve ? rx::solve_dfe(d.dfe, d.equalized, d.eq_cursor)
                           : rx::dfe_taps_from_config(d.dfe, d.detector_main);
    }
    if (has_mlse) {
        d.mlse_target = !d.mlse.target.empty()
                            ? d.mlse.target
                            : rx::mlse_target_from_pulse(d.equalized, d.eq_cursor, d.mlse.memory);
        d.delay_ui += d.mlse.traceback;
    }
    for (int i = 0; i + 1 < N; ++i)
        d.detector_thresholds.push_back(d.detector_main * 0.5 *
                                        (link.level_value(i) + link.level_value(i + 1)));

    // ---- clock and training ----------------------------------------------------------------------
    d.cdr_config = rs.cdr;
    d.cdr_config.model = d.cdr ? rs.cdr_model : "bang_bang";
    d.cdr_config.levels = N;
    d.cdr_config.symbol_rate_bd = sp.signal.symbol_rate_bd;
    if (d.cdr) {
        // Where the detector locks, from the sampler's symbol pulse p: a bang-bang (Alexander)
        // detector's edge samples balance when p(t - T/2) = p(t + T/2), a Mueller-Muller one
        // when p(t - T) = p(t + T); the crossing nearest the design phase, interpolated.
        const auto& p = link.symbol_pulse();
        const int spu = sp.sim.samples_per_ui;
        const int c = link.cursor_index();
        const int hs = d.cdr_config.model == "mueller_muller" ? spu : spu / 2;
        auto gap = [&](int x) { return p[static_cast<std::size_t>(x - hs)] - p[static_cast<std::size_t>(x + hs)]; };
        double best = NAN;
        for (int x = std::max(c - spu, hs); x < c + spu && x + 1 + hs < static_cast<int>(p.size()); ++x) {
            const double g0 = gap(x), g1 = gap(x + 1);
            if ((g0 <= 0 && g1 > 0) || (g0 >= 0 && g1 < 0)) {
                const double xi = x + g0 / (g0 - g1);
                if (std::isnan(best) || std::abs(xi - c) < std::abs(best - c)) best = xi;
            }
        }
        d.cdr_predicted_lock_ui = std::isnan(best) ? NAN : (best - c) / spu;
        if (rs.cdr_eye_centering == "auto" && std::isfinite(d.cdr_predicted_lock_ui)) {
            d.cdr_eye_centering_ui = -d.cdr_predicted_lock_ui;
            d.cdr_config.phase_offset_ui += d.cdr_eye_centering_ui;
        }
    }
    const bool adapt = (has_ffe && d.ffe.mode == "lms") || (has_dfe && d.dfe.mode == "lms");
    d.stateful = d.cdr || has_dfe || has_mlse || adapt;
    if (rs.training_symbols >= 0) {
        d.training = static_cast<std::uint64_t>(rs.training_symbols);
    } else if (d.stateful) {
        std::uint64_t t = 1000;  // DFE/MLSE: fill the feedback history and the traceback
        if (adapt) t = std::max<std::uint64_t>(t, 50000);
        if (d.cdr) {
            // ~20 loop time constants 1/(2 pi f_bw) [UI], within [1e4, 1e6]
            const double bw = rx::cdr_gains(d.cdr_config).bandwidth_hz;
            const double tc = bw > 0 ? sp.signal.symbol_rate_bd / (2 * kPi * bw) : 1e6;
            double tl = std::clamp(20 * tc, 1e4, 1e6);
            // frequency acquisition: the integral path must build up delta UI/UI from PD outputs
            // of one sign on a fraction rho of the UIs, slowed by early cycle slips: 24 delta /
            // (Ki rho) (measured: 200 ppm at 10 MHz locks after ~3.3e5 UI)
            const auto gn = rx::cdr_gains(d.cdr_config);
            const double rho = d.cdr_config.transition_density > 0 ? d.cdr_config.transition_density : 1.0 / N;
            const double delta = std::abs(d.cdr_config.frequency_offset_ppm) * 1e-6;
            if (delta > 0 && gn.ki > 0) tl = std::max(tl, std::min(24 * delta / (gn.ki * rho), 4e6));
            // phase acquisition from the start phase is slew-rate limited for a bang-bang loop
            // (Kp rho UI per UI), then rings out: 4 times the slewing time
            const double r_eff = d.cdr_config.model == "mueller_muller" ? 1.0 : rho;
            if (gn.kp > 0)
                tl = std::max(tl, std::min(4 * (std::abs(d.cdr_config.initial_phase_ui) + 0.25) / (gn.kp * r_eff), 4e6));
            t = std::max<std::uint64_t>(t, static_cast<std::uint64_t>(tl));
        }
        d.training = t;
    }
    return d;
}

namespace {
/// Detector SER with the sampler offset by j grid samples from the design phase (j = 0: the
/// design itself). Taps stay as designed; the slicer thresholds follow the main cursor.
ReceiverSer detector_ser_at(const Link& link, int j) {
    const auto& d = link.receiver();
    const auto& sp = link.spec();
    const int N = link.levels();
    const int M = sp.sim.samples_per_ui;
    const int ci = link.cursor_index() + j;
    const int cm = ((ci % M) + M) % M;
    std::vector<double> f;
    int cursor = d.eq_cursor;
    if (j == 0) {
        f = d.equalized;
    } else {
        auto h = at_phase(link.symbol_pulse(), cm, M);
        for (auto& v : h) v *= d.gain;
        const int hc = (ci - cm) / M;  // main-cursor index in h
        if (d.ffe.taps > 0) {
            f = convolve(d.ffe_taps, h);
            cursor = hc + d.ffe.pre;
        } else {
            f = h;
            cursor = hc;
        }
        if (cursor < 0 || cursor >= static_cast<int>(f.size())) return {1.0, "out of range"};
    }
    const auto c = static_cast<std::size_t>(cursor);
    for (std::size_t t = 0; t < d.dfe_taps.b.size(); ++t) {
        const std::size_t i = c + static_cast<std::size_t>(d.dfe_taps.delays[t]);
        if (i < f.size()) f[i] -= d.dfe_taps.b[t] * d.dfe_taps.main_cursor;
    }
    // crosstalk: aggressor cursors through gain and FFE, appended after a gap (independent
    // symbols: they add to the ISI sum like cursors of the victim outside any target)
    for (const auto& ag : link.aggressors()) {
        auto x = at_phase(ag.pulse, cm, M);
        for (auto& v : x) v *= d.gain;
        if (d.ffe.taps > 0) x = convolve(d.ffe_taps, x);
        f.resize(f.size() + 4, 0.0);
        f.insert(f.end(), x.begin(), x.end());
    }
    double var = d.detector_sigma * d.detector_sigma;
    if (link.tx_noise_sigma_v() > 0) {  // launched TX noise: Gaussian through the whole pulse
        const double s = link.tx_noise_sigma_v() / (sp.tx.swing_v / 2);
        double e = 0;
        for (double v : d.equalized) e += v * v;
        var += s * s * e;
    }
    const double sigma = std::sqrt(var);
    if (d.detector == "mlse") {
        const auto acf = d.ffe.taps > 0 ? analysis::fir_noise_acf(d.ffe_taps) : std::vector<double>{};
        return {analysis::ser_mlse_union_bound(f, cursor, d.mlse.memory, sigma, N, acf),
                "MLSE union bound over error events (upper bound; ISI outside the target and "
                "crosstalk as Gaussian, FFE-coloured noise)"};
    }
    return {analysis::ser_ffe_dfe(f, cursor, 0, sigma, N),
            d.detector == "dfe" ? "FFE + DFE with ideal feedback (no error propagation), exact ISI pdf"
                                : "slicer after gain/ADC/FFE, exact ISI pdf"};
}
}  // namespace

ReceiverSer receiver_statistical_ser(const Link& link) {
    if (!link.receiver().has_dsp)
        return {statistical_ser(link).ser, "statistical eye at the sampler (exact ISI pdf, Gaussian noise)"};
    return detector_ser_at(link, 0);
}

double receiver_eye_width_ui(const Link& link, double target_ser) {
    const auto& d = link.receiver();
    const int M = link.spec().sim.samples_per_ui;
    if (!d.has_dsp) {
        const auto se = statistical_eye(link, target_ser);
        return se.eye_width_ui.empty() ? 0.0 : *std::min_element(se.eye_width_ui.begin(), se.eye_width_ui.end());
    }
    if (detector_ser_at(link, 0).ser > target_ser) return 0.0;
    int lo = 0, hi = 0;
    while (lo > -M && detector_ser_at(link, lo - 1).ser <= target_ser) --lo;
    while (hi < M && detector_ser_at(link, hi + 1).ser <= target_ser) ++hi;
    return static_cast<double>(hi - lo + 1) / M;
}

}  // namespace si::sim

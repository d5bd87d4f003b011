#include "si/sim/jtol.hpp"

#include <cmath>
#include <limits>

#include "si/core/error.hpp"

namespace si::sim {

double jtol_mask_ui_pp(double f, double fb) {
    const double lo = fb / 664000.0, hi = fb / 6640.0;
    if (f <= lo) return std::numeric_limits<double>::quiet_NaN();
    if (f <= hi) return 5.0 * fb / (664000.0 * f);
    return 0.05;
}

namespace {
bool passes(const LinkSpec& base, double amp_ui, double f_hz, const JtolOptions& opt) {
    LinkSpec s = base;
    s.tx.sj_amp_ui = amp_ui;
    s.tx.sj_freq_hz = f_hz;
    const Link link(s);
    const auto r = run(link);
    const double bits = static_cast<double>(r.ber.symbols_compared) * r.ber.bits_per_symbol;
    return static_cast<double>(r.ber.bit_errors) <= opt.target_ber * bits;
}
}  // namespace

std::vector<JtolPoint> jitter_tolerance(const LinkSpec& spec, const JtolOptions& opt,
                                        const JtolProgress& progress) {
    require(spec.rx.cdr_model != "ideal", "rx.cdr.model",
            "jitter tolerance needs a recovered clock (bang_bang or mueller_muller)", spec.rx.cdr_model);
    require(!opt.frequencies_hz.empty(), "--frequencies", "needs at least one frequency", 0);
    require(opt.target_ber > 0 && opt.target_ber < 0.5, "--target-ber", "must be in (0, 0.5)", opt.target_ber);
    require(opt.start_ui > 0 && opt.start_ui <= opt.max_ui && opt.max_ui < 10, "--max-amplitude",
            "needs 0 < start <= max < 10 UI", opt.max_ui);
    double fmin = opt.frequencies_hz[0];
    for (double f : opt.frequencies_hz) {
        require(std::isfinite(f) && f > 0 && f < spec.signal.symbol_rate_bd / 2, "--frequencies",
                "must be in (0, fb/2)", f);
        fmin = std::min(fmin, f);
    }
    LinkSpec base = spec;
    base.tx.sj_amp_ui = 0;
    const double periods_ui = spec.signal.symbol_rate_bd / fmin;
    base.sim.symbols = opt.symbols > 0 ? opt.symbols
                                       : std::max<std::uint64_t>(200000, static_cast<std::uint64_t>(4 * periods_ui));
    int runs = 0;
    {
        LinkSpec s0 = base;
        s0.tx.sj_freq_hz = 0;
        const Link link(s0);
        const auto r = run(link);
        ++runs;
        const double bits = static_cast<double>(r.ber.symbols_compared) * r.ber.bits_per_symbol;
        if (static_cast<double>(r.ber.bit_errors) > opt.target_ber * bits)
            throw ModelError(str("jitter tolerance: the link fails the target BER ", opt.target_ber,
                                 " without SJ (BER ", r.ber.ber(), "); nothing to tolerate"));
    }
    std::vector<JtolPoint> out;
    for (std::size_t i = 0; i < opt.frequencies_hz.size(); ++i) {
        const double f = opt.frequencies_hz[i];
        JtolPoint p;
        p.frequency_hz = f;
        double ok = 0, bad = -1, a = opt.start_ui;
        for (;;) {
            const bool pass = passes(base, a, f, opt);
            ++p.runs;
            if (progress) progress(runs + p.runs, i);
            if (!pass) {
                bad = a;
                break;
            }
            ok = a;
            if (a >= opt.max_ui) break;
            a = std::min(2 * a, opt.max_ui);
        }
        if (bad < 0) {
            p.capped = true;
        } else {
            while (bad - ok > opt.resolution_ui) {
                const double m = 0.5 * (ok + bad);
                const bool pass = passes(base, m, f, opt);
                ++p.runs;
                if (progress) progress(runs + p.runs, i);
                (pass ? ok : bad) = m;
            }
        }
        runs += p.runs;
        p.amplitude_ui_pp = 2 * ok;
        p.mask_ui_pp = jtol_mask_ui_pp(f, spec.signal.symbol_rate_bd);
        p.pass = std::isnan(p.mask_ui_pp) || p.amplitude_ui_pp >= p.mask_ui_pp;
        out.push_back(p);
    }
    return out;
}

}  // namespace si::sim

// CDR and interpolator: the cubic Lagrange error bound on a band-limited signal; a bang-bang
// (Alexander) CDR driven by a synthetic band-limited PAM4 waveform (raised-cosine pulses,
// sampled through the interpolator) locks from 0.5 UI away, tracks a 200 ppm offset without a
// cycle slip, and has the jitter-transfer bandwidth it was designed for; Mueller-Muller locks.
#include <cmath>
#include <string>
#include <vector>

#include "rx_sim.hpp"
#include "si/core/units.hpp"
#include "si/rx/cdr.hpp"
#include "si/rx/interpolator.hpp"
#include "si_test.hpp"

namespace {

using si::kPi;
using si::rx::CdrConfig;

TEST(Interpolator, CubicLagrangeErrorIsWithinItsBoundOnABandLimitedSignal) {
    // three tones up to 0.45 of the sample rate / 8 (i.e. fb/2 at 8 samples per UI ... 0.0625)
    const double f[3] = {0.011, 0.037, 0.0625};  // cycles per sample
    const double a[3] = {1.0, 0.5, 0.3};
    auto sig = [&](double t) {
        double s = 0;
        for (int m = 0; m < 3; ++m) s += a[m] * std::cos(2 * kPi * f[m] * t + m);
        return s;
    };
    std::vector<double> v(4096);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = sig(static_cast<double>(i));
    double bound = 0;
    for (int m = 0; m < 3; ++m) bound += a[m] * std::pow(2 * kPi * f[m], 4) * 3.0 / 128;
    double worst = 0;
    for (double x = 10; x < 4000; x += 0.0137) worst = std::max(worst, std::abs(si::rx::interpolate_at(v, x) - sig(x)));
    EXPECT_LE(worst, bound);
    EXPECT_GT(worst, 0.1 * bound);  // the bound is not vacuous (the error is of that order)
    // exact at the samples and for cubics
    EXPECT_DOUBLE_EQ(si::rx::interpolate_at(v, 100.0), v[100]);
    std::vector<double> c(10);
    for (std::size_t i = 0; i < 10; ++i) c[i] = 0.5 * std::pow(static_cast<double>(i), 3) - 2.0 * static_cast<double>(i);
    EXPECT_NEAR(si::rx::interpolate_at(c, 4.3), 0.5 * std::pow(4.3, 3) - 8.6, 1e-12);
}

/// Synthetic PAM4 link: raised-cosine (roll-off 1) pulses, symbol k launched at k + sj(k) UI
/// (SJ of amplitude A [UI] at frequency f [1/UI]), sampled at M samples per UI in chunks; the
/// CDR's instants are read through the interpolator; Gaussian noise sigma_v on every sample.
class SyntheticLink {
public:
    static constexpr int kM = 16;         // samples per UI
    static constexpr int kSpan = 8;       // pulse truncated at +-8 UI
    static constexpr int kChunk = 4096;   // UI per chunk

    SyntheticLink(double sj_amp_ui, double sj_freq_per_ui, double sigma_v, std::uint64_t seed)
        : amp_(sj_amp_ui), f_(sj_freq_per_ui), sigma_(sigma_v), seed_(seed) {
        table_.resize(static_cast<std::size_t>(2 * kSpan * kRes + 1));
        for (std::size_t i = 0; i < table_.size(); ++i)
            table_[i] = rc(static_cast<double>(i) / kRes - kSpan);
    }
    static double rc(double t) {  // raised cosine, roll-off 1, p(0) = 1
        if (std::abs(std::abs(t) - 0.5) < 1e-9) return 0.5;
        const double s = t == 0 ? 1.0 : std::sin(kPi * t) / (kPi * t);
        return s * std::cos(kPi * t) / (1 - 4 * t * t);
    }
    /// Symbol level of UI k (random PAM4).
    std::uint8_t level(std::int64_t k) const {
        return static_cast<std::uint8_t>(si::random_bits(seed_, si::Stream::pattern, static_cast<std::uint64_t>(k + (1 << 20))) & 3);
    }
    /// Waveform at time t [UI] through the chunked samples and the interpolator, plus noise
    /// with index idx.
    double sample(double t, std::uint64_t idx) {
        const auto c = static_cast<std::int64_t>(std::floor(t / kChunk));
        if (c != chunk_) build(c);
        const double x = (t - t0_) * kM;
        return si::rx::interpolate_at(w_, x) + sigma_ * si::ziggurat_gaussian(seed_, si::Stream::rx_noise, idx);
    }

private:
    static constexpr int kRes = 1024;  // pulse table resolution per UI
    double pulse(double t) const {
        const double u = (t + kSpan) * kRes;
        if (u <= 0 || u >= static_cast<double>(table_.size() - 1)) return 0.0;
        const auto i = static_cast<std::size_t>(u);
        const double fr = u - static_cast<double>(i);
        return table_[i] * (1 - fr) + table_[i + 1] * fr;
    }
    void build(std::int64_t c) {
        chunk_ = c;
        const std::int64_t k0 = c * kChunk - 2;  // 2 UI margin each side
        t0_ = static_cast<double>(k0);
        const std::size_t n = static_cast<std::size_t>(kChunk + 4) * kM;
        w_.assign(n, 0.0);
        for (std::int64_t k = k0 - kSpan; k < k0 + kChunk + 4 + kSpan; ++k) {
            const double a = -1.0 + 2.0 * level(k) / 3;
            const double tk = static_cast<double>(k) + amp_ * std::sin(2 * kPi * f_ * static_cast<double>(k));
            const auto j0 = static_cast<std::int64_t>(std::ceil((tk - kSpan - t0_) * kM));
            const auto j1 = static_cast<std::int64_t>(std::floor((tk + kSpan - t0_) * kM));
            for (std::int64_t j = std::max<std::int64_t>(j0, 0); j <= std::min<std::int64_t>(j1, static_cast<std::int64_t>(n) - 1); ++j)
                w_[static_cast<std::size_t>(j)] += a * pulse(t0_ + static_cast<double>(j) / kM - tk);
        }
    }
    double amp_, f_, sigma_;
    std::uint64_t seed_;
    std::vector<double> table_, w_;
    std::int64_t chunk_ = -1 << 30;
    double t0_ = 0;
};

/// Runs n UI of the CDR on the link; returns the sampling-time error t_n - n [UI] per UI.
std::vector<double> run_cdr(si::rx::Cdr& cdr, SyntheticLink& link, std::size_t n) {
    std::vector<double> err(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double td = cdr.data_time_ui(), te = cdr.edge_time_ui();
        const double yd = link.sample(td, 2 * i), ye = link.sample(te, 2 * i + 1);
        const auto lv = static_cast<std::uint8_t>(std::clamp(std::nearbyint((yd + 1) * 1.5), 0.0, 3.0));
        err[i] = td - static_cast<double>(i);
        cdr.update(yd, ye, lv);
    }
    return err;
}

/// sigma_t of the linearisation for this waveform: noise / mean |slope| of the symmetric
/// transitions at the crossing (Monte Carlo over the data, slope by central difference).
double detector_jitter(double sigma_v) {
    SyntheticLink l(0, 0, 0, 99);
    double s = 0;
    int n = 0;
    for (std::int64_t k = 100; k < 60'000; ++k) {
        const int a = l.level(k - 1), b = l.level(k);
        if (a + b != 3) continue;
        const double t = static_cast<double>(k) - 0.5, h = 1e-3;
        s += std::abs(l.sample(t + h, 0) - l.sample(t - h, 0)) / (2 * h);
        ++n;
    }
    return sigma_v / (s / n);
}

CdrConfig bb_config(double sigma_t) {
    return CdrConfig{.model = "bang_bang", .levels = 4, .symbol_rate_bd = 53.125e9,
                     .bandwidth_hz = 53.125e9 / 1000, .damping = 1.0, .detector_jitter_ui = sigma_t,
                     .pi_steps = 128};
}

TEST(Cdr, BangBangLocksFromHalfAUiAway) {
    const double sigma_v = 0.06, st = detector_jitter(sigma_v);
    auto cfg = bb_config(st);
    cfg.initial_phase_ui = 0.5;  // sampling on the crossings: the worst start
    si::rx::Cdr cdr(cfg);
    SyntheticLink link(0, 0, sigma_v, 7);
    const auto err = run_cdr(cdr, link, 60'000);
    // slew-limited pull-in: the proportional path alone moves rho*Kp UI per UI, so 0.5 UI takes
    // at most 0.5/(rho Kp) UI (the integral path only speeds it up); allow that plus two lock
    // windows and the settling of the integral path (4 / (zeta wn))
    const auto& g = cdr.gains();
    const double slew = 0.25 * g.kp;
    const double wn_per_ui = 2 * kPi * g.natural_frequency_hz / cfg.symbol_rate_bd;
    const double bound = 0.5 / slew + 2 * cfg.lock_window_ui + 4 / (g.damping * wn_per_ui);
    ASSERT_TRUE(cdr.locked());
    EXPECT_GE(cdr.lock_ui(), 0);
    EXPECT_LT(static_cast<double>(cdr.lock_ui()), bound) << "bound " << bound;
    // ... and not before the slew is over: from the UI the lock is dated at, the sampling error
    // stays within 0.1 UI (the detector's vote balance, 0.6 x transitions, rejects the slew)
    {
        double after_lock = 0;
        for (auto i = static_cast<std::size_t>(cdr.lock_ui()); i < err.size(); ++i)
            after_lock = std::max(after_lock, std::abs(err[i] - std::nearbyint(err[i])));
        EXPECT_LT(after_lock, 0.1);
        const double at_start = std::abs(err[0] - std::nearbyint(err[0]));
        EXPECT_GT(at_start, 0.4);  // it did have to slew
    }
    // locked means centred: the sampling error (mod 1 UI) is near 0 after lock
    double worst = 0;
    for (std::size_t i = static_cast<std::size_t>(bound); i < err.size(); ++i) {
        const double e = err[i] - std::nearbyint(err[i]);
        worst = std::max(worst, std::abs(e));
    }
    EXPECT_LT(worst, 0.1);  // bang-bang dither plus PI step (1/128) stay well inside 0.1 UI
    std::printf("BB CDR: sigma_t %.4f UI, Kp %.3g Ki %.3g, locked at %lld UI (bound %.0f), "
                "max |error| after %.3f UI\n", st, g.kp, g.ki, static_cast<long long>(cdr.lock_ui()),
                bound, worst);
}

TEST(Cdr, TracksA200PpmOffsetWithoutCycleSlip) {
    const double sigma_v = 0.06, st = detector_jitter(sigma_v);
    auto cfg = bb_config(st);
    cfg.frequency_offset_ppm = 200;
    cfg.initial_phase_ui = 0.2;
    si::rx::Cdr cdr(cfg);
    SyntheticLink link(0, 0, sigma_v, 8);
    const std::size_t n = 1'000'000;
    std::vector<double> phase(n);
    std::vector<double> err(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double td = cdr.data_time_ui(), te = cdr.edge_time_ui();
        const double yd = link.sample(td, 2 * i), ye = link.sample(te, 2 * i + 1);
        const auto lv = static_cast<std::uint8_t>(std::clamp(std::nearbyint((yd + 1) * 1.5), 0.0, 3.0));
        err[i] = td - static_cast<double>(i);
        phase[i] = cdr.phase_ui();
        cdr.update(yd, ye, lv);
    }
    ASSERT_TRUE(cdr.locked());
    // slope of the phase over the second half (least squares): 200e-6 UI per UI
    const std::size_t a = n / 2;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = a; i < n; ++i) {
        const double x = static_cast<double>(i - a), y = phase[i];
        sx += x; sy += y; sxx += x * x; sxy += x * y;
    }
    const double m = static_cast<double>(n - a);
    const double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
    // phi ramps at delta (1 + ...) to first order; the dither averages out over 5e5 UI: 0.5 %
    EXPECT_NEAR(slope / 200e-6, 1.0, 0.005);
    EXPECT_NEAR(cdr.frequency_ui_per_ui() / 200e-6, 1.0, 0.1);  // integral path holds the offset
    // no cycle slip: after lock the sampling error never moves by half a UI from where it locked
    const auto lock = static_cast<std::size_t>(cdr.lock_ui());
    const double ref = err[lock];
    double worst = 0;
    for (std::size_t i = lock; i < n; ++i) worst = std::max(worst, std::abs(err[i] - ref));
    EXPECT_LT(worst, 0.2);
    std::printf("200 ppm: slope %.4g UI/UI, integrator %.4g, lock at %zu UI, max drift %.3f UI\n",
                slope, cdr.frequency_ui_per_ui(), lock, worst);
}

/// |H(f)| of the loop: phase response to SJ at f [1/UI] of amplitude amp [UI].
double jitter_transfer(const CdrConfig& cfg, double f, double amp, double sigma_v, std::uint64_t seed) {
    si::rx::Cdr cdr(cfg);
    SyntheticLink link(amp, f, sigma_v, seed);
    const std::size_t settle = 30'000;
    // >= 3e5 UI (the averaging of the loop dither) and >= 20 periods, whole periods
    const double periods = std::max(20.0, std::ceil(300'000 * f));
    const auto n = static_cast<std::size_t>(std::llround(periods / f));
    const auto err = run_cdr(cdr, link, settle + n);
    double c = 0, s = 0;
    for (std::size_t i = settle; i < settle + n; ++i) {
        const double ph = 2 * kPi * f * static_cast<double>(i);
        c += err[i] * std::cos(ph);
        s += err[i] * std::sin(ph);
    }
    return 2 * std::hypot(c, s) / static_cast<double>(n) / amp;
}

TEST(Cdr, BangBangJitterTransferHasTheDesignBandwidth) {
    // linear regime: SJ amplitude a third of the detector jitter sigma_t
    const double sigma_v = 0.06, st = detector_jitter(sigma_v);
    const auto cfg = bb_config(st);
    const double fbw = cfg.bandwidth_hz / cfg.symbol_rate_bd;  // [1/UI]
    const double amp = st / 3;
    const double h_lo = jitter_transfer(cfg, 0.1 * fbw, amp, sigma_v, 1);
    const double h_08 = jitter_transfer(cfg, 0.8 * fbw, amp, sigma_v, 2);
    const double h_12 = jitter_transfer(cfg, 1.2 * fbw, amp, sigma_v, 3);
    const double h_hi = jitter_transfer(cfg, 5.0 * fbw, amp, sigma_v, 4);
    // -3 dB crossing by log interpolation between 0.8 and 1.2 f_bw
    const double r = 1 / std::sqrt(2.0);
    const double x = std::log(h_08 / r) / std::log(h_08 / h_12);
    const double fm = 0.8 * fbw * std::pow(1.2 / 0.8, x);
    std::printf("BB jitter transfer: |H| %.3f @0.1, %.3f @0.8, %.3f @1.2, %.3f @5 x f_bw; "
                "-3 dB at %.3f x design\n", h_lo, h_08, h_12, h_hi, fm / fbw);
    EXPECT_NEAR(h_lo, 1.0, 0.1);   // tracks below the bandwidth (zeta = 1: peaking < 1 dB)
    EXPECT_GT(h_08, r);            // the -3 dB point lies within +-20 % of the design value
    EXPECT_LT(h_12, r);
    EXPECT_LT(h_hi, 0.35);         // 2nd-order type-2 roll-off: ~2 zeta wn / w = 0.4 at 5 f_bw
}

TEST(Cdr, MuellerMullerLocksToTheCentreOfASymmetricPulse) {
    CdrConfig cfg{.model = "mueller_muller", .levels = 4, .kp = 2e-3, .ki = 2e-6,
                  .pi_steps = 64, .initial_phase_ui = 0.3};
    si::rx::Cdr cdr(cfg);
    SyntheticLink link(0, 0, 0.03, 9);
    const auto err = run_cdr(cdr, link, 50'000);
    // h_1 = h_-1 at the centre for a symmetric pulse: mean error ~ 0 (mod 1)
    double m = 0;
    for (std::size_t i = 40'000; i < err.size(); ++i) m += err[i] - std::nearbyint(err[i]);
    m /= 10'000;
    EXPECT_NEAR(m, 0.0, 0.03);  // PI step 1/64 = 0.016 UI and sign-MM dither
}

TEST(CdrConfig, GainsFollowTheLinearisedDesign) {
    const auto cfg = bb_config(0.03);
    const auto g = si::rx::cdr_gains(cfg);
    EXPECT_NEAR(g.bandwidth_hz / cfg.bandwidth_hz, 1.0, 1e-12);  // round trip of the formulas
    EXPECT_NEAR(g.damping, 1.0, 1e-12);
    EXPECT_NEAR(g.pd_gain_per_ui, 0.25 * std::sqrt(2 / kPi) / 0.03, 1e-12);
    SI_EXPECT_THROW_MSG(si::rx::validate(CdrConfig{.model = "pll"}), si::ConfigError, "rx.cdr.model");
    SI_EXPECT_THROW_MSG(si::rx::validate(CdrConfig{.bandwidth_hz = 0, .kp = 0}), si::ConfigError,
                        "rx.cdr.bandwidth");
}

}  // namespace

// The sampler computes an edge sample only when Cdr::uses_edge() says the detector reads it:
// two loops fed the same data and levels but opposite edge values must stay identical exactly
// when uses_edge() was false, and the edge must move the bang-bang detector otherwise.
TEST(Cdr, UsesEdgeIsExactlyWhenTheEdgeMovesTheDetector) {
    for (int levels : {2, 4, 8}) {
        for (const char* model : {"bang_bang", "mueller_muller"}) {
            si::rx::CdrConfig c;
            c.model = model;
            c.levels = levels;
            c.kp = 1.0 / 64;
            c.ki = 1.0 / 4096;
            c.pd_gain_per_ui = 1.0;
            si::rx::Cdr a(c), b(c);
            std::uint64_t state = 12345;
            int used = 0, moved = 0;
            for (int n = 0; n < 20000; ++n) {
                state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                const auto lv = static_cast<std::uint8_t>((state >> 33) % static_cast<std::uint64_t>(levels));
                const double y = -1.0 + 2.0 * lv / (levels - 1) + 0.01 * static_cast<double>((state >> 20) % 7);
                const bool u = a.uses_edge(lv);
                ASSERT_EQ(u, b.uses_edge(lv));
                a.update(y, 0.3, lv);
                b.update(y, -0.3, lv);
                if (u) {
                    ++used;
                    EXPECT_EQ(a.last_pd(), -b.last_pd()) << model << " " << levels;
                    moved += a.last_pd() != 0 ? 1 : 0;
                } else {
                    EXPECT_EQ(a.last_pd(), b.last_pd());
                }
                if (!u && std::string(model) == "bang_bang") {
                    EXPECT_EQ(a.last_pd(), 0);
                }
                if (used == 0) {  // a loop that never read a different edge is in the same state
                    EXPECT_EQ(a.phase_ui(), b.phase_ui());
                }
            }
            if (std::string(model) == "mueller_muller") {
                EXPECT_EQ(used, 0);  // baud-rate: no edge sampler at all
                EXPECT_EQ(a.phase_ui(), b.phase_ui());
            } else {
                // symmetric transitions: 1/N of random PAM-N UIs (binomial, 5 sigma)
                const double p = 1.0 / levels, n = 20000;
                EXPECT_NEAR(used, n * p, 5 * std::sqrt(n * p * (1 - p))) << levels;
                EXPECT_EQ(moved, used);
            }
        }
    }
}

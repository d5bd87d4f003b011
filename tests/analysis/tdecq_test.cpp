#include "si/analysis/tdecq.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"
#include "si/pattern/source.hpp"
#include "si_test.hpp"

namespace {
using si::analysis::TdecqConfig;
using si::analysis::TdecqPattern;
constexpr double kFb = 53.125e9, kUi = 1 / kFb;
constexpr int kSpu = 16;  // input samples per UI (a scope-like density; resampled to 64 inside)

TdecqPattern prbs13q() {
    si::pattern::PatternConfig pc;
    pc.name = "prbs13q";
    si::pattern::SymbolSource src(pc);
    TdecqPattern p{"prbs13q", std::vector<std::uint8_t>(8191)};
    src.generate(p.levels);
    return p;
}

// PAM4 power waveform: levels p0 + l * step of `periods` periods of the pattern (from index
// `start`), joined by raised-cosine transitions of `rise_ui` centred on the UI boundaries (flat
// for |t - centre| < (1 - rise_ui)/2 UI). Samples at t = (j + 0.5)/kSpu UI.
std::vector<double> pam4_wave(const TdecqPattern& p, int periods, double p0, double step, double rise_ui,
                              std::size_t start = 100) {
    const std::size_t ns = p.levels.size() * static_cast<std::size_t>(periods), per = p.levels.size();
    auto level = [&](std::size_t k) { return p0 + step * p.levels[(start + k) % per]; };
    auto s = [](double u) { return u <= 0 ? 0.0 : u >= 1 ? 1.0 : 0.5 - 0.5 * std::cos(std::numbers::pi * u); };
    std::vector<double> w(ns * kSpu);
    for (std::size_t k = 0; k < ns; ++k) {
        const double prev = level(k + per - 1), cur = level(k), next = level(k + 1);
        for (int j = 0; j < kSpu; ++j) {
            const double t = (j + 0.5) / kSpu;
            double v = cur;
            if (t < rise_ui / 2) v = prev + (cur - prev) * s((t + rise_ui / 2) / rise_ui);
            if (t > 1 - rise_ui / 2) v = cur + (next - cur) * s((t - 1 + rise_ui / 2) / rise_ui);
            w[k * kSpu + static_cast<std::size_t>(j)] = v;
        }
    }
    return w;
}

// sigma_ideal = OMA / (6 Q_t): an ideal eye with added noise s has TDECQ
// 10 log10(sigma_ideal / sqrt(sigma_ideal^2 - s^2)) (the noise uses up that much of the budget).
double tdecq_formula(double oma, double s) {
    const double si = oma / (6 * 3.414);
    return 10 * std::log10(si / std::sqrt(si * si - s * s));
}

TEST(Tdecq, IdealEyeWithoutReferenceFilterIsZeroDb) {
    const auto p = prbs13q();
    const auto w = pam4_wave(p, 2, 0.2e-3, 0.25e-3, 0.5);
    TdecqConfig c{.symbol_rate_bd = kFb, .ref_bandwidth_hz = -1};
    const std::vector<TdecqPattern> pats{p};
    const auto r = si::analysis::tdecq(w, kUi / kSpu, c, pats);
    EXPECT_EQ(r.pattern, "prbs13q");
    EXPECT_DOUBLE_EQ(r.pattern_agreement, 1.0);
    // Flat eye at 0.45/0.55 UI: sigma_G = OMA/(6 Q_t) up to the Q_t rounding (Q(3.414) vs the
    // exact root of 1.5 Q = 4.8e-4 differ by < 1e-3 in Q) and the 2000-bin histogram (OMA/500).
    EXPECT_NEAR(r.tdecq_db, 0.0, 0.01);
    // The search stays at the identity up to steps below its 1e-4 dB acceptance threshold.
    EXPECT_NEAR(r.ceq_db, 0.0, 1e-4);
    EXPECT_NEAR(r.taps[2], 1.0, 1e-3);
    // Levels: band-limited resampling of the 16 samples/UI input leaves < 1e-6 relative ripple.
    EXPECT_NEAR(r.oma_outer / 0.75e-3, 1.0, 1e-5);
    EXPECT_NEAR(r.extinction_ratio_db, 10 * std::log10(0.95 / 0.2), 1e-4);
    EXPECT_NEAR(r.rlm, 1.0, 1e-4);
    EXPECT_NEAR(r.p_ave, 0.2e-3 + 1.5 * 0.25e-3, 1e-6);  // PRBS13Q: levels nearly equiprobable
}

TEST(Tdecq, IdealEyeThroughTheReferenceReceiverIsWithinTheCeqTerm) {
    const auto p = prbs13q();
    const auto w = pam4_wave(p, 2, 0.2e-3, 0.25e-3, 0.3);
    const std::vector<TdecqPattern> pats{p};
    const auto r = si::analysis::tdecq(w, kUi / kSpu, TdecqConfig{.symbol_rate_bd = kFb}, pats);
    // The Bessel-Thomson at baud/2 adds ISI the 5-tap FFE removes at the price of Ceq: the
    // closure at the equaliser output, TDECQ - 10 log10 Ceq, stays small.
    EXPECT_NEAR(r.tdecq_db - r.ceq_db, 0.0, 0.3);
    EXPECT_GT(r.tdecq_db, -0.05);
    double sum = 0;
    for (double t : r.taps) sum += t;
    EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(Tdecq, GaussianNoiseMovesItAsTheFormulaSays) {
    const auto p = prbs13q();
    const double oma = 0.75e-3;
    const double s_ideal = oma / (6 * 3.414);
    const std::vector<TdecqPattern> pats{p};
    for (double frac : {0.3, 0.5, 0.7}) {
        auto w = pam4_wave(p, 2, 0.2e-3, 0.25e-3, 0.5);
        const double s = frac * s_ideal;
        for (std::size_t i = 0; i < w.size(); ++i) w[i] += s * si::ziggurat_gaussian(5, si::Stream::tx_noise, i);
        for (const char* eq : {"none", "5tap"}) {
            const auto r = si::analysis::tdecq(w, kUi / kSpu, TdecqConfig{.symbol_rate_bd = kFb, .equalizer = eq, .ref_bandwidth_hz = -1}, pats);
            EXPECT_NEAR(r.tdecq_db, tdecq_formula(oma, s), 0.1) << frac << " " << eq;
        }
    }
}

TEST(Tdecq, BandLimitedEyeIsOpenedByTheReferenceEqualizerAtTheCostOfCeq) {
    // A one-pole 0.3 x baud transmitter closes the eye with ISI; the 5-tap equalizer removes
    // most of it and pays Ceq > 1 for it, so TDECQ drops below the unequalized value.
    const auto p = prbs13q();
    auto w = pam4_wave(p, 2, 0.2e-3, 0.25e-3, 0.1);
    const double a = std::exp(-2 * std::numbers::pi * 0.3 * kFb * kUi / kSpu);
    double y = w[0];
    for (auto& v : w) v = y = a * y + (1 - a) * v;
    const std::vector<TdecqPattern> pats{p};
    const auto none = si::analysis::tdecq(w, kUi / kSpu, TdecqConfig{.symbol_rate_bd = kFb, .equalizer = "none"}, pats);
    const auto eq = si::analysis::tdecq(w, kUi / kSpu, TdecqConfig{.symbol_rate_bd = kFb}, pats);
    EXPECT_GT(none.tdecq_db, eq.tdecq_db + 0.5);  // measured: see docs/architectures.md
    EXPECT_GT(eq.ceq_db, 0.1);
    EXPECT_LT(eq.taps[3], 0.0);  // the post-cursor tap cancels the pole's tail
    double sum = 0;
    for (double t : eq.taps) sum += t;
    EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(Tdecq, TwoHundredGigLaneUsesTheBoundedEqualizer) {
    // 113.4375 GBd with the bounded 802.3dj reference equalizer (15 taps, main at index 3).
    constexpr double fb = 113.4375e9, ui = 1 / fb;
    const auto p = prbs13q();
    const auto w = pam4_wave(p, 2, 0.2e-3, 0.25e-3, 0.3);
    const std::vector<TdecqPattern> pats{p};
    const auto r = si::analysis::tdecq(w, ui / kSpu, TdecqConfig{.symbol_rate_bd = fb, .equalizer = "dj"}, pats);
    ASSERT_EQ(r.taps.size(), 15u);
    EXPECT_EQ(r.ffe_main, 3);
    double sum = 0;
    for (double t : r.taps) sum += t;
    EXPECT_NEAR(sum, 1.0, 1e-12);
    // Every bound of the dj equalizer holds (optics-dsp.md 3.2).
    const auto& c = r.taps;
    EXPECT_GE(c[3], 0.8);
    EXPECT_LE(c[3], 2.5);
    for (int j : {2, 4}) EXPECT_TRUE(c[static_cast<std::size_t>(j)] >= -0.4 && c[static_cast<std::size_t>(j)] <= 0.05) << j;
    for (int j : {1, 5}) EXPECT_TRUE(c[static_cast<std::size_t>(j)] >= -0.1 && c[static_cast<std::size_t>(j)] <= 0.2) << j;
    for (int j : {0, 6, 7, 8, 9, 10, 11, 12, 13, 14}) EXPECT_LE(std::abs(c[static_cast<std::size_t>(j)]), 0.1) << j;
    EXPECT_LE(std::abs(c[4] - c[2]), 0.25 * c[3]);
    EXPECT_NEAR(r.tdecq_db - r.ceq_db, 0.0, 0.3);  // clean eye: closure within the Ceq term
}

TEST(Tdecq, UnequalLevelsGiveTheSigmaOfTheSerFormula) {
    // A flat eye with mismatched inner levels (0, 0.9, 2.1, 3 steps) and no reference filter or
    // equalizer: every window sample sits on its level, so sigma_G solves
    //   sum_l f_l sum_t Q(|L_l - T_t| / s) = 4.8e-4,  thresholds T = P_ave + {-1, 0, 1} OMA/3,
    // written out here with the pattern's level frequencies f_l.
    const auto p = prbs13q();
    const double step = 0.25e-3, p0 = 0.2e-3;
    const double pos[4] = {0.0, 0.9, 2.1, 3.0};
    // Level indices with raised-cosine transitions, mapped piecewise-linearly onto the powers.
    auto w = pam4_wave(p, 2, 0.0, 1.0, 0.5);
    for (auto& v : w) {
        const auto i = std::min<std::size_t>(static_cast<std::size_t>(v), 2);
        v = p0 + step * (pos[i] + (pos[i + 1] - pos[i]) * (v - static_cast<double>(i)));
    }
    const std::vector<TdecqPattern> pats{p};
    const auto r = si::analysis::tdecq(w, kUi / kSpu, TdecqConfig{.symbol_rate_bd = kFb, .equalizer = "none",
                                                                  .ref_bandwidth_hz = -1}, pats);
    double f[4] = {0, 0, 0, 0};
    for (auto l : p.levels) f[l] += 1.0 / static_cast<double>(p.levels.size());
    const double oma = 3 * step;
    // P_ave is the mean power of the record; the uneven transitions (0<->2, 1<->3) move it
    // slightly off the mean of the levels.
    const double pave = r.p_ave;
    double pmean = 0;
    for (int l = 0; l < 4; ++l) pmean += f[l] * (p0 + step * pos[l]);
    EXPECT_NEAR(pave, pmean, 0.01 * oma);
    auto ser = [&](double s) {
        double acc = 0;
        for (int l = 0; l < 4; ++l)
            for (int t = -1; t <= 1; ++t)
                acc += f[l] * 0.5 * std::erfc(std::abs(p0 + step * pos[l] - (pave + t * oma / 3)) / (s * std::sqrt(2.0)));
        return acc;
    };
    double lo = 1e-9, hi = oma;
    for (int it = 0; it < 200; ++it) {
        const double mid = 0.5 * (lo + hi);
        (ser(mid) < 4.8e-4 ? lo : hi) = mid;
    }
    const double want = 10 * std::log10(oma / (6 * 3.414 * lo));
    EXPECT_NEAR(r.tdecq_db, want, 0.02);  // histogram bins of OMA/250 around each level
    EXPECT_GT(want, 0.5);                 // the mismatch costs a large fraction of a dB
    // ES1 = ES2 = 0.6/1.5 = 0.4: RLM = min(3 ES, 2 - 3 ES) = 0.8.
    EXPECT_NEAR(r.rlm, 0.8, 1e-3);
}

TEST(Tdecq, RefusesShortRecordsAndUnknownPatterns) {
    const auto p = prbs13q();
    const std::vector<TdecqPattern> pats{p};
    const auto w = pam4_wave(p, 2, 0.2e-3, 0.25e-3, 0.5);
    const std::vector<double> short_w(w.begin(), w.begin() + 500 * kSpu);
    SI_EXPECT_THROW_MSG((void)si::analysis::tdecq(short_w, kUi / kSpu, TdecqConfig{.symbol_rate_bd = kFb}, pats),
                        si::ModelError, "UI; TDECQ needs at least");
    // Random symbols: no detectable pattern.
    TdecqPattern rnd{"random", std::vector<std::uint8_t>(8191)};
    for (std::size_t i = 0; i < rnd.levels.size(); ++i) rnd.levels[i] = si::random_bits(9, si::Stream::pattern, i) & 3;
    const auto wr = pam4_wave(rnd, 2, 0.2e-3, 0.25e-3, 0.5);
    SI_EXPECT_THROW_MSG((void)si::analysis::tdecq(wr, kUi / kSpu, TdecqConfig{.symbol_rate_bd = kFb}, pats),
                        si::ModelError, "no detectable pattern");
    // Under-sampled.
    SI_EXPECT_THROW_MSG((void)si::analysis::tdecq(w, kUi, TdecqConfig{.symbol_rate_bd = kFb}, pats), si::ModelError,
                        "samples per UI");
}

}  // namespace

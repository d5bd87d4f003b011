// Statistical eye and SER from plain inputs: Gaussian PAM formulas, ISI by enumeration written
// out here, crosstalk as ISI from an independent source, polarity, and the eye width under SJ
// and DCD against the edge shifts they impose.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "si/analysis/stat_eye.hpp"
#include "si/core/error.hpp"
#include "si_test.hpp"

namespace {

double q(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

std::vector<double> pam_levels(int n) {
    std::vector<double> a(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) a[static_cast<std::size_t>(i)] = -1.0 + 2.0 * i / (n - 1);
    return a;
}

/// Input whose symbol-spaced samples at the cursor are `cursors` (main at index `main`), zero
/// between them, M samples per UI; thresholds midway between the levels.
si::analysis::StatEyeInput symbol_spaced(const std::vector<double>& cursors, int main, int n_levels,
                                         double sigma_v) {
    const int M = 8;
    si::analysis::StatEyeInput in;
    in.samples_per_ui = M;
    in.ui_s = 1.0 / 53.125e9;
    in.symbol_pulse.assign(cursors.size() * M, 0.0);
    for (std::size_t k = 0; k < cursors.size(); ++k) in.symbol_pulse[k * M] = cursors[k];
    in.cursor_index = main * M;
    in.level_values = pam_levels(n_levels);
    const double h0 = cursors[static_cast<std::size_t>(main)];
    for (int i = 0; i + 1 < n_levels; ++i)
        in.thresholds_v.push_back(h0 * 0.5 * (in.level_values[static_cast<std::size_t>(i)] +
                                              in.level_values[static_cast<std::size_t>(i + 1)]));
    in.sampler_noise_sigma_v = sigma_v;
    return in;
}

TEST(StatEye, NoIsiIsTheGaussianPamFormula) {
    for (int n : {2, 4, 8}) {
        for (double snr : {3.0, 4.5}) {  // half-eye over sigma: SER ~1e-3 and ~1e-5
            const double h0 = 0.4, s = h0 / (n - 1) / snr;
            const auto in = symbol_spaced({0.0, h0, 0.0}, 1, n, s);
            const auto r = si::analysis::statistical_ser(in);
            const double qe = q(h0 / (n - 1) / s);
            EXPECT_NEAR(r.ser / (2.0 * (n - 1) / n * qe), 1.0, 1e-4) << n << " " << s;
            EXPECT_NEAR(r.level_ser.front() / qe, 1.0, 1e-4);
            if (n > 2) {
                EXPECT_NEAR(r.level_ser[1] / (2 * qe), 1.0, 1e-4);
            }
            EXPECT_NEAR(r.noise_sigma_v, s, 1e-15);
            EXPECT_NEAR(r.ber, r.ser / std::log2(n), 1e-18);
        }
    }
    auto in = symbol_spaced({0.0, 0.4, 0.0}, 1, 4, 0.05);
    in.precode = true;  // a symbol error becomes two
    EXPECT_NEAR(si::analysis::statistical_ser(in).ber, si::analysis::statistical_ser(in).ser, 1e-18);
}

TEST(StatEye, DeepTailsAreResolved) {
    // Each tail is summed from its own small terms (no 1 - CDF): an SER of ~1e-12 and ~6e-16
    // still follows the Gaussian formula, in both tails (the outer levels have one each). (The
    // kernel ends at 9 sigma: at 8 sigma that cuts Q(9)/Q(8) = 1.8e-4 of the tail; before this,
    // 1 - CDF gave -15x the value at 8 sigma.)
    for (double snr : {7.0, 8.0}) {
        const double h0 = 0.4, s = h0 / 3 / snr;
        const auto r = si::analysis::statistical_ser(symbol_spaced({0.0, h0, 0.0}, 1, 4, s));
        const double qe = q(snr);
        EXPECT_NEAR(r.level_ser.front() / qe, 1.0, 1e-3) << snr;  // upper tail only
        EXPECT_NEAR(r.level_ser.back() / qe, 1.0, 1e-3) << snr;   // lower tail only
        EXPECT_NEAR(r.ser / (1.5 * qe), 1.0, 1e-3) << snr;
    }
}

TEST(StatEye, IsiCacheGivesTheSameBitsAcrossNoiseAndCursor) {
    // The ISI part kept across calls that differ in noise and cursor gives the same results as
    // fresh calls, to the bit; an input with another pulse is refused.
    auto in = symbol_spaced({0.03, 0.08, 0.5, 0.15, -0.04, 0.01}, 2, 4, 0.01);
    si::analysis::StatEyeIsiCache cache;
    for (double s : {0.01, 0.02, 0.005, 0.01}) {
        in.sampler_noise_sigma_v = s;
        const auto a = si::analysis::statistical_eye(in, 1e-6, &cache);
        const auto b = si::analysis::statistical_eye(in, 1e-6);
        ASSERT_EQ(a.height_vs_time_v.size(), b.height_vs_time_v.size());
        for (std::size_t i = 0; i < a.height_vs_time_v.size(); ++i)
            EXPECT_TRUE(a.height_vs_time_v[i] == b.height_vs_time_v[i] ||
                        (std::isnan(a.height_vs_time_v[i]) && std::isnan(b.height_vs_time_v[i])))
                << s << " " << i;
        EXPECT_EQ(si::analysis::statistical_ser(in, &cache).ser, si::analysis::statistical_ser(in).ser) << s;
    }
    const std::size_t held = cache.size();
    EXPECT_GT(held, 0u);
    in.cursor_index += 8;  // one UI later (M = 8): shares the phases it overlaps
    (void)si::analysis::statistical_eye(in, 1e-6, &cache);
    EXPECT_GT(cache.size(), held);
    EXPECT_LT(cache.size(), 2 * held);
    auto other = in;
    other.symbol_pulse[0] = 0.031;
    EXPECT_THROW((void)si::analysis::statistical_eye(other, 1e-6, &cache), std::logic_error);
}

TEST(StatEye, IsiSerMatchesEnumeration) {
    // PAM4, pre-cursor 0.06, main 0.5, post-cursors 0.15 and -0.04: 64 ISI combinations
    const std::vector<double> c{0.06, 0.5, 0.15, -0.04};
    const double s = 0.03;
    const auto a = pam_levels(4);
    double ser = 0;
    for (int i = 0; i < 4; ++i)           // sent level
        for (int j = 0; j < 64; ++j) {    // neighbours
            const double y = c[0] * a[j % 4] + c[2] * a[(j / 4) % 4] + c[3] * a[j / 16];
            const double x = a[i] * c[1] + y;
            double pe = 0;
            if (i > 0) pe += q((x - c[1] * (a[i] + a[i - 1]) / 2) / s);
            if (i < 3) pe += q((c[1] * (a[i] + a[i + 1]) / 2 - x) / s);
            ser += pe / 4 / 64;
        }
    const auto r = si::analysis::statistical_ser(symbol_spaced(c, 1, 4, s));
    EXPECT_NEAR(r.ser / ser, 1.0, 1e-4);
    // the ISI costs: more than 10x the ISI-free SER
    EXPECT_GT(r.ser, 10 * si::analysis::statistical_ser(symbol_spaced({0, 0.5, 0, 0}, 1, 4, s)).ser);
}

TEST(StatEye, CrosstalkIsIsiFromAnIndependentSource) {
    // an aggressor cursor 0.12 at the sampling phase (any whole number of UI away) acts like a
    // victim post-cursor 0.12
    const double s = 0.02;
    const auto isi = si::analysis::statistical_ser(symbol_spaced({0, 0.5, 0.12}, 1, 4, s));
    auto in = symbol_spaced({0, 0.5, 0}, 1, 4, s);
    std::vector<double> ag(5 * 8, 0.0);
    ag[3 * 8] = 0.12;
    in.aggressor_pulses.push_back(ag);
    const auto xt = si::analysis::statistical_ser(in);
    EXPECT_DOUBLE_EQ(xt.ser, isi.ser);
    EXPECT_GT(xt.ser, 3 * si::analysis::statistical_ser(symbol_spaced({0, 0.5, 0}, 1, 4, s)).ser);
    // off the sampling phase it is not seen at the instant
    std::vector<double> off(5 * 8, 0.0);
    off[3 * 8 + 4] = 0.12;
    in.aggressor_pulses = {off};
    EXPECT_DOUBLE_EQ(si::analysis::statistical_ser(in).ser,
                     si::analysis::statistical_ser(symbol_spaced({0, 0.5, 0}, 1, 4, s)).ser);
}

TEST(StatEye, EyeHeightIsTheMixtureQuantile) {
    // NRZ, main 0.5, post-cursor 0.1, sigma 0.02: Y = +-0.1 + n, its lower quantile y at p solves
    // (Phi((y - 0.1)/s) + Phi((y + 0.1)/s)) / 2 = p; the eye height is 2 h0 + 2 y
    const double h0 = 0.5, h1 = 0.1, s = 0.02, p = 1e-6;
    auto below = [&](double y) { return 0.5 * (q((h1 - y) / s) + q((-h1 - y) / s)); };
    double lo = -1, hi = 0;
    for (int i = 0; i < 200; ++i) (below(0.5 * (lo + hi)) < p ? lo : hi) = 0.5 * (lo + hi);
    const double expect = 2 * h0 + 2 * lo;
    const auto e = si::analysis::statistical_eye(symbol_spaced({0, h0, h1, 0}, 1, 2, s), p);
    ASSERT_EQ(e.eye_height_v.size(), 1u);
    ASSERT_EQ(e.height_vs_time_v.size(), 16u);
    // grid step 2 (0.1 + 9 s) / 2047 = 2.7e-4 V (measured error 7e-6 V)
    EXPECT_NEAR(e.eye_height_v[0], expect, 1e-4);
    EXPECT_EQ(e.eye_height_v[0], e.height_vs_time_v[8]);
}

TEST(StatEye, PolarityDoesNotChangeTheEye) {
    // the sub-eyes follow the main cursor's sign (statistical_ser does not: it takes level i
    // between thresholds_v[i-1] and thresholds_v[i], a positive main cursor)
    auto in = symbol_spaced({0.02, 0.5, 0.06, -0.02}, 1, 4, 0.01);
    const auto e = si::analysis::statistical_eye(in, 1e-5);
    for (auto& v : in.symbol_pulse) v = -v;
    for (auto& t : in.thresholds_v) t = -t;
    std::reverse(in.thresholds_v.begin(), in.thresholds_v.end());
    const auto en = si::analysis::statistical_eye(in, 1e-5);
    ASSERT_EQ(en.eye_height_v.size(), 3u);
    for (int s = 0; s < 3; ++s)  // sub-eye s of the inverted pulse is sub-eye 2-s of the original
        EXPECT_NEAR(en.eye_height_v[static_cast<std::size_t>(s)],
                    e.eye_height_v[static_cast<std::size_t>(2 - s)], 1e-6);
    // open: 2/3 h0 - 2 (0.02 + 0.06 + 0.02) - 2 Q^-1 sigma ~ 0.333 - 0.2 - 0.09
    EXPECT_GT(e.eye_height_v[1], 0.02);
    EXPECT_LT(e.eye_height_v[1], 0.14);
}

/// NRZ through a Gaussian impulse of std 0.1 UI (no ISI beyond the adjacent edges): transitions
/// cross zero at the edges, so the noiseless eye is 1 UI wide.
si::analysis::StatEyeInput gaussian_edges() {
    const int M = 32, L = 6 * M;
    const double ts = 0.1 * M;  // impulse std in samples
    si::analysis::StatEyeInput in;
    in.samples_per_ui = M;
    in.ui_s = 1.0 / 53.125e9;
    in.impulse.resize(L);
    for (int n = 0; n < L; ++n) {
        const double t = (n - 2.0 * M) / ts;
        in.impulse[static_cast<std::size_t>(n)] = std::exp(-0.5 * t * t) / (ts * std::sqrt(2 * 3.141592653589793));
    }
    // unit pulse by the trapezoid rule, as the DCD pulses are built: S(n - 1/2) - S(n - M - 1/2)
    std::vector<double> S(L);
    double acc = 0;
    for (int n = 0; n < L; ++n) S[static_cast<std::size_t>(n)] = (acc += in.impulse[static_cast<std::size_t>(n)]);
    in.unit_pulse.resize(L);
    for (int n = 0; n < L; ++n) {
        auto s_half = [&](int k) {  // S(k - 1/2), linear between taps, 0 before the first
            return k >= 1 ? 0.5 * (S[static_cast<std::size_t>(k)] + S[static_cast<std::size_t>(k - 1)]) : 0.0;
        };
        const double a = s_half(n), b = s_half(n - M);
        in.unit_pulse[static_cast<std::size_t>(n)] = a - b;
    }
    in.tx_swing_v = 0.8;
    in.symbol_pulse = in.unit_pulse;
    for (auto& v : in.symbol_pulse) v *= in.tx_swing_v / 2;
    in.cursor_index = 2 * M + M / 2;  // middle of the symbol
    in.level_values = {-1.0, 1.0};
    in.thresholds_v = {0.0};
    return in;
}

TEST(StatEye, CurveFreeEyeGivesTheSameHeightsAndWidths) {
    // curve = false (a sweep point that keeps only scalars) computes fewer offsets; the heights,
    // widths and every offset it computes are the same bits as the whole curve's.
    auto open = gaussian_edges();  // ~1 UI wide: the widths reach past +-M/2
    auto sj = open;
    sj.jitter.sj_amp_ui = 0.1;
    sj.jitter.dcd_ui = 0.05;  // mixture quantiles
    auto isi = symbol_spaced({0.03, 0.08, 0.5, 0.15, -0.04, 0.01}, 2, 4, 0.01);
    for (const si::analysis::StatEyeInput* in : {&open, &sj, &isi}) {
        const auto full = si::analysis::statistical_eye(*in, 1e-6);
        const auto lean = si::analysis::statistical_eye(*in, 1e-6, nullptr, false);
        ASSERT_EQ(full.eye_height_v.size(), lean.eye_height_v.size());
        for (std::size_t s = 0; s < full.eye_height_v.size(); ++s) {
            EXPECT_EQ(0, std::memcmp(&full.eye_height_v[s], &lean.eye_height_v[s], sizeof(double))) << s;
            EXPECT_EQ(0, std::memcmp(&full.eye_width_ui[s], &lean.eye_width_ui[s], sizeof(double))) << s;
        }
        ASSERT_EQ(full.height_vs_time_v.size(), lean.height_vs_time_v.size());
        std::size_t skipped = 0;
        for (std::size_t i = 0; i < full.height_vs_time_v.size(); ++i) {
            if (std::isnan(lean.height_vs_time_v[i])) {
                skipped += std::isfinite(full.height_vs_time_v[i]) ? 1 : 0;
                continue;
            }
            EXPECT_EQ(full.height_vs_time_v[i], lean.height_vs_time_v[i]) << i;
        }
        EXPECT_GT(skipped, 0u);  // it did leave offsets out
    }
    const auto w = si::analysis::statistical_eye(open, 1e-6, nullptr, false).eye_width_ui.at(0);
    EXPECT_GT(w, 0.9);  // wider than the +-M/2 window the lean eye starts from
}

TEST(StatEye, SinusoidalJitterNarrowsTheEyeByItsLargestShift) {
    auto in = gaussian_edges();
    const double w0 = si::analysis::statistical_eye(in, 1e-6).eye_width_ui.at(0);
    EXPECT_NEAR(w0, 1.0, 0.002);  // 1/M = 0.03 UI bins, zero crossing interpolated
    // SJ on 16 arcsine points: largest shift A sin(2 pi 3.5/16); below 1/16 the eye must be open
    // in every component, so the width loses twice that shift
    const double A = 0.1;
    in.jitter.sj_amp_ui = A;
    const double w = si::analysis::statistical_eye(in, 1e-6).eye_width_ui.at(0);
    EXPECT_NEAR(w0 - w, 2 * A * std::sin(2 * 3.141592653589793 * 3.5 / 16), 0.002);
}

TEST(StatEye, DutyCycleDistortionNarrowsTheEyeByDcd) {
    auto in = gaussian_edges();
    const double w0 = si::analysis::statistical_eye(in, 1e-6).eye_width_ui.at(0);
    // even edges early by dcd/2, odd late: half the symbols are dcd shorter, at both ends
    for (double dcd : {0.05, 0.1}) {
        in.jitter.dcd_ui = dcd;
        const double w = si::analysis::statistical_eye(in, 1e-6).eye_width_ui.at(0);
        EXPECT_NEAR(w0 - w, dcd, 0.002) << dcd;
    }
}

TEST(StatEye, RandomJitterAddsGaussianNoise) {
    auto in = gaussian_edges();
    in.sampler_noise_sigma_v = 0.001;
    const auto r0 = si::analysis::statistical_ser(in);
    in.jitter.rj_rms_ui = 0.02;
    const auto r = si::analysis::statistical_ser(in);
    // at mid-symbol the impulse (std 0.1 UI) has decayed: edge jitter barely reaches the sample
    EXPECT_LT(r.noise_sigma_v - r0.noise_sigma_v, 1e-6);
    // half a UI earlier (at an edge) it does: slope swing/2 * h(0) per second times tau
    in.cursor_index -= in.samples_per_ui / 2;
    in.jitter.rj_rms_ui = 0;
    const double s0 = si::analysis::statistical_ser(in).noise_sigma_v;
    in.jitter.rj_rms_ui = 0.02;
    const double s1 = si::analysis::statistical_ser(in).noise_sigma_v;
    const double slope_v_per_ui = in.tx_swing_v / 2 * in.impulse[2 * 32] * 32;  // one edge
    // E[dx^2] = E[(a_k - a_{k-1})^2] = 2 for NRZ: rms = sqrt2 * slope * rj
    EXPECT_NEAR(std::sqrt(s1 * s1 - s0 * s0), std::sqrt(2.0) * slope_v_per_ui * 0.02,
                0.01 * slope_v_per_ui * 0.02);
}

TEST(StatEye, RejectsInconsistentInput) {
    auto in = symbol_spaced({0, 0.5, 0}, 1, 4, 0.01);
    auto bad = in;
    bad.thresholds_v.pop_back();
    EXPECT_THROW((void)si::analysis::statistical_ser(bad), si::ConfigError);
    bad = in;
    bad.cursor_index = static_cast<int>(bad.symbol_pulse.size());
    EXPECT_THROW((void)si::analysis::statistical_ser(bad), si::ConfigError);
    bad = in;
    bad.jitter.dcd_ui = 0.1;  // DCD needs the impulse response
    EXPECT_THROW((void)si::analysis::statistical_eye(bad, 1e-6), si::ConfigError);
    try {
        (void)si::analysis::statistical_eye(in, 0.7);
        FAIL();
    } catch (const si::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("target_ber"), std::string::npos);
    }
}

}  // namespace

// DFE: counted SER with solved taps against the exact SER of the residual ISI plus noise; LMS
// adapting to the post-cursors; floating-tap placement; error propagation bursts and what the
// 802.3 1/(1+D) mod 4 precoder makes of them.
#include <cmath>
#include <vector>

#include "rx_sim.hpp"
#include "si/analysis/burst.hpp"
#include "si/analysis/detector_ser.hpp"
#include "si/pattern/mapping.hpp"
#include "si/rx/dfe.hpp"
#include "si_test.hpp"

namespace {

using si::rx::DfeConfig;

double q(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

/// Counted SER of a DFE on the symbol channel h (cursor c) with noise sigma.
struct Run {
    std::uint64_t errors = 0, n = 0;
    std::vector<std::uint8_t> sent, decided;
};
Run run_dfe(const DfeConfig& cfg, const si::rx::DfeTaps& taps, const std::vector<double>& h, int c,
            double sigma, std::size_t n, std::uint64_t seed, std::size_t skip = 0) {
    Run r;
    r.sent = si::testing::random_levels(n, cfg.levels, seed);
    const auto x = si::testing::symbol_channel(r.sent, cfg.levels, h, c, sigma, seed + 1);
    si::rx::Dfe dfe(cfg, taps);
    r.decided.resize(n);
    std::vector<double> z(n);
    dfe.process(x, r.decided, z);
    for (std::size_t i = skip; i + 8 < n; ++i) {
        r.errors += r.sent[i] != r.decided[i];
        ++r.n;
    }
    return r;
}

TEST(Dfe, SolvedTapsCountedSerEqualsResidualIsiTheory) {
    // pre-cursor 0.04, cursor 1, post-cursors 0.15 0.08 (cancelled by 2 taps), 0.04, -0.03 left
    const std::vector<double> h{0.04, 1.0, 0.15, 0.08, 0.04, -0.03};
    const int c = 1;
    const double sigma = 0.1;
    const DfeConfig cfg{.levels = 4, .taps = 2, .mode = "solve"};
    const auto taps = si::rx::solve_dfe(cfg, h, c);
    ASSERT_EQ(taps.b.size(), 2u);
    EXPECT_NEAR(taps.b[0], 0.15, 1e-12);
    EXPECT_NEAR(taps.b[1], 0.08, 1e-12);
    const auto r = run_dfe(cfg, taps, h, c, sigma, 1'000'000, 5, 16);
    // theory written out here: the 4^3 residual ISI combinations, Gaussian noise, thresholds at
    // +-1/3 around each level (inner levels two-sided)
    const double res[3] = {0.04, 0.04, -0.03};
    double ser = 0;
    for (int i = 0; i < 64; ++i) {
        double y = 0;
        for (int k = 0, m = i; k < 3; ++k, m /= 4) y += res[k] * si::testing::level_value(m % 4, 4);
        ser += (q((1.0 / 3 + y) / sigma) + q((1.0 / 3 - y) / sigma)) * 0.75 / 64;
    }
    // error propagation at b1 = 0.15 raises the SER by ~1 % (an error moves the next sample by
    // 0.1 against a 1/3 half-eye): inside the 5-sigma binomial band (~11 % here)
    EXPECT_TRUE(si::testing::within_binomial(r.errors, r.n, ser))
        << "counted " << r.errors << " of " << r.n << ", theory " << ser;
    // the library's statistical SER (grid convolution) agrees with the enumeration
    EXPECT_NEAR(si::analysis::ser_ffe_dfe(h, c, 2, sigma, 4) / ser, 1.0, 0.01);
    EXPECT_GT(r.errors, 1000u);  // the check has statistical power
}

TEST(Dfe, LmsAdaptsToThePostCursors) {
    const std::vector<double> h{0.0, 0.8, 0.4, 0.12, -0.05};
    const int c = 1;
    DfeConfig cfg{.levels = 4, .taps = 3, .mode = "lms", .mu = 2e-3};
    // start from zero taps: the eye is closed (b1 = 0.5) but LMS with mostly-right decisions
    // still pulls the taps in
    const auto t0 = si::rx::dfe_taps_from_config(cfg, 0.8);
    const auto lv = si::testing::random_levels(200'000, 4, 9);
    const auto x = si::testing::symbol_channel(lv, 4, h, c, 0.02, 10);
    si::rx::Dfe dfe(cfg, t0);
    std::vector<std::uint8_t> d(x.size());
    std::vector<double> z(x.size());
    dfe.process(x, d, z);
    const auto& b = dfe.taps().b;
    // mu = 2e-3: tap noise ~ sqrt(mu/2) * (sigma/h0) ~ 1e-3; 0.01 is 10 of those
    EXPECT_NEAR(b[0], 0.5, 0.01);
    EXPECT_NEAR(b[1], 0.15, 0.01);
    EXPECT_NEAR(b[2], -0.0625, 0.01);
    std::uint64_t err = 0;
    for (std::size_t i = 100'000; i < x.size(); ++i) err += d[i] != lv[i];
    EXPECT_EQ(err, 0u);  // noise 0.02 against a 1/3 half-eye: Q(16)
}

TEST(Dfe, FloatingGroupsGoWhereTheReflectionIs) {
    std::vector<double> f(60, 0.0);
    f[0] = 1.0;
    f[1] = 0.3;
    f[2] = 0.1;
    f[25] = 0.02;
    f[26] = 0.06;  // a reflection around 26 UI
    f[27] = 0.05;
    f[28] = 0.01;
    f[40] = -0.04;  // and a smaller one at 40
    f[41] = -0.03;
    DfeConfig cfg{.levels = 4, .taps = 2, .mode = "solve", .float_groups = 2, .float_group_size = 3,
                  .float_span_ui = 50, .tap_min = {0.0, -0.1}, .tap_max = {0.25, 0.1},
                  .float_tap_max = 0.05};
    const auto t = si::rx::solve_dfe(cfg, f, 0);
    const std::vector<int> want{1, 2, 25, 26, 27, 39, 40, 41};
    EXPECT_EQ(t.delays, want);
    EXPECT_DOUBLE_EQ(t.b[0], 0.25);   // b1 = 0.3 clamped to its limit
    EXPECT_DOUBLE_EQ(t.b[1], 0.1);
    EXPECT_DOUBLE_EQ(t.b[3], 0.05);   // floating tap 0.06 clamped to float_tap_max
    EXPECT_DOUBLE_EQ(t.b[7], -0.03);
    // and the detector runs with the non-contiguous delays (ring history up to 41 UI)
    si::rx::Dfe dfe(cfg, t);
    const auto lv = si::testing::random_levels(20'000, 4, 3);
    const auto x = si::testing::symbol_channel(lv, 4, f, 0, 0.0, 0);
    std::vector<std::uint8_t> d(x.size());
    std::vector<double> z(x.size());
    dfe.process(x, d, z);
    // residual after cancellation: b1 short by 0.05, f[28] = 0.01 and the clamped 0.01 at 26:
    // worst case 0.05 + 0.1... < 1/3, so noiseless decisions are all right
    std::uint64_t err = 0;
    for (std::size_t i = 0; i < x.size(); ++i) err += d[i] != lv[i];
    EXPECT_EQ(err, 0u);
}

TEST(Dfe, ErrorPropagationBurstsAndPrecodingPairs) {
    // high b1 (0.75, under the 0.85 COM limit): an error of one level moves the next sample by
    // 0.5 against a 1/3 half-eye, so errors propagate with alternating sign
    const std::vector<double> h{1.0, 0.75};
    const double sigma = 0.11;
    const std::size_t n = 1'000'000;
    const DfeConfig cfg{.levels = 4, .taps = 1, .mode = "fixed", .coefficients = {0.75}};
    const auto taps = si::rx::dfe_taps_from_config(cfg, 1.0);
    for (bool precode : {false, true}) {
        si::pattern::PamMapper map(4, true, precode);
        si::pattern::PamDemapper dm_tx(4, true, precode), dm_rx(4, true, precode);
        std::vector<std::uint8_t> data(n), lv(n);
        for (std::size_t i = 0; i < n; ++i) {
            data[i] = static_cast<std::uint8_t>(si::random_bits(31, si::Stream::pattern, i) & 3);
            lv[i] = map.map(data[i]);
        }
        const auto x = si::testing::symbol_channel(lv, 4, h, 0, sigma, 32);
        si::rx::Dfe dfe(cfg, taps);
        std::vector<std::uint8_t> dec(n), got(n);
        std::vector<double> z(n);
        dfe.process(x, dec, z);
        for (std::size_t i = 0; i < n; ++i) got[i] = static_cast<std::uint8_t>(dm_rx.demap(dec[i]));
        si::analysis::BurstCounter bc(16, 64);
        bc.add(data, got);
        bc.finish();
        const auto& cnt = bc.error_count_histogram();
        const auto& len = bc.length_histogram();
        ASSERT_GT(bc.bursts(), 300u);
        std::uint64_t longer = 0, more_than_two = 0;
        for (std::size_t L = 2; L < len.size(); ++L) longer += len[L];
        for (std::size_t k = 3; k < cnt.size(); ++k) more_than_two += cnt[k];
        const double frac2 = static_cast<double>(cnt[2]) / static_cast<double>(bc.bursts());
        if (!precode) {
            // propagation: a large share of bursts are longer than one symbol, many with > 2 errors
            EXPECT_GT(static_cast<double>(longer) / static_cast<double>(bc.bursts()), 0.5);
            EXPECT_GT(static_cast<double>(more_than_two) / static_cast<double>(bc.bursts()), 0.3);
        } else {
            // 802.3 120.5.7.2: the precoder turns each alternating burst into two errors (its
            // first symbol and the one after it); the rest are bursts broken by a two-level error
            EXPECT_GT(frac2, 0.9) << "pairs " << cnt[2] << " of " << bc.bursts();
            EXPECT_LT(static_cast<double>(more_than_two) / static_cast<double>(bc.bursts()), 0.05);
        }
    }
}

TEST(DfeConfig, RejectsBadValues) {
    SI_EXPECT_THROW_MSG(si::rx::validate(DfeConfig{.taps = 2, .mode = "fixed", .coefficients = {0.1}}),
                        si::ConfigError, "rx.dfe.coefficients");
    SI_EXPECT_THROW_MSG(si::rx::validate(DfeConfig{.mode = "zf"}), si::ConfigError, "rx.dfe.mode");
    SI_EXPECT_THROW_MSG(si::rx::validate(DfeConfig{.taps = 4, .mode = "solve", .float_groups = 2,
                                                   .float_group_size = 3, .float_span_ui = 8}),
                        si::ConfigError, "rx.dfe.float_span");
}

}  // namespace

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "si/analysis/eye.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"

namespace {

// Feeds an eye with PAM4 levels held over the whole UI plus Gaussian noise sigma.
si::analysis::EyeAccumulator noisy_eye(double sigma, std::size_t n_ui) {
    const int M = 8;
    si::analysis::EyeAccumulator eye(4, M, 1024, -0.8, 0.8);
    std::vector<float> w(M);
    for (std::size_t k = 0; k < n_ui; ++k) {
        const int lk = static_cast<int>(si::random_bits(1, si::Stream::pattern, k) % 4);
        const int ln = static_cast<int>(si::random_bits(1, si::Stream::pattern, k + 1) % 4);
        for (int r = 0; r < M; ++r) {
            const int l = r < M / 2 ? lk : ln;  // transition half way to the next instant
            w[r] = static_cast<float>(-0.5 + l / 3.0 + sigma * si::ziggurat_gaussian(1, si::Stream::rx_noise, k * M + r));
        }
        eye.add_ui(w.data(), lk, ln);
    }
    return eye;
}

TEST(EyeAccumulator, LevelsAndGaussianHeight) {
    const double sigma = 0.01;
    const auto eye = noisy_eye(sigma, 200000);
    const auto m = eye.metrics(5e-3);  // 250 tail samples per column: the counted regime
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(m.levels_v[i], -0.5 + i / 3.0, 2e-4);
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(m.level_sigma_v[i], sigma, 3e-4);
    const double want = 1.0 / 3 - 2 * si::q_inverse(5e-3) * sigma;  // level spacing - 2 Q^-1 sigma
    for (double h : m.eye_height_v) EXPECT_NEAR(h, want, 0.003);
    EXPECT_TRUE(m.target_reached);
    EXPECT_EQ(m.ber_reached, 5e-3);
    EXPECT_NEAR(m.rlm, 1.0, 0.005);
    // Below what the counts support the histogram claims nothing at the target (NaN) and reports
    // the deepest BER it can read, kMinTailCount / (samples per column), with the heights there.
    const auto m9 = eye.metrics(1e-9);
    EXPECT_FALSE(m9.target_reached);
    for (double h : m9.eye_height_v) EXPECT_TRUE(std::isnan(h));
    for (double w : m9.eye_width_ui) EXPECT_TRUE(std::isnan(w));
    EXPECT_TRUE(std::isnan(m9.vec_db));
    const double per_column = 200000.0 / 4;  // uniform levels: ~n/4 windows per level column
    EXPECT_NEAR(m9.ber_reached, si::analysis::kMinTailCount / per_column, 0.05 * m9.ber_reached);
    const double want_r = 1.0 / 3 - 2 * si::q_inverse(m9.ber_reached) * sigma;
    // 10-sample tail quantile: its count scatters by sqrt(10), i.e. ~0.1 sigma in voltage
    for (double h : m9.eye_height_at_reached_v) EXPECT_NEAR(h, want_r, 0.4 * sigma);
}

TEST(EyeAccumulator, TransitionsHalfAUiAwayGiveOneUiWidth) {
    // Each symbol holds from half a UI before its instant to half a UI after (transitions at
    // +-1/2 UI, ideal edges), so the eye is open over [-1/2, +1/2) UI: width 1 UI to a bin.
    const auto eye = noisy_eye(0.002, 20000);
    const auto m = eye.metrics(4e-3);  // 20 tail samples per column: read from the data
    for (double w : m.eye_width_ui) EXPECT_NEAR(w, 1.0, 1.0 / 8 + 0.01);
}

TEST(EyeAccumulator, MergeEqualsOneAccumulator) {
    const auto a = noisy_eye(0.01, 5000);
    auto b = noisy_eye(0.01, 2000);
    const auto c = noisy_eye(0.01, 5000);
    b.merge(c);
    // merge adds counts exactly
    const auto hb = b.histogram();
    const auto hc = c.histogram();
    const auto h2 = noisy_eye(0.01, 2000).histogram();
    for (std::size_t i = 0; i < hb.size(); ++i) ASSERT_EQ(hb[i], hc[i] + h2[i]);
    EXPECT_EQ(b.windows(), 7000u);
    (void)a;
}

TEST(EyeAccumulator, NonFiniteAndHugeSamplesGoToEdgeBinsWithoutOverflow) {
    // Casting inf/NaN/1e30 to an integer bin or to the 64-bit fixed-point level sum is UB (the
    // UBSan job runs this test); they must land in the edge bins, counted as clipped.
    si::analysis::EyeAccumulator eye(2, 4, 16, -0.1, 0.1);
    const float inf = std::numeric_limits<float>::infinity();
    const float w1[4] = {inf, -inf, std::nanf(""), 1e30f};
    eye.add_ui(w1, 1, 0);
    const float w2[4] = {-1e30f, 0.0f, 0.0f, 0.0f};
    eye.add_ui(w2, 0, 1);
    EXPECT_EQ(eye.clipped(), 5u);
    const auto h = eye.histogram();
    std::uint64_t total = 0, top = 0, bottom = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        total += h[i];
        if (i / 8 == 15) top += h[i];   // voltage row 15 (time bins 0..7)
        if (i / 8 == 0) bottom += h[i];
    }
    EXPECT_EQ(total, 16u);
    EXPECT_EQ(top, 4u);     // +inf and 1e30, two windows each
    EXPECT_EQ(bottom, 6u);  // -inf, NaN and -1e30
    const auto m = eye.metrics(1e-3);
    for (double v : m.levels_v) EXPECT_TRUE(std::isfinite(v)) << v;  // clamped sums stay finite
}

TEST(EyeAccumulator, ClippedSamplesAreCounted) {
    si::analysis::EyeAccumulator eye(2, 4, 16, -0.1, 0.1);
    const float w[4] = {0.5f, 0.0f, -0.5f, 0.05f};
    eye.add_ui(w, 1, 0);
    EXPECT_EQ(eye.clipped(), 2u);
    std::uint64_t total = 0;
    for (auto v : eye.histogram()) total += v;
    EXPECT_EQ(total, 8u);  // each sample lands in two windows
}

}  // namespace

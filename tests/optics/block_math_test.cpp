#include "si/optics/block_math.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

// Arguments spread over many decades of magnitude, both signs, plus edge values.
std::vector<double> log_spread(std::size_t n, double lo_exp, double hi_exp) {
    std::vector<double> x;
    for (std::size_t i = 0; i < n; ++i) {
        const double e = lo_exp + (hi_exp - lo_exp) * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
        x.push_back(std::pow(10.0, e) * (i % 2 ? -1.0 : 1.0));
    }
    for (double v : {0.0, -0.0, 19.0, 20.0, 25.0, -25.0, 1e300, -1e300, 0.34657359, 0.6931471805599453})
        x.push_back(v);
    return x;
}

double rel(double a, double b) { return b == 0 ? std::abs(a) : std::abs(a - b) / std::abs(b); }

TEST(BlockMath, TanhWithinFewUlpOfStdTanh) {
    const auto x = log_spread(200'000, -12, 3);
    std::vector<double> y(x.size());
    for (double l : {1.0, 0.3, 2.7}) {
        si::optics::tanh_block(x.data(), y.data(), x.size(), l, 1 / l);
        double worst = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            worst = std::max(worst, rel(y[i], l * std::tanh(x[i] / l)));
            ASSERT_EQ(std::signbit(y[i]), std::signbit(x[i])) << x[i];
            ASSERT_LE(std::abs(y[i]), l) << x[i];
        }
        EXPECT_LT(worst, 2e-15) << l;
    }
}

TEST(BlockMath, TanhIsOddAndMonotonic) {
    std::vector<double> x(20001), y(x.size()), ym(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = -10 + 1e-3 * static_cast<double>(i);
    si::optics::tanh_block(x.data(), y.data(), x.size(), 1.0, 1.0);
    for (auto& v : x) v = -v;
    si::optics::tanh_block(x.data(), ym.data(), x.size(), 1.0, 1.0);
    for (std::size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(y[i], -ym[i]);
        if (i > 0) {
            EXPECT_GE(y[i], y[i - 1]);
        }
    }
}

TEST(BlockMath, ExpWithinFewUlpOfStdExp) {
    std::vector<double> x;
    for (int i = 0; i <= 400'000; ++i) x.push_back(-40.0 * i / 400'000.0);
    for (double v : {-1e-300, -1e-12, -0.34657359, -699.0, -800.0, -1e300}) x.push_back(v);
    std::vector<double> y(x.size());
    si::optics::exp_block(x.data(), y.data(), x.size(), 0.7);
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i] < -700) {
            EXPECT_EQ(y[i], 0.0);
            continue;
        }
        worst = std::max(worst, rel(y[i], 0.7 * std::exp(x[i])));
    }
    EXPECT_LT(worst, 2e-15);
}

TEST(BlockMath, InPlaceAndBlockSplitGiveTheSameValues) {
    const auto x = log_spread(5000, -6, 2);
    std::vector<double> a(x.size()), b = x;
    si::optics::tanh_block(x.data(), a.data(), x.size(), 1.5, 1 / 1.5);
    si::optics::tanh_block(b.data(), b.data(), 1234, 1.5, 1 / 1.5);
    si::optics::tanh_block(b.data() + 1234, b.data() + 1234, x.size() - 1234, 1.5, 1 / 1.5);
    EXPECT_EQ(a, b);
}

TEST(BlockMath, FoldedGainGivesTheSeparatePassesValues) {
    // tanh_block with the stage gain `pre` in its pass = the gain pass, then tanh_block
    const auto x = log_spread(3000, -5, 1);
    for (double pre : {1.0, 1.6406, 1000.0}) {
        std::vector<double> a(x.size()), b(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) a[i] = x[i] * pre;
        si::optics::tanh_block(a.data(), a.data(), a.size(), 0.9, 1 / 0.9);
        si::optics::tanh_block(x.data(), b.data(), x.size(), 0.9, 1 / 0.9, pre);
        EXPECT_EQ(a, b) << pre;
    }
}

TEST(BlockMath, AbsorptionIsTheEmlCurveTimesThePower) {
    // absorption_block = clamp, power, exp_block and the laser power in one pass: the separate
    // passes' values, bit for bit, for exponents 1, 2, 3 and drives beyond both ends of the curve
    std::vector<double> v;
    for (int i = 0; i <= 4000; ++i) v.push_back(-0.8 + 1.6 * i / 4000.0);
    const double v0 = -0.534, inv = 1 / (0.466 - -0.534), ln_er = std::log(10.0), il = 0.794, p0 = 2e-3;
    for (int k : {1, 2, 3}) {
        std::vector<double> a(v.size()), b(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            const double w = 1.0 - std::clamp((v[i] - v0) * inv, 0.0, 1.0);
            a[i] = k == 2 ? -ln_er * (w * w) : k == 1 ? -ln_er * w : -ln_er * (w * w * w);
        }
        si::optics::exp_block(a.data(), a.data(), a.size(), il);
        for (double& y : a) y = p0 * y;
        si::optics::absorption_block(v.data(), b.data(), v.size(), v0, inv, k, ln_er, il, p0);
        EXPECT_EQ(a, b) << k;
        // and the curve itself: il exp(-ln_er w^k) within 2e-15
        for (std::size_t i = 0; i < v.size(); i += 97) {
            const double w = 1.0 - std::clamp((v[i] - v0) * inv, 0.0, 1.0);
            const double ref = p0 * il * std::exp(-ln_er * std::pow(w, k));
            EXPECT_NEAR(b[i], ref, 2e-15 * ref) << k << " " << v[i];
        }
    }
}

TEST(BlockMath, AddNoiseIsInputLessOffsetPlusScaledDraw) {
    std::vector<double> x = {0.0, 1e-3, -2.5e-4, 7.0}, g = {1.0, -0.5, 2.0, 0.0}, y(4);
    si::optics::add_noise_block(x.data(), g.data(), y.data(), 4, 4e-4, 1e-5);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(y[i], x[i] - 4e-4 + 1e-5 * g[i], 1e-18);
    si::optics::add_noise_block(x.data(), g.data(), x.data(), 4, 0.0, 0.0);  // in place, no noise
    EXPECT_EQ(x, (std::vector<double>{0.0, 1e-3, -2.5e-4, 7.0}));
}

}  // namespace

#include "si/optics/photodiode_node.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si/optics/laser.hpp"
#include "si/optics/photodiode.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::Laser;
using si::optics::LaserConfig;
using si::optics::Photodiode;
using si::optics::PhotodiodeConfig;
using si::optics::PhotodiodeNode;
constexpr double kQ = 1.602176634e-19, kK = 1.380649e-23;

// Laser (RIN) -> gain -> photodiode (shot, thermal), each with its own draw, against the one
// draw of PhotodiodeNode: same mean, variance and spectrum (through the photodiode's pole).
struct Outputs {
    std::vector<double> separate, node;
};
Outputs run(double p_w, double gain, std::size_t n, double bw_hz) {
    const LaserConfig lc{.power_w = 1.0, .rin_db_hz = -150, .wavelength_m = 1310e-9, .seed = 21};
    const PhotodiodeConfig pc{.responsivity_a_w = 0.85, .bandwidth_hz = bw_hz, .dark_current_a = 10e-9,
                              .shot_noise = true, .thermal_noise = true, .load_ohm = 50, .seed = 22};
    Laser laser(lc, kDt);
    Photodiode pd(pc, kDt);
    const double rin_sigma = std::sqrt(std::pow(10.0, -15.0) * 0.5 / kDt);
    PhotodiodeNode node(pc, rin_sigma, kDt);
    std::vector<double> x(n, p_w), a(n), b(n);
    laser.process(x, a);
    for (auto& v : a) v *= gain;
    Outputs o{std::vector<double>(n), std::vector<double>(n)};
    pd.process(a, o.separate);
    for (auto& v : x) v *= gain;
    node.process(x, o.node);
    return o;
}

TEST(PhotodiodeNode, VarianceIsTheSumOfRinShotAndThermal) {
    const double p = 2e-3, g = 0.5, r = 0.85, b = 0.5 / kDt;
    const std::size_t n = std::size_t{1} << 20;
    const auto o = run(p, g, n, 0.0);
    const double i = r * g * p + 10e-9;
    const double rin_var = std::pow(r * g * p, 2) * std::pow(10.0, -15.0) * b;
    const double expect = rin_var + 2 * kQ * i * b + 4 * kK * 300 * b / 50;
    EXPECT_NEAR(mean(o.node) / i, 1.0, 2e-4);  // 5 sigma of the estimator
    EXPECT_NEAR(variance(o.node) / expect, 1.0, 0.01);      // estimator spread 0.14 %
    EXPECT_NEAR(variance(o.separate) / expect, 1.0, 0.01);  // the separate draws agree
    // the three sources are of comparable size here, so a missing one would fail
    EXPECT_GT(rin_var / expect, 0.1);
    EXPECT_GT(2 * kQ * i * b / expect, 0.1);
    PhotodiodeNode node(PhotodiodeConfig{.responsivity_a_w = r, .thermal_noise = true, .load_ohm = 50},
                        std::sqrt(std::pow(10.0, -15.0) * b), kDt);
    EXPECT_NEAR(node.variance_a2(g * p) / expect, 1.0, 1e-12);
}

TEST(PhotodiodeNode, FilteredSpectrumMatchesTheSeparateDraws) {
    // through a 30 GHz pole: variance and lag-1..3 autocorrelation of both versions agree
    const std::size_t n = std::size_t{1} << 20;
    const auto o = run(1e-3, 0.7, n, 30e9);
    std::vector<double> a(o.separate.begin() + 1000, o.separate.end()), c(o.node.begin() + 1000, o.node.end());
    const double va = variance(a), vc = variance(c);
    EXPECT_NEAR(vc / va, 1.0, 0.04);  // two estimates of correlated samples (~1 % each), 4 sigma
    const double ma = mean(a), mc = mean(c);
    for (std::size_t lag = 1; lag <= 3; ++lag) {
        double ra = 0, rc = 0;
        for (std::size_t k = lag; k < a.size(); ++k) {
            ra += (a[k] - ma) * (a[k - lag] - ma);
            rc += (c[k] - mc) * (c[k - lag] - mc);
        }
        ra /= va * static_cast<double>(a.size() - lag);
        rc /= vc * static_cast<double>(c.size() - lag);
        EXPECT_NEAR(rc, ra, 0.02) << lag;
        EXPECT_GT(ra, 0.3) << lag;  // the pole correlates neighbours (a white output would fail)
    }
}

TEST(PhotodiodeNode, BlockSplitsGiveTheSameOutput) {
    const PhotodiodeConfig pc{.bandwidth_hz = 40e9, .seed = 5};
    PhotodiodeNode a(pc, 0.03, kDt), b(pc, 0.03, kDt);
    std::vector<double> x(3000), ya(x.size()), yb(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1e-3 * (1 + 0.5 * std::sin(0.01 * static_cast<double>(i)));
    a.reset(77);
    b.reset(77);
    a.process(x, ya);
    std::size_t done = 0;
    for (std::size_t len : {1, 7, 300, 256, 1000}) {
        b.process(std::span(x).subspan(done, len), std::span(yb).subspan(done, len));
        done += len;
    }
    b.process(std::span(x).subspan(done), std::span(yb).subspan(done));
    for (std::size_t i = 0; i < x.size(); ++i) ASSERT_EQ(ya[i], yb[i]) << i;
}

}  // namespace

#include "si/optics/photodiode.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::Photodiode;
using si::optics::PhotodiodeConfig;
constexpr double kQ = 1.602176634e-19, kK = 1.380649e-23;

TEST(Photodiode, ShotNoiseVarianceIsTwoQIB) {
    const double p = 1e-3, r = 0.8, id = 50e-9;
    Photodiode pd(PhotodiodeConfig{.responsivity_a_w = r, .dark_current_a = id, .seed = 3}, kDt);
    std::vector<double> x(1 << 20, p), y(x.size());
    pd.process(x, y);
    const double i = r * p + id, b = 0.5 / kDt;
    EXPECT_NEAR(mean(y) / i, 1.0, 1e-4);
    EXPECT_NEAR(variance(y) / (2 * kQ * i * b), 1.0, 0.01);  // estimator spread 0.14 %
}

TEST(Photodiode, BandwidthReducesShotNoiseToTwoQITimesEnbw) {
    const double p = 2e-3, r = 0.85;
    Photodiode pd(PhotodiodeConfig{.responsivity_a_w = r, .bandwidth_hz = 50e9, .seed = 9}, kDt);
    std::vector<double> x(1 << 20, p), y(x.size());
    pd.process(x, y);
    std::vector<double> tail(y.begin() + 1000, y.end());
    const double i = r * p + 10e-9;
    // 2 %: estimator spread of correlated samples (~0.5 %), 4 sigma.
    EXPECT_NEAR(variance(tail) / (2 * kQ * i * pd.bandwidth().noise_bandwidth_hz()), 1.0, 0.02);
    EXPECT_NEAR(pd.bandwidth().analytic_noise_bandwidth_hz(), std::numbers::pi / 2 * 50e9, 1.0);
}

TEST(Photodiode, ThermalNoiseVarianceIsFourKTBOverR) {
    Photodiode pd(PhotodiodeConfig{.dark_current_a = 0, .shot_noise = false, .thermal_noise = true,
                                   .load_ohm = 50, .temperature_k = 290, .seed = 4},
                  kDt);
    std::vector<double> x(1 << 20, 0.0), y(x.size());
    pd.process(x, y);
    const double want = 4 * kK * 290 * (0.5 / kDt) / 50;
    EXPECT_NEAR(variance(y) / want, 1.0, 0.01);
    EXPECT_NEAR(pd.thermal_sigma_a() * pd.thermal_sigma_a() / want, 1.0, 1e-12);
}

TEST(Photodiode, BlockSplitDoesNotChangeTheOutput) {
    PhotodiodeConfig c{.bandwidth_hz = 60e9, .thermal_noise = true, .seed = 5};
    std::vector<double> x(7000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1e-3 * (1 + 0.8 * (double((i / 32) % 4) / 3 - 0.5));
    Photodiode ref(c, kDt);
    const auto whole = run_blocks(ref, x, x.size());
    for (std::size_t b : {1u, 29u, 2048u}) {
        Photodiode pd(c, kDt);
        EXPECT_EQ(run_blocks(pd, x, b), whole) << b;
    }
}

TEST(PhotodiodeConfig, RejectsBadValuesNamingTheKey) {
    SI_EXPECT_THROW_MSG(si::optics::validate(PhotodiodeConfig{.responsivity_a_w = 0}), si::ConfigError,
                        "optics.pd.responsivity_a_w");
    SI_EXPECT_THROW_MSG(si::optics::validate(PhotodiodeConfig{.dark_current_a = -1e-9}), si::ConfigError,
                        "optics.pd.dark_current_a");
    SI_EXPECT_THROW_MSG(si::optics::validate(PhotodiodeConfig{.thermal_noise = true, .load_ohm = 0}),
                        si::ConfigError, "optics.pd.load_ohm");
}

}  // namespace

#include "si/optics/driver.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si/core/rng.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::DriverConfig;
using si::optics::LinearDriver;

TEST(LinearDriver, ThdOfASineMatchesTheSpecification) {
    // Datasheet-style spec: THD 3.5 % at 1.5 V peak output (3 Vppd), gain 19.5 dB.
    for (const char* m : {"tanh", "cubic"}) {
        DriverConfig c{.gain_db = 19.5,
                       .compression = {.model = m, .thd = 0.035, .amplitude_v = 1.5}};
        LinearDriver d(c, kDt);
        const double a_in = 1.5 / std::pow(10, 19.5 / 20);  // linear output amplitude 1.5 V
        const auto x = sine(8192, 8, a_in);
        std::vector<double> y(x.size());
        d.process(x, y);
        EXPECT_NEAR(thd(y, 8, 31), 0.035, 2e-4) << m;  // 0.6 %: residual tanh harmonics > 31
    }
}

TEST(LinearDriver, SmallSignalGainAndPoleResponse) {
    DriverConfig c{.gain_db = 12, .bandwidth_hz = 40e9, .bandwidth_poles = 2};
    LinearDriver d(c, kDt);
    EXPECT_NEAR(20 * std::log10(std::abs(d.response(0))), 12.0, 1e-12);
    EXPECT_NEAR(20 * std::log10(std::abs(d.response(40e9))), 12.0 + 10 * std::log10(0.5), 1e-12);
    // A low-frequency sine comes out with gain |H| (measured).
    const auto x = sine(1 << 14, 16, 0.01);  // 16 periods over 16384 samples: 1.7 GHz
    std::vector<double> y(x.size());
    d.process(x, y);
    y.erase(y.begin(), y.begin() + 1024);  // filter start-up
    double peak = 0;
    for (double v : y) peak = std::max(peak, std::abs(v));
    EXPECT_NEAR(peak / 0.01, std::abs(d.response(16 / (16384 * kDt))), 2e-3);  // sample grid
    EXPECT_TRUE(d.linear());
}

TEST(LinearDriver, InputReferredNoiseComesOutAsDensityTimesGainTimesRootEnbw) {
    const double en = 20e-9;  // 20 nV/sqrt(Hz)
    DriverConfig c{.gain_db = 10, .bandwidth_hz = 40e9, .bandwidth_poles = 2, .input_noise_v_rthz = en};
    LinearDriver d(c, kDt);
    std::vector<double> x(1 << 20, 0.0), y(x.size());
    d.process(x, y);
    si::optics::PoleFilter p(40e9, 2, kDt, "x");
    const double want = en * std::pow(10, 0.5) * std::sqrt(p.noise_bandwidth_hz());
    // 1 %: estimator spread of 1M samples correlated over ~10 samples is ~0.3 % in sigma.
    EXPECT_NEAR(std::sqrt(variance(y)) / want, 1.0, 0.01);
    // and within 1 % of the analytic ENBW (two poles: pole_filter_test)
    EXPECT_NEAR(std::sqrt(variance(y)) / (en * std::pow(10, 0.5) * std::sqrt(p.analytic_noise_bandwidth_hz())),
                1.0, 0.015);
}

TEST(LinearDriver, BlockSplitDoesNotChangeTheOutput) {
    DriverConfig c{.gain_db = 6, .bandwidth_hz = 45e9,
                   .compression = {.model = "tanh", .thd = 0.03, .amplitude_v = 0.5},
                   .input_noise_v_rthz = 1e-8, .seed = 7};
    std::vector<double> x(20000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.3 * si::random_gaussian(3, si::Stream::pattern, i);
    LinearDriver ref(c, kDt);
    const auto whole = run_blocks(ref, x, x.size());
    for (std::size_t b : {1u, 7u, 64u, 4093u}) {
        LinearDriver d(c, kDt);
        EXPECT_EQ(run_blocks(d, x, b), whole) << b;
    }
    ref.reset();
    EXPECT_EQ(run_blocks(ref, x, 333), whole);  // reset restarts state and noise index
}

TEST(DriverConfig, RejectsBadValuesNamingTheKey) {
    SI_EXPECT_THROW_MSG(si::optics::validate(DriverConfig{.bandwidth_hz = -1}), si::ConfigError,
                        "optics.driver.bandwidth_hz");
    SI_EXPECT_THROW_MSG(si::optics::validate(DriverConfig{.input_noise_v_rthz = -1e-9}),
                        si::ConfigError, "optics.driver.input_noise_v_rthz");
    SI_EXPECT_THROW_MSG(LinearDriver(DriverConfig{.compression = {.model = "tanh"}}, kDt),
                        si::ConfigError, "optics.driver.compression.thd");
}

}  // namespace

#include "si/optics/tia.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::Tia;
using si::optics::TiaConfig;

TEST(Tia, OutputNoiseIsDensityTimesTransimpedanceTimesRootNoiseBandwidth) {
    for (int poles : {1, 2}) {
        const double in = 16.9e-12, z = std::pow(10, 63.0 / 20);  // 16.9 pA/sqrt(Hz), 63 dBohm
        Tia t(TiaConfig{.transimpedance_ohm = z, .bandwidth_hz = 32e9, .bandwidth_poles = poles,
                        .input_noise_a_rthz = in, .seed = 6},
              kDt);
        std::vector<double> x(1 << 20, 0.0), y(x.size());
        t.process(x, y);
        const double want = in * z * std::sqrt(t.noise_bandwidth_hz());
        // 1 %: estimator spread of 1M correlated samples (~0.3 % in sigma).
        EXPECT_NEAR(std::sqrt(variance(y)) / want, 1.0, 0.01) << poles;
        // Realised vs analytic ENBW: the one-pole tail squeeze (pole_filter.hpp), < 2 %.
        EXPECT_NEAR(t.noise_bandwidth_hz() / si::optics::pole_cascade_enbw_hz(
                                                 32e9 / std::sqrt(std::pow(2.0, 1.0 / poles) - 1), poles),
                    1.0, poles == 1 ? 0.06 : 0.01);
    }
}

TEST(Tia, ThdOfASineMatchesTheSpecification) {
    // SiGe linear TIA style spec: THD 1 % at 300 mV peak (600 mVppd).
    for (const char* m : {"tanh", "cubic"}) {
        const double z = 5000;
        Tia t(TiaConfig{.transimpedance_ohm = z, .compression = {.model = m, .thd = 0.01, .amplitude_v = 0.3}},
              kDt);
        const auto x = sine(8192, 8, 0.3 / z, 1e-3);  // 60 uA peak on a 1 mA photocurrent...
        TiaConfig c2 = t.config();
        c2.input_offset_a = 1e-3;  // ...removed by the offset cancellation
        Tia t2(c2, kDt);
        std::vector<double> y(x.size());
        t2.process(x, y);
        EXPECT_NEAR(thd(y, 8, 31), 0.01, 1e-4) << m;  // 1 %: tanh harmonics beyond 31st
        EXPECT_NEAR(mean(y), 0.0, 1e-12);             // odd curve around 0 V: no offset
    }
}

TEST(Tia, PeakingAddsTheStatedBoostOnTopOfTheTransimpedance) {
    Tia t(TiaConfig{.transimpedance_ohm = 1000, .bandwidth_hz = 0, .peaking_db = 6, .peaking_zero_hz = 10e9},
          kDt);
    EXPECT_NEAR(std::abs(t.response(0)), 1000, 1e-9);
    EXPECT_NEAR(20 * std::log10(std::abs(t.response(1e13)) / 1000), 6.0, 0.01);
    // Measured: a fast edge overshoots to the HF gain (shelf 1 -> 2) before settling to 1.
    std::vector<double> x(4000, 1e-4), y(x.size());
    t.process(x, y);
    EXPECT_NEAR(y[0] / 0.1, 2.0, 0.1);  // bilinear at 0.45/dt: first sample near HF gain
    EXPECT_NEAR(y.back() / 0.1, 1.0, 1e-6);
}

TEST(Tia, BlockSplitDoesNotChangeTheOutput) {
    TiaConfig c{.transimpedance_ohm = 2000, .bandwidth_hz = 35e9, .input_noise_a_rthz = 15e-12,
                .peaking_db = 3, .peaking_zero_hz = 15e9,
                .compression = {.model = "cubic", .thd = 0.02, .amplitude_v = 0.3}, .seed = 8};
    std::vector<double> x(9000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1e-4 * (double((i / 32 * 7) % 4) / 3 - 0.5);
    Tia ref(c, kDt);
    const auto whole = run_blocks(ref, x, x.size());
    for (std::size_t b : {1u, 5u, 777u}) {
        Tia t(c, kDt);
        EXPECT_EQ(run_blocks(t, x, b), whole) << b;
    }
}

TEST(TiaConfig, RejectsBadValuesNamingTheKey) {
    SI_EXPECT_THROW_MSG(si::optics::validate(TiaConfig{.transimpedance_ohm = -5}), si::ConfigError,
                        "optics.tia.transimpedance_ohm");
    SI_EXPECT_THROW_MSG(si::optics::validate(TiaConfig{.input_noise_a_rthz = -1}), si::ConfigError,
                        "optics.tia.input_noise_a_rthz");
    SI_EXPECT_THROW_MSG(Tia(TiaConfig{.peaking_db = 4}, kDt), si::ConfigError, "optics.tia.peaking_zero_hz");
}

}  // namespace

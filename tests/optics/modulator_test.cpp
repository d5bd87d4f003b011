#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si/optics/eml.hpp"
#include "si/optics/mzm.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::Eml;
using si::optics::EmlConfig;
using si::optics::LaserConfig;
using si::optics::Mzm;
using si::optics::MzmConfig;

const LaserConfig kQuietLaser{.power_w = 2e-3, .rin_db_hz = -INFINITY};

TEST(Mzm, SmallSignalSlopeAtQuadratureIsPiOverTwoVpiTimesPower) {
    for (double vpi : {1.5, 2.0, 3.0}) {
        Mzm m(MzmConfig{.v_pi_v = vpi, .bias_v = -vpi / 2, .extinction_ratio_db = 80}, kQuietLaser, kDt);
        const double dv = 1e-5;
        std::vector<double> x{-dv, 0.0, dv}, y(3);
        m.process(x, y);
        const double slope = (y[2] - y[0]) / (2 * dv);
        // field cos^2: dP/dv = P0 pi / (2 V_pi) (1 - 1/ER); ER = 80 dB makes 1/ER negligible,
        // the central difference is exact to O(dv^2) ~ 1e-10.
        EXPECT_NEAR(slope / (2e-3 * std::numbers::pi / (2 * vpi)), 1.0, 1e-7) << vpi;
        EXPECT_NEAR(y[1], 1e-3, 1e-10);  // quadrature: half the power (+ 1/ER floor, 1e-11)
    }
}

TEST(Mzm, FullSwingSineIsCompressedByTwoJ1OverZ) {
    // v = A sin(wt) at quadrature: P = P0/2 (1 + sin(z sin wt)), z = pi A / V_pi; the Jacobi-Anger
    // expansion gives the fundamental P0 J1(z), i.e. 2 J1(z)/z of the small-signal amplitude.
    const double vpi = 2.0;
    Mzm m(MzmConfig{.v_pi_v = vpi, .bias_v = -vpi / 2, .extinction_ratio_db = 80}, kQuietLaser, kDt);
    for (double a : {0.25, 0.5, 1.0}) {  // 1.0 V = full swing (V_pi peak to peak)
        const auto x = sine(4096, 4, a);
        std::vector<double> y(x.size());
        m.process(x, y);
        const double z = std::numbers::pi * a / vpi;
        // 1e-7: the 1/ER = 1e-8 floor scales the swing by (1 - 1e-8); DFT rounding ~1e-15.
        EXPECT_NEAR(harmonic(y, 4, 1) / 2e-3, std::cyl_bessel_j(1.0, z), 1e-7) << a;
        EXPECT_NEAR(harmonic(y, 4, 3) / 2e-3, std::cyl_bessel_j(3.0, z), 1e-7) << a;
        m.reset();
    }
}

TEST(Mzm, FiniteExtinctionRatioSetsTheMinimum) {
    Mzm m(MzmConfig{.v_pi_v = 2, .bias_v = 0, .extinction_ratio_db = 25, .insertion_loss_db = 3}, kQuietLaser,
          kDt);
    const double tmax = m.transmission(0), tmin = m.transmission(2.0);  // phi = 0 and pi
    EXPECT_NEAR(10 * std::log10(tmax / tmin), 25.0, 1e-9);
    EXPECT_NEAR(10 * std::log10(tmax), -3.0, 1e-9);
}

TEST(Eml, StaticCurveHasTheExtinctionRatioAndCompressesTheTop) {
    Eml e(EmlConfig{.extinction_ratio_db = 6, .v_on_v = 0.5, .v_off_v = -0.5, .curve_exponent = 2},
          kQuietLaser, kDt);
    EXPECT_NEAR(10 * std::log10(e.transmission(0.5) / e.transmission(-0.5)), 6.0, 1e-12);
    // Absorption in dB is ER (1-u)^2: at mid drive it is ER/4 = 1.5 dB.
    EXPECT_NEAR(10 * std::log10(e.transmission(0.0)), -1.5, 1e-12);
    // Equally spaced PAM4 drive -> upper eye smaller than lower (RLM < 1 in power).
    const double p0 = e.transmission(-0.5), p1 = e.transmission(-1.0 / 6), p2 = e.transmission(1.0 / 6),
                 p3 = e.transmission(0.5);
    EXPECT_LT(p3 - p2, p1 - p0);
    // Output power in watts = T * laser power.
    std::vector<double> x{0.5}, y(1);
    e.process(x, y);
    EXPECT_NEAR(y[0], 2e-3, 1e-15);
}

TEST(Modulators, BandwidthModelAndBlockInvariance) {
    const LaserConfig noisy{.power_w = 1e-3, .rin_db_hz = -140, .seed = 4};
    std::vector<double> x(6000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = ((i / 32) % 4) / 3.0 - 0.5;
    EmlConfig ec{.bandwidth_hz = 45e9};
    MzmConfig mc{.bandwidth_hz = 40e9};
    Eml e0(ec, noisy, kDt);
    Mzm m0(mc, noisy, kDt);
    const auto we = run_blocks(e0, x, x.size()), wm = run_blocks(m0, x, x.size());
    for (std::size_t b : {1u, 31u, 1000u}) {
        Eml e(ec, noisy, kDt);
        Mzm m(mc, noisy, kDt);
        EXPECT_EQ(run_blocks(e, x, b), we);
        EXPECT_EQ(run_blocks(m, x, b), wm);
    }
    EXPECT_NEAR(std::abs(e0.response(45e9)), std::sqrt(0.5), 1e-12);
}

TEST(ModulatorConfig, RejectsImpossibleOptics) {
    SI_EXPECT_THROW_MSG(si::optics::validate(EmlConfig{.extinction_ratio_db = -1}), si::ConfigError,
                        "optics.eml.extinction_ratio_db");
    SI_EXPECT_THROW_MSG(si::optics::validate(MzmConfig{.extinction_ratio_db = -0.5}), si::ConfigError,
                        "optics.mzm.extinction_ratio_db");
    SI_EXPECT_THROW_MSG(si::optics::validate(MzmConfig{.v_pi_v = 0}), si::ConfigError, "optics.mzm.v_pi_v");
    SI_EXPECT_THROW_MSG(Eml(EmlConfig{}, LaserConfig{.power_w = -1}, kDt), si::ConfigError,
                        "optics.laser.power_w");
}

}  // namespace

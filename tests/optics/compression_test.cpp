#include "si/optics/compression.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::CompressionConfig;
using si::optics::Compressor;

// Applies the curve to a coherently sampled sine and measures THD with the test's own DFT.
double measured_thd(const Compressor& c, double a) {
    auto x = sine(4096, 1, a);
    for (auto& v : x) v = c(v);
    return thd(x, 1, 31);
}
double measured_gain(const Compressor& c, double a) {
    auto x = sine(4096, 1, a);
    for (auto& v : x) v = c(v);
    return harmonic(x, 1, 1) / a;
}

TEST(Compression, TanhFromThdReproducesThd) {
    for (double t : {0.01, 0.035, 0.05, 0.2}) {
        Compressor c(CompressionConfig{.model = "tanh", .thd = t, .amplitude_v = 1.5}, "optics.driver");
        EXPECT_NEAR(measured_thd(c, 1.5), t, 1e-4 * t + 1e-7) << t;  // DFT truncation only
    }
}

TEST(Compression, CubicFromThdMatchesClosedForm) {
    for (double t : {0.01, 0.035, 0.1}) {
        Compressor c(CompressionConfig{.model = "cubic", .thd = t, .amplitude_v = 0.3}, "optics.tia");
        // a3 = 4 THD / (A^2 (1 + 3 THD)) (Jacobi expansion of sin^3, file comment)
        EXPECT_NEAR(c.a3(), 4 * t / (0.09 * (1 + 3 * t)), 1e-12);
        EXPECT_NEAR(measured_thd(c, 0.3), t, 1e-6) << t;  // pure third harmonic: exact
    }
}

TEST(Compression, OneDbPointCompressesFundamentalByOneDb) {
    for (const char* m : {"tanh", "cubic"}) {
        Compressor c(CompressionConfig{.model = m, .p1db_v = 0.8}, "optics.driver");
        EXPECT_NEAR(20 * std::log10(measured_gain(c, 0.8)), -1.0, 1e-3) << m;
        EXPECT_NEAR(measured_gain(c, 1e-3), 1.0, 1e-5) << m;  // small signal: gain 1
    }
}

TEST(Compression, CubicIsHeldBeyondItsTurningPoint) {
    Compressor c(CompressionConfig{.model = "cubic", .thd = 0.05, .amplitude_v = 1.0}, "optics.tia");
    const double xm = 1 / std::sqrt(3 * c.a3());
    EXPECT_NEAR(c(10 * xm), 2.0 / 3.0 * xm, 1e-12);
    EXPECT_NEAR(c(-10 * xm), -2.0 / 3.0 * xm, 1e-12);
    EXPECT_LT(c(0.99 * xm), c(xm) + 1e-15);  // monotonic up to the hold
}

TEST(CompressionConfig, RejectsAmbiguousOrImpossibleSpecs) {
    SI_EXPECT_THROW_MSG(si::optics::validate(CompressionConfig{.model = "soft"}, "optics.tia"),
                        si::ConfigError, "optics.tia.compression.model");
    SI_EXPECT_THROW_MSG(
        si::optics::validate(CompressionConfig{.model = "tanh", .thd = 0.01, .amplitude_v = 1, .p1db_v = 1},
                             "optics.driver"),
        si::ConfigError, "optics.driver.compression.thd");
    SI_EXPECT_THROW_MSG(
        si::optics::validate(CompressionConfig{.model = "cubic", .thd = 0.2, .amplitude_v = 1}, "optics.tia"),
        si::ConfigError, "optics.tia.compression.thd");
    SI_EXPECT_THROW_MSG(si::optics::validate(CompressionConfig{.model = "tanh", .thd = 0.01}, "optics.tia"),
                        si::ConfigError, "optics.tia.compression.amplitude_v");
}

}  // namespace

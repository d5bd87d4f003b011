#include "si/optics/laser.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::Laser;
using si::optics::LaserConfig;

TEST(Laser, RinVarianceIsRinTimesPowerSquaredTimesBandwidth) {
    for (double rin : {-130.0, -145.0, -155.0}) {
        const double p = 2e-3;
        Laser l(LaserConfig{.power_w = p, .rin_db_hz = rin, .seed = 11}, kDt);
        std::vector<double> y(1 << 20);
        l.emit(y);
        const double b = 0.5 / kDt;  // simulated (Nyquist) bandwidth
        const double want = std::pow(10, rin / 10) * p * p * b;
        // 5 % (issue); the estimator's own spread is sqrt(2/2^20) = 0.14 %.
        EXPECT_NEAR(variance(y) / want, 1.0, 0.05) << rin;
        EXPECT_NEAR(mean(y) / p, 1.0, 1e-3);
    }
}

TEST(Laser, RinInABandIsRinTimesBandwidthOfThatBand) {
    // Independent of the simulated bandwidth: the PSD measured by averaging |FFT|^2 over
    // 0..B/4 equals 10^(RIN/10) P^2 (one-sided), i.e. the noise is white at the stated level.
    const double p = 1e-3, rin = -140;
    Laser l(LaserConfig{.power_w = p, .rin_db_hz = rin, .seed = 5}, kDt);
    const std::size_t n = 4096, frames = 64;
    double acc = 0;
    std::size_t cnt = 0;
    std::vector<double> y(n);
    for (std::size_t fr = 0; fr < frames; ++fr) {
        l.emit(y);
        for (std::size_t k = 1; k < n / 8; k += 7) {  // a subset of bins keeps the test fast
            std::complex<double> s = 0;
            for (std::size_t i = 0; i < n; ++i)
                s += (y[i] - p) * std::polar(1.0, -2 * std::numbers::pi * double(k * i) / double(n));
            acc += 2 * std::norm(s) * kDt / double(n);  // one-sided periodogram [W^2/Hz]
            ++cnt;
        }
    }
    // 5 %: 64 frames x 73 bins = 4672 chi-square(2) averages, relative spread 1.5 % (3 sigma).
    EXPECT_NEAR(acc / double(cnt) / (std::pow(10, rin / 10) * p * p), 1.0, 0.05);
}

TEST(Laser, ModulatesATransmissionAndIsBlockInvariant) {
    LaserConfig c{.power_w = 1e-3, .rin_db_hz = -140, .seed = 2};
    std::vector<double> t(5000);
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = 0.2 + 0.6 * double(i % 17) / 16;
    Laser a(c, kDt);
    const auto whole = run_blocks(a, t, t.size());
    for (std::size_t b : {1u, 13u, 1024u}) {
        Laser l(c, kDt);
        EXPECT_EQ(run_blocks(l, t, b), whole);
    }
    Laser quiet(LaserConfig{.power_w = 1e-3, .rin_db_hz = -INFINITY}, kDt);
    const auto y = run_blocks(quiet, t, 100);
    for (std::size_t i = 0; i < t.size(); ++i) EXPECT_DOUBLE_EQ(y[i], 1e-3 * t[i]);
}

TEST(LaserConfig, RejectsImpossibleOptics) {
    SI_EXPECT_THROW_MSG(si::optics::validate(LaserConfig{.power_w = -1e-3}), si::ConfigError,
                        "optics.laser.power_w");
    SI_EXPECT_THROW_MSG(si::optics::validate(LaserConfig{.rin_db_hz = 3}), si::ConfigError,
                        "optics.laser.rin_db_hz: must be <= 0 dB/Hz");
    SI_EXPECT_THROW_MSG(si::optics::validate(LaserConfig{.wavelength_m = 1310}), si::ConfigError,
                        "optics.laser.wavelength_m");
}

}  // namespace

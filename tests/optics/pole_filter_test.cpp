#include "si/optics/pole_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si/dsp/freq.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::PoleFilter;

std::vector<double> impulse(PoleFilter& f, std::size_t n) {
    std::vector<double> x(n, 0.0), y(n);
    x[0] = 1;
    f.process(x, y);
    return y;
}

TEST(PoleFilter, MinusThreeDbAtStatedBandwidthForAnyPoleCount) {
    const double bw = 30e9;  // 0.035 / dt: the bilinear warp is negligible here
    for (int n : {1, 2, 3, 4}) {
        PoleFilter f(bw, n, kDt, "x.bandwidth_hz");
        EXPECT_NEAR(20 * std::log10(std::abs(f.response(bw))), 10 * std::log10(0.5), 1e-12) << n;
        const auto h = impulse(f, 1 << 15);
        // Discrete (bilinear, prewarped at fp) vs analytic: 0.03 dB up to bw at 0.035/dt (the
        // warp grows with n because fp = bw/sqrt(2^(1/n)-1) moves up: 69 GHz for n = 4).
        for (double fr : {1e9, 10e9, 20e9, 30e9})
            EXPECT_NEAR(20 * std::log10(std::abs(si::dsp::dtft(h, kDt, fr))),
                        20 * std::log10(std::abs(f.response(fr))), 0.03)
                << "n=" << n << " f=" << fr;
    }
}

TEST(PoleFilter, NoiseBandwidthMatchesClosedForms) {
    // ENBW of one pole is pi/2 fp, of two poles pi/4 fp (integral of 1/(1+x^2)^n).
    PoleFilter f1(20e9, 1, kDt, "x");
    EXPECT_NEAR(f1.analytic_noise_bandwidth_hz(), std::numbers::pi / 2 * 20e9, 1);
    PoleFilter f2(20e9, 2, kDt, "x");
    EXPECT_NEAR(f2.analytic_noise_bandwidth_hz(), std::numbers::pi / 4 * f2.pole_hz(), 1);
    // Realised (discrete) noise bandwidth: for one bilinear pole it is known in closed form,
    // u/(2 dt (1+u)) with u = tan(pi fp dt) (integral of the warped response up to Nyquist).
    const double u = std::tan(std::numbers::pi * 20e9 * kDt);
    EXPECT_NEAR(f1.noise_bandwidth_hz() / (u / (2 * kDt * (1 + u))), 1.0, 1e-6);
    // Realised vs analytic: -3.5 % for one pole (the squeezed 1/f^2 tail), < 1 % for more.
    EXPECT_NEAR(f1.noise_bandwidth_hz() / f1.analytic_noise_bandwidth_hz(), 0.965, 0.002);
    for (int n : {2, 3, 4}) {
        PoleFilter f(20e9, n, kDt, "x");
        EXPECT_NEAR(f.noise_bandwidth_hz() / f.analytic_noise_bandwidth_hz(), 1.0, 0.01) << n;
    }
}

TEST(PoleFilter, RejectsBandwidthAboveTheGrid) {
    SI_EXPECT_THROW_MSG(PoleFilter(0.5 / kDt, 1, kDt, "optics.tia.bandwidth_hz"), si::ConfigError,
                        "optics.tia.bandwidth_hz");
    SI_EXPECT_THROW_MSG(PoleFilter(-1, 1, kDt, "optics.pd.bandwidth_hz"), si::ConfigError,
                        "optics.pd.bandwidth_hz");
}

TEST(PeakingFilter, HasUnityDcAndStatedHighFrequencyBoost) {
    si::optics::PeakingFilter p(6.0, 5e9, kDt, "optics.tia");
    EXPECT_NEAR(std::abs(p.response(0)), 1.0, 1e-12);
    EXPECT_NEAR(20 * std::log10(std::abs(p.response(1e15))), 6.0, 1e-3);
    SI_EXPECT_THROW_MSG(si::optics::PeakingFilter(3.0, 0.0, kDt, "optics.tia"), si::ConfigError,
                        "optics.tia.peaking_zero_hz");
}

}  // namespace

namespace {

TEST(PoleFilter, LookAheadFormMatchesThePlainRecursion) {
    // process() runs y[n] = sum_{j<8} A^j c[n-j] + A^8 y[n-8]; the textbook recursion of the
    // same bilinear sections, one sample at a time, must agree to rounding (a drive with steps,
    // noise and a long idle tail, through 1 and 3 poles; blocks of 1, 7 and 5000)
    const std::size_t n = 20000;
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = (i / 97) % 3 == 0 ? 0.0 : ((i / 37) % 2 ? 1.0 : -0.6) + 1e-3 * std::sin(0.37 * double(i));
    for (int poles : {1, 3}) {
        const double bw = 40e9;
        PoleFilter f(bw, poles, kDt, "x");
        const double w = 2 * std::numbers::pi * f.pole_hz();
        auto sec = si::optics::bilinear_section(1, 0, 1, 1 / w, w, kDt);
        std::vector<si::optics::FirstOrderSection> ref(static_cast<std::size_t>(poles), sec);
        std::vector<double> want(n);
        for (std::size_t i = 0; i < n; ++i) {
            double v = x[i];
            for (auto& s : ref) v = s.step(v);
            want[i] = v;
        }
        for (std::size_t block : {std::size_t{1}, std::size_t{7}, std::size_t{5000}}) {
            f.reset();
            std::vector<double> got(n);
            for (std::size_t i = 0; i < n; i += block) {
                const std::size_t m = std::min(block, n - i);
                f.process(std::span<const double>(x).subspan(i, m), std::span<double>(got).subspan(i, m));
            }
            double worst = 0;
            for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
            EXPECT_LT(worst, 1e-14) << "poles " << poles << " block " << block;
        }
    }
}

}  // namespace

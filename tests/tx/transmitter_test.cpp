#include <gtest/gtest.h>

#include <cmath>

#include "si/dsp/freq.hpp"
#include "si/tx/transmitter.hpp"
#include "si_test.hpp"

namespace {

// Issue 5.3: IEEE 802.3 eq. 93A-46, H_t(f) = exp(-2 (pi f T_r / 1.6832)^2), with COM's T_r given
// unchanged. Reference values computed by hand (python math) for T_r = 7.5 ps (802.3ck C2M):
// 0.93321 at fb/4, 0.75842 at fb/2 (-2.40 dB) and 0.33086 at fb for fb = 53.125 GBd.
TEST(RiseTime, FilterIsEquation93A46WithComRiseTime) {
    const double tr = 7.5e-12;
    const std::pair<double, double> ref[] = {
        {13.28125e9, 0.9332065186766926}, {26.5625e9, 0.7584222318978978}, {53.125e9, 0.33085996584360594}};
    for (const auto& [f, want] : ref) {
        const auto h = si::tx::rise_time_response(tr, f);
        EXPECT_NEAR(h.real(), want, 1e-12) << f;
        EXPECT_EQ(h.imag(), 0.0);
    }
    // Giving T_r / sqrt 2 (the old advice) moves |H(fb/2)| by 7 %: the test would catch it.
    EXPECT_GT(std::abs(si::tx::rise_time_response(tr / std::sqrt(2.0), 26.5625e9).real() - 0.75842), 0.05);
}

TEST(RiseTime, StepResponseRises20To80InRiseTime) {
    for (double tr : {4e-12, 7.5e-12, 15e-12}) {
        const double dt = 0.05e-12;
        const std::size_t n = 1 << 16;
        auto h = si::dsp::impulse_from_response(
            [&](double f) { return si::tx::rise_time_response(tr, f); }, dt, n);
        // Gaussian is centred at t = 0: rotate by half the buffer, then integrate to a step.
        std::vector<double> step(n);
        double acc = 0;
        for (std::size_t i = 0; i < n; ++i) {
            acc += h[(i + n / 2) % n];
            step[i] = acc;
        }
        auto cross = [&](double level) {
            for (std::size_t i = 1; i < n; ++i)
                if (step[i] >= level) return (double(i) - 1 + (level - step[i - 1]) / (step[i] - step[i - 1])) * dt;
            return -1.0;
        };
        EXPECT_NEAR(cross(0.8) - cross(0.2), tr, 0.01 * tr) << tr;
        EXPECT_NEAR(step[n - 1], 1.0, 1e-9);
    }
}

TEST(Ffe, ResponseIsTapSumAtDcAndAlternatingAtNyquist) {
    const std::vector<double> c = {-0.1, 0.7, -0.2};
    EXPECT_NEAR(std::abs(si::tx::ffe_response(c, 1, 53.125e9, 0)), 0.4, 1e-12);
    EXPECT_NEAR(std::abs(si::tx::ffe_response(c, 1, 53.125e9, 26.5625e9)), 1.0, 1e-12);
}

TEST(TxConfig, MainCursorAndNormalisation) {
    si::tx::TxConfig t{.ffe = {-0.1, 0.7, -0.2}};
    EXPECT_EQ(si::tx::ffe_main_index(t), 1);
    t.ffe_normalize = true;
    const auto n = si::tx::ffe_taps(t);
    EXPECT_NEAR(std::abs(n[0]) + std::abs(n[1]) + std::abs(n[2]), 1.0, 1e-12);
}

TEST(TxConfig, RejectsUnknownSnrModel) {
    si::tx::TxConfig c;
    c.snr_model = "sndr";
    SI_EXPECT_THROW_MSG(si::tx::validate(c), si::ConfigError, "tx.snr_model");
}

TEST(TxConfig, RejectsImpossibleValues) {
    auto check = [](auto edit, const char* key) {
        si::tx::TxConfig t;
        edit(t);
        SI_EXPECT_THROW_MSG(si::tx::validate(t), si::ConfigError, key);
    };
    check([](auto& t) { t.swing_v = -1; }, "tx.swing");
    check([](auto& t) { t.ffe.clear(); }, "tx.ffe");
    check([](auto& t) { t.ffe.assign(2, 0.0); }, "tx.ffe");
    check([](auto& t) { t.rise_time_s = NAN; }, "tx.rise_time");
    check([](auto& t) { t.sj_amp_ui = 0.1; }, "tx.sj_frequency");
    check([](auto& t) { t.rj_rms_ui = 0.7; }, "tx.rj");
    // Bounds (huge swings overflowed the eye's integer sums; 1e6 taps ran for hours).
    check([](auto& t) { t.swing_v = 1e300; }, "tx.swing: must be in (0, 100] V");
    check([](auto& t) { t.ffe.assign(257, 0.001); }, "tx.ffe: at most 256 taps (got 257 taps)");
    check([](auto& t) { t.ffe = {1e300}; }, "tx.ffe: sum of |taps| must be in [0.1, 10]");
    check([](auto& t) { t.ffe = {1e-300}; }, "tx.ffe: sum of |taps| must be in [0.1, 10]");
    {
        si::tx::TxConfig big;  // normalised taps carry no gain: any scale is fine
        big.ffe = {-30, 200, -50};
        big.ffe_normalize = true;
        EXPECT_NO_THROW(si::tx::validate(big));
        big.ffe.assign(256, 0.01);
        big.ffe_normalize = false;
        EXPECT_NO_THROW(si::tx::validate(big));  // 256 taps, sum 2.56
    }
    si::tx::TxConfig ok;
    EXPECT_NO_THROW(si::tx::validate(ok));
}

}  // namespace

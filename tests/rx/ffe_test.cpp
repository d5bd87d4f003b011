// FFE: MMSE against an independently built Wiener solution, the DFE/target variant, ZF forcing
// its span, LMS converging to Wiener with the predicted misadjustment, tap limits, streaming.
#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "rx_sim.hpp"
#include "si/rx/ffe.hpp"
#include "si_test.hpp"

namespace {

using si::rx::FfeConfig;
using si::rx::FfeSolveInput;

// A lossy-channel-like symbol-spaced pulse [V per unit level], main cursor at index 2.
const std::vector<double> kH{0.015, -0.06, 0.30, 0.16, 0.07, 0.035, 0.015, -0.008, 0.004};
constexpr int kC = 2;

/// Wiener solution built from the explicit channel (convolution) matrix: x_m = (r_m .. r_{m-K+1}),
/// r_n = sum_i h[i] a_{n-i+c} + v_n; column t+c of C holds the taps that carry a_{m-t}.
Eigen::VectorXd wiener(int K, int P, double noise_var, double sa2, int excluded_post) {
    const int L = static_cast<int>(kH.size());
    const int T = K + L - 1;
    Eigen::MatrixXd C = Eigen::MatrixXd::Zero(K, T);
    for (int k = 0; k < K; ++k)
        for (int i = 0; i < L; ++i) C(k, k + i) = kH[static_cast<std::size_t>(i)];  // a_{m-k-i+c}: column k+i
    // column index j = k + i corresponds to symbol a_{m - j + c}; desired a_{m-P}: j = P + c
    Eigen::MatrixXd Ck = C;
    for (int d = 1; d <= excluded_post; ++d) Ck.col(P + kC + d).setZero();
    const Eigen::MatrixXd R = sa2 * Ck * Ck.transpose() + noise_var * Eigen::MatrixXd::Identity(K, K);
    const Eigen::VectorXd p = sa2 * C.col(P + kC);
    return R.colPivHouseholderQr().solve(p);
}

TEST(Ffe, MmseEqualsClosedFormWiener) {
    for (int excl : {0, 1, 2}) {
        const FfeConfig cfg{.taps = 11, .pre = 3, .mode = "mmse"};
        const double nv = 4e-4;
        const auto sol = si::rx::solve_ffe_mmse(cfg, FfeSolveInput{.pulse = kH, .cursor = kC,
                                                                   .noise_var_v2 = nv, .dfe_taps = excl});
        const Eigen::VectorXd w = wiener(11, 3, nv, 5.0 / 9.0, excl);
        for (int k = 0; k < 11; ++k)
            EXPECT_NEAR(sol.taps[static_cast<std::size_t>(k)], w(k), 1e-9 * w.norm()) << "k=" << k << " excl=" << excl;
        EXPECT_EQ(sol.cursor, kC + 3);
        // equalized pulse = w * h
        double f0 = 0;
        for (int k = 0; k < 11; ++k) {
            const int i = sol.cursor - k;
            if (i >= 0 && i < static_cast<int>(kH.size())) f0 += w(k) * kH[static_cast<std::size_t>(i)];
        }
        EXPECT_NEAR(sol.equalized[static_cast<std::size_t>(sol.cursor)], f0, 1e-12);
        EXPECT_GT(f0, 0.9);  // Wiener is biased low but close to 1 at this SNR
        EXPECT_LT(f0, 1.0);
    }
}

TEST(Ffe, MlseTargetIsTheMmseDfeWithMonicTarget) {
    const FfeConfig cfg{.taps = 9, .pre = 2, .mode = "mmse"};
    FfeSolveInput in{.pulse = kH, .cursor = kC, .noise_var_v2 = 1e-4, .target_memory = 1};
    const auto t = si::rx::solve_ffe_mmse(cfg, in);
    in.target_memory = 0;
    in.dfe_taps = 1;
    const auto d = si::rx::solve_ffe_mmse(cfg, in);
    ASSERT_EQ(t.target.size(), 2u);
    EXPECT_EQ(t.target[0], 1.0);
    const auto c = static_cast<std::size_t>(t.cursor);
    EXPECT_NEAR(t.target[1], t.equalized[c + 1] / t.equalized[c], 1e-12);
    for (std::size_t k = 0; k < 9; ++k) EXPECT_NEAR(t.taps[k], d.taps[k], 1e-12);
    // leaving f_1 free must lower the MSE against the plain MMSE FFE
    in.dfe_taps = 0;
    EXPECT_LT(t.mse, si::rx::solve_ffe_mmse(cfg, in).mse);
}

TEST(Ffe, ZeroForcingRemovesTheCursorsItSpans) {
    for (int dfe : {0, 2}) {
        const FfeConfig cfg{.taps = 7, .pre = 2, .mode = "zf"};
        const auto sol = si::rx::solve_ffe_zf(cfg, FfeSolveInput{.pulse = kH, .cursor = kC, .dfe_taps = dfe});
        // convolve independently
        std::vector<double> f(7 + kH.size() - 1, 0.0);
        for (std::size_t k = 0; k < 7; ++k)
            for (std::size_t i = 0; i < kH.size(); ++i) f[k + i] += sol.taps[k] * kH[i];
        int forced = 0;
        for (int d = -2; forced < 7; ++d) {
            if (d >= 1 && d <= dfe) continue;
            EXPECT_NEAR(f[static_cast<std::size_t>(kC + 2 + d)], d == 0 ? 1.0 : 0.0, 1e-12) << "d=" << d;
            ++forced;
        }
        // outside the span the ISI is not zero (the span is finite): the check can fail
        EXPECT_GT(std::abs(f[static_cast<std::size_t>(kC + 2 + 5 + dfe)]), 1e-6);
    }
}

TEST(Ffe, LmsConvergesToWienerWithPredictedMisadjustment) {
    const int K = 9, P = 2;
    const double sigma = 0.02;
    const std::size_t n = 600'000, half = n / 2;
    const auto lv = si::testing::random_levels(n, 4, 11);
    const auto r = si::testing::symbol_channel(lv, 4, kH, kC, sigma, 12);
    double pr = 0;
    for (double x : r) pr += x * x;
    pr /= static_cast<double>(n);
    const double trR = K * pr;
    // misadjustment M = a / (1 - a), a = mu tr(R) / 2 (independence theory; ffe.hpp)
    const double a = 0.03;
    const double mu = 2 * a / trR;
    const double M = a / (1 - a);
    const auto opt = si::rx::solve_ffe_mmse(FfeConfig{.taps = K, .pre = P, .mode = "mmse"},
                                            FfeSolveInput{.pulse = kH, .cursor = kC, .noise_var_v2 = sigma * sigma});
    // decision-directed LMS needs an open eye: start with every tap 30 % off the optimum
    std::vector<double> w0 = opt.taps;
    for (std::size_t k = 0; k < w0.size(); ++k) w0[k] *= (k % 2 ? 0.7 : 1.3);
    FfeConfig cfg{.taps = K, .pre = P, .mode = "lms", .mu = mu};
    si::rx::Ffe ffe(cfg, w0);
    std::vector<double> y(n);
    std::vector<double> wsum(K, 0.0);
    double e2 = 0;
    // process in blocks so the tap average samples the whole second half
    for (std::size_t i = 0; i < n; i += 1000) {
        ffe.process(std::span<const double>(r).subspan(i, 1000), std::span<double>(y).subspan(i, 1000));
        if (i >= half) {
            const auto w = ffe.taps();
            for (int k = 0; k < K; ++k) wsum[static_cast<std::size_t>(k)] += w[static_cast<std::size_t>(k)];
        }
    }
    for (std::size_t i = half; i < n; ++i) {
        const double e = y[i] - si::testing::level_value(lv[i - P], 4);
        e2 += e * e;
    }
    const double J = e2 / static_cast<double>(n - half);
    double dn = 0, wn = 0;
    for (int k = 0; k < K; ++k) {
        const double w = wsum[static_cast<std::size_t>(k)] / (half / 1000.0);
        dn += (w - opt.taps[static_cast<std::size_t>(k)]) * (w - opt.taps[static_cast<std::size_t>(k)]);
        wn += opt.taps[static_cast<std::size_t>(k)] * opt.taps[static_cast<std::size_t>(k)];
    }
    // mean taps: the LMS tap noise averages down over 300 independent-ish blocks
    EXPECT_LT(std::sqrt(dn / wn), 0.02);
    // excess MSE / J_min = M within 30 % of M (the small-mu independence formula)
    const double measured_m = J / opt.mse - 1;
    EXPECT_NEAR(measured_m, M, 0.3 * M) << "J=" << J << " Jmin=" << opt.mse;
}

TEST(Ffe, SignSignLmsGetsCloseToTheMinimumMse) {
    const int K = 9, P = 2;
    const double sigma = 0.02;
    const std::size_t n = 400'000;
    const auto lv = si::testing::random_levels(n, 4, 21);
    const auto r = si::testing::symbol_channel(lv, 4, kH, kC, sigma, 22);
    const auto opt = si::rx::solve_ffe_mmse(FfeConfig{.taps = K, .pre = P, .mode = "mmse"},
                                            FfeSolveInput{.pulse = kH, .cursor = kC, .noise_var_v2 = sigma * sigma});
    // sign-sign LMS needs an open eye to start (decision directed): start from a perturbed
    // solution (every tap 30 % off, alternately high and low)
    std::vector<double> w0 = opt.taps;
    for (std::size_t k = 0; k < w0.size(); ++k) w0[k] *= (k % 2 ? 0.7 : 1.3);
    FfeConfig cfg{.taps = K, .pre = P, .mode = "lms", .lms_update = "sign_sign", .mu = 2e-5};
    si::rx::Ffe ffe(cfg, w0);
    std::vector<double> y0(2000);
    { si::rx::Ffe probe(FfeConfig{.taps = K, .pre = P, .mode = "fixed", .coefficients = w0}, w0);
      probe.process(std::span<const double>(r).subspan(0, 2000), y0); }
    std::vector<double> y(n);
    ffe.process(r, y);
    double e2 = 0;
    for (std::size_t i = n / 2; i < n; ++i) {
        const double e = y[i] - si::testing::level_value(lv[i - P], 4);
        e2 += e * e;
    }
    double e0 = 0;
    for (std::size_t i = 1000; i < 2000; ++i) {
        const double e = y0[i] - si::testing::level_value(lv[i - P], 4);
        e0 += e * e;
    }
    EXPECT_GT(10 * std::log10(e0 / 1000 / opt.mse), 3.0) << "the start is well off the optimum";
    // sign-sign minimises a different criterion (and dithers by mu per tap): within 1 dB of J_min
    EXPECT_LT(10 * std::log10(e2 / (n / 2) / opt.mse), 1.0);
}

TEST(Ffe, TapLimitsAreHonouredAndCostLittle) {
    FfeConfig cfg{.taps = 9, .pre = 2, .mode = "mmse"};
    const FfeSolveInput in{.pulse = kH, .cursor = kC, .noise_var_v2 = 1e-4};
    const auto free_sol = si::rx::solve_ffe_mmse(cfg, in);
    // bound every non-cursor tap to +-0.1 of the cursor: some unconstrained taps exceed it
    double worst = 0;
    for (std::size_t k = 0; k < 9; ++k)
        if (k != 2) worst = std::max(worst, std::abs(free_sol.taps[k] / free_sol.taps[2]));
    ASSERT_GT(worst, 0.1);
    cfg.tap_min.assign(9, -0.1);
    cfg.tap_max.assign(9, 0.1);
    const auto lim = si::rx::solve_ffe_mmse(cfg, in);
    for (std::size_t k = 0; k < 9; ++k)
        if (k != 2) {
            EXPECT_LE(std::abs(lim.taps[k] / lim.taps[2]), 0.1 + 1e-12) << k;
        }
    EXPECT_GT(lim.mse, free_sol.mse);  // a constraint cannot lower the MMSE
}

TEST(Ffe, StreamingFirEqualsDirectConvolutionWhateverTheSplit) {
    const std::vector<double> w{0.1, -0.3, 1.7, -0.4, 0.05};
    const FfeConfig cfg{.taps = 5, .pre = 2, .mode = "fixed", .coefficients = w};
    std::vector<double> x(5000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37 * static_cast<double>(i)) + 0.1 * static_cast<double>(i % 7);
    si::rx::Ffe a(cfg, w), b(cfg, w), c(cfg, w);
    std::vector<double> ya(x.size()), yb(x.size()), yc(x.size());
    a.process(x, ya);
    for (std::size_t i = 0; i < x.size(); i += 333) {
        const std::size_t m = std::min<std::size_t>(333, x.size() - i);
        b.process(std::span<const double>(x).subspan(i, m), std::span<double>(yb).subspan(i, m));
    }
    for (std::size_t i = 0; i < x.size(); ++i) yc[i] = c.step(x[i]);
    for (std::size_t i = 0; i < x.size(); ++i) {
        double ref = 0;
        for (std::size_t k = 0; k < 5; ++k)
            if (i >= k) ref += w[k] * x[i - k];
        EXPECT_NEAR(ya[i], ref, 1e-12);
        EXPECT_EQ(ya[i], yb[i]);
        EXPECT_NEAR(yc[i], ref, 1e-12);
    }
}

TEST(FfeConfig, RejectsBadValues) {
    SI_EXPECT_THROW_MSG(si::rx::validate(FfeConfig{.taps = 4, .pre = 4}), si::ConfigError, "rx.ffe.pre");
    SI_EXPECT_THROW_MSG(si::rx::validate(FfeConfig{.taps = 3, .mode = "fixed"}), si::ConfigError,
                        "rx.ffe.coefficients");
    SI_EXPECT_THROW_MSG(si::rx::validate(FfeConfig{.mode = "rls"}), si::ConfigError, "rx.ffe.mode");
    SI_EXPECT_THROW_MSG(si::rx::validate(FfeConfig{.taps = 2, .mode = "zf", .tap_min = {-1, -1}}),
                        si::ConfigError, "rx.ffe.tap_min");
}

}  // namespace

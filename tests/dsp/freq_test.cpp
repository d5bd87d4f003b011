#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <thread>
#include <vector>

#include "si/dsp/fft.hpp"
#include "si/dsp/freq.hpp"

namespace {
using cd = std::complex<double>;
constexpr double kPi = std::numbers::pi;

TEST(ImpulseFromResponse, DcGainAndParseval) {
    // One-pole low-pass, fc = 10 GHz, sampled at 1 ps.
    const double fc = 10e9, dt = 1e-12;
    const std::size_t n = 1 << 14;
    auto H = [&](double f) { return 0.7 / cd(1.0, f / fc); };
    const auto h = si::dsp::impulse_from_response(H, dt, n);
    double s = 0, e = 0;
    for (double v : h) s += v, e += v * v;
    EXPECT_NEAR(s, 0.7, 1e-12);
    // Parseval: sum h^2 = (1/n) sum_k |H_k|^2 over the full two-sided grid.
    double es = 0;
    const double df = 1.0 / (n * dt);
    for (std::size_t k = 0; k < n; ++k) {
        const double f = (k <= n / 2 ? double(k) : double(k) - double(n)) * df;
        es += std::norm(k == n / 2 ? cd(H(std::abs(f)).real(), 0) : (f >= 0 ? H(f) : std::conj(H(-f))));
    }
    EXPECT_NEAR(e, es / n, 1e-9 * es / n);
    // Continuous one-pole: h(t) = 0.7 w exp(-w t); its taps at t = n dt are ~ 0.7 w dt exp(-w n dt).
    const double w = 2 * kPi * fc;
    EXPECT_NEAR(h[100], 0.7 * w * dt * std::exp(-w * 100 * dt), 2e-3 * 0.7 * w * dt);
}

TEST(ImpulseFromResponse, SamplesTakenByValueGiveTheSameTaps) {
    // impulse_from_samples on a spectrum it may consume gives the same taps, bit for bit, as on a
    // spectrum it copies (and both take the Nyquist and DC bins as real).
    const std::size_t n = 4096;
    std::vector<cd> hk(n / 2 + 1);
    for (std::size_t k = 0; k < hk.size(); ++k) hk[k] = std::polar(1.0 / (1.0 + 1e-3 * k), -0.01 * k);
    hk[0] = {0.9, 0.3};
    hk[n / 2] = {0.1, -0.2};
    const auto a = si::dsp::impulse_from_samples(hk, n);
    auto moved = hk;
    const auto b = si::dsp::impulse_from_samples(std::move(moved), n);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(a[i], b[i]) << i;
    double s = 0;
    for (double v : a) s += v;
    EXPECT_NEAR(s, 0.9, 1e-12);  // DC gain: the DC bin's real part
}

TEST(ImpulseFromResponse, PureDelayIsShiftedImpulse) {
    const double dt = 1e-12, tau = 37e-12;
    const std::size_t n = 4096;
    const auto h = si::dsp::impulse_from_response(
        [&](double f) { return std::polar(1.0, -2 * kPi * f * tau); }, dt, n);
    EXPECT_NEAR(h[37], 1.0, 1e-9);
    double rest = 0;
    for (std::size_t i = 0; i < n; ++i)
        if (i != 37) rest += std::abs(h[i]);
    EXPECT_LT(rest, 1e-9);
}

TEST(Dtft, RecoversResponseOfTaps) {
    // Off the FFT grid the taps reproduce H only when H is negligible at fs/2 (no spectral
    // discontinuity at Nyquist): a one-pole with a Gaussian roll-off, -170 dB at 500 GHz.
    const double dt = 1e-12, fc = 20e9;
    // A 100 ps delay keeps the (zero-phase) Gaussian part away from t = 0 so nothing wraps.
    auto H = [&](double f) {
        return std::exp(-std::pow(f / 80e9, 2)) * std::polar(1.0, -2 * kPi * f * 100e-12) / cd(1.0, f / fc);
    };
    const auto h = si::dsp::impulse_from_response(H, dt, 1 << 14);
    for (double f : {1e9, 10e9, 26.5625e9}) {
        const auto d = si::dsp::dtft(h, dt, f);
        EXPECT_NEAR(std::abs(d), std::abs(H(f)), 1e-6) << f;
    }
}

TEST(GoodFftSize, ReturnsSmoothNumbers) {
    for (std::size_t n : {7u, 97u, 1000u, 65537u}) {
        const auto m = si::dsp::good_fft_size(n);
        EXPECT_GE(m, n);
        std::size_t r = m;
        for (std::size_t p : {2u, 3u, 5u})
            while (r % p == 0) r /= p;
        EXPECT_EQ(r, 1u) << m;
    }
}

}  // namespace

// FFT objects of one size share the process's plans (fft.hpp) and run them on their own buffers:
// objects used interleaved and from several threads give the same bits, and the values are the
// DFT's.
TEST(RealFft, ObjectsOfOneSizeShareBitIdenticalPlansAcrossThreads) {
    const std::size_t n = 360;
    std::vector<double> x(n);
    for (std::size_t t = 0; t < n; ++t) x[t] = std::sin(0.3 * t) + 0.1 * static_cast<double>(t % 7);
    si::dsp::RealFft a(n);
    std::vector<std::complex<double>> ya(n / 2 + 1), yb(n / 2 + 1);
    a.forward(x, ya);
    for (std::size_t k = 0; k <= n / 2; k += 17) {
        std::complex<double> ref = 0;
        for (std::size_t t = 0; t < n; ++t)
            ref += x[t] * std::polar(1.0, -2 * std::numbers::pi * static_cast<double>(k * t) / static_cast<double>(n));
        EXPECT_NEAR(std::abs(ya[k] - ref), 0.0, 1e-9) << k;
    }
    std::vector<double> back(n);
    a.inverse(ya, back);
    for (std::size_t t = 0; t < n; ++t) EXPECT_NEAR(back[t] / static_cast<double>(n), x[t], 1e-12);
    si::dsp::RealFft b(n);
    b.forward(x, yb);
    EXPECT_EQ(ya, yb);
    std::vector<std::vector<std::complex<float>>> out(4);
    std::vector<float> xf(x.begin(), x.end());
    std::vector<std::thread> th;
    for (int i = 0; i < 4; ++i)
        th.emplace_back([&, i] {
            for (int r = 0; r < 50; ++r) {
                si::dsp::RealFftF f(n);
                std::vector<std::complex<float>> y(n / 2 + 1);
                f.forward(xf, y);
                if (r == 0) out[static_cast<std::size_t>(i)] = y;
                else if (y != out[static_cast<std::size_t>(i)]) out[static_cast<std::size_t>(i)].clear();
            }
        });
    for (auto& t : th) t.join();
    ASSERT_EQ(out[0].size(), n / 2 + 1);
    for (int i = 1; i < 4; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)], out[0]);
}

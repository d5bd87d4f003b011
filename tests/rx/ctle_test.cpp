#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <vector>

#include "si/core/units.hpp"
#include "si/dsp/freq.hpp"
#include "si/rx/ctle.hpp"
#include "si_test.hpp"

namespace {
using cd = std::complex<double>;
constexpr double kFb = 53.125e9, kUi = 1 / kFb, kDt = kUi / 32;

// Eq. 93A-22 written out here, independently of the library.
cd eq93a22(double gdc, double gdc2, double fz, double fp1, double fp2, double flf, double f) {
    const cd j(0, 1);
    const double g1 = std::pow(10, gdc / 20), g2 = std::pow(10, gdc2 / 20);
    return (g1 + j * f / fz) * (g2 + j * f / flf) / ((1.0 + j * f / fp1) * (1.0 + j * f / fp2) * (1.0 + j * f / flf));
}
double db(cd x) { return 20 * std::log10(std::abs(x)); }

TEST(Ctle, DefaultsFollowSymbolRate) {
    si::rx::CtleConfig c;
    c.model = "com";
    const auto r = si::rx::resolve(c, kFb);
    EXPECT_DOUBLE_EQ(r.fz_hz, kFb / 2.5);
    EXPECT_DOUBLE_EQ(r.fp1_hz, kFb / 2.5);
    EXPECT_DOUBLE_EQ(r.fp2_hz, kFb);
    EXPECT_DOUBLE_EQ(r.flf_hz, kFb / 80);
}

TEST(Ctle, MatchesEquation93A22) {
    for (double gdc : {0.0, -6.0, -12.0})
        for (double gdc2 : {0.0, -3.0}) {
            si::rx::CtleConfig c{.model = "com", .gdc_db = gdc, .gdc2_db = gdc2};
            c = si::rx::resolve(c, kFb);
            for (double f : {0.0, 1e8, 0.66e9, 5e9, 13.28e9, 26.5625e9, 53.125e9}) {
                const cd want = eq93a22(gdc, gdc2, kFb / 2.5, kFb / 2.5, kFb, kFb / 80, f);
                const cd got = si::rx::ctle_response(c, f);
                EXPECT_NEAR(got.real(), want.real(), 1e-12);
                EXPECT_NEAR(got.imag(), want.imag(), 1e-12);
            }
            // DC gain is gdc + gdc2 in dB; peaking at Nyquist is about -gdc for gdc2 = 0.
            EXPECT_NEAR(db(si::rx::ctle_response(c, 0)), gdc + gdc2, 1e-9);
        }
}

TEST(Ctle, ImpulseResponseReproducesTransferFunction) {
    // The discrete taps the engine convolves with must have the analytic response: DTFT of the
    // taps vs eq. 93A-22 within 0.05 dB up to Nyquist (time span 4096 UI resolves the fLF pole).
    si::rx::CtleConfig c{.model = "com", .gdc_db = -8, .gdc2_db = -2};
    c = si::rx::resolve(c, kFb);
    const std::size_t n = 4096 * 32;
    const auto h = si::dsp::impulse_from_response(
        [&](double f) { return si::rx::ctle_response(c, f); }, kDt, n);
    // On the FFT grid the taps reproduce H exactly; between grid points the CTLE's 1/f roll-off
    // (a step at t = 0) leaves Gibbs ringing, so the check uses grid frequencies.
    const double df = 1 / (double(n) * kDt);
    for (double f0 : {0.2e9, 2e9, 10e9, 21.25e9, 26.5625e9}) {
        const double f = std::round(f0 / df) * df;
        const cd want = eq93a22(-8, -2, kFb / 2.5, kFb / 2.5, kFb, kFb / 80, f);
        EXPECT_NEAR(db(si::dsp::dtft(h, kDt, f)), db(want), 0.05) << "f=" << f;
    }
}

TEST(Butterworth4, HasMinus3dBAtBandwidthAnd80dBPerDecade) {
    const double bw = 0.75 * kFb;
    EXPECT_NEAR(db(si::rx::butterworth4_response(bw, bw)), -3.0103, 1e-3);
    EXPECT_NEAR(db(si::rx::butterworth4_response(bw, 0)), 0.0, 1e-12);
    const double a = db(si::rx::butterworth4_response(bw, 10 * bw));
    const double b = db(si::rx::butterworth4_response(bw, 100 * bw));
    EXPECT_NEAR(a - b, 80.0, 0.05);
    // maximally flat: |H|^2 = 1 / (1 + x^8)
    for (double x : {0.3, 0.8, 1.5})
        EXPECT_NEAR(std::norm(si::rx::butterworth4_response(bw, x * bw)), 1 / (1 + std::pow(x, 8)), 1e-6);
}

TEST(CtleConfig, RejectsBadValues) {
    si::rx::CtleConfig c{.model = "com", .gdc_db = 3};
    SI_EXPECT_THROW_MSG(si::rx::validate(si::rx::resolve(c, kFb)), si::ConfigError, "rx.ctle.gdc");
    si::rx::CtleConfig d{.model = "magic"};
    SI_EXPECT_THROW_MSG(si::rx::validate(si::rx::resolve(d, kFb)), si::ConfigError, "rx.ctle.model");
    si::rx::CtleConfig e{.model = "com", .fz_hz = -1};
    SI_EXPECT_THROW_MSG(si::rx::validate(si::rx::resolve(e, kFb)), si::ConfigError, "rx.ctle.fz");
}

}  // namespace

namespace {
// White noise through a flat chain keeps its rms; through the COM CTLE and AFE the gain is the
// trapezoid integral written out here (same bits), also when asked again after other configs
// (the function keeps its last results).
TEST(Ctle, WhiteNoiseRmsGain) {
    EXPECT_EQ(si::rx::white_noise_rms_gain(si::rx::CtleConfig{}, 0.0, 26.5625e9), 1.0);
    si::rx::CtleConfig c;
    c.model = "com";
    c.gdc_db = -8;
    c = si::rx::resolve(c, 53.125e9);
    auto direct = [](const si::rx::CtleConfig& cc, double afe, double bw) {
        const int nf = 8192;
        double acc = 0;
        for (int k = 0; k <= nf; ++k) {
            const double f = bw * k / nf;
            const double g = std::norm(si::rx::ctle_response(cc, f) * si::rx::butterworth4_response(afe, f));
            acc += (k == 0 || k == nf) ? 0.5 * g : g;
        }
        return std::sqrt(acc / nf);
    };
    const double want = direct(c, 39.8e9, 26.5625e9);
    EXPECT_EQ(si::rx::white_noise_rms_gain(c, 39.8e9, 26.5625e9), want);
    EXPECT_LT(want, 1.0);  // the CTLE's DC loss dominates the noise band
    for (double g : {-2.0, -4.0, -6.0, -10.0, -12.0}) {  // more configs than are kept
        auto d = c;
        d.gdc_db = g;
        EXPECT_EQ(si::rx::white_noise_rms_gain(d, 39.8e9, 26.5625e9), direct(d, 39.8e9, 26.5625e9)) << g;
    }
    EXPECT_EQ(si::rx::white_noise_rms_gain(c, 39.8e9, 26.5625e9), want);
    EXPECT_EQ(si::rx::white_noise_rms_gain(c, 39.8e9, 20e9), direct(c, 39.8e9, 20e9));
    EXPECT_NE(si::rx::white_noise_rms_gain(c, 39.8e9, 20e9), want);
}
}  // namespace

namespace {
// ctle_response keeps the linear gains of the last gDC and gDC2 per thread: alternating configs
// give the bits of the formula evaluated afresh (the expression of eq. 93A-22 written out here).
TEST(Ctle, ResponseWithKeptGainsIsTheFormula) {
    const cd j(0, 1);
    for (int rep = 0; rep < 3; ++rep)
        for (double g : {-8.0, -4.0, 0.0, -8.0, -12.5})
            for (double g2 : {0.0, -3.0}) {
                si::rx::CtleConfig c;
                c.model = "com";
                c.gdc_db = g;
                c.gdc2_db = g2;
                c = si::rx::resolve(c, 53.125e9);
                for (double f : {0.0, 1e9, 13.28125e9, 26.5625e9, 60e9}) {
                    const cd num = (si::db20_to_lin(c.gdc_db) + j * f / c.fz_hz) * (si::db20_to_lin(c.gdc2_db) + j * f / c.flf_hz);
                    const cd den = (1.0 + j * f / c.fp1_hz) * (1.0 + j * f / c.fp2_hz) * (1.0 + j * f / c.flf_hz);
                    const cd want = num / den, got = si::rx::ctle_response(c, f);
                    // a / b taken as a conj(b) / |b|^2 (ctle.cpp): within a few ulp of the library's
                    EXPECT_LE(std::abs(got - want), 1e-15 * std::abs(want)) << g << " " << g2 << " " << f;
                }
            }
}
}  // namespace

namespace {
TEST(Ctle, GridApplicationIsTheCtleThenTheAfe) {
    // apply_ctle_afe (a link's fused response on its FFT grid) against the two functions, for
    // the COM CTLE with and without the AFE, and the "none" model: one formula each, so the same
    // bits.
    for (const char* model : {"com", "none"})
        for (double afe : {0.0, 39.84e9}) {
            si::rx::CtleConfig c;
            c.model = model;
            c.gdc_db = -9.5;
            c.gdc2_db = -2;
            c = si::rx::resolve(c, 53.125e9);
            const double df = 9.765625e6;
            std::vector<std::complex<double>> h(90001);
            for (std::size_t k = 0; k < h.size(); ++k) h[k] = std::polar(0.5 + 1e-6 * k, 1e-3 * k);
            auto g = h;
            si::rx::apply_ctle_afe(c, afe, df, g);
            for (std::size_t k = 0; k < h.size(); k += 7) {
                const double f = static_cast<double>(k) * df;
                const auto want = h[k] * si::rx::ctle_response(c, f) * si::rx::butterworth4_response(afe, f);
                ASSERT_EQ(0, std::memcmp(&g[k], &want, sizeof want)) << model << " " << afe << " " << f;
            }
        }
}
}  // namespace

#include "si/optics/fibre.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "optics_test.hpp"
#include "si/dsp/freq.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::Fibre;
using si::optics::FibreConfig;
constexpr double kC = 299792458.0;

// O-band fibre 10 km at 1330 nm: D = S0/4 (l - l0^4/l^3) = 1.81 ps/(nm km); first null near 68 GHz.
FibreConfig oband(double alpha = 0) {
    return FibreConfig{.length_m = 10e3, .attenuation_db_per_km = 0.0, .wavelength_m = 1330e-9,
                       .lambda0_m = 1310e-9, .s0_s_m3 = 92.0, .chirp_alpha = alpha};
}

std::vector<double> impulse(Fibre& f) {
    std::vector<double> x(4 * f.taps().size() + 64, 0.0), y(x.size());
    x[0] = 1;
    f.process(x, y);
    return y;
}

// Minimum of |DTFT(h)| in [lo, hi] on a 10 MHz grid, refined by a parabola through the
// neighbours (the range holds only the first null; the second is >= 1.5x higher).
double null_in(const std::vector<double>& h, double lo, double hi) {
    double best = 1e9, fbest = lo;
    for (double f = lo; f < hi; f += 10e6) {
        const double m = std::abs(si::dsp::dtft(h, kDt, f));
        if (m < best) {
            best = m;
            fbest = f;
        }
    }
    const double a = std::abs(si::dsp::dtft(h, kDt, fbest - 10e6)), c = std::abs(si::dsp::dtft(h, kDt, fbest + 10e6));
    return fbest + 10e6 * (a - c) / (2 * (a - 2 * best + c));
}

TEST(Fibre, DispersionFollowsTheG652Model) {
    const auto c = oband();
    const double l = 1330e-9, l0 = 1310e-9;
    EXPECT_NEAR(si::optics::dispersion_s_m2(c), 92.0 / 4 * (l - std::pow(l0, 4) / std::pow(l, 3)), 1e-15);
    FibreConfig at0 = c;
    at0.wavelength_m = l0;
    EXPECT_NEAR(si::optics::dispersion_s_m2(at0), 0.0, 1e-15);  // zero at lambda0
}

TEST(Fibre, FirstPowerFadingNullOfAChirpFreeLink) {
    const auto c = oband();
    Fibre f(c, kDt);
    const double d = si::optics::dispersion_s_m2(c), l = c.wavelength_m;
    const double want = std::sqrt(kC / (2 * d * l * l * c.length_m));
    const double got = null_in(impulse(f), 0.6 * want, 1.4 * want);
    EXPECT_NEAR(got / want, 1.0, 0.02);  // issue: 2 %
    EXPECT_NEAR(std::abs(f.response(want)), 0.0, 1e-9);
}

TEST(Fibre, ChirpMovesTheFirstNullAsCosThetaPlusAtanAlpha) {
    for (double alpha : {-1.0, 0.7, 2.0}) {
        const auto c = oband(alpha);
        Fibre f(c, kDt);
        const double d = si::optics::dispersion_s_m2(c), l = c.wavelength_m;
        // sqrt(1+a^2) cos(theta + atan a) = 0 at theta = pi/2 - atan a.
        const double want = std::sqrt((std::numbers::pi / 2 - std::atan(alpha)) * kC /
                                      (std::numbers::pi * d * l * l * c.length_m));
        EXPECT_NEAR(null_in(impulse(f), 0.7 * want, 1.3 * want) / want, 1.0, 0.02) << alpha;
    }
}

TEST(Fibre, SmallSignalResponseAgreesWithFieldPropagationAndSquareLawDetection) {
    // Independent check, chirp-free: a weakly modulated field sqrt(P0 (1 + m cos wt)) is
    // propagated with the dispersion phase exp(-j pi lambda^2 D L f^2 / c) per frequency bin and
    // detected as |E|^2; the detected fundamental over m P0 is the IM response.
    const auto c = oband();
    Fibre fib(c, kDt);
    const double theta_per_f2 = std::numbers::pi * c.wavelength_m * c.wavelength_m *
                                si::optics::dispersion_s_m2(c) * c.length_m / kC;
    const std::size_t n = 1024;
    const double df = 1 / (double(n) * kDt), m = 1e-3;
    for (int k : {10, 30, 45, 70}) {
        std::vector<std::complex<double>> e(n), spec(n);
        for (std::size_t i = 0; i < n; ++i)
            e[i] = std::sqrt(1 + m * std::cos(2 * std::numbers::pi * k * double(i) / double(n)));
        for (std::size_t q = 0; q < n; ++q) {
            std::complex<double> s = 0;
            for (std::size_t i = 0; i < n; ++i) s += e[i] * std::polar(1.0, -2 * std::numbers::pi * double(q * i % n) / double(n));
            const double f = (q <= n / 2 ? double(q) : double(q) - double(n)) * df;
            spec[q] = s * std::polar(1.0, -theta_per_f2 * f * f);
        }
        std::vector<double> p(n);
        for (std::size_t i = 0; i < n; ++i) {
            std::complex<double> s = 0;
            for (std::size_t q = 0; q < n; ++q) s += spec[q] * std::polar(1.0, 2 * std::numbers::pi * double(q * i % n) / double(n));
            p[i] = std::norm(s / double(n));
        }
        const double h_field = harmonic(p, k, 1) / m;
        // m = 1e-3: second-order terms are ~m/4 relative; 1e-3 absolute covers them.
        EXPECT_NEAR(std::abs(fib.response(k * df)), h_field, 1e-3) << "f=" << k * df;
    }
}

TEST(Fibre, ZeroLengthIsAPassThrough) {
    FibreConfig c = oband();
    c.length_m = 0;
    Fibre f(c, kDt);
    EXPECT_EQ(f.delay_samples(), 0u);
    std::vector<double> x(1000), y(1000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1e-3 * (1 + std::sin(0.1 * double(i)));
    f.process(x, y);
    EXPECT_EQ(y, x);  // bit-exact
    EXPECT_EQ(f.latency_s(), 0.0);
}

TEST(Fibre, LossesInDbAdd) {
    FibreConfig c = oband();
    c.attenuation_db_per_km = 0.35;
    c.connector_loss_db = 1.2;
    c.attenuator_db = 4.5;
    Fibre f(c, kDt);
    EXPECT_NEAR(f.loss_db(), 0.35 * 10 + 1.2 + 4.5, 1e-12);
    // Measured on the waveform: the DC gain of the processed signal is the product of the parts.
    std::vector<double> x(20000, 1e-3), y(x.size());
    f.process(x, y);
    EXPECT_NEAR(10 * std::log10(y.back() / 1e-3), -(3.5 + 1.2 + 4.5), 1e-9);  // taps sum to the gain
    FibreConfig only_att = c;
    only_att.length_m = 0;
    only_att.connector_loss_db = 0;
    Fibre a(only_att, kDt);
    EXPECT_NEAR(10 * std::log10(a.gain()), -4.5, 1e-12);
}

TEST(Fibre, TimeOfFlightIs4p9NsPerMetre) {
    Fibre f(FibreConfig{.length_m = 500}, kDt);
    EXPECT_NEAR(f.latency_s() / 500, 4.9e-9, 0.01e-9);
}

TEST(Fibre, BlockSplitDoesNotChangeTheOutput) {
    std::vector<double> x(8000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1e-3 * (1 + 0.5 * std::sin(0.37 * double(i)) * ((i / 32) % 3));
    Fibre ref(oband(0.5), kDt);
    const auto whole = run_blocks(ref, x, x.size());
    for (std::size_t b : {1u, 17u, 300u, 4096u}) {
        Fibre f(oband(0.5), kDt);
        EXPECT_EQ(run_blocks(f, x, b), whole) << b;
    }
}

TEST(FibreConfig, RejectsBadValuesNamingTheKey) {
    SI_EXPECT_THROW_MSG(si::optics::validate(FibreConfig{.length_m = -1}), si::ConfigError,
                        "optics.fibre.length_m");
    SI_EXPECT_THROW_MSG(si::optics::validate(FibreConfig{.attenuator_db = -3}), si::ConfigError,
                        "optics.fibre.attenuator_db");
    SI_EXPECT_THROW_MSG(si::optics::validate(FibreConfig{.lambda0_m = 0}), si::ConfigError,
                        "optics.fibre.lambda0_m");
}

}  // namespace

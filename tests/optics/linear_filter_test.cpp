#include "si/optics/linear_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optics_test.hpp"
#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/optics/fibre.hpp"
#include "si/optics/pole_filter.hpp"
#include "si_test.hpp"

namespace {
using namespace si::optics::testing;
using si::optics::OverlapSaveFilter;

std::vector<double> noise(std::size_t n) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = si::random_gaussian(3, si::Stream::tx_noise, i);
    return x;
}

TEST(OverlapSaveFilter, EqualsDirectConvolutionDelayedByOneHop) {
    std::vector<double> h(37);
    for (std::size_t m = 0; m < h.size(); ++m) h[m] = std::exp(-0.2 * static_cast<double>(m)) * std::cos(0.7 * m);
    OverlapSaveFilter f(h, 128);
    ASSERT_EQ(f.hop(), 128u - 37u + 1u);
    const auto x = noise(5000);
    const auto y = run_blocks(f, x, x.size());
    for (std::size_t n = 0; n < x.size(); ++n) {
        double want = 0;  // direct convolution, delayed by the hop
        if (n >= f.hop())
            for (std::size_t m = 0; m < h.size() && m <= n - f.hop(); ++m) want += h[m] * x[n - f.hop() - m];
        ASSERT_NEAR(y[n], want, 1e-12) << n;  // FFT rounding on O(1) values
    }
}

TEST(OverlapSaveFilter, BlockSplitDoesNotChangeTheOutputBitForBit) {
    OverlapSaveFilter ref(std::vector<double>{0.1, 0.5, 0.3, -0.2, 0.05}, 16);
    const auto x = noise(3001);
    const auto whole = run_blocks(ref, x, x.size());
    for (std::size_t block : {1u, 7u, 12u, 13u, 64u, 1000u}) {
        OverlapSaveFilter f(std::vector<double>{0.1, 0.5, 0.3, -0.2, 0.05}, 16);
        EXPECT_EQ(run_blocks(f, x, block), whole) << "block=" << block;
    }
    ref.reset();  // after reset the same input gives the same output
    EXPECT_EQ(run_blocks(ref, x, 99), whole);
}

TEST(OverlapSaveFilter, DesignedFromAPoleResponseMatchesItAtTheSampleFrequencies) {
    const si::optics::PoleFilter pole(30e9, 2, kDt, "bw");
    const std::size_t k = 256;
    OverlapSaveFilter f([&](double fr) { return pole.response(fr); }, kDt, k);
    EXPECT_EQ(f.delay_samples(), k / 2 + f.hop());
    for (std::size_t i : {0u, 3u, 10u, 40u, 127u}) {  // 128 = Nyquist: only Re H is realised
        const double fr = static_cast<double>(i) / (k * kDt);
        const auto want = pole.response(fr) * std::polar(1.0, -2 * M_PI * fr * kDt * (k / 2.0));
        EXPECT_NEAR(std::abs(f.response(fr, kDt) - want), 0.0, 1e-12) << fr;
    }
}

TEST(OverlapSaveFilter, RunsTheFibreFirLikeTheFibreItself) {
    // Long fibres: the fibre's FIR (power fading with chirp) by overlap-save gives the fibre's
    // direct-form output, one hop later.
    si::optics::FibreConfig fc{.length_m = 2000, .wavelength_m = 1271e-9, .chirp_alpha = -0.7};
    si::optics::Fibre fib(fc, kDt);
    ASSERT_GT(fib.taps().size(), 50u);
    OverlapSaveFilter f(fib.taps());
    const auto x = noise(20000);
    const auto a = run_blocks(fib, x, 333);
    const auto b = run_blocks(f, x, 333);
    for (std::size_t n = f.hop(); n < x.size(); ++n) ASSERT_NEAR(b[n], a[n - f.hop()], 1e-12) << n;
}

TEST(OverlapSaveFilterConfig, RejectsBadDesigns) {
    SI_EXPECT_THROW_MSG(OverlapSaveFilter(std::vector<double>{}), si::ConfigError, "optics.filter.taps");
    SI_EXPECT_THROW_MSG(OverlapSaveFilter(std::vector<double>(10, 0.1), 8), si::ConfigError, "optics.filter.fft_size");
    SI_EXPECT_THROW_MSG((void)si::optics::design_fir_from_response([](double) { return std::complex<double>(1, 0); }, kDt, 7),
                        si::ConfigError, "optics.filter.taps: must be even");
    SI_EXPECT_THROW_MSG(
        (void)si::optics::design_fir_from_response([](double) { return std::complex<double>(1, 1); }, kDt, 8),
        si::ConfigError, "must be real at DC");
}

}  // namespace

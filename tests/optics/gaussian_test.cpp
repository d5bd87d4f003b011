#include "si/optics/gaussian.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace {
using si::Stream;
using si::optics::fill_normal;
using si::optics::normal_at;

// The documented transform evaluated with the standard library's log, sin and cos.
double reference(std::uint64_t seed, Stream s, std::uint64_t i) {
    const std::uint64_t key = si::stream_key(seed, s), k = i >> 1;
    const std::uint64_t w1 = si::random_bits_keyed(key, 2 * k), w2 = si::random_bits_keyed(key, 2 * k + 1);
    const double u1 = (static_cast<double>(w1 >> 12) + 0.5) * 0x1.0p-52;
    const double a = ((static_cast<double>((w2 >> 11) & ((std::uint64_t{1} << 51) - 1)) + 0.5) * 0x1.0p-51 - 0.5) *
                     std::numbers::pi / 2;
    const double ang = a + static_cast<double>(w2 >> 62) * std::numbers::pi / 2;
    const double r = std::sqrt(-2 * std::log(u1));
    return (i & 1) ? r * std::sin(ang) : r * std::cos(ang);
}

TEST(OpticsGaussian, IsTheBoxMullerTransformToRounding) {
    const std::size_t n = 200000;
    std::vector<double> v(n);
    fill_normal(5, Stream::optics_tia_noise, 1001, v.data(), n);
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double ref = reference(5, Stream::optics_tia_noise, 1001 + i);
        // absolute error relative to the radius (sin/cos near zero cross with an absolute error)
        worst = std::max(worst, std::abs(v[i] - ref) / std::max(1.0, std::abs(ref)));
    }
    EXPECT_LT(worst, 5e-15);  // measured 2.3e-15: the reference rounds its angle q pi/2 + a (ulp of 2 pi)
}

TEST(OpticsGaussian, AnyBlockSplitAndSingleDrawsGiveTheSameValues) {
    const std::size_t n = 5000;
    std::vector<double> a(n), b(n);
    fill_normal(7, Stream::optics_pd_shot, 12345, a.data(), n);  // odd first index
    std::size_t done = 0;
    for (std::size_t len : {1, 2, 3, 255, 256, 257, 511, 1}) {
        fill_normal(7, Stream::optics_pd_shot, 12345 + done, b.data() + done, len);
        done += len;
    }
    fill_normal(7, Stream::optics_pd_shot, 12345 + done, b.data() + done, n - done);
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(a[i], b[i]) << i;
        if (i % 97 == 0) ASSERT_EQ(a[i], normal_at(7, Stream::optics_pd_shot, 12345 + i)) << i;
    }
}

TEST(OpticsGaussian, MomentsAndTailsAreThoseOfTheStandardNormal) {
    const std::size_t n = std::size_t{1} << 23;
    std::vector<double> v(n);
    fill_normal(11, Stream::optics_driver_noise, 0, v.data(), n);
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0, lag = 0;
    std::size_t t2 = 0, t3 = 0, t4 = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = v[i], x2 = x * x;
        s1 += x, s2 += x2, s3 += x2 * x, s4 += x2 * x2;
        if (i > 0) lag += x * v[i - 1];  // the pair (cos, sin) shares a radius: uncorrelated still
        t2 += std::abs(x) > 2, t3 += std::abs(x) > 3, t4 += std::abs(x) > 4;
    }
    const double N = static_cast<double>(n), se = 1 / std::sqrt(N);
    EXPECT_NEAR(s1 / N, 0.0, 5 * se);
    EXPECT_NEAR(s2 / N, 1.0, 5 * std::sqrt(2.0) * se);
    EXPECT_NEAR(s3 / N, 0.0, 5 * std::sqrt(15.0) * se);
    EXPECT_NEAR(s4 / N, 3.0, 5 * std::sqrt(96.0) * se);
    EXPECT_NEAR(lag / N, 0.0, 5 * se);
    // two-sided tail probabilities erfc(k / sqrt 2), 5 binomial sigma
    for (auto [count, k] : {std::pair{t2, 2.0}, std::pair{t3, 3.0}, std::pair{t4, 4.0}}) {
        const double p = std::erfc(k / std::sqrt(2.0));
        EXPECT_NEAR(static_cast<double>(count) / N, p, 5 * std::sqrt(p * (1 - p) / N)) << k;
    }
}

}  // namespace

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "si/dsp/superpose.hpp"

namespace {

// Reference: the waveform of a pulse train written out directly, y(nM+m) = sum_j x[n-j] p[jM+m].
std::vector<double> reference(const std::vector<float>& x, const std::vector<float>& p, int M) {
    std::vector<double> y(x.size() * M, 0.0);
    for (std::size_t k = 0; k < x.size(); ++k)
        for (std::size_t i = 0; i < p.size(); ++i)
            if (k * M + i < y.size()) y[k * M + i] += double(x[k]) * p[i];
    return y;
}

std::vector<float> random_vec(std::size_t n, unsigned seed) {
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<float> v(n);
    for (auto& e : v) e = u(g);
    return v;
}

TEST(PolyphaseSuperposer, MatchesDirectSuperposition) {
    for (int M : {3, 8, 16, 32, 64}) {
        const auto p = random_vec(static_cast<std::size_t>(M) * 37 + 5, 1);  // not a whole UI count
        const auto x = random_vec(500, 2);
        si::dsp::PolyphaseSuperposer s(p, M);
        std::vector<float> y(x.size() * M);
        s.process(x, y);
        const auto ref = reference(x, p, M);
        for (std::size_t i = 0; i < y.size(); ++i)
            ASSERT_NEAR(y[i], ref[i], 2e-5) << "M=" << M << " i=" << i;  // float accumulation of ~40 terms
    }
}

TEST(PolyphaseSuperposer, BlockSplitIsBitIdentical) {
    const int M = 32;
    const auto p = random_vec(M * 50, 3);
    const auto x = random_vec(3000, 4);
    std::vector<float> whole(x.size() * M);
    si::dsp::PolyphaseSuperposer a(p, M);
    a.process(x, whole);
    for (std::size_t block : {1, 7, 64, 1000}) {
        si::dsp::PolyphaseSuperposer b(p, M);
        std::vector<float> y(x.size() * M);
        for (std::size_t i = 0; i < x.size(); i += block) {
            const std::size_t n = std::min(block, x.size() - i);
            b.process(std::span<const float>(x.data() + i, n), std::span<float>(y.data() + i * M, n * M));
        }
        EXPECT_EQ(y, whole) << "block=" << block;
    }
}

TEST(OverlapSave, MatchesDirectConvolution) {
    std::mt19937 g(5);
    std::normal_distribution<double> nd;
    std::vector<double> h(700);
    for (auto& v : h) v = nd(g) * std::exp(-double(&v - h.data()) / 100.0);
    si::dsp::OverlapSave os(h, 1024);
    ASSERT_EQ(os.block_size(), 1024u);
    const auto x = random_vec(1024 * 6, 6);
    std::vector<float> y(x.size());
    for (std::size_t i = 0; i < x.size(); i += 1024)
        os.process_block(std::span<const float>(x.data() + i, 1024), std::span<float>(y.data() + i, 1024));
    for (std::size_t n = 0; n < x.size(); n += 37) {
        double ref = 0;
        for (std::size_t k = 0; k < h.size() && k <= n; ++k) ref += h[k] * x[n - k];
        ASSERT_NEAR(y[n], ref, 5e-4 * (1 + std::abs(ref))) << n;  // float FFT of size ~2k
    }
}

}  // namespace

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

// The FFT superposer keeps the per-phase spectra of the last pulses for the process: a second
// superposer of the same pulse gives the same bits, one of another pulse (one sample changed) or
// another M gets its own, and a pulse computed again after being evicted gives the same bits.
TEST(PolyphaseFftSuperposer, SharesPulseSpectraOnlyForTheSamePulse) {
    const int M = 16;
    auto p = random_vec(M * 60 + 3, 7);
    const auto x = random_vec(2000, 8);
    auto run = [&](const std::vector<float>& pulse, int m) {
        si::dsp::PolyphaseFftSuperposer s(pulse, m);
        const std::size_t B = s.block_symbols();
        std::vector<float> y;
        std::vector<float> blk(B), out(B * static_cast<std::size_t>(m));
        for (std::size_t i = 0; i + B <= x.size(); i += B) {
            std::copy(x.begin() + static_cast<std::ptrdiff_t>(i), x.begin() + static_cast<std::ptrdiff_t>(i + B), blk.begin());
            s.process_block(blk, out);
            y.insert(y.end(), out.begin(), out.end());
        }
        return y;
    };
    const auto a = run(p, M);
    const auto ref = reference(std::vector<float>(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(a.size() / M)), p, M);
    ASSERT_GT(a.size(), 0u);
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], ref[i], 1e-4) << i;
    EXPECT_EQ(run(p, M), a);  // shared spectra: the same bits
    auto p2 = p;
    p2[5 * M + 3] += 0.25f;  // another pulse: its own spectra
    const auto b = run(p2, M);
    const auto ref2 = reference(std::vector<float>(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(b.size() / M)), p2, M);
    for (std::size_t i = 0; i < b.size(); ++i) ASSERT_NEAR(b[i], ref2[i], 1e-4) << i;
    EXPECT_NE(b, a);
    const auto c = run(p, 8);  // the same samples read with another M
    const auto ref3 = reference(std::vector<float>(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(c.size() / 8)), p, 8);
    for (std::size_t i = 0; i < c.size(); ++i) ASSERT_NEAR(c[i], ref3[i], 1e-4) << i;
    for (unsigned k = 0; k < 12; ++k) (void)run(random_vec(M * 60 + 3, 100 + k), M);  // evict p
    EXPECT_EQ(run(p, M), a);  // computed again: the same bits
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

// PAM-N mapping: Gray coding and IEEE 802.3 1/(1+D) mod N precoding.
#include <bit>
#include <si/core/error.hpp>
#include <si/core/rng.hpp>
#include <si/pattern/mapping.hpp>
#include <vector>

#include "si_test.hpp"

namespace {
using si::pattern::PamDemapper;
using si::pattern::PamMapper;

std::vector<std::uint32_t> make_data(int levels, std::size_t n, std::uint64_t seed) {
    std::vector<std::uint32_t> d(n);
    for (std::size_t i = 0; i < n; ++i)
        d[i] = static_cast<std::uint32_t>(si::random_bits(seed, si::Stream::tx_noise, i) %
                                          static_cast<std::uint64_t>(levels));
    return d;
}
}  // namespace

TEST(Gray, Pam4MapsAsIeee802_3) {
    // IEEE 802.3 120.5.7.1: {A,B} = 00 -> level 0, 01 -> 1, 11 -> 2, 10 -> 3.
    PamMapper m(4, /*gray=*/true, /*precode=*/false);
    EXPECT_EQ(m.map(0b00), 0);
    EXPECT_EQ(m.map(0b01), 1);
    EXPECT_EQ(m.map(0b11), 2);
    EXPECT_EQ(m.map(0b10), 3);
    PamMapper plain(4, false, false);
    for (std::uint32_t d = 0; d < 4; ++d) EXPECT_EQ(plain.map(d), d);
}

TEST(Gray, NeighbouringLevelsDifferInOneBitAndDecodeInverts) {
    for (std::uint32_t i = 0; i < 255; ++i) {
        EXPECT_EQ(std::popcount(si::pattern::gray_encode(i) ^ si::pattern::gray_encode(i + 1)), 1)
            << i;
        EXPECT_EQ(si::pattern::gray_decode(si::pattern::gray_encode(i)), i);
    }
    // PAM8 labels (level 0..7): 000 001 011 010 110 111 101 100.
    const std::uint32_t pam8[8] = {0, 1, 3, 2, 6, 7, 5, 4};
    PamMapper m(8, true, false);
    for (std::uint32_t level = 0; level < 8; ++level) EXPECT_EQ(m.map(pam8[level]), level);
}

TEST(Precoding, FollowsTheRecurrenceOf802_3) {
    // P(n) = (G(n) - P(n-1)) mod N, P(-1) = 0; gray off so that G(n) = data.
    for (int n_levels : {2, 4, 8}) {
        const auto d = make_data(n_levels, 1000, 7);
        PamMapper m(n_levels, false, true);
        int prev = 0;
        for (auto g : d) {
            const int want = ((static_cast<int>(g) - prev) % n_levels + n_levels) % n_levels;
            const int got = m.map(g);
            ASSERT_EQ(got, want) << "N=" << n_levels;
            prev = got;
        }
    }
}

TEST(Mapping, RoundTripsForEveryLevelCountGrayAndPrecoding) {
    for (int n_levels : {2, 4, 8})
        for (bool gray : {false, true})
            for (bool pre : {false, true}) {
                const auto d = make_data(n_levels, 20'000, 11);
                PamMapper tx(n_levels, gray, pre);
                PamDemapper rx(n_levels, gray, pre);
                std::size_t errors = 0;
                for (auto v : d) {
                    const auto level = tx.map(v);
                    ASSERT_LT(level, n_levels);
                    errors += rx.demap(level) != v;
                }
                EXPECT_EQ(errors, 0u) << "N=" << n_levels << " gray=" << gray << " precode=" << pre;
                EXPECT_EQ(tx.bits_per_symbol(), std::countr_zero(static_cast<unsigned>(n_levels)));
            }
}

TEST(Precoding, SingleSymbolErrorBecomesTwoDecodedErrors) {
    for (int n_levels : {2, 4, 8}) {
        const auto d = make_data(n_levels, 200, 3);
        for (bool pre : {false, true}) {
            PamMapper tx(n_levels, true, pre);
            std::vector<std::uint8_t> levels;
            for (auto v : d) levels.push_back(tx.map(v));
            const std::size_t k = 100;  // one slicer error of one level step
            levels[k] = static_cast<std::uint8_t>(levels[k] == 0 ? 1 : levels[k] - 1);
            PamDemapper rx(n_levels, true, pre);
            std::vector<std::size_t> wrong;
            for (std::size_t i = 0; i < d.size(); ++i)
                if (rx.demap(levels[i]) != d[i]) wrong.push_back(i);
            if (pre)
                EXPECT_EQ(wrong, (std::vector<std::size_t>{k, k + 1})) << "N=" << n_levels;
            else
                EXPECT_EQ(wrong, (std::vector<std::size_t>{k})) << "N=" << n_levels;
        }
    }
}

TEST(Precoding, ResetRestoresTheInitialState) {
    PamMapper tx(4, true, true);
    std::vector<std::uint8_t> a, b;
    for (std::uint32_t v : {3u, 1u, 2u, 2u, 0u}) a.push_back(tx.map(v));
    tx.reset();
    for (std::uint32_t v : {3u, 1u, 2u, 2u, 0u}) b.push_back(tx.map(v));
    EXPECT_EQ(a, b);
}

TEST(MappingConfig, RejectsUnsupportedLevelCounts) {
    SI_EXPECT_THROW_MSG(PamMapper(3, true, false), si::ConfigError,
                        "signal.modulation: must be 2, 4 or 8 (got 3)");
    SI_EXPECT_THROW_MSG(PamDemapper(16, true, false), si::ConfigError, "(got 16)");
    SI_EXPECT_THROW_MSG((void)si::pattern::bits_per_symbol(0), si::ConfigError, "signal.modulation");
}

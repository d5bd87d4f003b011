// Burst statistics: bursts defined by the gap G (errors separated by fewer than G correct
// symbols belong to one burst), lengths and error counts, streaming across calls.
#include <vector>

#include "si/analysis/burst.hpp"
#include "si_test.hpp"

namespace {

std::vector<std::uint8_t> flags(std::size_t n, std::initializer_list<std::size_t> at) {
    std::vector<std::uint8_t> f(n, 0);
    for (auto i : at) f[i] = 1;
    return f;
}

TEST(BurstCounter, GroupsErrorsByTheGapRule) {
    // 10-12: one burst (length 3, 3 errors); 100 and 110: 9 correct between < 16 -> one burst
    // (length 11, 2 errors); 500 alone; 1000 and 1016: 15 correct between -> one burst;
    // 2000 and 2017: 16 correct between -> two bursts
    const auto f = flags(3000, {10, 11, 12, 100, 110, 500, 1000, 1016, 2000, 2017});
    si::analysis::BurstCounter bc(16, 64);
    bc.add_errors(f);
    bc.finish();
    EXPECT_EQ(bc.bursts(), 6u);
    EXPECT_EQ(bc.symbol_errors(), 10u);
    const auto& L = bc.length_histogram();
    const auto& K = bc.error_count_histogram();
    EXPECT_EQ(L[1], 3u);   // 500, 2000, 2017
    EXPECT_EQ(L[3], 1u);
    EXPECT_EQ(L[11], 1u);
    EXPECT_EQ(L[17], 1u);  // 1000..1016
    EXPECT_EQ(K[1], 3u);
    EXPECT_EQ(K[2], 2u);
    EXPECT_EQ(K[3], 1u);
    // G = 1: only consecutive errors form a burst
    si::analysis::BurstCounter one(1, 64);
    one.add_errors(f);
    one.finish();
    EXPECT_EQ(one.bursts(), 8u);
}

TEST(BurstCounter, SameCountsWhateverTheSplitAndLongBurstsInTheLastBin) {
    std::vector<std::uint8_t> f(5000, 0);
    for (std::size_t i = 0; i < f.size(); ++i) f[i] = (i % 97 == 0) || (i >= 3000 && i < 3100 && i % 2 == 0);
    si::analysis::BurstCounter a(4, 32), b(4, 32);
    a.add_errors(f);
    a.finish();
    for (std::size_t i = 0; i < f.size(); i += 13)
        b.add_errors(std::span<const std::uint8_t>(f).subspan(i, std::min<std::size_t>(13, f.size() - i)));
    b.finish();
    EXPECT_EQ(a.length_histogram(), b.length_histogram());
    EXPECT_EQ(a.error_count_histogram(), b.error_count_histogram());
    EXPECT_GE(a.length_histogram()[32], 1u);  // the 100-symbol burst is counted in the last bin
    // add() on symbol streams equals add_errors on their mismatch flags
    std::vector<std::uint8_t> s(5000, 1), d(5000);
    for (std::size_t i = 0; i < 5000; ++i) d[i] = f[i] ? 2 : 1;
    si::analysis::BurstCounter c(4, 32);
    c.add(s, d);
    c.finish();
    EXPECT_EQ(c.length_histogram(), a.length_histogram());
    SI_EXPECT_THROW_MSG(si::analysis::BurstCounter(0, 8), si::ConfigError, "max_gap");
}

}  // namespace

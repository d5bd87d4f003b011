// SymbolSource / SymbolDecoder: 802.3 PAM4 patterns, random, user files, block invariance,
// periods and config rejection.
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <si/core/error.hpp>
#include <si/pattern/source.hpp>
#include <vector>

#include "si_test.hpp"

namespace {
using si::pattern::PatternConfig;
using si::pattern::SymbolDecoder;
using si::pattern::SymbolSource;

std::vector<std::uint8_t> run(const PatternConfig& cfg, std::size_t n) {
    SymbolSource s(cfg);
    std::vector<std::uint8_t> out(n);
    s.generate(out);
    return out;
}

std::vector<std::uint8_t> run_in_blocks(const PatternConfig& cfg, std::size_t n, std::size_t seed) {
    SymbolSource s(cfg);
    std::vector<std::uint8_t> out(n);
    std::size_t at = 0, k = seed;
    while (at < n) {
        k = (k * 1103515245u + 12345u) % 5003u;  // block sizes 0..5002, including 0 and 1
        const std::size_t len = std::min(n - at, k);
        s.generate(std::span(out).subspan(at, len));
        at += len;
    }
    EXPECT_EQ(s.position(), n);
    return out;
}

// 802.3 PAM4 Gray map written out here: data value (A = first bit = MSB) -> level.
constexpr std::array<std::uint8_t, 4> kGray802_3 = {0, 1, 3, 2};  // 00->0 01->1 10->3 11->2

PatternConfig cfg_of(std::string name, int levels = 4, bool gray = true, bool precode = false) {
    PatternConfig c;
    c.name = std::move(name);
    c.levels = levels;
    c.gray = gray;
    c.precode = precode;
    return c;
}
}  // namespace

TEST(SymbolSource, Prbs13qIsPrbs13BitPairsGrayMapped) {
    si::pattern::Prbs bits(13, si::pattern::prbs_start_state(13, 1));  // default start: from seed 1
    const auto q = run(cfg_of("prbs13q"), 3 * 8191);
    for (std::size_t i = 0; i < q.size(); ++i) {
        const int a = bits.next_bit(), b = bits.next_bit();
        ASSERT_EQ(q[i], kGray802_3[static_cast<std::size_t>(2 * a + b)]) << "symbol " << i;
    }
    EXPECT_EQ(run(cfg_of("prbs13", 4, true), q.size()), q);  // prbs13 + PAM4 + Gray == prbs13q
}

TEST(SymbolSource, Prbs13qPeriodIs8191Symbols) {
    SymbolSource s(cfg_of("prbs13q"));
    EXPECT_EQ(s.period(), 8191u);
    std::vector<std::uint8_t> out(2 * 8191);
    s.generate(out);
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + 8191, out.begin() + 8191));
    // 8191 is prime, so only a constant stream could have a shorter period.
    EXPECT_NE(std::count(out.begin(), out.begin() + 8191, out[0]), 8191);
    // Level counts over one period: the 8191 bit pairs of two PRBS13 periods cover each of the
    // 4 data values 2048 times except 00 (2047): odd period, so the even positions of two bit
    // periods visit every cyclic 2-bit window of one period once.
    std::array<int, 4> count{};
    for (std::size_t i = 0; i < 8191; ++i) ++count[out[i]];
    EXPECT_EQ(count[0], 2047);  // data 00 -> level 0
    EXPECT_EQ(count[1], 2048);
    EXPECT_EQ(count[2], 2048);
    EXPECT_EQ(count[3], 2048);
}

TEST(SymbolSource, Prbs31qIsPrbs31BitPairsGrayMapped) {
    si::pattern::Prbs bits(31, si::pattern::prbs_start_state(31, 1));  // default start: from seed 1
    const auto q = run(cfg_of("prbs31q"), 100'000);
    for (std::size_t i = 0; i < q.size(); ++i) {
        const int a = bits.next_bit(), b = bits.next_bit();
        ASSERT_EQ(q[i], kGray802_3[static_cast<std::size_t>(2 * a + b)]) << "symbol " << i;
    }
    EXPECT_EQ(SymbolSource(cfg_of("prbs31q")).period(), (1ull << 31) - 1);
}

TEST(SymbolSource, NrzTakesOneBitPerSymbol) {
    si::pattern::Prbs bits(9, si::pattern::prbs_start_state(9, 1));  // default start: from seed 1
    const auto s = run(cfg_of("prbs9", 2), 2000);
    for (std::size_t i = 0; i < s.size(); ++i) ASSERT_EQ(s[i], bits.next_bit()) << i;
    EXPECT_EQ(SymbolSource(cfg_of("prbs9", 2)).period(), 511u);
    EXPECT_EQ(SymbolSource(cfg_of("prbs9", 2)).bits_per_symbol(), 1);
}

TEST(SymbolSource, Pam8PeriodDividesWhenThreeDividesTheBitPeriod) {
    // 2^20 - 1 = 3 * 349525: three bits per symbol -> the symbol period is 349525.
    SymbolSource s(cfg_of("prbs20", 8, false));
    EXPECT_EQ(s.bits_per_symbol(), 3);
    ASSERT_EQ(s.period(), 349525u);
    std::vector<std::uint8_t> out(349525 + 5000);
    s.generate(out);
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + 5000, out.begin() + 349525));
    // ... and 2^9 - 1 = 511 is 7 * 73: PAM8 symbol period 511 / gcd(511, 3) = 511.
    EXPECT_EQ(SymbolSource(cfg_of("prbs9", 8)).period(), 511u);
}

TEST(SymbolSource, PrecodedPeriodIsTheTrueSmallestPeriod) {
    for (const auto& name : {"prbs7", "prbs9", "prbs11"})
        for (int n_levels : {2, 4, 8}) {
            const auto cfg = cfg_of(name, n_levels, true, true);
            const std::uint64_t l = *SymbolSource(cfg_of(name, n_levels, true, false)).period();
            const auto p = SymbolSource(cfg).period();
            ASSERT_TRUE(p.has_value());
            ASSERT_EQ(*p % l, 0u) << name << " N=" << n_levels;  // G is recovered from P
            const auto out = run(cfg, static_cast<std::size_t>(*p) * 2);
            EXPECT_TRUE(std::equal(out.begin(), out.begin() + static_cast<long>(*p),
                                   out.begin() + static_cast<long>(*p)))
                << name << " N=" << n_levels;
            for (std::uint64_t m = l; m < *p; m += l)  // no shorter multiple of L repeats
                EXPECT_FALSE(std::equal(out.begin(), out.begin() + static_cast<long>(*p),
                                        out.begin() + static_cast<long>(m)))
                    << name << " N=" << n_levels << " m=" << m;
        }
}

TEST(SymbolSource, SsprqHas65535SymbolsFromPrbs31Segments) {
    SymbolSource s(cfg_of("ssprq"));
    EXPECT_EQ(s.period(), 65535u);
    std::vector<std::uint8_t> out(2 * 65535 + 10);
    s.generate(out);
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + 65535 + 10, out.begin() + 65535));
    // The segments are PRBS31 runs from their seeds, paired MSB first and Gray-mapped.
    std::size_t bit_total = 0;
    for (const auto& seg : si::pattern::ssprq_segments()) bit_total += seg.bits;
    EXPECT_EQ(bit_total, 2u * 65535u);
    std::vector<std::uint8_t> bits;
    for (const auto& seg : si::pattern::ssprq_segments()) {
        si::pattern::Prbs p(31, seg.seed);
        for (std::uint32_t i = 0; i < seg.bits; ++i)
            bits.push_back(static_cast<std::uint8_t>(p.next_bit() ^ (seg.invert ? 1 : 0)));
    }
    for (std::size_t i = 0; i < 65535; ++i)
        ASSERT_EQ(out[i], kGray802_3[static_cast<std::size_t>(2 * bits[2 * i] + bits[2 * i + 1])])
            << i;
    // All four levels occur. No DC-balance bound is asserted: the segment table is provisional
    // (kSsprqDefinitionVerified == false) and PRBS31 runs from sparse seeds such as 0x2 are
    // far from fair bits for thousands of bits; docs/patterns.md lists the measured counts.
    std::array<int, 4> count{};
    for (std::size_t i = 0; i < 65535; ++i) ++count[out[i]];
    for (int c : count) EXPECT_GT(c, 10'000);
    EXPECT_FALSE(si::pattern::kSsprqDefinitionVerified);  // flip together with the docs
}

TEST(SymbolSource, RandomSymbolsAreUniformAndReproducible) {
    for (int n_levels : {2, 4, 8}) {
        auto cfg = cfg_of("random", n_levels);
        cfg.seed = 42;
        const std::size_t n = 400'000;
        const auto a = run(cfg, n);
        EXPECT_EQ(run_in_blocks(cfg, n, 5), a) << "same seed, other block split";
        std::vector<int> count(static_cast<std::size_t>(n_levels));
        for (auto v : a) ++count[v];
        const double p = 1.0 / n_levels, sigma = std::sqrt(n * p * (1 - p));
        for (int c : count)
            EXPECT_NEAR(c, n * p, 5 * sigma) << "N=" << n_levels;  // 5 sigma: 6e-7 false alarm
        cfg.seed = 43;
        const auto b = run(cfg, n);
        const auto same =
            std::inner_product(a.begin(), a.end(), b.begin(), std::size_t{0}, std::plus<>(),
                               [](auto x, auto y) { return std::size_t{x == y}; });
        EXPECT_NEAR(static_cast<double>(same), n * p, 5 * sigma) << "another seed is independent";
        EXPECT_FALSE(SymbolSource(cfg).period().has_value());
    }
}

TEST(SymbolSource, AnyBlockSplitGivesTheSameStream) {
    std::vector<PatternConfig> cfgs = {
        cfg_of("prbs31", 4, true, true), cfg_of("prbs7", 8, true, true), cfg_of("prbs23", 2),
        cfg_of("ssprq", 4, true, true), cfg_of("random", 4, false, true)};
    auto file = cfg_of("file", 4, true, true);
    file.file = si::testing::test_data("pattern/user_pam4.txt");
    cfgs.push_back(file);
    for (const auto& cfg : cfgs) {
        const auto whole = run(cfg, 150'000);
        for (std::size_t seed : {1u, 2u, 3u})
            EXPECT_EQ(run_in_blocks(cfg, 150'000, seed), whole) << cfg.name << " seed " << seed;
    }
}

TEST(SymbolSource, ResetRestartsPatternAndPrecoder) {
    for (const char* name : {"prbs15", "random", "ssprq"}) {
        SymbolSource s(cfg_of(name, 4, true, true));
        std::vector<std::uint8_t> a(10'001), b(10'001);
        s.generate(a);
        EXPECT_EQ(s.position(), 10'001u);
        s.reset();
        EXPECT_EQ(s.position(), 0u);
        s.generate(b);
        EXPECT_EQ(a, b) << name;
    }
}

TEST(SymbolDecoder, RecoversTheDataBitsOfEveryPattern) {
    for (const char* name : {"prbs7", "prbs13", "prbs31"})
        for (int n_levels : {2, 4, 8})
            for (bool gray : {false, true})
                for (bool pre : {false, true}) {
                    const auto cfg = cfg_of(name, n_levels, gray, pre);
                    const auto levels = run(cfg, 30'000);
                    const int order = std::stoi(std::string(name).substr(4));
                    si::pattern::Prbs bits(order, si::pattern::prbs_start_state(order, 1));
                    SymbolDecoder dec(cfg);
                    EXPECT_EQ(dec.bits_per_symbol(), SymbolSource(cfg).bits_per_symbol());
                    std::size_t errors = 0;
                    for (auto l : levels)
                        errors += dec.decode(l) != bits.take(dec.bits_per_symbol());
                    EXPECT_EQ(errors, 0u)
                        << name << " N=" << n_levels << " gray=" << gray << " pre=" << pre;
                }
}

TEST(SymbolSource, UserFileHoldsDataValuesRepeatedCyclically) {
    auto cfg = cfg_of("file", 4, true);
    cfg.file = si::testing::test_data("pattern/user_pam4.txt");
    const std::vector<std::uint8_t> data = {0, 1, 2, 3, 3, 2, 1, 0, 2, 2, 0};
    EXPECT_EQ(si::pattern::read_pattern_file(cfg.file, 4), data);
    SymbolSource s(cfg);
    EXPECT_EQ(s.period(), data.size());
    std::vector<std::uint8_t> out(3 * data.size() + 4);
    s.generate(out);
    for (std::size_t i = 0; i < out.size(); ++i)
        EXPECT_EQ(out[i], kGray802_3[data[i % data.size()]]) << i;  // Gray applied to file data
    cfg.gray = false;
    const auto plain = run(cfg, data.size());
    EXPECT_EQ(plain, data);
}

TEST(SymbolSourceFile, RejectsBadFilesNamingFileAndLine) {
    const auto path = [](const char* f) {
        return si::testing::test_data(std::string("pattern/") + f);
    };
    SI_EXPECT_THROW_MSG((void)si::pattern::read_pattern_file(path("out_of_range.txt"), 4),
                        si::IoError,
                        "out_of_range.txt:3: symbol value 4 out of range 0..3 for levels = 4");
    SI_EXPECT_THROW_MSG((void)si::pattern::read_pattern_file(path("non_numeric.txt"), 4),
                        si::IoError, "non_numeric.txt:2: 'x3' is not a symbol value");
    SI_EXPECT_THROW_MSG((void)si::pattern::read_pattern_file(path("empty.txt"), 4), si::IoError,
                        "empty.txt: pattern file holds no symbols");
    SI_EXPECT_THROW_MSG((void)si::pattern::read_pattern_file(path("no_such_file.txt"), 4),
                        si::IoError, "no_such_file.txt: cannot open pattern file");
    // NRZ: the value 2 on line 1 of the PAM4 file is out of range.
    SI_EXPECT_THROW_MSG((void)si::pattern::read_pattern_file(path("user_pam4.txt"), 2), si::IoError,
                        "user_pam4.txt:2: symbol value 2 out of range 0..1");
    auto cfg = cfg_of("file");
    cfg.file = path("out_of_range.txt");
    SI_EXPECT_THROW_MSG(SymbolSource{cfg}, si::IoError, "out_of_range.txt:3");
}
TEST(SymbolSourceFile, RefusesDevicesAndDirectoriesInsteadOfReadingWithoutEnd) {
    // /dev/zero is one endless line: getline grew without bound before the regular-file check.
    SI_EXPECT_THROW_MSG((void)si::pattern::read_pattern_file("/dev/zero", 4), si::IoError,
                        "/dev/zero: pattern file is not a regular file");
    SI_EXPECT_THROW_MSG((void)si::pattern::read_pattern_file(si::testing::test_data("pattern"), 4),
                        si::IoError, "not a regular file");
}


TEST(PatternConfig, RejectsBadValuesNamingTheKey) {
    using si::pattern::validate;
    EXPECT_NO_THROW(validate(PatternConfig{}));
    SI_EXPECT_THROW_MSG(
        validate(cfg_of("prbs8")), si::ConfigError,
        "signal.pattern: must be one of prbs7, prbs9, prbs11, prbs13, prbs15, prbs20, "
        "prbs23, prbs31, prbs13q, prbs31q, ssprq, random, file (got 'prbs8')");
    SI_EXPECT_THROW_MSG(validate(cfg_of("prbs7", 3)), si::ConfigError,
                        "signal.modulation: must be 2, 4 or 8 (got 3)");
    SI_EXPECT_THROW_MSG(validate(cfg_of("prbs13q", 2)), si::ConfigError,
                        "signal.modulation: must be 4 for prbs13q (a PAM4 pattern, IEEE 802.3 "
                        "120.5.11.2.1) (got 2)");
    SI_EXPECT_THROW_MSG(validate(cfg_of("ssprq", 8)), si::ConfigError,
                        "signal.modulation: must be 4 for ssprq");
    SI_EXPECT_THROW_MSG(validate(cfg_of("prbs31q", 4, false)), si::ConfigError,
                        "signal.gray: must be true for prbs31q");
    SI_EXPECT_THROW_MSG(validate(cfg_of("file")), si::ConfigError,
                        "signal.pattern: must name a pattern file when signal.pattern = file");
    SI_EXPECT_THROW_MSG(SymbolSource{cfg_of("PRBS7")}, si::ConfigError, "(got 'PRBS7')");
    SI_EXPECT_THROW_MSG(SymbolDecoder{cfg_of("prbs7", 16)}, si::ConfigError, "signal.modulation");
}

// Issue 5.4: the seed chooses the PRBS start state; "ones" keeps the standards' all-ones start.
TEST(SymbolSource, SeedChoosesThePrbsStartState) {
    for (const char* name : {"prbs31q", "prbs13q", "prbs31"}) {
        auto a = cfg_of(name), b = cfg_of(name);
        a.seed = 1;
        b.seed = 7;
        const auto sa = run(a, 4096), sb = run(b, 4096);
        EXPECT_NE(sa, sb) << name << ": seeds 1 and 7 must give different stretches";
        // Both are the same sequence: seed 7's stream is a shifted copy of seed 1's (checked on
        // the 8191-symbol PRBS13Q, whose whole period is cheap to search).
        if (std::string(name) == "prbs13q") {
            const auto period = run(a, 2 * 8191);
            bool found = false;
            for (std::size_t s = 0; s < 8191 && !found; ++s)
                found = std::equal(sb.begin(), sb.begin() + 200, period.begin() + s);
            EXPECT_TRUE(found) << "seed 7 must start inside the same PRBS13Q sequence";
        }
    }
}

TEST(SymbolSource, OnesStartIsTheAllOnesRegister) {
    auto c = cfg_of("prbs13q");
    c.prbs_start = "ones";
    c.seed = 12345;  // ignored for the all-ones start
    const auto s = run(c, 3);
    // 13 ones: bit pairs 11,11,11 -> data value 3 -> 802.3 Gray level 2
    for (auto l : s) EXPECT_EQ(l, kGray802_3[3]);
    si::pattern::Prbs bits(13);  // all-ones register by definition
    EXPECT_EQ(bits.seed(), 0x1FFFu);
}

TEST(SymbolSource, SeededPrbs31StartIsBalanced) {
    // From the all-ones state PRBS31Q is strongly unbalanced for ~200 UI (mean level value -0.48
    // over the first 128 UI, issue 5). A seed-chosen start must not be: over 64 seeds the mean of
    // the first 128 level values is ~0 +- 0.745/sqrt(128 * 64) (rms 0.745 of uniform PAM4 levels).
    double sum = 0;
    for (std::uint64_t seed = 1; seed <= 64; ++seed) {
        auto c = cfg_of("prbs31q");
        c.seed = seed;
        for (auto l : run(c, 128)) sum += -1.0 + 2.0 * l / 3.0;
    }
    EXPECT_LT(std::abs(sum / (128 * 64)), 5 * 0.745 / std::sqrt(128.0 * 64));
    auto ones = cfg_of("prbs31q");
    ones.prbs_start = "ones";
    double s1 = 0;
    for (auto l : run(ones, 128)) s1 += -1.0 + 2.0 * l / 3.0;
    EXPECT_LT(s1 / 128, -0.3) << "the all-ones start is the known unbalanced stretch";
}

TEST(PatternConfig, RejectsUnknownPrbsStart) {
    auto c = cfg_of("prbs31");
    c.prbs_start = "zeros";
    SI_EXPECT_THROW_MSG(si::pattern::validate(c), si::ConfigError, "signal.prbs_start");
}

// PRBS symbols are read 64 bits at a time when they tile a word (NRZ, PAM4) and bit group by bit
// group otherwise: every split of the calls gives the register's bits in order, bps per symbol,
// first bit the MSB (PAM8: 3 bits, never tiled).
TEST(SymbolSource, PrbsSymbolsAreTheRegisterBitsInOrderWhateverTheSplit) {
    for (int levels : {2, 4, 8})
        for (std::uint64_t seed : {1u, 77u}) {
            auto cfg = cfg_of("prbs31", levels, false);
            cfg.seed = seed;
            si::pattern::Prbs bits(31, si::pattern::prbs_start_state(31, seed));
            const int bps = levels == 2 ? 1 : levels == 4 ? 2 : 3;
            const auto got = run_in_blocks(cfg, 20'000, seed + 5);
            for (std::size_t i = 0; i < got.size(); ++i) {
                int v = 0;
                for (int b = 0; b < bps; ++b) v = 2 * v + bits.next_bit();
                ASSERT_EQ(got[i], v) << levels << " " << seed << " symbol " << i;
            }
        }
}

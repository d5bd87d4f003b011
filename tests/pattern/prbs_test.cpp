// PRBS-n generator: polynomials, seed convention, period, balance, run lengths, block invariance.
#include <fstream>
#include <map>
#include <si/core/error.hpp>
#include <si/pattern/prbs.hpp>
#include <sstream>
#include <vector>

#include "si_test.hpp"

namespace {

using si::pattern::Prbs;

// The standard polynomials written out here, independently of the library: recurrence delays
// are the exponents (ITU-T O.150 clause 5; PRBS13 from IEEE 802.3 94.2.9.3 / 120.5.11.2.1).
const std::map<int, std::vector<int>> kPoly = {
    {7, {7, 6}},    {9, {9, 5}},   {11, {11, 9}},  {13, {13, 12, 2, 1}},
    {15, {15, 14}}, {20, {20, 3}}, {23, {23, 18}}, {31, {31, 28}},
};

// Plain bit-serial reference: b[0..n-1] = seed MSB first, then b[i] = XOR b[i-k].
std::vector<std::uint8_t> reference_bits(int n, std::uint32_t seed, std::size_t count) {
    const auto& taps = kPoly.at(n);
    std::vector<std::uint8_t> b(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (i < static_cast<std::size_t>(n)) {
            b[i] = (seed >> (n - 1 - static_cast<int>(i))) & 1u;
        } else {
            std::uint8_t v = 0;
            for (int k : taps) v ^= b[i - static_cast<std::size_t>(k)];
            b[i] = v;
        }
    }
    return b;
}

std::vector<std::uint8_t> library_bits(int n, std::size_t count,
                                       std::uint32_t seed = Prbs::kAllOnes) {
    Prbs p(n, seed);
    std::vector<std::uint8_t> b(count);
    p.fill_bits(b);
    return b;
}

// GF(2) polynomial arithmetic modulo c(x) = 1 + sum x^k (degree n), for the order test.
std::uint64_t mulmod(std::uint64_t a, std::uint64_t b, std::uint64_t c, int n) {
    std::uint64_t r = 0;
    while (b) {
        if (b & 1) r ^= a;
        b >>= 1;
        a <<= 1;
        if (a >> n & 1) a ^= c;
    }
    return r;
}
std::uint64_t powmod_x(std::uint64_t e, std::uint64_t c, int n) {
    std::uint64_t r = 1, base = 2;  // base = x
    while (e) {
        if (e & 1) r = mulmod(r, base, c, n);
        base = mulmod(base, base, c, n);
        e >>= 1;
    }
    return r;
}

}  // namespace

TEST(Prbs, TapsAreTheStandardPolynomials) {
    for (const auto& [n, taps] : kPoly) EXPECT_EQ(si::pattern::prbs_taps(n), taps) << "PRBS" << n;
}

TEST(Prbs, MatchesBitSerialRecurrenceForEveryOrderAndSeed) {
    for (const auto& [n, taps] : kPoly) {
        for (std::uint32_t seed : {Prbs::kAllOnes, 1u, 0x5A5A5A5Au}) {
            const std::uint32_t s = seed & static_cast<std::uint32_t>((1ull << n) - 1);
            // 64 * 31 warm-up bits plus many word-wise ones.
            EXPECT_EQ(library_bits(n, 20'000, seed), reference_bits(n, s, 20'000))
                << "PRBS" << n << " seed " << seed;
        }
    }
}

TEST(Prbs, Prbs7AllOnesStartsWithSevenOnesThenRecurrence) {
    // Derived by hand from b[i] = b[i-6] ^ b[i-7], b[0..6] = 1: b[7..12] = 0, b[13] = b[7]^b[6] =
    // 1, b[14] = b[8]^b[7] = 0, ..., b[19] = b[13]^b[12] = 1, b[20] = b[14]^b[13] = 1.
    const std::vector<std::uint8_t> want = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0,
                                            0, 0, 1, 0, 0, 0, 0, 0, 1, 1};
    EXPECT_EQ(library_bits(7, want.size()), want);
}

TEST(Prbs, Prbs7MatchesPublishedCommDspyVector) {
    // Third-party vector (see tests/data/pattern/README.md): our PRBS7 delayed by the 7 seed bits.
    std::ifstream in(si::testing::test_data("pattern/prbs7_seed_ones_commdspy.csv"));
    ASSERT_TRUE(in) << "missing test vector";
    std::vector<std::uint8_t> want;
    std::string tok;
    while (std::getline(in, tok, ',')) want.push_back(static_cast<std::uint8_t>(std::stoi(tok)));
    ASSERT_EQ(want.size(), 127u);
    const auto got = library_bits(7, 7 + 127);
    EXPECT_EQ(std::vector<std::uint8_t>(got.begin() + 7, got.end()), want);
}

TEST(Prbs, PeriodIsTwoToTheNMinusOneByRunning) {
    // n <= 23: every non-zero n-bit window occurs exactly once per period (which makes 2^n - 1
    // the smallest period), the stream repeats after 2^n - 1 bits, and a period holds 2^(n-1) ones.
    for (int n : {7, 9, 11, 13, 15, 20, 23}) {
        const std::uint64_t period = (1ull << n) - 1;
        EXPECT_EQ(si::pattern::prbs_period(n), period);
        const auto b = library_bits(n, period + static_cast<std::size_t>(n) + 1000);
        for (std::size_t i = 0; i < 1000 + static_cast<std::size_t>(n); ++i)
            ASSERT_EQ(b[i], b[i + period]) << "PRBS" << n << " i=" << i;
        std::vector<std::uint8_t> seen(std::size_t{1} << n, 0);
        std::uint64_t w = 0, ones = 0;
        const std::uint64_t mask = (1ull << n) - 1;
        for (std::size_t i = 0; i < period + static_cast<std::size_t>(n) - 1; ++i) {
            w = ((w << 1) | b[i]) & mask;
            if (i < period) ones += b[i];
            if (i + 1 >= static_cast<std::size_t>(n)) ++seen[w];
        }
        EXPECT_EQ(seen[0], 0) << "PRBS" << n << ": the all-zero state occurred";
        std::size_t once = 0;
        for (std::size_t s = 1; s < seen.size(); ++s) once += seen[s] == 1;
        EXPECT_EQ(once, period) << "PRBS" << n;
        EXPECT_EQ(ones, 1ull << (n - 1)) << "PRBS" << n << " balance";
    }
}

TEST(Prbs, Prbs31RepeatsAfterTwoToThe31MinusOneBits) {
    // 2^31 - 1 is prime, so a repeat at 2^31 - 1 of a non-constant stream makes it the period.
    Prbs p(31);
    const std::uint64_t first = p.next_word();
    const std::uint64_t second = p.next_word();
    const std::uint64_t period = (1ull << 31) - 1;
    const std::uint64_t whole_words = period / 64;  // 33554431 words = period - 63 bits
    for (std::uint64_t m = 2; m < whole_words; ++m) (void)p.next_word();
    (void)p.take(32);
    (void)p.take(31);
    EXPECT_EQ(p.next_word(), first);
    EXPECT_EQ(p.next_word(), second);
    EXPECT_NE(first, 0u);
    EXPECT_NE(first, ~0ull);  // the all-ones seed gives 31 ones then zeros: not constant
}

TEST(Prbs, Prbs31OutputObeysRecurrenceOverAWindow) {
    const std::size_t n = std::size_t{1} << 22;
    Prbs p(31, 0x2468ACEu);
    (void)p.take(17);  // an unaligned start
    std::vector<std::uint8_t> b(n);
    p.fill_bits(b);
    std::size_t bad = 0, ones = 0;
    for (std::size_t i = 31; i < n; ++i) bad += b[i] != (b[i - 31] ^ b[i - 28]);
    for (auto v : b) ones += v;
    EXPECT_EQ(bad, 0u);
    // 4M bits of an m-sequence: ones fraction 1/2 within 6 sigma (sigma = sqrt(n)/2 ~ 1024).
    EXPECT_NEAR(static_cast<double>(ones), n / 2.0, 6 * 1024.0);
}

TEST(Prbs, PolynomialsArePrimitive) {
    // Order of x modulo c(x) = 1 + sum x^k is exactly 2^n - 1, so the recurrence of the library's
    // taps yields a maximal-length sequence from any non-zero seed (proof of the period for n =
    // 31).
    const std::map<int, std::vector<std::uint64_t>> prime_factors = {
        {7, {127}},         {9, {7, 73}},       {11, {23, 89}},
        {13, {8191}},       {15, {7, 31, 151}}, {20, {3, 5, 11, 31, 41}},
        {23, {47, 178481}}, {31, {2147483647}},
    };
    for (const auto& [n, factors] : prime_factors) {
        std::uint64_t c = 1;
        for (int k : si::pattern::prbs_taps(n)) c |= 1ull << k;
        const std::uint64_t l = (1ull << n) - 1;
        EXPECT_EQ(powmod_x(l, c, n), 1u) << "PRBS" << n;
        for (auto q : factors) EXPECT_NE(powmod_x(l / q, c, n), 1u) << "PRBS" << n << " q=" << q;
    }
}

TEST(Prbs, Prbs7RunLengthDistributionIsThatOfAnMSequence) {
    // Golomb: per period, 2^(n-r-2) runs of ones and of zeros of each length r = 1..n-2, one run of
    // n-1 zeros and one run of n ones. For n = 7: 32, 16, 8, 4, 2 runs of length 1..5; 1 of 6; 1
    // of 7.
    const auto b = library_bits(7, 127);
    // Rotate to start at a run boundary so the cyclic runs are counted once.
    std::size_t start = 1;
    while (b[start] == b[start - 1]) ++start;
    std::map<std::pair<int, int>, int> runs;  // (bit, length) -> count
    int len = 0;
    for (std::size_t k = 0; k < 127; ++k) {
        const auto cur = b[(start + k) % 127];
        const auto next = b[(start + k + 1) % 127];
        ++len;
        if (next != cur) {
            ++runs[{cur, len}];
            len = 0;
        }
    }
    for (int r = 1; r <= 5; ++r) {
        EXPECT_EQ((runs[{0, r}]), 1 << (7 - r - 2)) << "zeros r=" << r;
        EXPECT_EQ((runs[{1, r}]), 1 << (7 - r - 2)) << "ones r=" << r;
    }
    EXPECT_EQ((runs[{0, 6}]), 1);
    EXPECT_EQ((runs[{1, 6}]), 0);
    EXPECT_EQ((runs[{1, 7}]), 1);
    EXPECT_EQ((runs[{0, 7}]), 0);
}

TEST(Prbs, AnySplitOfCallsGivesTheSameStream) {
    const auto want = library_bits(23, 50'000);
    Prbs p(23);
    std::vector<std::uint8_t> got;
    std::size_t call = 0;
    while (got.size() + 64 < want.size()) {
        switch (call++ % 4) {
            case 0: {  // a word, earliest bit in the MSB
                const auto w = p.next_word();
                for (int j = 63; j >= 0; --j) got.push_back((w >> j) & 1u);
                break;
            }
            case 1: {  // k bits, MSB first
                const int k = 1 + static_cast<int>(call % 32);
                const auto v = p.take(k);
                for (int j = k - 1; j >= 0; --j) got.push_back((v >> j) & 1u);
                break;
            }
            case 2: {
                std::vector<std::uint8_t> chunk(1 + call % 97);
                p.fill_bits(chunk);
                got.insert(got.end(), chunk.begin(), chunk.end());
                break;
            }
            default:
                got.push_back(static_cast<std::uint8_t>(p.next_bit()));
        }
    }
    ASSERT_LE(got.size(), want.size());
    EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin()));
}

TEST(Prbs, ResetRestartsFromTheSeed) {
    Prbs p(15, 0x1234);
    std::vector<std::uint8_t> a(5000), b(5000);
    p.fill_bits(a);
    p.reset();
    p.fill_bits(b);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, reference_bits(15, 0x1234, 5000));
}

TEST(PrbsConfig, RejectsUnsupportedOrderAndZeroSeed) {
    SI_EXPECT_THROW_MSG(Prbs(8), si::ConfigError,
                        "pattern.prbs.order: must be one of 7, 9, 11, 13, 15, 20, 23, 31 (got 8)");
    SI_EXPECT_THROW_MSG(Prbs(7, 0x80u), si::ConfigError, "pattern.prbs.seed");  // low 7 bits zero
}

#include <gtest/gtest.h>

#include <vector>

#include "si/analysis/ber.hpp"
#include "si/core/rng.hpp"

namespace {

TEST(FindAlignment, RecoversKnownLagDespiteErrors) {
    std::vector<std::uint8_t> sent(5000), rx(5000);
    for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = si::random_bits(3, si::Stream::pattern, i) % 4;
    for (int lag : {0, 7, 123}) {
        for (std::size_t i = 0; i < rx.size(); ++i) rx[i] = i >= std::size_t(lag) ? sent[i - lag] : 0;
        for (std::size_t i = 0; i < rx.size(); i += 50) rx[i] ^= 1;  // 2 % errors
        double mism = 0;
        EXPECT_EQ(si::analysis::find_alignment(sent, rx, 200, &mism), lag);
        EXPECT_NEAR(mism, 0.02, 0.005);
    }
    EXPECT_EQ(si::analysis::find_alignment(sent, std::vector<std::uint8_t>(100), 200), -1);
}

// The lag and mismatch fraction are those of the plain search (every lag counted over the whole
// window, the fewest mismatches, ties to the smallest lag) whatever lag is tried first: with
// errors, NRZ ties (two equal lags), a short pattern (periodic: several lags tie exactly), a
// wrong or out-of-range guess.
TEST(FindAlignment, GuessNeverChangesTheResult) {
    auto plain = [](const std::vector<std::uint8_t>& s, const std::vector<std::uint8_t>& d, int max_lag, double& m) {
        const std::size_t n = std::min(s.size(), d.size()), w = n - static_cast<std::size_t>(max_lag);
        std::int64_t best = -1;
        std::size_t be = ~std::size_t{0};
        for (int lag = 0; lag <= max_lag; ++lag) {
            std::size_t e = 0;
            for (std::size_t i = 0; i < w; ++i) e += d[i + static_cast<std::size_t>(lag)] != s[i];
            if (e < be) be = e, best = lag;
        }
        m = static_cast<double>(be) / static_cast<double>(w);
        return best;
    };
    int cases = 0;
    for (int levels : {2, 4})
        for (std::size_t period : {0, 7, 64})
            for (int err_every : {0, 3, 40})
                for (int lag : {0, 5, 60}) {
                    std::vector<std::uint8_t> sent(3000), rx(3000);
                    for (std::size_t i = 0; i < sent.size(); ++i)
                        sent[i] = si::random_bits(9, si::Stream::pattern, period ? i % period : i) % levels;
                    for (std::size_t i = 0; i < rx.size(); ++i) {
                        rx[i] = i >= std::size_t(lag) ? sent[i - lag] : 0;
                        if (err_every && i % err_every == 0) rx[i] = (rx[i] + 1) % levels;
                    }
                    double want_m = 0;
                    const auto want = plain(sent, rx, 80, want_m);
                    for (int guess : {-1, lag, lag + 1, 0, 80, 81, 1000}) {
                        double m = -1;
                        EXPECT_EQ(si::analysis::find_alignment(sent, rx, 80, &m, guess), want)
                            << levels << " " << period << " " << err_every << " " << lag << " " << guess;
                        EXPECT_EQ(m, want_m);
                        ++cases;
                    }
                }
    EXPECT_EQ(cases, 2 * 3 * 3 * 3 * 7);
}

TEST(CountErrors, CountsSymbolsAndGrayBits) {
    // identity decoders: bits = level index (binary), so a 0<->3 error flips 2 bits
    const si::analysis::BitDecoder id = [](std::uint8_t l) { return std::uint32_t(l); };
    const std::vector<std::uint8_t> sent = {0, 1, 2, 3, 0, 1};
    const std::vector<std::uint8_t> rx = {0, 1, 3, 3, 3, 1};
    si::analysis::BerCounts c;
    c.bits_per_symbol = 2;
    si::analysis::count_errors(sent, rx, id, id, 1, c);
    EXPECT_EQ(c.symbols_compared, 5u);
    EXPECT_EQ(c.symbol_errors, 2u);
    EXPECT_EQ(c.bit_errors, 3u);  // 2->3: 1 bit, 0->3: 2 bits
    EXPECT_DOUBLE_EQ(c.ser(), 0.4);
    EXPECT_DOUBLE_EQ(c.ber(), 0.3);
}

TEST(CountErrors, StatelessDecodingGivesTheSameCounts) {
    // Gray PAM4 decoding (0 1 3 2): random levels with 10 % symbol errors
    const si::analysis::BitDecoder gray = [](std::uint8_t l) { return std::uint32_t(l ^ (l >> 1)); };
    std::vector<std::uint8_t> sent(20000), rx(20000);
    for (std::size_t i = 0; i < sent.size(); ++i) {
        sent[i] = si::random_bits(5, si::Stream::pattern, i) % 4;
        rx[i] = si::random_bits(6, si::Stream::pattern, i) % 10 == 0 ? si::random_bits(7, si::Stream::pattern, i) % 4 : sent[i];
    }
    for (std::size_t skip : {0u, 1u, 7u}) {
        si::analysis::BerCounts a, b;
        si::analysis::count_errors(sent, rx, gray, gray, skip, a);
        si::analysis::count_errors_stateless(sent, rx, gray, skip, b);
        EXPECT_GT(a.bit_errors, 1000u);
        EXPECT_EQ(a.symbols_compared, b.symbols_compared);
        EXPECT_EQ(a.symbol_errors, b.symbol_errors);
        EXPECT_EQ(a.bit_errors, b.bit_errors);
    }
}

}  // namespace

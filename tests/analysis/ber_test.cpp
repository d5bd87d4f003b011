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

}  // namespace

#include "si/analysis/ber.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace si::analysis {

namespace {
// Mismatches of a[0..n) against b[0..n), counted in blocks (vectorised); stops as soon as the
// count exceeds `limit` (the count returned is then some value > limit, else exact).
std::size_t mismatches(const std::uint8_t* a, const std::uint8_t* b, std::size_t n, std::size_t limit) noexcept {
    constexpr std::size_t kBlock = 256;
    std::size_t err = 0;
    for (std::size_t i = 0; i < n; i += kBlock) {
        const std::size_t m = std::min(kBlock, n - i);
        unsigned e = 0;
        for (std::size_t k = 0; k < m; ++k) e += a[i + k] != b[i + k];
        err += e;
        if (err > limit) return err;
    }
    return err;
}
}  // namespace

std::int64_t find_alignment(std::span<const std::uint8_t> sent,
                            std::span<const std::uint8_t> decided, int max_lag,
                            double* mismatch_fraction, int guess) {
    const std::size_t n = std::min(sent.size(), decided.size());
    if (n < static_cast<std::size_t>(max_lag) + 64) return -1;
    const std::size_t window = n - static_cast<std::size_t>(max_lag);
    // The lag with the fewest mismatches, ties to the smallest lag. A lag's count stops once it
    // cannot win any more (more than the best so far, or as many at a larger lag), so trying the
    // likely lag first makes every other lag stop after a few symbols; the result is the same.
    std::int64_t best = -1;
    std::size_t best_err = std::numeric_limits<std::size_t>::max();
    auto consider = [&](int lag) {
        const bool below = best < 0 || lag < best;  // a tie at this lag wins
        if (!below && best_err == 0) return;         // cannot have fewer than none
        const std::size_t limit = below ? best_err : best_err - 1;
        const std::size_t err = mismatches(decided.data() + lag, sent.data(), window, limit);
        if (err <= limit) {  // exact, and wins
            best_err = err;
            best = lag;
        }
    };
    if (guess >= 0 && guess <= max_lag) consider(guess);
    for (int lag = 0; lag <= max_lag; ++lag)
        if (lag != guess) consider(lag);
    if (mismatch_fraction) *mismatch_fraction = static_cast<double>(best_err) / static_cast<double>(window);
    return best;
}

void count_errors(std::span<const std::uint8_t> sent, std::span<const std::uint8_t> decided,
                  const BitDecoder& dec_sent, const BitDecoder& dec_decided, std::size_t skip,
                  BerCounts& c) {
    const std::size_t n = std::min(sent.size(), decided.size());
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t bs = dec_sent(sent[i]);
        const std::uint32_t bd = dec_decided(decided[i]);
        if (i < skip) continue;
        ++c.symbols_compared;
        c.symbol_errors += sent[i] != decided[i];
        c.bit_errors += static_cast<std::uint64_t>(__builtin_popcount(bs ^ bd));
    }
}

void count_errors_stateless(std::span<const std::uint8_t> sent, std::span<const std::uint8_t> decided,
                            const BitDecoder& decode, std::size_t skip, BerCounts& c) {
    const std::size_t n = std::min(sent.size(), decided.size());
    if (n <= skip) return;
    c.symbols_compared += n - skip;
    for (std::size_t i = skip; i < n; ++i) {
        if (sent[i] == decided[i]) continue;
        ++c.symbol_errors;
        c.bit_errors += static_cast<std::uint64_t>(std::popcount(decode(sent[i]) ^ decode(decided[i])));
    }
}

}  // namespace si::analysis

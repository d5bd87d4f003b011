#include "si/analysis/ber.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace si::analysis {

std::int64_t find_alignment(std::span<const std::uint8_t> sent,
                            std::span<const std::uint8_t> decided, int max_lag,
                            double* mismatch_fraction) {
    const std::size_t n = std::min(sent.size(), decided.size());
    if (n < static_cast<std::size_t>(max_lag) + 64) return -1;
    std::int64_t best = -1;
    std::size_t best_err = std::numeric_limits<std::size_t>::max();
    const std::size_t window = n - static_cast<std::size_t>(max_lag);
    for (int lag = 0; lag <= max_lag; ++lag) {
        std::size_t err = 0;
        // decision at index i + lag corresponds to symbol i
        for (std::size_t i = 0; i < window && err < best_err; ++i)
            err += decided[i + static_cast<std::size_t>(lag)] != sent[i];
        if (err < best_err) {
            best_err = err;
            best = lag;
        }
    }
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

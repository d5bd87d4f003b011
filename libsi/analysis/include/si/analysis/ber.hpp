#pragma once
/// \file ber.hpp
/// Symbol and bit error counting against the transmitted pattern, with automatic alignment.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace si::analysis {

/// Maps a level index to data bits (the pattern decoder: precoding then Gray undone). A fresh,
/// independent decoder is made for each stream through the factory.
using BitDecoder = std::function<std::uint32_t(std::uint8_t)>;

struct BerCounts {
    std::uint64_t symbols_compared = 0;
    std::uint64_t symbol_errors = 0;  ///< slicer decisions that differ from the sent level
    std::uint64_t bit_errors = 0;     ///< data bits that differ after decoding both streams
    int bits_per_symbol = 2;
    std::int64_t lag_symbols = -1;    ///< alignment found: decision i compares with symbol i - lag
    [[nodiscard]] double ser() const noexcept {
        return symbols_compared ? double(symbol_errors) / double(symbols_compared) : 0.0;
    }
    [[nodiscard]] double ber() const noexcept {
        return symbols_compared
                   ? double(bit_errors) / (double(symbols_compared) * bits_per_symbol)
                   : 0.0;
    }
};

/// Finds the lag (0..max_lag) at which rx decisions best match the sent symbols over the first
/// decisions: the lag with the fewest mismatches; ties go to the smallest lag. Returns -1 when
/// fewer than max_lag + 64 decisions are available. `guess` (when in 0..max_lag): the lag tried
/// first (the expected latency); it changes only the time taken, never the result.
[[nodiscard]] std::int64_t find_alignment(std::span<const std::uint8_t> sent,
                                          std::span<const std::uint8_t> decided, int max_lag,
                                          double* mismatch_fraction = nullptr, int guess = -1);

/// Counts errors of aligned streams: decided[i] vs sent[i] for i in [0, n). Decoders are fed
/// every symbol in order (their state carries across calls); counting starts at `skip`.
void count_errors(std::span<const std::uint8_t> sent, std::span<const std::uint8_t> decided,
                  const BitDecoder& dec_sent, const BitDecoder& dec_decided, std::size_t skip,
                  BerCounts& counts);

/// count_errors() for a stateless decoding (no precoding): equal symbols decode to equal bits,
/// so only the symbols that differ are decoded. Same counts as count_errors().
void count_errors_stateless(std::span<const std::uint8_t> sent, std::span<const std::uint8_t> decided,
                            const BitDecoder& decode, std::size_t skip, BerCounts& c);

}  // namespace si::analysis

#pragma once
/// \file burst.hpp
/// Error-burst statistics of a decision stream (DFE error propagation, precoding).
///
/// Definition: symbol errors separated by fewer than G correct symbols belong to one burst
/// (G = max_gap; G = 1 makes a burst a run of consecutive errors). A burst's *length* is the
/// span from its first to its last error, inclusive [symbols]; its *error count* is the number
/// of symbol errors in it. Default G = 16: longer than the feedback span of the DFEs in the
/// presets for the 1-tap case and the usual b1-driven propagation (an error feeds back into
/// the next few decisions), so one propagation event is not split, and far shorter than the
/// mean spacing 1/SER of independent errors at the SERs of interest (at SER 1e-4 two
/// independent errors fall within 16 symbols with probability ~1.6e-3), so distinct events are
/// rarely merged. With 802.3 1/(1+D) mod N precoding, a DFE burst of alternating level errors
/// +e, -e, +e, ... decodes into two errors (the first symbol and the one after the burst):
/// error count 2, length = raw length + 1.
#include <cstdint>
#include <span>
#include <vector>

namespace si::analysis {

class BurstCounter {
public:
    /// max_gap: G >= 1 (see above); max_length: histogram size (longer bursts go in the last bin).
    explicit BurstCounter(int max_gap = 16, int max_length = 64);

    /// Streams aligned sent/decided symbols (or decoded data values); state carries across
    /// calls (a burst may span calls).
    void add(std::span<const std::uint8_t> sent, std::span<const std::uint8_t> decided) noexcept;
    /// Same with error flags (nonzero = symbol error).
    void add_errors(std::span<const std::uint8_t> error_flags) noexcept;
    /// Closes the open burst (end of stream).
    void finish() noexcept;

    /// [L] = number of bursts of length L (index 0 unused; last index = max_length or longer).
    [[nodiscard]] const std::vector<std::uint64_t>& length_histogram() const noexcept { return len_; }
    /// [k] = number of bursts with k symbol errors (same binning).
    [[nodiscard]] const std::vector<std::uint64_t>& error_count_histogram() const noexcept { return cnt_; }
    [[nodiscard]] std::uint64_t bursts() const noexcept { return bursts_; }
    [[nodiscard]] std::uint64_t symbol_errors() const noexcept { return errors_; }
    [[nodiscard]] std::uint64_t symbols() const noexcept { return index_; }
    [[nodiscard]] int max_gap() const noexcept { return gap_; }

private:
    void error_at(std::uint64_t i) noexcept;
    int gap_, max_len_;
    std::vector<std::uint64_t> len_, cnt_;
    std::uint64_t bursts_ = 0, errors_ = 0, index_ = 0;
    bool open_ = false;
    std::uint64_t first_ = 0, last_ = 0, in_burst_ = 0;
};

}  // namespace si::analysis

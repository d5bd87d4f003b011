#pragma once
/// \file source.hpp
/// Streaming symbol source (transmit data -> PAM-N level indices) and the matching receiver-side
/// decoder. Conventions (data value, level index, Gray, precoding) are in mapping.hpp; PRBS
/// polynomials, seed and bit order in prbs.hpp; sources and what was verified in
/// docs/patterns.md.
///
/// Patterns (`PatternConfig::name`):
/// - "prbs7", "prbs9", "prbs11", "prbs13", "prbs15", "prbs20", "prbs23", "prbs31": PRBS bits,
///   log2(N) bits per symbol, first bit = MSB of the data value, then Gray/precoding.
/// - "prbs13q", "prbs31q" (IEEE 802.3 120.5.11.2.1 / 120.5.11.2.2): PRBS13 / PRBS31 bits taken
///   two at a time, Gray-mapped to PAM4. Identical to "prbs13"/"prbs31" with levels = 4 and
///   gray = true; the q names require exactly that. Periods 8191 and 2^31 - 1 symbols.
/// - "ssprq" (IEEE 802.3 120.5.11.2.3): 65535-symbol PAM4 pattern built from PRBS31 segments.
///   WARNING: the segment seeds/lengths here are NOT verified against the standard text; see
///   kSsprqDefinitionVerified and docs/patterns.md.
/// - "random": data values from si::random_bits(seed, Stream::pattern, symbol_index), a pure
///   function of (seed, position): reproducible for any block split. Not periodic.
/// - "file": data values (before Gray/precoding) read from a text file, repeated cyclically.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "si/pattern/mapping.hpp"
#include "si/pattern/prbs.hpp"

namespace si::pattern {

/// Test-pattern configuration (config section `signal`).
struct PatternConfig {
    std::string name = "prbs31";  ///< prbs7..prbs31, prbs13q, prbs31q, ssprq, random, file
    std::string file;             ///< user pattern file when name == "file"
    int levels = 4;               ///< 2 (NRZ), 4 (PAM4) or 8
    bool gray = true;             ///< Gray coding (data value = gray(level index))
    bool precode = false;         ///< IEEE 802.3 1/(1+D) mod N precoding
    std::uint64_t seed = 1;       ///< seed of the "random" pattern and of the PRBS start state
    /// PRBS register start state: "seed" (default) = a non-zero state derived from `seed`
    /// (prbs_start_state()), so different seeds start at different points of the sequence;
    /// "ones" = the all-ones register, as the standards' test-pattern definitions start.
    /// Applies to prbs* patterns only (ssprq and files start at their first symbol).
    std::string prbs_start = "seed";
};

/// Register start state of a PRBS of `order` for prbs_start = "seed": the low `order` bits of
/// a SplitMix64 draw from (seed, Stream::prbs_start), or all ones if those bits are zero.
[[nodiscard]] std::uint32_t prbs_start_state(int order, std::uint64_t seed) noexcept;

/// Throws si::ConfigError naming the key: "signal.pattern" (unknown name), "signal.modulation"
/// (not 2/4/8, or not 4 for prbs13q/prbs31q/ssprq), "signal.gray" (false for the 802.3 PAM4
/// patterns, which are defined Gray-coded), "signal.pattern" (empty when name == "file").
/// Does not open the file; SymbolSource does, and throws si::IoError for a bad file.
void validate(const PatternConfig& cfg);

/// Reads a user pattern file: data values 0..levels-1 as decimal integers separated by
/// whitespace and/or commas; '#' starts a comment to the end of the line. Throws si::IoError
/// naming the file and line for a non-numeric token or a value out of range, and naming the
/// file (line 0) when it cannot be opened or holds no values.
/// Largest pattern file read [bytes] (at most half as many symbols). Only regular files are
/// read: a directory, device (/dev/zero) or FIFO is an IoError, as is a larger file.
inline constexpr std::uintmax_t kMaxPatternFileBytes = 256ULL << 20;
[[nodiscard]] std::vector<std::uint8_t> read_pattern_file(const std::string& path, int levels);

/// One PRBS31 segment of the SSPRQ construction: `bits` output bits of PRBS31 (prbs.hpp
/// conventions) started from register value `seed`, inverted when `invert`.
struct SsprqSegment {
    std::uint32_t seed;
    std::uint32_t bits;
    bool invert;
};

/// False: the SSPRQ segment table below is a provisional reconstruction; the seeds, lengths and
/// inversions of IEEE 802.3 120.5.11.2.3 could not be checked against the standard text or a
/// published pattern file. Length (65535 symbols), PRBS31 origin, Gray coding and MSB-first bit
/// pairing are verified from secondary sources (docs/patterns.md). Check before using "ssprq"
/// for compliance-grade TDECQ numbers; the engine may warn when this is false.
inline constexpr bool kSsprqDefinitionVerified = false;

/// The SSPRQ segments in transmission order (2 * 65535 = 131070 bits in total).
[[nodiscard]] std::span<const SsprqSegment> ssprq_segments() noexcept;

/// One period of SSPRQ as PAM4 *data values* (bit pairs, first bit = MSB), 65535 entries;
/// Gray coding maps them to levels.
[[nodiscard]] std::vector<std::uint8_t> ssprq_data();

/// Streaming symbol source: level indices 0..N-1 (0 = lowest level), after Gray coding and
/// precoding. State carries across calls: any split of generate() calls gives the same stream.
class SymbolSource {
public:
    /// Validates cfg (si::ConfigError), reads the pattern file if any (si::IoError).
    explicit SymbolSource(const PatternConfig& cfg);

    /// Writes the next out.size() symbols.
    void generate(std::span<std::uint8_t> out);

    /// Restarts the pattern, the precoder and the random counter from the beginning.
    void reset();

    /// Symbols generated since construction or the last reset().
    [[nodiscard]] std::uint64_t position() const noexcept { return position_; }

    /// Period of the output level sequence in symbols, or nullopt for "random". Without
    /// precoding it is the smallest period. With precoding it is the smallest period when the
    /// data period is <= 2^24 symbols (found by running one or more data periods once, at the
    /// first call); for longer data periods (prbs31) it is 2 * L (odd data period L) or N * L,
    /// which are periods but possibly not the smallest.
    [[nodiscard]] std::optional<std::uint64_t> period() const;

    [[nodiscard]] int bits_per_symbol() const noexcept { return mapper_.bits_per_symbol(); }
    [[nodiscard]] int levels() const noexcept { return mapper_.levels(); }
    [[nodiscard]] const PatternConfig& config() const noexcept { return cfg_; }

private:
    enum class Kind { prbs, table, random };
    void generate_data(std::span<std::uint8_t> out);  // data values, no Gray/precoding
    [[nodiscard]] std::optional<std::uint64_t> data_period() const;

    PatternConfig cfg_;
    Kind kind_ = Kind::prbs;
    std::optional<Prbs> prbs_;
    std::vector<std::uint8_t> table_;  ///< one period of data values (ssprq, file)
    std::size_t table_pos_ = 0;
    PamMapper mapper_;
    std::uint64_t position_ = 0;
    mutable std::optional<std::uint64_t> period_cache_;
};

/// Receiver side: level index -> data bits of the symbol, undoing precoding and then Gray
/// coding (the inverse of SymbolSource's mapping; the pattern itself is not needed).
/// Stateful when precoding is on.
class SymbolDecoder {
public:
    /// Validates cfg like SymbolSource (si::ConfigError).
    explicit SymbolDecoder(const PatternConfig& cfg);
    /// Data value (bits_per_symbol bits, first bit in time = MSB) of received level `level`.
    [[nodiscard]] std::uint32_t decode(std::uint8_t level) noexcept {
        return demapper_.demap(level);
    }
    void reset() noexcept { demapper_.reset(); }
    [[nodiscard]] int bits_per_symbol() const noexcept { return demapper_.bits_per_symbol(); }

private:
    PamDemapper demapper_;
};

}  // namespace si::pattern

#pragma once
/// \file touchstone.hpp
/// Touchstone 1.0/1.1/2.0/2.1 reader. Every file becomes S-parameters on a strictly increasing
/// frequency grid in Hz, referenced to per-port impedances in ohm.
///
/// Reader rules (see docs/channel.md and shared/reference/touchstone.md):
///  - Version: a file whose first non-comment line is `[Version] 2.0|2.1` is version 2, anything
///    else is version 1. `[Version] 3.x` and `[Binary]` are rejected ("unsupported").
///  - Option line `# [Hz|kHz|MHz|GHz] [S|Y|Z|H|G] [MA|DB|RI] [R r1 .. rn]`: tokens matched by value
///    in any order, each optional with defaults GHz S MA R 50; `#` may be glued to the first token.
///    Unknown or repeated tokens are errors (never a silent default). v1: later option lines are
///    ignored with a warning; v2: a second option line is an error. References may be complex,
///    written `(50+50j)` or `50+50j` (scikit-rf writes these).
///  - Network data: a line with an odd number of values starts a frequency point, a line with an
///    even number continues it (complex pairs are never split). Each point must carry exactly
///    2 n^2 values (Full) or n (n+1) (Upper/Lower). For n = 2 the v1 order is N11 N21 N12 N22
///    (v2: `[Two-Port Data Order] 21_12`), otherwise rows are in order N11 N12 .. N1n, N21 ...
///  - v1 port count: from the `.sNp` extension (any case, any number of digits) or `ports_hint`;
///    if neither exists it is inferred from the size of the first point (with a warning).
///  - v1 noise data: in a 2-port file, the first frequency <= the previous one starts the noise
///    block, which is checked for 5 values per row and ignored (warning).
///  - Y/Z/H/G are converted to S at once. In v1 files they are normalised to R (Z11 = 1 means R
///    ohm); in v2 files they are in ohm/siemens and R/[Reference] only set the S reference.
///  - Rejected with file:line: nan/inf, non-numeric data, non-increasing frequencies, truncated
///    points, wrong value counts, `[Number of Frequencies]` mismatch, unknown keywords.
///  - Accepted: comments anywhere (`!` to end of line), CR/LF, tabs, leading blanks, UTF-8 BOM,
///    bytes >= 0x80 inside comments (Latin-1 / UTF-8). Bytes >= 0x80 outside comments: error.
#include <Eigen/Core>
#include <complex>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace si::channel {

/// Largest port count read (from `[Number of Ports]`, the `.sNp` extension or a hint): bounds
/// the n x n matrices allocated per frequency before the data have been counted.
inline constexpr int kMaxTouchstonePorts = 1024;
/// Largest Touchstone file read [bytes]; the parser needs about 10x the file size in memory.
inline constexpr std::uint64_t kMaxTouchstoneBytes = 1ULL << 30;

/// Contents of one Touchstone file, converted to S-parameters.
struct Touchstone {
    std::string path;          ///< file name as given (used in messages)
    int version = 1;           ///< 1 (includes 1.1) or 2 (2.0 and 2.1)
    int ports = 0;             ///< number of ports n
    char parameter = 'S';      ///< parameter type as written in the file: S, Y, Z, H or G
    std::vector<double> f_hz;  ///< frequencies [Hz], strictly increasing
    /// S matrix (n x n) per frequency, power-wave definition, referenced to z_ref_ohm.
    std::vector<Eigen::MatrixXcd> s;
    std::vector<std::complex<double>> z_ref_ohm;  ///< reference impedance per port [ohm]
    /// Non-fatal findings: missing [End], ignored noise data, non-uniform references, ignored
    /// vendor port-impedance comments, inferred port count, ignored second option line.
    std::vector<std::string> warnings;
    std::string mixed_mode_order;  ///< v2 `[Mixed-Mode Order]` text, "" if none
    std::string two_port_order;    ///< v2 `[Two-Port Data Order]` text ("12_21"/"21_12"), or ""
    std::string matrix_format = "Full";  ///< v2 `[Matrix Format]`: Full, Upper or Lower
};

/// Reads and parses a Touchstone file. `ports_override` > 0 sets the port count of a v1 file
/// (needed when the name does not end in .sNp); for a v2 file it must agree with
/// `[Number of Ports]`. Throws si::IoError ("file:line: what") for unreadable or malformed
/// files, si::ModelError for data that cannot be converted (e.g. singular Z at some frequency).
/// Only regular files of at most kMaxTouchstoneBytes are read (IoError for directories, devices,
/// FIFOs and larger files); port counts above kMaxTouchstonePorts are IoErrors.
/// Parsed files are cached (the last 16, keyed by path, port override, size and modification
/// time; thread-safe): a sweep reading the same channel for every point parses it once.
[[nodiscard]] Touchstone read_touchstone(const std::string& path, int ports_override = 0);
/// The same without copying it: the cached data itself (shared, immutable).
[[nodiscard]] std::shared_ptr<const Touchstone> read_touchstone_shared(const std::string& path,
                                                                       int ports_override = 0);

/// Parses Touchstone text already in memory. `name` is used in messages and, when
/// `ports_hint` == 0, for the v1 port count from its `.sNp` extension.
[[nodiscard]] Touchstone parse_touchstone(std::string_view text, const std::string& name,
                                          int ports_hint);

/// Port count from a `.sNp` extension (case-insensitive, multi-digit: "a.s12p" -> 12), else 0.
[[nodiscard]] int ports_from_extension(const std::string& path);

/// Z = sqrt(R) (I + S) (I - S)^-1 sqrt(R) [ohm] for real per-port references R (imaginary parts
/// of z_ref_ohm must be 0). Throws si::ModelError if I - S is singular (an ideal open).
[[nodiscard]] Eigen::MatrixXcd s_to_z(const Eigen::MatrixXcd& s,
                                      const std::vector<std::complex<double>>& z_ref_ohm);

/// S = (z - I)(z + I)^-1 with z = R^-1/2 Z R^-1/2 (power waves, real references R [ohm]).
[[nodiscard]] Eigen::MatrixXcd z_to_s(const Eigen::MatrixXcd& z_ohm,
                                      const std::vector<std::complex<double>>& z_ref_ohm);

/// Re-references S from real per-port impedances `from` to real `to` (both [ohm]), power waves:
/// S' = (D (I + S) - D^-1 (I - S)) (D (I + S) + D^-1 (I - S))^-1, D = diag(sqrt(from_i / to_i)).
/// (Equal to the route through z = (I + S)(I - S)^-1, z' = D z D, but needs no inverse of I - S,
/// so ideal opens and thrus are fine.) Throws si::ModelError for complex or non-positive refs.
[[nodiscard]] Eigen::MatrixXcd renormalize(const Eigen::MatrixXcd& s,
                                           const std::vector<std::complex<double>>& from_ohm,
                                           const std::vector<std::complex<double>>& to_ohm);

}  // namespace si::channel

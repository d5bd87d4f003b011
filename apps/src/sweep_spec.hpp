#pragma once
/// \file sweep_spec.hpp
/// The sweep file (docs/sweeps.md, public contract): a `[sweep]` table with `base` (a config
/// path relative to the sweep file) and/or the base config's own tables inline, and
/// `[[sweep.axis]]` entries:
///   key + values = [...]                       one key, listed values
///   key + start, stop, step|count (+ scale)    a range, scale = "lin" (default) | "log"
///   key + files = [...]                        file paths, relative to the sweep file
///   keys = [...] + values = [[...], ...]       zipped keys, varied together
///   csv = "points.csv"                         zipped keys from a CSV (header = keys)
/// Axes combine as a Cartesian product, the first axis varying slowest.
///
/// Seeds: unless `sim.seed` is itself swept, point i runs with
///   seed_i = splitmix64(base_seed + splitmix64(fnv1a64("key=value\n" for the varied keys in
///            name order))) >> 2
/// where value is the canonical text of the value (docs/sweeps.md), so a point keeps its seed
/// when the grid grows; `seeds = "common"` gives every point the base seed.
#include <cstdint>
#include <string>
#include <vector>

#include "si/io/config.hpp"

namespace sisim {

/// One value of a swept key.
struct SweepValue {
    std::string text;   ///< canonical text, as listed and hashed: 0.001, "prbs13q", [1, 0.5]
    std::string toml;   ///< what is applied with apply_override (absolute path for `files`)
    bool numeric = false;  ///< a TOML integer or float (table column is float64)
    double number = 0;     ///< the value when numeric
};

/// One axis: one key (or several zipped keys) and its rows of values.
struct SweepAxis {
    std::vector<std::string> keys;
    std::vector<std::vector<SweepValue>> rows;  ///< rows[j][k]: value of keys[k] at step j
    std::string where;                          ///< "sweep.toml:12:1" for messages
};

/// A parsed sweep file with its base config.
class SweepSpec {
public:
    /// Reads the sweep file and its base config, applies `sets` (--set) to the base. Bad input
    /// throws si::ConfigError naming the file, line and key.
    SweepSpec(const std::string& path, const std::vector<std::string>& sets);

    [[nodiscard]] std::size_t size() const { return count_; }
    /// Varied keys in column order (axis order, zipped keys in their order).
    [[nodiscard]] const std::vector<std::string>& keys() const { return keys_; }
    /// Values of point i, one per keys() entry.
    [[nodiscard]] std::vector<const SweepValue*> values(std::size_t i) const;
    /// The point's config: base + --set + the point's values + its seed. Throws
    /// si::ConfigError for a value the key does not accept.
    [[nodiscard]] si::io::ConfigTree tree(std::size_t i) const;
    /// The seed of point i (see the file comment).
    [[nodiscard]] std::uint64_t seed(std::size_t i) const;
    /// "index key=value ..." for --list.
    [[nodiscard]] std::string describe(std::size_t i) const;
    /// The canonical sweep definition (base config, --set, axes, seed mode) and its FNV-1a hash
    /// (16 hex digits): shards and point results carry the hash, merge checks it.
    [[nodiscard]] const std::string& definition() const { return definition_; }
    [[nodiscard]] const std::string& hash() const { return hash_; }
    /// Unit of a varied key (from the key registry).
    [[nodiscard]] std::string unit(const std::string& key) const;
    /// True when every value of varied key k is numeric.
    [[nodiscard]] bool numeric(std::size_t k) const;
    /// Indices of points whose full results are kept (`keep = "all"` or a list of indices).
    [[nodiscard]] bool keep_full(std::size_t i) const;
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
    si::io::ConfigTree base_;
    std::vector<SweepAxis> axes_;
    std::vector<std::string> keys_;
    std::vector<std::size_t> key_axis_, key_col_;
    std::size_t count_ = 1;
    bool common_seed_ = false;
    bool seed_swept_ = false;
    std::uint64_t base_seed_ = 1;
    bool keep_all_ = false;
    std::vector<std::size_t> keep_;
    std::string definition_, hash_;
};

/// TOML text of a double that reads back bit for bit (always a float: "1.0", "1e-06", "nan").
[[nodiscard]] std::string toml_number(double v);
/// TOML basic string with escapes.
[[nodiscard]] std::string toml_quote(const std::string& s);

/// FNV-1a 64-bit hash of a string.
[[nodiscard]] std::uint64_t fnv1a64(const std::string& s);
/// The splitmix64 finaliser (Steele, Lea, Flood 2014).
[[nodiscard]] std::uint64_t splitmix64(std::uint64_t x);

}  // namespace sisim

#pragma once
/// \file config.hpp
/// The configuration tree: TOML files plus `--set section.key=value` overrides, flattened to
/// dotted keys ("tx.swing") and checked against a registry of known keys with types and units.
///
/// The tree knows nothing of the simulator's structs: the engine declares its keys as KeySpec
/// rows, builds a ConfigTree from them, and reads typed values with a fallback. Every value keeps
/// where it came from ("link.toml:12:9", "--set", or "" for a default) so that later validation
/// can point at the offending line. The syntax is described in docs/config-format.md.
///
/// Checks happen when a value enters the tree (load_file, apply_override): unknown keys (with a
/// "did you mean" suggestion), wrong TOML types, and quantities that do not parse with the key's
/// unit are rejected there, so a bad config fails before any simulation starts. This header does
/// not include toml++.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "si/core/error.hpp"

namespace si::io {

/// The type a registry key accepts.
enum class KeyType {
    number,           ///< float, integer, or a string with SI prefix/unit ("53.125GBd", "7.5ps")
    integer,          ///< integer; also 1e6 written as float, and "1M"/"10k" strings (if integral)
    boolean,          ///< true / false
    string,           ///< a string (for --set, the raw text)
    number_array,     ///< array of numbers / SI strings: [0.1, "-25mV", 3]
    string_array,     ///< array of strings
    string_or_array,  ///< one string or an array of strings (e.g. channel.touchstone)
};

/// One known configuration key, as listed by `sisim keys`.
struct KeySpec {
    std::string key;  ///< dotted path, "tx.rise_time"; the last component is the TOML key
    KeyType type = KeyType::number;  ///< what the key accepts
    std::string unit;                ///< "Hz", "Bd", "s", "V", "UI", "dB", or "" for none
    std::string default_text;  ///< default as written in a config ("53.125GBd"); "" = no default
    std::string help;          ///< one-line meaning
    /// A key of a repeated family (hop.<i>.*): resolved_toml() and format_keys() leave it out
    /// unless it is set (format_keys: always).
    bool only_if_set = false;
};

/// A ConfigError raised for a value whose origin is known. what() is
/// "<location>: <key>: <message>" for a file location ("link.toml:12:9: tx.rise_time: cannot
/// read ..."), "--set <key>: <message>" for an override. key() is the plain dotted key (possibly
/// empty for TOML syntax errors) and location() the bare "file:line:column" or "--set".
class ConfigLocationError : public si::ConfigError {
public:
    /// `message` is the complete text returned by what().
    ConfigLocationError(std::string location, std::string key, std::string message);
    [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }
    /// "file:line:column", "--set", or "" (registry default).
    [[nodiscard]] const std::string& location() const noexcept { return location_; }

private:
    std::string location_;
    std::string message_;
};

/// Largest config file load_file() reads [bytes]; only regular files are read.
inline constexpr std::uintmax_t kMaxConfigBytes = 16ULL << 20;

/// Flattened, type-checked configuration values with their origins.
class ConfigTree {
public:
    /// Builds an empty tree over the given keys. Throws std::invalid_argument for a malformed
    /// registry (empty or duplicate key, or a key that is also a section of another key, like
    /// "tx" next to "tx.swing").
    explicit ConfigTree(std::vector<KeySpec> registry);
    ConfigTree(const ConfigTree&);
    ConfigTree& operator=(const ConfigTree&);
    ConfigTree(ConfigTree&&) noexcept;
    ConfigTree& operator=(ConfigTree&&) noexcept;
    ~ConfigTree();

    /// Loads a TOML file. Tables, inline tables and dotted keys flatten to "section.key". Values
    /// replace earlier loads of the same key, but never --set overrides (those always win,
    /// whatever the call order). Errors (nothing is changed in the tree then):
    /// - file missing/unreadable, not a regular file, or larger than kMaxConfigBytes: si::IoError
    ///   naming the file;
    /// - TOML syntax: ConfigLocationError "file:line:column: <toml++ message>";
    /// - unknown key: "file:line:column: unknown key 'tx.swng' (did you mean 'tx.swing'?)";
    /// - wrong type or unreadable quantity: "file:line:column: tx.rise_time: cannot read ...".
    /// Unknown keys and bad values are all collected: the message has one such line per
    /// problem, in file order, joined by '\n'; location() and key() are those of the first.
    void load_file(const std::string& path);
    /// Like load_file(path), but top-level keys and tables named in `ignore` are skipped (not
    /// checked against the registry): a sweep file holds its base config next to `[sweep]`.
    void load_file(const std::string& path, const std::vector<std::string>& ignore);
    /// load_file() for TOML text already in memory; `path` names it in messages and its
    /// directory resolves relative paths (path()).
    /// `ignore`: top-level keys and tables skipped, as in load_file(path, ignore).
    void load_text(std::string_view text, const std::string& path,
                   const std::vector<std::string>& ignore = {});

    /// Applies one `--set section.key=value`. The value is read as a TOML value (number, bool,
    /// "quoted string", [array]); text that is not valid TOML (53.125G, prbs31, ch.s4p) is taken
    /// as a string. For string keys the raw text is always the string (so `--set a.name=42`
    /// gives "42"), unless it is quoted. Unknown key: ConfigError "--set tx.swng=...: unknown
    /// key 'tx.swng' (did you mean 'tx.swing'?)"; wrong type: "--set tx.swing: ...".
    void apply_override(const std::string& assignment);

    /// True if the key was set by a file or an override (false for registry defaults).
    [[nodiscard]] bool has(const std::string& key) const;

    /// A number in SI base units: TOML integer/float as is, strings via si::parse_quantity with
    /// the key's unit ("7.5ps" -> 7.5e-12 for unit "s"). `fallback` when the key is not set.
    /// Errors name location and key. Asking for a key not in the registry is a programming error
    /// (std::logic_error).
    [[nodiscard]] double number(const std::string& key, double fallback) const;
    /// An integer: TOML integer; a float that is integral and in range (1e6); a string of a
    /// number with optional prefix k, M, G, T and optional key unit ("1M", "250k", "2e6").
    /// Non-integral values are errors (never rounded).
    [[nodiscard]] std::int64_t integer(const std::string& key, std::int64_t fallback) const;
    /// A TOML boolean.
    [[nodiscard]] bool boolean(const std::string& key, bool fallback) const;
    /// A string.
    [[nodiscard]] std::string string(const std::string& key, const std::string& fallback) const;
    /// An array of numbers (elements as number()).
    [[nodiscard]] std::vector<double> numbers(const std::string& key,
                                              const std::vector<double>& fallback) const;
    /// An array of strings; a single string becomes a one-element vector.
    [[nodiscard]] std::vector<std::string> strings(const std::string& key,
                                                   const std::vector<std::string>& fallback) const;

    /// Like the two-argument getters, but the fallback is the registry's default_text (read with
    /// the key's type). Throws ConfigError "<key>: required key is not set" when the key is
    /// neither set nor has a default.
    [[nodiscard]] double number(const std::string& key) const;
    [[nodiscard]] std::int64_t integer(const std::string& key) const;
    [[nodiscard]] bool boolean(const std::string& key) const;
    [[nodiscard]] std::string string(const std::string& key) const;
    [[nodiscard]] std::vector<double> numbers(const std::string& key) const;
    [[nodiscard]] std::vector<std::string> strings(const std::string& key) const;

    /// A file path: string() resolved against the directory of the config file that set it
    /// (absolute paths and --set values are returned unchanged; --set paths are relative to the
    /// working directory). `fallback` is returned unchanged.
    [[nodiscard]] std::string path(const std::string& key, const std::string& fallback) const;
    /// strings() resolved like path().
    [[nodiscard]] std::vector<std::string> paths(const std::string& key,
                                                 const std::vector<std::string>& fallback) const;

    /// Where the key's value came from: "file:line:column", "--set", or "" when not set.
    [[nodiscard]] std::string location(const std::string& key) const;
    /// Directory of the most recently loaded config file (absolute), or "" if none was loaded.
    [[nodiscard]] std::string source_dir() const;
    /// Every registry key with its effective value as TOML text: set values converted to SI
    /// base units (numbers as floats), defaults read from default_text (marked "# default"),
    /// keys without a usable default as a comment. Root keys first, then one [section] table
    /// per section in registry order. Loading the text again gives the same values.
    [[nodiscard]] std::string resolved_toml() const;
    /// The same, leaving out the keys for which omit(key) is true (e.g. the single-hop keys of a
    /// link of several hops, which that link refuses).
    [[nodiscard]] std::string resolved_toml(const std::function<bool(const std::string&)>& omit) const;
    /// The registry given to the constructor.
    [[nodiscard]] const std::vector<KeySpec>& registry() const;
    /// Keys currently set (file or override), sorted.
    [[nodiscard]] std::vector<std::string> keys_set() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The `sisim keys` table: one line per key with columns KEY, DEFAULT, UNIT, MEANING, aligned.
[[nodiscard]] std::string format_keys(const std::vector<KeySpec>& registry);

}  // namespace si::io

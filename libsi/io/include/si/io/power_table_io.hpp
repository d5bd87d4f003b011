#pragma once
/// \file power_table_io.hpp
/// Reads the power and latency table (si/arch/power_table.hpp) from TOML, e.g. models/power.toml:
///
///   schema_version = 1
///   [element.tia_cmos_112g]
///   description = "linear TIA, 16 nm CMOS, 112G PAM4 (LPO class)"
///   power_w = "47mW"             # or a number in W
///   energy_pj_per_bit = 0.0      # pJ/bit (plain number)
///   latency_s = "10ps"           # or a number in s
///   latency_s_per_m = 0.0        # s/m (fibre 4.9e-9)
///   codeword_bits = 0            # FEC fill at the line rate
///   source = "..."               # required
///   verify = false               # true: not from a primary source
///
/// Overrides: a second file with the same layout changes only the fields it gives (and may add
/// complete new elements); `--set`-style assignments "element.<name>.<field>=<value>" do the
/// same for one field. Errors are si::ConfigError with "file:line:column: element.<name>.<field>:
/// <reason>" (unknown fields with a suggestion, wrong types, negative values, a new element
/// without a source). This header does not include toml++.
#include <string>

#include "si/arch/power_table.hpp"

namespace si::io {

/// Reads a complete table (every element needs a source). Throws si::IoError for an unreadable
/// file and si::ConfigError for bad content.
[[nodiscard]] si::arch::PowerTable read_power_table(const std::string& path);

/// Applies a user override file to `table` (fields given replace the table's; new elements must
/// be complete).
void apply_power_overrides(si::arch::PowerTable& table, const std::string& path);

/// Applies one "element.<name>.<field>=<value>" assignment (value as TOML: 0.05, "47mW", true,
/// "text").
void apply_power_override(si::arch::PowerTable& table, const std::string& assignment);

}  // namespace si::io

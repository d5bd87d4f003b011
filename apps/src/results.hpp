#pragma once
/// \file results.hpp
/// Writes runs and channel reports in HDF5 schema version 1 (docs/hdf5-schema.md).
#include <string>

#include "si/io/h5.hpp"
#include "si/sim/link.hpp"

namespace sisim {

inline constexpr int kSchemaVersion = 2;
extern const char* const kVersion;

/// Root attributes shared by every output file.
void write_root_attrs(si::io::H5Group root, const std::string& command_line,
                      const std::string& config_text, std::uint64_t seed);
/// /channel: frequency_hz, sdd21, loss at Nyquist, pairing reports; and, given dt and UI, the
/// channel-only impulse and pulse responses.
void write_channel(si::io::H5Group root, const si::sim::Link& link);
/// For `sisim channel`: per-file passivity/causality report, stored as /channel attributes;
/// returns the text printed to the terminal.
[[nodiscard]] std::string channel_report(si::io::H5Group root, const si::sim::Link& link);
/// /pattern, /response, /eye/rx, /ber.
void write_run(si::io::H5Group root, const si::sim::Link& link, const si::sim::RunResult& r,
               bool with_pulse);

}  // namespace sisim

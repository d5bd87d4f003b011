#pragma once
/// \file results.hpp
/// Writes runs and channel reports in HDF5 schema version 1 (docs/hdf5-schema.md).
#include <string>

#include "si/io/h5.hpp"
#include "si/arch/budget.hpp"
#include "si/sim/link.hpp"
#include "si/sim/multihop.hpp"

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
/// /pattern, /response, /eye/rx, /ber (with_ber), /rx, /cdr, /run.
void write_run(si::io::H5Group root, const si::sim::Link& link, const si::sim::RunResult& r,
               bool with_pulse, bool with_ber = true);
/// A multi-hop run: /hop/<i>/ (each hop as write_channel + write_run, plus name, optical,
/// symbol_rate_bd), the last hop's eye and receiver at the root, the end-to-end /ber and /link.
void write_multi_hop(si::io::H5Group root, const si::sim::MultiLink& link,
                     const si::sim::MultiRunResult& r, bool with_pulse);
/// The optical probe (si/sim/optical_probe.hpp) of `link` over `symbols` symbols:
/// /waveforms/optical_tx (W, with dt_s and symbol_rate_bd, as `sisim tdecq` reads it) and its
/// TDECQ in /tdecq (reference equalizer "5tap" up to 60 GBd, "dj" above; the run's pattern
/// when TDECQ knows it, else the decisions). A waveform TDECQ cannot analyse (an eye too closed
/// to find the pattern in) gets /tdecq with tdecq_db = inf and `error`; the reason is returned
/// ("" when TDECQ was computed).
std::string write_optical_probe(si::io::H5Group root, const si::sim::Link& link, std::uint64_t symbols);
/// /budget: power and latency per element, per hop and end to end (docs/architectures.md).
void write_budget(si::io::H5Group root, const si::arch::ChainBudget& b);

}  // namespace sisim

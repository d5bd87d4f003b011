#pragma once
/// \file run_command.hpp
/// One simulation from a resolved configuration to its HDF5 result file: what `sisim run` does
/// after reading the command line, and what `sisim sweep` does for every point. Both commands
/// call run_to_file(), so a sweep point is bit-identical to `sisim run` of its resolved config
/// by construction (tests/apps/sweep_test.py compares every dataset).
#include <string>

#include "si/io/config.hpp"

namespace sisim {

/// What the caller wants besides the result file.
struct RunFileOptions {
    std::string command_line;  ///< stored as the root attribute `command_line`
    bool quiet = true;         ///< no pairing reports, warnings or progress on stderr
    bool summary = false;      ///< print the run summary on stdout after writing
    int threads = -1;          ///< >= 0 replaces sim.threads for execution only (results do not
                               ///< depend on it; the stored config keeps the tree's value)
    bool channel_responses = true;  ///< false: /channel without the channel-only impulse and
                                    ///< pulse responses (sweep scratch files: not scalars)
    bool compress = true;      ///< false: datasets without filters (sweep scratch files; the
                               ///< values read back are the same)
};

/// Builds the link from `tree` (the config after --set overrides), runs it and writes `out`
/// atomically (temporary file renamed at the end; removed on SIGINT/SIGTERM/SIGHUP while it is
/// being written). File paths in the stored config become absolute so that the stored config
/// loads again from anywhere. Throws si::ConfigError / IoError / ModelError for bad input.
void run_to_file(si::io::ConfigTree tree, const std::string& out, const RunFileOptions& opt);

/// The config `run_to_file` stores in the result (root attribute `config`): the resolved TOML of
/// `tree` with channel, crosstalk and pattern file paths made absolute. `sisim run` accepts it
/// as it is.
[[nodiscard]] std::string stored_config(si::io::ConfigTree tree);

/// Installs the signal handlers that unlink `path` and exit 128 + signal on SIGINT, SIGTERM and
/// SIGHUP (async-signal-safe); release_temp_file() disarms the unlink.
void guard_temp_file(const std::string& path);
void release_temp_file();

}  // namespace sisim

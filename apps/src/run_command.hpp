#pragma once
/// \file run_command.hpp
/// One simulation from a resolved configuration to its HDF5 result file: what `sisim run` does
/// after reading the command line, and what `sisim sweep` does for every point. Both commands
/// call run_to_file(), so a sweep point is bit-identical to `sisim run` of its resolved config
/// by construction (tests/apps/sweep_test.py compares every dataset).
#include <string>

#include <cstdint>
#include <functional>
#include <optional>

#include "si/io/config.hpp"
#include "si/io/h5.hpp"
#include "si/sim/link.hpp"

namespace sisim {

/// The last link built, reused by the next run whose spec has the same response inputs
/// (si::sim::Link::reusable_for: a sweep varying noise, pattern, symbol count or seed); the
/// result is bit-identical to a link built afresh. One per process (not thread-safe).
class LinkCache {
public:
    /// A link for `spec`: last().with(spec) when reusable, else Link(spec). Valid until the
    /// next call.
    const si::sim::Link& get(si::sim::LinkSpec spec);
    [[nodiscard]] std::uint64_t built() const noexcept { return built_; }
    [[nodiscard]] std::uint64_t reused() const noexcept { return reused_; }

private:
    std::optional<si::sim::Link> last_;
    std::uint64_t built_ = 0, reused_ = 0;
};

/// What the caller wants besides the result file.
struct RunFileOptions {
    std::string command_line;  ///< stored as the root attribute `command_line`
    bool quiet = true;         ///< no pairing reports, warnings or progress on stderr
    bool summary = false;      ///< print the run summary on stdout after writing
    int threads = -1;          ///< >= 0 replaces sim.threads for execution only (results do not
                               ///< depend on it; the stored config keeps the tree's value)
    /// true: only the scalar results are read (si::sim::LinkSpec::scalars_only: the datasets
    /// that only a file shows, such as the statistical eye's curve, may be left incomplete).
    bool scalars_only = false;
    bool channel_responses = true;  ///< false: /channel without the channel-only impulse and
                                    ///< pulse responses (sweep points not kept: not scalars)
    bool compress = true;      ///< false: datasets without filters (sweep files read back at once; the
                               ///< values read back are the same)
    /// stored_config(tree) when the caller has it already (a sweep point); "" = compute it.
    std::string stored_config;
    LinkCache* links = nullptr;  ///< reuse the link of the previous run when it can (sweeps)
    /// Set: the result is not written to any file but recorded by the same writer in memory
    /// (si::io::H5File::create_record: groups and numeric attributes, no HDF5, no dataset data;
    /// `out` only names it), handed to this function and then discarded (sweep points whose
    /// scalars are all that is kept; read_group_numeric_attrs gives what the file would give).
    /// Unset: `out` is written and committed.
    std::function<void(si::io::H5File&)> in_memory;
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

#pragma once
/// \file sweep_store.hpp
/// Where a sweep keeps its finished points, and how they are merged (docs/sweeps.md).
///
/// Work directory `OUT.h5.parts/`: `sweep.toml` (hash, point count, varied keys, definition),
/// `points/<i>.rec` (one small TOML record per finished point, written to a temporary name and
/// renamed, so a killed job loses at most the points in flight), `points/<i>.h5` (the point's
/// full `sisim run` result, kept only for points selected by `[sweep] keep`), `slurm/` (batch
/// scripts and logs). A point is done when its record exists; rerunning skips it.
#include <cstddef>
#include <string>
#include <vector>

#include "sweep_spec.hpp"

namespace sisim {

/// The work directory of a sweep writing `out`.
[[nodiscard]] std::string work_dir_for(const std::string& out);

/// Creates the work directory and its sweep.toml, or checks that an existing one belongs to the
/// same sweep (same hash); throws si::ConfigError otherwise.
void prepare_work_dir(const SweepSpec& spec, const std::string& work);

/// Indices with a record in work/points.
[[nodiscard]] std::vector<bool> done_points(const std::string& work, std::size_t count);

/// Runs point i as `sisim run` of its resolved config would, writes its record (and keeps its
/// full result when selected). Returns false when the point failed (its error is recorded).
/// `threads` >= 0 replaces sim.threads for execution only.
bool run_point(const SweepSpec& spec, std::size_t i, const std::string& work, int threads,
               const std::string& command_line);

/// Options of a merge.
struct MergeOptions {
    std::string out;            ///< merged HDF5 file
    std::string csv;            ///< CSV export of /sweep/points ("" = none)
    bool allow_partial = false; ///< write what is present when points are missing
    std::string command_line;
};
/// Result of a merge.
struct MergeSummary {
    std::size_t points = 0, present = 0, failed = 0;
};

/// Joins the records found in `inputs` (work directories, or .rec files) into one /sweep file.
/// Throws si::ConfigError when inputs come from different sweeps, hold a point twice, or (without
/// allow_partial) miss points, naming them.
MergeSummary merge_sweep(const std::vector<std::string>& inputs, const MergeOptions& opt);

/// "4, 17, 40-45" for a sorted list of indices (at most `max_items` items, then "...").
[[nodiscard]] std::string index_ranges(const std::vector<std::size_t>& idx, std::size_t max_items = 20);

}  // namespace sisim

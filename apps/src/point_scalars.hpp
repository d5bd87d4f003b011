#pragma once
/// \file point_scalars.hpp
/// The scalar results of a run as a sweep records them (one row of /sweep/points): every numeric
/// attribute of the result's groups, /ber, /eye/rx/metrics, /response, /channel and the root
/// first, then every other group in name order; arrays become name[k]. Read from a result file
/// (a kept point) or from the run recorded without a file (a point not kept): the same row.
#include <string>
#include <vector>

#include "run_command.hpp"
#include "si/io/config.hpp"
#include "si/io/h5_read.hpp"

namespace sisim {

/// One point's scalar results: parallel lists of names, units and values.
struct PointScalars {
    std::vector<std::string> names, units;
    std::vector<double> values;
};

/// The groups read first, in this order (then every other group).
extern const std::vector<std::string> kScalarFirstGroups;

/// The scalars among a result's numeric attributes (read_group_numeric_attrs with
/// kScalarFirstGroups): the timings (/run, and /hop/<i>/run of a multi-hop
/// result), /pattern (the config's echo), the root's schema_version
/// and seed are left out; a name seen before is qualified by its group
/// ("eye.rx.metrics_histogram.eye_height_v", "hop.1.ber.ser"); /eye/rx's convenience copies of
/// /eye/rx/metrics are dropped. Units follow the names' suffixes (_v -> V, ...).
[[nodiscard]] PointScalars collect_scalars(const std::vector<si::io::H5NumericAttr>& attrs);

/// The scalars of the result file `h5`.
[[nodiscard]] PointScalars file_scalars(const std::string& h5);

/// Runs `tree` as run_to_file(tree, name, opt) would, without writing a file (the result is
/// recorded in memory, H5File::create_record) and returns its scalars: the row file_scalars()
/// gives for the file run_to_file writes, bit for bit. `name` only names the recorded result.
[[nodiscard]] PointScalars run_scalars(si::io::ConfigTree tree, const std::string& name, RunFileOptions opt);

}  // namespace sisim

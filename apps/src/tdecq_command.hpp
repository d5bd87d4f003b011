#pragma once
/// \file tdecq_command.hpp
/// `sisim tdecq WAVEFORM.csv|.h5 --symbol-rate R [--pattern auto|ssprq|prbs13q|...|none]
///  [--equalizer 5tap|dj|none] [-o OUT.h5]`: TDECQ (IEEE 802.3 121.8.5, si/analysis/tdecq.hpp)
/// of a measured or exported waveform. Inputs, the accepted CSV and HDF5 layouts and the output
/// are described in docs/user-guide.md ("TDECQ of a waveform") and docs/hdf5-schema.md.
#include <functional>
#include <string>
#include <vector>

#include "si/analysis/tdecq.hpp"
#include "si/io/h5.hpp"

namespace sisim {

/// A uniformly sampled waveform read from a CSV file.
struct CsvWaveform {
    std::vector<double> samples;
    double dt_s = 0;
    double t0_s = 0;
    bool resampled = false;  ///< the time steps were non-uniform and the samples were resampled
    std::string value_header;  ///< header of the value column ("" without a header)
};

/// Reads "time,value" rows (comma, semicolon, tab or space separated; '#' comments; an optional
/// header line; time in seconds; extra columns ignored). Time steps that vary by <= 0.1 % are
/// taken as uniform; steps that vary more are resampled by linear interpolation onto the
/// median step when every step is within [0.5, 1.5] x the median and time increases. Throws
/// si::IoError naming the file and line otherwise (non-numeric value, time not increasing,
/// gap or irregular steps that cannot be resampled, fewer than 2 rows).
[[nodiscard]] CsvWaveform read_csv_waveform(const std::string& path);

/// Checks an output path before anything is written (sisim's check_output: refuses devices,
/// directories and the input files); throws si::IoError.
using OutputCheck = std::function<void(const std::string& out, const std::vector<std::string>& inputs)>;

/// Candidate patterns for pattern detection: "auto" (SSPRQ, PRBS13Q, ...), one name, or "none"
/// (label symbols by their decisions). Throws si::ConfigError("--pattern") for an unknown name.
[[nodiscard]] std::vector<si::analysis::TdecqPattern> tdecq_patterns(const std::string& name);
/// True for the names tdecq_patterns() knows (ssprq, prbs13q, prbs15q, prbs11q, prbs9q, prbs7q).
[[nodiscard]] bool is_tdecq_pattern(const std::string& name);
/// /tdecq: the result's attributes (tdecq_db, ceq_db, oma_outer, extinction_ratio_db, rlm,
/// equalizer_taps, ...) and its equalized eye; written by `sisim tdecq -o` and `sisim run`.
void write_tdecq(si::io::H5Group root, const si::analysis::TdecqResult& r, const si::analysis::TdecqConfig& cfg,
                 const std::string& eq, const std::string& units, const std::string& waveform);
/// Runs the command; returns the exit status (0). Throws si::ConfigError / si::IoError for bad
/// input (the caller maps them to exit status 2). `check_output` is applied to -o OUT.h5 with the
/// waveform file as input.
int cmd_tdecq(const std::vector<std::string>& args, const std::string& cmdline, const OutputCheck& check_output);

}  // namespace sisim

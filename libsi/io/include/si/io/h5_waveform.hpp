#pragma once
/// \file h5_waveform.hpp
/// Reads a uniformly sampled waveform from an HDF5 file (for `sisim tdecq` on exported or
/// simulated waveforms). Accepted layout (docs/hdf5-schema.md, "/waveforms"):
///
///   /waveforms/<probe>   1-D float32 or float64 dataset of samples
///     attr dt_s          float, sample spacing [s] (required)
///     attr t0_s          float, time of the first sample [s] (optional, 0)
///     attr units         string, unit of the samples ("W", "V", ...; optional, "")
///     attr symbol_rate_bd float (optional): used when the caller gives no symbol rate
///
/// Any other dataset path may be named explicitly; it must carry the same attributes.
/// This header does not include hdf5.h.
#include <string>
#include <vector>

namespace si::io {

/// Largest waveform read [samples] (2^27: 1 GiB of doubles, plus the analysis FFT).
inline constexpr unsigned long long kMaxWaveformSamples = 1ULL << 27;

struct H5Waveform {
    std::string dataset;           ///< absolute path of the dataset read
    std::vector<double> samples;   ///< the samples, converted to double
    double dt_s = 0;               ///< sample spacing [s]
    double t0_s = 0;               ///< first sample time [s]
    std::string units;             ///< unit attribute ("" if absent)
    double symbol_rate_bd = 0;     ///< symbol_rate_bd attribute (0 if absent)
};

/// Reads `dataset`; an empty name means "the only dataset in /waveforms". Throws si::IoError
/// naming the file and the reason: file not HDF5, no /waveforms or several datasets in it
/// without a name given, dataset not 1-D numeric or longer than kMaxWaveformSamples, dt_s
/// missing or not > 0.
[[nodiscard]] H5Waveform read_h5_waveform(const std::string& file, const std::string& dataset = "");

}  // namespace si::io

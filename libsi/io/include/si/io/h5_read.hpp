#pragma once
/// \file h5_read.hpp
/// Read-only helpers over the HDF5 C API for tools that collect results from many files
/// (`sisim sweep`, `sisim merge`). This header does not include hdf5.h.
#include <string>
#include <vector>

namespace si::io {

/// One numeric attribute of a group, converted to float64.
struct H5NumericAttr {
    std::string group;           ///< absolute group path ("/", "/ber", "/eye/rx/metrics")
    std::string name;            ///< attribute name ("ser", "eye_height_v")
    std::vector<double> values;  ///< one value for a scalar, N for a 1-D array
    bool scalar = true;          ///< true for a scalar attribute (dataspace H5S_SCALAR)
};

/// Every integer or floating-point attribute (scalar or 1-D) of every group of the file, groups
/// in the order listed in `first` (those present) and then all others in name order (depth
/// first), attributes in name order. String and compound attributes are skipped. Attributes on
/// datasets are not read. Throws si::IoError naming the file when it cannot be read.
[[nodiscard]] std::vector<H5NumericAttr> read_group_numeric_attrs(
    const std::string& path, const std::vector<std::string>& first = {});

class H5File;
/// The same from a file still open for writing (e.g. H5File::create_in_memory).
[[nodiscard]] std::vector<H5NumericAttr> read_group_numeric_attrs(
    const H5File& file, const std::vector<std::string>& first = {});

/// A string attribute of the object at `object` ("/" for the root); throws si::IoError when it is
/// missing or not a string.
[[nodiscard]] std::string read_string_attr(const std::string& path, const std::string& object,
                                           const std::string& name);

}  // namespace si::io

#pragma once
// The content of an H5File::create_record() "file": what the writer was asked to create, kept in
// memory without HDF5 (h5.cpp records into it, h5_read.cpp reads its numeric attributes back in
// the order and with the values read_group_numeric_attrs gives for a real file).
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "si/io/h5_read.hpp"

namespace si::io::detail {

struct H5Record {
    /// A path inside the file as its components ("/eye/rx" -> {"eye", "rx"}; the root is {}).
    /// Ordered component by component, as HDF5 visits groups by name, depth first.
    using Path = std::vector<std::string>;
    struct Attr {
        bool numeric = false;        ///< integer or floating point (strings are not read back)
        bool scalar = true;          ///< as the reader reports it (an empty array is rank 0)
        std::vector<double> values;  ///< converted to double as H5Aread to float64 does
    };
    std::map<Path, std::map<std::string, Attr>> groups{{Path{}, {}}};  ///< attributes by name
    std::map<Path, std::vector<std::size_t>> datasets;                 ///< shape of each dataset

    [[nodiscard]] static Path split(const std::string& path);
    [[nodiscard]] static std::string join(const Path& p);
    [[nodiscard]] bool exists(const Path& p) const { return groups.count(p) > 0 || datasets.count(p) > 0; }
    /// Creates the group `p` and its missing parents; false when a component is a dataset.
    bool add_group(const Path& p);
};

/// read_group_numeric_attrs() of a recorded file.
[[nodiscard]] std::vector<H5NumericAttr> recorded_numeric_attrs(const H5Record& r,
                                                                const std::vector<std::string>& first);

}  // namespace si::io::detail

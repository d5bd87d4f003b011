#include "si/io/h5_read.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstring>

#include "si/core/error.hpp"
#include "si/io/h5.hpp"
#include "h5_quiet.hpp"
#include "h5_record.hpp"

namespace si::io {

namespace {

// Closes any HDF5 id at scope exit; HDF5's own error printing is off while a reader runs.
class Id {
public:
    explicit Id(hid_t id) : id_(id) {}
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    ~Id() {
        if (id_ >= 0 && H5Iis_valid(id_) > 0) H5Idec_ref(id_);
    }
    hid_t get() const { return id_; }

private:
    hid_t id_;
};

using Quiet = si::io::detail::H5Quiet;

herr_t collect_groups(hid_t, const char* name, const H5O_info_t* info, void* data) {
    if (info->type == H5O_TYPE_GROUP) {
        auto* out = static_cast<std::vector<std::string>*>(data);
        const std::string n = name;
        out->push_back(n == "." ? "/" : "/" + n);
    }
    return 0;
}

struct AttrVisit {
    std::string group;
    std::vector<H5NumericAttr>* out;
    std::string file;
};

herr_t read_attr(hid_t loc, const char* name, const H5A_info_t*, void* data) {
    auto* v = static_cast<AttrVisit*>(data);
    Id a(H5Aopen(loc, name, H5P_DEFAULT));
    if (a.get() < 0) return -1;
    Id type(H5Aget_type(a.get()));
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) return 0;
    Id space(H5Aget_space(a.get()));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank > 1) return 0;
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    H5NumericAttr r;
    r.group = v->group;
    r.name = name;
    r.scalar = rank == 0;
    r.values.resize(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
    if (n > 0 && H5Aread(a.get(), H5T_NATIVE_DOUBLE, r.values.data()) < 0) return -1;
    v->out->push_back(std::move(r));
    return 0;
}

}  // namespace

namespace {

std::vector<H5NumericAttr> numeric_attrs_of(hid_t fid, const std::string& path,
                                            const std::vector<std::string>& first) {
    std::vector<std::string> groups;
    if (H5Ovisit(fid, H5_INDEX_NAME, H5_ITER_INC, collect_groups, &groups) < 0)
        throw si::IoError(path, 0, "cannot list the groups");
    std::vector<std::string> order;
    for (const auto& g : first)
        if (std::find(groups.begin(), groups.end(), g) != groups.end()) order.push_back(g);
    for (const auto& g : groups)
        if (std::find(order.begin(), order.end(), g) == order.end()) order.push_back(g);
    std::vector<H5NumericAttr> out;
    for (const auto& g : order) {
        Id gid(H5Gopen2(fid, g.c_str(), H5P_DEFAULT));
        if (gid.get() < 0) throw si::IoError(path, 0, "cannot open group '" + g + "'");
        AttrVisit v{g, &out, path};
        hsize_t idx = 0;
        if (H5Aiterate2(gid.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, read_attr, &v) < 0)
            throw si::IoError(path, 0, "cannot read the attributes of '" + g + "'");
    }
    return out;
}

}  // namespace

std::vector<H5NumericAttr> read_group_numeric_attrs(const std::string& path,
                                                    const std::vector<std::string>& first) {
    Quiet q;
    Id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (f.get() < 0) throw si::IoError(path, 0, "cannot open HDF5 file");
    return numeric_attrs_of(f.get(), path, first);
}

std::vector<H5NumericAttr> read_group_numeric_attrs(const H5File& file,
                                                    const std::vector<std::string>& first) {
    if (const auto* r = detail::record_of(file)) return detail::recorded_numeric_attrs(*r, first);
    Quiet q;
    return numeric_attrs_of(static_cast<hid_t>(file.hdf5_id()), file.path(), first);
}

std::string read_string_attr(const std::string& path, const std::string& object,
                             const std::string& name) {
    Quiet q;
    Id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (f.get() < 0) throw si::IoError(path, 0, "cannot open HDF5 file");
    Id a(H5Aopen_by_name(f.get(), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
    if (a.get() < 0) throw si::IoError(path, 0, "no attribute '" + name + "' on '" + object + "'");
    Id type(H5Aget_type(a.get()));
    if (H5Tget_class(type.get()) != H5T_STRING)
        throw si::IoError(path, 0, "attribute '" + name + "' on '" + object + "' is not a string");
    if (H5Tis_variable_str(type.get()) > 0) {
        Id mem(H5Tcopy(H5T_C_S1));
        H5Tset_size(mem.get(), H5T_VARIABLE);
        char* p = nullptr;
        if (H5Aread(a.get(), mem.get(), &p) < 0) throw si::IoError(path, 0, "cannot read '" + name + "'");
        std::string s = p ? p : "";
        Id space(H5Aget_space(a.get()));
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, &p);
        return s;
    }
    const std::size_t n = H5Tget_size(type.get());
    std::string s(n, '\0');
    if (H5Aread(a.get(), type.get(), s.data()) < 0) throw si::IoError(path, 0, "cannot read '" + name + "'");
    s.resize(std::strlen(s.c_str()));
    return s;
}

}  // namespace si::io

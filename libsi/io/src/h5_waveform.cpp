#include "si/io/h5_waveform.hpp"

#include <hdf5.h>

#include <cmath>
#include <vector>

#include "si/core/error.hpp"
#include "h5_quiet.hpp"

namespace si::io {

namespace {

using Quiet = si::io::detail::H5Quiet;

// Closes an id at scope exit with the matching H5*close.
class Handle {
public:
    Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
    ~Handle() {
        if (id_ >= 0) close_(id_);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    [[nodiscard]] hid_t get() const noexcept { return id_; }
    [[nodiscard]] bool ok() const noexcept { return id_ >= 0; }

private:
    hid_t id_;
    herr_t (*close_)(hid_t);
};

herr_t collect(hid_t, const char* name, const H5L_info_t*, void* out) {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
}

bool read_double_attr(hid_t obj, const char* name, double& v) {
    if (H5Aexists(obj, name) <= 0) return false;
    Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    if (!a.ok()) return false;
    return H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) >= 0;
}

std::string read_string_attr(hid_t obj, const char* name) {
    if (H5Aexists(obj, name) <= 0) return {};
    Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    Handle t(H5Aget_type(a.get()), H5Tclose);
    if (!t.ok() || H5Tget_class(t.get()) != H5T_STRING) return {};
    if (H5Tis_variable_str(t.get()) > 0) {
        Handle mt(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mt.get(), H5T_VARIABLE);
        H5Tset_cset(mt.get(), H5Tget_cset(t.get()));
        char* s = nullptr;
        if (H5Aread(a.get(), mt.get(), &s) < 0 || !s) return {};
        std::string r(s);
        H5free_memory(s);
        return r;
    }
    const std::size_t n = H5Tget_size(t.get());
    std::string r(n, '\0');
    if (H5Aread(a.get(), t.get(), r.data()) < 0) return {};
    r.resize(r.find('\0') == std::string::npos ? n : r.find('\0'));
    return r;
}

}  // namespace

H5Waveform read_h5_waveform(const std::string& file, const std::string& dataset) {
    Quiet quiet;
    if (H5Fis_hdf5(file.c_str()) <= 0) throw IoError(file, 0, "not an HDF5 file (or unreadable)");
    Handle f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!f.ok()) throw IoError(file, 0, "cannot open the HDF5 file");
    H5Waveform w;
    w.dataset = dataset;
    if (w.dataset.empty()) {
        if (H5Lexists(f.get(), "waveforms", H5P_DEFAULT) <= 0)
            throw IoError(file, 0, "no /waveforms group: name the dataset (e.g. --dataset /waveforms/rx)");
        Handle g(H5Gopen2(f.get(), "waveforms", H5P_DEFAULT), H5Gclose);
        if (!g.ok()) throw IoError(file, 0, "/waveforms is not a group");
        std::vector<std::string> names;
        H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names);
        if (names.size() != 1) {
            std::string list;
            for (const auto& n : names) list += " /waveforms/" + n;
            throw IoError(file, 0, names.empty() ? std::string("/waveforms is empty")
                                                 : "/waveforms holds several waveforms (" + list.substr(1) +
                                                       "): name one with --dataset");
        }
        w.dataset = "/waveforms/" + names[0];
    }
    if (H5Lexists(f.get(), w.dataset.c_str(), H5P_DEFAULT) <= 0)
        throw IoError(file, 0, "no dataset " + w.dataset);
    Handle d(H5Dopen2(f.get(), w.dataset.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.ok()) throw IoError(file, 0, w.dataset + " is not a dataset");
    Handle sp(H5Dget_space(d.get()), H5Sclose);
    Handle ty(H5Dget_type(d.get()), H5Tclose);
    const int rank = H5Sget_simple_extent_ndims(sp.get());
    const H5T_class_t cls = H5Tget_class(ty.get());
    if (rank != 1 || (cls != H5T_FLOAT && cls != H5T_INTEGER))
        throw IoError(file, 0, w.dataset + ": expected a 1-D numeric dataset of samples");
    hsize_t n = 0;
    H5Sget_simple_extent_dims(sp.get(), &n, nullptr);
    if (n > kMaxWaveformSamples)
        throw IoError(file, 0, w.dataset + str(": ", n, " samples; at most ", kMaxWaveformSamples,
                                                " are read (the TDECQ analysis holds the record and its FFT "
                                                "in memory): cut the capture"));
    w.samples.resize(static_cast<std::size_t>(n));
    if (n > 0 && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, w.samples.data()) < 0)
        throw IoError(file, 0, w.dataset + ": cannot read the samples");
    if (!read_double_attr(d.get(), "dt_s", w.dt_s))
        throw IoError(file, 0, w.dataset + ": missing attribute dt_s (sample spacing in s)");
    if (!(std::isfinite(w.dt_s) && w.dt_s > 0))
        throw IoError(file, 0, w.dataset + str(": attribute dt_s must be > 0 s (got ", w.dt_s, ")"));
    read_double_attr(d.get(), "t0_s", w.t0_s);
    read_double_attr(d.get(), "symbol_rate_bd", w.symbol_rate_bd);
    w.units = read_string_attr(d.get(), "units");
    return w;
}

}  // namespace si::io

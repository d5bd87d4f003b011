#include "si/io/h5.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "si/core/error.hpp"
#include "h5_quiet.hpp"
#include "h5_record.hpp"

namespace si::io {

namespace detail {

struct H5FileState {
    hid_t fid = H5I_INVALID_HID;
    std::string final_path;
    std::string tmp_path;
    bool open = false;
    bool committed = false;
    bool write_failed = false;  // closing a group or dataset failed (e.g. disk full)
    bool compress = true;       // shuffle + deflate on large datasets (H5File::create)
    bool in_memory = false;     // core driver without backing store (H5File::create_in_memory)
    std::shared_ptr<H5Record> record;  // H5File::create_record: no HDF5 file, the content recorded
};

struct H5Node {
    std::shared_ptr<H5FileState> file;
    hid_t id = H5I_INVALID_HID;
    std::string path;  // path inside the file
    bool is_group = true;
    // Appendable datasets only: current extent, shared by all copies of the handle.
    hsize_t extent = 0;

    H5Node(std::shared_ptr<H5FileState> f, hid_t i, std::string p, bool group)
        : file(std::move(f)), id(i), path(std::move(p)), is_group(group) {}
    H5Node(const H5Node&) = delete;
    H5Node& operator=(const H5Node&) = delete;
    ~H5Node();
};

}  // namespace detail

namespace {

using detail::H5FileState;
using detail::H5Node;

using Quiet = si::io::detail::H5Quiet;

}  // namespace

detail::H5Node::~H5Node() {
    // After H5Fclose with H5F_CLOSE_STRONG the id is already closed (and may be reused). Closing a
    // dataset flushes its data: a failure (disk full) is remembered, and commit() refuses.
    if (file && file->open && id >= 0) {
        Quiet q;
        if ((is_group ? H5Gclose(id) : H5Dclose(id)) < 0) {
            file->write_failed = true;
            H5Eclear2(H5E_DEFAULT);
        }
    }
}

namespace {

struct Stack {
    std::string deepest;  // the innermost description: usually the actual reason
    std::string all;
};

herr_t walk_cb(unsigned n, const H5E_error2_t* e, void* client) {
    auto* st = static_cast<Stack*>(client);
    std::string desc = e->desc ? e->desc : "";
    std::replace(desc.begin(), desc.end(), '\n', ' ');
    st->deepest = desc;
    if (n >= 8) return 0;  // keep messages bounded
    if (!st->all.empty()) st->all.append("; ");
    st->all.append(e->func_name ? e->func_name : "?").append("(): ").append(desc);
    char minor[128] = {0};
    if (H5Eget_msg(e->min_num, nullptr, minor, sizeof minor) > 0 && minor[0] != '\0')
        st->all.append(" [").append(minor).append("]");
    return 0;
}

// Text of the current HDF5 error stack (then cleared): "<innermost reason> (HDF5: <stack>)".
std::string error_stack() {
    Stack st;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &st);
    H5Eclear2(H5E_DEFAULT);
    if (st.all.empty()) return "no HDF5 error stack";
    return st.deepest + " (HDF5: " + st.all + ")";
}

[[noreturn]] void fail(const std::string& file, const std::string& what) {
    throw si::IoError(file, 0, what + ": " + error_stack());
}

template <class T>
T check(T ret, const std::string& file, const std::string& what) {
    if (ret < 0) fail(file, what);
    return ret;
}

// Closes an HDF5 id of any kind at scope exit (property lists, dataspaces, types, attributes).
class Id {
public:
    Id() = default;
    explicit Id(hid_t id) : id_(id) {}
    Id(Id&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    ~Id() {
        if (id_ >= 0 && H5Iis_valid(id_) > 0) H5Idec_ref(id_);
    }
    hid_t get() const { return id_; }

private:
    hid_t id_ = H5I_INVALID_HID;
};

void require_open(const H5Node& n) {
    if (!n.file->open)
        throw si::IoError(n.file->final_path, 0,
                          "'" + n.path + "' used after the file was committed or closed");
}

std::string join(const std::string& parent, const std::string& name) {
    return parent == "/" ? "/" + name : parent + "/" + name;
}

// The record of a file made by H5File::create_record (nullptr for an HDF5 file).
detail::H5Record* recording(const H5Node& n) {
    require_open(n);
    return n.file->record.get();
}

// Records a group attribute of a recorded file (attributes on datasets are not read back).
void record_attr(detail::H5Record& r, const H5Node& n, const std::string& name, bool numeric,
                 bool scalar, std::vector<double> values) {
    if (!n.is_group) return;
    auto& a = r.groups[detail::H5Record::split(n.path)][name];
    a.numeric = numeric;
    a.scalar = scalar;
    a.values = std::move(values);
}
template <class T>
void record_array(detail::H5Record& r, const H5Node& n, const std::string& name, const std::vector<T>& v) {
    // as read back: converted to double; an empty array is a null dataspace, which reads as rank 0
    record_attr(r, n, name, true, v.empty(), std::vector<double>(v.begin(), v.end()));
}

// --- attributes -----------------------------------------------------------------------------

void write_attr(H5Node& n, const std::string& name, hid_t file_type, hid_t mem_type, hid_t space,
                const void* buf) {
    Quiet q;
    require_open(n);
    const std::string what = "attribute '" + name + "' on '" + n.path + "'";
    const htri_t exists = check(H5Aexists(n.id, name.c_str()), n.file->final_path, what);
    if (exists > 0) check(H5Adelete(n.id, name.c_str()), n.file->final_path, what);
    Id a(check(H5Acreate2(n.id, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT),
               n.file->final_path, "cannot create " + what));
    check(H5Awrite(a.get(), mem_type, buf), n.file->final_path, "cannot write " + what);
}

void scalar_attr(H5Node& n, const std::string& name, hid_t file_type, hid_t mem_type,
                 const void* buf) {
    Id space(H5Screate(H5S_SCALAR));
    write_attr(n, name, file_type, mem_type, space.get(), buf);
}

void array_attr(H5Node& n, const std::string& name, hid_t file_type, hid_t mem_type,
                std::size_t count, const void* buf) {
    const hsize_t dim = count;
    if (count == 0) {  // an empty array: a null dataspace (h5py reads it as an empty value)
        Id space(H5Screate(H5S_NULL));
        static const double dummy = 0;
        write_attr(n, name, file_type, mem_type, space.get(), &dummy);
        return;
    }
    Id space(H5Screate_simple(1, &dim, nullptr));
    write_attr(n, name, file_type, mem_type, space.get(), buf);
}

void string_attr(H5Node& n, const std::string& name, const std::string& v) {
    Id type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const char* p = v.c_str();
    scalar_attr(n, name, type.get(), type.get(), &p);
}

// --- datasets -------------------------------------------------------------------------------

constexpr std::size_t kChunkThresholdBytes = 64 * 1024;
constexpr std::size_t kChunkTargetBytes = 256 * 1024;

// Halves dimensions round-robin (as h5py's guess_chunk) until a chunk is at most the target.
std::vector<hsize_t> chunk_shape(std::vector<hsize_t> dims, std::size_t elem) {
    for (auto& d : dims) d = std::max<hsize_t>(d, 1);
    for (std::size_t i = 0;; ++i) {
        hsize_t bytes = elem;
        for (auto d : dims) bytes *= d;
        if (bytes <= kChunkTargetBytes) break;
        bool all_one = std::all_of(dims.begin(), dims.end(), [](hsize_t d) { return d == 1; });
        if (all_one) break;
        auto& d = dims[i % dims.size()];
        d = (d + 1) / 2;
    }
    return dims;
}

// Link creation properties: create missing intermediate groups ("a/b/name"), UTF-8 names.
Id lcpl() {
    Id p(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(p.get(), 1);
    H5Pset_char_encoding(p.get(), H5T_CSET_UTF8);
    return p;
}

Id complex_type(hid_t member) {
    Id t(H5Tcreate(H5T_COMPOUND, 2 * H5Tget_size(member)));
    H5Tinsert(t.get(), "r", 0, member);
    H5Tinsert(t.get(), "i", H5Tget_size(member), member);
    return t;
}

struct TypePair {
    hid_t file;
    hid_t mem;
    std::size_t size;
};

std::shared_ptr<H5Node> make_dataset(const std::shared_ptr<H5Node>& g, const std::string& name,
                                     const void* data, std::size_t n,
                                     const std::vector<std::size_t>& dims_in, TypePair t);

}  // namespace

// ==============================================================================================

H5Object::H5Object(std::shared_ptr<detail::H5Node> node) : node_(std::move(node)) {}

void H5Object::attr(const std::string& name, double v) {
    if (auto* r = recording(*node_)) return record_attr(*r, *node_, name, true, true, {v});
    scalar_attr(*node_, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}
void H5Object::attr(const std::string& name, std::int64_t v) {
    if (auto* r = recording(*node_)) return record_attr(*r, *node_, name, true, true, {static_cast<double>(v)});
    scalar_attr(*node_, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}
void H5Object::attr(const std::string& name, std::uint64_t v) {
    if (auto* r = recording(*node_)) return record_attr(*r, *node_, name, true, true, {static_cast<double>(v)});
    scalar_attr(*node_, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}
void H5Object::attr(const std::string& name, const std::string& v) {
    if (auto* r = recording(*node_)) return record_attr(*r, *node_, name, false, true, {});
    string_attr(*node_, name, v);
}
void H5Object::attr(const std::string& name, const char* v) {
    if (auto* r = recording(*node_)) return record_attr(*r, *node_, name, false, true, {});
    string_attr(*node_, name, std::string(v ? v : ""));
}
void H5Object::attr(const std::string& name, const std::vector<double>& v) {
    if (auto* r = recording(*node_)) return record_array(*r, *node_, name, v);
    array_attr(*node_, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v.size(), v.data());
}
void H5Object::attr(const std::string& name, const std::vector<std::int64_t>& v) {
    if (auto* r = recording(*node_)) return record_array(*r, *node_, name, v);
    array_attr(*node_, name, H5T_STD_I64LE, H5T_NATIVE_INT64, v.size(), v.data());
}
void H5Object::attr(const std::string& name, const std::vector<std::uint64_t>& v) {
    if (auto* r = recording(*node_)) return record_array(*r, *node_, name, v);
    array_attr(*node_, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, v.size(), v.data());
}
const std::string& H5Object::name() const { return node_->path; }
const std::string& H5Object::file_path() const { return node_->file->final_path; }
bool H5Object::recorded() const { return node_->file->record != nullptr; }

std::vector<std::size_t> H5DataSet::dims() const {
    if (auto* r = recording(*node_)) return r->datasets.at(detail::H5Record::split(node_->path));
    Quiet q;
    require_open(*node_);
    Id space(check(H5Dget_space(node_->id), node_->file->final_path, "H5Dget_space"));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> d(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
    return {d.begin(), d.end()};
}

// --- H5Group ----------------------------------------------------------------------------------

H5Group H5Group::group(const std::string& name) {
    const std::string& file = node_->file->final_path;
    if (auto* r = recording(*node_)) {
        const auto comps = detail::H5Record::split(name);
        if (comps.empty()) throw si::IoError(file, 0, "empty group name under '" + node_->path + "'");
        std::string path = node_->path;
        for (const auto& c : comps) path = join(path, c);
        if (!r->add_group(detail::H5Record::split(path)))
            throw si::IoError(file, 0, "cannot create group '" + path + "': a dataset has that name");
        return H5Group(std::make_shared<H5Node>(node_->file, H5I_INVALID_HID, path, true));
    }
    Quiet q;
    std::shared_ptr<H5Node> cur = node_;
    std::size_t pos = 0;
    while (pos <= name.size()) {
        const std::size_t slash = name.find('/', pos);
        const std::string comp = name.substr(pos, slash == std::string::npos ? slash : slash - pos);
        pos = slash == std::string::npos ? name.size() + 1 : slash + 1;
        if (comp.empty()) continue;  // tolerate "a//b" and a trailing '/'
        const std::string path = join(cur->path, comp);
        const htri_t exists = check(H5Lexists(cur->id, comp.c_str(), H5P_DEFAULT), file,
                                    "cannot look up '" + path + "'");
        hid_t id = exists > 0
                       ? H5Gopen2(cur->id, comp.c_str(), H5P_DEFAULT)
                       : H5Gcreate2(cur->id, comp.c_str(), lcpl().get(), H5P_DEFAULT, H5P_DEFAULT);
        check(
            id, file,
            std::string(exists > 0 ? "cannot open group '" : "cannot create group '") + path + "'");
        cur = std::make_shared<H5Node>(node_->file, id, path, true);
    }
    if (cur == node_) throw si::IoError(file, 0, "empty group name under '" + node_->path + "'");
    return H5Group(cur);
}

bool H5Group::exists(const std::string& name) const {
    if (auto* r = recording(*node_)) {
        const auto comps = detail::H5Record::split(name);
        if (comps.empty()) return false;
        auto p = detail::H5Record::split(node_->path);
        p.insert(p.end(), comps.begin(), comps.end());
        return r->exists(p);
    }
    Quiet q;
    require_open(*node_);
    // H5Lexists fails (rather than returning false) when an intermediate component is missing,
    // so walk the components.
    std::string prefix;
    std::size_t pos = 0;
    while (pos <= name.size()) {
        const std::size_t slash = name.find('/', pos);
        const std::string comp = name.substr(pos, slash == std::string::npos ? slash : slash - pos);
        pos = slash == std::string::npos ? name.size() + 1 : slash + 1;
        if (comp.empty()) continue;
        prefix += prefix.empty() ? comp : "/" + comp;
        const htri_t e = H5Lexists(node_->id, prefix.c_str(), H5P_DEFAULT);
        if (e <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
    }
    return !prefix.empty();
}

namespace {

std::shared_ptr<H5Node> make_dataset(const std::shared_ptr<H5Node>& g, const std::string& name,
                                     const void* data, std::size_t n,
                                     const std::vector<std::size_t>& dims_in, TypePair t) {
    require_open(*g);
    const std::string& file = g->file->final_path;
    const std::string path = join(g->path, name);
    std::vector<hsize_t> dims(dims_in.begin(), dims_in.end());
    if (dims.empty()) dims.push_back(n);
    hsize_t total = 1;
    for (auto d : dims) total *= d;
    if (total != n)
        throw si::IoError(file, 0,
                          "dataset '" + path + "': shape holds " + std::to_string(total) +
                              " elements but " + std::to_string(n) + " were given");
    if (auto* r = g->file->record.get()) {  // a recorded file: the shape only, no data
        auto p = detail::H5Record::split(path);
        if (p.empty() || r->exists(p)) throw si::IoError(file, 0, "cannot create dataset '" + path + "': the name exists");
        if (!r->add_group(detail::H5Record::Path(p.begin(), p.end() - 1)))
            throw si::IoError(file, 0, "cannot create dataset '" + path + "': a parent is a dataset");
        r->datasets[p] = std::vector<std::size_t>(dims.begin(), dims.end());
        return std::make_shared<H5Node>(g->file, H5I_INVALID_HID, path, false);
    }
    Quiet q;
    Id space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), file,
                   "dataspace of '" + path + "'"));
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    if (g->file->compress && n * t.size > kChunkThresholdBytes) {
        const auto chunk = chunk_shape(dims, t.size);
        check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), file,
              "chunking '" + path + "'");
        check(H5Pset_shuffle(dcpl.get()), file, "shuffle filter for '" + path + "'");
        check(H5Pset_deflate(dcpl.get(), 4), file, "deflate filter for '" + path + "'");
    }
    hid_t id = check(
        H5Dcreate2(g->id, name.c_str(), t.file, space.get(), lcpl().get(), dcpl.get(), H5P_DEFAULT),
        file, "cannot create dataset '" + path + "'");
    auto node = std::make_shared<H5Node>(g->file, id, path, false);
    if (n > 0)
        check(H5Dwrite(id, t.mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), file,
              "cannot write dataset '" + path + "'");
    return node;
}

}  // namespace

H5DataSet H5Group::with_units(std::shared_ptr<detail::H5Node> node, const std::string& units) {
    H5DataSet ds(std::move(node));
    ds.attr("units", units);
    return ds;
}

H5DataSet H5Group::write(const std::string& name, std::span<const double> data,
                         const std::vector<std::size_t>& dims, const std::string& units) {
    return with_units(make_dataset(node_, name, data.data(), data.size(), dims,
                                   {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 8}),
                      units);
}
H5DataSet H5Group::write(const std::string& name, std::span<const float> data,
                         const std::vector<std::size_t>& dims, const std::string& units) {
    return with_units(make_dataset(node_, name, data.data(), data.size(), dims,
                                   {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 4}),
                      units);
}
H5DataSet H5Group::write(const std::string& name, std::span<const std::uint8_t> data,
                         const std::vector<std::size_t>& dims, const std::string& units) {
    return with_units(make_dataset(node_, name, data.data(), data.size(), dims,
                                   {H5T_STD_U8LE, H5T_NATIVE_UINT8, 1}),
                      units);
}
H5DataSet H5Group::write(const std::string& name, std::span<const std::uint64_t> data,
                         const std::vector<std::size_t>& dims, const std::string& units) {
    return with_units(make_dataset(node_, name, data.data(), data.size(), dims,
                                   {H5T_STD_U64LE, H5T_NATIVE_UINT64, 8}),
                      units);
}
H5DataSet H5Group::write(const std::string& name, std::span<const std::int64_t> data,
                         const std::vector<std::size_t>& dims, const std::string& units) {
    return with_units(make_dataset(node_, name, data.data(), data.size(), dims,
                                   {H5T_STD_I64LE, H5T_NATIVE_INT64, 8}),
                      units);
}
H5DataSet H5Group::write(const std::string& name, std::span<const std::complex<double>> data,
                         const std::vector<std::size_t>& dims, const std::string& units) {
    if (recording(*node_))
        return with_units(make_dataset(node_, name, data.data(), data.size(), dims, {-1, -1, 16}), units);
    // std::complex<double> is layout-compatible with double[2] ([complex.numbers]/4).
    Id file_t = complex_type(H5T_IEEE_F64LE);
    Id mem_t = complex_type(H5T_NATIVE_DOUBLE);
    return with_units(
        make_dataset(node_, name, data.data(), data.size(), dims, {file_t.get(), mem_t.get(), 16}),
        units);
}

namespace {
Id vlen_utf8() {
    Id t(H5Tcopy(H5T_C_S1));
    H5Tset_size(t.get(), H5T_VARIABLE);
    H5Tset_cset(t.get(), H5T_CSET_UTF8);
    return t;
}
}  // namespace

void H5Object::attr(const std::string& name, const std::vector<std::string>& v) {
    if (auto* r = recording(*node_)) return record_attr(*r, *node_, name, false, true, {});
    Id t = vlen_utf8();
    std::vector<const char*> p;
    for (const auto& x : v) p.push_back(x.c_str());
    array_attr(*node_, name, t.get(), t.get(), p.size(), p.data());
}

H5DataSet H5Group::write(const std::string& name, const std::vector<std::string>& data,
                         const std::string& units) {
    if (recording(*node_)) return with_units(make_dataset(node_, name, nullptr, data.size(), {}, {-1, -1, 8}), units);
    Id t = vlen_utf8();
    std::vector<const char*> p;
    for (const auto& x : data) p.push_back(x.c_str());
    // 8-byte pointers in memory: the chunking threshold counts pointers, not the text.
    return with_units(make_dataset(node_, name, p.data(), p.size(), {}, {t.get(), t.get(), 8}),
                      units);
}

H5DataSet H5Group::write_table(const std::string& name, const std::vector<H5Column>& columns) {
    const std::string& file = node_->file->final_path;
    const std::string path = join(node_->path, name);
    if (columns.empty()) throw si::IoError(file, 0, "table '" + path + "': no columns");
    auto rows_of = [](const H5Column& c) {
        return c.type == H5Column::Type::f64   ? c.f64.size()
               : c.type == H5Column::Type::i64 ? c.i64.size()
                                               : c.str.size();
    };
    const std::size_t rows = rows_of(columns.front());
    std::vector<std::size_t> offset;
    std::size_t row_bytes = 0;
    for (const auto& c : columns) {
        if (rows_of(c) != rows)
            throw si::IoError(file, 0, "table '" + path + "': column '" + c.name + "' has " +
                                           std::to_string(rows_of(c)) + " rows, expected " +
                                           std::to_string(rows));
        offset.push_back(row_bytes);
        row_bytes += 8;  // double, int64 and char* are all 8 bytes
    }
    if (recording(*node_)) return H5DataSet(make_dataset(node_, name, nullptr, rows, {}, {-1, -1, row_bytes}));
    Id str_t = vlen_utf8();
    Id mem_t(H5Tcreate(H5T_COMPOUND, row_bytes));
    Id file_t(H5Tcreate(H5T_COMPOUND, row_bytes));
    for (std::size_t k = 0; k < columns.size(); ++k) {
        const auto& c = columns[k];
        const hid_t m = c.type == H5Column::Type::f64   ? H5T_NATIVE_DOUBLE
                        : c.type == H5Column::Type::i64 ? H5T_NATIVE_INT64
                                                        : str_t.get();
        const hid_t f = c.type == H5Column::Type::f64   ? H5T_IEEE_F64LE
                        : c.type == H5Column::Type::i64 ? H5T_STD_I64LE
                                                        : str_t.get();
        check(H5Tinsert(mem_t.get(), c.name.c_str(), offset[k], m), file,
              "table '" + path + "': column '" + c.name + "'");
        check(H5Tinsert(file_t.get(), c.name.c_str(), offset[k], f), file,
              "table '" + path + "': column '" + c.name + "'");
    }
    std::vector<unsigned char> buf(rows * row_bytes);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t k = 0; k < columns.size(); ++k) {
            unsigned char* dst = buf.data() + r * row_bytes + offset[k];
            const auto& c = columns[k];
            if (c.type == H5Column::Type::f64)
                std::memcpy(dst, &c.f64[r], 8);
            else if (c.type == H5Column::Type::i64)
                std::memcpy(dst, &c.i64[r], 8);
            else {
                const char* p = c.str[r].c_str();
                std::memcpy(dst, &p, sizeof p);
            }
        }
    H5DataSet ds(make_dataset(node_, name, buf.data(), rows, {}, {file_t.get(), mem_t.get(), row_bytes}));
    std::vector<std::string> names, units;
    for (const auto& c : columns) names.push_back(c.name), units.push_back(c.units);
    ds.attr("columns", names);
    ds.attr("units", units);
    return ds;
}

void H5Group::copy_file(const std::string& src_path, const std::string& name) {
    Quiet q;
    require_open(*node_);
    const std::string& file = node_->file->final_path;
    if (recording(*node_)) throw si::IoError(file, 0, "copy_file() into a recorded file (H5File::create_record)");
    Id src(H5Fopen(src_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (src.get() < 0) throw si::IoError(src_path, 0, "cannot open HDF5 file: " + error_stack());
    check(H5Ocopy(src.get(), "/", node_->id, name.c_str(), H5P_DEFAULT, lcpl().get()), file,
          "cannot copy '" + src_path + "' to '" + join(node_->path, name) + "'");
}

H5Appendable H5Group::appendable(const std::string& name, H5Float type, const std::string& units,
                                 std::size_t chunk_elements) {
    Quiet q;
    require_open(*node_);
    const std::string& file = node_->file->final_path;
    const std::string path = join(node_->path, name);
    if (recording(*node_)) {
        H5Appendable ds(make_dataset(node_, name, nullptr, 0, {}, {-1, -1, 4}));
        return ds;
    }
    const hsize_t zero = 0, unlimited = H5S_UNLIMITED;
    const hsize_t chunk = chunk_elements ? chunk_elements : 64 * 1024;
    Id space(H5Screate_simple(1, &zero, &unlimited));
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    check(H5Pset_chunk(dcpl.get(), 1, &chunk), file, "chunking '" + path + "'");
    if (node_->file->compress) {
        check(H5Pset_shuffle(dcpl.get()), file, "shuffle filter for '" + path + "'");
        check(H5Pset_deflate(dcpl.get(), 4), file, "deflate filter for '" + path + "'");
    }
    const hid_t ftype = type == H5Float::f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    hid_t id = check(H5Dcreate2(node_->id, name.c_str(), ftype, space.get(), lcpl().get(),
                                dcpl.get(), H5P_DEFAULT),
                     file, "cannot create dataset '" + path + "'");
    H5Appendable ds(std::make_shared<H5Node>(node_->file, id, path, false));
    ds.attr("units", units);
    return ds;
}

// --- H5Appendable ---------------------------------------------------------------------------

namespace {
void append_raw(H5Node& n, const void* data, std::size_t count, hid_t mem_type) {
    if (count == 0) return;
    if (auto* r = recording(n)) {
        n.extent += count;
        r->datasets[detail::H5Record::split(n.path)] = {static_cast<std::size_t>(n.extent)};
        return;
    }
    Quiet q;
    require_open(n);
    const std::string& file = n.file->final_path;
    const hsize_t start = n.extent, cnt = count, new_size = n.extent + count;
    check(H5Dset_extent(n.id, &new_size), file, "cannot extend '" + n.path + "'");
    Id fspace(check(H5Dget_space(n.id), file, "dataspace of '" + n.path + "'"));
    check(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &start, nullptr, &cnt, nullptr), file,
          "selection in '" + n.path + "'");
    Id mspace(H5Screate_simple(1, &cnt, nullptr));
    check(H5Dwrite(n.id, mem_type, mspace.get(), fspace.get(), H5P_DEFAULT, data), file,
          "cannot append to '" + n.path + "'");
    n.extent = new_size;
}
}  // namespace

void H5Appendable::append(std::span<const double> data) {
    append_raw(*node_, data.data(), data.size(), H5T_NATIVE_DOUBLE);
}
void H5Appendable::append(std::span<const float> data) {
    append_raw(*node_, data.data(), data.size(), H5T_NATIVE_FLOAT);
}
std::size_t H5Appendable::size() const { return node_->extent; }
void H5Appendable::flush() {
    if (recording(*node_)) return;
    Quiet q;
    require_open(*node_);
    check(H5Fflush(node_->id, H5F_SCOPE_LOCAL), node_->file->final_path, "H5Fflush");
}

// --- H5File -----------------------------------------------------------------------------------

namespace {

std::string host_name() {
    char buf[256] = {0};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "host";
    std::string h(buf);
    std::replace(h.begin(), h.end(), '/', '_');
    return h;
}

std::string parent_dir(const std::string& path) {
    const auto p = std::filesystem::path(path).parent_path();
    return p.empty() ? std::string(".") : p.string();
}

void fsync_path(const std::string& path, int flags) {
    const int fd = ::open(path.c_str(), flags);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open");
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    // Some file systems cannot fsync directories (EINVAL); that is not a data-loss error.
    if (rc != 0 && !(err == EINVAL && (flags & O_DIRECTORY)))
        throw std::system_error(err, std::generic_category(), "fsync");
}

// Closes the file (if open) and removes the temporary file; never throws.
void abandon(H5FileState& s) noexcept {
    if (s.open && s.record) {
        s.open = false;
        return;
    }
    if (s.open) {
        Quiet q;
        s.open = false;
        H5Fclose(s.fid);
        H5Eclear2(H5E_DEFAULT);
    }
    if (!s.committed && !s.tmp_path.empty()) std::remove(s.tmp_path.c_str());
}

}  // namespace

H5File::H5File(std::shared_ptr<detail::H5FileState> state) : state_(std::move(state)) {}
H5File::H5File(H5File&&) noexcept = default;
H5File& H5File::operator=(H5File&& o) noexcept {
    if (this != &o) {
        if (state_) abandon(*state_);
        state_ = std::move(o.state_);
    }
    return *this;
}
H5File::~H5File() {
    if (state_) abandon(*state_);
}

H5File H5File::create(const std::string& final_path, bool compress) {
    // No HDF5 clean-up at exit: after a failed H5Fclose (disk full) HDF5 1.10's atexit handler
    // crashes closing the half-closed file (exit 139). Every file is closed or abandoned here
    // anyway. Must run before the library initialises; a later call is a harmless no-op error.
    static std::once_flag no_atexit;
    std::call_once(no_atexit, [] { H5dont_atexit(); });
    if (final_path.empty()) throw si::IoError("(empty path)", 0, "no output file name given");
    const std::string dir = parent_dir(final_path);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw si::IoError(final_path, 0,
                          "cannot create output file: directory '" + dir + "' does not exist");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw si::IoError(final_path, 0,
                          "cannot create output file: directory '" + dir + "' is not writable (" +
                              std::strerror(errno) + ")");

    auto s = std::make_shared<H5FileState>();
    s->final_path = final_path;
    s->compress = compress;
    s->tmp_path = final_path + ".tmp-" + host_name() + "-" + std::to_string(::getpid());

    Quiet q;
    Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    // STRONG: H5Fclose closes every object still open, so commit() really finishes the file even
    // if the caller still holds group or dataset handles.
    check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), final_path, "H5Pset_fclose_degree");
    // Locking on, but tolerate file systems without locks; HDF5_USE_FILE_LOCKING overrides.
    check(H5Pset_file_locking(fapl.get(), true, true), final_path, "H5Pset_file_locking");
    const hid_t fid = H5Fcreate(s->tmp_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    if (fid < 0) {
        const std::string stack = error_stack();
        std::remove(s->tmp_path.c_str());
        throw si::IoError(final_path, 0,
                          "cannot create temporary file '" + s->tmp_path + "': " + stack);
    }
    s->fid = fid;
    s->open = true;
    H5File f(s);
    f.root().attr("status", "writing");
    return f;
}

H5File H5File::create_in_memory(const std::string& name) {
    static std::once_flag no_atexit;  // as in create()
    std::call_once(no_atexit, [] { H5dont_atexit(); });
    if (name.empty()) throw si::IoError("(empty name)", 0, "no name given for an in-memory file");
    auto s = std::make_shared<H5FileState>();
    s->final_path = name;
    s->compress = false;
    s->in_memory = true;
    Quiet q;
    Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), name, "H5Pset_fclose_degree");
    check(H5Pset_fapl_core(fapl.get(), 1u << 20, false), name, "H5Pset_fapl_core");
    const hid_t fid = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    if (fid < 0) throw si::IoError(name, 0, "cannot create in-memory HDF5 file: " + error_stack());
    s->fid = fid;
    s->open = true;
    H5File f(s);
    f.root().attr("status", "writing");
    return f;
}

H5File H5File::create_record(const std::string& name) {
    if (name.empty()) throw si::IoError("(empty name)", 0, "no name given for a recorded file");
    auto s = std::make_shared<H5FileState>();
    s->final_path = name;
    s->compress = false;
    s->in_memory = true;  // commit() throws
    s->record = std::make_shared<detail::H5Record>();
    s->open = true;
    H5File f(s);
    f.root().attr("status", "writing");
    return f;
}

bool H5File::recorded() const { return state_ && state_->record; }
const detail::H5Record* detail::record_of(const H5File& f) noexcept {
    return f.state_ ? f.state_->record.get() : nullptr;
}

std::int64_t H5File::hdf5_id() const {
    if (!state_ || !state_->open)
        throw si::IoError(state_ ? state_->final_path : std::string("(moved-from H5File)"), 0,
                          "hdf5_id() on a file that is committed or closed");
    if (state_->record) throw si::IoError(state_->final_path, 0, "hdf5_id() on a recorded file (no HDF5 file)");
    return state_->fid;
}

H5Group H5File::root() {
    if (!state_ || !state_->open)
        throw si::IoError(state_ ? state_->final_path : std::string("(moved-from H5File)"), 0,
                          "root() on a file that is committed or closed");
    if (state_->record) return H5Group(std::make_shared<H5Node>(state_, H5I_INVALID_HID, "/", true));
    Quiet q;
    const hid_t id = check(H5Gopen2(state_->fid, "/", H5P_DEFAULT), state_->final_path,
                           "cannot open root group");
    return H5Group(std::make_shared<H5Node>(state_, id, "/", true));
}

void H5File::commit() {
    if (!state_ || !state_->open)
        throw si::IoError(state_ ? state_->final_path : std::string("(moved-from H5File)"), 0,
                          "commit() on a file that is already committed or closed");
    H5FileState& s = *state_;
    if (s.in_memory) throw si::IoError(s.final_path, 0, s.record ? "commit() on a recorded file" : "commit() on an in-memory file");
    try {
        root().attr("status", "complete");
        {
            Quiet q;
            s.open = false;  // handles must not close their ids any more (STRONG closes them)
            if (H5Fclose(s.fid) < 0) fail(s.final_path, "H5Fclose failed; output discarded");
        }
        if (s.write_failed)
            throw si::IoError(s.final_path, 0,
                              "writing a dataset failed (disk full?); output discarded");
        try {
            fsync_path(s.tmp_path, O_RDONLY);
        } catch (const std::system_error& e) {
            throw si::IoError(s.final_path, 0, "cannot sync '" + s.tmp_path + "': " + e.what());
        }
        if (std::rename(s.tmp_path.c_str(), s.final_path.c_str()) != 0)
            throw si::IoError(
                s.final_path, 0,
                "cannot rename '" + s.tmp_path + "' into place: " + std::strerror(errno));
        s.committed = true;
        try {
            fsync_path(parent_dir(s.final_path), O_RDONLY | O_DIRECTORY);
        } catch (const std::system_error&) {
            // The file itself is complete and in place; only the directory entry's durability
            // across a power cut is not guaranteed. Not worth failing the run for.
        }
    } catch (...) {
        abandon(s);
        throw;
    }
}

bool H5File::committed() const { return state_ && state_->committed; }
const std::string& H5File::path() const { return state_->final_path; }
const std::string& H5File::temp_path() const { return state_->tmp_path; }

}  // namespace si::io

#pragma once
/// \file h5.hpp
/// A thin RAII writer over the HDF5 C API, modelled on HighFive, for result files that h5py,
/// xarray and MATLAB users read.
///
/// Guarantees:
/// - **No partial output.** H5File::create() writes to "<final>.tmp-<host>-<pid>" in the same
///   directory. commit() marks the root with `status = "complete"`, closes the file (checking
///   H5Fclose), fsyncs it, renames it over the final name and fsyncs the directory. An H5File
///   destroyed without commit() (exception, early return) deletes its temporary file.
/// - **Every dataset has a `units` attribute** (a required argument of every write).
/// - **Compression.** Datasets above 64 KiB are chunked (~256 KiB chunks) with shuffle + deflate
///   level 4; smaller ones are contiguous. Appendable datasets are always chunked and compressed.
/// - **Types h5py reads naturally.** String attributes are variable-length UTF-8 scalars (h5py
///   returns `str`); complex data is a compound `{r: f8, i: f8}` (h5py returns complex128).
/// - **Errors** throw si::IoError naming the final path, the operation and the HDF5 error stack.
///   HDF5's own printing to stderr is silenced while this wrapper runs.
/// - **File locking** is requested with H5Pset_file_locking(fapl, true, true); the environment
///   variable `HDF5_USE_FILE_LOCKING=FALSE` turns it off (needed on some NFS/Lustre mounts).
///
/// Handles (H5Group, H5DataSet, H5Appendable) are cheap value types sharing one reference-counted
/// HDF5 id. They stay valid until the file is committed or destroyed; using one afterwards throws
/// si::IoError. This header does not include hdf5.h.
///
/// Example:
/// \code
///   auto f = si::io::H5File::create("run.h5");
///   auto eye = f.root().group("eye/rx");
///   eye.write("histogram", counts, {n_v, n_t}, "count");
///   eye.attr("dt_s", 1e-12);
///   f.commit();   // run.h5 appears only now
/// \endcode
#include <complex>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace si::io {

class H5File;

namespace detail {
struct H5Record;  // the content of a recorded file (H5File::create_record)
const H5Record* record_of(const H5File& f) noexcept;  ///< nullptr unless recorded
struct H5FileState;  // the open file, its paths, and whether it is still open
struct H5Node;       // one open HDF5 object id (group or dataset)
}  // namespace detail

/// Element type of an appendable dataset (its storage type in the file).
enum class H5Float {
    f32,  ///< IEEE float32 (waveforms: half the size, ~1e-7 relative resolution)
    f64,  ///< IEEE float64
};

/// Common base of groups and datasets: attributes and identity.
class H5Object {
public:
    /// Writes (or replaces) a scalar float64 attribute.
    void attr(const std::string& name, double v);
    /// Writes (or replaces) a scalar int64 attribute.
    void attr(const std::string& name, std::int64_t v);
    /// Writes (or replaces) a scalar uint64 attribute.
    void attr(const std::string& name, std::uint64_t v);
    /// Any other integer type (int, long long, unsigned, std::size_t) goes to the int64 or uint64
    /// overload by signedness, so `attr("n", 3)` is not ambiguous. bool is deliberately excluded.
    template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, std::int64_t> &&
             !std::same_as<T, std::uint64_t>) void attr(const std::string& name, T v) {
        if constexpr (std::is_signed_v<T>)
            attr(name, static_cast<std::int64_t>(v));
        else
            attr(name, static_cast<std::uint64_t>(v));
    }
    /// Writes (or replaces) a variable-length UTF-8 scalar string attribute (h5py reads `str`).
    void attr(const std::string& name, const std::string& v);
    /// Same as the std::string overload (keeps string literals away from the integer overloads).
    void attr(const std::string& name, const char* v);
    /// Writes (or replaces) a 1-D float64 array attribute.
    void attr(const std::string& name, const std::vector<double>& v);
    /// Writes (or replaces) a 1-D int64 array attribute.
    void attr(const std::string& name, const std::vector<std::int64_t>& v);
    /// Writes (or replaces) a 1-D uint64 array attribute.
    void attr(const std::string& name, const std::vector<std::uint64_t>& v);
    /// Writes (or replaces) a 1-D array of variable-length UTF-8 strings (h5py: array of str).
    void attr(const std::string& name, const std::vector<std::string>& v);

    /// Absolute path of this object inside the file, e.g. "/eye/rx".
    [[nodiscard]] const std::string& name() const;
    /// Final path of the file this object belongs to (used in error messages).
    [[nodiscard]] const std::string& file_path() const;
    /// True in a file made by H5File::create_record(), which keeps no dataset contents: a writer
    /// may skip building data only a dataset would hold (the dataset is then simply absent).
    [[nodiscard]] bool recorded() const;

protected:
    explicit H5Object(std::shared_ptr<detail::H5Node> node);
    std::shared_ptr<detail::H5Node> node_;
};

/// A dataset written in one go by H5Group::write(). Attributes can be added afterwards.
class H5DataSet : public H5Object {
public:
    /// Number of elements per dimension.
    [[nodiscard]] std::vector<std::size_t> dims() const;

protected:
    friend class H5Group;
    explicit H5DataSet(std::shared_ptr<detail::H5Node> n) : H5Object(std::move(n)) {}
};

/// A 1-D float32/float64 dataset with UNLIMITED maximum extent that grows by append(), for
/// streamed outputs (waveform probes, per-block logs). Chunked, shuffle + deflate 4.
class H5Appendable : public H5DataSet {
public:
    /// Appends samples at the end. Values are converted to the dataset's storage type
    /// (double -> float32 rounds). An empty span does nothing.
    void append(std::span<const double> data);
    /// Appends float samples (see the double overload).
    void append(std::span<const float> data);
    /// Number of elements written so far.
    [[nodiscard]] std::size_t size() const;
    /// Flushes the file's buffers to the OS (data stays in the temporary file until commit()).
    void flush();

private:
    friend class H5Group;
    explicit H5Appendable(std::shared_ptr<detail::H5Node> n) : H5DataSet(std::move(n)) {}
};

/// One column of a compound table (H5Group::write_table): float64, int64 or UTF-8 string.
struct H5Column {
    enum class Type { f64, i64, str };
    std::string name;   ///< member name (any text: "rx.ctle.gdc", "eye_height_v[0]")
    std::string units;  ///< listed in the table's `units` attribute, in column order
    Type type = Type::f64;
    std::vector<double> f64;        ///< values when type == f64
    std::vector<std::int64_t> i64;  ///< values when type == i64
    std::vector<std::string> str;   ///< values when type == str
};

/// A group. Creating datasets and subgroups happens here.
class H5Group : public H5Object {
public:
    /// Opens the subgroup `name`, creating it (and any missing parents, "a/b/c") if needed.
    /// Throws si::IoError if a path component exists but is not a group.
    H5Group group(const std::string& name);
    /// True if a link `name` (relative to this group; "a/b" allowed) exists.
    [[nodiscard]] bool exists(const std::string& name) const;

    /// Writes a new dataset `name` ("a/b" creates missing groups) with the given shape.
    /// `dims` empty means 1-D of data.size(); otherwise the product of dims must equal data.size()
    /// (row-major, last index fastest, as numpy). `units` is stored as the `units` attribute
    /// ("V", "s", "Hz", "UI", "count", "" for dimensionless). Throws si::IoError if the name exists
    /// or the shape does not match.
    H5DataSet write(const std::string& name, std::span<const double> data,
                    const std::vector<std::size_t>& dims, const std::string& units);
    /// float32 dataset (see the double overload).
    H5DataSet write(const std::string& name, std::span<const float> data,
                    const std::vector<std::size_t>& dims, const std::string& units);
    /// uint8 dataset (e.g. symbols).
    H5DataSet write(const std::string& name, std::span<const std::uint8_t> data,
                    const std::vector<std::size_t>& dims, const std::string& units);
    /// uint64 dataset (e.g. histogram counts).
    H5DataSet write(const std::string& name, std::span<const std::uint64_t> data,
                    const std::vector<std::size_t>& dims, const std::string& units);
    /// int64 dataset.
    H5DataSet write(const std::string& name, std::span<const std::int64_t> data,
                    const std::vector<std::size_t>& dims, const std::string& units);
    /// Complex dataset stored as compound {r: f8, i: f8}; h5py reads it as complex128.
    H5DataSet write(const std::string& name, std::span<const std::complex<double>> data,
                    const std::vector<std::size_t>& dims, const std::string& units);

    /// A 1-D dataset of variable-length UTF-8 strings (h5py reads bytes; .asstr() gives str).
    H5DataSet write(const std::string& name, const std::vector<std::string>& data,
                    const std::string& units);
    /// A 1-D compound table, one member per column, all columns of equal length; chunked and
    /// compressed above 64 KiB. Attributes `columns` and `units` list the member names and units
    /// in order. `numpy`/`pandas.DataFrame(f[name][...])` read it as a record array.
    H5DataSet write_table(const std::string& name, const std::vector<H5Column>& columns);
    /// Copies the whole content of the HDF5 file `src_path` (its root attributes, groups and
    /// datasets) to a new group `name` here (H5Ocopy: data bit for bit).
    void copy_file(const std::string& src_path, const std::string& name);

    /// Creates an empty appendable 1-D dataset. `chunk_elements` = 0 picks 64 Ki elements.
    H5Appendable appendable(const std::string& name, H5Float type, const std::string& units,
                            std::size_t chunk_elements = 0);

private:
    friend class H5File;
    static H5DataSet with_units(std::shared_ptr<detail::H5Node> node, const std::string& units);
    explicit H5Group(std::shared_ptr<detail::H5Node> n) : H5Object(std::move(n)) {}
};

/// An HDF5 file being written; published atomically by commit(). Move-only.
class H5File {
public:
    /// Creates "<final_path>.tmp-<host>-<pid>" (truncating a stale one). Throws si::IoError
    /// naming `final_path` when its directory is missing or not writable, or HDF5 fails.
    /// An existing file at final_path is left untouched until commit() replaces it.
    /// `compress` = false writes every dataset without filters (contiguous; appendable ones
    /// chunked but unfiltered): for scratch files read back at once (sweep points).
    static H5File create(const std::string& final_path, bool compress = true);
    /// A file that lives in memory only (HDF5 core driver, no backing store, no filters): for
    /// results read back at once and thrown away (sweep points not kept). `name` identifies it
    /// (unique among open files); nothing is written to disk, commit() throws, destruction
    /// frees it. Read it with read_group_numeric_attrs(const H5File&, ...) (h5_read.hpp).
    static H5File create_in_memory(const std::string& name);
    /// A "file" that only records what is written, without HDF5: groups, dataset shapes and group
    /// attributes are kept in memory (dataset contents and dataset attributes are dropped), for
    /// results whose numeric group attributes are all that is read back (sweep points not kept).
    /// read_group_numeric_attrs(const H5File&, ...) returns exactly what it would return for the
    /// same content written to an HDF5 file (names, order, values, scalar or array). commit()
    /// throws; copy_file() and hdf5_id() throw.
    static H5File create_record(const std::string& name);

    H5File(H5File&&) noexcept;
    H5File& operator=(H5File&&) noexcept;
    H5File(const H5File&) = delete;
    H5File& operator=(const H5File&) = delete;
    /// Without a prior commit(): closes and deletes the temporary file. Never throws.
    ~H5File();

    /// The root group "/".
    H5Group root();
    /// Sets root attribute status="complete", closes the file (all handles become invalid),
    /// fsyncs, renames the temporary file to path() and fsyncs the directory. On failure the
    /// temporary file is removed and si::IoError is thrown. Calling it twice throws.
    void commit();
    /// True after a successful commit().
    [[nodiscard]] bool committed() const;
    /// The final path given to create().
    [[nodiscard]] const std::string& path() const;
    /// The temporary path being written ("<final>.tmp-<host>-<pid>").
    [[nodiscard]] const std::string& temp_path() const;
    /// The open file's HDF5 id (for the readers of h5_read.hpp); throws after commit().
    [[nodiscard]] std::int64_t hdf5_id() const;
    /// True for a file made by create_record().
    [[nodiscard]] bool recorded() const;

private:
    friend const detail::H5Record* detail::record_of(const H5File& f) noexcept;
    explicit H5File(std::shared_ptr<detail::H5FileState> state);
    std::shared_ptr<detail::H5FileState> state_;
};

}  // namespace si::io

// Tests of the HDF5 writer: every type round-trips through the HDF5 C API (independent of the
// writer's own code), files appear only on commit, and errors name the path.
#include "si/io/h5.hpp"
#include "si/io/h5_read.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "si/core/error.hpp"
#include "si_test.hpp"

namespace fs = std::filesystem;
using si::io::H5File;

namespace {

// A fresh directory per test, removed afterwards.
class H5Test : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("si_io_h5_" + std::to_string(::getpid()) + "_" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string file(const std::string& name) const { return (dir_ / name).string(); }
    std::vector<std::string> listing() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename());
        return out;
    }
    fs::path dir_;
};

// Minimal reader on the C API; each helper opens/closes what it uses.
struct Reader {
    explicit Reader(const std::string& path)
        : fid(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {}
    ~Reader() {
        if (fid >= 0) H5Fclose(fid);
    }
    hid_t fid;
};

std::string attr_string(hid_t loc, const char* obj, const char* name) {
    hid_t a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return "<missing>";
    hid_t t = H5Aget_type(a);
    std::string out = "<not a vlen string>";
    if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5T_CSET_UTF8);
        char* p = nullptr;
        if (H5Aread(a, mt, &p) >= 0 && p) {
            out = p;
            H5free_memory(p);
        }
        H5Tclose(mt);
        EXPECT_EQ(H5Tget_cset(t), H5T_CSET_UTF8) << name;
    }
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

template <class T>
std::vector<T> attr_array(hid_t loc, const char* obj, const char* name, hid_t mem_type) {
    hid_t a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return {};
    hid_t s = H5Aget_space(a);
    std::vector<T> out(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
    H5Aread(a, mem_type, out.data());
    H5Sclose(s);
    H5Aclose(a);
    return out;
}

template <class T>
std::vector<T> read_ds(hid_t fid, const char* path, hid_t mem_type,
                       std::vector<hsize_t>* dims = nullptr) {
    hid_t d = H5Dopen2(fid, path, H5P_DEFAULT);
    if (d < 0) return {};
    hid_t s = H5Dget_space(d);
    std::vector<T> out(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
    if (dims) {
        dims->resize(static_cast<std::size_t>(H5Sget_simple_extent_ndims(s)));
        H5Sget_simple_extent_dims(s, dims->data(), nullptr);
    }
    if (!out.empty()) H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
    H5Sclose(s);
    H5Dclose(d);
    return out;
}

H5D_layout_t layout(hid_t fid, const char* path, std::vector<H5Z_filter_t>* filters) {
    hid_t d = H5Dopen2(fid, path, H5P_DEFAULT);
    hid_t p = H5Dget_create_plist(d);
    const H5D_layout_t l = H5Pget_layout(p);
    const int n = H5Pget_nfilters(p);
    for (int k = 0; k < n; ++k) {
        unsigned flags = 0, cd[8];
        size_t ncd = 8;
        filters->push_back(
            H5Pget_filter2(p, static_cast<unsigned>(k), &flags, &ncd, cd, 0, nullptr, nullptr));
    }
    H5Pclose(p);
    H5Dclose(d);
    return l;
}

}  // namespace

TEST_F(H5Test, WritesEveryTypeAndReadsItBackWithTheCApi) {
    const std::string path = file("all.h5");
    const std::vector<double> d2{1.5, -2.0, 3.25, 4.0, 5.0, 6.0};
    const std::vector<float> f{0.5f, -0.25f};
    const std::vector<std::uint8_t> u8{0, 1, 2, 3, 255};
    const std::vector<std::uint64_t> u64{0, 1, 18446744073709551615ull};
    const std::vector<std::int64_t> i64{-9223372036854775807LL, 0, 42};
    const std::vector<std::complex<double>> c{{1.0, -1.0}, {0.5, 2.0}, {-3.0, 0.0}};
    {
        auto h = H5File::create(path);
        auto g = h.root().group("data");
        g.write("d2", d2, {2, 3}, "V");
        g.write("f", f, {}, "s");
        g.write("u8", u8, {}, "");
        auto hist = g.write("u64", u64, {}, "count");
        g.write("i64", i64, {}, "UI");
        g.write("c", c, {}, "");
        g.attr("dt_s", 1.25e-12);
        g.attr("n_int", std::int64_t{-7});
        g.attr("n_uint", std::uint64_t{7});
        g.attr("n_plain_int", 3);  // int goes to the int64 overload
        g.attr("text", std::string("µ-ÜTF8 ✓"));
        g.attr("literal", "lit");
        g.attr("levels_v", std::vector<double>{-0.3, -0.1, 0.1, 0.3});
        g.attr("shape", std::vector<std::int64_t>{2, -3});
        hist.attr("eye_width_ui", std::vector<double>{0.4, 0.5, 0.45});
        hist.attr("dt_s", 1e-12);
        hist.attr("units", "count");  // replacing an existing attribute works
        EXPECT_EQ(hist.name(), "/data/u64");
        EXPECT_EQ(hist.dims(), (std::vector<std::size_t>{3}));
        h.commit();
    }
    Reader r(path);
    ASSERT_GE(r.fid, 0);
    std::vector<hsize_t> dims;
    EXPECT_EQ(read_ds<double>(r.fid, "/data/d2", H5T_NATIVE_DOUBLE, &dims), d2);
    EXPECT_EQ(dims, (std::vector<hsize_t>{2, 3}));
    EXPECT_EQ(read_ds<float>(r.fid, "/data/f", H5T_NATIVE_FLOAT), f);
    EXPECT_EQ(read_ds<std::uint8_t>(r.fid, "/data/u8", H5T_NATIVE_UINT8), u8);
    EXPECT_EQ(read_ds<std::uint64_t>(r.fid, "/data/u64", H5T_NATIVE_UINT64), u64);
    EXPECT_EQ(read_ds<std::int64_t>(r.fid, "/data/i64", H5T_NATIVE_INT64), i64);

    // Complex: a compound with members r, i of f64 (what h5py maps to complex128).
    hid_t cd = H5Dopen2(r.fid, "/data/c", H5P_DEFAULT);
    hid_t ct = H5Dget_type(cd);
    ASSERT_EQ(H5Tget_class(ct), H5T_COMPOUND);
    ASSERT_EQ(H5Tget_nmembers(ct), 2);
    char* m0 = H5Tget_member_name(ct, 0);
    char* m1 = H5Tget_member_name(ct, 1);
    EXPECT_STREQ(m0, "r");
    EXPECT_STREQ(m1, "i");
    H5free_memory(m0);
    H5free_memory(m1);
    EXPECT_EQ(H5Tget_size(ct), 16u);
    H5Tclose(ct);
    H5Dclose(cd);
    hid_t mt = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(mt, "r", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(mt, "i", 8, H5T_NATIVE_DOUBLE);
    EXPECT_EQ(read_ds<std::complex<double>>(r.fid, "/data/c", mt), c);
    H5Tclose(mt);

    // Every dataset has a units attribute.
    EXPECT_EQ(attr_string(r.fid, "/data/d2", "units"), "V");
    EXPECT_EQ(attr_string(r.fid, "/data/f", "units"), "s");
    EXPECT_EQ(attr_string(r.fid, "/data/u8", "units"), "");
    EXPECT_EQ(attr_string(r.fid, "/data/u64", "units"), "count");
    EXPECT_EQ(attr_string(r.fid, "/data/i64", "units"), "UI");
    EXPECT_EQ(attr_string(r.fid, "/data/c", "units"), "");

    EXPECT_EQ(attr_array<double>(r.fid, "/data", "dt_s", H5T_NATIVE_DOUBLE),
              std::vector<double>{1.25e-12});
    EXPECT_EQ(attr_array<std::int64_t>(r.fid, "/data", "n_int", H5T_NATIVE_INT64),
              std::vector<std::int64_t>{-7});
    EXPECT_EQ(attr_array<std::uint64_t>(r.fid, "/data", "n_uint", H5T_NATIVE_UINT64),
              std::vector<std::uint64_t>{7});
    EXPECT_EQ(attr_array<std::int64_t>(r.fid, "/data", "n_plain_int", H5T_NATIVE_INT64),
              std::vector<std::int64_t>{3});
    EXPECT_EQ(attr_string(r.fid, "/data", "text"), "µ-ÜTF8 ✓");
    EXPECT_EQ(attr_string(r.fid, "/data", "literal"), "lit");
    EXPECT_EQ(attr_array<double>(r.fid, "/data", "levels_v", H5T_NATIVE_DOUBLE),
              (std::vector<double>{-0.3, -0.1, 0.1, 0.3}));
    EXPECT_EQ(attr_array<std::int64_t>(r.fid, "/data", "shape", H5T_NATIVE_INT64),
              (std::vector<std::int64_t>{2, -3}));
    EXPECT_EQ(attr_array<double>(r.fid, "/data/u64", "eye_width_ui", H5T_NATIVE_DOUBLE),
              (std::vector<double>{0.4, 0.5, 0.45}));
    EXPECT_EQ(attr_string(r.fid, "/", "status"), "complete");
}

TEST_F(H5Test, LargeDatasetsAreChunkedAndCompressedSmallOnesContiguous) {
    const std::string path = file("big.h5");
    std::vector<double> big(100'000);  // 800 kB > 64 KiB threshold
    std::iota(big.begin(), big.end(), 0.0);
    std::vector<std::uint64_t> hist(512 * 256, 3);  // 1 MiB, 2-D
    const std::vector<double> small(1000, 1.0);     // 8 kB
    {
        auto h = H5File::create(path);
        h.root().write("big", big, {}, "V");
        h.root().write("hist", hist, {512, 256}, "count");
        h.root().write("small", small, {}, "V");
        h.commit();
    }
    Reader r(path);
    std::vector<H5Z_filter_t> filters;
    EXPECT_EQ(layout(r.fid, "/big", &filters), H5D_CHUNKED);
    EXPECT_EQ(filters, (std::vector<H5Z_filter_t>{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE}));
    filters.clear();
    EXPECT_EQ(layout(r.fid, "/hist", &filters), H5D_CHUNKED);
    EXPECT_EQ(filters.size(), 2u);
    filters.clear();
    EXPECT_EQ(layout(r.fid, "/small", &filters), H5D_CONTIGUOUS);
    EXPECT_TRUE(filters.empty());
    EXPECT_EQ(read_ds<double>(r.fid, "/big", H5T_NATIVE_DOUBLE), big);
    std::vector<hsize_t> dims;
    EXPECT_EQ(read_ds<std::uint64_t>(r.fid, "/hist", H5T_NATIVE_UINT64, &dims), hist);
    EXPECT_EQ(dims, (std::vector<hsize_t>{512, 256}));
    // The iota ramp compresses well with shuffle+deflate: the file is far below the raw size.
    EXPECT_LT(fs::file_size(path), 800'000u);
}

TEST_F(H5Test, FinalFileAppearsOnlyAtCommitAndTempFileVanishes) {
    const std::string path = file("run.h5");
    auto h = H5File::create(path);
    EXPECT_EQ(h.path(), path);
    EXPECT_EQ(h.temp_path().rfind(path + ".tmp-", 0), 0u) << h.temp_path();
    EXPECT_NE(h.temp_path().find("-" + std::to_string(::getpid())), std::string::npos);
    EXPECT_TRUE(fs::exists(h.temp_path()));
    EXPECT_FALSE(fs::exists(path));
    auto g = h.root().group("waveforms");  // handle still open at commit: STRONG close handles it
    g.write("rx", std::vector<double>{1, 2, 3}, {}, "V");
    EXPECT_FALSE(fs::exists(path));
    h.commit();
    EXPECT_TRUE(h.committed());
    EXPECT_TRUE(fs::exists(path));
    EXPECT_FALSE(fs::exists(h.temp_path()));
    EXPECT_EQ(listing(), std::vector<std::string>{"run.h5"});
    Reader r(path);
    EXPECT_EQ(attr_string(r.fid, "/", "status"), "complete");
    // Handles die with the file: using one now is an error, not a crash.
    SI_EXPECT_THROW_MSG(g.attr("x", 1.0), si::IoError, "after the file was committed");
    SI_EXPECT_THROW_MSG(h.commit(), si::IoError, "already committed");
}

TEST_F(H5Test, DestroyedWithoutCommitLeavesNothing) {
    const std::string path = file("partial.h5");
    std::string tmp;
    {
        auto h = H5File::create(path);
        tmp = h.temp_path();
        auto g = h.root().group("eye/rx");
        g.write("histogram", std::vector<std::uint64_t>(100'000, 1), {}, "count");
        EXPECT_TRUE(fs::exists(tmp));
    }
    EXPECT_FALSE(fs::exists(tmp));
    EXPECT_FALSE(fs::exists(path));
    EXPECT_TRUE(listing().empty());

    // The same when an exception unwinds through the writer.
    try {
        auto h = H5File::create(path);
        h.root().write("x", std::vector<double>{1.0}, {}, "V");
        throw std::runtime_error("simulated failure");
    } catch (const std::runtime_error&) {
    }
    EXPECT_TRUE(listing().empty());
}

TEST_F(H5Test, CommitReplacesAnExistingFileOnlyAtTheEnd) {
    const std::string path = file("out.h5");
    { std::ofstream(path) << "old result"; }
    auto h = H5File::create(path);
    h.root().attr("version", 2);
    EXPECT_EQ(fs::file_size(path), 10u);  // the old file is untouched while writing
    h.commit();
    Reader r(path);
    ASSERT_GE(r.fid, 0);
    EXPECT_EQ(attr_array<std::int64_t>(r.fid, "/", "version", H5T_NATIVE_INT64),
              std::vector<std::int64_t>{2});
}

TEST_F(H5Test, MissingDirectoryGivesIoErrorNamingThePath) {
    const std::string path = file("no/such/dir/out.h5");
    SI_EXPECT_THROW_MSG(H5File::create(path), si::IoError, path);
    SI_EXPECT_THROW_MSG(H5File::create(path), si::IoError, "does not exist");
}

TEST_F(H5Test, UnwritableDirectoryGivesIoErrorNamingThePath) {
    if (::geteuid() == 0) {
        // root ignores permission bits; a parent that is a regular file fails for everyone.
        const std::string blocker = file("plainfile");
        std::ofstream(blocker) << "x";
        const std::string path = blocker + "/out.h5";
        SI_EXPECT_THROW_MSG(H5File::create(path), si::IoError, path);
        // /proc accepts no new files even for root: exercises the HDF5 error path.
        SI_EXPECT_THROW_MSG(H5File::create("/proc/si_io_test.h5"), si::IoError,
                            "/proc/si_io_test.h5");
        return;
    }
    const fs::path ro = dir_ / "ro";
    fs::create_directories(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    const std::string path = (ro / "out.h5").string();
    SI_EXPECT_THROW_MSG(H5File::create(path), si::IoError, path);
    SI_EXPECT_THROW_MSG(H5File::create(path), si::IoError, "not writable");
    fs::permissions(ro, fs::perms::owner_all);
}

TEST_F(H5Test, WritesWithFileLockingDisabledByEnvironment) {
    // HDF5_USE_FILE_LOCKING=FALSE is how users on NFS/Lustre without locks get files written.
    ::setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
    const std::string path = file("nolock.h5");
    {
        auto h = H5File::create(path);
        h.root().write("x", std::vector<double>{1.0}, {}, "V");
        h.commit();
    }
    ::unsetenv("HDF5_USE_FILE_LOCKING");
    Reader r(path);
    EXPECT_EQ(read_ds<double>(r.fid, "/x", H5T_NATIVE_DOUBLE), std::vector<double>{1.0});
}

TEST_F(H5Test, AppendableGrowsAcrossCallsAndConvertsToStorageType) {
    const std::string path = file("stream.h5");
    std::vector<double> all;
    {
        auto h = H5File::create(path);
        auto w = h.root().group("waveforms").appendable("rx", si::io::H5Float::f32, "V", 1000);
        w.attr("dt_s", 1e-12);
        for (int block = 0; block < 5; ++block) {
            std::vector<double> x(2500 + static_cast<std::size_t>(block));
            for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.25 * double(all.size() + k);
            w.append(x);
            all.insert(all.end(), x.begin(), x.end());
        }
        w.append(std::vector<float>{0.5f, 1.5f});
        all.push_back(0.5);
        all.push_back(1.5);
        w.append(std::span<const double>{});  // no-op
        w.flush();
        EXPECT_EQ(w.size(), all.size());
        auto d = h.root().appendable("log", si::io::H5Float::f64, "s");
        d.append(std::vector<double>{1e-300, 2.0});
        h.commit();
    }
    Reader r(path);
    const auto got = read_ds<float>(r.fid, "/waveforms/rx", H5T_NATIVE_FLOAT);
    ASSERT_EQ(got.size(), all.size());
    // Values k/4 up to ~3150 are exact in float32 (24-bit mantissa), so equality is expected.
    for (std::size_t k = 0; k < all.size(); ++k) ASSERT_EQ(got[k], static_cast<float>(all[k])) << k;
    EXPECT_EQ(attr_string(r.fid, "/waveforms/rx", "units"), "V");
    hid_t d = H5Dopen2(r.fid, "/waveforms/rx", H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    hsize_t cur = 0, max = 0;
    H5Sget_simple_extent_dims(s, &cur, &max);
    EXPECT_EQ(max, H5S_UNLIMITED);
    hid_t t = H5Dget_type(d);
    EXPECT_EQ(H5Tget_size(t), 4u);
    H5Tclose(t);
    H5Sclose(s);
    H5Dclose(d);
    EXPECT_EQ(read_ds<double>(r.fid, "/log", H5T_NATIVE_DOUBLE),
              (std::vector<double>{1e-300, 2.0}));
}

TEST_F(H5Test, NestedGroupsAreCreatedOrOpened) {
    const std::string path = file("groups.h5");
    {
        auto h = H5File::create(path);
        auto root = h.root();
        auto ab = root.group("a/b");
        EXPECT_EQ(ab.name(), "/a/b");
        ab.attr("x", 1.0);
        auto a = root.group("a");  // opens the existing group
        auto abc = a.group("b/c");
        EXPECT_EQ(abc.name(), "/a/b/c");
        EXPECT_TRUE(root.exists("a/b/c"));
        EXPECT_FALSE(root.exists("a/x/c"));
        EXPECT_FALSE(root.exists("z"));
        root.write("a/b/d", std::vector<double>{1.0}, {}, "V");  // intermediate groups exist
        root.write("p/q/r", std::vector<double>{2.0}, {}, "V");  // and are created
        SI_EXPECT_THROW_MSG(root.group("a/b/d"), si::IoError, "/a/b/d");  // a dataset
        h.commit();
    }
    Reader r(path);
    EXPECT_EQ(attr_array<double>(r.fid, "/a/b", "x", H5T_NATIVE_DOUBLE), std::vector<double>{1.0});
    EXPECT_EQ(read_ds<double>(r.fid, "/p/q/r", H5T_NATIVE_DOUBLE), std::vector<double>{2.0});
}

TEST_F(H5Test, ErrorsNameTheFileAndCarryTheHdf5Stack) {
    const std::string path = file("err.h5");
    auto h = H5File::create(path);
    auto root = h.root();
    root.write("x", std::vector<double>{1, 2}, {}, "V");
    // Duplicate name: HDF5 refuses; the message names the file, the dataset and HDF5's reason.
    try {
        root.write("x", std::vector<double>{1, 2}, {}, "V");
        ADD_FAILURE() << "no exception";
    } catch (const si::IoError& e) {
        const std::string msg = e.what();
        EXPECT_EQ(e.file(), path);
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
        EXPECT_NE(msg.find("cannot create dataset '/x'"), std::string::npos) << msg;
        EXPECT_NE(msg.find("H5Dcreate2"), std::string::npos) << msg;  // from the HDF5 stack
    }
    SI_EXPECT_THROW_MSG(root.write("y", std::vector<double>{1, 2, 3}, {2, 2}, "V"), si::IoError,
                        "shape holds 4 elements but 3 were given");
}

TEST_F(H5Test, MovedFileKeepsOwnership) {
    const std::string path = file("moved.h5");
    H5File a = H5File::create(path);
    H5File b = std::move(a);
    b.root().write("x", std::vector<double>{1.0}, {}, "");
    H5File c = H5File::create(file("other.h5"));
    c = std::move(b);  // abandons other.h5's temp file, takes over moved.h5
    c.commit();
    EXPECT_EQ(listing(), std::vector<std::string>{"moved.h5"});
}

// Cross-check with h5py, what Python users run. Skipped when Debian's python3-h5py is absent.
TEST_F(H5Test, H5pyReadsStringsAsStrAndComplexAsComplex128) {
    if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "/usr/bin/python3 with h5py not available";
    const std::string path = file("py.h5");
    {
        auto h = H5File::create(path);
        auto g = h.root().group("channel");
        g.write("sdd21", std::vector<std::complex<double>>{{1, -1}, {0.5, 0.25}}, {}, "");
        g.write("frequency_hz", std::vector<double>{0.0, 1e9}, {}, "Hz");
        g.write("big", std::vector<float>(50'000, 1.0f), {}, "V");
        g.attr("config", "[tx]\nswing = 0.8\n");
        h.commit();
    }
    const std::string cmd =
        std::string("/usr/bin/python3 ") + SI_IO_TEST_DIR + "/h5py_check.py " + path;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// An in-memory file (sweep points not kept): the numeric attributes read from it while open are
// those of the same content written to disk and read back; nothing reaches the disk, and it
// cannot be committed.
TEST_F(H5Test, InMemoryFileReadsLikeTheFileOnDisk) {
    auto fill = [](si::io::H5Group root) {
        root.attr("seed", std::uint64_t{7});
        auto b = root.group("ber");
        b.attr("ser", 1.25e-4);
        b.attr("levels_v", std::vector<double>{-0.3, -0.1, 0.1, 0.3});
        b.attr("note", "text attributes are skipped");
        const std::vector<double> big(200000, 0.5);
        root.write("eye/rx/histogram", std::span<const double>(big), {}, "count");
        root.group("eye/rx/metrics").attr("eye_height_v", std::vector<double>{0.01, 0.02, 0.03});
    };
    const std::string path = file("disk.h5");
    {
        auto f = H5File::create(path, false);
        fill(f.root());
        f.commit();
    }
    const std::vector<std::string> first = {"/ber", "/eye/rx/metrics", "/"};
    const auto want = si::io::read_group_numeric_attrs(path, first);
    auto m = H5File::create_in_memory(file("memory.h5"));
    fill(m.root());
    const auto got = si::io::read_group_numeric_attrs(m, first);
    ASSERT_EQ(got.size(), want.size());
    ASSERT_GE(got.size(), 4u);
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].group, want[i].group) << i;
        EXPECT_EQ(got[i].name, want[i].name) << i;
        EXPECT_EQ(got[i].values, want[i].values) << i;
        EXPECT_EQ(got[i].scalar, want[i].scalar) << i;
    }
    EXPECT_THROW(m.commit(), si::IoError);
    EXPECT_EQ(listing(), std::vector<std::string>{"disk.h5"});  // nothing of the memory file
}

// A recorded file (H5File::create_record, sweep points not kept): no HDF5 at all, and the numeric
// attributes read from it are those of the same content written to disk and read back: same
// groups in the same order (component-wise name order, not string order: "a", "a/b", "a-c"),
// attributes in name order, values bit for bit (integers converted as HDF5 converts them, NaN,
// empty arrays as rank-0 empty values), replaced attributes and attributes on datasets as HDF5
// keeps them.
TEST_F(H5Test, RecordedFileReadsLikeTheFileOnDisk) {
    auto fill = [](si::io::H5Group root) {
        root.attr("seed", std::uint64_t{7});
        root.attr("z_last", 1.0);
        root.attr("A_upper", std::int64_t{-3});
        auto b = root.group("ber");
        b.attr("ser", 1.25e-4);
        b.attr("nan", std::nan(""));
        b.attr("inf", -INFINITY);
        b.attr("big_u", std::uint64_t{18446744073709551615u});
        b.attr("odd_u", (std::uint64_t{1} << 53) + 1);
        b.attr("odd_i", -(std::int64_t{1} << 60) - 3);
        b.attr("levels_v", std::vector<double>{-0.3, -0.1, 0.1, 0.3});
        b.attr("one", std::vector<double>{2.5});
        b.attr("empty_d", std::vector<double>{});
        b.attr("empty_i", std::vector<std::int64_t>{});
        b.attr("empty_u", std::vector<std::uint64_t>{});
        b.attr("counts", std::vector<std::uint64_t>{1, 2, (std::uint64_t{1} << 63) + 5});
        b.attr("offsets", std::vector<std::int64_t>{-1, 0, 1});
        b.attr("note", "text attributes are skipped");
        b.attr("names", std::vector<std::string>{"a", "b"});
        b.attr("was_text", "x");
        b.attr("was_text", 4.0);  // replaced by a number
        b.attr("was_number", 4.0);
        b.attr("was_number", "now text");
        b.attr("twice", 1.0);
        b.attr("twice", std::vector<double>{1.0, 2.0});
        b.attr("n_int", 3);
        const std::vector<double> big(200000, 0.5);
        auto d = root.write("eye/rx/histogram", std::span<const double>(big), {}, "count");
        d.attr("on_dataset", 1.0);  // attributes on datasets are not read
        root.group("eye/rx/metrics").attr("eye_height_v", std::vector<double>{0.01, 0.02, 0.03});
        root.group("a").attr("x", 1.0);
        root.group("a/b").attr("x", 2.0);
        root.group("a-c").attr("x", 3.0);
        root.group("a0").attr("x", 4.0);
        root.group("B").attr("x", 5.0);
        const std::vector<std::complex<double>> c{{1, 2}, {3, 4}};
        root.group("channel").write("sdd21", std::span<const std::complex<double>>(c), {}, "");
        root.group("channel").attr("dc_gain", 0.9);
        root.write("deep/er/data", std::vector<std::string>{"s"}, "");
        root.group("deep").attr("k", std::int64_t{9});
        si::io::H5Column col{"v", "V", si::io::H5Column::Type::f64, {1.0, 2.0}, {}, {}};
        root.group("tab").write_table("t", {col});
        auto ap = root.group("w").appendable("wave", si::io::H5Float::f32, "V");
        const std::vector<float> w(10, 1.0f);
        ap.append(std::span<const float>(w));
        root.group("w").attr("n", ap.size());
    };
    const std::string path = file("disk.h5");
    {
        auto f = H5File::create(path, false);
        fill(f.root());
        f.commit();
    }
    for (const std::vector<std::string>& first :
         {std::vector<std::string>{"/ber", "/eye/rx/metrics", "/missing", "/"},
          std::vector<std::string>{}, std::vector<std::string>{"/a/b", "/ber", "/ber"}}) {
        const auto want = si::io::read_group_numeric_attrs(path, first);
        auto m = H5File::create_record(file("memory.h5"));
        EXPECT_TRUE(m.recorded());
        fill(m.root());
        const auto got = si::io::read_group_numeric_attrs(m, first);
        ASSERT_EQ(got.size(), want.size());
        ASSERT_GE(got.size(), 20u);
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].group, want[i].group) << i;
            EXPECT_EQ(got[i].name, want[i].name) << i;
            EXPECT_EQ(got[i].scalar, want[i].scalar) << got[i].group << " " << got[i].name;
            ASSERT_EQ(got[i].values.size(), want[i].values.size()) << got[i].group << " " << got[i].name;
            if (!got[i].values.empty()) {  // (memcmp of an empty vector's null data is undefined)
                EXPECT_EQ(0, std::memcmp(got[i].values.data(), want[i].values.data(), 8 * got[i].values.size()))
                    << got[i].group << " " << got[i].name;
            }
        }
        EXPECT_TRUE(m.root().exists("eye/rx/histogram"));
        EXPECT_TRUE(m.root().exists("a/b"));
        EXPECT_FALSE(m.root().exists("a/c"));
        EXPECT_EQ(m.root().group("w").exists("wave"), true);
        EXPECT_THROW(m.root().write("eye/rx/histogram", std::span<const double>(std::vector<double>(2)), {}, ""),
                     si::IoError);
        EXPECT_THROW(m.root().group("eye/rx/histogram"), si::IoError);
        EXPECT_THROW((void)m.hdf5_id(), si::IoError);
        EXPECT_THROW(m.commit(), si::IoError);
    }
    EXPECT_EQ(listing(), std::vector<std::string>{"disk.h5"});  // nothing of the recorded file
}

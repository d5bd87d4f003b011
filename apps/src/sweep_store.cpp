#include "sweep_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "results.hpp"
#include "point_scalars.hpp"
#include "run_command.hpp"
#include "si/core/error.hpp"
#include "si/io/h5.hpp"
#include "si/io/h5_read.hpp"

namespace sisim {

namespace fs = std::filesystem;

namespace {

// Writes `text` to `path` atomically: a temporary file in the same directory, fsync, rename.
void write_atomic(const std::string& path, const std::string& text, bool durable = true) {
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw si::IoError(tmp, 0, std::string("cannot create: ") + std::strerror(errno));
    std::size_t off = 0;
    while (off < text.size()) {
        const auto n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw si::IoError(tmp, 0, std::string("cannot write: ") + std::strerror(e));
        }
        off += static_cast<std::size_t>(n);
    }
    if (durable) ::fsync(fd);
    ::close(fd);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        throw si::IoError(path, 0, std::string("cannot rename into place: ") + std::strerror(e));
    }
}

std::string rec_path(const std::string& work, std::size_t i) {
    return work + "/points/" + std::to_string(i) + ".rec";
}
std::string h5_path(const std::string& work, std::size_t i) {
    return work + "/points/" + std::to_string(i) + ".h5";
}

// The name of a point's recorded result when it is not kept (no file: nothing reaches a disk, a
// kill leaves nothing behind).
std::string scratch_name(std::size_t i) {
    return "sisim-point-" + std::to_string(::getpid()) + "-" + std::to_string(i) + ".h5";
}

std::string toml_strings(const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + toml_quote(v[i]);
    return s + "]";
}

// Display text of a value for the table: the string itself for strings, the TOML text otherwise.
std::string display(const SweepValue& v) {
    if (!v.text.empty() && v.text.front() == '"') {
        try {
            const auto t = toml::parse("v = " + v.text);
            return std::string(t["v"].value_or(std::string_view{}));
        } catch (const toml::parse_error&) {
        }
    }
    return v.text;
}

void append_log(std::size_t i) {
    // Test hook (docs/sweeps.md): one line per point record written, to count runs.
    const char* log = std::getenv("SISIM_SWEEP_RUN_LOG");
    if (!log || !*log) return;
    const int fd = ::open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    const std::string line = std::to_string(i) + "\n";
    (void)!::write(fd, line.data(), line.size());
    ::close(fd);
}

toml::table parse_toml_file(const std::string& path) {
    try {
        return toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        throw si::IoError(path, static_cast<long>(e.source().begin.line),
                          "unreadable sweep record: " + std::string(e.description()));
    }
}

// A point record (docs/sweeps.md) as merge and resume read it.
struct PointRecord {
    std::string hash, error, config;
    std::int64_t index = -1, seed = 0;
    bool ok = false, has_values = false;
    std::vector<std::string> names, units;
    std::vector<double> values;
    std::vector<std::pair<std::string, std::string>> key_values;  // the [values] table
};

// The records sisim writes, read without a general TOML parser (a sweep's merge read each ~9 kB
// record with toml++ in ~0.4 ms, a tenth of a short point): one `key = value` per line, basic
// strings, integers, booleans, arrays of strings or numbers on one line, then the [values] table
// of quoted keys and strings. Anything else (a record edited by hand, another writer) returns
// false, and the record is read by toml++ instead.
class FastRecordReader {
public:
    explicit FastRecordReader(std::string_view t) : t_(t) {}
    bool read(PointRecord& r) {
        bool in_values = false;
        while (p_ < t_.size()) {
            if (t_[p_] == '\n') { ++p_; continue; }
            if (t_[p_] == '[') {
                if (t_.substr(p_, 9) != "[values]\n" || in_values) return false;
                in_values = r.has_values = true;
                p_ += 9;
                continue;
            }
            if (in_values) {
                std::string k, v;
                if (!string(k) || !equals() || !string(v) || !eol()) return false;
                r.key_values.emplace_back(std::move(k), std::move(v));
                continue;
            }
            const std::size_t e = t_.find(" = ", p_);
            if (e == std::string_view::npos) return false;
            const std::string_view key = t_.substr(p_, e - p_);
            p_ = e + 3;
            bool ok = false;
            if (key == "hash") ok = string(r.hash);
            else if (key == "error") ok = string(r.error);
            else if (key == "config") ok = string(r.config);
            else if (key == "index") ok = integer(r.index);
            else if (key == "seed") ok = integer(r.seed);
            else if (key == "ok") ok = boolean(r.ok);
            else if (key == "result_names") ok = strings(r.names);
            else if (key == "result_units") ok = strings(r.units);
            else if (key == "result_values") ok = numbers(r.values);
            if (!ok || !eol()) return false;
        }
        return true;
    }

private:
    bool eol() {
        if (p_ < t_.size() && t_[p_] != '\n') return false;
        ++p_;
        return true;
    }
    bool equals() {
        if (t_.substr(p_, 3) != " = ") return false;
        p_ += 3;
        return true;
    }
    bool string(std::string& out) {
        if (p_ >= t_.size() || t_[p_] != '"') return false;
        ++p_;
        out.clear();
        for (;;) {
            const std::size_t q = t_.find_first_of("\"\\\n", p_);
            if (q == std::string_view::npos || t_[q] == '\n') return false;
            out.append(t_.data() + p_, q - p_);
            p_ = q + 1;
            if (t_[q] == '"') return true;
            if (p_ >= t_.size()) return false;
            const char c = t_[p_++];
            switch (c) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'r': out += '\r'; break;
                case 'u': {  // \u00XX: the control characters the writers escape
                    if (p_ + 4 > t_.size() || t_.substr(p_, 2) != "00") return false;
                    unsigned v = 0;
                    const auto r = std::from_chars(t_.data() + p_ + 2, t_.data() + p_ + 4, v, 16);
                    if (r.ptr != t_.data() + p_ + 4 || v >= 0x80) return false;
                    out += static_cast<char>(v);
                    p_ += 4;
                    break;
                }
                default: return false;
            }
        }
    }
    bool integer(std::int64_t& out) {
        const auto r = std::from_chars(t_.data() + p_, t_.data() + t_.size(), out);
        if (r.ec != std::errc() || r.ptr == t_.data() + p_) return false;
        p_ = static_cast<std::size_t>(r.ptr - t_.data());
        return true;
    }
    bool boolean(bool& out) {
        if (t_.substr(p_, 4) == "true") return out = true, p_ += 4, true;
        if (t_.substr(p_, 5) == "false") return out = false, p_ += 5, true;
        return false;
    }
    template <class F>
    bool array(F&& item) {
        if (p_ >= t_.size() || t_[p_] != '[') return false;
        ++p_;
        if (p_ < t_.size() && t_[p_] == ']') return ++p_, true;
        for (;;) {
            if (!item()) return false;
            if (p_ < t_.size() && t_[p_] == ']') return ++p_, true;
            if (t_.substr(p_, 2) != ", ") return false;
            p_ += 2;
        }
    }
    bool strings(std::vector<std::string>& out) {
        return array([&] {
            std::string s;
            if (!string(s)) return false;
            out.push_back(std::move(s));
            return true;
        });
    }
    bool numbers(std::vector<double>& out) {
        return array([&] {
            // the writer's forms: shortest round-trip decimal, nan, inf, -inf (what toml++ reads
            // them as, bit for bit: both round correctly)
            const std::size_t e = t_.find_first_of(",]\n", p_);
            if (e == std::string_view::npos) return false;
            const std::string_view w = t_.substr(p_, e - p_);
            double x = 0;
            if (w == "nan") x = std::numeric_limits<double>::quiet_NaN();
            else if (w == "inf") x = std::numeric_limits<double>::infinity();
            else if (w == "-inf") x = -std::numeric_limits<double>::infinity();
            else {
                if (w.empty() || w.find_first_not_of("0123456789.eE+-") != std::string_view::npos) return false;
                const auto r = std::from_chars(w.data(), w.data() + w.size(), x);
                if (r.ec != std::errc() || r.ptr != w.data() + w.size()) return false;
            }
            out.push_back(x);
            p_ = e;
            return true;
        });
    }
    std::string_view t_;
    std::size_t p_ = 0;
};

// Reads a point record: the fast reader for the layout sisim writes, toml++ for anything else.
// Throws IoError (file, line) when the record does not parse.
PointRecord read_record(const std::string& path) {
    std::string text;
    {
        std::ifstream f(path, std::ios::binary);
        if (!f) throw si::IoError(path, 0, "cannot read the sweep record");
        f.seekg(0, std::ios::end);
        text.resize(static_cast<std::size_t>(std::max<std::streamoff>(0, f.tellg())));
        f.seekg(0);
        f.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(f.gcount()));
    }
    PointRecord r;
    if (FastRecordReader(text).read(r)) return r;
    r = PointRecord{};
    toml::table t;
    try {
        t = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        throw si::IoError(path, static_cast<long>(e.source().begin.line),
                          "unreadable sweep record: " + std::string(e.description()));
    }
    r.hash = t["hash"].value_or(std::string());
    r.index = t["index"].value_or(std::int64_t{-1});
    r.seed = t["seed"].value_or(std::int64_t{0});
    r.ok = t["ok"].value_or(false);
    r.error = t["error"].value_or(std::string());
    r.config = t["config"].value_or(std::string());
    if (const auto* a = t["result_names"].as_array())
        for (const auto& e : *a) r.names.push_back(e.value_or(std::string()));
    if (const auto* a = t["result_units"].as_array())
        for (const auto& e : *a) r.units.push_back(e.value_or(std::string()));
    if (const auto* a = t["result_values"].as_array())
        for (const auto& e : *a) {
            double x = std::numeric_limits<double>::quiet_NaN();
            if (auto f = e.as_floating_point()) x = f->get();
            else if (auto i = e.as_integer()) x = static_cast<double>(i->get());
            r.values.push_back(x);
        }
    if (const auto* v = t["values"].as_table()) {
        r.has_values = true;
        for (const auto& [k, n] : *v) r.key_values.emplace_back(std::string(k.str()), n.value_or(std::string()));
    }
    return r;
}

}  // namespace

std::string work_dir_for(const std::string& out) { return out + ".parts"; }

void prepare_work_dir(const SweepSpec& spec, const std::string& work) {
    std::error_code ec;
    fs::create_directories(work + "/points", ec);
    if (ec) throw si::IoError(work, 0, "cannot create the sweep work directory: " + ec.message());
    const std::string meta = work + "/sweep.toml";
    if (fs::exists(meta)) {
        const auto t = parse_toml_file(meta);
        const std::string h = t["hash"].value_or(std::string());
        if (h != spec.hash())
            throw si::ConfigError("", work + " holds results of another sweep (hash " + h + ", this one " +
                                          spec.hash() + "); remove it or choose another -o");
        return;
    }
    std::vector<std::string> units, numeric;
    std::string num = "[";
    for (std::size_t k = 0; k < spec.keys().size(); ++k) {
        units.push_back(spec.unit(spec.keys()[k]));
        num += std::string(k ? ", " : "") + (spec.numeric(k) ? "true" : "false");
    }
    std::ostringstream o;
    o << "# sisim sweep work directory (docs/sweeps.md)\n"
      << "hash = " << toml_quote(spec.hash()) << "\n"
      << "points = " << spec.size() << "\n"
      << "sweep_file = " << toml_quote(fs::absolute(spec.path()).lexically_normal().string()) << "\n"
      << "keys = " << toml_strings(spec.keys()) << "\n"
      << "units = " << toml_strings(units) << "\n"
      << "numeric = " << num << "]\n"
      << "definition = " << toml_quote(spec.definition()) << "\n";
    write_atomic(meta, o.str());
}

std::vector<bool> done_points(const std::string& work, std::size_t count) {
    std::vector<bool> done(count, false);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(work + "/points", ec)) {
        const auto p = e.path();
        if (p.extension() != ".rec") continue;
        const std::string stem = p.stem().string();
        if (stem.empty() || stem.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto i = std::stoull(stem);
        if (i >= count) continue;
        // A record counts when it parses and is complete (power cut: rerun the point).
        try {
            const auto r = read_record(p.string());
            if (r.index == static_cast<std::int64_t>(i) && r.has_values) done[i] = true;
        } catch (const si::Error&) {
        }
    }
    return done;
}

bool run_point(const SweepSpec& spec, std::size_t i, const std::string& work, int threads,
               const std::string& command_line) {
    std::ostringstream rec;
    rec << "hash = " << toml_quote(spec.hash()) << "\nindex = " << i
        << "\nseed = " << spec.seed(i) << "\n";
    std::string values = "[values]\n";
    {
        const auto v = spec.values(i);
        for (std::size_t k = 0; k < v.size(); ++k)
            values += toml_quote(spec.keys()[k]) + " = " + toml_quote(v[k]->numeric ? toml_number(v[k]->number) : display(*v[k])) + "\n";
    }
    bool ok = true;
    std::string error, config;
    PointScalars sc;
    const bool keep = spec.keep_full(i);
    try {
        auto tree = spec.tree(i);
        config = stored_config(tree);
        RunFileOptions ro;
        ro.command_line = command_line + " (point " + std::to_string(i) + ")";
        ro.threads = threads;
        ro.stored_config = config;  // the same tree: what run_to_file would store
        static LinkCache links;  // this worker's last link: reused while the response is the same
        ro.links = &links;
        if (keep) {
            const std::string h5 = h5_path(work, i);
            run_to_file(std::move(tree), h5, ro);
            sc = file_scalars(h5);
        } else {
            // A point not kept: no file at all; its result is recorded in memory by the same
            // writer and read for its scalars (the row its file would give).
            sc = run_scalars(std::move(tree), scratch_name(i), ro);
        }
    } catch (const si::Error& e) {
        ok = false;
        error = e.what();
    } catch (const std::exception& e) {
        ok = false;
        error = std::string("internal error: ") + e.what();
    }
    std::vector<std::string> vals;
    for (double x : sc.values) vals.push_back(toml_number(x));
    std::string vs = "[";
    for (std::size_t k = 0; k < vals.size(); ++k) vs += (k ? ", " : "") + vals[k];
    rec << "ok = " << (ok ? "true" : "false") << "\nerror = " << toml_quote(error)
        << "\nconfig = " << toml_quote(config) << "\nresult_names = " << toml_strings(sc.names)
        << "\nresult_units = " << toml_strings(sc.units) << "\nresult_values = " << vs << "]\n"
        << values;
    // Not fsynced: the rename is atomic against kills; after a power cut a damaged record is
    // found by done_points() (it does not parse) and its point runs again.
    write_atomic(rec_path(work, i), rec.str(), false);
    append_log(i);
    return ok;
}

std::string index_ranges(const std::vector<std::size_t>& idx, std::size_t max_items) {
    std::string s;
    std::size_t items = 0;
    for (std::size_t a = 0; a < idx.size();) {
        std::size_t b = a;
        while (b + 1 < idx.size() && idx[b + 1] == idx[b] + 1) ++b;
        if (items == max_items) {
            s += ", ...";
            break;
        }
        if (!s.empty()) s += ", ";
        s += std::to_string(idx[a]);
        if (b > a) s += "-", s += std::to_string(idx[b]);
        ++items;
        a = b + 1;
    }
    return s;
}

MergeSummary merge_sweep(const std::vector<std::string>& inputs, const MergeOptions& opt) {
    if (inputs.empty()) throw si::ConfigError("", "sisim merge: no input directory or file");
    // Collect record files and the sweep descriptions of their work directories.
    struct Rec {
        std::string file;
        std::size_t index;
    };
    std::vector<Rec> recs;
    std::string hash, hash_from, definition, sweep_file;
    std::size_t count = 0;
    std::vector<std::string> keys, key_units;
    std::vector<bool> key_numeric;
    auto use_meta = [&](const std::string& work) {
        const std::string meta = work + "/sweep.toml";
        if (!fs::exists(meta)) throw si::IoError(meta, 0, "missing: not a sweep work directory");
        const auto t = parse_toml_file(meta);
        const std::string h = t["hash"].value_or(std::string());
        if (hash.empty()) {
            hash = h, hash_from = work;
            count = static_cast<std::size_t>(t["points"].value_or(std::int64_t{0}));
            definition = t["definition"].value_or(std::string());
            sweep_file = t["sweep_file"].value_or(std::string());
            if (auto* a = t["keys"].as_array()) for (auto& e : *a) keys.push_back(e.value_or(std::string()));
            if (auto* a = t["units"].as_array()) for (auto& e : *a) key_units.push_back(e.value_or(std::string()));
            if (auto* a = t["numeric"].as_array()) for (auto& e : *a) key_numeric.push_back(e.value_or(false));
        } else if (h != hash)
            throw si::ConfigError("", "sisim merge: " + work + " is from another sweep (hash " + h + ") than " +
                                          hash_from + " (hash " + hash + ")");
    };
    for (const auto& in : inputs) {
        if (fs::is_directory(in)) {
            use_meta(in);
            std::error_code ec;
            for (const auto& e : fs::directory_iterator(in + "/points", ec)) {
                const auto p = e.path();
                const std::string stem = p.stem().string();
                if (p.extension() != ".rec" || stem.empty() || stem.find_first_not_of("0123456789") != std::string::npos)
                    continue;
                recs.push_back({p.string(), static_cast<std::size_t>(std::stoull(stem))});
            }
        } else if (fs::path(in).extension() == ".rec") {
            use_meta(fs::absolute(in).parent_path().parent_path().string());
            const std::string stem = fs::path(in).stem().string();
            if (stem.find_first_not_of("0123456789") != std::string::npos)
                throw si::IoError(in, 0, "not a point record (expected <index>.rec)");
            recs.push_back({in, static_cast<std::size_t>(std::stoull(stem))});
        } else
            throw si::IoError(in, 0, "neither a sweep work directory nor a point record (.rec)");
    }
    std::sort(recs.begin(), recs.end(), [](const Rec& a, const Rec& b) { return a.index < b.index; });
    // Exactly once, all present.
    std::vector<std::string> dups;
    for (std::size_t k = 1; k < recs.size(); ++k)
        if (recs[k].index == recs[k - 1].index)
            dups.push_back("point " + std::to_string(recs[k].index) + " in " + recs[k - 1].file + " and " + recs[k].file);
    if (!dups.empty()) {
        std::string m = "sisim merge: " + std::to_string(dups.size()) + " duplicate point(s): ";
        for (std::size_t k = 0; k < dups.size() && k < 10; ++k) m += (k ? "; " : "") + dups[k];
        throw si::ConfigError("", m);
    }
    std::vector<std::size_t> missing, beyond;
    {
        std::vector<bool> have(count, false);
        for (const auto& r : recs) {
            if (r.index >= count) beyond.push_back(r.index);
            else have[r.index] = true;
        }
        for (std::size_t i = 0; i < count; ++i)
            if (!have[i]) missing.push_back(i);
    }
    if (!beyond.empty())
        throw si::ConfigError("", "sisim merge: records for points beyond the sweep's " + std::to_string(count) +
                                      " points: " + index_ranges(beyond));
    if (!missing.empty() && !opt.allow_partial)
        throw si::ConfigError("", "sisim merge: " + std::to_string(missing.size()) + " of " + std::to_string(count) +
                                      " points missing: " + index_ranges(missing) +
                                      " (rerun the sweep to complete it, or --allow-partial)");

    // Read the records: only the scalars and the config stay in memory.
    const std::size_t n = recs.size();
    std::vector<si::io::H5Column> cols;
    auto col = [&](const std::string& name, const std::string& units, si::io::H5Column::Type t) {
        si::io::H5Column c;
        c.name = name, c.units = units, c.type = t;
        cols.push_back(std::move(c));
        return cols.size() - 1;
    };
    using T = si::io::H5Column::Type;
    const std::size_t c_index = col("index", "", T::i64), c_ok = col("ok", "", T::i64), c_seed = col("seed", "", T::i64);
    std::vector<std::size_t> c_key;
    for (std::size_t k = 0; k < keys.size(); ++k)
        c_key.push_back(col(keys[k], k < key_units.size() ? key_units[k] : "",
                            k < key_numeric.size() && key_numeric[k] ? T::f64 : T::str));
    const std::size_t first_result = cols.size();
    std::map<std::string, std::size_t> result_col;
    std::vector<std::string> configs(n), errors(n);
    std::size_t failed = 0;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t r = 0; r < n; ++r) {
        const auto t = read_record(recs[r].file);
        if (t.hash != hash)
            throw si::ConfigError("", "sisim merge: " + recs[r].file + " is from another sweep (hash " + t.hash +
                                          ", expected " + hash + ")");
        failed += t.ok ? 0 : 1;
        cols[c_index].i64.push_back(static_cast<std::int64_t>(recs[r].index));
        cols[c_ok].i64.push_back(t.ok ? 1 : 0);
        cols[c_seed].i64.push_back(t.seed);
        for (std::size_t k = 0; k < keys.size(); ++k) {
            std::string v;
            for (const auto& kv : t.key_values)
                if (kv.first == keys[k]) v = kv.second;
            auto& c = cols[c_key[k]];
            if (c.type == T::f64) c.f64.push_back(std::strtod(v.c_str(), nullptr));
            else c.str.push_back(v);
        }
        configs[r] = t.config;
        errors[r] = t.error;
        if (t.names.size() == t.units.size())
            for (std::size_t k = 0; k < t.names.size() && k < t.values.size(); ++k) {
                const std::string& name = t.names[k];
                // the columns come in the same order in every record: try the next one first
                std::size_t ci = first_result + k;
                if (!(ci < cols.size() && cols[ci].name == name)) {
                    auto it = result_col.find(name);
                    if (it == result_col.end()) {
                        it = result_col.emplace(name, col(name, t.units[k], T::f64)).first;
                        cols[it->second].f64.assign(r, nan);
                    }
                    ci = it->second;
                } else if (result_col.find(name) == result_col.end()) {
                    result_col.emplace(name, ci);
                }
                cols[ci].f64.push_back(t.values[k]);
            }
        for (std::size_t c = first_result; c < cols.size(); ++c)
            if (cols[c].f64.size() == r) cols[c].f64.push_back(nan);  // absent in this point
    }
    const std::size_t c_err = col("error", "", T::str);
    cols[c_err].str = errors;

    auto file = si::io::H5File::create(opt.out);
    guard_temp_file(file.temp_path());
    auto root = file.root();
    write_root_attrs(root, opt.command_line, definition, 0);
    auto g = root.group("sweep");
    auto table = g.write_table("points", cols);
    table.attr("note", "one row per point: index, ok (1 = ran), seed, the varied keys (full key "
                       "names), the scalar results (names of the single-run attributes; arrays as "
                       "name[k]; NaN where a point has none) and the error of failed points");
    g.write("configs", configs, "");
    g.attr("definition", definition);
    g.attr("hash", hash);
    g.attr("points", static_cast<std::int64_t>(count));
    g.attr("present", static_cast<std::int64_t>(n));
    g.attr("failed", static_cast<std::int64_t>(failed));
    g.attr("missing", static_cast<std::int64_t>(missing.size()));
    g.attr("varied_keys", keys);
    g.attr("sweep_file", sweep_file);
    for (const auto& r : recs) {
        const std::string full = fs::path(r.file).replace_extension(".h5").string();
        if (fs::exists(full)) g.copy_file(full, "point/" + std::to_string(r.index));
    }
    file.commit();
    release_temp_file();

    if (!opt.csv.empty()) {
        std::ostringstream o;
        auto csv_text = [](const std::string& s) {
            if (s.find_first_of(",\"\n") == std::string::npos) return s;
            std::string q = "\"";
            for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
            return q + "\"";
        };
        for (std::size_t c = 0; c < cols.size(); ++c) o << (c ? "," : "") << csv_text(cols[c].name);
        o << "\n";
        for (std::size_t r = 0; r < n; ++r) {
            for (std::size_t c = 0; c < cols.size(); ++c) {
                if (c) o << ",";
                const auto& cc = cols[c];
                if (cc.type == T::i64) o << cc.i64[r];
                else if (cc.type == T::str) o << csv_text(cc.str[r]);
                else if (!std::isnan(cc.f64[r])) o << toml_number(cc.f64[r]);
            }
            o << "\n";
        }
        write_atomic(opt.csv, o.str());
    }
    return {count, n, failed};
}

}  // namespace sisim

#include "sweep_spec.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "link_config.hpp"
#include "si/core/error.hpp"
#include "si/core/units.hpp"

namespace sisim {

namespace fs = std::filesystem;

std::uint64_t fnv1a64(const std::string& s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

namespace {

std::string loc_of(const toml::source_region& r, const std::string& file) {
    return file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

[[noreturn]] void bad(const std::string& loc, const std::string& key, const std::string& msg) {
    throw si::io::ConfigLocationError(loc, key, loc + ": " + key + ": " + msg);
}

// Shortest text that reads back to the same double, always with a '.' or exponent so that TOML
// reads it as a float.
std::string number_text(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf - 1, v);  // shortest round-trip text
    *r.ptr = '\0';
    std::string s = buf;
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

std::string quote(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\', q += c;
        else if (c == '\n') q += "\\n";
        else if (c == '\t') q += "\\t";
        else if (static_cast<unsigned char>(c) < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            q += b;
        } else q += c;
    }
    return q + "\"";
}

// TOML text of a value node (numbers, strings, booleans, arrays of those).
std::string node_text(const toml::node& n, const std::string& loc, const std::string& key) {
    if (auto v = n.as_integer()) return std::to_string(v->get());
    if (auto v = n.as_floating_point()) return number_text(v->get());
    if (auto v = n.as_string()) return quote(v->get());
    if (auto v = n.as_boolean()) return v->get() ? "true" : "false";
    if (auto a = n.as_array()) {
        std::string s = "[";
        for (std::size_t i = 0; i < a->size(); ++i) s += (i ? ", " : "") + node_text(*a->get(i), loc, key);
        return s + "]";
    }
    bad(loc, key, "a swept value must be a number, string, boolean or array");
}

}  // namespace
std::string toml_number(double v) { return number_text(v); }
std::string toml_quote(const std::string& s) { return quote(s); }
namespace {

SweepValue make_value(const toml::node& n, const std::string& loc, const std::string& key) {
    SweepValue v;
    v.text = node_text(n, loc, key);
    v.toml = v.text;
    if (auto i = n.as_integer()) v.numeric = true, v.number = static_cast<double>(i->get());
    if (auto f = n.as_floating_point()) v.numeric = true, v.number = f->get();
    return v;
}

// A CSV cell: a TOML value when it reads as one (1e-3, "x", [1, 2], true), otherwise a string.
SweepValue cell_value(const std::string& cell, const std::string& loc, const std::string& key) {
    try {
        const auto t = toml::parse("v = " + cell);
        return make_value(*t.get("v"), loc, key);
    } catch (const toml::parse_error&) {
        SweepValue v;
        v.text = v.toml = quote(cell);
        return v;
    }
}

std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool q = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (q) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
            else if (c == '"') q = false;
            else cur += c;
        } else if (c == '"') q = true;
        else if (c == ',') out.push_back(cur), cur.clear();
        else cur += c;
    }
    out.push_back(cur);
    for (auto& f : out) {
        const auto a = f.find_first_not_of(" \t\r"), b = f.find_last_not_of(" \t\r");
        f = a == std::string::npos ? "" : f.substr(a, b - a + 1);
    }
    return out;
}

double num(const toml::node* n, const std::string& loc, const std::string& key) {
    if (!n) bad(loc, key, "missing");
    if (auto i = n->as_integer()) return static_cast<double>(i->get());
    if (auto f = n->as_floating_point()) return f->get();
    bad(loc_of(n->source(), loc.substr(0, loc.find(':'))), key, "must be a number");
}

}  // namespace

SweepSpec::SweepSpec(const std::string& path, const std::vector<std::string>& sets)
    : path_(path), base_(link_keys()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw si::IoError(path, 0, "cannot open sweep file");
    std::ostringstream buf;
    buf << in.rdbuf();
    toml::table doc;
    try {
        doc = toml::parse(buf.str(), path);
    } catch (const toml::parse_error& e) {
        const std::string loc = loc_of(e.source(), path);
        throw si::io::ConfigLocationError(loc, "", loc + ": " + std::string(e.description()));
    }
    const toml::table* sw = doc.get_as<toml::table>("sweep");
    if (!sw) throw si::io::ConfigLocationError(path, "sweep", path + ": no [sweep] table");
    const fs::path dir = fs::absolute(path).lexically_normal().parent_path();
    auto at = [&](const toml::node& n) { return loc_of(n.source(), path); };

    // Base config: the file named by `base`, then the sweep file's own tables on top.
    for (const auto& [k, n] : *sw) {
        const std::string key = "sweep." + std::string(k.str());
        static const char* known[] = {"base", "axis", "seeds", "keep"};
        const std::string_view name = k.str();  // clang 14: lambdas cannot capture bindings
        if (std::find_if(std::begin(known), std::end(known), [&](const char* s) { return name == s; }) ==
            std::end(known))
            bad(at(n), key, "unknown key (expected base, axis, seeds, keep)");
    }
    if (const auto* b = sw->get("base")) {
        if (!b->is_string()) bad(at(*b), "sweep.base", "must be a config file path");
        base_.load_file((dir / b->as_string()->get()).string());
    }
    if (doc.size() > 1) base_.load_file(path, {"sweep"});
    for (const auto& s : sets) base_.apply_override(s);
    if (is_multi_hop(base_))  // the base itself must be valid
        (void)multi_hop_spec_from(base_);
    else
        (void)link_spec_from(base_);
    base_seed_ = static_cast<std::uint64_t>(base_.integer("sim.seed"));

    if (const auto* s = sw->get("seeds")) {
        const auto* t = s->as_string();
        if (!t || (t->get() != "per_point" && t->get() != "common"))
            bad(at(*s), "sweep.seeds", "must be \"per_point\" or \"common\"");
        common_seed_ = t->get() == "common";
    }
    if (const auto* k = sw->get("keep")) {
        if (const auto* t = k->as_string()) {
            if (t->get() == "all") keep_all_ = true;
            else if (t->get() != "none") bad(at(*k), "sweep.keep", "must be \"all\", \"none\" or a list of point indices");
        } else if (const auto* a = k->as_array()) {
            for (const auto& e : *a) {
                if (!e.is_integer() || e.as_integer()->get() < 0)
                    bad(at(e), "sweep.keep", "point indices must be integers >= 0");
                keep_.push_back(static_cast<std::size_t>(e.as_integer()->get()));
            }
        } else bad(at(*k), "sweep.keep", "must be \"all\", \"none\" or a list of point indices");
    }

    const toml::array* axes = sw->get_as<toml::array>("axis");
    if (sw->get("axis") && (!axes || !axes->is_array_of_tables()))
        bad(at(*sw->get("axis")), "sweep.axis", "must be [[sweep.axis]] tables");
    std::size_t ai = 0;
    if (axes)
        for (const auto& an : *axes) {
            const auto& a = *an.as_table();
            const std::string akey = "sweep.axis[" + std::to_string(ai++) + "]";
            SweepAxis ax;
            ax.where = at(an);
            for (const auto& [k, n] : a) {
                static const char* known[] = {"key", "keys", "values", "start", "stop", "step", "count", "scale", "files", "csv"};
                const std::string_view name = k.str();
                if (std::find_if(std::begin(known), std::end(known), [&](const char* s) { return name == s; }) ==
                    std::end(known))
                    bad(at(n), akey + "." + std::string(k.str()), "unknown axis key");
            }
            const auto* key = a.get("key");
            const auto* keys = a.get("keys");
            const auto* csv = a.get("csv");
            if ((key != nullptr) + (keys != nullptr) + (csv != nullptr) != 1)
                bad(ax.where, akey, "needs exactly one of key, keys (zipped) or csv");
            auto check_key = [&](const std::string& k, const toml::node& n) {
                const auto& reg = link_keys();
                if (std::none_of(reg.begin(), reg.end(), [&](const si::io::KeySpec& s) { return s.key == k; }))
                    bad(at(n), akey, "unknown config key '" + k + "' (see sisim keys)");
                if (std::find(keys_.begin(), keys_.end(), k) != keys_.end() ||
                    std::find(ax.keys.begin(), ax.keys.end(), k) != ax.keys.end())
                    bad(at(n), akey, "key '" + k + "' is swept twice");
                ax.keys.push_back(k);
            };
            if (key) {
                if (!key->is_string()) bad(at(*key), akey + ".key", "must be a string");
                check_key(key->as_string()->get(), *key);
                const std::string& k = ax.keys[0];
                if (const auto* v = a.get("values")) {
                    const auto* arr = v->as_array();
                    if (!arr || arr->empty()) bad(at(*v), akey + ".values", "must be a non-empty array");
                    for (const auto& e : *arr) ax.rows.push_back({make_value(e, at(e), k)});
                } else if (const auto* f = a.get("files")) {
                    const auto* arr = f->as_array();
                    if (!arr || arr->empty()) bad(at(*f), akey + ".files", "must be a non-empty array of paths");
                    for (const auto& e : *arr) {
                        if (!e.is_string()) bad(at(e), akey + ".files", "must be paths (strings)");
                        SweepValue sv;
                        sv.text = quote(e.as_string()->get());
                        sv.toml = quote((dir / e.as_string()->get()).lexically_normal().string());
                        ax.rows.push_back({sv});
                    }
                } else if (a.get("start")) {
                    const double start = num(a.get("start"), ax.where, akey + ".start");
                    const double stop = num(a.get("stop"), ax.where, akey + ".stop");
                    std::string scale = "lin";
                    if (const auto* s = a.get("scale")) {
                        if (!s->is_string() || (s->as_string()->get() != "lin" && s->as_string()->get() != "log"))
                            bad(at(*s), akey + ".scale", "must be \"lin\" or \"log\"");
                        scale = s->as_string()->get();
                    }
                    const bool has_step = a.get("step") != nullptr, has_count = a.get("count") != nullptr;
                    if (has_step == has_count) bad(ax.where, akey, "a range needs exactly one of step or count");
                    std::vector<double> vals;
                    if (scale == "log" && (start <= 0 || stop <= 0))
                        bad(ax.where, akey, "a log range needs start > 0 and stop > 0");
                    if (has_count) {
                        const auto* c = a.get("count");
                        if (!c->is_integer() || c->as_integer()->get() < 1)
                            bad(at(*c), akey + ".count", "must be an integer >= 1");
                        const auto n = c->as_integer()->get();
                        for (std::int64_t j = 0; j < n; ++j) {
                            const double fr = n == 1 ? 0.0 : static_cast<double>(j) / static_cast<double>(n - 1);
                            vals.push_back(scale == "lin" ? start + fr * (stop - start)
                                                          : start * std::pow(stop / start, fr));
                        }
                    } else {
                        const double step = num(a.get("step"), ax.where, akey + ".step");
                        // lin: start, start + step, ...; log: start, start * step, ... (step = ratio)
                        const bool ok = scale == "lin" ? step != 0 && (stop - start) / step >= 0
                                                       : step > 0 && step != 1 && std::log(stop / start) / std::log(step) >= 0;
                        if (!ok) bad(at(*a.get("step")), akey + ".step", "does not go from start towards stop");
                        const double span = scale == "lin" ? (stop - start) / step : std::log(stop / start) / std::log(step);
                        const auto n = static_cast<std::int64_t>(std::floor(span + 1e-9)) + 1;
                        if (n > 10000000) bad(ax.where, akey, "more than 1e7 values");
                        for (std::int64_t j = 0; j < n; ++j)
                            vals.push_back(scale == "lin" ? start + static_cast<double>(j) * step
                                                          : start * std::pow(step, static_cast<double>(j)));
                    }
                    for (double x : vals) {
                        SweepValue sv;
                        sv.text = sv.toml = number_text(x);
                        sv.numeric = true;
                        sv.number = x;
                        ax.rows.push_back({sv});
                    }
                } else bad(ax.where, akey, "needs values, files, or start + stop + step|count");
            } else if (keys) {
                const auto* ka = keys->as_array();
                if (!ka || ka->empty()) bad(at(*keys), akey + ".keys", "must be a non-empty array of keys");
                for (const auto& e : *ka) {
                    if (!e.is_string()) bad(at(e), akey + ".keys", "must be strings");
                    check_key(e.as_string()->get(), e);
                }
                const auto* v = a.get("values");
                const auto* arr = v ? v->as_array() : nullptr;
                if (!arr || arr->empty()) bad(ax.where, akey + ".values", "zipped keys need values = [[...], ...]");
                for (const auto& row : *arr) {
                    const auto* r = row.as_array();
                    if (!r || r->size() != ax.keys.size())
                        bad(at(row), akey + ".values", "each row needs " + std::to_string(ax.keys.size()) + " values");
                    std::vector<SweepValue> vr;
                    for (std::size_t k = 0; k < r->size(); ++k) vr.push_back(make_value(*r->get(k), at(*r->get(k)), ax.keys[k]));
                    ax.rows.push_back(std::move(vr));
                }
            } else {
                if (!csv->is_string()) bad(at(*csv), akey + ".csv", "must be a file path");
                const std::string cpath = (dir / csv->as_string()->get()).lexically_normal().string();
                std::ifstream cin(cpath);
                if (!cin) throw si::IoError(cpath, 0, "cannot open CSV of points");
                std::string line;
                long ln = 0;
                while (std::getline(cin, line)) {
                    ++ln;
                    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
                    const auto f = csv_fields(line);
                    const std::string cl = cpath + ":" + std::to_string(ln);
                    if (ax.keys.empty()) {
                        for (const auto& k : f) {
                            const auto& reg = link_keys();
                            if (std::none_of(reg.begin(), reg.end(), [&](const si::io::KeySpec& s) { return s.key == k; }))
                                throw si::io::ConfigLocationError(cl, k, cl + ": unknown config key '" + k + "' in the header");
                            ax.keys.push_back(k);
                        }
                        continue;
                    }
                    if (f.size() != ax.keys.size())
                        throw si::io::ConfigLocationError(cl, "", cl + ": " + std::to_string(f.size()) +
                                                                      " fields, the header has " +
                                                                      std::to_string(ax.keys.size()));
                    std::vector<SweepValue> vr;
                    for (std::size_t k = 0; k < f.size(); ++k) vr.push_back(cell_value(f[k], cl, ax.keys[k]));
                    ax.rows.push_back(std::move(vr));
                }
                if (ax.rows.empty()) throw si::IoError(cpath, 0, "CSV of points has no rows");
            }
            // Quantities written with units ("1mV") are numbers in SI base units for the table.
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                const auto& reg = link_keys();
                const auto it = std::find_if(reg.begin(), reg.end(), [&](const si::io::KeySpec& s) { return s.key == ax.keys[k]; });
                if (it == reg.end() || it->type != si::io::KeyType::number) continue;
                for (auto& r : ax.rows) {
                    auto& v = r[k];
                    if (v.numeric || v.text.empty() || v.text.front() != '"') continue;
                    try {
                        const auto t = toml::parse("v = " + v.text);
                        v.number = si::parse_quantity(std::string(t["v"].value_or(std::string_view{})), it->unit);
                        v.numeric = true;
                    } catch (const std::exception&) {
                        // left as a string: apply_override reports the bad value for this point
                    }
                }
            }
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                keys_.push_back(ax.keys[k]);
                key_axis_.push_back(axes_.size());
                key_col_.push_back(k);
            }
            count_ *= ax.rows.size();
            if (count_ > 100000000) bad(ax.where, akey, "more than 1e8 points");
            axes_.push_back(std::move(ax));
        }
    seed_swept_ = std::find(keys_.begin(), keys_.end(), "sim.seed") != keys_.end();

    // The definition: everything that decides the points' configs.
    std::ostringstream d;
    d << "# sisim sweep definition\n# base config\n" << resolved_config(base_) << "# axes\n";
    for (const auto& ax : axes_) {
        d << "axis";
        for (const auto& k : ax.keys) d << ' ' << k;
        d << ":";
        for (const auto& r : ax.rows) {
            d << " (";
            for (std::size_t k = 0; k < r.size(); ++k) d << (k ? ", " : "") << r[k].toml;
            d << ")";
        }
        d << "\n";
    }
    d << "seeds = " << (common_seed_ ? "common" : "per_point") << "\n";
    definition_ = d.str();
    char h[24];
    std::snprintf(h, sizeof h, "%016" PRIx64, fnv1a64(definition_));
    hash_ = h;
}

std::vector<const SweepValue*> SweepSpec::values(std::size_t i) const {
    if (i >= count_) throw std::out_of_range("sweep point index");
    // Mixed radix, the last axis fastest.
    std::vector<std::size_t> step(axes_.size());
    for (std::size_t a = axes_.size(); a-- > 0;) {
        step[a] = i % axes_[a].rows.size();
        i /= axes_[a].rows.size();
    }
    std::vector<const SweepValue*> out;
    for (std::size_t k = 0; k < keys_.size(); ++k)
        out.push_back(&axes_[key_axis_[k]].rows[step[key_axis_[k]]][key_col_[k]]);
    return out;
}

std::uint64_t SweepSpec::seed(std::size_t i) const {
    const auto v = values(i);
    if (seed_swept_) {
        for (std::size_t k = 0; k < keys_.size(); ++k)
            if (keys_[k] == "sim.seed") return static_cast<std::uint64_t>(v[k]->number);
    }
    if (common_seed_) return base_seed_;
    std::vector<std::pair<std::string, std::string>> kv;
    for (std::size_t k = 0; k < keys_.size(); ++k) kv.emplace_back(keys_[k], v[k]->text);
    std::sort(kv.begin(), kv.end());
    std::string s;
    for (const auto& [k, t] : kv) s += k + "=" + t + "\n";
    return splitmix64(base_seed_ + splitmix64(fnv1a64(s))) >> 2;
}

si::io::ConfigTree SweepSpec::tree(std::size_t i) const {
    si::io::ConfigTree t = base_;
    const auto v = values(i);
    for (std::size_t k = 0; k < keys_.size(); ++k) t.apply_override(keys_[k] + "=" + v[k]->toml);
    if (!seed_swept_) t.apply_override("sim.seed=" + std::to_string(seed(i)));
    return t;
}

std::string SweepSpec::describe(std::size_t i) const {
    std::string s = std::to_string(i);
    const auto v = values(i);
    for (std::size_t k = 0; k < keys_.size(); ++k) s += " " + keys_[k] + "=" + v[k]->text;
    return s;
}

std::string SweepSpec::unit(const std::string& key) const {
    for (const auto& s : link_keys())
        if (s.key == key) return s.unit;
    return "";
}

bool SweepSpec::numeric(std::size_t k) const {
    const auto& ax = axes_[key_axis_[k]];
    return std::all_of(ax.rows.begin(), ax.rows.end(), [&](const auto& r) { return r[key_col_[k]].numeric; });
}

bool SweepSpec::keep_full(std::size_t i) const {
    return keep_all_ || std::find(keep_.begin(), keep_.end(), i) != keep_.end();
}

}  // namespace sisim

#include "si/io/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "si/core/units.hpp"

namespace si::io {

ConfigLocationError::ConfigLocationError(std::string location, std::string key, std::string message)
    : ConfigError(std::move(key), message),
      location_(std::move(location)),
      message_(std::move(message)) {}

namespace {

// A TOML value detached from toml++ (so that the tree can be copied and printed freely).
struct Value {
    enum class Kind { integer, floating, boolean, string, array };
    Kind kind = Kind::string;
    std::int64_t i = 0;
    double d = 0.0;
    bool b = false;
    std::string s;
    std::vector<Value> items;
};

struct Entry {
    Value value;
    std::string location;  // "file:line:column" or "--set"
    std::string dir;       // directory of the file that set it ("" for --set)
    bool is_override = false;
};

// A value that does not fit its key; the caller adds location and key.
struct Bad : std::runtime_error {
    using std::runtime_error::runtime_error;
};

constexpr const char* kSet = "--set";

[[noreturn]] void value_error(const std::string& loc, const std::string& key,
                              const std::string& what) {
    std::string msg;
    if (loc == kSet)
        msg = std::string(kSet) + " " + key + ": " + what;
    else if (loc.empty())
        msg = key + ": " + what + " (registry default)";
    else
        msg = loc + ": " + key + ": " + what;
    throw ConfigLocationError(loc, key, msg);
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

std::string fmt_double(double d) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    std::string s(buf, r.ptr);
    // Keep it a TOML float: "1" -> "1.0" (exponent forms and inf/nan already are floats).
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

std::string describe(const Value& v) {
    switch (v.kind) {
        case Value::Kind::integer:
            return "integer " + std::to_string(v.i);
        case Value::Kind::floating:
            return "float " + fmt_double(v.d);
        case Value::Kind::boolean:
            return v.b ? "boolean true" : "boolean false";
        case Value::Kind::string:
            return "string '" + v.s + "'";
        case Value::Kind::array:
            return "an array";
    }
    return "?";
}

Value from_node(const toml::node& n) {
    Value v;
    switch (n.type()) {
        case toml::node_type::integer:
            v.kind = Value::Kind::integer;
            v.i = n.as_integer()->get();
            break;
        case toml::node_type::floating_point:
            v.kind = Value::Kind::floating;
            v.d = n.as_floating_point()->get();
            break;
        case toml::node_type::boolean:
            v.kind = Value::Kind::boolean;
            v.b = n.as_boolean()->get();
            break;
        case toml::node_type::string:
            v.kind = Value::Kind::string;
            v.s = std::string(n.as_string()->get());
            break;
        case toml::node_type::array:
            v.kind = Value::Kind::array;
            for (const auto& el : *n.as_array()) v.items.push_back(from_node(el));
            break;
        case toml::node_type::table:
            throw Bad("expected a value, got a table");
        default:
            throw Bad("dates and times are not supported");
    }
    return v;
}

// --- conversions (throw Bad) ----------------------------------------------------------------

double to_number(const Value& v, const std::string& unit) {
    switch (v.kind) {
        case Value::Kind::integer:
            return static_cast<double>(v.i);
        case Value::Kind::floating:
            return v.d;
        case Value::Kind::string:
            try {
                return si::parse_quantity(v.s, unit);
            } catch (const std::invalid_argument& e) {
                throw Bad("cannot read '" + v.s + "'" + (unit.empty() ? "" : " as " + unit) + ": " +
                          e.what());
            }
        default:
            throw Bad("expected a number" + (unit.empty() ? "" : " [" + unit + "]") + ", got " +
                      describe(v));
    }
}

std::int64_t integral(double x, const std::string& shown) {
    // 2^63 is exactly representable; anything >= it does not fit an int64.
    if (!std::isfinite(x) || x != std::floor(x) || x >= 9223372036854775808.0 ||
        x < -9223372036854775808.0)
        throw Bad("expected an integer, got " + shown);
    return static_cast<std::int64_t>(x);
}

// "1M", "250k", "2e6", "3 UI": a count with an optional multiplying prefix (k M G T only) and the
// key's unit. parse_quantity is not used because it rejects prefixes for unit-less keys.
std::int64_t parse_count(const std::string& text, const std::string& unit) {
    const std::string t = trim(text);
    char* end = nullptr;
    const double x = std::strtod(t.c_str(), &end);
    if (t.empty() || end == t.c_str()) throw Bad("'" + text + "' is not a number");
    std::string rest = trim(std::string_view(end));
    if (!unit.empty() && ends_with_ci(rest, unit))
        rest = trim(rest.substr(0, rest.size() - unit.size()));
    double scale = 1.0;
    if (rest == "k")
        scale = 1e3;
    else if (rest == "M")
        scale = 1e6;
    else if (rest == "G")
        scale = 1e9;
    else if (rest == "T")
        scale = 1e12;
    else if (!rest.empty())
        throw Bad("cannot read '" + text + "' as an integer (prefixes: k M G T" +
                  (unit.empty() ? std::string(")") : ", unit " + unit + ")"));
    return integral(x * scale, "'" + text + "'");
}

std::int64_t to_integer(const Value& v, const std::string& unit) {
    switch (v.kind) {
        case Value::Kind::integer:
            return v.i;
        case Value::Kind::floating:
            return integral(v.d, fmt_double(v.d));
        case Value::Kind::string:
            return parse_count(v.s, unit);
        default:
            throw Bad("expected an integer, got " + describe(v));
    }
}

bool to_boolean(const Value& v) {
    if (v.kind != Value::Kind::boolean) throw Bad("expected true or false, got " + describe(v));
    return v.b;
}

std::string to_string(const Value& v) {
    if (v.kind != Value::Kind::string) throw Bad("expected a string, got " + describe(v));
    return v.s;
}

std::vector<double> to_numbers(const Value& v, const std::string& unit) {
    if (v.kind != Value::Kind::array) return {to_number(v, unit)};
    std::vector<double> out;
    for (std::size_t k = 0; k < v.items.size(); ++k) {
        try {
            out.push_back(to_number(v.items[k], unit));
        } catch (const Bad& e) {
            throw Bad("element " + std::to_string(k) + ": " + e.what());
        }
    }
    return out;
}

std::vector<std::string> to_strings(const Value& v) {
    if (v.kind == Value::Kind::string) return {v.s};
    if (v.kind != Value::Kind::array)
        throw Bad("expected a string or an array of strings, got " + describe(v));
    std::vector<std::string> out;
    for (std::size_t k = 0; k < v.items.size(); ++k) {
        if (v.items[k].kind != Value::Kind::string)
            throw Bad("element " + std::to_string(k) + ": expected a string, got " +
                      describe(v.items[k]));
        out.push_back(v.items[k].s);
    }
    return out;
}

// Checks that v fits the key's declared type; returns the value in canonical form (numbers in SI
// base units) for printing.
Value canonical(const Value& v, const KeySpec& spec) {
    Value c;
    switch (spec.type) {
        case KeyType::number:
            c.kind = Value::Kind::floating;
            c.d = to_number(v, spec.unit);
            break;
        case KeyType::integer:
            c.kind = Value::Kind::integer;
            c.i = to_integer(v, spec.unit);
            break;
        case KeyType::boolean:
            c.kind = Value::Kind::boolean;
            c.b = to_boolean(v);
            break;
        case KeyType::string:
            c.kind = Value::Kind::string;
            c.s = to_string(v);
            break;
        case KeyType::number_array:
            if (v.kind != Value::Kind::array)
                throw Bad("expected an array of numbers, got " + describe(v));
            c.kind = Value::Kind::array;
            for (double x : to_numbers(v, spec.unit)) {
                Value e;
                e.kind = Value::Kind::floating;
                e.d = x;
                c.items.push_back(e);
            }
            break;
        case KeyType::string_array:
            if (v.kind != Value::Kind::array)
                throw Bad("expected an array of strings, got " + describe(v));
            [[fallthrough]];
        case KeyType::string_or_array:
            to_strings(v);  // checks
            c = v;
            break;
    }
    return c;
}

// A value written as text (--set, registry defaults): TOML if it parses as one value, else the
// raw text as a string. String-typed keys take unquoted text verbatim.
Value parse_text_value(const std::string& raw, const KeySpec& spec) {
    Value s;
    s.kind = Value::Kind::string;
    s.s = raw;
    const bool stringish = spec.type == KeyType::string || spec.type == KeyType::string_array ||
                           spec.type == KeyType::string_or_array;
    if (raw.empty()) return s;
    if (stringish && raw.front() != '"' && raw.front() != '\'' && raw.front() != '[') return s;
    try {
        toml::table t = toml::parse("v = " + raw, std::string_view(kSet));
        if (t.size() == 1) {
            if (const toml::node* n = t.get("v"); n && !n->is_table()) return from_node(*n);
        }
    } catch (const toml::parse_error&) {
        // not a TOML value: the raw text is a string (53.125G, prbs31)
    }
    return s;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string last_component(const std::string& key) {
    const auto dot = key.rfind('.');
    return dot == std::string::npos ? key : key.substr(dot + 1);
}

std::string section_of(const std::string& key) {
    const auto dot = key.rfind('.');
    return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04X", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

bool is_bare_key(const std::string& k) {
    return !k.empty() && std::all_of(k.begin(), k.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

std::string toml_key(const std::string& dotted) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const auto dot = dotted.find('.', pos);
        const std::string part = dotted.substr(pos, dot == std::string::npos ? dot : dot - pos);
        if (!out.empty()) out += ".";
        out += is_bare_key(part) ? part : quote(part);
        if (dot == std::string::npos) break;
        pos = dot + 1;
    }
    return out;
}

std::string to_toml(const Value& v) {
    switch (v.kind) {
        case Value::Kind::integer:
            return std::to_string(v.i);
        case Value::Kind::floating:
            return fmt_double(v.d);
        case Value::Kind::boolean:
            return v.b ? "true" : "false";
        case Value::Kind::string:
            return quote(v.s);
        case Value::Kind::array: {
            std::string out = "[";
            for (std::size_t k = 0; k < v.items.size(); ++k)
                out += (k ? ", " : "") + to_toml(v.items[k]);
            return out + "]";
        }
    }
    return "";
}

std::string location_of(const toml::source_region& r, const std::string& file) {
    return file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

}  // namespace

// ==============================================================================================

struct ConfigTree::Impl {
    // The registered keys, their index and their parsed defaults: fixed at construction and
    // shared by every copy of the tree (a sweep copies its base tree for every point).
    struct Keys {
        std::vector<KeySpec> registry;
        std::unordered_map<std::string, std::size_t> index;
        struct Default {
            bool ok = false;
            Value value;        // parse_text_value(default_text) when ok
            std::string error;  // its Bad::what() otherwise
        };
        std::vector<Default> defaults;  // by registry index
        // resolved_toml's layout: sections in order of first appearance (root "" first), the
        // keys of each (registry indices), each key's TOML leaf name and the line written for it
        // when the tree does not set it (a function of the registry only)
        std::vector<std::string> sections;
        std::vector<std::vector<std::size_t>> section_keys;
        std::vector<std::string> leaf, default_line;
    };
    std::shared_ptr<const Keys> keys;
    std::map<std::string, Entry> entries;
    std::string source_dir;

    const std::vector<KeySpec>& registry() const { return keys->registry; }
    const KeySpec& spec(const std::string& key) const {
        const auto it = keys->index.find(key);
        if (it == keys->index.end())
            throw std::logic_error("ConfigTree: '" + key + "' is not a registered key");
        return keys->registry[it->second];
    }
    const Keys::Default& parsed_default(const std::string& key) const {
        return keys->defaults[keys->index.find(key)->second];
    }
    const Entry* find(const std::string& key) const {
        (void)spec(key);
        const auto it = entries.find(key);
        return it == entries.end() ? nullptr : &it->second;
    }
    bool is_section(const std::string& s) const {
        const std::string p = s + ".";
        const auto& registry = keys->registry;
        return std::any_of(registry.begin(), registry.end(),
                           [&](const KeySpec& k) { return k.key.compare(0, p.size(), p) == 0; });
    }
    std::string suggestion(const std::string& key) const {
        std::string best;
        std::size_t best_d = std::max<std::size_t>(2, key.size() / 4) + 1;
        const auto& registry = keys->registry;
        for (const auto& k : registry) {
            const std::size_t d = edit_distance(key, k.key);
            if (d < best_d) best_d = d, best = k.key;
        }
        if (best.empty()) {
            // Right name, wrong section ("swing" at the top level, "rx.swing" for "tx.swing").
            const std::string leaf = last_component(key);
            for (const auto& k : registry)
                if (last_component(k.key) == leaf) return " (did you mean '" + k.key + "'?)";
            return "";
        }
        return " (did you mean '" + best + "'?)";
    }
    [[noreturn]] void unknown(const std::string& loc, const std::string& key,
                              const std::string& what = "key") const {
        const std::string msg = "unknown " + what + " '" + key + "'" + suggestion(key);
        throw ConfigLocationError(
            loc, key, loc == kSet ? std::string(kSet) + " " + key + ": " + msg : loc + ": " + msg);
    }
    // One problem found while loading a file; all of them are reported together.
    struct Problem {
        std::uint64_t line = 0, column = 0;
        std::string location, key, message;
    };
    std::string unknown_message(const std::string& loc, const std::string& key,
                                const std::string& what = "key") const {
        return loc + ": unknown " + what + " '" + key + "'" + suggestion(key);
    }
    void flatten(const toml::table& t, const std::string& prefix, const std::string& file,
                 const std::string& dir, std::map<std::string, Entry>& out,
                 std::vector<Problem>& problems) const {
        auto add = [&](const toml::source_region& r, std::string key, std::string message) {
            problems.push_back({r.begin.line, r.begin.column, location_of(r, file), std::move(key),
                                std::move(message)});
        };
        for (const auto& [k, node] : t) {
            const std::string key =
                prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
            if (const toml::table* sub = node.as_table()) {
                if (sub->empty() && !is_section(key))
                    add(k.source(), key,
                        unknown_message(location_of(k.source(), file), key, "section"));
                flatten(*sub, key, file, dir, out, problems);
                continue;
            }
            const auto it = keys->index.find(key);
            if (it == keys->index.end()) {
                add(k.source(), key, unknown_message(location_of(k.source(), file), key));
                continue;
            }
            const std::string loc = location_of(node.source(), file);
            Entry e;
            e.location = loc;
            e.dir = dir;
            try {
                e.value = from_node(node);
                (void)canonical(e.value, keys->registry[it->second]);
            } catch (const Bad& b) {
                add(node.source(), key, loc + ": " + key + ": " + b.what());
                continue;
            }
            out[key] = std::move(e);
        }
    }
    // Runs a conversion on the key's value, adding location and key to errors.
    template <class F>
    auto convert(const std::string& key, const Entry& e, F f) const {
        try {
            return f(e.value);
        } catch (const Bad& b) {
            value_error(e.location, key, b.what());
        }
    }
    // The registry default as an Entry (location ""); throws if there is none.
    Entry default_entry(const std::string& key) const {
        const KeySpec& s = spec(key);
        if (s.default_text.empty()) throw si::ConfigError(key, "required key is not set");
        const auto& d = parsed_default(key);
        if (!d.ok) value_error("", key, d.error);
        Entry e;
        e.value = d.value;
        return e;
    }
};

ConfigTree::ConfigTree(std::vector<KeySpec> registry) : impl_(std::make_unique<Impl>()) {
    auto keys = std::make_shared<Impl::Keys>();
    keys->registry = std::move(registry);
    for (std::size_t k = 0; k < keys->registry.size(); ++k) {
        const std::string& key = keys->registry[k].key;
        if (key.empty() || key.front() == '.' || key.back() == '.' ||
            key.find("..") != std::string::npos)
            throw std::invalid_argument("ConfigTree: malformed registry key '" + key + "'");
        if (!keys->index.emplace(key, k).second)
            throw std::invalid_argument("ConfigTree: duplicate registry key '" + key + "'");
    }
    for (const auto& s : keys->registry) {
        Impl::Keys::Default d;
        try {
            d.value = parse_text_value(s.default_text, s);
            d.ok = true;
        } catch (const Bad& b) {
            d.error = b.what();
        }
        keys->defaults.push_back(std::move(d));
    }
    {   // resolved_toml's layout
        std::vector<std::string> order{""};
        std::map<std::string, std::vector<std::size_t>> by_section;
        for (std::size_t k = 0; k < keys->registry.size(); ++k) {
            const KeySpec& s = keys->registry[k];
            const std::string sec = section_of(s.key);
            if (std::find(order.begin(), order.end(), sec) == order.end()) order.push_back(sec);
            by_section[sec].push_back(k);
            const std::string leaf = toml_key(last_component(s.key));
            keys->leaf.push_back(leaf);
            const std::string& unit = s.unit;
            std::string line;
            if (s.default_text.empty()) {
                line = "# " + leaf + " is not set (no default)\n";
            } else {
                try {
                    const auto& d = keys->defaults[k];
                    if (!d.ok) throw Bad(d.error);
                    const Value c = canonical(d.value, s);
                    line = leaf + " = " + to_toml(c) + "  # " + (unit.empty() ? "" : unit + ", ") + "default\n";
                } catch (const Bad&) {
                    // A descriptive default ("auto", "from preset") is not a value: leave it unset.
                    line = "# " + leaf + " is not set (default: " + s.default_text + ")\n";
                }
            }
            keys->default_line.push_back(std::move(line));
        }
        for (const auto& sec : order) {
            const auto it = by_section.find(sec);
            if (it == by_section.end()) continue;
            keys->sections.push_back(sec);
            keys->section_keys.push_back(it->second);
        }
    }
    impl_->keys = keys;
    for (const auto& s : keys->registry)
        if (impl_->is_section(s.key))
            throw std::invalid_argument("ConfigTree: registry key '" + s.key +
                                        "' is also a section of other keys");
}
ConfigTree::ConfigTree(const ConfigTree& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
ConfigTree& ConfigTree::operator=(const ConfigTree& o) {
    if (this != &o) impl_ = std::make_unique<Impl>(*o.impl_);
    return *this;
}
ConfigTree::ConfigTree(ConfigTree&&) noexcept = default;
ConfigTree& ConfigTree::operator=(ConfigTree&&) noexcept = default;
ConfigTree::~ConfigTree() = default;

void ConfigTree::load_file(const std::string& path) { load_file(path, {}); }

void ConfigTree::load_file(const std::string& path, const std::vector<std::string>& ignore) {
    // Only regular files of bounded size: /dev/zero or a FIFO would be read without end.
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw si::IoError(path, 0, "cannot open config file: " + ec.message());
    if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
        throw si::IoError(path, 0, "config file is not a regular file (directory, device or FIFO)");
    if (std::filesystem::exists(st) && std::filesystem::file_size(path, ec) > kMaxConfigBytes)
        throw si::IoError(path, 0, "config file is larger than " + std::to_string(kMaxConfigBytes) +
                                       " bytes");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw si::IoError(path, 0, std::string("cannot open config file: ") + std::strerror(errno));
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) throw si::IoError(path, 0, "cannot read config file");
    load_text(buf.str(), path, ignore);
}

void ConfigTree::load_text(std::string_view text, const std::string& path,
                           const std::vector<std::string>& ignore) {
    toml::table doc;
    try {
        doc = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        const std::string loc = location_of(e.source(), path);
        throw ConfigLocationError(loc, "", loc + ": " + std::string(e.description()));
    }
    const std::string dir =
        std::filesystem::absolute(path).lexically_normal().parent_path().string();
    for (const auto& k : ignore) doc.erase(k);
    std::map<std::string, Entry> fresh;
    std::vector<Impl::Problem> problems;
    impl_->flatten(doc, "", path, dir, fresh, problems);
    if (!problems.empty()) {
        // Every unknown key and bad value of the file in one message, one line each in file
        // order (toml++ iterates tables by key name), so that a user fixes them all at once.
        std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
            return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
        std::string msg;
        for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p.message;
        throw ConfigLocationError(problems.front().location, problems.front().key, msg);
    }
    // Commit only after the whole file checked out; --set values keep precedence.
    for (auto& [k, e] : fresh) {
        auto it = impl_->entries.find(k);
        if (it != impl_->entries.end() && it->second.is_override) continue;
        impl_->entries[k] = std::move(e);
    }
    impl_->source_dir = dir;
}

void ConfigTree::apply_override(const std::string& assignment) {
    const auto eq = assignment.find('=');
    const std::string key = trim(std::string_view(assignment).substr(0, eq));
    if (eq == std::string::npos || key.empty())
        throw ConfigLocationError(
            kSet, "", std::string(kSet) + " '" + assignment + "': expected section.key=value");
    const std::string raw = trim(std::string_view(assignment).substr(eq + 1));
    const auto it = impl_->keys->index.find(key);
    if (it == impl_->keys->index.end()) impl_->unknown(kSet, key);
    const KeySpec& spec = impl_->keys->registry[it->second];
    Entry e;
    e.location = kSet;
    e.is_override = true;
    try {
        e.value = parse_text_value(raw, spec);
        (void)canonical(e.value, spec);
    } catch (const Bad& b) {
        value_error(kSet, key, b.what());
    }
    impl_->entries[key] = std::move(e);
}

bool ConfigTree::has(const std::string& key) const { return impl_->find(key) != nullptr; }

double ConfigTree::number(const std::string& key, double fallback) const {
    const Entry* e = impl_->find(key);
    if (!e) return fallback;
    const KeySpec& s = impl_->spec(key);
    // An integer key read as a number keeps the integer rules ("10k" counts).
    if (s.type == KeyType::integer) return static_cast<double>(integer(key, 0));
    return impl_->convert(key, *e, [&](const Value& v) { return to_number(v, s.unit); });
}
std::int64_t ConfigTree::integer(const std::string& key, std::int64_t fallback) const {
    const Entry* e = impl_->find(key);
    if (!e) return fallback;
    const std::string& unit = impl_->spec(key).unit;
    return impl_->convert(key, *e, [&](const Value& v) { return to_integer(v, unit); });
}
bool ConfigTree::boolean(const std::string& key, bool fallback) const {
    const Entry* e = impl_->find(key);
    if (!e) return fallback;
    return impl_->convert(key, *e, [](const Value& v) { return to_boolean(v); });
}
std::string ConfigTree::string(const std::string& key, const std::string& fallback) const {
    const Entry* e = impl_->find(key);
    if (!e) return fallback;
    return impl_->convert(key, *e, [](const Value& v) { return to_string(v); });
}
std::vector<double> ConfigTree::numbers(const std::string& key,
                                        const std::vector<double>& fallback) const {
    const Entry* e = impl_->find(key);
    if (!e) return fallback;
    const std::string& unit = impl_->spec(key).unit;
    return impl_->convert(key, *e, [&](const Value& v) { return to_numbers(v, unit); });
}
std::vector<std::string> ConfigTree::strings(const std::string& key,
                                             const std::vector<std::string>& fallback) const {
    const Entry* e = impl_->find(key);
    if (!e) return fallback;
    return impl_->convert(key, *e, [](const Value& v) { return to_strings(v); });
}

double ConfigTree::number(const std::string& key) const {
    if (has(key)) return number(key, 0.0);
    if (impl_->spec(key).type == KeyType::integer) return static_cast<double>(integer(key));
    const std::string& unit = impl_->spec(key).unit;
    return impl_->convert(key, impl_->default_entry(key),
                          [&](const Value& v) { return to_number(v, unit); });
}
std::int64_t ConfigTree::integer(const std::string& key) const {
    if (has(key)) return integer(key, 0);
    const std::string& unit = impl_->spec(key).unit;
    return impl_->convert(key, impl_->default_entry(key),
                          [&](const Value& v) { return to_integer(v, unit); });
}
bool ConfigTree::boolean(const std::string& key) const {
    if (has(key)) return boolean(key, false);
    return impl_->convert(key, impl_->default_entry(key),
                          [](const Value& v) { return to_boolean(v); });
}
std::string ConfigTree::string(const std::string& key) const {
    if (has(key)) return string(key, "");
    return impl_->convert(key, impl_->default_entry(key),
                          [](const Value& v) { return to_string(v); });
}
std::vector<double> ConfigTree::numbers(const std::string& key) const {
    if (has(key)) return numbers(key, {});
    const std::string& unit = impl_->spec(key).unit;
    return impl_->convert(key, impl_->default_entry(key),
                          [&](const Value& v) { return to_numbers(v, unit); });
}
std::vector<std::string> ConfigTree::strings(const std::string& key) const {
    if (has(key)) return strings(key, {});
    return impl_->convert(key, impl_->default_entry(key),
                          [](const Value& v) { return to_strings(v); });
}

std::string ConfigTree::path(const std::string& key, const std::string& fallback) const {
    const Entry* e = impl_->find(key);
    if (!e) return fallback;
    const std::string s = string(key, fallback);
    if (e->dir.empty() || s.empty() || std::filesystem::path(s).is_absolute()) return s;
    return (std::filesystem::path(e->dir) / s).lexically_normal().string();
}
std::vector<std::string> ConfigTree::paths(const std::string& key,
                                           const std::vector<std::string>& fallback) const {
    const Entry* e = impl_->find(key);
    if (!e) return fallback;
    auto out = strings(key, fallback);
    for (auto& s : out)
        if (!e->dir.empty() && !s.empty() && !std::filesystem::path(s).is_absolute())
            s = (std::filesystem::path(e->dir) / s).lexically_normal().string();
    return out;
}

std::string ConfigTree::location(const std::string& key) const {
    const Entry* e = impl_->find(key);
    return e ? e->location : std::string();
}
std::string ConfigTree::source_dir() const { return impl_->source_dir; }
const std::vector<KeySpec>& ConfigTree::registry() const { return impl_->registry(); }
std::vector<std::string> ConfigTree::keys_set() const {
    std::vector<std::string> out;
    for (const auto& [k, e] : impl_->entries) out.push_back(k);
    return out;
}

std::string ConfigTree::resolved_toml() const { return resolved_toml({}); }

std::string ConfigTree::resolved_toml(const std::function<bool(const std::string&)>& omit) const {
    // Sections in order of first appearance; root keys ("" section) first (layout and the lines
    // of unset keys made once with the registry: Impl::Keys).
    const auto& K = *impl_->keys;
    std::string os =
        "# Resolved sisim configuration: every key with its effective value.\n"
        "# Numbers are in SI base units (s, Hz, Bd, V); \"# default\" marks values not set by\n"
        "# the user.\n";
    for (std::size_t si = 0; si < K.sections.size(); ++si) {
        const std::string& sec = K.sections[si];
        const auto& ks = K.section_keys[si];
        auto entry = [&](std::size_t k) {
            const auto it = impl_->entries.find(K.registry[k].key);
            return it == impl_->entries.end() ? nullptr : &it->second;
        };
        auto shown = [&](std::size_t k) {
            const KeySpec& s = K.registry[k];
            return !(omit && omit(s.key)) && (!s.only_if_set || entry(k) != nullptr);
        };
        bool any = false;
        for (std::size_t k : ks) any = any || shown(k);
        if (!any) continue;
        if (!sec.empty()) os += "\n[" + toml_key(sec) + "]\n";
        for (std::size_t k : ks) {
            if (!shown(k)) continue;
            const KeySpec& s = K.registry[k];
            if (const Entry* e = entry(k)) {
                const Value c = impl_->convert(s.key, *e, [&](const Value& v) { return canonical(v, s); });
                os += K.leaf[k] + " = " + to_toml(c);
                if (!s.unit.empty()) os += "  # " + s.unit;
                os += "\n";
                continue;
            }
            os += K.default_line[k];
        }
    }
    return os;
}

std::string format_keys(const std::vector<KeySpec>& registry) {
    std::size_t wk = 3, wd = 7, wu = 4;
    for (const auto& s : registry) {
        if (s.only_if_set) continue;
        wk = std::max(wk, s.key.size());
        wd = std::max(wd, s.default_text.empty() ? std::size_t{1} : s.default_text.size());
        wu = std::max(wu, s.unit.empty() ? std::size_t{1} : s.unit.size());
    }
    auto row = [&](std::ostringstream& os, const std::string& k, const std::string& d,
                   const std::string& u, const std::string& h) {
        os << k << std::string(wk - k.size() + 2, ' ') << d << std::string(wd - d.size() + 2, ' ')
           << u << std::string(wu - u.size() + 2, ' ') << h;
        // no trailing blanks when the help text is empty
        std::string line = os.str();
        return line;
    };
    std::string out;
    {
        std::ostringstream os;
        out += row(os, "KEY", "DEFAULT", "UNIT", "MEANING") + "\n";
    }
    for (const auto& s : registry) {
        if (s.only_if_set) continue;
        std::ostringstream os;
        std::string line = row(os, s.key, s.default_text.empty() ? "-" : s.default_text,
                               s.unit.empty() ? "-" : s.unit, s.help);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

}  // namespace si::io

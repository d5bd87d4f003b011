#include "si/io/power_table_io.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "si/core/error.hpp"
#include "si/core/units.hpp"

namespace si::io {

namespace {

const char* const kFields[] = {"description", "power_w", "energy_pj_per_bit", "latency_s",
                               "latency_s_per_m", "codeword_bits", "source", "verify"};

std::string where(const toml::node& n, const std::string& file) {
    const auto& b = n.source().begin;
    return file + ":" + std::to_string(b.line) + ":" + std::to_string(b.column);
}

[[noreturn]] void fail(const toml::node& n, const std::string& file, const std::string& key, const std::string& why) {
    throw ConfigError(key, where(n, file) + ": " + key + ": " + why);
}

// A number in SI base units: TOML number as is, or a string with prefix and unit ("47mW").
double number(const toml::node& n, const std::string& file, const std::string& key, const char* unit) {
    if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
    if (const auto* f = n.as_floating_point()) return f->get();
    if (const auto* s = n.as_string()) {
        try {
            return si::parse_quantity(s->get(), unit);
        } catch (const std::exception& e) {
            fail(n, file, key, e.what());
        }
    }
    fail(n, file, key, "expected a number");
}

std::string string(const toml::node& n, const std::string& file, const std::string& key) {
    if (const auto* s = n.as_string()) return s->get();
    fail(n, file, key, "expected a string");
}

// Applies the fields of one [element.<name>] table onto e.
void apply_fields(si::arch::ElementCost& e, const toml::table& t, const std::string& file) {
    for (const auto& [k, node] : t) {
        const std::string field(k.str());
        const std::string key = "element." + e.name + "." + field;
        if (field == "description") e.description = string(node, file, key);
        else if (field == "source") e.source = string(node, file, key);
        else if (field == "power_w") e.power_w = number(node, file, key, "W");
        else if (field == "energy_pj_per_bit") e.energy_pj_per_bit = number(node, file, key, "");
        else if (field == "latency_s") e.latency_s = number(node, file, key, "s");
        else if (field == "latency_s_per_m") e.latency_s_per_m = number(node, file, key, "");
        else if (field == "codeword_bits") e.codeword_bits = number(node, file, key, "");
        else if (field == "verify") {
            const auto* b = node.as_boolean();
            if (!b) fail(node, file, key, "expected true or false");
            e.verify = b->get();
        } else {
            std::string known;
            for (const char* f : kFields) known += std::string(known.empty() ? "" : ", ") + f;
            fail(node, file, key, "unknown field (known: " + known + ")");
        }
    }
    try {
        si::arch::validate(e);
    } catch (const ConfigError& err) {
        const toml::node* at = t.get(err.key().substr(err.key().rfind('.') + 1));
        throw ConfigError(err.key(), (at ? where(*at, file) : where(t, file)) + ": " + err.what());
    }
}

void apply_doc(si::arch::PowerTable& table, const toml::table& doc, const std::string& file, bool overriding) {
    for (const auto& [k, node] : doc) {
        const std::string top(k.str());
        if (top == "schema_version") {
            const auto* v = node.as_integer();
            if (!v || v->get() != 1) fail(node, file, "schema_version", "must be 1");
            continue;
        }
        if (top != "element") fail(node, file, top, "unknown key (expected [element.<name>] tables)");
        const auto* elements = node.as_table();
        if (!elements) fail(node, file, "element", "expected tables [element.<name>]");
        for (const auto& [name, en] : *elements) {
            const auto* et = en.as_table();
            const std::string ename(name.str());
            if (!et) fail(en, file, "element." + ename, "expected a table of fields");
            si::arch::ElementCost e;
            if (const auto* old = table.find(ename); old && overriding) e = *old;
            e.name = ename;
            apply_fields(e, *et, file);
            table.set(e);
        }
    }
}

toml::table parse_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw IoError(path, 0, "no such file or not a regular file");
    try {
        return toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        throw ConfigError("", path + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": " +
                                  std::string(e.description()));
    }
}

}  // namespace

si::arch::PowerTable read_power_table(const std::string& path) {
    si::arch::PowerTable t;
    apply_doc(t, parse_file(path), path, false);
    if (t.size() == 0) throw ConfigError("element", path + ": the power table has no [element.<name>] tables");
    return t;
}

void apply_power_overrides(si::arch::PowerTable& table, const std::string& path) {
    apply_doc(table, parse_file(path), path, true);
}

void apply_power_override(si::arch::PowerTable& table, const std::string& assignment) {
    const auto eq = assignment.find('=');
    const std::string key = assignment.substr(0, eq);
    if (eq == std::string::npos || !key.starts_with("element.") || std::count(key.begin(), key.end(), '.') != 2)
        throw ConfigError(key, "--set " + assignment + ": expected element.<name>.<field>=<value>");
    std::string value = assignment.substr(eq + 1);
    toml::table doc;
    try {
        doc = toml::parse(key + " = " + value, std::string_view("--set"));
    } catch (const toml::parse_error&) {
        doc = toml::parse(key + " = \"" + value + "\"", std::string_view("--set"));  // bare text: a string
    }
    const std::string name = key.substr(8, key.rfind('.') - 8);
    if (!table.find(name)) (void)table.at(name);  // throws with a suggestion
    apply_doc(table, doc, "--set", true);
}

}  // namespace si::io

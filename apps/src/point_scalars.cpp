#include "point_scalars.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "si/io/h5.hpp"

namespace sisim {

namespace {

// Unit of a result attribute from the project's naming rule (names carry units).
std::string unit_of(std::string name) {
    if (auto b = name.find('['); b != std::string::npos) name.resize(b);
    static const std::pair<const char*, const char*> suffix[] = {
        {"_v", "V"}, {"_ui", "UI"}, {"_s", "s"}, {"_db", "dB"}, {"_hz", "Hz"}, {"_w", "W"},
        {"_bd", "Bd"}, {"_a", "A"}, {"_dbm", "dBm"}, {"_ohm", "ohm"}, {"_m", "m"}};
    for (const auto& [s, u] : suffix) {
        const std::size_t n = std::strlen(s);
        if (name.size() > n && name.compare(name.size() - n, n, s) == 0) return u;
    }
    return "";
}

// A run's timings (/run, and each hop's /hop/<i>/run in a multi-hop result): not results (they
// differ from one run of the same config to the next).
bool timing_group(const std::string& g) {
    const auto ends_run = [](const std::string& x) { return x.size() >= 4 && x.compare(x.size() - 4, 4, "/run") == 0; };
    return ends_run(g) || g.find("/run/") != std::string::npos;
}

}  // namespace

const std::vector<std::string> kScalarFirstGroups = {"/ber", "/eye/rx/metrics", "/response", "/channel", "/"};

PointScalars collect_scalars(const std::vector<si::io::H5NumericAttr>& attrs) {
    PointScalars s;
    std::map<std::string, std::vector<double>> seen;
    for (const auto& a : attrs) {
        if (timing_group(a.group) || a.group == "/pattern") continue;
        if (a.group == "/" && (a.name == "schema_version" || a.name == "seed")) continue;
        std::string name = a.name;
        if (seen.count(name) > 0) {
            // /eye/rx repeats /eye/rx/metrics' eye_height_v, eye_width_ui and levels_v for
            // convenience: a copy. Any other group's repeat is qualified by its group, whatever
            // its values, so every point of a sweep has the same columns.
            if (a.group == "/eye/rx") continue;
            std::string g = a.group.substr(1);
            std::replace(g.begin(), g.end(), '/', '.');
            name = g + "." + a.name;
            if (seen.count(name) > 0) continue;
        }
        seen[a.name] = a.values;
        seen[name] = a.values;
        if (a.scalar) {
            s.names.push_back(name);
            s.values.push_back(a.values.empty() ? std::nan("") : a.values[0]);
            s.units.push_back(unit_of(name));
        } else
            for (std::size_t k = 0; k < a.values.size(); ++k) {
                s.names.push_back(name + "[" + std::to_string(k) + "]");
                s.values.push_back(a.values[k]);
                s.units.push_back(unit_of(name));
            }
    }
    return s;
}

PointScalars file_scalars(const std::string& h5) {
    return collect_scalars(si::io::read_group_numeric_attrs(h5, kScalarFirstGroups));
}

PointScalars run_scalars(si::io::ConfigTree tree, const std::string& name, RunFileOptions opt) {
    PointScalars sc;
    opt.channel_responses = false;  // datasets, not scalars
    opt.scalars_only = true;
    opt.in_memory = [&](si::io::H5File& f) {
        sc = collect_scalars(si::io::read_group_numeric_attrs(f, kScalarFirstGroups));
    };
    run_to_file(std::move(tree), name, opt);
    return sc;
}

}  // namespace sisim

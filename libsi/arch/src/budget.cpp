#include "si/arch/budget.hpp"

#include <cmath>
#include <cstdio>

#include "si/core/error.hpp"

namespace si::arch {

void validate(const ChainSpec& c) {
    require(std::isfinite(c.lane_rate_bps) && c.lane_rate_bps > 0, "budget.lane_rate_bps", "must be > 0",
            c.lane_rate_bps);
    require(std::isfinite(c.payload_rate_bps) && c.payload_rate_bps >= 0, "budget.payload_rate_bps",
            "must be >= 0 (0 = lane rate)", c.payload_rate_bps);
    require(!c.hops.empty(), "budget.hops", "a link needs at least one hop", c.hops.size());
    for (std::size_t h = 0; h < c.hops.size(); ++h) {
        const auto& hop = c.hops[h];
        const std::string k = "budget.hops[" + std::to_string(h) + "]";
        require(std::isfinite(hop.line_rate_bps) && hop.line_rate_bps >= 0, k + ".line_rate_bps",
                "must be >= 0 (0 = lane rate)", hop.line_rate_bps);
        require(!hop.elements.empty(), k + ".elements", "a hop needs at least one element", hop.elements.size());
        for (const auto& u : hop.elements) {
            require(u.count >= 1, k + "." + u.element + ".count", "must be >= 1", u.count);
            require(std::isfinite(u.length_m) && u.length_m >= 0, k + "." + u.element + ".length_m",
                    "must be >= 0 m", u.length_m);
        }
    }
}

ChainBudget budget(const ChainSpec& chain, const PowerTable& table) {
    validate(chain);
    const double payload = chain.payload_rate_bps > 0 ? chain.payload_rate_bps : chain.lane_rate_bps;
    ChainBudget out;
    out.name = chain.name;
    for (const auto& hop : chain.hops) {
        const double rate = hop.line_rate_bps > 0 ? hop.line_rate_bps : chain.lane_rate_bps;
        HopBudget hb;
        hb.name = hop.name;
        for (const auto& u : hop.elements) {
            const auto& e = table.at(u.element);
            ElementBudget eb;
            eb.element = u.element;
            eb.label = u.label.empty() ? u.element : u.label;
            eb.power_w = u.count * (e.power_w + e.energy_pj_per_bit * 1e-12 * rate);
            eb.energy_pj_per_bit = 1e12 * eb.power_w / payload;
            eb.latency_s = u.count * (e.latency_s + e.latency_s_per_m * u.length_m + e.codeword_bits / rate);
            eb.verify = e.verify;
            eb.source = e.source;
            hb.power_w += eb.power_w;
            hb.latency_s += eb.latency_s;
            out.any_verify = out.any_verify || e.verify;
            hb.elements.push_back(std::move(eb));
        }
        hb.energy_pj_per_bit = 1e12 * hb.power_w / payload;
        out.power_w += hb.power_w;
        out.latency_s += hb.latency_s;
        out.hops.push_back(std::move(hb));
    }
    out.energy_pj_per_bit = 1e12 * out.power_w / payload;
    return out;
}

std::string format_budget(const ChainBudget& b) {
    std::string s;
    char line[256];
    std::snprintf(line, sizeof line, "%-44s %10s %10s %12s\n", b.name.empty() ? "element" : b.name.c_str(),
                  "power mW", "pJ/bit", "latency ns");
    s += line;
    for (const auto& h : b.hops) {
        s += "  hop: " + h.name + "\n";
        for (const auto& e : h.elements) {
            std::snprintf(line, sizeof line, "    %-40s %10.2f %10.3f %12.3f%s\n", e.label.c_str(), 1e3 * e.power_w,
                          e.energy_pj_per_bit, 1e9 * e.latency_s, e.verify ? "  (verify)" : "");
            s += line;
        }
        std::snprintf(line, sizeof line, "    %-40s %10.2f %10.3f %12.3f\n", "hop total", 1e3 * h.power_w,
                      h.energy_pj_per_bit, 1e9 * h.latency_s);
        s += line;
    }
    std::snprintf(line, sizeof line, "  %-42s %10.2f %10.3f %12.3f%s\n", "end to end", 1e3 * b.power_w,
                  b.energy_pj_per_bit, 1e9 * b.latency_s, b.any_verify ? "  (some values: verify)" : "");
    s += line;
    return s;
}

}  // namespace si::arch

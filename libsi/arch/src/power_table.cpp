#include "si/arch/power_table.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"

namespace si::arch {

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> d(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t prev = d[0];
        d[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cur = d[j];
            d[j] = std::min({d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1])});
            prev = cur;
        }
    }
    return d[b.size()];
}
}  // namespace

void validate(const ElementCost& e) {
    require(!e.name.empty(), "element", "needs a name", std::string("\"\""));
    const std::string k = "element." + e.name + ".";
    auto nonneg = [&](double v, const char* field) {
        require(std::isfinite(v) && v >= 0, k + field, "must be finite and >= 0", v);
    };
    nonneg(e.power_w, "power_w");
    nonneg(e.energy_pj_per_bit, "energy_pj_per_bit");
    nonneg(e.latency_s, "latency_s");
    nonneg(e.latency_s_per_m, "latency_s_per_m");
    nonneg(e.codeword_bits, "codeword_bits");
    require(!e.source.empty(), k + "source", "every value needs its source", std::string("\"\""));
}

void PowerTable::set(const ElementCost& e) {
    validate(e);
    for (auto& r : rows_)
        if (r.name == e.name) {
            r = e;
            return;
        }
    rows_.push_back(e);
}

const ElementCost* PowerTable::find(const std::string& name) const noexcept {
    for (const auto& r : rows_)
        if (r.name == name) return &r;
    return nullptr;
}

const ElementCost& PowerTable::at(const std::string& name) const {
    if (const auto* r = find(name)) return *r;
    std::string best;
    std::size_t bd = ~std::size_t{0};
    for (const auto& r : rows_)
        if (const auto d = edit_distance(name, r.name); d < bd) bd = d, best = r.name;
    throw ConfigError("element." + name, best.empty() ? std::string("not in the power table (it is empty)")
                                                      : "not in the power table (did you mean '" + best + "'?)");
}

}  // namespace si::arch

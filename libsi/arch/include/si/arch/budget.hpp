#pragma once
/// \file budget.hpp
/// Power per bit and latency of a link described as hops of elements, from a PowerTable
/// (power_table.hpp): per element, per hop and end to end.
///
/// A link is a chain of hops; a hop is a transmitter, elements, and a receiver (a retimer ends
/// one hop and starts the next; list its receiver in one hop and its transmitter in the next,
/// or the whole retimer block in one of them). Each use of an element gives
///
///   P = count * (power_w + energy_pj_per_bit * 1e-12 * R_hop),
///   t = count * (latency_s + latency_s_per_m * length_m + codeword_bits / R_hop),
///
/// R_hop the hop's line rate (line_rate_bps, or the chain's lane rate when 0). Hop and end-to-end
/// values are sums; power per bit is P / payload_rate_bps (the lane's payload rate, the same for
/// every hop, so that architectures carrying the same data compare directly):
///
///   pJ/bit = 1e12 * P / payload_rate_bps.
#include <string>
#include <vector>

#include "si/arch/power_table.hpp"

namespace si::arch {

struct ElementUse {
    std::string element{};    ///< row of the power table
    std::string label{};      ///< what this use is in the link ("host trace, TX side"); "" = element
    double length_m = 0.0;  ///< length for latency_s_per_m [m], >= 0
    int count = 1;          ///< number of identical uses (>= 1)
};

struct HopSpec {
    std::string name{};               ///< e.g. "host to module"
    double line_rate_bps = 0.0;     ///< this hop's line rate [bit/s]; 0 = ChainSpec::lane_rate_bps
    std::vector<ElementUse> elements{};
};

struct ChainSpec {
    std::string name{};                ///< architecture name, e.g. "lpo_112g_dr"
    double lane_rate_bps = 106.25e9; ///< line rate of a lane [bit/s] (hops may override)
    double payload_rate_bps = 0.0;   ///< data rate for pJ/bit [bit/s]; 0 = lane_rate_bps
    std::vector<HopSpec> hops{};
};

/// Throws ConfigError naming "budget.<field>" (rates <= 0, no hops, empty hop, count < 1,
/// negative length) or "element.<name>" for an element not in the table.
void validate(const ChainSpec& c);

struct ElementBudget {
    std::string element{};
    std::string label{};
    double power_w = 0;
    double energy_pj_per_bit = 0;  ///< power_w / payload rate [pJ/bit]
    double latency_s = 0;
    bool verify = false;
    std::string source{};
};

struct HopBudget {
    std::string name{};
    std::vector<ElementBudget> elements{};
    double power_w = 0;
    double energy_pj_per_bit = 0;
    double latency_s = 0;
};

struct ChainBudget {
    std::string name{};
    std::vector<HopBudget> hops{};
    double power_w = 0;            ///< end to end, one lane, both link ends [W]
    double energy_pj_per_bit = 0;  ///< end to end [pJ/bit]
    double latency_s = 0;          ///< end to end [s]
    bool any_verify = false;       ///< some value used is marked verify
};

/// The budget of `chain` priced by `table` (validates both).
[[nodiscard]] ChainBudget budget(const ChainSpec& chain, const PowerTable& table);

/// A fixed-width text table of the budget (one line per element, hop totals, end to end).
[[nodiscard]] std::string format_budget(const ChainBudget& b);

}  // namespace si::arch

#pragma once
/// \file power_table.hpp
/// The table of power and latency per element or block of a link (SerDes TX/RX, module DSP,
/// FEC, driver, laser, TIA, fibre, ...), one row per element, each with its source. The bundled
/// table is models/power.toml (read by si::io::read_power_table); docs/architectures.md lists
/// the values and their sources. Values marked verify are not from a primary source.
///
/// Cost model of one element used once in a hop whose line rate is R [bit/s]:
///
///   power   P = power_w + energy_pj_per_bit * 1e-12 * R                       [W]
///   latency t = latency_s + latency_s_per_m * length_m + codeword_bits / R     [s]
///
/// power_w is a fixed power per lane (a laser bias, a TIA), energy_pj_per_bit scales with the
/// line rate (SerDes, DSP); latency_s_per_m is a propagation delay (fibre: n_g / c = 4.9 ns/m;
/// a PCB trace about 6.5 ns/m); codeword_bits is the serial fill of a block code at the lane
/// rate (RS(544,514): 5440 bits, 51.2 ns at 106.25 Gb/s).
#include <string>
#include <vector>

namespace si::arch {

struct ElementCost {
    std::string name{};                ///< table key, e.g. "host_serdes_lr_tx"
    std::string description{};         ///< what the element is
    double power_w = 0.0;            ///< fixed power per lane [W], >= 0
    double energy_pj_per_bit = 0.0;  ///< power per line bit [pJ/bit], >= 0
    double latency_s = 0.0;          ///< fixed latency [s], >= 0
    double latency_s_per_m = 0.0;    ///< propagation delay per metre of length [s/m], >= 0
    double codeword_bits = 0.0;      ///< codeword filled serially at the line rate [bit], >= 0
    std::string source{};              ///< where the values come from
    bool verify = false;             ///< true: not confirmed from a primary source
};

/// Throws ConfigError naming "element.<name>.<field>": empty name, negative or non-finite values,
/// an empty source.
void validate(const ElementCost& e);

class PowerTable {
public:
    /// Adds a row, or replaces the row of the same name. Validates it.
    void set(const ElementCost& e);
    /// The row `name`, or nullptr.
    [[nodiscard]] const ElementCost* find(const std::string& name) const noexcept;
    /// The row `name`; throws ConfigError("element.<name>", "not in the power table (...)")
    /// listing the closest known name.
    [[nodiscard]] const ElementCost& at(const std::string& name) const;
    [[nodiscard]] const std::vector<ElementCost>& rows() const noexcept { return rows_; }
    [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }

private:
    std::vector<ElementCost> rows_{};
};

}  // namespace si::arch

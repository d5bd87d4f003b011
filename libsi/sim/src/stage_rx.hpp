#pragma once
// Symbol-rate receiver stage: the chain after the sampler, one value per UI: (gain, ADC, FFE,
// then a detector: slicer, DFE or MLSE). Decisions are level indices; the chain's total delay
// (FFE pre-cursor taps, MLSE traceback) is delay_ui(): decision i of a block belongs to the
// sample delay_ui() UIs earlier.
#include <cstdint>
#include <span>
#include <vector>

#include "si/sim/link.hpp"

namespace si::sim::detail {

class SymbolChain {
public:
    explicit SymbolChain(const Link& link);
    [[nodiscard]] int delay_ui() const noexcept { return 0; }
    /// in: sampler output [V]; decisions: level indices; detector_in: the value the detector
    /// sees for each decision [V] (the DSP eye probe).
    void process(std::span<const double> in, std::span<std::uint8_t> decisions,
                 std::span<double> detector_in) noexcept;
    void reset() noexcept {}

private:
    std::vector<double> thr_;
    int n_;
};

}  // namespace si::sim::detail

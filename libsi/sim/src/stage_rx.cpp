#include "stage_rx.hpp"

namespace si::sim::detail {

SymbolChain::SymbolChain(const Link& link) : thr_(link.thresholds()), n_(link.levels()) {}

void SymbolChain::process(std::span<const double> in, std::span<std::uint8_t> decisions,
                          std::span<double> detector_in) noexcept {
    for (std::size_t i = 0; i < in.size(); ++i) {
        int d = 0;
        while (d < n_ - 1 && in[i] >= thr_[static_cast<std::size_t>(d)]) ++d;
        decisions[i] = static_cast<std::uint8_t>(d);
        detector_in[i] = in[i];
    }
}

}  // namespace si::sim::detail

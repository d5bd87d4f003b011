#pragma once
/// \file optical_probe.hpp
/// The optical probe of an LPO/CPO link (or an optical hop): the transmitter's optical output
/// (modulator output power, laser RIN and driver noise included) for a stretch of the run's
/// symbols, as an oscilloscope would capture it for TDECQ (docs/architectures.md "Optical
/// probe"). The waveform is the one the run streams: the same TX symbols, near-end response,
/// driver and modulator stages and noise streams.
#include <cstdint>
#include <vector>

#include "si/sim/link.hpp"

namespace si::sim {

struct OpticalWaveform {
    std::vector<double> power_w;    ///< modulator output power [W] at dt_s spacing
    double dt_s = 0;                ///< sample spacing [s] (1 / (samples_per_ui x symbol rate))
    double symbol_rate_bd = 0;
    std::uint64_t first_symbol = 0; ///< pattern index of the first symbol recorded
};

/// Records `symbols` symbols from the end of the channel-memory warm-up on. Throws ConfigError
/// ("output.optical_waveform_symbols") for a link without optics.
[[nodiscard]] OpticalWaveform optical_tx_waveform(const Link& link, std::uint64_t symbols);

}  // namespace si::sim

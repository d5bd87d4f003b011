#pragma once
/// \file stateye.hpp
/// Statistical eye and SER of a Link at its sampling phase: the independent check of the counted
/// SER. The model lives in si/analysis/stat_eye.hpp (a pure function of the pulse, levels,
/// noise, jitter and crosstalk); this adapter builds its input from the Link.
#include "si/analysis/stat_eye.hpp"
#include "si/sim/link.hpp"

namespace si::sim {

using analysis::StatisticalEye;
using analysis::StatisticalSer;

/// The statistical-eye input of the link: symbol pulse and main cursor, levels and thresholds,
/// sampler and TX noise, TX FFE, swing and jitter (RJ, SJ, DCD), crosstalk aggressor pulses.
[[nodiscard]] analysis::StatEyeInput stat_eye_input(const Link& link);

/// analysis::statistical_ser(stat_eye_input(link)). The last few results are kept by their
/// exact input (every byte of it), so a repeated call, or another Link with the same pulse,
/// noise and jitter (sweep points that differ only in the symbol count, seed or pattern),
/// returns the same result without computing it again.
[[nodiscard]] StatisticalSer statistical_ser(const Link& link);

/// analysis::statistical_eye(stat_eye_input(link), target_ber), kept like statistical_ser.
[[nodiscard]] StatisticalEye statistical_eye(const Link& link, double target_ber);

}  // namespace si::sim

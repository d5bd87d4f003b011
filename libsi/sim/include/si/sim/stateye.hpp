#pragma once
/// \file stateye.hpp
/// Statistical (pulse-response) SER at the link's sampling phase: the independent check of the
/// counted SER. The sample of a symbol of level a_i is a_i h0 + sum_{k!=0} a_k h_k + n, with h_k
/// the symbol-spaced pulse samples at the sampling phase, a_k independent and uniform over the
/// PAM-N levels, and n Gaussian (RX noise at the slicer, TX noise through the pulse, and each
/// crosstalk aggressor treated by its own exact ISI-like distribution). The distribution of the
/// sum is built by successive convolution on a fine voltage grid (exact up to the grid step); the
/// SER is the probability of crossing the slicer thresholds, averaged over the levels.
/// TX jitter is not included (the waveform path has no pulse-level model of it).
#include <vector>

#include "si/sim/link.hpp"

namespace si::sim {

struct StatisticalSer {
    double ser = 0;                  ///< symbol error ratio
    double ber = 0;                  ///< bit error ratio: Gray adjacent errors, doubled by precoding
    std::vector<double> level_ser;   ///< per level
    double grid_step_v = 0;          ///< voltage resolution used
    double noise_sigma_v = 0;        ///< total Gaussian std at the slicer
    bool includes_jitter = false;    ///< always false (see above)
};

[[nodiscard]] StatisticalSer statistical_ser(const Link& link);

}  // namespace si::sim

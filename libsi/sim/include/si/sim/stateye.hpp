#pragma once
/// \file stateye.hpp
/// Statistical (pulse-response) SER at the link's sampling phase: the independent check of the
/// counted SER. The sample of a symbol of level a_i is a_i h0 + sum_{k!=0} a_k h_k + n, with h_k
/// the symbol-spaced pulse samples at the sampling phase, a_k independent and uniform over the
/// PAM-N levels, and n Gaussian (RX noise at the slicer, TX noise through the pulse, and each
/// crosstalk aggressor treated by its own exact ISI-like distribution). The distribution of the
/// sum is built by successive convolution on a fine voltage grid (exact up to the grid step); the
/// SER is the probability of crossing the slicer thresholds, averaged over the levels.
/// TX jitter: SJ as an arcsine mixture of common timing shifts, DCD as alternate wide/narrow
/// symbols, RJ linearised into Gaussian noise (COM-like; optimistic at the eye edge).
#include <vector>

#include "si/sim/link.hpp"

namespace si::sim {

struct StatisticalSer {
    double ser = 0;                  ///< symbol error ratio
    double ber = 0;                  ///< bit error ratio: Gray adjacent errors, doubled by precoding
    std::vector<double> level_ser;   ///< per level
    double grid_step_v = 0;          ///< voltage resolution used
    double noise_sigma_v = 0;        ///< total Gaussian std at the slicer
    bool includes_jitter = false;    ///< TX jitter was modelled (see above)
};

[[nodiscard]] StatisticalSer statistical_ser(const Link& link);

/// Statistical eye at the target BER, from the same model: at each time offset d (2M bins over
/// 2 UI, 0 = sampling instant) the sample is a_k h_d + Y_d, with Y_d the ISI + crosstalk +
/// Gaussian noise distribution (independent of a_k). Sub-eye s is open by
/// h_d (a_{s+1} - a_s) - (y_hi - y_lo), y_lo/y_hi the lower/upper tail quantiles of Y_d at the
/// target BER. Exact for independent uniform symbols; TX jitter as in statistical_ser.
struct StatisticalEye {
    std::vector<double> eye_height_v;      ///< per sub-eye at the sampling instant
    std::vector<double> eye_width_ui;      ///< per sub-eye: open span around the instant
    std::vector<double> height_vs_time_v;  ///< [n_sub * 2M]
};
[[nodiscard]] StatisticalEye statistical_eye(const Link& link, double target_ber);

}  // namespace si::sim

#pragma once
/// \file receiver.hpp
/// The receiver DSP as designed for a link before the run: gain, ADC full scale, FFE taps
/// (given, or solved from the fused pulse response by MMSE/ZF with the run's noise, crosstalk and
/// ISI), DFE taps (given or solved, floating groups), MLSE target, CDR gains, training length.
/// The run (engine) and the statistical SER read the same design, so counted and statistical
/// results come from one set of coefficients.
///
/// Signal at the sampler (UI n, ideal phase): r_n = sum_k a_k h[n - k] + v_n [V], with h the
/// symbol-spaced fused pulse at the link's sampling phase (TX FFE and swing included) and v the
/// Gaussian noise at the sampler. The chain is
///   gain g [V/V] -> ADC (bits, full scale FS [V pk-pk], ENOB) -> FFE w (K taps, P pre) ->
///   detector: slicer | DFE (b, floating taps) | MLSE (target 1 + g1 D [+ g2 D^2]).
#include <cstdint>
#include <string>
#include <vector>

#include "si/rx/adc.hpp"
#include "si/rx/cdr.hpp"
#include "si/rx/dfe.hpp"
#include "si/rx/ffe.hpp"
#include "si/rx/mlse.hpp"

namespace si::sim {

class Link;

struct ReceiverDesign {
    bool has_dsp = false;        ///< any of gain != 1, ADC, FFE, DFE, MLSE
    bool stateful = false;       ///< CDR, DFE, MLSE or adaptation: fixed segments + training
    bool cdr = false;            ///< recovered clock (rx.cdr.model != "ideal")
    double gain = 1.0;           ///< [V/V]
    rx::AdcConfig adc;           ///< full scale resolved [V pk-pk]; bits 0 = none
    double quant_sigma_v = 0;    ///< ADC quantisation + ENOB noise std at the ADC output [V]
    double noise_sigma_v = 0;    ///< Gaussian noise std at the FFE input (after gain and ADC) [V]
    std::vector<double> h;       ///< symbol-spaced pulse at the FFE input [V per unit level]
    int h_cursor = 0;            ///< main-cursor index in h
    rx::FfeConfig ffe;           ///< taps 0 = no FFE
    std::vector<double> ffe_taps;    ///< initial/solved taps [1/V]
    std::vector<double> equalized;   ///< pulse at the detector input (normalised units with an
                                     ///< FFE, else volts)
    int eq_cursor = 0;
    rx::DfeConfig dfe;
    rx::DfeTaps dfe_taps;            ///< taps 0 and no floating taps = no DFE
    rx::MlseConfig mlse;             ///< memory 0 = no MLSE
    std::vector<double> mlse_target;
    rx::CdrConfig cdr_config;
    /// Predicted lock point of the phase detector relative to the design's sampling phase [UI]
    /// (bang-bang: p(t - T/2) = p(t + T/2); Mueller-Muller: p(t - T) = p(t + T), on the
    /// sampler's symbol pulse); with rx.cdr.eye_centering = "auto" its negative is added to the
    /// phase offset. NaN when no crossing lies within +-1 UI.
    double cdr_predicted_lock_ui = 0;
    double cdr_eye_centering_ui = 0;  ///< offset added by rx.cdr.eye_centering = "auto" [UI]
    double detector_main = 1.0;      ///< main cursor at the detector input
    std::vector<double> detector_thresholds;  ///< slicer thresholds at the detector input
    double detector_sigma = 0;       ///< Gaussian noise std at the detector input
    int delay_ui = 0;                ///< chain delay: FFE pre-cursors + MLSE traceback
    int history_ui = 0;              ///< samples before the first decision to fill the FFE
    std::uint64_t training = 0;      ///< training symbols per segment
    std::string detector = "slicer"; ///< "slicer", "dfe" or "mlse"
};

/// Designs the receiver of a link (called by Link's constructor).
[[nodiscard]] ReceiverDesign design_receiver(const Link& link);

/// Statistical SER at the receiver's detector, from the same design (independent uniform
/// symbols, Gaussian noise, crosstalk as ISI of independent aggressors; TX jitter and ADC
/// clipping not included):
/// - no DSP: the statistical eye at the sampler (si/sim/stateye.hpp, exact ISI pdf);
/// - slicer or DFE after gain/ADC/FFE: the exact ISI pdf of the equalized pulse with the DFE
///   taps actually used subtracted (ideal feedback: no error propagation; that is in the
///   counted SER), ADC quantisation as Gaussian noise (si/analysis/detector_ser.hpp);
/// - MLSE: the union bound over error events (an upper bound, tight at high SNR), with the
///   FFE-coloured noise and the ISI outside the target as Gaussian.
struct ReceiverSer {
    double ser = 0;
    std::string method;
};
[[nodiscard]] ReceiverSer receiver_statistical_ser(const Link& link);

/// Statistical eye width at the detector [UI]: the range of sampling phases (grid steps of
/// 1/samples_per_ui around the design phase, taps held) at which the detector SER above stays
/// <= target_ser (without DSP: the statistical eye's smallest sub-eye width).
[[nodiscard]] double receiver_eye_width_ui(const Link& link, double target_ser);

}  // namespace si::sim

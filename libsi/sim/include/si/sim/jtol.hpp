#pragma once
/// \file jtol.hpp
/// Jitter tolerance: for each sinusoidal-jitter frequency, the largest TX SJ amplitude at which
/// the link (with its recovered clock) still counts a BER at or below the target.
///
/// At each frequency f the SJ peak amplitude A is searched: A doubles from start_ui until the
/// run fails (or reaches max_ui), then bisection narrows [pass, fail] to resolution_ui. A run
/// passes when bit_errors <= target_ber * bits compared. Each run is an ordinary run of the
/// link with tx.sj = A, tx.sj_frequency = f, and the same seed (common random numbers: the
/// pass/fail boundary moves smoothly with A). Results are pk-pk amplitudes (2 A), as JTOL masks
/// state them.
///
/// Mask (optional): the OIF CEI form scaled with the symbol rate fb (optics-dsp.md section 2;
/// the 802.3 "2e5/f UI, 0.05 UI above 4 MHz" form at 26.5625 GBd):
///   fb/664000 < f <= fb/6640:  5 fb / (664000 f) UI pk-pk;  fb/6640 < f: 0.05 UI pk-pk;
///   below fb/664000: not specified (NaN). Whether CEI-112G/224G keep this fb-scaled form is
///   not verified.
#include <cstdint>
#include <functional>
#include <vector>

#include "si/sim/link.hpp"

namespace si::sim {

struct JtolOptions {
    std::vector<double> frequencies_hz;  ///< SJ frequencies
    double target_ber = 1e-4;            ///< pass: counted BER <= target
    std::uint64_t symbols = 0;           ///< per run; 0 = max(2e5, 4 periods of the lowest f)
    double start_ui = 0.05;              ///< first amplitude tried [UI peak]
    double max_ui = 9.5;                 ///< largest amplitude tried [UI peak] (tx.sj < 10)
    double resolution_ui = 0.01;         ///< bisection stops at this width [UI peak]
};

struct JtolPoint {
    double frequency_hz = 0;
    double amplitude_ui_pp = 0;  ///< largest passing SJ, pk-pk [UI]
    double mask_ui_pp = 0;       ///< mask at f (NaN where not specified)
    bool pass = false;           ///< amplitude >= mask (true where the mask is not specified)
    bool capped = false;         ///< passed at max_ui: the tolerance is at least this
    int runs = 0;
};

/// OIF-CEI-form mask at f for symbol rate fb [UI pk-pk] (NaN below fb/664000).
[[nodiscard]] double jtol_mask_ui_pp(double f_hz, double fb_bd);

/// progress(done_runs, frequency index) from the calling thread.
using JtolProgress = std::function<void(int runs, std::size_t point)>;

/// Runs the search for every frequency. The spec must have a recovered clock (rx.cdr.model not
/// "ideal") and pass without SJ; otherwise ConfigError / ModelError.
[[nodiscard]] std::vector<JtolPoint> jitter_tolerance(const LinkSpec& spec, const JtolOptions& opt,
                                                      const JtolProgress& progress = {});

}  // namespace si::sim

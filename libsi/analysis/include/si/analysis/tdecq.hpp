#pragma once
/// \file tdecq.hpp
/// Transmitter and dispersion eye closure, quaternary (TDECQ), IEEE 802.3 clause 121.8.5
/// (reused by 122.8.5, 124.8.5, 138/139/140/151 and, with a longer bounded equalizer, 802.3dj),
/// computed on a captured or simulated PAM4 waveform (optical power [W], or any unit: every
/// amplitude result is in the unit of the input).
///
/// Method (each step with its source; figures marked (verify) are not from the standard text,
/// see docs/architectures.md "TDECQ"):
/// 1. Reference receiver: 4th-order Bessel-Thomson response
///      H(s) = 105 / (s^4 + 10 s^3 + 45 s^2 + 105 s + 105),  s = j (f / f3dB) w3,
///    w3 = 2.113917675 (its -3 dB point), f3dB = symbol rate / 2 by default (13.28125 GHz at
///    26.5625 GBd in 802.3bs/cd; baud/2 at 53.125 and 113.4375 GBd is (verify), optics-dsp.md 3.3).
///    Applied in the frequency domain together with band-limited resampling to
///    `samples_per_ui` samples per UI; `edge_ui` UI are dropped at each end.
/// 2. Symbol timing and pattern: the sampling phase with the widest 4-level separation gives
///    decisions; they are aligned with one of the candidate patterns (one period of level
///    indices, e.g. SSPRQ or PRBS13Q) by a 16-symbol look-up and accepted when >= 60 % of the
///    decisions agree (a wrong pattern or offset agrees on ~25 %; a closed eye before the
///    equaliser, e.g. a 0.3 x baud transmitter pole behind the reference receiver, still agrees
///    on ~90 %, so 60 % separates the two with a wide margin). Without candidates the
///    decisions themselves label the symbols.
/// 3. Levels: P_ave = mean of the record; P3 and P0 = mean power over the central 2 UI of runs of
///    >= 4 equal outer symbols (the OMA_outer method of 121.8.4 uses such runs of SSPRQ; the run
///    length 4 is our choice), or the level means at the eye centre when the pattern has fewer
///    than 4 such runs. OMA_outer = P3 - P0, ER = 10 log10(P3/P0) (inf if P0 <= 0),
///    RLM from the level means at the eye centre (802.3 120D.3.1.2).
/// 4. Reference equalizer: T-spaced FFE with taps summing to 1, main tap at `ffe_main`:
///    y[n] = sum_j c_j x[n + (main - j) M] (c_0 is the earliest-looking pre-cursor tap).
///    "5tap" (802.3bs/cd/cu): 5 taps, unbounded. "dj": `ffe_taps` taps with the 802.3dj bounds
///    of optics-dsp.md 3.2 (main 0.8..2.5; +-1: -0.4..0.05; +-2: -0.1..0.2; others +-0.1;
///    |c(+1) - c(-1)| <= 0.25 c(0)), from 2N2223/TDECQ-Calculator-Py ffe_bounds.py citing
///    welch_3dj_01_2405 and draft comments (verify). "none": c = [1].
///    The taps minimise TDECQ (compass search from the identity and from the least-squares
///    equaliser; the objective is piecewise smooth, so this is a local optimum close to the
///    best, docs/architectures.md).
///    For records above 16384 symbols the search histograms every s-th symbol
///    (s = ceil(N / 16384)); the reported values use every symbol.
/// 5. Timing reference: the mean crossing time of P_ave on 0<->3 and 1<->2 transitions of the
///    equalised signal; the eye centre is 0.5 UI after it, the two windows are centred at 0.45
///    and 0.55 UI and are 0.04 UI wide (all samples inside count).
/// 6. In each window the histogram of the equalised samples is convolved with Gaussian noise of
///    std s; SER(s) = (1/N) sum_samples sum_t Q(|y - P_th,t| / s), thresholds P_ave and
///    P_ave +- OMA/3; s_w solves SER = 4.8e-4. The noise added before the equaliser is
///    sigma_G = min(s_left, s_right) / Ceq, Ceq = sqrt(sum c_j^2) (noise enhancement of the
///    equaliser; the sum-of-squares form is (verify)), and
///      TDECQ = 10 log10( OMA_outer / (6 Q_t sqrt(sigma_G^2 + sigma_S^2)) ),  Q_t = 3.414,
///    sigma_S the oscilloscope noise (0 for simulated waveforms). An ideal eye gives
///    sigma_G = OMA/(6 Q_t) (1.5 Q(3.414) = 4.8e-4), i.e. TDECQ = 0 dB.
#include <array>
#include <complex>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace si::analysis {

struct TdecqConfig {
    double symbol_rate_bd = 53.125e9;   ///< symbol rate [Bd]
    std::string equalizer = "5tap";     ///< "5tap" (100G/lane), "dj" (200G/lane, bounded), "none"
    int ffe_taps = 0;                   ///< 0 = 5 for "5tap", 15 for "dj" (verify)
    int ffe_main = -1;                  ///< main-tap index; -1 = 2 for "5tap", 3 for "dj"
    double ref_bandwidth_hz = 0.0;      ///< Bessel-Thomson f3dB [Hz]; 0 = symbol rate/2; < 0 = none
    double target_ser = 4.8e-4;         ///< SER at which sigma_G is found
    double q_t = 3.414;                 ///< Q_t of the TDECQ formula
    double window_width_ui = 0.04;      ///< width of each histogram window [UI]
    double window_left_ui = 0.45;       ///< centre of the left window after the crossing [UI]
    double window_right_ui = 0.55;      ///< centre of the right window [UI]
    double scope_noise_rms = 0.0;       ///< sigma_S of the instrument (input unit)
    int samples_per_ui = 64;            ///< internal resampling (>= 32)
    int edge_ui = 16;                   ///< UI dropped at each end after filtering
    std::size_t min_ui = 1000;          ///< fewest UI accepted after dropping the edges
    double min_pattern_agreement = 0.6; ///< decisions that must match a candidate pattern
};

/// Throws ConfigError naming tdecq.<field>.
void validate(const TdecqConfig& c);

/// One candidate test pattern: one period of PAM4 level indices 0..3 (lowest level = 0).
struct TdecqPattern {
    std::string name;
    std::vector<std::uint8_t> levels;
};

struct TdecqResult {
    double tdecq_db = 0;             ///< TDECQ [dB] (inf for a closed eye)
    double ceq = 1;                  ///< Ceq = sqrt(sum c^2)
    double ceq_db = 0;               ///< 10 log10(Ceq) [dB]
    double sigma_g = 0;              ///< largest added noise at the equaliser input (input unit)
    double sigma_left = 0, sigma_right = 0;  ///< per-window noise at the equaliser output
    double oma_outer = 0;            ///< P3 - P0 (input unit)
    double p_ave = 0;                ///< mean of the record (input unit)
    double p0 = 0, p3 = 0;           ///< outer levels used for OMA_outer
    double extinction_ratio_db = 0;  ///< 10 log10(P3 / P0)
    double rlm = 0;                  ///< ratio of level mismatch
    std::array<double, 4> levels{};  ///< level means at the eye centre (equalised)
    std::vector<double> taps;        ///< reference-equaliser taps (sum 1)
    int ffe_main = 0;                ///< index of the main tap
    std::string pattern;             ///< detected pattern name ("decisions" without candidates)
    std::size_t pattern_offset = 0;  ///< pattern index of the first analysed symbol
    double pattern_agreement = 1;    ///< fraction of decisions equal to the pattern
    std::size_t symbols = 0;         ///< symbols analysed
    double eye_centre_offset_ui = 0; ///< eye centre relative to the decision phase [UI]
    double samples_per_ui_input = 0; ///< input sampling density [samples/UI]
    // Equalised eye, 2 UI centred on the eye centre.
    std::vector<double> eye_time_ui;         ///< [2M] bin times, 0 = eye centre
    std::vector<double> eye_level;           ///< [eye_levels] bin centres (input unit)
    std::vector<std::uint64_t> eye_histogram;///< [eye_levels][2M] counts, row-major
};

/// TDECQ of a uniformly sampled waveform `x` (spacing dt_s). `patterns`: candidate patterns
/// (empty = label symbols by their decisions). Throws si::ModelError with the reason when the
/// waveform cannot be analysed: too few UI, sampled below 2 samples per UI, no modulation,
/// no candidate pattern matching the decisions.
[[nodiscard]] TdecqResult tdecq(std::span<const double> x, double dt_s, const TdecqConfig& cfg,
                                std::span<const TdecqPattern> patterns = {});

/// The 4th-order Bessel-Thomson reference response at f_hz for -3 dB bandwidth f3db_hz.
[[nodiscard]] std::complex<double> bessel_thomson4(double f_hz, double f3db_hz) noexcept;

}  // namespace si::analysis

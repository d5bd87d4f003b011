#pragma once
/// \file eye.hpp
/// Eye diagram accumulation and eye metrics.
///
/// The eye spans 2 UI centred on the sampling instant: time bin b (0 .. 2M-1, M samples per UI)
/// is at t = (b - M)/M UI, so bin M is the sampling instant. Every waveform sample falls into two
/// such windows (after the instant of symbol k and before that of symbol k+1), as on a
/// sampling scope triggered on every symbol; each window is tagged with the level index of its
/// centre symbol, which gives per-level (conditional) histograms. The total histogram is their
/// sum. Counts are integers and the level-mean sums exact 128-bit fixed-point integers, so
/// merging partial results in any order is bit-identical.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace si::analysis {

__extension__ using int128 = __int128;  ///< exact accumulator (GCC/Clang extension)

struct EyeMetrics {
    double target_ber = 1e-6;
    std::vector<double> levels_v;        ///< mean of each level at the sampling instant [V]
    std::vector<double> level_sigma_v;   ///< std of each level at the sampling instant [V]
    std::vector<double> thresholds_v;    ///< slicer thresholds used for the metrics [V]
    std::vector<double> eye_height_v;    ///< per sub-eye (lowest first) at target_ber [V]; < 0
                                         ///< closed; NaN where the data cannot reach target_ber
    std::vector<double> eye_width_ui;    ///< per sub-eye at target_ber [UI]; 0 closed, NaN as above
    std::vector<double> height_vs_time_v;///< [n_sub * 2M] sub-eye height at each time bin [V]
    double rlm = 0.0;                    ///< ratio of level mismatch (PAM4, 802.3 120D.3.1.2)
    double vec_db = 0.0;                 ///< vertical eye closure 20 log10(AV_upp / EH_min) (PAM4)
    /// Histogram method: every column has at least kMinTailCount samples beyond the target
    /// quantile, so the heights are read from the data (never extrapolated). False: the
    /// heights/widths at target_ber are NaN and the metrics at ber_reached say what the run shows.
    bool target_reached = true;
    /// Deepest BER the histogram supports (kMinTailCount / smallest column count); equals
    /// target_ber when that is reachable.
    double ber_reached = 0.0;
    std::vector<double> eye_height_at_reached_v;  ///< per sub-eye at ber_reached [V]
    std::vector<double> eye_width_at_reached_ui;  ///< per sub-eye at ber_reached [UI]
    /// How eye_height_v / eye_width_ui / height_vs_time_v were obtained: "histogram" (quantiles
    /// of the simulated eye) or "statistical" (pulse-response model, exact tails).
    std::string method = "histogram";
};

/// Samples a histogram column must hold beyond a quantile for the quantile to be read from it
/// (the tail of a column is never extrapolated: an ISI-limited eye has a bounded, non-Gaussian
/// tail, and a Gaussian fit there claimed tens of mV the data do not show; issue 5).
inline constexpr double kMinTailCount = 10.0;

class EyeAccumulator {
public:
    /// levels: N; samples_per_ui: M; voltage axis [v_min, v_max) in voltage_bins bins.
    EyeAccumulator(int levels, int samples_per_ui, int voltage_bins, double v_min, double v_max);

    /// One UI of waveform starting at the sampling instant of symbol k: w[0..M-1] (w[0] is the
    /// decision sample). level_k / level_next: level indices of symbols k and k+1.
    void add_ui(const float* w, int level_k, int level_next) noexcept;

    /// Adds another accumulator's counts (same geometry).
    void merge(const EyeAccumulator& o);

    [[nodiscard]] int levels() const noexcept { return n_; }
    [[nodiscard]] int time_bins() const noexcept { return 2 * m_; }
    [[nodiscard]] int voltage_bins() const noexcept { return nv_; }
    [[nodiscard]] std::vector<double> time_axis_ui() const;    ///< bin times [UI]
    [[nodiscard]] std::vector<double> voltage_axis_v() const;  ///< bin centres [V]
    /// Total histogram [voltage_bins][time_bins] (row-major, voltage rows from v_min up).
    [[nodiscard]] std::vector<std::uint64_t> histogram() const;
    /// Histogram of level `lvl` [voltage_bins][time_bins].
    [[nodiscard]] std::span<const std::uint64_t> level_histogram(int lvl) const;
    /// Samples that fell outside [v_min, v_max) and were counted in the edge bins.
    [[nodiscard]] std::uint64_t clipped() const noexcept { return clipped_; }
    [[nodiscard]] std::uint64_t windows() const noexcept { return windows_; }

    /// Metrics at the sampling instant and across time, read from the histogram: quantiles at
    /// target_ber where every column holds kMinTailCount samples beyond it, else NaN, plus the
    /// metrics at the deepest BER the data support (ber_reached).
    [[nodiscard]] EyeMetrics metrics(double target_ber) const;

private:
    int n_, m_, nv_;
    double v_min_, v_max_, scale_;
    std::vector<std::uint64_t> hist_;  // [level][v][t]
    std::vector<int128> sum_, sum2_;   // per level, at the sampling instant, fixed point
    std::vector<std::uint64_t> count_;   // per level, at the sampling instant
    std::uint64_t clipped_ = 0, windows_ = 0;
};

}  // namespace si::analysis

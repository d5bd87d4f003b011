#pragma once
/// \file stat_eye.hpp
/// Statistical (pulse-response) eye and SER at a fixed sampling phase, from plain inputs: the
/// fused symbol pulse at M samples per UI and its main-cursor index, the PAM levels and slicer
/// thresholds, Gaussian noise, the TX jitter and the crosstalk aggressor pulses. si::sim builds
/// the input from a Link (si/sim/stateye.hpp); this file knows nothing of links.
///
/// The sample of a symbol of level a_i is a_i h0 + sum_{k!=0} a_k h_k + n, with h_k the
/// symbol-spaced pulse samples at the sampling phase, a_k independent and uniform over the
/// PAM-N levels, and n Gaussian (sampler noise, TX amplitude noise through the unit pulse, and
/// each crosstalk aggressor treated by its own exact ISI-like distribution). Cursors smaller than
/// 2e-3 of the pulse peak join the Gaussian part. The distribution of the sum is built by
/// successive convolution on a fine voltage grid (exact up to the grid step); the SER is the
/// probability of crossing the slicer thresholds, averaged over the levels.
/// TX jitter: SJ as an arcsine mixture of common timing shifts (16 points), DCD as alternate
/// wide/narrow symbols (rebuilt from the step response, TX FFE applied per symbol), RJ
/// linearised into Gaussian noise (COM-like; optimistic at the eye edge).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace si::analysis {

/// TX jitter as the statistical model takes it.
struct StatEyeJitter {
    double rj_rms_ui = 0;   ///< random jitter on each edge, rms [UI] (linearised, Gaussian)
    double sj_amp_ui = 0;   ///< sinusoidal jitter amplitude, peak [UI] (slow: common shift)
    double dcd_ui = 0;      ///< duty-cycle distortion, peak-to-peak: even edges early by dcd/2,
                            ///< odd edges late by dcd/2 [UI]
};

struct StatEyeInput {
    int samples_per_ui = 32;             ///< M: samples per UI of every pulse below
    double ui_s = 0;                     ///< unit interval [s] (sample step ui_s / M)
    /// Fused pulse of one symbol of amplitude 1 including TX FFE and swing/2 [V].
    std::vector<double> symbol_pulse;
    int cursor_index = 0;                ///< sample index of the main cursor in symbol_pulse
    std::vector<double> level_values;    ///< a_i of the N levels, increasing (e.g. -1, -1/3, 1/3, 1)
    std::vector<double> thresholds_v;    ///< the N-1 slicer thresholds [V], increasing
    bool precode = false;                ///< 1/(1+D) precoding: a symbol error costs two bit errors
    double sampler_noise_sigma_v = 0;    ///< Gaussian noise std added at the sampler [V]
    double tx_noise_sigma_v = 0;         ///< TX amplitude noise std per launched symbol [V]
    /// 1-UI rectangle of height 1 through the fused chain, no FFE [V/V]: carries the TX noise.
    std::vector<double> unit_pulse;
    /// Impulse taps of the fused chain at ui_s / M, same frame as unit_pulse (its running sum is
    /// the step response): needed for DCD and RJ.
    std::vector<double> impulse;
    std::vector<double> tx_ffe_taps{1.0};  ///< TX FFE taps, one per UI (for DCD and RJ)
    double tx_swing_v = 0;               ///< TX peak-to-peak swing [V] (for DCD and RJ)
    StatEyeJitter jitter;
    /// Crosstalk: per aggressor, the fused pulse of one symbol of amplitude 1 [V] in the
    /// victim's sample frame (only the phase modulo one UI matters).
    std::vector<std::vector<double>> aggressor_pulses;
};

/// The part of the model that does not depend on the Gaussian noise, kept across calls: per
/// sampling phase, the ISI + crosstalk distribution on its own voltage grid (what costs the
/// time). Calls that differ only in sampler_noise_sigma_v, tx_noise_sigma_v, jitter.rj_rms_ui,
/// cursor_index, thresholds_v, precode or the target BER share it (a noise sweep, the phase
/// search, the eye and the SER of one link); it refuses (std::logic_error) an input that
/// differs in anything else. Results are the same bits with or without a cache. Thread-safe.
/// Holds up to max_bytes of distributions (~16 kB per phase at G = 2048); beyond that it
/// computes without keeping.
class StatEyeIsiCache {
public:
    struct Part;
    explicit StatEyeIsiCache(std::size_t max_bytes = std::size_t{64} << 20);
    ~StatEyeIsiCache();
    StatEyeIsiCache(const StatEyeIsiCache&) = delete;
    StatEyeIsiCache& operator=(const StatEyeIsiCache&) = delete;
    /// Ties the cache to the input's ISI fields on first use; throws if they differ later.
    void bind(const StatEyeInput& in);
    /// The part at pulse index x, grid size G, DCD parity (-1: none), computed once.
    std::shared_ptr<const Part> get(double x, int G, int parity,
                                    const std::function<std::shared_ptr<const Part>()>& compute);
    [[nodiscard]] std::size_t size() const;  ///< parts held

private:
    std::size_t max_bytes_, bytes_ = 0;
    mutable std::mutex m_;
    bool bound_ = false;
    StatEyeInput ref_;  // the input it was bound to
    std::map<std::tuple<double, int, int>, std::shared_ptr<const Part>> parts_;
};

/// Whether every input field the ISI part reads is the same, bit for bit (not the noise, RJ,
/// cursor index, thresholds, precoding): such inputs can share one StatEyeIsiCache.
[[nodiscard]] bool same_isi_fields(const StatEyeInput& a, const StatEyeInput& b) noexcept;
/// A 64-bit hash of those fields, for lookups (equal fields, equal hash).
[[nodiscard]] std::uint64_t isi_hash(const StatEyeInput& in) noexcept;

/// Throws si::ConfigError naming the field on inconsistent input (sizes, ranges).
void validate(const StatEyeInput& in);

struct StatisticalSer {
    double ser = 0;                  ///< symbol error ratio
    double ber = 0;                  ///< bit error ratio: Gray adjacent errors, doubled by precoding
    std::vector<double> level_ser;   ///< per level
    double grid_step_v = 0;          ///< voltage resolution used
    double noise_sigma_v = 0;        ///< total Gaussian std at the slicer
    bool includes_jitter = false;    ///< TX jitter was modelled (see above)
};

/// SER at the main cursor (the sampling instant). Level i is correct between thresholds_v[i-1]
/// and thresholds_v[i], which holds for a positive main cursor (the eye below takes either sign).
/// Each tail is summed from its own terms (no 1 - CDF); the Gaussian kernel ends at +-9 sigma,
/// so probabilities below about 1e-19 read as 0.
[[nodiscard]] StatisticalSer statistical_ser(const StatEyeInput& in, StatEyeIsiCache* cache = nullptr);

/// Statistical eye at the target BER, from the same model: at each time offset d (2M bins over
/// 2 UI, 0 = sampling instant) the sample is a_k h_d + Y_d, with Y_d the ISI + crosstalk +
/// Gaussian noise distribution (independent of a_k). Sub-eye s is open by
/// h_d (a_{s+1} - a_s) - (y_hi - y_lo), y_lo/y_hi the lower/upper tail quantiles of Y_d at the
/// target BER. Exact for independent uniform symbols; TX jitter as in statistical_ser.
struct StatisticalEye {
    std::vector<double> eye_height_v;      ///< per sub-eye at the sampling instant
    std::vector<double> eye_width_ui;      ///< per sub-eye: open span around the instant
    std::vector<double> height_vs_time_v;  ///< [n_sub * 2M], NaN where the pulse has no sample
                                           ///< (or, curve = false, where not computed)
};
/// curve = false computes only what the heights, the widths and a phase search within half a UI
/// of the sampling instant read: the offsets d in [-M/2, M/2] and those a width reaches beyond
/// them (NaN elsewhere in height_vs_time_v). Every value computed is the same bits as with
/// curve = true (each offset is computed on its own).
[[nodiscard]] StatisticalEye statistical_eye(const StatEyeInput& in, double target_ber,
                                             StatEyeIsiCache* cache = nullptr, bool curve = true);

}  // namespace si::analysis

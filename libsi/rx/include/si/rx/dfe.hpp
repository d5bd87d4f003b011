#pragma once
/// \file dfe.hpp
/// Decision-feedback equalizer with its slicer (the detector), fixed and floating taps.
///
/// For input x_n (the FFE output or the ADC output) with main cursor h0 (same units as x):
///   z_n = x_n - h0 sum_j b_j a_hat_{n - d_j}          (detector input, "eq_out")
///   a_hat_n = the PAM-N level nearest z_n / h0        (slicer thresholds midway, at
///                                                      h0 (a_i + a_{i+1}) / 2)
/// with a_i = -1 + 2i/(N-1) the normalised levels, d_j the tap delays [UI] and b_j the taps
/// normalised to the main cursor (as COM states them: b(1) <= 0.85 means h1/h0 <= 0.85).
/// The feedback uses the detector's own decisions, so error propagation is real.
///
/// Tap positions: `taps` fixed taps at d = 1..taps, then `float_groups` groups of
/// `float_group_size` contiguous floating taps placed inside (taps, float_span_ui]
/// (IEEE 802.3ck Annex 93A COM "floating taps": N_g groups of N_f taps within N_max UI).
///
/// Solve (mode "solve"): b_d = f_d / f_0 from the equalized symbol-spaced pulse f (the DFE
/// cancels exactly the post-cursors it spans: ideal, zero-forcing feedback), clamped to the
/// per-tap limits; floating groups are placed greedily, each at the window of
/// `float_group_size` positions (not overlapping the fixed taps or earlier groups) with the
/// largest sum |f_d|; floating taps are clamped to +-float_tap_max.
///
/// LMS (mode "lms"): e_n = z_n - h0 a_hat_n,  b_j += mu (e_n / h0) a_hat_{n - d_j}  (mu
/// dimensionless), limits enforced after each update; starts from `coefficients` or zero.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace si::rx {

struct DfeConfig {
    int levels = 4;                   ///< PAM-N (2..8)
    int taps = 0;                     ///< fixed taps at delays 1..taps
    std::string mode = "fixed";       ///< "fixed", "solve", "lms"
    std::vector<double> coefficients; ///< fixed taps b_1..b_taps, then floating taps (normalised)
    double mu = 1e-3;                 ///< LMS step (dimensionless)
    int float_groups = 0;             ///< floating tap groups N_g
    int float_group_size = 0;         ///< taps per group N_f
    int float_span_ui = 0;            ///< groups lie within delays taps+1 .. float_span_ui
    std::vector<int> float_positions; ///< fixed/lms: delays of the floating taps [UI]
    std::vector<double> tap_min;      ///< per fixed tap, b_d >= tap_min[d-1]; empty = none
    std::vector<double> tap_max;      ///< per fixed tap, b_d <= tap_max[d-1]; empty = none
    double float_tap_max = 0.0;       ///< |b| bound of floating taps; 0 = none
};

/// Throws si::ConfigError naming rx.dfe.<field>.
void validate(const DfeConfig& c);

/// A DFE tap set: main cursor, delays and normalised taps.
struct DfeTaps {
    double main_cursor = 1.0;         ///< h0 (units of the DFE input)
    std::vector<int> delays;          ///< d_j [UI], ascending
    std::vector<double> b;            ///< normalised taps
};

/// Taps from the config (modes "fixed", "lms"): delays 1..taps then float_positions.
[[nodiscard]] DfeTaps dfe_taps_from_config(const DfeConfig& cfg, double main_cursor);
/// Solved taps (see the file comment) from the equalized pulse f with main cursor at `cursor`.
[[nodiscard]] DfeTaps solve_dfe(const DfeConfig& cfg, std::span<const double> f, int cursor);

class Dfe {
public:
    Dfe(const DfeConfig& cfg, const DfeTaps& taps);

    /// For each x = in[i]: eq_out[i] = z, levels_out[i] = decided level index (0..N-1).
    /// Spans must be at least in.size(). Adapts the taps in "lms" mode unless adapt(false).
    void process(std::span<const double> in, std::span<std::uint8_t> levels_out,
                 std::span<double> eq_out) noexcept;
    /// Clears the decision history (taps kept).
    void reset() noexcept;
    void adapt(bool on) noexcept { adapting_ = on && lms_; }

    [[nodiscard]] const DfeTaps& taps() const noexcept { return taps_; }

private:
    DfeTaps taps_;
    int levels_;
    bool lms_, adapting_;
    double mu_;
    std::vector<double> lo_, hi_;   // per tap limits (normalised)
    std::vector<double> hist_;      // decided level values, ring of size mask_ + 1
    std::size_t mask_ = 0, pos_ = 0;
    std::vector<double> coef_;      // h0 b_j
    std::vector<double> level_;     // level value -1 + idx / half per level index
    int last_ = -1;                 // last decided level index (-1: none since reset)
};

}  // namespace si::rx

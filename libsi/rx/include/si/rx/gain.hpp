#pragma once
/// \file gain.hpp
/// Receiver gain stage (VGA) in front of the ADC: y = g x.
///
/// - "fixed": g = `gain` [V/V].
/// - "auto" (AGC, set once from the pulse response, not a tracking loop): the outer PAM levels
///   +-h0 (h0 = main cursor at the gain input [V]; PAM levels are a_i h0 with a_i in [-1, 1]) are
///   placed at +-outer_fraction * full_scale_v / 2, i.e.
///       g = outer_fraction * (full_scale_v / 2) / |h0|.
///   outer_fraction < 1 leaves headroom for residual ISI and noise above the outer level; the
///   default 0.6 leaves 4.4 dB (samples beyond full scale clip in the ADC, which counts them).
///   A real AGC loop converges to the same point when it regulates the mean outer-level amplitude.
#include <span>
#include <string>

namespace si::rx {

struct GainConfig {
    std::string mode = "fixed";   ///< "fixed" or "auto"
    double gain = 1.0;            ///< fixed gain [V/V], > 0
    double outer_fraction = 0.6;  ///< auto: outer levels at this fraction of half full scale, (0, 1]
};

/// Throws si::ConfigError naming rx.gain.<field>.
void validate(const GainConfig& c);

/// AGC gain g = outer_fraction * (full_scale_v / 2) / |main_cursor_v| [V/V].
[[nodiscard]] double auto_gain(double main_cursor_v, double full_scale_v, double outer_fraction);

/// Memoryless gain kernel.
class Gain {
public:
    /// main_cursor_v and full_scale_v are read in "auto" mode only (both must then be > 0;
    /// throws si::ConfigError otherwise).
    explicit Gain(const GainConfig& cfg, double main_cursor_v = 0.0, double full_scale_v = 0.0);
    /// out[i] = g in[i]; in and out may alias; out.size() >= in.size().
    void process(std::span<const double> in, std::span<double> out) const noexcept;
    void reset() noexcept {}
    [[nodiscard]] double gain() const noexcept { return g_; }

private:
    double g_ = 1.0;
};

}  // namespace si::rx

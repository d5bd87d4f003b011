#pragma once
/// \file photodiode.hpp
/// PIN photodiode with its noise, optical power [W] in, photocurrent [A] out:
///
///   i = P{ R P_opt + I_d + n_shot + n_th },
///   shot:    one-sided PSD 2 q (R P_opt + I_d)   [A^2/Hz]  (Schottky; signal dependent),
///   thermal: one-sided PSD 4 k T / R_L           [A^2/Hz]  (Johnson-Nyquist, load resistor),
///
/// drawn white over the simulated bandwidth B = 1/(2 dt), so the per-sample variances are
/// 2 q I B and 4 k T B / R_L; the pole model P (the photodiode bandwidth) then filters signal
/// and noise alike, leaving 2 q I ENBW and 4 k T ENBW / R_L at its output
/// (Agrawal, Fiber-Optic Communication Systems, 4th ed., sec. 4.4.1). When a TIA follows, its
/// input-referred noise density usually already contains the load's thermal noise: set
/// thermal_noise = false (or load_ohm = 0) there to avoid counting it twice.
///
/// Typical values (optics-dsp.md 3.4): Ge-on-Si 67 GHz, 1.05 A/W at 1550 nm, 6.4 nA dark current;
/// at 1310 nm 0.8-0.9 A/W (verify). Noise indices: sample number since construction/reset,
/// Stream::optics_pd_shot and Stream::optics_pd_thermal.
#include <complex>
#include <cstdint>
#include <span>

#include "si/optics/pole_filter.hpp"

namespace si::optics {

struct PhotodiodeConfig {
    double responsivity_a_w = 0.85;  ///< responsivity R [A/W]
    double bandwidth_hz = 0.0;       ///< -3 dB bandwidth [Hz]; 0 = none
    int bandwidth_poles = 1;         ///< poles of the bandwidth model
    double dark_current_a = 10e-9;   ///< dark current I_d [A]
    bool shot_noise = true;          ///< add shot noise 2 q I B
    bool thermal_noise = false;      ///< add thermal noise 4 k T B / R_L of the load
    double load_ohm = 50.0;          ///< load resistance R_L [ohm] for the thermal noise
    double temperature_k = 300.0;    ///< temperature T [K]
    std::uint64_t seed = 1;          ///< noise seed
};

/// Throws ConfigError naming optics.pd.<field>.
void validate(const PhotodiodeConfig& c);

class Photodiode {
public:
    Photodiode(const PhotodiodeConfig& c, double dt_s);
    /// Optical power [W] -> current [A] (including the dark current). Streams; may alias.
    void process(std::span<const double> in_w, std::span<double> out_a) noexcept;
    /// Clears the filter state; the noise index restarts at `first_sample` (the absolute sample
    /// number of the next input, so a segment of a long run draws the same noise as the whole run).
    void reset(std::uint64_t first_sample = 0) noexcept;
    /// Small-signal response R P(f) [A/W] (noise excluded).
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept;
    /// Per-sample thermal-noise sigma [A] before the bandwidth filter: sqrt(4 k T B / R_L).
    [[nodiscard]] double thermal_sigma_a() const noexcept { return th_sigma_; }
    [[nodiscard]] const PoleFilter& bandwidth() const noexcept { return poles_; }
    [[nodiscard]] const PhotodiodeConfig& config() const noexcept { return cfg_; }

private:
    PhotodiodeConfig cfg_;
    double shot_scale_;  ///< 2 q B
    double th_sigma_;
    PoleFilter poles_;
    std::uint64_t n_ = 0;
};

}  // namespace si::optics

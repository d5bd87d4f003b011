#pragma once
/// \file fibre.hpp
/// Single-mode fibre for intensity-modulated, directly detected (IM/DD) links, acting on the
/// optical power waveform [W]:
///
/// - Loss: P_out = P_in 10^(-(alpha L + connector_loss + attenuator)/10); alpha in dB/km. The
///   attenuator is the variable optical attenuator of received-power sweeps.
/// - Chromatic dispersion at the carrier wavelength lambda, O-band Sellmeier-type model
///   (ITU-T G.652, eq. for D in its clause on chromatic dispersion coefficient):
///       D(lambda) = (S0/4) (lambda - lambda0^4 / lambda^3)   [s/m^2, i.e. 1e6 ps/(nm km)]
///   with zero-dispersion wavelength lambda0 and slope S0 (0.092 ps/(nm^2 km) = 92 s/m^3).
///   `dispersion_s_m2` overrides the model when set (e.g. C-band 17 ps/(nm km) = 17e-6 s/m^2).
/// - Power fading after square-law detection: the small-signal IM response of a dispersive
///   fibre with a transmitter chirp factor alpha is
///       H(f) = cos(theta) - alpha sin(theta),   theta = pi lambda^2 D L f^2 / c
///   (Wang & Petermann, JLT 10(1) 96-100, 1992, eq. 10; = sqrt(1+alpha^2) cos(theta + atan alpha)).
///   For alpha = 0 the first null is at theta = pi/2, f1 = sqrt(c / (2 D lambda^2 L)).
///   It is a small-signal model: the large-signal IM/IM distortion is neglected (fine for
///   O-band DR/FR reaches, where theta is < 1e-3 rad at 100 GHz over 500 m).
///
/// response(f) = gain * H(f) is real (zero phase). process() realises it as a symmetric FIR of
/// 2K+1 taps from the sampled response, so the output lags the input by delay_samples() = K
/// samples (K covers the dispersive spread lambda^2 |D| L f_nyq / c); the time of flight
/// (latency_s(), group index 1.468, 4.9 ns/m) is a reported latency, not applied to samples.
/// L = 0 or D = 0 gives exactly the one tap `gain` (a pass-through for 0 dB).
#include <complex>
#include <limits>
#include <span>
#include <vector>

namespace si::optics {

struct FibreConfig {
    double length_m = 500.0;                 ///< fibre length [m], >= 0
    double attenuation_db_per_km = 0.5;      ///< attenuation [dB/km] (G.652 O-band <= 0.4..0.5)
    double connector_loss_db = 0.0;          ///< connector and splice loss, total [dB]
    double attenuator_db = 0.0;              ///< variable optical attenuator [dB]
    double wavelength_m = 1310e-9;           ///< carrier wavelength [m] (from the laser)
    double lambda0_m = 1312e-9;              ///< zero-dispersion wavelength [m]
    double s0_s_m3 = 92.0;                   ///< dispersion slope at lambda0 [s/m^3]
    double dispersion_s_m2 = std::numeric_limits<double>::quiet_NaN();  ///< override D [s/m^2]
    double chirp_alpha = 0.0;                ///< transmitter chirp factor (from the modulator)
    double group_index = 1.4682;             ///< group index for the time of flight
};

/// Throws ConfigError naming optics.fibre.<field> (negative length or losses, wavelengths
/// outside 0.4..2 um, ...).
void validate(const FibreConfig& c);

/// D(lambda) [s/m^2] of the config (the override or the lambda0/S0 model).
[[nodiscard]] double dispersion_s_m2(const FibreConfig& c) noexcept;

class Fibre {
public:
    Fibre(const FibreConfig& c, double dt_s);
    /// Optical power in [W] -> out [W], delayed by delay_samples(). Streams. in/out must not alias.
    void process(std::span<const double> in_w, std::span<double> out_w) noexcept;
    void reset() noexcept;
    /// gain * (cos theta - alpha sin theta) (see file comment), without the FIR delay.
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept;
    /// Power gain 10^(-total loss/10).
    [[nodiscard]] double gain() const noexcept { return gain_; }
    [[nodiscard]] double loss_db() const noexcept { return loss_db_; }
    [[nodiscard]] std::size_t delay_samples() const noexcept { return k_; }
    /// Time of flight L n_g / c [s].
    [[nodiscard]] double latency_s() const noexcept;
    [[nodiscard]] const std::vector<double>& taps() const noexcept { return taps_; }
    [[nodiscard]] const FibreConfig& config() const noexcept { return cfg_; }

private:
    FibreConfig cfg_;
    double loss_db_, gain_, d_s_m2_, theta_per_f2_;
    std::size_t k_ = 0;
    std::vector<double> taps_;
    static constexpr std::size_t kChunk = 1024;  ///< samples filtered per pass over buf_
    std::vector<double> rev_;   ///< taps reversed (forward dot product)
    std::vector<double> buf_;   ///< [last 2K inputs, oldest first | chunk]
};

}  // namespace si::optics

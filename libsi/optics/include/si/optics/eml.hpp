#pragma once
/// \file eml.hpp
/// Electro-absorption modulated laser (EML): a CW laser (laser.hpp) followed by an
/// electro-absorption modulator. The drive voltage v [V] passes the modulator's electrical
/// bandwidth (pole model, pole_filter.hpp) and then the static transfer curve
///
///   u = clamp((v - v_off) / (v_on - v_off), 0, 1),
///   T(v) = 10^(-IL/10) * ER^(-(1 - u)^k),   ER = 10^(extinction_ratio_db/10),
///
/// i.e. the absorption in dB grows as (1 - u)^k from 0 at v_on to the extinction ratio at
/// v_off. k = 1 is a transmission exponential in voltage; k = 2 (default) is flat near the
/// on-state and steepens towards the off-state, the shape of the quantum-confined Stark effect
/// absorption edge (Fukano et al., JLT 24(5) 2006 show EAM curves of this form; the exponent is a
/// stated model choice, see docs/architectures.md). Its nonlinearity compresses the upper PAM4 levels
/// (RLM < 1 for an equally spaced drive). The output power is P = T(v) * P_laser (1 + RIN).
///
/// Chirp: an EAM has a transient chirp (Henry) factor alpha: the field phase follows
/// (alpha/2) ln P. The power waveform does not change, but after a dispersive fibre it does;
/// chirp_alpha is carried to the fibre (fibre.hpp) which applies the IM/DD response with chirp.
///
/// Values (optics-dsp.md 3.1/3.4): IEEE ER >= 3.5 dB, typical PAM4 outer ER 4-6 dB (verify);
/// 200G/lane EML bandwidth ~60 GHz (verify).
#include <complex>
#include <cstdint>
#include <span>
#include <vector>

#include "si/optics/laser.hpp"
#include "si/optics/pole_filter.hpp"

namespace si::optics {

struct EmlConfig {
    double extinction_ratio_db = 5.0; ///< T(v_on)/T(v_off) [dB], >= 0
    double v_on_v = 0.5;              ///< drive of full transmission [V]
    double v_off_v = -0.5;            ///< drive of full extinction [V]
    double curve_exponent = 2.0;      ///< k of the absorption curve (1..4)
    double insertion_loss_db = 0.0;   ///< on-state loss [dB], >= 0
    double bandwidth_hz = 0.0;        ///< -3 dB electrical bandwidth [Hz]; 0 = none
    int bandwidth_poles = 1;          ///< poles of the bandwidth model
    double chirp_alpha = 0.0;         ///< transient chirp factor (passed to the fibre)
};

/// Throws ConfigError naming optics.eml.<field>; extinction ratio below 0 dB is rejected.
void validate(const EmlConfig& c);

class Eml {
public:
    /// laser: the integrated DFB laser (its power_w is the CW power before absorption).
    Eml(const EmlConfig& c, const LaserConfig& laser, double dt_s);
    /// Drive voltage in [V] -> optical power out [W]. Streams; may alias.
    void process(std::span<const double> in_v, std::span<double> out_w) noexcept;
    /// Clears the filter state; the noise index restarts at `first_sample` (the absolute sample
    /// number of the next input, so a segment of a long run draws the same noise as the whole run).
    void reset(std::uint64_t first_sample = 0) noexcept;
    /// Static transfer T(v) (dimensionless, see file comment).
    [[nodiscard]] double transmission(double v) const noexcept;
    /// Small-signal electrical response of the modulator bandwidth (the static curve's slope is
    /// level dependent and not included).
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept { return poles_.response(f_hz); }
    [[nodiscard]] const EmlConfig& config() const noexcept { return cfg_; }

private:
    EmlConfig cfg_;
    double il_, ln_er_;
    PoleFilter poles_;
    Laser laser_;
};

}  // namespace si::optics

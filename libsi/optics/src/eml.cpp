#include "si/optics/eml.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/optics/block_math.hpp"

namespace si::optics {

void validate(const EmlConfig& c) {
    require(std::isfinite(c.extinction_ratio_db) && c.extinction_ratio_db >= 0 &&
                c.extinction_ratio_db <= 40,
            "optics.eml.extinction_ratio_db", "must be in [0, 40] dB", c.extinction_ratio_db);
    require(std::isfinite(c.v_on_v) && std::isfinite(c.v_off_v) && c.v_on_v != c.v_off_v,
            "optics.eml.v_off_v", "must be finite and differ from v_on_v", c.v_off_v);
    require(std::isfinite(c.curve_exponent) && c.curve_exponent >= 1 && c.curve_exponent <= 4,
            "optics.eml.curve_exponent", "must be in [1, 4]", c.curve_exponent);
    require(std::isfinite(c.insertion_loss_db) && c.insertion_loss_db >= 0,
            "optics.eml.insertion_loss_db", "must be >= 0 dB", c.insertion_loss_db);
    require(std::isfinite(c.chirp_alpha) && std::abs(c.chirp_alpha) <= 10, "optics.eml.chirp_alpha",
            "must be in [-10, 10]", c.chirp_alpha);
}

Eml::Eml(const EmlConfig& c, const LaserConfig& laser, double dt)
    : cfg_((validate(c), c)),
      il_(db10_to_lin(-c.insertion_loss_db)),
      ln_er_(std::log(10.0) * c.extinction_ratio_db / 10.0),
      poles_(c.bandwidth_hz, c.bandwidth_poles, dt, "optics.eml.bandwidth_hz"),
      laser_(laser, dt) {}

double Eml::transmission(double v) const noexcept {
    const double u = std::clamp((v - cfg_.v_off_v) / (cfg_.v_on_v - cfg_.v_off_v), 0.0, 1.0);
    const double w = 1.0 - u, k = cfg_.curve_exponent;
    // Integer exponents by multiplication (std::pow costs ~20 ns per sample).
    const double p = k == 2.0 ? w * w : k == 1.0 ? w : k == 3.0 ? w * w * w : std::pow(w, k);
    return il_ * std::exp(-ln_er_ * p);
}

void Eml::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    // the filter per sample; the curve over the block (exp_block, within ~1e-15 of std::exp)
    const double v0 = cfg_.v_off_v, inv_span = 1.0 / (cfg_.v_on_v - cfg_.v_off_v), k = cfg_.curve_exponent;
    poles_.process(in, out);
    if (k == 1.0 || k == 2.0 || k == 3.0) {
        // the curve and, without RIN, the laser's power in one pass
        const bool rin = laser_.rin_sigma() > 0;
        absorption_block(out.data(), out.data(), out.size(), v0, inv_span, static_cast<int>(k), ln_er_,
                         il_, rin ? 1.0 : laser_.config().power_w);
        if (rin) laser_.process(out, out);  // (without RIN the laser draws nothing: no index)
        return;
    }
    for (double& v : out) v = 1.0 - std::clamp((v - v0) * inv_span, 0.0, 1.0);
    for (double& w : out) w = -ln_er_ * std::pow(w, k);
    exp_block(out.data(), out.data(), out.size(), il_);
    laser_.process(out, out);
}

void Eml::reset(std::uint64_t first_sample) noexcept {
    poles_.reset();
    laser_.reset(first_sample);
}

}  // namespace si::optics

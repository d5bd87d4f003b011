#include "si/optics/mzm.hpp"

#include <cmath>

#include "si/core/error.hpp"
#include "si/core/units.hpp"

namespace si::optics {

void validate(const MzmConfig& c) {
    require(std::isfinite(c.v_pi_v) && c.v_pi_v > 0, "optics.mzm.v_pi_v", "must be > 0 V", c.v_pi_v);
    require(std::isfinite(c.bias_v), "optics.mzm.bias_v", "must be finite", c.bias_v);
    require(std::isfinite(c.extinction_ratio_db) && c.extinction_ratio_db >= 0 &&
                c.extinction_ratio_db <= 80,
            "optics.mzm.extinction_ratio_db", "must be in [0, 80] dB", c.extinction_ratio_db);
    require(std::isfinite(c.insertion_loss_db) && c.insertion_loss_db >= 0,
            "optics.mzm.insertion_loss_db", "must be >= 0 dB", c.insertion_loss_db);
}

Mzm::Mzm(const MzmConfig& c, const LaserConfig& laser, double dt)
    : cfg_((validate(c), c)),
      il_(db10_to_lin(-c.insertion_loss_db)),
      floor_(db10_to_lin(-c.extinction_ratio_db)),
      poles_(c.bandwidth_hz, c.bandwidth_poles, dt, "optics.mzm.bandwidth_hz"),
      laser_(laser, dt) {}

double Mzm::transmission(double v) const noexcept {
    const double c = std::cos(0.5 * kPi * (v + cfg_.bias_v) / cfg_.v_pi_v);
    return il_ * (floor_ + (1 - floor_) * c * c);
}

void Mzm::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    poles_.process(in, out);
    for (double& v : out) v = transmission(v);
    laser_.process(out, out);
}

void Mzm::reset(std::uint64_t first_sample) noexcept {
    poles_.reset();
    laser_.reset(first_sample);
}

}  // namespace si::optics

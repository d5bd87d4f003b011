#include "si/optics/laser.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"
#include "si/optics/constants.hpp"

namespace si::optics {

void validate(const LaserConfig& c) {
    require(std::isfinite(c.power_w) && c.power_w >= 0, "optics.laser.power_w",
            "must be a finite power >= 0 W", c.power_w);
    require(!std::isnan(c.rin_db_hz) && c.rin_db_hz <= 0, "optics.laser.rin_db_hz",
            "must be <= 0 dB/Hz (RIN is noise power per Hz relative to the mean power squared)",
            c.rin_db_hz);
    require(std::isfinite(c.wavelength_m) && c.wavelength_m >= 0.4e-6 && c.wavelength_m <= 2e-6,
            "optics.laser.wavelength_m", "must be in [0.4e-6, 2e-6] m", c.wavelength_m);
}

Laser::Laser(const LaserConfig& c, double dt)
    : cfg_(c),
      sigma_((validate(c), std::sqrt(db10_to_lin(c.rin_db_hz) * simulated_bandwidth_hz(dt)))) {}

void Laser::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    const double p0 = cfg_.power_w;
    if (sigma_ == 0) {
        for (std::size_t i = 0; i < in.size(); ++i) out[i] = p0 * in[i];
    } else {
        constexpr std::size_t kB = 512;  // one 512-sample piece of the chain (stage_optics) per noise draw
        double g[kB];
        for (std::size_t c = 0; c < in.size(); c += kB) {
            const std::size_t m = std::min(kB, in.size() - c);
            fill_gaussian(cfg_.seed, Stream::optics_laser_rin, n_ + c, g, m);
            for (std::size_t i = 0; i < m; ++i) out[c + i] = p0 * in[c + i] * (1 + sigma_ * g[i]);
        }
    }
    n_ += in.size();
}

void Laser::emit(std::span<double> out) noexcept {
    std::fill(out.begin(), out.end(), 1.0);
    process(out, out);
}

}  // namespace si::optics

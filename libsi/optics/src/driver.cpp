#include "si/optics/driver.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"
#include "si/optics/block_math.hpp"
#include "si/optics/constants.hpp"

namespace si::optics {

void validate(const DriverConfig& c) {
    require(std::isfinite(c.gain_db) && c.gain_db >= -40 && c.gain_db <= 60, "optics.driver.gain_db",
            "must be in [-40, 60] dB", c.gain_db);
    require(std::isfinite(c.bandwidth_hz) && c.bandwidth_hz >= 0, "optics.driver.bandwidth_hz",
            "must be >= 0 Hz (0 = no band limit)", c.bandwidth_hz);
    require(std::isfinite(c.input_noise_v_rthz) && c.input_noise_v_rthz >= 0,
            "optics.driver.input_noise_v_rthz", "must be >= 0 V/sqrt(Hz)", c.input_noise_v_rthz);
    validate(c.compression, "optics.driver");
}

LinearDriver::LinearDriver(const DriverConfig& c, double dt)
    : cfg_(c),
      gain_((validate(c), db20_to_lin(c.gain_db))),
      noise_sigma_v_(c.input_noise_v_rthz * std::sqrt(simulated_bandwidth_hz(dt))),
      poles_(c.bandwidth_hz, c.bandwidth_poles, dt, "optics.driver.bandwidth_hz"),
      comp_(c.compression, "optics.driver") {}

void LinearDriver::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    // block by block: noise drawn for the block, filter, gain, compression over the block
    constexpr std::size_t kB = 512;  // one 512-sample piece of the chain (stage_optics) per noise draw
    double g[kB];
    for (std::size_t c = 0; c < in.size(); c += kB) {
        const std::size_t m = std::min(kB, in.size() - c);
        double* y = out.data() + c;
        const double* x = in.data() + c;
        if (noise_sigma_v_ > 0) {
            fill_gaussian(cfg_.seed, Stream::optics_driver_noise, n_ + c, g, m);
            add_noise_block(x, g, y, m, 0.0, noise_sigma_v_);
            poles_.process(std::span<const double>(y, m), std::span(y, m));
        } else {
            poles_.process(std::span(x, m), std::span(y, m));
        }
        comp_.process(y, m, gain_);  // the gain in the compressor's pass
    }
    n_ += in.size();
}

void LinearDriver::reset(std::uint64_t first_sample) noexcept {
    poles_.reset();
    n_ = first_sample;
}

std::complex<double> LinearDriver::response(double f) const noexcept { return gain_ * poles_.response(f); }

bool LinearDriver::linear() const noexcept { return comp_.linear() && noise_sigma_v_ == 0; }

}  // namespace si::optics

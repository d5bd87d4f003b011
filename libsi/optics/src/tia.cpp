#include "si/optics/tia.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/optics/block_math.hpp"
#include "si/optics/constants.hpp"

namespace si::optics {

void validate(const TiaConfig& c) {
    const std::string p = "optics.tia.";
    require(std::isfinite(c.transimpedance_ohm) && c.transimpedance_ohm > 0 &&
                c.transimpedance_ohm <= 1e6,
            p + "transimpedance_ohm", "must be in (0, 1e6] ohm", c.transimpedance_ohm);
    require(std::isfinite(c.bandwidth_hz) && c.bandwidth_hz >= 0, p + "bandwidth_hz",
            "must be >= 0 Hz (0 = no band limit)", c.bandwidth_hz);
    require(std::isfinite(c.input_noise_a_rthz) && c.input_noise_a_rthz >= 0,
            p + "input_noise_a_rthz", "must be >= 0 A/sqrt(Hz)", c.input_noise_a_rthz);
    require(std::isfinite(c.input_offset_a), p + "input_offset_a", "must be finite",
            c.input_offset_a);
    validate(c.compression, "optics.tia");
}

Tia::Tia(const TiaConfig& c, double dt)
    : cfg_((validate(c), c)),
      sigma_a_(c.input_noise_a_rthz * std::sqrt(simulated_bandwidth_hz(dt))),
      poles_(c.bandwidth_hz, c.bandwidth_poles, dt, "optics.tia.bandwidth_hz"),
      peak_(c.peaking_db, c.peaking_zero_hz, dt, "optics.tia"),
      comp_(c.compression, "optics.tia") {}

void Tia::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    const double z = cfg_.transimpedance_ohm, off = cfg_.input_offset_a;
    constexpr std::size_t kB = 512;  // one 512-sample piece of the chain (stage_optics) per noise draw
    double g[kB];
    for (std::size_t c = 0; c < in.size(); c += kB) {
        const std::size_t m = std::min(kB, in.size() - c);
        double* y = out.data() + c;
        const double* x = in.data() + c;
        if (sigma_a_ > 0) {
            fill_gaussian(cfg_.seed, Stream::optics_tia_noise, n_ + c, g, m);
            add_noise_block(x, g, y, m, off, sigma_a_);
        } else {
            for (std::size_t i = 0; i < m; ++i) y[i] = x[i] - off;
        }
        poles_.process(std::span<const double>(y, m), std::span(y, m));
        if (peak_.enabled())
            for (std::size_t i = 0; i < m; ++i) y[i] = peak_.step(y[i]);
        comp_.process(y, m, z);  // the transimpedance in the compressor's pass
    }
    n_ += in.size();
}

void Tia::reset(std::uint64_t first_sample) noexcept {
    poles_.reset();
    peak_.reset();
    n_ = first_sample;
}

std::complex<double> Tia::response(double f) const noexcept {
    return cfg_.transimpedance_ohm * poles_.response(f) * peak_.response(f);
}

}  // namespace si::optics

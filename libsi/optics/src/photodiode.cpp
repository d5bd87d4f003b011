#include "si/optics/photodiode.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/optics/constants.hpp"

namespace si::optics {

void validate(const PhotodiodeConfig& c) {
    const std::string p = "optics.pd.";
    require(std::isfinite(c.responsivity_a_w) && c.responsivity_a_w > 0 && c.responsivity_a_w <= 2,
            p + "responsivity_a_w", "must be in (0, 2] A/W", c.responsivity_a_w);
    require(std::isfinite(c.dark_current_a) && c.dark_current_a >= 0, p + "dark_current_a",
            "must be >= 0 A", c.dark_current_a);
    require(std::isfinite(c.load_ohm) && c.load_ohm >= 0, p + "load_ohm", "must be >= 0 ohm",
            c.load_ohm);
    require(!c.thermal_noise || c.load_ohm > 0, p + "load_ohm",
            "must be > 0 ohm when thermal_noise is on", c.load_ohm);
    require(std::isfinite(c.temperature_k) && c.temperature_k > 0 && c.temperature_k < 1000,
            p + "temperature_k", "must be in (0, 1000) K", c.temperature_k);
}

Photodiode::Photodiode(const PhotodiodeConfig& c, double dt)
    : cfg_((validate(c), c)),
      shot_scale_(c.shot_noise ? 2 * kElementaryCharge_c * simulated_bandwidth_hz(dt) : 0.0),
      th_sigma_(c.thermal_noise ? std::sqrt(4 * kBoltzmann_j_k * c.temperature_k *
                                            simulated_bandwidth_hz(dt) / c.load_ohm)
                                : 0.0),
      poles_(c.bandwidth_hz, c.bandwidth_poles, dt, "optics.pd.bandwidth_hz") {}

void Photodiode::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    const double r = cfg_.responsivity_a_w, id = cfg_.dark_current_a;
    constexpr std::size_t kB = 512;  // one 512-sample piece of the chain (stage_optics) per noise draw
    double gs[kB], gt[kB], x[kB];
    for (std::size_t c = 0; c < in.size(); c += kB) {
        const std::size_t m = std::min(kB, in.size() - c);
        for (std::size_t i = 0; i < m; ++i) x[i] = r * in[c + i] + id;
        if (shot_scale_ > 0) {
            fill_gaussian(cfg_.seed, Stream::optics_pd_shot, n_ + c, gs, m);
            for (std::size_t i = 0; i < m; ++i) x[i] += std::sqrt(shot_scale_ * std::abs(x[i])) * gs[i];
        }
        if (th_sigma_ > 0) {
            fill_gaussian(cfg_.seed, Stream::optics_pd_thermal, n_ + c, gt, m);
            for (std::size_t i = 0; i < m; ++i) x[i] += th_sigma_ * gt[i];
        }
        poles_.process(std::span<const double>(x, m), out.subspan(c, m));
    }
    n_ += in.size();
}

void Photodiode::reset(std::uint64_t first_sample) noexcept {
    poles_.reset();
    n_ = first_sample;
}

std::complex<double> Photodiode::response(double f) const noexcept {
    return cfg_.responsivity_a_w * poles_.response(f);
}

}  // namespace si::optics

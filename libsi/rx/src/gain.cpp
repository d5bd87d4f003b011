#include "si/rx/gain.hpp"

#include <cmath>

#include "si/core/error.hpp"

namespace si::rx {

void validate(const GainConfig& c) {
    require(c.mode == "fixed" || c.mode == "auto", "rx.gain.mode", "must be \"fixed\" or \"auto\"",
            c.mode);
    require(std::isfinite(c.gain) && c.gain > 0, "rx.gain.value", "must be > 0 V/V", c.gain);
    require(std::isfinite(c.outer_fraction) && c.outer_fraction > 0 && c.outer_fraction <= 1,
            "rx.gain.outer_fraction", "must be in (0, 1]", c.outer_fraction);
}

double auto_gain(double h0, double fs, double frac) {
    require(std::isfinite(h0) && h0 != 0, "rx.gain", "auto gain needs a nonzero main cursor [V]",
            h0);
    require(std::isfinite(fs) && fs > 0, "rx.adc.full_scale", "must be > 0 for auto gain", fs);
    return frac * (fs / 2) / std::abs(h0);
}

Gain::Gain(const GainConfig& cfg, double h0, double fs) {
    validate(cfg);
    g_ = cfg.mode == "auto" ? auto_gain(h0, fs, cfg.outer_fraction) : cfg.gain;
}

void Gain::process(std::span<const double> in, std::span<double> out) const noexcept {
    SI_ASSERT(out.size() >= in.size());
    const double g = g_;
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = g * in[i];
}

}  // namespace si::rx

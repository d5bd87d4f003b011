#include "si/rx/adc.hpp"

#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"

namespace si::rx {

void validate(const AdcConfig& c) {
    require(c.bits >= 0 && c.bits <= 16, "rx.adc.bits", "must be in 0..16 (0 = no ADC)", c.bits);
    require(std::isfinite(c.full_scale_v) && c.full_scale_v > 0, "rx.adc.full_scale",
            "must be > 0 V (peak-to-peak)", c.full_scale_v);
    require(std::isfinite(c.enob) && (c.enob == 0 || (c.enob >= 1 && c.enob <= c.bits)),
            "rx.adc.enob", "must be 0 (ideal) or in [1, rx.adc.bits]", c.enob);
}

Adc::Adc(const AdcConfig& cfg) : cfg_(cfg) {
    validate(cfg);
    if (cfg.bits > 0) {
        const double levels = std::ldexp(1.0, cfg.bits);
        lsb_ = cfg.full_scale_v / levels;
        half_ = cfg.full_scale_v / 2;
        kmax_ = levels - 1;
        if (cfg.enob > 0 && cfg.enob < cfg.bits)
            sigma_ = lsb_ / std::sqrt(12.0) *
                     std::sqrt(std::exp2(2.0 * (cfg.bits - cfg.enob)) - 1.0);
    }
}

void Adc::reset() noexcept {
    clipped_ = 0;
    index_ = 0;
}

void Adc::process(std::span<const double> in, std::span<double> out) noexcept {
    process(in, out, index_);
}

void Adc::process(std::span<const double> in, std::span<double> out,
                  std::uint64_t first) noexcept {
    SI_ASSERT(out.size() >= in.size());
    const std::size_t n = in.size();
    index_ = first + n;
    if (cfg_.bits == 0) {
        for (std::size_t i = 0; i < n; ++i) out[i] = in[i];
        return;
    }
    const double inv = 1.0 / lsb_, half = half_, lsb = lsb_, kmax = kmax_;
    std::uint64_t clipped = 0;
    for (std::size_t i = 0; i < n; ++i) {
        double u = in[i];
        if (sigma_ > 0) u += sigma_ * ziggurat_gaussian(cfg_.seed, Stream::adc_noise, first + i);
        double k = std::floor((u + half) * inv);
        if (k < 0) {
            k = 0;
            ++clipped;
        } else if (k > kmax) {
            k = kmax;
            ++clipped;
        }
        out[i] = -half + (k + 0.5) * lsb;
    }
    clipped_ += clipped;
}

}  // namespace si::rx

#include "stage_sampler.hpp"

namespace si::sim::detail {

Sampler::Sampler(const Link& link, FrontEnd& fe)
    : fe_(fe), m_(static_cast<std::uint64_t>(link.spec().sim.samples_per_ui)),
      cm_(static_cast<std::uint64_t>(link.cursor_index() % link.spec().sim.samples_per_ui)) {}

void Sampler::process(std::uint64_t u0, std::span<double> out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = fe_.noisy((u0 + i) * m_ + cm_);
}

void Sampler::window(std::uint64_t u, float* w) {
    const std::uint64_t g = u * m_ + cm_;
    for (std::uint64_t r = 0; r < m_; ++r) w[r] = fe_.noisy(g + r);
}

}  // namespace si::sim::detail

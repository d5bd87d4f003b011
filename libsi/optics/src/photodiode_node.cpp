#include "si/optics/photodiode_node.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/optics/constants.hpp"

namespace si::optics {

PhotodiodeNode::PhotodiodeNode(const PhotodiodeConfig& c, double rin_sigma, double dt, double input_gain)
    : cfg_((validate(c), c)),
      rr2_(c.responsivity_a_w * rin_sigma * c.responsivity_a_w * rin_sigma),
      shot_scale_(c.shot_noise ? 2 * kElementaryCharge_c * simulated_bandwidth_hz(dt) : 0.0),
      th_var_(c.thermal_noise
                  ? 4 * kBoltzmann_j_k * c.temperature_k * simulated_bandwidth_hz(dt) / c.load_ohm
                  : 0.0),
      g_in_(input_gain),
      pd_(c, dt),
      poles_(c.bandwidth_hz, c.bandwidth_poles, dt, "optics.pd.bandwidth_hz") {
    require(std::isfinite(rin_sigma) && rin_sigma >= 0, "optics.laser.rin_db_hz",
            "gives a per-sample RIN sigma that must be finite and >= 0", rin_sigma);
    SI_ASSERT(std::isfinite(input_gain) && input_gain >= 0);
}

double PhotodiodeNode::variance_a2(double p) const noexcept {
    const double i0 = cfg_.responsivity_a_w * p + cfg_.dark_current_a;
    return rr2_ * (p * p) + shot_scale_ * std::abs(i0) + th_var_;
}

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
// The noisy photocurrent at the node (vectorises: compiled with -fno-math-errno; the v3/v4 clones
// contract the products into multiply-adds, as the other optics kernels do).
void node_current(const double* __restrict p, const double* __restrict g, double* __restrict x,
                  std::size_t m, double gi, double r, double id, double rr2, double ss,
                  double tv) noexcept {
    for (std::size_t i = 0; i < m; ++i) {
        const double pw = gi * p[i], i0 = r * pw + id;
        x[i] = i0 + std::sqrt(rr2 * (pw * pw) + ss * std::abs(i0) + tv) * g[i];
    }
}

}  // namespace

void PhotodiodeNode::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    const double r = cfg_.responsivity_a_w, id = cfg_.dark_current_a;
    const double rr2 = rr2_, ss = shot_scale_, tv = th_var_, gi = g_in_;
    constexpr std::size_t kB = 512;  // one 512-sample piece of the chain (stage_optics) per noise draw
    double g[kB], x[kB];
    for (std::size_t c = 0; c < in.size(); c += kB) {
        const std::size_t m = std::min(kB, in.size() - c);
        const double* p = in.data() + c;
        fill_gaussian(cfg_.seed, Stream::optics_pd_shot, n_ + c, g, m);
        node_current(p, g, x, m, gi, r, id, rr2, ss, tv);
        poles_.process(std::span<const double>(x, m), out.subspan(c, m));
    }
    n_ += in.size();
}

void PhotodiodeNode::reset(std::uint64_t first_sample) noexcept {
    poles_.reset();
    n_ = first_sample;
}

}  // namespace si::optics

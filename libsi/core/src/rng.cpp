#include "si/core/rng.hpp"

namespace si {

void fill_gaussian(std::uint64_t seed, Stream s, std::uint64_t first, double sigma, float* out,
                   std::size_t n) noexcept {
    std::size_t i = 0;
    std::uint64_t idx = first;
    if (idx & 1) {  // align to a Box-Muller pair
        out[i++] = static_cast<float>(sigma * random_gaussian(seed, s, idx++));
    }
    for (; i + 1 < n; i += 2, idx += 2) {
        const double u1 = random_uniform(seed, s, idx);
        const double u2 = random_uniform(seed, s, idx + 1);
        const double r = sigma * std::sqrt(-2.0 * std::log(u1));
        const double ang = 2.0 * std::numbers::pi * u2;
        out[i] = static_cast<float>(r * std::cos(ang));
        out[i + 1] = static_cast<float>(r * std::sin(ang));
    }
    if (i < n) out[i] = static_cast<float>(sigma * random_gaussian(seed, s, idx));
}

}  // namespace si

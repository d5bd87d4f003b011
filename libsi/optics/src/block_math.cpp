#include "si/optics/block_math.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

#include "si/core/exp_kernel.hpp"

namespace si::optics {

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SI_BLOCK_MATH_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SI_BLOCK_MATH_CLONES
#endif

using si::detail::exp_reduce;  // 2^k and expm1(r) for t = k ln2 + r (si/core/exp_kernel.hpp)

}  // namespace

SI_BLOCK_MATH_CLONES
void tanh_block(const double* x, double* y, std::size_t n, double limit, double inv_limit,
                double pre) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        const double v = x[i] * pre;
        double a = std::abs(v * inv_limit);
        a = a < 20.0 ? a : 20.0;  // tanh(20) = 1 in double
        // tanh a = -e / (2 + e), e = expm1(-2a) in (-1, 0]: no cancellation for small a
        double p;
        const double two_k = exp_reduce(-2.0 * a, p);
        const double e = two_k * p + (two_k - 1.0);
        const double th = limit * (-e / (2.0 + e));
        y[i] = std::copysign(th, v);
    }
}

SI_BLOCK_MATH_CLONES
void exp_block(const double* x, double* y, std::size_t n, double scale) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        double t = x[i];
        t = t > -700.0 ? t : -700.0;
        double p;
        const double two_k = exp_reduce(t, p);
        const double e = two_k * p + two_k;
        y[i] = t > -700.0 ? scale * e : 0.0;
    }
}

SI_BLOCK_MATH_CLONES
void add_noise_block(const double* x, const double* g, double* y, std::size_t n, double offset,
                     double sigma) noexcept {
    for (std::size_t i = 0; i < n; ++i) y[i] = (x[i] - offset) + sigma * g[i];
}

SI_BLOCK_MATH_CLONES
void absorption_block(const double* v, double* y, std::size_t n, double v0, double inv_span,
                      int k, double ln_er, double il, double p0) noexcept {
    // the statements of Eml::process's separate passes, in the same order, in one pass
    for (std::size_t i = 0; i < n; ++i) {
        double u = (v[i] - v0) * inv_span;
        u = u < 0.0 ? 0.0 : u;
        u = u > 1.0 ? 1.0 : u;
        const double w = 1.0 - u;
        double t = k == 2 ? -ln_er * (w * w) : k == 1 ? -ln_er * w : -ln_er * (w * w * w);
        t = t > -700.0 ? t : -700.0;
        double p;
        const double two_k = exp_reduce(t, p);
        const double e = two_k * p + two_k;
        y[i] = p0 * (t > -700.0 ? il * e : 0.0);
    }
}

}  // namespace si::optics

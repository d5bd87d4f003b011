#pragma once
/// \file block_math.hpp
/// Vectorised transcendental kernels over blocks for the optics stages (the compressors' tanh, the
/// EML's absorption exponential). Each is a range reduction to |r| <= ln2/2 and a degree-13 Taylor
/// polynomial of expm1(r) (truncation below 1e-17 relative), so the result is within a few ulp of
/// the correctly rounded value (tested against std::tanh / std::exp: relative error below 2e-15 over
/// the whole range; docs/performance.md "Optical links"). They are compiled for x86-64-v4, v3 and
/// the baseline (target_clones) and give the same values for any block split: every element is a
/// pure function of its input (on a given machine: the v3/v4 clones contract to FMA).
/// The scalar curves (Compressor::operator(), Eml::transmission) keep std::tanh / std::exp: they
/// set the models up and agree with these kernels to ~1e-15.
#include <cstddef>

namespace si::optics {

/// y[i] = limit * tanh(v * inv_limit), v = x[i] * pre (the stage gain before the compressor,
/// folded into the same pass: v is the product the separate pass gave). x and y may alias.
void tanh_block(const double* x, double* y, std::size_t n, double limit, double inv_limit,
                double pre = 1.0) noexcept;

/// y[i] = scale * exp(x[i]) for x[i] < 709 (x at or below -700 gives 0). x and y may alias.
void exp_block(const double* x, double* y, std::size_t n, double scale) noexcept;

/// y[i] = (x[i] - offset) + sigma g[i]: a stage's input noise (g: standard normal draws) added to
/// its input less an offset (the TIA's offset current; 0 for the driver). x and y may alias.
void add_noise_block(const double* x, const double* g, double* y, std::size_t n, double offset,
                     double sigma) noexcept;

/// The EML's transmission times the laser power in one pass (Eml::process, integer exponents
/// k = 1, 2, 3): y[i] = p0 (il exp(-ln_er w^k)), w = 1 - clamp((v[i] - v0) inv_span, 0, 1), the
/// exponential as exp_block (0 at or below -700). Same statements as the separate passes, so the
/// same values. v and y may alias.
void absorption_block(const double* v, double* y, std::size_t n, double v0, double inv_span, int k,
                      double ln_er, double il, double p0) noexcept;

}  // namespace si::optics

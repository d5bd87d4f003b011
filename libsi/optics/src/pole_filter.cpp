#include "si/optics/pole_filter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "si/core/error.hpp"
#include "si/core/units.hpp"

namespace si::optics {

FirstOrderSection bilinear_section(double n0, double n1, double d0, double d1, double w0,
                                   double dt) {
    // s -> K (1 - z^-1)/(1 + z^-1), K = w0 / tan(w0 dt / 2) maps j w0 onto e^{j w0 dt} exactly.
    const double k = w0 > 0 ? w0 / std::tan(0.5 * w0 * dt) : 2.0 / dt;
    const double a0 = d0 + d1 * k;
    FirstOrderSection s;
    s.b0 = (n0 + n1 * k) / a0;
    s.b1 = (n0 - n1 * k) / a0;
    s.a1 = (d0 - d1 * k) / a0;
    return s;
}

double pole_cascade_enbw_hz(double fp, int n) {
    return fp * std::sqrt(kPi) * std::tgamma(n - 0.5) / (2.0 * std::tgamma(static_cast<double>(n)));
}

PoleFilter::PoleFilter(double bw, int poles, double dt, const std::string& key)
    : enbw_hz_(std::numeric_limits<double>::infinity()) {
    require(std::isfinite(bw) && bw >= 0, key, "must be >= 0 Hz (0 = no band limit)", bw);
    require(poles >= 1 && poles <= 8, key + "_poles", "must be 1..8", poles);
    if (bw == 0) return;
    n_ = poles;
    fp_hz_ = bw / std::sqrt(std::pow(2.0, 1.0 / poles) - 1.0);
    require(fp_hz_ < 0.45 / dt, key,
            str("pole frequency ", fp_hz_, " Hz must be below 0.45/dt = ", 0.45 / dt,
                " Hz (raise samples_per_ui or lower the bandwidth)"),
            bw);
    const double w = 2 * kPi * fp_hz_;
    sec_ = bilinear_section(1, 0, 1, 1 / w, w, dt);
    pw_[0] = 1;
    for (std::size_t j = 1; j <= kLanes; ++j) pw_[j] = pw_[j - 1] * -sec_.a1;
    fir_ = {sec_.b0, sec_.b1 + pw_[1] * sec_.b0, pw_[1] * sec_.b1};
    st_.assign(static_cast<std::size_t>(poles), State{});
    // Realised noise bandwidth from the impulse response energy; the response decays as
    // exp(-w t) t^(n-1), so 60 n / (w dt) samples hold all but ~1e-20 of it.
    const auto len = static_cast<std::size_t>(60.0 * poles / (w * dt)) + 64;
    double e = 0;
    for (std::size_t i = 0; i < len; ++i) {
        const double h = step(i == 0 ? 1.0 : 0.0);
        e += h * h;
    }
    reset();
    enbw_hz_ = e / (2 * dt);
}

namespace {

constexpr std::size_t kChunk = 256;

// four doubles (GCC/Clang vector extension; two SSE2 halves in the baseline clone), moved by
// memcpy (no helper functions: a function taking or returning V4 has no AVX calling convention
// in the baseline)
using V4 = double __attribute__((vector_size(32)));
constexpr std::size_t kL = PoleFilter::kLanes;

// One pole over m <= kChunk samples (x and y may alias), y[n] = sum_{j<8} A^j c[n-j] + A^8 y[n-8]
// with c[n] = b0 x[n] + b1 x[n-1], evaluated by doubling: z1[n] = c[n] + A c[n-1] (a 3-tap FIR on
// x: f = {b0, b1 + A b0, A b1}), z2[n] = z1[n] + A^2 z1[n-2], y[n] = z2[n] + A^4 z2[n-4] + A^8 y[n-8]:
// 6 multiply-adds per sample instead of 11. The state carries x[n-2..n-1], z1[n-2..n-1],
// z2[n-4..n-1] and y[n-8..n-1].
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void pole_chunk(const double* x, double* y, std::size_t m, const double* f, const double* pw,
                double* xh, double* z1h, double* z2h, double* yh) noexcept {
    // every output goes through the same statements (the first samples of a chunk read the
    // history through the same expression), so the result is the same for any block split
    const double f0 = f[0], f1 = f[1], f2 = f[2], a2 = pw[2], a4 = pw[4], a8 = pw[8];
#if defined(__GNUC__) && !defined(__clang__)
    if (m % 4 == 0) {
        // whole 4-vectors (the engine's pieces): the three steps in registers, x[n-1], x[n-2] and
        // z1[n-2] by shuffles of the previous and current vectors, one load and one store per
        // four samples; the same expressions as the array form below, so the same values
        using I4 = long long __attribute__((vector_size(32)));
        const V4 f0v = {f0, f0, f0, f0}, f1v = {f1, f1, f1, f1}, f2v = {f2, f2, f2, f2};
        const V4 a2v = {a2, a2, a2, a2}, a4v = {a4, a4, a4, a4}, a8v = {a8, a8, a8, a8};
        V4 xp = {0, 0, xh[0], xh[1]};  // x[-2], x[-1] in lanes 2, 3
        V4 z1p = {0, 0, z1h[0], z1h[1]};
        V4 z2p, h0, h1;
        std::memcpy(&z2p, z2h, sizeof z2p);
        std::memcpy(&h0, yh, sizeof h0);
        std::memcpy(&h1, yh + 4, sizeof h1);
        for (std::size_t i = 0; i < m; i += 4) {
            V4 xc;
            std::memcpy(&xc, x + i, sizeof xc);  // (read before y, which may alias x, is written)
            const V4 xm1 = __builtin_shuffle(xp, xc, I4{3, 4, 5, 6});
            const V4 xm2 = __builtin_shuffle(xp, xc, I4{2, 3, 4, 5});
            const V4 z1c = f0v * xc + f1v * xm1 + f2v * xm2;
            const V4 z1m2 = __builtin_shuffle(z1p, z1c, I4{2, 3, 4, 5});
            const V4 z2c = z1c + a2v * z1m2;
            const V4 yc = z2c + a4v * z2p + a8v * h0;
            std::memcpy(y + i, &yc, sizeof yc);
            xp = xc;
            z1p = z1c;
            z2p = z2c;
            h0 = h1;
            h1 = yc;
        }
        xh[0] = xp[2];
        xh[1] = xp[3];
        z1h[0] = z1p[2];
        z1h[1] = z1p[3];
        std::memcpy(z2h, &z2p, sizeof z2p);
        std::memcpy(yh, &h0, sizeof h0);
        std::memcpy(yh + 4, &h1, sizeof h1);
        return;
    }
#endif
    double z1[2 + kChunk], z2[4 + kChunk];
    z1[0] = z1h[0];
    z1[1] = z1h[1];
    {
        const std::size_t m2 = std::min<std::size_t>(m, 2);
        double xe[4] = {xh[0], xh[1], 0, 0};  // x[-2], x[-1], x[0], x[1]
        for (std::size_t i = 0; i < m2; ++i) xe[2 + i] = x[i];
        for (std::size_t i = 0; i < m2; ++i) z1[2 + i] = f0 * xe[2 + i] + f1 * xe[1 + i] + f2 * xe[i];
        for (std::size_t i = 2; i < m; ++i) z1[2 + i] = f0 * x[i] + f1 * x[i - 1] + f2 * x[i - 2];
        // x history (before y, which may alias x, is written)
        const double n1 = m >= 1 ? x[m - 1] : xh[1];
        const double n2 = m >= 2 ? x[m - 2] : m == 1 ? xh[1] : xh[0];
        xh[0] = n2;
        xh[1] = n1;
    }
    for (std::size_t j = 0; j < 4; ++j) z2[j] = z2h[j];
    for (std::size_t i = 0; i < m; ++i) z2[4 + i] = z1[2 + i] + a2 * z1[i];
    // the recursion over eight samples at a time with y[n-8..n-1] held in two 4-vectors (a loop
    // through memory would wait on store forwarding each step); the tail element by element
    std::size_t i = 0;
    if (m >= kL) {
        const V4 a4v = {a4, a4, a4, a4}, a8v = {a8, a8, a8, a8};
        V4 h0, h1, c0, c1, c2;
        std::memcpy(&h0, yh, sizeof h0);
        std::memcpy(&h1, yh + 4, sizeof h1);
        for (; i + kL <= m; i += kL) {
            std::memcpy(&c0, z2 + i, sizeof c0);  // z2[n-4] of the first four
            std::memcpy(&c1, z2 + 4 + i, sizeof c1);
            std::memcpy(&c2, z2 + 8 + i, sizeof c2);
            const V4 n0 = c1 + a4v * c0 + a8v * h0;
            const V4 n1 = c2 + a4v * c1 + a8v * h1;
            std::memcpy(y + i, &n0, sizeof n0);
            std::memcpy(y + i + 4, &n1, sizeof n1);
            h0 = n0;
            h1 = n1;
        }
    }
    for (; i < m; ++i) y[i] = z2[4 + i] + a4 * z2[i] + a8 * (i >= kL ? y[i - kL] : yh[i]);
    z1h[0] = z1[m];
    z1h[1] = z1[m + 1];
    for (std::size_t j = 0; j < 4; ++j) z2h[j] = z2[m + j];
    // history: the last eight outputs (older ones from yh when m < 8)
    double hn[kL];
    for (std::size_t j = 0; j < kL; ++j) hn[j] = m + j >= kL ? y[m + j - kL] : yh[m + j];
    for (std::size_t j = 0; j < kL; ++j) yh[j] = hn[j];
}

}  // namespace

void PoleFilter::run(const double* x, double* y, std::size_t n) noexcept {
    if (st_.empty()) {
        if (x != y) std::copy(x, x + n, y);
        return;
    }
    for (std::size_t c = 0; c < n; c += kChunk) {
        const std::size_t m = std::min(kChunk, n - c);
        const double* src = x + c;
        for (auto& s : st_) {
            pole_chunk(src, y + c, m, fir_.data(), pw_.data(), s.xh.data(), s.z1h.data(), s.z2h.data(),
                       s.yh.data());
            src = y + c;
        }
    }
}

void PoleFilter::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    run(in.data(), out.data(), in.size());
}

void PoleFilter::reset() noexcept {
    for (auto& s : st_) s = State{};
}

std::complex<double> PoleFilter::response(double f) const noexcept {
    if (st_.empty()) return 1.0;
    return std::pow(std::complex<double>(1.0, f / fp_hz_), -n_);
}

double PoleFilter::analytic_noise_bandwidth_hz() const noexcept {
    if (st_.empty()) return std::numeric_limits<double>::infinity();
    return pole_cascade_enbw_hz(fp_hz_, n_);
}

PeakingFilter::PeakingFilter(double pk_db, double fz, double dt, const std::string& p) {
    require(std::isfinite(pk_db) && pk_db >= 0 && pk_db <= 30, p + ".peaking_db",
            "must be in [0, 30] dB", pk_db);
    if (pk_db == 0) return;
    require(std::isfinite(fz) && fz > 0, p + ".peaking_zero_hz", "must be > 0 Hz when peaking_db > 0",
            fz);
    fz_ = fz;
    fp_ = fz * db20_to_lin(pk_db);
    require(fp_ < 0.45 / dt, p + ".peaking_zero_hz",
            str("peaking pole fz*10^(peaking_db/20) = ", fp_, " Hz must be below 0.45/dt = ",
                0.45 / dt, " Hz"),
            fz);
    const double wz = 2 * kPi * fz_, wp = 2 * kPi * fp_;
    sec_ = bilinear_section(1, 1 / wz, 1, 1 / wp, std::sqrt(wz * wp), dt);
    on_ = true;
}

std::complex<double> PeakingFilter::response(double f) const noexcept {
    if (!on_) return 1.0;
    return std::complex<double>(1.0, f / fz_) / std::complex<double>(1.0, f / fp_);
}

}  // namespace si::optics

#include "si/optics/pole_filter.hpp"

#include <algorithm>
#include <cmath>
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
constexpr std::size_t kL = PoleFilter::kLanes;

// One pole over m <= kChunk samples (x and y may alias): c[n] = b0 x[n] + b1 x[n-1], then
// y[n] = sum_{j<8} A^j c[n-j] + A^8 y[n-8] (pw = A^0..A^8); the state carries x[n-1], c and y.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void pole_chunk(const double* x, double* y, std::size_t m, double b0, double b1, const double* pw,
                double& xp, double* ch, double* yh) noexcept {
    // every output goes through the same statements (one loop each, no peeled first element), so
    // the compiler's choice of multiply-adds is the same for any block split
    double xe[1 + kChunk], c[kL - 1 + kChunk];
    xe[0] = xp;
    for (std::size_t i = 0; i < m; ++i) xe[1 + i] = x[i];
    for (std::size_t j = 0; j + 1 < kL; ++j) c[j] = ch[j];
    for (std::size_t i = 0; i < m; ++i) c[kL - 1 + i] = b0 * xe[1 + i] + b1 * xe[i];
    xp = xe[m];
    const double p0 = pw[0], p1 = pw[1], p2 = pw[2], p3 = pw[3], p4 = pw[4], p5 = pw[5], p6 = pw[6],
                 p7 = pw[7], p8 = pw[8];
    // y[i] = d[i] + A^8 y[i-8], the first eight from the history yh (x is no longer read: y may
    // alias it); both loops evaluate the same expression
    const std::size_t m8 = std::min(m, kL);
    for (std::size_t i = 0; i < m8; ++i) {
        const double* cc = c + i;  // cc[7] = c[n], cc[0] = c[n-7]
        const double d = p0 * cc[7] + p1 * cc[6] + p2 * cc[5] + p3 * cc[4] + p4 * cc[3] +
                         p5 * cc[2] + p6 * cc[1] + p7 * cc[0];
        y[i] = d + p8 * yh[i];
    }
    for (std::size_t i = kL; i < m; ++i) {
        const double* cc = c + i;
        const double d = p0 * cc[7] + p1 * cc[6] + p2 * cc[5] + p3 * cc[4] + p4 * cc[3] +
                         p5 * cc[2] + p6 * cc[1] + p7 * cc[0];
        y[i] = d + p8 * y[i - kL];
    }
    for (std::size_t j = 0; j + 1 < kL; ++j) ch[j] = c[m + j];
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
            pole_chunk(src, y + c, m, sec_.b0, sec_.b1, pw_.data(), s.xp, s.ch.data(), s.yh.data());
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

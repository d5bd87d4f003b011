#include "si/rx/ctle.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>

#include "si/core/error.hpp"
#include "si/core/units.hpp"

namespace si::rx {

CtleConfig resolve(CtleConfig c, double fb) {
    if (c.fz_hz == 0) c.fz_hz = fb / 2.5;
    if (c.fp1_hz == 0) c.fp1_hz = fb / 2.5;
    if (c.fp2_hz == 0) c.fp2_hz = fb;
    if (c.flf_hz == 0) c.flf_hz = fb / 80.0;
    return c;
}

void validate(const CtleConfig& c) {
    require(c.model == "none" || c.model == "com", "rx.ctle.model", "must be \"none\" or \"com\"",
            c.model);
    require(std::isfinite(c.gdc_db) && c.gdc_db <= 0 && c.gdc_db >= -40, "rx.ctle.gdc",
            "must be in [-40, 0] dB", c.gdc_db);
    require(std::isfinite(c.gdc2_db) && c.gdc2_db <= 0 && c.gdc2_db >= -40, "rx.ctle.gdc2",
            "must be in [-40, 0] dB", c.gdc2_db);
    require(std::isfinite(c.fz_hz) && c.fz_hz > 0, "rx.ctle.fz", "must be > 0 Hz", c.fz_hz);
    require(std::isfinite(c.fp1_hz) && c.fp1_hz > 0, "rx.ctle.fp1", "must be > 0 Hz", c.fp1_hz);
    require(std::isfinite(c.fp2_hz) && c.fp2_hz > 0, "rx.ctle.fp2", "must be > 0 Hz", c.fp2_hz);
    require(std::isfinite(c.flf_hz) && c.flf_hz > 0, "rx.ctle.flf", "must be > 0 Hz", c.flf_hz);
}

namespace {
// db20_to_lin(db) of the last db asked for on this thread (slot 0: gDC, slot 1: gDC2): a link
// evaluates the CTLE at ~1e5 frequencies with the same gains. The same value as computed afresh.
double gain_lin(double db, int slot) noexcept {
    thread_local double last_db[2] = {0.0, 0.0}, last_lin[2] = {1.0, 1.0};  // db20_to_lin(0) = 1
    if (std::memcmp(&db, &last_db[slot], sizeof db) != 0) {
        last_db[slot] = db;
        last_lin[slot] = db20_to_lin(db);
    }
    return last_lin[slot];
}

/// a / b as (a conj(b)) / |b|^2: the frequency responses here keep |b|^2 far inside the double
/// range (|b| between 1 and ~1e7 for f up to a few THz), where this is accurate to a few ulp,
/// without libgcc's general division (__divdc3, with its scaling for extreme operands), which
/// took ~10 % of building a link. Outside that range: the general division.
std::complex<double> divide(std::complex<double> a, std::complex<double> b) noexcept {
    const double br = b.real(), bi = b.imag();
    const double d = br * br + bi * bi;
    if (!(d > 1e-200 && d < 1e200)) return a / b;
    const double s = 1.0 / d;
    return {(a.real() * br + a.imag() * bi) * s, (a.imag() * br - a.real() * bi) * s};
}
}  // namespace

std::complex<double> ctle_response(const CtleConfig& c, double f) noexcept {
    if (c.model != "com") return 1.0;
    using cd = std::complex<double>;
    const cd j(0, 1);
    const cd num = (gain_lin(c.gdc_db, 0) + j * f / c.fz_hz) * (gain_lin(c.gdc2_db, 1) + j * f / c.flf_hz);
    const cd den = (1.0 + j * f / c.fp1_hz) * (1.0 + j * f / c.fp2_hz) * (1.0 + j * f / c.flf_hz);
    return divide(num, den);
}

std::complex<double> butterworth4_response(double bw_hz, double f) noexcept {
    if (bw_hz <= 0) return 1.0;
    const double x = f / bw_hz;
    return divide(1.0, std::complex<double>(1.0 - 3.414214 * x * x + x * x * x * x,
                                            2.613126 * (x - x * x * x)));
}

namespace {

// The grid loops below also get an AVX2 clone (GCC on x86-64), picked at load time where the CPU
// has it: AVX2 without FMA, the same operations in the same order, so the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SI_CTLE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SI_CTLE_CLONES
#endif

constexpr std::size_t kChunk = 256;

// fr/fi[i] = H(f_i), f_i = (k0 + i) df, as num conj(den) / |den|^2, for the CTLE
// ((g1 + jz)(g2 + jl) / ((1 + ja)(1 + jb)(1 + jl)), c = {g1, g2, 1/fz, 1/flf, 1/fp1, 1/fp2}) or
// the AFE (1 / (1 - 3.414214 x^2 + x^4 + j 2.613126 (x - x^3)), c = {1/bw}). Returns the number
// of |den|^2 outside (1e-200, 1e200), where that form loses accuracy (the caller redoes the
// chunk with divide()). No branches: the loops vectorise.
SI_CTLE_CLONES long ctle_factors(const double* c, std::size_t k0, std::size_t m, double df,
                                 double* __restrict fr, double* __restrict fi) noexcept {
    long bad = 0;
    const double g12 = c[0] * c[1];
    for (std::size_t i = 0; i < m; ++i) {
        const double f = static_cast<double>(static_cast<int>(k0 + i)) * df;  // int: converts in vectors
        const double z = f * c[2], l = f * c[3], a = f * c[4], b = f * c[5];
        const double nr = g12 - z * l, ni = c[0] * l + c[1] * z;
        const double ab = 1.0 - a * b, s = a + b;
        const double dr = ab - l * s, di = s + l * ab;
        const double d = dr * dr + di * di;
        bad += static_cast<long>(!(d > 1e-200)) + static_cast<long>(!(d < 1e200));
        const double r = 1.0 / d;
        fr[i] = (nr * dr + ni * di) * r;
        fi[i] = (ni * dr - nr * di) * r;
    }
    return bad;
}

SI_CTLE_CLONES long afe_factors(const double* c, std::size_t k0, std::size_t m, double df,
                                double* __restrict fr, double* __restrict fi) noexcept {
    long bad = 0;
    for (std::size_t i = 0; i < m; ++i) {
        const double x = static_cast<double>(static_cast<int>(k0 + i)) * df * c[0], x2 = x * x;
        const double dr = 1.0 - 3.414214 * x2 + x2 * x2, di = 2.613126 * (x - x2 * x);
        const double d = dr * dr + di * di;
        bad += static_cast<long>(!(d > 1e-200)) + static_cast<long>(!(d < 1e200));
        const double r = 1.0 / d;
        fr[i] = (1.0 * dr + 0.0 * di) * r;
        fi[i] = (0.0 * dr - 1.0 * di) * r;
    }
    return bad;
}

SI_CTLE_CLONES void multiply(double* __restrict v, const double* __restrict fr, const double* __restrict fi,
                             std::size_t m) noexcept {
    for (std::size_t i = 0; i < m; ++i) {
        const double hr = v[2 * i], hi = v[2 * i + 1];
        v[2 * i] = hr * fr[i] - hi * fi[i];
        v[2 * i + 1] = hr * fi[i] + hi * fr[i];
    }
}

}  // namespace

void apply_ctle_afe(const CtleConfig& c, double afe_bw_hz, double df_hz,
                    std::span<std::complex<double>> h) noexcept {
    // In real arithmetic, in chunks (std::complex's operators check every product for NaN):
    // each factor as num conj(den) / |den|^2, as divide() takes it, with divide() itself where
    // |den|^2 leaves the range where that is accurate. The CTLE multiplies first, then the AFE.
    auto* v = reinterpret_cast<double*>(h.data());  // [re, im] pairs ([complex.numbers.general])
    const std::size_t n = h.size();
    // the vector loops convert frequency indices from int (AVX2 has no 64-bit conversion)
    const bool vectors = n <= static_cast<std::size_t>(std::numeric_limits<int>::max());
    const bool com = c.model == "com";
    const double cc[6] = {com ? db20_to_lin(c.gdc_db) : 1.0, com ? db20_to_lin(c.gdc2_db) : 1.0,
                          com ? 1.0 / c.fz_hz : 0.0,  com ? 1.0 / c.flf_hz : 0.0,
                          com ? 1.0 / c.fp1_hz : 0.0, com ? 1.0 / c.fp2_hz : 0.0};
    const double ca[1] = {afe_bw_hz > 0 ? 1.0 / afe_bw_hz : 0.0};
    double fr[kChunk], fi[kChunk];
    for (std::size_t k0 = 0; k0 < n; k0 += kChunk) {
        const std::size_t m = std::min(kChunk, n - k0);
        for (int stage = 0; stage < 2; ++stage) {
            const bool ctle = stage == 0;
            if (ctle ? !com : !(afe_bw_hz > 0)) continue;
            const long bad = !vectors ? 1
                             : ctle   ? ctle_factors(cc, k0, m, df_hz, fr, fi)
                                      : afe_factors(ca, k0, m, df_hz, fr, fi);
            if (bad != 0) {
                for (std::size_t i = 0; i < m; ++i) {  // the chunk again, one by one
                    const double f = static_cast<double>(k0 + i) * df_hz;
                    std::complex<double> num, den;
                    if (ctle) {
                        const double z = f * cc[2], l = f * cc[3], a = f * cc[4], b = f * cc[5];
                        num = {cc[0] * cc[1] - z * l, cc[0] * l + cc[1] * z};
                        const double ab = 1.0 - a * b, s = a + b;
                        den = {ab - l * s, s + l * ab};
                    } else {
                        const double x = static_cast<double>(k0 + i) * df_hz * ca[0], x2 = x * x;
                        num = 1.0;
                        den = {1.0 - 3.414214 * x2 + x2 * x2, 2.613126 * (x - x2 * x)};
                    }
                    const auto q = divide(num, den);
                    fr[i] = q.real(), fi[i] = q.imag();
                }
            }
            multiply(v + 2 * k0, fr, fi, m);
        }
    }
}

double white_noise_rms_gain(const CtleConfig& c, double afe_bw_hz, double bw_hz) {
    // The last few results, by the exact values of the inputs (a sweep redesigns its link for
    // every point with the same CTLE and AFE): the same bits as the integral computed again.
    struct Entry {
        CtleConfig c;
        double afe, bw, gain;
    };
    static std::mutex mu;
    static std::deque<Entry> memo;
    auto same = [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    auto match = [&](const Entry& e) {
        return e.c.model == c.model && same(e.c.gdc_db, c.gdc_db) && same(e.c.gdc2_db, c.gdc2_db) &&
               same(e.c.fz_hz, c.fz_hz) && same(e.c.fp1_hz, c.fp1_hz) && same(e.c.fp2_hz, c.fp2_hz) &&
               same(e.c.flf_hz, c.flf_hz) && same(e.afe, afe_bw_hz) && same(e.bw, bw_hz);
    };
    {
        std::lock_guard lk(mu);
        for (const auto& e : memo)
            if (match(e)) return e.gain;
    }
    // trapezoid rule over 8192 intervals of 0..bw
    const int nf = 8192;
    double acc = 0;
    for (int k = 0; k <= nf; ++k) {
        const double f = bw_hz * k / nf;
        const double g = std::norm(ctle_response(c, f) * butterworth4_response(afe_bw_hz, f));
        acc += (k == 0 || k == nf) ? 0.5 * g : g;
    }
    const double gain = std::sqrt(acc / nf);
    std::lock_guard lk(mu);
    memo.push_front(Entry{c, afe_bw_hz, bw_hz, gain});
    if (memo.size() > 4) memo.pop_back();
    return gain;
}

}  // namespace si::rx

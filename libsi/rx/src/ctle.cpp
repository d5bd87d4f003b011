#include "si/rx/ctle.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "si/core/error.hpp"
#include "si/core/memo.hpp"
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

/// The COM CTLE's constants (eq. 93A-22): the two gains and the reciprocal frequencies.
struct CtleConsts {
    double g1 = 1, g2 = 1, rz = 0, rlf = 0, rp1 = 0, rp2 = 0;
};
CtleConsts ctle_consts(const CtleConfig& c) noexcept {
    return {gain_lin(c.gdc_db, 0), gain_lin(c.gdc2_db, 1), 1.0 / c.fz_hz, 1.0 / c.flf_hz, 1.0 / c.fp1_hz,
            1.0 / c.fp2_hz};
}

/// The one formula of each response, used by the per-frequency functions and the grid loops alike
/// (so they give the same bits). CTLE: (g1 + jz)(g2 + jl) / ((1 + ja)(1 + jb)(1 + jl)), z = f/fz,
/// l = f/fLF, a = f/fp1, b = f/fp2.
[[gnu::always_inline]] inline void ctle_terms(const CtleConsts& k, double f, double& nr, double& ni, double& dr,
                                              double& di) noexcept {
    const double z = f * k.rz, l = f * k.rlf, a = f * k.rp1, b = f * k.rp2;
    nr = k.g1 * k.g2 - z * l, ni = k.g1 * l + k.g2 * z;
    const double ab = 1.0 - a * b, s = a + b;
    dr = ab - l * s, di = s + l * ab;
}
/// AFE (eq. 93A-20): 1 / (1 - 3.414214 x^2 + x^4 + j 2.613126 (x - x^3)), x = f / bw.
[[gnu::always_inline]] inline void afe_terms(double rbw, double f, double& dr, double& di) noexcept {
    const double x = f * rbw, x2 = x * x;
    dr = 1.0 - 3.414214 * x2 + x2 * x2, di = 2.613126 * (x - x2 * x);
}
/// (nr + j ni) / (dr + j di) as num conj(den) / |den|^2 into q; false where |den|^2 leaves
/// (1e-200, 1e200), the range where that form is accurate to a few ulp (there q is not valid).
/// No branch: the grid loops vectorise.
[[gnu::always_inline]] inline bool quotient(double nr, double ni, double dr, double di, double& qr,
                                            double& qi) noexcept {
    const double d = dr * dr + di * di;
    const double r = 1.0 / d;
    qr = (nr * dr + ni * di) * r;
    qi = (ni * dr - nr * di) * r;
    return static_cast<bool>(static_cast<int>(d > 1e-200) & static_cast<int>(d < 1e200));
}

/// a / b by quotient(), libgcc's general division (__divdc3, with its scaling for extreme operands:
/// ~10 % of building a link when used for every frequency) only outside its range.
std::complex<double> divide(double nr, double ni, double dr, double di) noexcept {
    double qr, qi;
    if (quotient(nr, ni, dr, di, qr, qi)) return {qr, qi};
    return std::complex<double>(nr, ni) / std::complex<double>(dr, di);
}
}  // namespace

std::complex<double> ctle_response(const CtleConfig& c, double f) noexcept {
    if (c.model != "com") return 1.0;
    double nr, ni, dr, di;
    ctle_terms(ctle_consts(c), f, nr, ni, dr, di);
    return divide(nr, ni, dr, di);
}

std::complex<double> butterworth4_response(double bw_hz, double f) noexcept {
    if (bw_hz <= 0) return 1.0;
    double dr, di;
    afe_terms(1.0 / bw_hz, f, dr, di);
    return divide(1.0, 0.0, dr, di);
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

// fr/fi[i] = H(f_i), f_i = (k0 + i) df, for the CTLE (ctle = true) or the AFE, by the formulas
// above; returns the number of frequencies outside quotient()'s range (the caller redoes the
// chunk with the per-frequency functions). The frequency index converts from int (AVX2 has no
// 64-bit conversion; the caller keeps k0 + m <= INT_MAX).
SI_CTLE_CLONES long ctle_factors(const CtleConsts& k, std::size_t k0, std::size_t m, double df,
                                 double* __restrict fr, double* __restrict fi) noexcept {
    long bad = 0;
    for (std::size_t i = 0; i < m; ++i) {
        const double f = static_cast<double>(static_cast<int>(k0 + i)) * df;
        double nr, ni, dr, di;
        ctle_terms(k, f, nr, ni, dr, di);
        bad += static_cast<long>(!quotient(nr, ni, dr, di, fr[i], fi[i]));
    }
    return bad;
}
SI_CTLE_CLONES long afe_factors(double rbw, std::size_t k0, std::size_t m, double df, double* __restrict fr,
                                double* __restrict fi) noexcept {
    long bad = 0;
    for (std::size_t i = 0; i < m; ++i) {
        const double f = static_cast<double>(static_cast<int>(k0 + i)) * df;
        double dr, di;
        afe_terms(rbw, f, dr, di);
        bad += static_cast<long>(!quotient(1.0, 0.0, dr, di, fr[i], fi[i]));
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
    // h[k] *= ctle_response(c, f_k), then *= butterworth4_response(afe, f_k): the same formulas
    // and operations, a chunk of factors at a time in vector loops.
    auto* v = reinterpret_cast<double*>(h.data());  // [re, im] pairs ([complex.numbers.general])
    const std::size_t n = h.size();
    const bool vectors = n <= static_cast<std::size_t>(std::numeric_limits<int>::max());
    const bool com = c.model == "com", afe = afe_bw_hz > 0;
    const CtleConsts k = com ? ctle_consts(c) : CtleConsts{};
    const double rbw = afe ? 1.0 / afe_bw_hz : 0.0;
    double fr[kChunk], fi[kChunk];
    for (std::size_t k0 = 0; k0 < n; k0 += kChunk) {
        const std::size_t m = std::min(kChunk, n - k0);
        for (const bool ctle : {true, false}) {
            if (!(ctle ? com : afe)) continue;
            const long bad = !vectors ? 1
                             : ctle   ? ctle_factors(k, k0, m, df_hz, fr, fi)
                                      : afe_factors(rbw, k0, m, df_hz, fr, fi);
            if (bad != 0)
                for (std::size_t i = 0; i < m; ++i) {  // the chunk again, frequency by frequency
                    const double f = static_cast<double>(k0 + i) * df_hz;
                    const auto q = ctle ? ctle_response(c, f) : butterworth4_response(afe_bw_hz, f);
                    fr[i] = q.real(), fi[i] = q.imag();
                }
            multiply(v + 2 * k0, fr, fi, m);
        }
    }
}

double white_noise_rms_gain(const CtleConfig& c, double afe_bw_hz, double bw_hz) {
    // The last few results, by the exact values of the inputs (a sweep redesigns its link for
    // every point with the same CTLE and AFE): the same bits as the integral computed again.
    struct Key {
        CtleConfig c;
        double afe, bw;
        bool operator==(const Key& o) const noexcept {
            return c.model == o.c.model && same_bits(c.gdc_db, o.c.gdc_db) && same_bits(c.gdc2_db, o.c.gdc2_db) &&
                   same_bits(c.fz_hz, o.c.fz_hz) && same_bits(c.fp1_hz, o.c.fp1_hz) &&
                   same_bits(c.fp2_hz, o.c.fp2_hz) && same_bits(c.flf_hz, o.c.flf_hz) &&
                   same_bits(afe, o.afe) && same_bits(bw, o.bw);
        }
    };
    static RecentResults<Key, double> kept(4);
    return *kept.get(Key{c, afe_bw_hz, bw_hz}, [&] {
        // trapezoid rule over 8192 intervals of 0..bw
        const int nf = 8192;
        double acc = 0;
        for (int k = 0; k <= nf; ++k) {
            const double f = bw_hz * k / nf;
            const double g = std::norm(ctle_response(c, f) * butterworth4_response(afe_bw_hz, f));
            acc += (k == 0 || k == nf) ? 0.5 * g : g;
        }
        return std::sqrt(acc / nf);
    });
}

}  // namespace si::rx

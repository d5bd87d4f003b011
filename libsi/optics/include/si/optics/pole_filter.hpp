#pragma once
/// \file pole_filter.hpp
/// The bandwidth model shared by the driver, modulators, photodiode and TIA: a cascade of n
/// identical real poles,
///
///   H(f) = 1 / (1 + j f / fp)^n,   fp = bw / sqrt(2^(1/n) - 1),
///
/// so that |H(bw)| = 1/sqrt(2) (-3 dB at the stated bandwidth bw). n = 1 is the RC pole of a
/// modulator or photodiode; n = 2..4 approximate the steeper roll-off of amplifiers. The
/// equivalent noise bandwidth of the analytic response is
///
///   ENBW = integral_0^inf |H(f)|^2 df = fp sqrt(pi) Gamma(n - 1/2) / (2 Gamma(n))
///
/// (pi/2 fp for n = 1, pi/4 fp for n = 2). Each pole is discretised by the bilinear transform
/// prewarped at fp, so the discrete filter matches |H| exactly at fp and within 0.03 dB up to
/// bw for bw <= 0.035 / dt (tested); it streams (state across calls).
///
/// Noise: white noise drawn per sample exists only up to the simulated bandwidth 1/(2 dt), and
/// the bilinear map squeezes the pole's 1/f^2n tail into that band, so the noise bandwidth the
/// simulation actually realises, noise_bandwidth_hz() = sum h[k]^2 / (2 dt), is below the
/// analytic ENBW: by 3.5 % for one pole at fp = 0.024/dt, by < 1 % for two or more poles
/// (measured in pole_filter_test; docs/architectures.md). Noise tests use the realised value.
///
/// Evaluation: each pole y[n] = c[n] + A y[n-1] (c[n] = b0 x[n] + b1 x[n-1], A = -a1) is run
/// in the look-ahead form y[n] = sum_{j<8} A^j c[n-j] + A^8 y[n-8], whose eight interleaved
/// recursions vectorise over a block (the plain recursion is bound by one multiply-add latency per
/// sample and pole). The sum is formed by doubling, z1[n] = c[n] + A c[n-1] (a 3-tap FIR on x),
/// z2[n] = z1[n] + A^2 z1[n-2], y[n] = z2[n] + A^4 z2[n-4] + A^8 y[n-8]: 6 multiply-adds per sample
/// and pole instead of 11. Same filter, rounding differs from the plain recursion by ~1e-16
/// relative; every output is the same expression of the input history whatever the block split.
///
/// Also here: the first-order shelf used for CTLE-like peaking, H(f) = (1 + j f/fz)/(1 + j f/fp),
/// DC gain 1 and high-frequency gain fp/fz = 10^(peaking_db/20).
#include <array>
#include <complex>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace si::optics {

/// One first-order section y = b0 x + b1 x[-1] - a1 y[-1] (transposed direct form II).
struct FirstOrderSection {
    double b0 = 1, b1 = 0, a1 = 0;
    double s = 0;  ///< state
    [[nodiscard]] double step(double x) noexcept {
        const double y = b0 * x + s;
        s = b1 * x - a1 * y;
        return y;
    }
};

/// Bilinear discretisation of Ha(s) = (n0 + n1 s) / (d0 + d1 s), prewarped at w0 [rad/s]
/// (the discrete response equals Ha(j w0) exactly there).
[[nodiscard]] FirstOrderSection bilinear_section(double n0, double n1, double d0, double d1,
                                                 double w0_rad_s, double dt_s);

/// n identical real poles with -3 dB bandwidth bw (see file comment). bw = 0: pass-through.
class PoleFilter {
public:
    PoleFilter() = default;  ///< pass-through
    /// key: config key of the bandwidth, used in errors. Throws ConfigError when bw is negative,
    /// not finite, or fp >= 0.45 / dt (the model cannot be represented on the time grid), or
    /// poles is not 1..8.
    PoleFilter(double bandwidth_hz, int poles, double dt_s, const std::string& key);
    /// out[i] = filtered in[i]; in and out may be the same span. Streams (state across calls).
    void process(std::span<const double> in, std::span<double> out) noexcept;
    /// One sample (the same filter and state as process(); for set-up, not for streams).
    [[nodiscard]] double step(double x) noexcept {
        double y;
        run(&x, &y, 1);
        return y;
    }
    void reset() noexcept;
    /// Analytic H(f) of the continuous model (1 when disabled).
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept;
    /// Realised noise bandwidth [Hz] of the discrete filter, sum h^2 / (2 dt) (see file
    /// comment): per-sample white noise of variance S/(2 dt) leaves it with variance
    /// S * noise_bandwidth_hz(). Infinity when disabled.
    [[nodiscard]] double noise_bandwidth_hz() const noexcept { return enbw_hz_; }
    /// Analytic ENBW of the continuous model (pole_cascade_enbw_hz); infinity when disabled.
    [[nodiscard]] double analytic_noise_bandwidth_hz() const noexcept;
    [[nodiscard]] bool enabled() const noexcept { return !st_.empty(); }
    [[nodiscard]] double pole_hz() const noexcept { return fp_hz_; }
    static constexpr std::size_t kLanes = 8;  ///< look-ahead depth (see file comment)

private:
    /// Per pole: x[n-2..n-1], z1[n-2..n-1], z2[n-4..n-1], y[n-8..n-1] of the last sample
    /// processed (z1, z2: the doubling steps, see file comment).
    struct State {
        std::array<double, 2> xh{};
        std::array<double, 2> z1h{};
        std::array<double, 4> z2h{};
        std::array<double, kLanes> yh{};
    };
    void run(const double* x, double* y, std::size_t n) noexcept;
    FirstOrderSection sec_;                  ///< coefficients of each (identical) pole
    std::array<double, kLanes + 1> pw_{};    ///< A^0 .. A^8
    std::array<double, 3> fir_{};            ///< c[n] + A c[n-1] as a FIR on x: b0, b1 + A b0, A b1
    std::vector<State> st_;
    double fp_hz_ = 0;
    double enbw_hz_;
    int n_ = 0;
};

/// Analytic ENBW of n identical poles at fp [Hz] (see file comment).
[[nodiscard]] double pole_cascade_enbw_hz(double fp_hz, int poles);

/// First-order peaking shelf H(f) = (1 + j f/fz) / (1 + j f/fp), fp = fz 10^(peaking_db/20).
/// peaking_db = 0: pass-through.
class PeakingFilter {
public:
    PeakingFilter() = default;
    /// Throws ConfigError(key_prefix + ".peaking_db"/".peaking_zero_hz") for negative peaking,
    /// a non-positive zero when peaking is on, or a pole above 0.45 / dt.
    PeakingFilter(double peaking_db, double zero_hz, double dt_s, const std::string& key_prefix);
    [[nodiscard]] double step(double x) noexcept { return on_ ? sec_.step(x) : x; }
    [[nodiscard]] bool enabled() const noexcept { return on_; }
    void reset() noexcept { sec_.s = 0; }
    [[nodiscard]] std::complex<double> response(double f_hz) const noexcept;

private:
    bool on_ = false;
    double fz_ = 0, fp_ = 0;
    FirstOrderSection sec_;
};

}  // namespace si::optics

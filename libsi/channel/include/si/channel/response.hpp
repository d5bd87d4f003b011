#pragma once
/// \file response.hpp
/// The channel as a transfer function H(f) = Sdd21(f) for every f >= 0, its impulse and pulse
/// responses, and the report `sisim channel` prints.
#include <complex>
#include <functional>
#include <string>
#include <vector>

#include "si/channel/network.hpp"
#include "si/channel/touchstone.hpp"

namespace si::channel {

/// Differential through response H(f) (Sdd21), defined for every f >= 0 [Hz]; H(-f) = conj H(f)
/// is implied. Cheap to copy (shares its data). Built by make_response, ideal_channel,
/// synthetic_channel, or directly from any callable.
/// Longest time span an impulse response is computed over [s]. Data on a grid finer than 1 MHz
/// (or log-spaced low-frequency data) would otherwise ask for an FFT of astronomical size; SerDes
/// channels settle in far less. Spans are capped here.
inline constexpr double kMaxSpanS = 1e-6;

class ChannelResponse {
public:
    /// H: callable f [Hz] -> H(f), f >= 0. f_max_hz: highest frequency backed by data
    /// (+infinity for analytic models). natural_span_s: time span the model resolves (1/df of
    /// the data grid; 0 for a memoryless model). description: one line for reports.
    ChannelResponse(std::function<std::complex<double>(double)> h, double f_max_hz,
                    double natural_span_s, std::string description);

    /// H(f_hz); f_hz < 0 gives conj H(-f_hz).
    [[nodiscard]] std::complex<double> operator()(double f_hz) const;
    /// Last frequency with data [Hz]. Above it make_response rolls H off smoothly to 0 (see
    /// make_response). +infinity for analytic models.
    [[nodiscard]] double f_max_hz() const noexcept { return f_max_hz_; }
    /// Time span the data resolve [s]: 1/df of the data grid (100 ns for a 10 MHz grid). Impulse
    /// responses longer than this alias. 0 when the model has no memory (ideal channel).
    [[nodiscard]] double natural_span_s() const noexcept { return natural_span_s_; }
    /// H(0), real by construction.
    [[nodiscard]] double dc_gain() const;
    [[nodiscard]] const std::string& description() const noexcept { return description_; }

private:
    std::function<std::complex<double>(double)> h_;
    double f_max_hz_;
    double natural_span_s_;
    std::string description_;
};

/// H(f) from the Sdd21 column of a differential network:
///  - inside the data range: magnitude and unwrapped phase, each linear in f between points;
///  - DC: if the data have a DC point it is used, made real (phase set to 0 or pi, whichever is
///    nearer). Otherwise |H(0)| is extrapolated linearly from the two lowest points (clamped at
///    >= 0), the phase is brought to 0 at DC (the unwrapped phase is shifted by the multiple of
///    2 pi that makes its straight-line extrapolation from the two lowest points closest to 0)
///    and interpolated linearly between DC and the first point;
///  - above f_max: |H| = |H(f_max)| * cos^2(pi/2 * (f - f_max) / (0.2 f_max)) up to 1.2 f_max,
///    then 0; phase continues linearly with the mean delay phi(f_max)/f_max. The taper is
///    smooth (no brick wall), so it adds no Gibbs ringing of its own.
/// Throws si::ModelError for fewer than 2 points or negative frequencies.
[[nodiscard]] ChannelResponse make_response(const DiffNetwork& net);

/// H(f) = 1 (no memory: natural_span_s = 0, f_max = +inf).
[[nodiscard]] ChannelResponse ideal_channel();

/// Lossless delay line H(f) = exp(-j 2 pi f delay_s) (delay_s >= 0).
[[nodiscard]] ChannelResponse delay_channel(double delay_s);

/// Parameters of the IEEE 802.3 Annex 93A (COM) transmission-line model, per mm, f in GHz:
/// gamma(f) = gamma0 + a1 (1 + j) sqrt(f) + a2 (1 - j (2/pi) ln f) f + j 2 pi tau f  [1/mm].
/// Defaults are the 802.3 package/host values (gamma0 = 0, a1 = 1.734e-3 sqrt(ns)/mm,
/// a2 = 1.455e-4 ns/mm, tau = 6.141e-3 ns/mm), as used by COM and PyBERT.
struct ComLineParams {
    double gamma0_per_mm = 0.0;
    double a1_sqrt_ns_per_mm = 1.734e-3;
    double a2_ns_per_mm = 1.455e-4;
    double tau_ns_per_mm = 6.141e-3;
};

/// gamma(f) of the COM line [1/mm] at f_hz (gamma(0) = gamma0).
[[nodiscard]] std::complex<double> com_gamma_per_mm(const ComLineParams& p, double f_hz);

/// Matched COM transmission line H(f) = exp(-gamma(f) L) whose length L [mm] is solved in closed
/// form so that -20 log10 |H(f_nyquist_hz)| = loss_db_at_nyquist:
/// L = loss_db / (20 log10(e) * Re gamma(f_nyquist)). The model is causal (its loss and phase
/// terms are Hilbert pairs up to a delay). natural_span_s = 4 * tau * L + 10 ns.
/// Caveat: the a1 sqrt(f) skin-effect term holds down to DC in this model, so the step response
/// settles like erfc(A / sqrt(t)) (A = a1 L): a slow t^-1/2 tail. Any finite impulse response
/// misses part of the DC gain (about 1-2 % for 28 dB at the natural span; see
/// TimeResponse::dc_sum_error). Throws si::ConfigError unless loss_db_at_nyquist >= 0 and
/// f_nyquist_hz > 0.
[[nodiscard]] ChannelResponse synthetic_channel(double loss_db_at_nyquist, double f_nyquist_hz,
                                                const ComLineParams& params = {});

/// Length [mm] synthetic_channel uses for the given loss.
[[nodiscard]] double synthetic_length_mm(double loss_db_at_nyquist, double f_nyquist_hz,
                                         const ComLineParams& params = {});

/// Sampled impulse and pulse response; taps start at t = 0.
struct TimeResponse {
    double dt_s = 0;              ///< sample step [s]
    int samples_per_ui = 0;       ///< ui_s / dt_s
    std::vector<double> impulse;  ///< h[n] as filter taps (sum h = H(0)), trimmed
    /// Response to a rectangle of height 1 and length 1 UI: pulse[i] = sum_{k<spu} h[i-k],
    /// length impulse.size() + spu - 1.
    std::vector<double> pulse;
    std::size_t n_fft = 0;               ///< FFT size used (before trimming)
    double dropped_energy_fraction = 0;  ///< energy of the untrimmed taps not kept / total
    /// H(0) - sum(impulse): DC carried by what was dropped (mostly the negative-time quarter,
    /// i.e. acausal or aliased low-frequency content of the data). Reported, never hidden.
    double dc_sum_error = 0;
};

/// Impulse and pulse response of H sampled at dt_s, via si::dsp::impulse_from_response with
/// n = smallest even 2-3-5 size covering max(natural_span_s, 64 UI). Trimming: the last
/// quarter of the buffer is negative time (wrapped acausal leakage) and is dropped; the kept
/// taps are [0, m) with m the smallest index after the peak such that the taps in [m, 3n/4)
/// hold <= 1e-7 of the total energy and sum to <= 1e-3 |H(0)| (slow tails carry DC with
/// little energy). ui_s must be an integer multiple of dt_s (to 1e-6
/// relative); throws si::ConfigError otherwise.
[[nodiscard]] TimeResponse time_response(const ChannelResponse& h, double dt_s, double ui_s);

/// Energy of the part of a causal-looking impulse response that comes too early: the taps
/// before (first index where |h| >= 1% of its peak) - guard_s, plus the last quarter of the
/// buffer (negative time), divided by the total energy. `h` is an untrimmed FFT buffer.
[[nodiscard]] double acausal_energy_fraction(const std::vector<double>& h, double dt_s,
                                             double guard_s = 20e-12);

/// Largest singular value of S over all frequencies (<= 1 for a passive network), and where.
struct PassivityResult {
    double max_singular = 0;
    double f_at_max_hz = 0;
};
[[nodiscard]] PassivityResult passivity(const Touchstone& ts);

/// What `sisim channel FILE` prints.
struct ChannelReport {
    std::string source;                            ///< file and pairing
    int ports = 0;                                 ///< single-ended ports in the file
    std::size_t n_points = 0;                      ///< frequency points
    double f_min_hz = 0, f_max_hz = 0, df_hz = 0;  ///< data grid (df: median spacing)
    bool dc_extrapolated = false;                  ///< the data had no DC point
    double dc_gain = 0;                            ///< H(0)
    double f_nyquist_hz = 0;                       ///< Nyquist frequency asked for
    double loss_db_at_nyquist = 0;                 ///< -20 log10 |Sdd21(f_nyquist)|
    double max_singular = 0;                     ///< max over f of the largest singular value of S
    double f_max_singular_hz = 0;                ///< where it occurs
    bool passive = false;                        ///< max_singular <= 1 + kPassivityTol
    double acausal_energy_fraction = 0;          ///< see acausal_energy_fraction(), at dt_s
    bool causal = false;                         ///< acausal_energy_fraction < kCausalityTol
    double delay_s = 0;                          ///< time of the impulse-response peak
    std::vector<std::string> warnings;           ///< reader warnings plus findings here
    ChannelResponse response = ideal_channel();  ///< the Sdd21 model used

    /// Passivity tolerance: measured data may exceed 1 by calibration noise.
    static constexpr double kPassivityTol = 1e-3;
    /// Causality tolerance on the acausal energy fraction.
    static constexpr double kCausalityTol = 1e-3;

    /// Insertion loss -20 log10 |H(f_hz)| [dB] of the response.
    [[nodiscard]] double loss_db_at(double f_hz) const;
    /// Multi-line human-readable text.
    [[nodiscard]] std::string text() const;
};

/// Builds the report for a file, a pairing, the Nyquist frequency [Hz] and the time step [s]
/// of the causality check.
[[nodiscard]] ChannelReport make_report(const Touchstone& ts, const DiffPairing& pairing,
                                        double f_nyquist_hz, double dt_s);

}  // namespace si::channel

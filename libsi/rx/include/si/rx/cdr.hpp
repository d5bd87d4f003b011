#pragma once
/// \file cdr.hpp
/// Clock and data recovery: phase detector, second-order loop filter, phase interpolator.
///
/// Time base. The receiver's reference clock runs at f_rx = fb (1 + delta), delta =
/// frequency_offset_ppm * 1e-6, so its UI is T_rx = T / (1 + delta). The CDR samples UI n at
///   t_n = (n + phi_n) T_rx      (data),     t_n - T_rx / 2      (edge, Alexander only),
/// phi_n the phase-interpolator phase [UI] (unwrapped, multiples of 1/pi_steps). Locked to data
/// at symbol times k T + tau, phi_n ramps at delta UI per UI: the integral path carries it.
///
/// Phase detectors (output eps_n in {-1, 0, +1}, +1 = "sample later"):
/// - "bang_bang" (Alexander, 2x oversampled): uses symmetric transitions only, levels with
///   a_{n-1} + a_n = 0 and a_{n-1} != a_n (PAM4: +-1 <-> -+1 and +-1/3 <-> -+1/3): their edge
///   crossing lies on the 0 V threshold midway whatever the pulse shape for symmetric pulses,
///   so the detector is unbiased. eps_n = -sign(edge_n) sign(a_n - a_{n-1}). Transition
///   density rho = 1/N of the UIs for random PAM-N (1/2 for NRZ, 1/4 for PAM4).
/// - "mueller_muller" (type A, baud rate; Mueller & Muller, IEEE Trans. Commun. 1976): sign-MM
///   eps_n = sign(y_n a_{n-1} - y_{n-1} a_n), E[.] ~ h_1 - h_{-1}: locks where the first pre-
///   and post-cursor are equal.
///
/// Loop (per UI): I_n = I_{n-1} + Ki eps_n ;  acc_n = acc_{n-1} + Kp eps_n + I_n ;
///   phi_n = round(acc_n * pi_steps) / pi_steps + initial offset.
/// Linearised (small phase error, time in UI, T = 1 UI): eps ~= K_pd (phi_in - phi), and for
/// omega T << 1 the closed loop is H(s) = (2 zeta wn s + wn^2) / (s^2 + 2 zeta wn s + wn^2) with
///   wn^2 = K_pd Ki / T^2,   2 zeta wn = K_pd Kp / T.
/// Given a -3 dB jitter-transfer bandwidth f_bw and damping zeta:
///   kappa = sqrt(1 + 2 zeta^2 + sqrt((1 + 2 zeta^2)^2 + 1))   (w_3dB = kappa wn; 2.06 at zeta=1)
///   wn = 2 pi f_bw / kappa,   Kp = 2 zeta wn T / K_pd,   Ki = (wn T)^2 / K_pd.
/// Bang-bang gain linearisation (e.g. Walker, "Designing bang-bang PLLs for clock and data
/// recovery in serial data transmission systems", 2003): with Gaussian timing jitter of rms
/// sigma_t [UI] at the detector (noise / edge slope plus ISI jitter), a used transition gives
/// E[eps | phase error Dphi] = erf(Dphi / (sqrt 2 sigma_t)) ~= sqrt(2/pi) Dphi / sigma_t, so
///   K_pd = rho sqrt(2/pi) / sigma_t  [1/UI].
/// The linear model holds while the input jitter amplitude stays below ~sigma_t; larger SJ makes
/// the loop slew-rate limited (Kp rho + I per UI), which is what sets a bang-bang JTOL corner.
/// For Mueller-Muller K_pd depends on the pulse: give pd_gain_per_ui (or kp/ki) explicitly.
///
/// Lock: every lock_window_ui UIs the mean phase of the window is compared with the previous
/// window's; the loop is locked when they differ by less than lock_tolerance_ui after removing
/// the frequency ramp I * window, and the window's summed detector output is below 0.3 rho of
/// the window (a slewing loop pushes one way). lock_ui() is the start of the current run of
/// locked windows.
#include <cstdint>
#include <string>

namespace si::rx {

struct CdrConfig {
    std::string model = "bang_bang";  ///< "bang_bang" (Alexander) or "mueller_muller"
    int levels = 4;                   ///< PAM-N
    double symbol_rate_bd = 53.125e9; ///< fb [Bd]
    double bandwidth_hz = 0.0;        ///< > 0: Kp, Ki from the bandwidth and damping
    double damping = 1.0;             ///< zeta
    double kp = 0.0;                  ///< proportional gain [UI per PD output] (bandwidth 0)
    double ki = 0.0;                  ///< integral gain [UI/UI per PD output] (bandwidth 0)
    double detector_jitter_ui = 0.02; ///< sigma_t at the detector for the BB linearisation [UI]
    double transition_density = 0.0; ///< rho; 0 = 1/N (random PAM-N, symmetric transitions)
    double pd_gain_per_ui = 0.0;      ///< K_pd override [1/UI]; 0 = bang-bang formula
    int pi_steps = 64;                ///< phase-interpolator steps per UI
    double initial_phase_ui = 0.0;    ///< phi at start [UI]
    /// Static offset of the data sampler from the recovered phase [UI] (edge sampler not moved):
    /// the eye-centring offset a real receiver calibrates, since an Alexander detector locks to
    /// the crossings' midpoint, not to the detector's best phase.
    double phase_offset_ui = 0.0;
    double frequency_offset_ppm = 0.0;///< f_rx / fb - 1 [ppm]
    int lock_window_ui = 1024;        ///< lock detector window [UI]
    double lock_tolerance_ui = 0.02;  ///< lock detector tolerance [UI]
};

/// Throws si::ConfigError naming rx.cdr.<field>.
void validate(const CdrConfig& c);

struct CdrGains {
    double kp = 0, ki = 0;            ///< loop gains used
    double pd_gain_per_ui = 0;        ///< K_pd used by the linear model [1/UI]
    double natural_frequency_hz = 0;  ///< wn / 2 pi (linear model)
    double damping = 0;               ///< zeta (linear model)
    double bandwidth_hz = 0;          ///< predicted -3 dB jitter-transfer bandwidth
};
/// Gains and linear-model figures (see the file comment).
[[nodiscard]] CdrGains cdr_gains(const CdrConfig& c);

class Cdr {
public:
    explicit Cdr(const CdrConfig& cfg);

    /// Phase-interpolator phase phi_n of the next sample [UI of the RX clock].
    [[nodiscard]] double phase_ui() const noexcept { return phase_; }
    /// Time of the next data sample, in transmitter UI from t = 0: (n + phi_n) / (1 + delta).
    [[nodiscard]] double data_time_ui() const noexcept { return (double(n_) + phase_) * rx_ui_; }
    /// Time of the next edge sample (half a UI before the data sample) [TX UI].
    [[nodiscard]] double edge_time_ui() const noexcept { return (double(n_) + phase_ - 0.5) * rx_ui_; }
    /// Advances one UI with the data sample, the edge sample (Alexander; ignored by MM) [V,
    /// centred on the middle threshold] and the level decided for the data sample.
    void update(double data_v, double edge_v, std::uint8_t level) noexcept;
    /// Whether update() with this level will read its edge sample (a bang-bang detector on a
    /// symmetric transition); a caller may skip computing edges that are not read.
    [[nodiscard]] bool uses_edge(std::uint8_t level) const noexcept {
        return !mm_ && prev_level_ >= 0 && level != prev_level_ &&
               level + prev_level_ == cfg_.levels - 1;
    }
    void reset() noexcept;

    [[nodiscard]] std::uint64_t ui() const noexcept { return n_; }
    [[nodiscard]] bool locked() const noexcept { return locked_; }
    /// First UI of the current run of locked windows; -1 if not locked.
    [[nodiscard]] std::int64_t lock_ui() const noexcept { return locked_ ? lock_ui_ : -1; }
    /// Integral path I_n: the frequency correction [UI per UI].
    [[nodiscard]] double frequency_ui_per_ui() const noexcept { return integ_; }
    /// Last phase-detector output.
    [[nodiscard]] int last_pd() const noexcept { return pd_; }
    [[nodiscard]] const CdrGains& gains() const noexcept { return g_; }

private:
    CdrConfig cfg_;
    CdrGains g_;
    bool mm_;
    double rx_ui_;
    std::uint64_t n_ = 0;
    double acc_ = 0, integ_ = 0, phase_ = 0;
    double prev_y_ = 0, prev_a_ = 0;
    double level_[8] = {};            // a = -1 + 2 i / (N - 1) per level index i
    double inv_steps_ = 0;            // 1 / pi_steps when that is exact (a power of two), else 0
    int prev_level_ = -1, pd_ = 0;
    // lock detector
    double win_sum_ = 0, prev_mean_ = 0;
    int win_count_ = 0;
    std::int64_t eps_sum_ = 0;
    bool have_prev_ = false, locked_ = false;
    std::int64_t lock_ui_ = -1;
};

}  // namespace si::rx

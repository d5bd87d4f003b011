#pragma once
/// \file ffe.hpp
/// Receiver feed-forward equalizer (symbol-spaced FIR after the ADC) and its solvers.
///
/// Signal model (symbol rate, one sample per UI at the sampling phase):
///   r_n = sum_j a_j h[n - j + c] + v_n          (ADC output [V])
/// with a_j the normalised PAM-N levels (-1 + 2i/(N-1), so +-1, +-1/3 for PAM4), h the
/// symbol-spaced pulse response at the sampling phase [V per unit level], c its main-cursor index
/// and v_n white noise of variance sigma_v^2. The FFE with K taps w_0..w_{K-1} and `pre`
/// pre-cursor taps P is causal:
///   y_n = sum_k w_k r_{n-k}            (FIR output n estimates symbol n - P: latency P UI)
/// and its output is in normalised level units (desired value a_{n-P}): the FFE removes the
/// channel gain. The equalized pulse is f = w * h (full convolution), cursor at index c + P; its
/// post-cursor d is f_d = f[c + P + d].
///
/// Solvers (free functions; all inputs in SI units):
/// - MMSE (Wiener): minimise E[(y - a)^2] ->  w = R^-1 p,
///     R = sigma_a^2 sum_d h_d h_d^T + sigma_v^2 I + R_x,   p = sigma_a^2 h_0,
///     (h_d)_k = h[c + d + P - k],  sigma_a^2 = E[a^2] ((N+1)/(3(N-1)) for uniform PAM-N),
///   R_x an optional K x K covariance of crosstalk or other interference at the FFE input.
///   With an ideal DFE of B taps after the FFE, the post-cursors d = 1..B are cancelled and left
///   out of the cost (the sum over d skips them): the MMSE-DFE feed-forward filter. With an MLSE
///   target 1 + g1 D (+ g2 D^2), the joint FFE/target MMSE under the monic constraint g0 = 1
///   (Falconer & Magee, BSTJ 1973) gives g_i = f_i for the free target taps, so the FFE is the
///   MMSE-DFE one with B = target memory and the target is g = (1, f_1/f_0, f_2/f_0) after
///   removing the MMSE bias f_0 (so the Viterbi reference levels are those of the actual
///   equalized pulse).
///   Tap limits (COM/802.3dj style, per tap, relative to the cursor tap w_P): solved by a greedy
///   active set: the most violating tap is fixed at its bound (w_k = bound_k w_P) and the
///   constrained MMSE re-solved until none violates (a fixed tap is never released).
/// - ZF: the K delays d = -P .. K-1-P (skipping the B post-cursors a DFE or target takes) are
///   forced to f_d = delta_d (K linear equations); noise is ignored.
///
/// Adaptation (mode "lms"): each symbol, e = y - a_hat (a_hat: the decided level, i.e. the
/// decided level times the unit main cursor of the normalised output) and
///   "lms":       w_k += mu e r_{n-k}                 (mu [1/V^2])
///   "sign_sign": w_k += mu sign(e) sign(r_{n-k})     (mu [1/V], a tap step)
/// LMS converges in the mean to the Wiener solution with misadjustment M ~= mu tr(R) / 2
/// (excess MSE / minimum MSE; Widrow & Stearns, Adaptive Signal Processing, 1985, ch. 6) for
/// small mu; tr(R) = K E[r^2]. Tap limits are enforced after every update.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace si::rx {

struct FfeConfig {
    int levels = 4;                   ///< PAM-N (2..8)
    int taps = 1;                     ///< K >= 1
    int pre = 0;                      ///< pre-cursor taps P, 0 <= P < K (also the latency [UI])
    std::string mode = "fixed";       ///< "fixed", "mmse", "zf", "lms"
    std::vector<double> coefficients; ///< fixed: K taps [1/V]; lms: initial taps (empty: w_P = 1/h0)
    std::string lms_update = "lms";   ///< "lms" or "sign_sign"
    double mu = 1e-3;                 ///< LMS step: [1/V^2] for "lms", [1/V] for "sign_sign"
    std::vector<double> tap_min;      ///< per tap, w_k / w_P >= tap_min[k]; empty = no limit
    std::vector<double> tap_max;      ///< per tap, w_k / w_P <= tap_max[k]; empty = no limit
};

/// Throws si::ConfigError naming rx.ffe.<field>.
void validate(const FfeConfig& c);

/// Uniform PAM-N level variance E[a^2] = (N+1) / (3 (N-1)) of the levels -1 + 2i/(N-1).
[[nodiscard]] double pam_level_variance(int levels) noexcept;
/// Normalised level i of PAM-N: -1 + 2i/(N-1).
[[nodiscard]] constexpr double pam_level(int i, int levels) noexcept {
    return -1.0 + 2.0 * i / (levels - 1);
}

/// What the solvers need: the symbol-spaced pulse at the sampling phase and the noise.
struct FfeSolveInput {
    std::vector<double> pulse;         ///< h [V per unit level], symbol spaced
    int cursor = 0;                    ///< index of the main cursor in pulse
    double noise_var_v2 = 0.0;         ///< white noise variance at the FFE input [V^2]
    double data_var = 0.0;             ///< E[a^2]; 0 = uniform PAM-N (pam_level_variance)
    std::vector<double> extra_cov_v2;  ///< optional K x K covariance R_x [V^2], row-major
    int dfe_taps = 0;                  ///< post-cursors 1..dfe_taps excluded (ideal DFE after)
    int target_memory = 0;             ///< MLSE target memory (1 or 2); excludes like a DFE
};

struct FfeSolution {
    std::vector<double> taps;       ///< w [1/V]
    std::vector<double> equalized;  ///< f = w * h (length K + L - 1), normalised units
    int cursor = 0;                 ///< main-cursor index in equalized (= pulse cursor + pre)
    double mse = 0.0;               ///< E[(y - desired)^2] of the model (normalised units^2)
    double noise_gain = 0.0;        ///< sum w_k^2: output noise variance = noise_var_v2 * this
    std::vector<double> target;     ///< MLSE: (1, f_1/f_0[, f_2/f_0]); else empty
};

/// Covariance of an interferer with symbol-spaced pulse x (at the victim's phase) and data
/// variance data_var at the K FFE taps: (R_x)_{ij} = data_var sum_n x[n - i] x[n - j].
[[nodiscard]] std::vector<double> interference_covariance(std::span<const double> x, int taps,
                                                          double data_var);

/// MMSE (Wiener) FFE, see the file comment; honours cfg.tap_min/tap_max.
[[nodiscard]] FfeSolution solve_ffe_mmse(const FfeConfig& cfg, const FfeSolveInput& in);
/// Zero-forcing FFE, see the file comment (tap limits are not allowed with ZF).
[[nodiscard]] FfeSolution solve_ffe_zf(const FfeConfig& cfg, const FfeSolveInput& in);
/// Dispatches on cfg.mode ("mmse" or "zf"; "lms" starts from the MMSE solution).
[[nodiscard]] FfeSolution solve_ffe(const FfeConfig& cfg, const FfeSolveInput& in);

/// Streaming FIR with optional decision-directed LMS. Allocation-free after construction.
class Ffe {
public:
    /// taps: K coefficients w_0..w_{K-1} [1/V] (size must equal cfg.taps; empty in "lms" mode
    /// starts at w_P = 1 / input_cursor_v). input_cursor_v: main cursor at the FFE input [V].
    Ffe(const FfeConfig& cfg, std::span<const double> taps, double input_cursor_v = 1.0);

    /// y_n = sum_k w_k x_{n-k} (out[i] estimates the symbol P UI before in[i]). In "lms" mode
    /// the taps adapt each symbol from the FFE's own decisions (unless adapt(false)).
    /// out.size() >= in.size(); in and out must not alias.
    void process(std::span<const double> in, std::span<double> out) noexcept;
    /// One sample of the FIR (no adaptation): returns y_n.
    double step(double x) noexcept;
    /// LMS update with error e = (detector input - decided level) for the last step() output:
    /// lets a DFE or MLSE after the FFE supply better decisions.
    void update(double error) noexcept;
    /// Turns in-process() adaptation on/off ("lms" mode only; e.g. off after training).
    void adapt(bool on) noexcept { adapting_ = on && lms_; }
    /// Clears the delay line; keeps the (adapted) taps.
    void reset() noexcept;

    /// Current taps w_0..w_{K-1}.
    [[nodiscard]] std::vector<double> taps() const;
    [[nodiscard]] int latency() const noexcept { return pre_; }

private:
    void clamp_taps() noexcept;
    int k_, pre_, levels_;
    bool lms_, sign_sign_, adapting_;
    double mu_;
    std::vector<double> wr_;      // reversed taps: wr_[j] = w_{K-1-j}
    std::vector<double> window_;  // last K inputs, oldest first (window_[K-1] = newest)
    std::vector<double> scratch_; // K-1 history + one chunk of input
    std::vector<double> lo_, hi_; // per-tap limits (reversed order, relative to the cursor tap)
    bool limited_ = false;
};

}  // namespace si::rx

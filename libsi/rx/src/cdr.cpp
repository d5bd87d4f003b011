#include "si/rx/cdr.hpp"

#include <cmath>

#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/rx/round.hpp"

namespace si::rx {

namespace {
/// Lock detector: a window counts as locked only if its phase-detector votes are balanced,
/// |sum| < kLockVoteBalance x (expected transitions). A loop slewing towards lock votes one way
/// (|sum| ~ 1.0 x transitions); a quantised bang-bang loop on a clean eye, locked, dithers
/// between interpolator steps and was measured at up to 0.45 (retimed_224g_dr, last hop). 0.6
/// separates the two (was 0.3, which called such a locked loop unlocked: docs/architectures.md).
constexpr double kLockVoteBalance = 0.6;
}  // namespace

void validate(const CdrConfig& c) {
    require(c.model == "bang_bang" || c.model == "mueller_muller", "rx.cdr.model",
            "must be \"bang_bang\" or \"mueller_muller\" (\"ideal\" means no CDR)", c.model);
    require(c.levels >= 2 && c.levels <= 8, "rx.cdr.levels", "must be in 2..8", c.levels);
    require(std::isfinite(c.symbol_rate_bd) && c.symbol_rate_bd > 0, "rx.cdr.symbol_rate",
            "must be > 0 Bd", c.symbol_rate_bd);
    require(std::isfinite(c.bandwidth_hz) && c.bandwidth_hz >= 0 &&
                c.bandwidth_hz < c.symbol_rate_bd / 20,
            "rx.cdr.bandwidth", "must be in [0, fb/20) Hz (0 = give kp and ki)", c.bandwidth_hz);
    require(std::isfinite(c.damping) && c.damping > 0, "rx.cdr.damping", "must be > 0", c.damping);
    require(std::isfinite(c.kp) && c.kp >= 0 && std::isfinite(c.ki) && c.ki >= 0, "rx.cdr.kp",
            "kp and ki must be >= 0", c.kp);
    require(c.bandwidth_hz > 0 || c.kp > 0, "rx.cdr.bandwidth",
            "give a bandwidth or a proportional gain kp > 0", c.bandwidth_hz);
    require(std::isfinite(c.detector_jitter_ui) && c.detector_jitter_ui > 0, "rx.cdr.detector_jitter",
            "must be > 0 UI", c.detector_jitter_ui);
    require(std::isfinite(c.transition_density) && c.transition_density >= 0 &&
                c.transition_density <= 1,
            "rx.cdr.transition_density", "must be in [0, 1] (0 = 1/levels)", c.transition_density);
    require(std::isfinite(c.pd_gain_per_ui) && c.pd_gain_per_ui >= 0, "rx.cdr.pd_gain",
            "must be >= 0", c.pd_gain_per_ui);
    require(!(c.model == "mueller_muller" && c.bandwidth_hz > 0 && c.pd_gain_per_ui == 0),
            "rx.cdr.pd_gain", "a Mueller-Muller loop set by bandwidth needs pd_gain (1/UI)", 0);
    require(c.pi_steps >= 1 && c.pi_steps <= 65536, "rx.cdr.pi_steps", "must be in 1..65536",
            c.pi_steps);
    require(std::isfinite(c.initial_phase_ui), "rx.cdr.initial_phase", "must be finite",
            c.initial_phase_ui);
    require(std::isfinite(c.phase_offset_ui) && std::abs(c.phase_offset_ui) < 1, "rx.cdr.phase_offset",
            "must be in (-1, 1) UI", c.phase_offset_ui);
    require(std::isfinite(c.frequency_offset_ppm) && std::abs(c.frequency_offset_ppm) <= 1e4,
            "rx.cdr.frequency_offset", "must be within +-1e4 ppm", c.frequency_offset_ppm);
    require(c.lock_window_ui >= 16, "rx.cdr.lock_window", "must be >= 16 UI", c.lock_window_ui);
    require(std::isfinite(c.lock_tolerance_ui) && c.lock_tolerance_ui > 0, "rx.cdr.lock_tolerance",
            "must be > 0 UI", c.lock_tolerance_ui);
}

CdrGains cdr_gains(const CdrConfig& c) {
    validate(c);
    CdrGains g;
    const double rho = c.transition_density > 0 ? c.transition_density : 1.0 / c.levels;
    g.pd_gain_per_ui = c.pd_gain_per_ui > 0
                           ? c.pd_gain_per_ui
                           : rho * std::sqrt(2.0 / kPi) / c.detector_jitter_ui;
    const double K = g.pd_gain_per_ui;
    const auto kappa = [](double z) {
        const double a = 1 + 2 * z * z;
        return std::sqrt(a + std::sqrt(a * a + 1));
    };
    if (c.bandwidth_hz > 0) {
        const double wnT = 2 * kPi * c.bandwidth_hz / kappa(c.damping) / c.symbol_rate_bd;
        g.kp = 2 * c.damping * wnT / K;
        g.ki = wnT * wnT / K;
    } else {
        g.kp = c.kp;
        g.ki = c.ki;
    }
    // linear-model figures from the gains
    const double wnT = std::sqrt(K * g.ki);
    g.natural_frequency_hz = wnT * c.symbol_rate_bd / (2 * kPi);
    g.damping = wnT > 0 ? K * g.kp / (2 * wnT) : 0.0;
    if (wnT > 0) {
        g.bandwidth_hz = g.natural_frequency_hz * kappa(g.damping);
    } else {  // first-order loop: H = K Kp / (s T + K Kp): w3dB = K Kp / T
        g.bandwidth_hz = K * g.kp * c.symbol_rate_bd / (2 * kPi);
    }
    return g;
}

Cdr::Cdr(const CdrConfig& cfg)
    : cfg_(cfg), g_(cdr_gains(cfg)), mm_(cfg.model == "mueller_muller"),
      rx_ui_(1.0 / (1.0 + cfg.frequency_offset_ppm * 1e-6)) {
    for (int i = 0; i < cfg.levels; ++i) level_[i] = -1.0 + 2.0 * i / (cfg.levels - 1);
    if ((cfg.pi_steps & (cfg.pi_steps - 1)) == 0) inv_steps_ = 1.0 / cfg.pi_steps;
    reset();
}

void Cdr::reset() noexcept {
    n_ = 0;
    acc_ = 0;
    integ_ = 0;
    phase_ = cfg_.initial_phase_ui;
    prev_y_ = 0;
    prev_a_ = 0;
    prev_level_ = -1;
    pd_ = 0;
    win_sum_ = 0;
    prev_mean_ = 0;
    win_count_ = 0;
    eps_sum_ = 0;
    have_prev_ = false;
    locked_ = false;
    lock_ui_ = -1;
}

void Cdr::update(double y, double edge, std::uint8_t level) noexcept {
    const int N = cfg_.levels;
    const double a = level_[level];
    int eps = 0;
    // branch-free where the data decide (the detector's output is random from UI to UI)
    if (mm_) {
        if (prev_level_ >= 0) {
            const double z = y * prev_a_ - prev_y_ * a;
            eps = static_cast<int>(z > 0) - static_cast<int>(z < 0);
        }
    } else {
        const bool used = prev_level_ >= 0 && level != prev_level_ && level + prev_level_ == N - 1;
        const int dir = static_cast<int>(level > prev_level_) - static_cast<int>(level < prev_level_);
        const int s = static_cast<int>(edge < 0) - static_cast<int>(edge > 0);  // -sign(edge)
        eps = used ? s * dir : 0;
    }
    pd_ = eps;
    prev_y_ = y;
    prev_a_ = a;
    prev_level_ = level;

    integ_ += g_.ki * eps;
    acc_ += g_.kp * eps + integ_;
    const double steps = cfg_.pi_steps;
    // x * (1/steps) equals x / steps exactly when steps is a power of two
    const double q = round_even(acc_ * steps);
    phase_ = cfg_.initial_phase_ui + (inv_steps_ > 0 ? q * inv_steps_ : q / steps);

    // lock detector on the window mean of the phase
    win_sum_ += phase_;
    eps_sum_ += eps;
    if (++win_count_ == cfg_.lock_window_ui) {
        const double mean = win_sum_ / cfg_.lock_window_ui;
        if (have_prev_) {
            // settled phase, and a detector that is not pushing one way (a loop slewing towards
            // lock gives one-signed outputs while its integrator hides the phase ramp)
            const double rho = mm_ ? 1.0 : (cfg_.transition_density > 0 ? cfg_.transition_density : 1.0 / N);
            const bool ok = std::abs(mean - prev_mean_ - integ_ * cfg_.lock_window_ui) <
                                cfg_.lock_tolerance_ui &&
                            std::abs(static_cast<double>(eps_sum_)) < kLockVoteBalance * rho * cfg_.lock_window_ui;
            if (ok && !locked_) lock_ui_ = static_cast<std::int64_t>(n_ + 1) - 2 * cfg_.lock_window_ui;
            locked_ = ok;
        }
        prev_mean_ = mean;
        have_prev_ = true;
        win_sum_ = 0;
        win_count_ = 0;
        eps_sum_ = 0;
    }
    ++n_;
}

}  // namespace si::rx

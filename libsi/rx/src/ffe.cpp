#include "si/rx/ffe.hpp"
#include "si/rx/round.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"

namespace si::rx {

namespace {
constexpr std::size_t kChunk = 1024;  // block-FIR chunk (scratch size K - 1 + kChunk)

void validate_limits(const std::vector<double>& v, int taps, const char* key) {
    require(v.empty() || static_cast<int>(v.size()) == taps, key,
            "must be empty or have rx.ffe.taps entries", v.size());
    for (double x : v) require(std::isfinite(x), key, "must be finite", x);
}
}  // namespace

double pam_level_variance(int n) noexcept { return (n + 1.0) / (3.0 * (n - 1.0)); }

void validate(const FfeConfig& c) {
    require(c.levels >= 2 && c.levels <= 8, "rx.ffe.levels", "must be in 2..8", c.levels);
    require(c.taps >= 1 && c.taps <= 1024, "rx.ffe.taps", "must be in 1..1024", c.taps);
    require(c.pre >= 0 && c.pre < c.taps, "rx.ffe.pre", "must be in 0..taps-1", c.pre);
    require(c.mode == "fixed" || c.mode == "mmse" || c.mode == "zf" || c.mode == "lms",
            "rx.ffe.mode", "must be \"fixed\", \"mmse\", \"zf\" or \"lms\"", c.mode);
    require(c.mode != "fixed" || static_cast<int>(c.coefficients.size()) == c.taps,
            "rx.ffe.coefficients", "mode \"fixed\" needs rx.ffe.taps values", c.coefficients.size());
    require(c.coefficients.empty() || static_cast<int>(c.coefficients.size()) == c.taps,
            "rx.ffe.coefficients", "must have rx.ffe.taps values", c.coefficients.size());
    for (double x : c.coefficients) require(std::isfinite(x), "rx.ffe.coefficients", "must be finite", x);
    require(c.lms_update == "lms" || c.lms_update == "sign_sign", "rx.ffe.lms_update",
            "must be \"lms\" or \"sign_sign\"", c.lms_update);
    require(std::isfinite(c.mu) && c.mu > 0, "rx.ffe.mu", "must be > 0", c.mu);
    validate_limits(c.tap_min, c.taps, "rx.ffe.tap_min");
    validate_limits(c.tap_max, c.taps, "rx.ffe.tap_max");
    if (!c.tap_min.empty() && !c.tap_max.empty())
        for (std::size_t k = 0; k < c.tap_min.size(); ++k)
            require(c.tap_min[k] <= c.tap_max[k], "rx.ffe.tap_min", "must be <= rx.ffe.tap_max",
                    c.tap_min[k]);
    require(c.mode != "zf" || (c.tap_min.empty() && c.tap_max.empty()), "rx.ffe.tap_min",
            "tap limits are not supported with mode \"zf\" (use \"mmse\")", c.mode);
}

std::vector<double> interference_covariance(std::span<const double> x, int taps, double dv) {
    const int K = taps, L = static_cast<int>(x.size());
    std::vector<double> r(static_cast<std::size_t>(K * K), 0.0);
    // (R)_{ij} = dv sum_n x[n-i] x[n-j]: the autocorrelation of x at lag i - j.
    for (int i = 0; i < K; ++i)
        for (int j = 0; j < K; ++j) {
            const int lag = std::abs(i - j);
            double s = 0;
            for (int n = 0; n + lag < L; ++n) s += x[static_cast<std::size_t>(n)] * x[static_cast<std::size_t>(n + lag)];
            r[static_cast<std::size_t>(i * K + j)] = dv * s;
        }
    return r;
}

namespace {

void validate_input(const FfeConfig& cfg, const FfeSolveInput& in) {
    require(!in.pulse.empty(), "rx.ffe", "solver needs a nonempty pulse", 0);
    require(in.cursor >= 0 && in.cursor < static_cast<int>(in.pulse.size()), "rx.ffe",
            "pulse cursor index out of range", in.cursor);
    require(std::isfinite(in.noise_var_v2) && in.noise_var_v2 >= 0, "rx.ffe",
            "noise variance must be >= 0", in.noise_var_v2);
    require(in.dfe_taps >= 0 && in.target_memory >= 0 && in.target_memory <= 2, "rx.ffe",
            "dfe_taps >= 0 and target_memory in 0..2", in.target_memory);
    require(in.dfe_taps == 0 || in.target_memory == 0, "rx.ffe",
            "a DFE and an MLSE target cannot both follow the FFE", in.dfe_taps);
    require(in.extra_cov_v2.empty() ||
                in.extra_cov_v2.size() == static_cast<std::size_t>(cfg.taps * cfg.taps),
            "rx.ffe", "extra covariance must be taps x taps", in.extra_cov_v2.size());
}

// (h_d)_k = h[c + d + P - k]
double hd(const FfeSolveInput& in, int pre, int d, int k) {
    const int i = in.cursor + d + pre - k;
    return (i >= 0 && i < static_cast<int>(in.pulse.size())) ? in.pulse[static_cast<std::size_t>(i)] : 0.0;
}

FfeSolution finish(const FfeConfig& cfg, const FfeSolveInput& in, std::vector<double> w,
                   double mse) {
    FfeSolution s;
    const int K = cfg.taps, L = static_cast<int>(in.pulse.size());
    s.equalized.assign(static_cast<std::size_t>(K + L - 1), 0.0);
    for (int k = 0; k < K; ++k)
        for (int i = 0; i < L; ++i)
            s.equalized[static_cast<std::size_t>(k + i)] += w[static_cast<std::size_t>(k)] * in.pulse[static_cast<std::size_t>(i)];
    s.cursor = in.cursor + cfg.pre;
    s.mse = mse;
    for (double x : w) s.noise_gain += x * x;
    s.taps = std::move(w);
    if (in.target_memory > 0) {
        const double f0 = s.equalized[static_cast<std::size_t>(s.cursor)];
        s.target.push_back(1.0);
        for (int i = 1; i <= in.target_memory; ++i) {
            const auto j = static_cast<std::size_t>(s.cursor + i);
            s.target.push_back(j < s.equalized.size() ? s.equalized[j] / f0 : 0.0);
        }
    }
    return s;
}

}  // namespace

FfeSolution solve_ffe_mmse(const FfeConfig& cfg, const FfeSolveInput& in) {
    validate(cfg);
    validate_input(cfg, in);
    const int K = cfg.taps, P = cfg.pre, L = static_cast<int>(in.pulse.size());
    const double sa2 = in.data_var > 0 ? in.data_var : pam_level_variance(cfg.levels);
    const int excl = std::max(in.dfe_taps, in.target_memory);
    Eigen::MatrixXd R = Eigen::MatrixXd::Zero(K, K);
    Eigen::VectorXd p(K), h(K);
    for (int d = -(in.cursor + P); d <= L - 1 - in.cursor + K - 1 - P; ++d) {
        if (d >= 1 && d <= excl) continue;  // cancelled by the DFE / carried by the target
        for (int k = 0; k < K; ++k) h(k) = hd(in, P, d, k);
        R.noalias() += sa2 * h * h.transpose();
        if (d == 0) p = sa2 * h;
    }
    R.diagonal().array() += in.noise_var_v2;
    if (!in.extra_cov_v2.empty())
        R += Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            in.extra_cov_v2.data(), K, K);

    // Greedy active set for the per-tap limits (relative to the cursor tap): clamped taps are
    // tied to the cursor tap, w = T u.
    std::vector<int> clamped(static_cast<std::size_t>(K), 0);  // 0 free, -1 at min, +1 at max
    Eigen::VectorXd w;
    for (int iter = 0; iter <= K; ++iter) {
        std::vector<int> free_idx;
        for (int k = 0; k < K; ++k)
            if (k == P || clamped[static_cast<std::size_t>(k)] == 0) free_idx.push_back(k);
        const int F = static_cast<int>(free_idx.size());
        Eigen::MatrixXd T = Eigen::MatrixXd::Zero(K, F);
        for (int j = 0; j < F; ++j) T(free_idx[static_cast<std::size_t>(j)], j) = 1.0;
        const int jc = static_cast<int>(std::find(free_idx.begin(), free_idx.end(), P) - free_idx.begin());
        for (int k = 0; k < K; ++k) {
            const int st = clamped[static_cast<std::size_t>(k)];
            if (k == P || st == 0) continue;
            T(k, jc) = st < 0 ? cfg.tap_min[static_cast<std::size_t>(k)] : cfg.tap_max[static_cast<std::size_t>(k)];
        }
        const Eigen::MatrixXd A = T.transpose() * R * T;
        const Eigen::VectorXd u = A.ldlt().solve(T.transpose() * p);
        w = T * u;
        if (cfg.tap_min.empty() && cfg.tap_max.empty()) break;
        // most violating free tap
        int worst = -1, side = 0;
        double excess = 0;
        const double wc = w(P);
        for (int k = 0; k < K; ++k) {
            if (k == P || clamped[static_cast<std::size_t>(k)] != 0 || wc == 0) continue;
            const double r = w(k) / wc;
            if (!cfg.tap_min.empty() && cfg.tap_min[static_cast<std::size_t>(k)] - r > excess) {
                excess = cfg.tap_min[static_cast<std::size_t>(k)] - r;
                worst = k;
                side = -1;
            }
            if (!cfg.tap_max.empty() && r - cfg.tap_max[static_cast<std::size_t>(k)] > excess) {
                excess = r - cfg.tap_max[static_cast<std::size_t>(k)];
                worst = k;
                side = 1;
            }
        }
        if (worst < 0) break;
        clamped[static_cast<std::size_t>(worst)] = side;
    }
    // J = sa2 - 2 w^T p + w^T R w (R without the excluded cursors)
    const double mse = sa2 - 2.0 * w.dot(p) + w.dot(R * w);
    return finish(cfg, in, std::vector<double>(w.data(), w.data() + K), mse);
}

FfeSolution solve_ffe_zf(const FfeConfig& cfg, const FfeSolveInput& in) {
    validate(cfg);
    validate_input(cfg, in);
    const int K = cfg.taps, P = cfg.pre;
    const int excl = std::max(in.dfe_taps, in.target_memory);
    Eigen::MatrixXd A(K, K);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(K);
    int row = 0;
    for (int d = -P; row < K; ++d) {
        if (d >= 1 && d <= excl) continue;
        for (int k = 0; k < K; ++k) A(row, k) = hd(in, P, d, k);
        if (d == 0) b(row) = 1.0;
        ++row;
    }
    Eigen::FullPivLU<Eigen::MatrixXd> lu(A);
    if (!lu.isInvertible())
        throw ModelError("rx.ffe: zero-forcing system is singular for this pulse and tap span");
    const Eigen::VectorXd w = lu.solve(b);
    // model MSE: residual ISI outside the forced span plus noise
    FfeSolution s = finish(cfg, in, std::vector<double>(w.data(), w.data() + K), 0.0);
    const double sa2 = in.data_var > 0 ? in.data_var : pam_level_variance(cfg.levels);
    double mse = in.noise_var_v2 * s.noise_gain;
    for (int i = 0; i < static_cast<int>(s.equalized.size()); ++i) {
        const int d = i - s.cursor;
        if (d >= 1 && d <= excl) continue;
        const double e = s.equalized[static_cast<std::size_t>(i)] - (d == 0 ? 1.0 : 0.0);
        mse += sa2 * e * e;
    }
    s.mse = mse;
    return s;
}

FfeSolution solve_ffe(const FfeConfig& cfg, const FfeSolveInput& in) {
    if (cfg.mode == "zf") return solve_ffe_zf(cfg, in);
    if (cfg.mode == "mmse" || cfg.mode == "lms") return solve_ffe_mmse(cfg, in);
    throw ConfigError("rx.ffe.mode", "solve_ffe needs mode \"mmse\", \"zf\" or \"lms\" (got \"" +
                                         cfg.mode + "\")");
}

Ffe::Ffe(const FfeConfig& cfg, std::span<const double> taps, double h0)
    : k_(cfg.taps), pre_(cfg.pre), levels_(cfg.levels), lms_(cfg.mode == "lms"),
      sign_sign_(cfg.lms_update == "sign_sign"), adapting_(cfg.mode == "lms"), mu_(cfg.mu) {
    validate(cfg);
    const auto K = static_cast<std::size_t>(k_);
    wr_.assign(K, 0.0);
    if (taps.empty()) {
        require(lms_, "rx.ffe.coefficients", "taps are needed unless mode is \"lms\"", 0);
        require(std::isfinite(h0) && h0 != 0, "rx.ffe", "LMS start needs a nonzero input cursor", h0);
        wr_[K - 1 - static_cast<std::size_t>(pre_)] = 1.0 / h0;
    } else {
        require(taps.size() == K, "rx.ffe.coefficients", "must have rx.ffe.taps values", taps.size());
        for (std::size_t k = 0; k < K; ++k) wr_[K - 1 - k] = taps[k];
    }
    window_.assign(K, 0.0);
    scratch_.assign(K - 1 + kChunk, 0.0);
    if (!cfg.tap_min.empty() || !cfg.tap_max.empty()) {
        limited_ = true;
        lo_.assign(K, -1e300);
        hi_.assign(K, 1e300);
        for (std::size_t k = 0; k < K; ++k) {
            if (!cfg.tap_min.empty()) lo_[K - 1 - k] = cfg.tap_min[k];
            if (!cfg.tap_max.empty()) hi_[K - 1 - k] = cfg.tap_max[k];
        }
    }
}

void Ffe::reset() noexcept { std::fill(window_.begin(), window_.end(), 0.0); }

std::vector<double> Ffe::taps() const { return {wr_.rbegin(), wr_.rend()}; }

double Ffe::step(double x) noexcept {
    const auto K = static_cast<std::size_t>(k_);
    for (std::size_t j = 0; j + 1 < K; ++j) window_[j] = window_[j + 1];
    window_[K - 1] = x;
    double y = 0;
    for (std::size_t j = 0; j < K; ++j) y += wr_[j] * window_[j];
    return y;
}

void Ffe::clamp_taps() noexcept {
    const auto K = static_cast<std::size_t>(k_);
    const std::size_t jc = K - 1 - static_cast<std::size_t>(pre_);
    const double wc = wr_[jc];
    if (wc <= 0) return;
    for (std::size_t j = 0; j < K; ++j)
        if (j != jc) wr_[j] = std::clamp(wr_[j], lo_[j] * wc, hi_[j] * wc);
}

void Ffe::update(double e) noexcept {
    const auto K = static_cast<std::size_t>(k_);
    if (sign_sign_) {
        const double s = e > 0 ? -mu_ : (e < 0 ? mu_ : 0.0);  // descent: w -= mu sgn(e) sgn(x)
        for (std::size_t j = 0; j < K; ++j)
            wr_[j] += window_[j] > 0 ? s : (window_[j] < 0 ? -s : 0.0);
    } else {
        const double s = -mu_ * e;  // w -= mu e x  (gradient of e^2/2, e = y - a)
        for (std::size_t j = 0; j < K; ++j) wr_[j] += s * window_[j];
    }
    if (limited_) clamp_taps();
}

void Ffe::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(out.size() >= in.size());
    const std::size_t n = in.size();
    if (adapting_) {
        const double half = (levels_ - 1) / 2.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double y = step(in[i]);
            out[i] = y;
            // nearest normalised level
            const double idx = std::clamp(round_even((y + 1.0) * half), 0.0, 2.0 * half);
            update(y - (-1.0 + idx / half));
        }
        return;
    }
    const auto K = static_cast<std::size_t>(k_);
    double* s = scratch_.data();
    for (std::size_t done = 0; done < n;) {
        const std::size_t m = std::min(kChunk, n - done);
        // scratch = last K-1 inputs, then this chunk
        for (std::size_t j = 0; j + 1 < K; ++j) s[j] = window_[j + 1];
        std::copy(in.begin() + static_cast<std::ptrdiff_t>(done),
                  in.begin() + static_cast<std::ptrdiff_t>(done + m), s + (K - 1));
        double* o = out.data() + done;
        std::fill(o, o + m, 0.0);
        for (std::size_t j = 0; j < K; ++j) {
            const double c = wr_[j];
            const double* sj = s + j;
            for (std::size_t t = 0; t < m; ++t) o[t] += c * sj[t];
        }
        // window = last K inputs of scratch
        for (std::size_t j = 0; j < K; ++j) window_[j] = s[m + j - 1];
        done += m;
    }
}

}  // namespace si::rx

#include "si/optics/compression.hpp"

#include <cmath>
#include <complex>
#include <limits>
#include <map>
#include <mutex>
#include <vector>

#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/optics/block_math.hpp"

namespace si::optics {

void validate(const CompressionConfig& c, const std::string& prefix) {
    const std::string p = prefix + ".compression.";
    require(c.model == "none" || c.model == "tanh" || c.model == "cubic", p + "model",
            "must be \"none\", \"tanh\" or \"cubic\"", c.model);
    if (c.model == "none") return;
    require(std::isfinite(c.thd) && c.thd >= 0, p + "thd", "must be >= 0", c.thd);
    require(std::isfinite(c.amplitude_v) && c.amplitude_v >= 0, p + "amplitude_v", "must be >= 0 V",
            c.amplitude_v);
    require(std::isfinite(c.p1db_v) && c.p1db_v >= 0, p + "p1db_v", "must be >= 0 V", c.p1db_v);
    require(std::isfinite(c.limit_v) && c.limit_v >= 0, p + "limit_v", "must be >= 0 V", c.limit_v);
    const int given = (c.thd > 0 ? 1 : 0) + (c.p1db_v > 0 ? 1 : 0) + (c.limit_v > 0 ? 1 : 0);
    require(given == 1, p + "thd",
            "give exactly one of thd (with amplitude_v), p1db_v or limit_v (tanh)", given);
    if (c.thd > 0) {
        require(c.amplitude_v > 0, p + "amplitude_v", "must be > 0 V when thd is given",
                c.amplitude_v);
        if (c.model == "tanh")
            require(c.thd < 0.48, p + "thd", "must be < 0.48 for tanh (a square wave has 0.483)",
                    c.thd);
        else
            require(c.thd < 1.0 / 9.0, p + "thd",
                    "must be < 1/9 for cubic (its THD at the turning point)", c.thd);
    }
    if (c.limit_v > 0)
        require(c.model == "tanh", p + "limit_v", "only for model \"tanh\"", c.limit_v);
}

namespace {
// Harmonic amplitudes of f(a sin t) by a 2048-point DFT of one period (harmonics 1..99; the
// curves are smooth, so higher ones are negligible). sin/cos from one table, index k i mod n.
template <class F>
void harmonics(const F& f, double a, double& h1, double& hrest) {
    constexpr int n = 2048;
    static const std::vector<double> tab = [] {
        std::vector<double> t(n);
        for (int i = 0; i < n; ++i) t[static_cast<std::size_t>(i)] = std::sin(2 * kPi * i / n);
        return t;
    }();
    std::vector<double> y(n);
    for (int i = 0; i < n; ++i) y[static_cast<std::size_t>(i)] = f(a * tab[static_cast<std::size_t>(i)]);
    h1 = 0;
    double r2 = 0;
    for (int k = 1; k < 100; ++k) {
        double re = 0, im = 0;
        // m = k i mod n, stepped (n is a power of two)
        for (int i = 0, m = 0; i < n; ++i, m = (m + k) & (n - 1)) {
            re += y[static_cast<std::size_t>(i)] * tab[static_cast<std::size_t>((m + n / 4) & (n - 1))];
            im += y[static_cast<std::size_t>(i)] * tab[static_cast<std::size_t>(m)];
        }
        const double mag2 = 4 * (re * re + im * im) / (double(n) * n);
        if (k == 1)
            h1 = std::sqrt(mag2);
        else
            r2 += mag2;
    }
    hrest = std::sqrt(r2);
}

// Root of g(u) = target for g increasing in u on [lo, hi], by bisection in log u.
template <class G>
double solve_log(const G& g, double target, double lo, double hi) {
    for (int it = 0; it < 100; ++it) {
        const double mid = std::sqrt(lo * hi);
        if (!(mid > lo && mid < hi)) break;  // lo and hi adjacent: further steps change nothing
        (g(mid) < target ? lo : hi) = mid;
    }
    return std::sqrt(lo * hi);
}
}  // namespace

Compressor::Compressor(const CompressionConfig& c, const std::string& prefix) {
    validate(c, prefix);
    if (c.model == "none") return;
    if (c.model == "cubic") {
        kind_ = Kind::cubic;
        a3_ = c.thd > 0 ? 4 * c.thd / (c.amplitude_v * c.amplitude_v * (1 + 3 * c.thd))
                        : (4.0 / 3.0) * (1 - db20_to_lin(-1.0)) / (c.p1db_v * c.p1db_v);
        xm_ = 1 / std::sqrt(3 * a3_);
        ym_ = 2.0 / 3.0 * xm_;
        return;
    }
    kind_ = Kind::tanh;
    auto set = [&](double l) {
        limit_ = l;
        inv_limit_ = 1 / l;
    };
    if (c.limit_v > 0) {
        set(c.limit_v);
        return;
    }
    // u = A / L: THD rises and the fundamental gain falls monotonically with u.
    const double a = c.thd > 0 ? c.amplitude_v : c.p1db_v;
    auto metric = [&](double u) {
        double h1, hr;
        harmonics([u](double x) { return std::tanh(x * u) / u; }, 1.0, h1, hr);
        return c.thd > 0 ? hr / h1 : -h1;  // increasing in u either way
    };
    const double target = c.thd > 0 ? c.thd : -db20_to_lin(-1.0);
    // u depends on the target alone; the fit (a bisection over harmonic analyses) is memoised:
    // every segment of a run builds its chain, and the fit was 20 % of an LPO run's time
    static std::mutex memo_mutex;
    static std::map<std::pair<bool, double>, double> memo;
    const std::pair<bool, double> key{c.thd > 0, target};
    double u = 0;
    {
        std::lock_guard<std::mutex> lock(memo_mutex);
        if (auto it = memo.find(key); it != memo.end()) u = it->second;
    }
    if (u == 0) {
        u = solve_log(metric, target, 1e-4, 1e3);
        std::lock_guard<std::mutex> lock(memo_mutex);
        memo.emplace(key, u);
    }
    set(a / u);
}

void Compressor::process(double* y, std::size_t n, double pre) const noexcept {
    switch (kind_) {
        case Kind::none:
            if (pre != 1.0)
                for (std::size_t i = 0; i < n; ++i) y[i] *= pre;
            return;
        case Kind::tanh: tanh_block(y, y, n, limit_, inv_limit_, pre); return;
        case Kind::cubic:
            for (std::size_t i = 0; i < n; ++i) y[i] = (*this)(y[i] * pre);
            return;
    }
}

double Compressor::output_limit_v() const noexcept {
    switch (kind_) {
        case Kind::tanh: return limit_;
        case Kind::cubic: return ym_;
        case Kind::none: break;
    }
    return std::numeric_limits<double>::infinity();
}

double Compressor::thd_of_sine(double a) const {
    double h1, hr;
    harmonics(*this, a, h1, hr);
    return hr / h1;
}

double Compressor::fundamental_gain(double a) const {
    double h1, hr;
    harmonics(*this, a, h1, hr);
    return h1 / a;
}

}  // namespace si::optics

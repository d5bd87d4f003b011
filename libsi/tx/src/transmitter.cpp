#include "si/tx/transmitter.hpp"

#include <cmath>
#include <numbers>

#include "si/core/error.hpp"

namespace si::tx {

void validate(const TxConfig& c) {
    require(std::isfinite(c.swing_v) && c.swing_v > 0 && c.swing_v <= kMaxSwingV, "tx.swing",
            str("must be in (0, ", kMaxSwingV, "] V"), c.swing_v);
    require(!c.ffe.empty(), "tx.ffe", "needs at least one tap", "[]");
    require(c.ffe.size() <= kMaxFfeTaps, "tx.ffe", str("at most ", kMaxFfeTaps, " taps"),
            str(c.ffe.size(), " taps"));
    double sum_abs = 0;
    for (double t : c.ffe) {
        require(std::isfinite(t), "tx.ffe", "taps must be finite numbers", t);
        sum_abs += std::abs(t);
    }
    require(sum_abs > 0, "tx.ffe", "taps must not all be zero", sum_abs);
    require(c.ffe_normalize || (sum_abs <= kMaxFfeGain && sum_abs >= 1.0 / kMaxFfeGain), "tx.ffe",
            str("sum of |taps| must be in [", 1.0 / kMaxFfeGain, ", ", kMaxFfeGain,
                "] (or set tx.ffe_normalize)"), sum_abs);
    require(c.ffe_main >= -1 && c.ffe_main < static_cast<int>(c.ffe.size()), "tx.ffe_main",
            "must be -1 (auto) or an index into tx.ffe", c.ffe_main);
    require(std::isfinite(c.rise_time_s) && c.rise_time_s >= 0, "tx.rise_time", "must be >= 0 s",
            c.rise_time_s);
    require(std::isfinite(c.rj_rms_ui) && c.rj_rms_ui >= 0 && c.rj_rms_ui < 0.5, "tx.rj",
            "must be in [0, 0.5) UI rms", c.rj_rms_ui);
    require(std::isfinite(c.sj_amp_ui) && c.sj_amp_ui >= 0 && c.sj_amp_ui < 10, "tx.sj",
            "must be in [0, 10) UI", c.sj_amp_ui);
    require(std::isfinite(c.sj_freq_hz) && c.sj_freq_hz >= 0, "tx.sj_frequency", "must be >= 0 Hz",
            c.sj_freq_hz);
    require(!(c.sj_amp_ui > 0 && c.sj_freq_hz == 0), "tx.sj_frequency",
            "must be > 0 when tx.sj is set", c.sj_freq_hz);
    require(std::isfinite(c.dcd_ui) && c.dcd_ui >= 0 && c.dcd_ui < 0.5, "tx.dcd",
            "must be in [0, 0.5) UI", c.dcd_ui);
    require(!std::isnan(c.snr_db) && c.snr_db >= 0, "tx.snr", "must be >= 0 dB (0 = off)", c.snr_db);
    require(c.snr_model == "launch" || c.snr_model == "com", "tx.snr_model",
            "must be \"launch\" (noise on the launched symbols) or \"com\" (IEEE 802.3 eq. 93A-30)",
            c.snr_model);
}

bool has_jitter(const TxConfig& c) noexcept {
    return c.rj_rms_ui > 0 || c.sj_amp_ui > 0 || c.dcd_ui > 0;
}

int ffe_main_index(const TxConfig& c) {
    if (c.ffe_main >= 0) return c.ffe_main;
    int best = 0;
    for (int i = 1; i < static_cast<int>(c.ffe.size()); ++i)
        if (std::abs(c.ffe[static_cast<std::size_t>(i)]) >
            std::abs(c.ffe[static_cast<std::size_t>(best)]))
            best = i;
    return best;
}

std::vector<double> ffe_taps(const TxConfig& c) {
    std::vector<double> t = c.ffe;
    if (c.ffe_normalize) {
        double s = 0;
        for (double v : t) s += std::abs(v);
        for (double& v : t) v /= s;
    }
    return t;
}

std::complex<double> rise_time_response(double rise_time_s, double f_hz) noexcept {
    if (rise_time_s <= 0) return 1.0;
    const double x = std::numbers::pi * f_hz * rise_time_s / 1.6832;
    return std::exp(-2.0 * x * x);
}

std::complex<double> ffe_response(const std::vector<double>& taps, int main, double symbol_rate_bd,
                                  double f_hz) noexcept {
    std::complex<double> h = 0;
    const double w = -2.0 * std::numbers::pi * f_hz / symbol_rate_bd;
    for (int k = 0; k < static_cast<int>(taps.size()); ++k)
        h += taps[static_cast<std::size_t>(k)] * std::polar(1.0, w * (k - main));
    return h;
}

}  // namespace si::tx

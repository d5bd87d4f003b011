#include "si/rx/ctle.hpp"

#include <cmath>

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

std::complex<double> ctle_response(const CtleConfig& c, double f) noexcept {
    if (c.model != "com") return 1.0;
    using cd = std::complex<double>;
    const cd j(0, 1);
    // The two DC gains as linear factors, kept for the last gains asked for on this thread: a
    // response is evaluated at ~1e5 frequencies of one config (the same values as computing
    // them each time, without two pow calls per frequency).
    thread_local double last_db[2] = {NAN, NAN}, last_lin[2] = {1, 1};
    if (!(c.gdc_db == last_db[0] && c.gdc2_db == last_db[1])) {
        last_lin[0] = db20_to_lin(c.gdc_db);
        last_lin[1] = db20_to_lin(c.gdc2_db);
        last_db[0] = c.gdc_db;
        last_db[1] = c.gdc2_db;
    }
    const cd num = (last_lin[0] + j * f / c.fz_hz) * (last_lin[1] + j * f / c.flf_hz);
    const cd den = (1.0 + j * f / c.fp1_hz) * (1.0 + j * f / c.fp2_hz) * (1.0 + j * f / c.flf_hz);
    return num / den;
}

std::complex<double> butterworth4_response(double bw_hz, double f) noexcept {
    if (bw_hz <= 0) return 1.0;
    const double x = f / bw_hz;
    return 1.0 / std::complex<double>(1.0 - 3.414214 * x * x + x * x * x * x,
                                      2.613126 * (x - x * x * x));
}

}  // namespace si::rx

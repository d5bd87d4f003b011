#include "si/dsp/freq.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "si/dsp/fft.hpp"

namespace si::dsp {

std::vector<double> impulse_from_samples(const std::vector<std::complex<double>>& hk,
                                         std::size_t n) {
    return impulse_from_samples(std::vector<std::complex<double>>(hk), n);
}

std::vector<double> impulse_from_samples(std::vector<std::complex<double>>&& hk, std::size_t n) {
    if (n < 2 || n % 2) throw std::invalid_argument("impulse_from_samples: n must be even >= 2");
    if (hk.size() != n / 2 + 1) throw std::invalid_argument("impulse_from_samples: need n/2+1 bins");
    std::vector<std::complex<double>> spec(std::move(hk));
    spec[0] = {spec[0].real(), 0.0};
    spec[n / 2] = {spec[n / 2].real(), 0.0};
    std::vector<double> h(n);
    RealFft fft(n);
    fft.inverse(spec, h);
    // Taps for the sampled waveform: h_d[n] = dt * h(t_n), and h(t) = (1/(N dt)) sum_k H_k e^{...};
    // so h_d = (1/N) * unnormalised IDFT.
    const double s = 1.0 / static_cast<double>(n);
    for (auto& v : h) v *= s;
    return h;
}

std::vector<double> impulse_from_response(const TransferFunction& h, double dt_s, std::size_t n) {
    if (!(dt_s > 0)) throw std::invalid_argument("impulse_from_response: dt must be > 0");
    std::vector<std::complex<double>> hk(n / 2 + 1);
    const double df = 1.0 / (static_cast<double>(n) * dt_s);
    for (std::size_t k = 0; k < hk.size(); ++k) hk[k] = h(static_cast<double>(k) * df);
    return impulse_from_samples(hk, n);
}

std::complex<double> dtft(const std::vector<double>& h, double dt_s, double f_hz) {
    std::complex<double> acc = 0;
    const double w = -2.0 * std::numbers::pi * f_hz * dt_s;
    for (std::size_t i = 0; i < h.size(); ++i)
        acc += h[i] * std::polar(1.0, w * static_cast<double>(i));
    return acc;
}

}  // namespace si::dsp

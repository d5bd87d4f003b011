#include "si/optics/linear_filter.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "si/core/error.hpp"
#include "si/dsp/fft.hpp"

namespace si::optics {

std::vector<double> design_fir_from_response(const std::function<std::complex<double>(double)>& response, double dt,
                                             std::size_t k) {
    require(k >= 2 && k % 2 == 0, "optics.filter.taps", "must be even and >= 2", k);
    require(std::isfinite(dt) && dt > 0, "optics.filter.dt_s", "must be > 0", dt);
    const std::size_t nb = k / 2 + 1;
    std::vector<std::complex<double>> spec(nb);
    for (std::size_t i = 0; i < nb; ++i) {
        const double f = static_cast<double>(i) / (static_cast<double>(k) * dt);
        const auto h = response(f);
        require(std::isfinite(h.real()) && std::isfinite(h.imag()), "optics.filter.response",
                "must be finite at every frequency", f);
        // Bulk delay D = K/2 samples: e^{-j 2 pi (i/K) D} = (-1)^i.
        spec[i] = h * ((i % 2) ? -1.0 : 1.0);
    }
    const double tol = 1e-9 * std::max(1.0, std::abs(spec[0]));
    require(std::abs(spec[0].imag()) <= tol, "optics.filter.response", "must be real at DC", spec[0].imag());
    // A real K-tap filter has a real Nyquist bin: its imaginary part (a pole's phase there) is
    // dropped, the only point where the FIR departs from H on the grid.
    spec[0] = spec[0].real();
    spec[nb - 1] = spec[nb - 1].real();
    std::vector<double> h(k);
    dsp::RealFft fft(k);
    fft.inverse(spec, h);
    for (auto& v : h) v /= static_cast<double>(k);
    return h;
}

struct OverlapSaveFilter::Impl {
    explicit Impl(std::size_t n) : fft(n), x(n, 0.0), y(n, 0.0), spec(n / 2 + 1), hf(n / 2 + 1) {}
    dsp::RealFft fft;
    std::vector<double> x;    // frame input: L-1 history + hop new samples
    std::vector<double> y;    // frame output (its last hop samples are valid)
    std::vector<double> out;  // the hop outputs being delivered
    std::vector<std::complex<double>> spec, hf;
};

OverlapSaveFilter::OverlapSaveFilter(std::vector<double> taps, std::size_t fft_size, std::size_t bulk)
    : h_(std::move(taps)), bulk_(bulk) {
    require(!h_.empty(), "optics.filter.taps", "needs at least one tap", h_.size());
    for (double v : h_) require(std::isfinite(v), "optics.filter.taps", "must be finite", v);
    const std::size_t l = h_.size();
    n_ = fft_size ? fft_size : dsp::good_fft_size(std::max<std::size_t>(4 * l, 256));
    require(n_ >= l && n_ % 2 == 0, "optics.filter.fft_size", "must be even and >= the number of taps", n_);
    hop_ = n_ - l + 1;
    impl_ = std::make_unique<Impl>(n_);
    std::vector<double> hp(n_, 0.0);
    std::copy(h_.begin(), h_.end(), hp.begin());
    impl_->fft.forward(hp, impl_->hf);
    for (auto& v : impl_->hf) v /= static_cast<double>(n_);  // the inverse FFT is unnormalised
    impl_->out.assign(hop_, 0.0);
}

OverlapSaveFilter::OverlapSaveFilter(const std::function<std::complex<double>(double)>& response, double dt,
                                     std::size_t taps, std::size_t fft_size)
    : OverlapSaveFilter(design_fir_from_response(response, dt, taps), fft_size, taps / 2) {}

OverlapSaveFilter::~OverlapSaveFilter() = default;
OverlapSaveFilter::OverlapSaveFilter(OverlapSaveFilter&&) noexcept = default;
OverlapSaveFilter& OverlapSaveFilter::operator=(OverlapSaveFilter&&) noexcept = default;

void OverlapSaveFilter::frame() noexcept {
    auto& m = *impl_;
    m.fft.forward(m.x, m.spec);
    for (std::size_t k = 0; k < m.spec.size(); ++k) m.spec[k] *= m.hf[k];
    m.fft.inverse(m.spec, m.y);
    const std::size_t l1 = h_.size() - 1;
    std::copy(m.y.begin() + static_cast<std::ptrdiff_t>(l1), m.y.end(), m.out.begin());
    // Keep the last L-1 inputs as the next frame's history.
    std::copy(m.x.end() - static_cast<std::ptrdiff_t>(l1), m.x.end(), m.x.begin());
}

void OverlapSaveFilter::process(std::span<const double> in, std::span<double> out) noexcept {
    SI_ASSERT(in.size() == out.size());
    auto& m = *impl_;
    const std::size_t l1 = h_.size() - 1;
    std::size_t i = 0;
    while (i < in.size()) {
        // Deliver the previous frame's outputs while the current frame fills (same positions).
        const std::size_t n = std::min(hop_ - pos_, in.size() - i);
        for (std::size_t j = 0; j < n; ++j) {
            const double v = in[i + j];  // read before writing: in and out may alias
            out[i + j] = m.out[pos_ + j];
            m.x[l1 + pos_ + j] = v;
        }
        pos_ += n;
        i += n;
        if (pos_ == hop_) {
            frame();
            pos_ = 0;
        }
    }
}

void OverlapSaveFilter::reset() noexcept {
    std::fill(impl_->x.begin(), impl_->x.end(), 0.0);
    std::fill(impl_->out.begin(), impl_->out.end(), 0.0);
    pos_ = 0;
}

std::complex<double> OverlapSaveFilter::response(double f, double dt) const noexcept {
    std::complex<double> acc = 0;
    for (std::size_t m = 0; m < h_.size(); ++m)
        acc += h_[m] * std::polar(1.0, -2 * std::numbers::pi * f * dt * static_cast<double>(m));
    return acc;
}

}  // namespace si::optics

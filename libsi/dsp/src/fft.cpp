#include "si/dsp/fft.hpp"

#include <fftw3.h>

#include <mutex>
#include <stdexcept>

namespace si::dsp {
namespace {
// FFTW's planner is not thread-safe; plan creation and destruction take this lock.
std::mutex& planner_mutex() {
    static std::mutex m;
    return m;
}
}  // namespace

struct RealFft::Impl {
    double* buf_r = nullptr;
    fftw_complex* buf_c = nullptr;
    fftw_plan fwd = nullptr, inv = nullptr;
    ~Impl() {
        std::lock_guard lk(planner_mutex());
        if (fwd) fftw_destroy_plan(fwd);
        if (inv) fftw_destroy_plan(inv);
        fftw_free(buf_r);
        fftw_free(buf_c);
    }
};

RealFft::RealFft(std::size_t n) : n_(n), impl_(std::make_unique<Impl>()) {
    if (n < 2) throw std::invalid_argument("RealFft: size must be >= 2");
    std::lock_guard lk(planner_mutex());
    impl_->buf_r = fftw_alloc_real(n);
    impl_->buf_c = fftw_alloc_complex(n / 2 + 1);
    const int ni = static_cast<int>(n);
    impl_->fwd = fftw_plan_dft_r2c_1d(ni, impl_->buf_r, impl_->buf_c, FFTW_ESTIMATE);
    impl_->inv = fftw_plan_dft_c2r_1d(ni, impl_->buf_c, impl_->buf_r, FFTW_ESTIMATE);
    if (!impl_->fwd || !impl_->inv) throw std::runtime_error("RealFft: FFTW could not plan");
}
RealFft::~RealFft() = default;
RealFft::RealFft(RealFft&&) noexcept = default;
RealFft& RealFft::operator=(RealFft&&) noexcept = default;

void RealFft::forward(std::span<const double> in, std::span<std::complex<double>> out) {
    std::copy(in.begin(), in.end(), impl_->buf_r);
    fftw_execute(impl_->fwd);
    const auto* c = reinterpret_cast<const std::complex<double>*>(impl_->buf_c);
    std::copy(c, c + n_ / 2 + 1, out.begin());
}
void RealFft::inverse(std::span<const std::complex<double>> in, std::span<double> out) {
    std::copy(in.begin(), in.end(), reinterpret_cast<std::complex<double>*>(impl_->buf_c));
    fftw_execute(impl_->inv);  // c2r destroys its input: we copy in every time
    std::copy(impl_->buf_r, impl_->buf_r + n_, out.begin());
}

struct RealFftF::Impl {
    float* buf_r = nullptr;
    fftwf_complex* buf_c = nullptr;
    fftwf_plan fwd = nullptr, inv = nullptr;
    ~Impl() {
        std::lock_guard lk(planner_mutex());
        if (fwd) fftwf_destroy_plan(fwd);
        if (inv) fftwf_destroy_plan(inv);
        fftwf_free(buf_r);
        fftwf_free(buf_c);
    }
};

RealFftF::RealFftF(std::size_t n) : n_(n), impl_(std::make_unique<Impl>()) {
    if (n < 2) throw std::invalid_argument("RealFftF: size must be >= 2");
    std::lock_guard lk(planner_mutex());
    impl_->buf_r = fftwf_alloc_real(n);
    impl_->buf_c = fftwf_alloc_complex(n / 2 + 1);
    const int ni = static_cast<int>(n);
    impl_->fwd = fftwf_plan_dft_r2c_1d(ni, impl_->buf_r, impl_->buf_c, FFTW_ESTIMATE);
    impl_->inv = fftwf_plan_dft_c2r_1d(ni, impl_->buf_c, impl_->buf_r, FFTW_ESTIMATE);
    if (!impl_->fwd || !impl_->inv) throw std::runtime_error("RealFftF: FFTW could not plan");
}
RealFftF::~RealFftF() = default;
RealFftF::RealFftF(RealFftF&&) noexcept = default;
RealFftF& RealFftF::operator=(RealFftF&&) noexcept = default;

void RealFftF::forward(std::span<const float> in, std::span<std::complex<float>> out) {
    std::copy(in.begin(), in.end(), impl_->buf_r);
    fftwf_execute(impl_->fwd);
    const auto* c = reinterpret_cast<const std::complex<float>*>(impl_->buf_c);
    std::copy(c, c + n_ / 2 + 1, out.begin());
}
void RealFftF::inverse(std::span<const std::complex<float>> in, std::span<float> out) {
    std::copy(in.begin(), in.end(), reinterpret_cast<std::complex<float>*>(impl_->buf_c));
    fftwf_execute(impl_->inv);
    std::copy(impl_->buf_r, impl_->buf_r + n_, out.begin());
}
std::span<std::complex<float>> RealFftF::inverse_input() noexcept {
    return {reinterpret_cast<std::complex<float>*>(impl_->buf_c), n_ / 2 + 1};
}
void RealFftF::execute_inverse() noexcept { fftwf_execute(impl_->inv); }
std::span<const float> RealFftF::inverse_output() const noexcept { return {impl_->buf_r, n_}; }

std::size_t good_fft_size(std::size_t n) {
    if (n <= 2) return 2;
    for (std::size_t m = n;; ++m) {
        std::size_t r = m;
        for (std::size_t p : {2, 3, 5})
            while (r % p == 0) r /= p;
        if (r == 1) return m;
    }
}

}  // namespace si::dsp

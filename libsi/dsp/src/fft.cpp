#include "si/dsp/fft.hpp"

#include <fftw3.h>

#include <map>
#include <mutex>
#include <stdexcept>

namespace si::dsp {
namespace {
// FFTW's planner is not thread-safe; plan creation and destruction take this lock.
std::mutex& planner_mutex() {
    static std::mutex m;
    return m;
}

// One forward and one inverse plan per size and precision for the whole process, made on the
// first object of that size and destroyed at exit: every object runs them on its own buffers
// (FFTW's new-array execute: thread-safe; the buffers come from fftw_alloc like the planning
// arrays, so their alignment is the same). An FFTW_ESTIMATE plan depends only on the size and
// that alignment, so the values are those of a plan made for the object itself.
template <class Plan>
struct PlanPair {
    Plan fwd = nullptr, inv = nullptr;
};
inline void destroy_plan(fftw_plan p) { fftw_destroy_plan(p); }
inline void destroy_plan(fftwf_plan p) { fftwf_destroy_plan(p); }
/// The plans of one precision, by size, under planner_mutex(). Destroyed with the other statics
/// at exit (after every object that runs them: none has static storage), so that nothing of
/// FFTW's is left allocated (leak checkers).
template <class Plan>
struct PlanCache {
    std::map<std::size_t, PlanPair<Plan>> plans;
    PlanCache() { (void)planner_mutex(); }  // constructed first, so destroyed after this cache
    ~PlanCache() {
        std::lock_guard lk(planner_mutex());
        for (auto& [n, p] : plans) {
            destroy_plan(p.fwd);
            destroy_plan(p.inv);
        }
    }
};
template <class Plan, class MakeFwd, class MakeInv>
PlanPair<Plan> cached_plans(std::size_t n, MakeFwd&& make_fwd, MakeInv&& make_inv) {
    static PlanCache<Plan> cache;  // under planner_mutex()
    auto it = cache.plans.find(n);
    if (it != cache.plans.end()) return it->second;
    PlanPair<Plan> p{make_fwd(), make_inv()};
    if (!p.fwd || !p.inv) {
        if (p.fwd) destroy_plan(p.fwd);
        if (p.inv) destroy_plan(p.inv);
        throw std::runtime_error("RealFft: FFTW could not plan");
    }
    cache.plans.emplace(n, p);
    return p;
}
}  // namespace

struct RealFft::Impl {
    double* buf_r = nullptr;
    fftw_complex* buf_c = nullptr;
    PlanPair<fftw_plan> plan;  // the process's plans of this size (cached_plans)
    ~Impl() {
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
    auto* r = impl_->buf_r;
    auto* c = impl_->buf_c;
    impl_->plan = cached_plans<fftw_plan>(
        n, [&] { return fftw_plan_dft_r2c_1d(ni, r, c, FFTW_ESTIMATE); },
        [&] { return fftw_plan_dft_c2r_1d(ni, c, r, FFTW_ESTIMATE); });
}
RealFft::~RealFft() = default;
RealFft::RealFft(RealFft&&) noexcept = default;
RealFft& RealFft::operator=(RealFft&&) noexcept = default;

void RealFft::forward(std::span<const double> in, std::span<std::complex<double>> out) {
    std::copy(in.begin(), in.end(), impl_->buf_r);
    fftw_execute_dft_r2c(impl_->plan.fwd, impl_->buf_r, impl_->buf_c);
    const auto* c = reinterpret_cast<const std::complex<double>*>(impl_->buf_c);
    std::copy(c, c + n_ / 2 + 1, out.begin());
}
void RealFft::inverse(std::span<const std::complex<double>> in, std::span<double> out) {
    std::copy(in.begin(), in.end(), reinterpret_cast<std::complex<double>*>(impl_->buf_c));
    fftw_execute_dft_c2r(impl_->plan.inv, impl_->buf_c, impl_->buf_r);  // destroys its input: copied in every time
    std::copy(impl_->buf_r, impl_->buf_r + n_, out.begin());
}

struct RealFftF::Impl {
    float* buf_r = nullptr;
    fftwf_complex* buf_c = nullptr;
    PlanPair<fftwf_plan> plan;  // the process's plans of this size (cached_plans)
    ~Impl() {
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
    auto* r = impl_->buf_r;
    auto* c = impl_->buf_c;
    impl_->plan = cached_plans<fftwf_plan>(
        n, [&] { return fftwf_plan_dft_r2c_1d(ni, r, c, FFTW_ESTIMATE); },
        [&] { return fftwf_plan_dft_c2r_1d(ni, c, r, FFTW_ESTIMATE); });
}
RealFftF::~RealFftF() = default;
RealFftF::RealFftF(RealFftF&&) noexcept = default;
RealFftF& RealFftF::operator=(RealFftF&&) noexcept = default;

void RealFftF::forward(std::span<const float> in, std::span<std::complex<float>> out) {
    std::copy(in.begin(), in.end(), impl_->buf_r);
    fftwf_execute_dft_r2c(impl_->plan.fwd, impl_->buf_r, impl_->buf_c);
    const auto* c = reinterpret_cast<const std::complex<float>*>(impl_->buf_c);
    std::copy(c, c + n_ / 2 + 1, out.begin());
}
void RealFftF::inverse(std::span<const std::complex<float>> in, std::span<float> out) {
    std::copy(in.begin(), in.end(), reinterpret_cast<std::complex<float>*>(impl_->buf_c));
    fftwf_execute_dft_c2r(impl_->plan.inv, impl_->buf_c, impl_->buf_r);
    std::copy(impl_->buf_r, impl_->buf_r + n_, out.begin());
}
std::span<std::complex<float>> RealFftF::inverse_input() noexcept {
    return {reinterpret_cast<std::complex<float>*>(impl_->buf_c), n_ / 2 + 1};
}
void RealFftF::execute_inverse() noexcept { fftwf_execute_dft_c2r(impl_->plan.inv, impl_->buf_c, impl_->buf_r); }
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

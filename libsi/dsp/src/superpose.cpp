#include "si/dsp/superpose.hpp"

#include <algorithm>
#include <complex>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "si/dsp/fft.hpp"

namespace si::dsp {

namespace {

// acc[m] = sum_j x[-j] p[j M + m] for one UI, M known at compile time so the accumulator lives
// in registers. x points at the current symbol; x[-j] are earlier ones.
template <int M>
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void superpose_fixed(const float* __restrict x, const float* __restrict p, std::size_t l,
                     float* __restrict y, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        float acc[M] = {};
        const float* xi = x + i;
        for (std::size_t j = 0; j < l; ++j) {
            const float a = xi[-static_cast<std::ptrdiff_t>(j)];
            const float* pj = p + j * M;
            for (int m = 0; m < M; ++m) acc[m] += a * pj[m];
        }
        for (int m = 0; m < M; ++m) y[i * M + m] = acc[m];
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void superpose_any(const float* __restrict x, const float* __restrict p, std::size_t l, int mm,
                   float* __restrict y, std::size_t n) noexcept {
    const std::size_t M = static_cast<std::size_t>(mm);
    for (std::size_t i = 0; i < n; ++i) {
        float* yi = y + i * M;
        std::fill(yi, yi + M, 0.0f);
        const float* xi = x + i;
        for (std::size_t j = 0; j < l; ++j) {
            const float a = xi[-static_cast<std::ptrdiff_t>(j)];
            const float* pj = p + j * M;
            for (std::size_t m = 0; m < M; ++m) yi[m] += a * pj[m];
        }
    }
}

}  // namespace

PolyphaseSuperposer::PolyphaseSuperposer(std::span<const float> pulse, int samples_per_ui)
    : m_(samples_per_ui) {
    if (m_ < 1) throw std::invalid_argument("PolyphaseSuperposer: samples_per_ui must be >= 1");
    const std::size_t M = static_cast<std::size_t>(m_);
    l_ = std::max<std::size_t>(1, (pulse.size() + M - 1) / M);
    p_.assign(l_ * M, 0.0f);
    std::copy(pulse.begin(), pulse.end(), p_.begin());
    hist_.assign(l_ - 1, 0.0f);
}

void PolyphaseSuperposer::reset() noexcept { hist_.assign(l_ - 1, 0.0f); }

void PolyphaseSuperposer::process(std::span<const float> x, std::span<float> y) noexcept {
    const std::size_t n = x.size();
    const std::size_t h = l_ - 1;
    hist_.resize(h + n);
    std::copy(x.begin(), x.end(), hist_.begin() + static_cast<std::ptrdiff_t>(h));
    const float* xs = hist_.data() + h;
    switch (m_) {
        case 8: superpose_fixed<8>(xs, p_.data(), l_, y.data(), n); break;
        case 16: superpose_fixed<16>(xs, p_.data(), l_, y.data(), n); break;
        case 32: superpose_fixed<32>(xs, p_.data(), l_, y.data(), n); break;
        case 64: superpose_fixed<64>(xs, p_.data(), l_, y.data(), n); break;
        default: superpose_any(xs, p_.data(), l_, m_, y.data(), n); break;
    }
    // keep the last L-1 symbols
    std::copy(hist_.end() - static_cast<std::ptrdiff_t>(h), hist_.end(), hist_.begin());
    hist_.resize(h);
}

namespace {
using PulseSpectra = std::vector<std::vector<std::complex<float>>>;

// The per-phase spectra of a pulse: phase m of `pulse` (M samples per UI, l UI) zero-padded to n
// and scaled by 1/n, through `fft` (size n). A function of (pulse, M, n) only, so the last few
// are kept for the process by their exact bytes: the superposers of a run (its alignment
// pre-run, each segment, the aggressors) and of the next runs of the same pulse (sweep points
// that reuse the link) share them instead of redoing M FFTs each. The values are the ones
// computed for the first of them (the same plan, the same input).
std::shared_ptr<const PulseSpectra> pulse_spectra(std::span<const float> pulse, std::size_t M, std::size_t l,
                                                  std::size_t n, RealFftF& fft) {
    struct Entry {
        std::vector<float> pulse;
        std::size_t m, n;
        std::shared_ptr<const PulseSpectra> spectra;
    };
    static std::mutex mu;
    static std::list<Entry> memo;  // most recent first
    constexpr std::size_t kKeep = 8;
    auto same = [&](const Entry& e) {
        return e.m == M && e.n == n && e.pulse.size() == pulse.size() &&
               (pulse.empty() || std::memcmp(e.pulse.data(), pulse.data(), pulse.size() * sizeof(float)) == 0);
    };
    {
        std::lock_guard lk(mu);
        for (auto it = memo.begin(); it != memo.end(); ++it)
            if (same(*it)) {
                memo.splice(memo.begin(), memo, it);
                return memo.front().spectra;
            }
    }
    auto pm = std::make_shared<PulseSpectra>(M);
    std::vector<float> pp(n);
    for (std::size_t m = 0; m < M; ++m) {
        std::fill(pp.begin(), pp.end(), 0.0f);
        for (std::size_t j = 0; j < l; ++j) {
            const std::size_t i = j * M + m;
            pp[j] = i < pulse.size() ? pulse[i] / static_cast<float>(n) : 0.0f;
        }
        (*pm)[m].resize(n / 2 + 1);
        fft.forward(pp, (*pm)[m]);
    }
    std::lock_guard lk(mu);
    memo.push_front(Entry{std::vector<float>(pulse.begin(), pulse.end()), M, n, pm});
    if (memo.size() > kKeep) memo.pop_back();
    return pm;
}
}  // namespace

struct PolyphaseFftSuperposer::Impl {
    int m = 0;
    std::size_t l = 0, n = 0, b = 0;
    RealFftF fft;
    std::shared_ptr<const PulseSpectra> pm;  // per-phase pulse spectra (scaled 1/n), shared
    std::vector<std::complex<float>> xs, ys;
    std::vector<float> buf, tmp, phases;
    struct Slot {
        std::vector<std::complex<float>> xs;
        std::vector<float> phases;
        std::vector<char> have;  // per phase: computed for the loaded block
    };
    std::vector<Slot> slots = std::vector<Slot>(1);
    explicit Impl(std::size_t nfft) : fft(nfft) {}
};

PolyphaseFftSuperposer::PolyphaseFftSuperposer(std::span<const float> pulse, int samples_per_ui,
                                               std::size_t fft_size) {
    if (samples_per_ui < 1) throw std::invalid_argument("PolyphaseFftSuperposer: M must be >= 1");
    const std::size_t M = static_cast<std::size_t>(samples_per_ui);
    const std::size_t l = std::max<std::size_t>(1, (pulse.size() + M - 1) / M);
    std::size_t n = fft_size;
    if (n == 0) {
        n = 256;
        while (n < 4 * l) n *= 2;
    }
    if (n < l + 1) throw std::invalid_argument("PolyphaseFftSuperposer: FFT too short");
    impl_ = std::make_unique<Impl>(n);
    auto& s = *impl_;
    s.m = samples_per_ui;
    s.l = l;
    s.n = n;
    s.b = n - l + 1;
    s.pm = pulse_spectra(pulse, M, l, n, s.fft);
    s.xs.resize(n / 2 + 1);
    s.ys.resize(n / 2 + 1);
    s.buf.assign(n, 0.0f);
    s.tmp.assign(n, 0.0f);
}
PolyphaseFftSuperposer::~PolyphaseFftSuperposer() = default;
PolyphaseFftSuperposer::PolyphaseFftSuperposer(PolyphaseFftSuperposer&&) noexcept = default;
std::size_t PolyphaseFftSuperposer::block_symbols() const noexcept { return impl_->b; }
std::size_t PolyphaseFftSuperposer::length_ui() const noexcept { return impl_->l; }
void PolyphaseFftSuperposer::reset() noexcept { std::fill(impl_->buf.begin(), impl_->buf.end(), 0.0f); }

namespace {
// y = x * p on interleaved complex floats, written out so that it vectorises (std::complex's
// operator* carries NaN recovery that blocks vectorisation without -ffast-math).
void cmul(const float* __restrict x, const float* __restrict p, float* __restrict y,
          std::size_t n) noexcept {
    for (std::size_t k = 0; k < n; ++k) {
        const float xr = x[2 * k], xi = x[2 * k + 1], pr = p[2 * k], pi = p[2 * k + 1];
        y[2 * k] = xr * pr - xi * pi;
        y[2 * k + 1] = xr * pi + xi * pr;
    }
}
}  // namespace

void PolyphaseFftSuperposer::set_slots(int n) {
    if (n < 1) throw std::invalid_argument("PolyphaseFftSuperposer: slots must be >= 1");
    impl_->slots.resize(static_cast<std::size_t>(n));
}
int PolyphaseFftSuperposer::slots() const noexcept { return static_cast<int>(impl_->slots.size()); }

void PolyphaseFftSuperposer::load_block(std::span<const float> x, int slot) noexcept {
    auto& s = *impl_;
    auto& sl = s.slots[static_cast<std::size_t>(slot)];
    const auto keep = static_cast<std::ptrdiff_t>(s.l - 1);
    const auto b = static_cast<std::ptrdiff_t>(s.b);
    std::copy(s.buf.begin() + b, s.buf.begin() + b + keep, s.buf.begin());
    std::copy(x.begin(), x.end(), s.buf.begin() + keep);
    sl.xs.resize(s.n / 2 + 1);
    s.fft.forward(s.buf, sl.xs);
    sl.phases.resize(static_cast<std::size_t>(s.m) * s.b);
    sl.have.assign(static_cast<std::size_t>(s.m), 0);
}

std::span<const float> PolyphaseFftSuperposer::phase(int mi, int slot) noexcept {
    auto& s = *impl_;
    auto& sl = s.slots[static_cast<std::size_t>(slot)];
    const auto m = static_cast<std::size_t>(mi);
    float* out = sl.phases.data() + m * s.b;
    if (!sl.have[m]) {
        const auto keep = static_cast<std::ptrdiff_t>(s.l - 1);
        // the product straight into the FFT's buffer, the samples straight out of it
        cmul(reinterpret_cast<const float*>(sl.xs.data()), reinterpret_cast<const float*>((*s.pm)[m].data()),
             reinterpret_cast<float*>(s.fft.inverse_input().data()), sl.xs.size());
        s.fft.execute_inverse();
        const float* r = s.fft.inverse_output().data();
        std::copy(r + keep, r + keep + static_cast<std::ptrdiff_t>(s.b), out);
        sl.have[m] = 1;
    }
    return {out, s.b};
}

void PolyphaseFftSuperposer::process_block(std::span<const float> x, std::span<float> y) noexcept {
    auto& s = *impl_;
    load_block(x, 0);
    const std::size_t M = static_cast<std::size_t>(s.m);
    for (std::size_t m = 0; m < M; ++m) (void)phase(static_cast<int>(m), 0);
    // interleave the phases: y[i M + m] = phase m, sample i (contiguous writes)
    const float* ph = s.slots[0].phases.data();
    for (std::size_t i = 0; i < s.b; ++i)
        for (std::size_t m = 0; m < M; ++m) y[i * M + m] = ph[m * s.b + i];
}

struct OverlapSave::Impl {
    std::size_t n = 0, k = 0, b = 0;
    RealFftF fft;
    std::vector<std::complex<float>> hspec, work;
    std::vector<float> buf, tmp;
    explicit Impl(std::size_t nfft) : fft(nfft) {}
};

OverlapSave::OverlapSave(std::span<const double> h, std::size_t block) {
    if (h.empty()) throw std::invalid_argument("OverlapSave: empty impulse response");
    const std::size_t k = h.size();
    if (block == 0) block = std::max<std::size_t>(4096, 3 * k);
    std::size_t n = good_fft_size(block + k - 1);
    while (n % 2) n = good_fft_size(n + 1);
    impl_ = std::make_unique<Impl>(n);
    auto& s = *impl_;
    s.n = n;
    s.k = k;
    s.b = block;
    std::vector<float> hp(n, 0.0f);
    for (std::size_t i = 0; i < k; ++i) hp[i] = static_cast<float>(h[i] / static_cast<double>(n));
    s.hspec.resize(n / 2 + 1);
    s.work.resize(n / 2 + 1);
    s.fft.forward(hp, s.hspec);
    s.buf.assign(n, 0.0f);
    s.tmp.assign(n, 0.0f);
}
OverlapSave::~OverlapSave() = default;
OverlapSave::OverlapSave(OverlapSave&&) noexcept = default;
OverlapSave& OverlapSave::operator=(OverlapSave&&) noexcept = default;

std::size_t OverlapSave::block_size() const noexcept { return impl_->b; }
std::size_t OverlapSave::taps() const noexcept { return impl_->k; }

void OverlapSave::reset() noexcept { std::fill(impl_->buf.begin(), impl_->buf.end(), 0.0f); }

void OverlapSave::process_block(std::span<const float> in, std::span<float> out) noexcept {
    auto& s = *impl_;
    // buf = [last K-1 inputs | B new inputs | zero padding up to n]; the padding only pollutes
    // outputs past K-1+B, which are discarded.
    const auto keep = static_cast<std::ptrdiff_t>(s.k - 1);
    const auto b = static_cast<std::ptrdiff_t>(s.b);
    std::copy(s.buf.begin() + b, s.buf.begin() + b + keep, s.buf.begin());
    std::copy(in.begin(), in.end(), s.buf.begin() + keep);
    std::fill(s.buf.begin() + keep + b, s.buf.end(), 0.0f);
    s.fft.forward(s.buf, s.work);
    for (std::size_t i = 0; i < s.work.size(); ++i) s.work[i] *= s.hspec[i];
    s.fft.inverse(s.work, s.tmp);
    std::copy(s.tmp.begin() + keep, s.tmp.begin() + keep + b, out.begin());
}

}  // namespace si::dsp

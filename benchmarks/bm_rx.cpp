// Kernel benchmarks of the receiver DSP blocks (libsi/rx): UI per second (items_per_second) of
// each block on its own, one symbol-rate sample per UI, blocks of 4096 UI as the engine feeds
// them. The CDR benchmark includes the two cubic-interpolated samples (data and edge) per UI
// from a stored waveform at 32 samples/UI, i.e. what a CDR-driven sampler costs.
//
//   build/bm_rx --benchmark_min_time=0.2
//
// Every benchmark checks what it produced (decision count, a finite output) so that a kernel
// that silently did less cannot look fast.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "si/core/rng.hpp"
#include "si/rx/adc.hpp"
#include "si/rx/cdr.hpp"
#include "si/rx/dfe.hpp"
#include "si/rx/ffe.hpp"
#include "si/rx/gain.hpp"
#include "si/rx/interpolator.hpp"
#include "si/rx/mlse.hpp"

namespace {

constexpr std::size_t kBlock = 4096;

std::vector<std::uint8_t> levels(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(si::random_bits(1, si::Stream::pattern, i) & 3);
    return v;
}
/// Symbol-rate samples of a 1 + 0.6 D + 0.2 D^2 channel in noise (the values only matter for
/// the decision paths taken).
std::vector<double> channel(const std::vector<std::uint8_t>& lv, double h0 = 0.1) {
    std::vector<double> x(lv.size());
    auto a = [&](std::size_t i) { return -1.0 + 2.0 * lv[i] / 3; };
    for (std::size_t i = 0; i < lv.size(); ++i)
        x[i] = h0 * (a(i) + (i > 0 ? 0.6 * a(i - 1) : 0) + (i > 1 ? 0.2 * a(i - 2) : 0)) +
               0.005 * si::ziggurat_gaussian(2, si::Stream::rx_noise, i);
    return x;
}

void BM_Gain(benchmark::State& st) {
    const auto x = channel(levels(kBlock));
    std::vector<double> y(kBlock);
    const si::rx::Gain g(si::rx::GainConfig{.mode = "auto"}, 0.1, 0.8);
    for (auto _ : st) {
        g.process(x, y);
        benchmark::DoNotOptimize(y.data());
    }
    if (!std::isfinite(y.back())) st.SkipWithError("non-finite output");
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
}
BENCHMARK(BM_Gain);

void BM_Adc(benchmark::State& st) {
    const auto x = channel(levels(kBlock));
    std::vector<double> y(kBlock);
    si::rx::Adc adc(si::rx::AdcConfig{.bits = 6, .full_scale_v = 0.4, .enob = st.range(0) ? 5.0 : 0.0});
    for (auto _ : st) {
        adc.process(x, y);
        benchmark::DoNotOptimize(y.data());
    }
    if (adc.index() != st.iterations() * kBlock) st.SkipWithError("sample count");
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
    st.SetLabel(st.range(0) ? "6 bits, ENOB 5 (noise)" : "6 bits, ideal");
}
BENCHMARK(BM_Adc)->Arg(0)->Arg(1);

void BM_Ffe(benchmark::State& st) {
    const int K = static_cast<int>(st.range(0));
    const auto x = channel(levels(kBlock));
    std::vector<double> y(kBlock);
    std::vector<double> w(static_cast<std::size_t>(K), 0.01);
    w[2] = 10.0;
    si::rx::Ffe ffe(si::rx::FfeConfig{.taps = K, .pre = 2, .mode = "fixed", .coefficients = w}, w);
    for (auto _ : st) {
        ffe.process(x, y);
        benchmark::DoNotOptimize(y.data());
    }
    if (!std::isfinite(y.back())) st.SkipWithError("non-finite output");
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
}
BENCHMARK(BM_Ffe)->Arg(8)->Arg(16)->Arg(32);

void BM_FfeLms(benchmark::State& st) {
    const auto x = channel(levels(kBlock));
    std::vector<double> y(kBlock);
    si::rx::Ffe ffe(si::rx::FfeConfig{.taps = 16, .pre = 3, .mode = "lms", .mu = 1e-4}, {}, 0.1);
    for (auto _ : st) {
        ffe.process(x, y);
        benchmark::DoNotOptimize(y.data());
    }
    if (!std::isfinite(y.back())) st.SkipWithError("non-finite output");
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
    st.SetLabel("16 taps, decision-directed LMS");
}
BENCHMARK(BM_FfeLms);

void BM_Dfe(benchmark::State& st) {
    const int taps = static_cast<int>(st.range(0));
    const bool floating = st.range(1) != 0;
    const auto x = channel(levels(kBlock));
    si::rx::DfeConfig cfg{.levels = 4, .taps = taps, .mode = "fixed"};
    cfg.coefficients.assign(static_cast<std::size_t>(taps), 0.01);
    cfg.coefficients[0] = 0.6;
    if (floating) {  // 802.3ck COM: 3 groups x 3 floating taps within 40 UI
        cfg.float_groups = 3;
        cfg.float_group_size = 3;
        cfg.float_span_ui = 40;
        cfg.float_positions = {15, 16, 17, 22, 23, 24, 35, 36, 37};
        cfg.coefficients.resize(cfg.coefficients.size() + 9, 0.005);
    }
    si::rx::Dfe dfe(cfg, si::rx::dfe_taps_from_config(cfg, 0.1));
    std::vector<std::uint8_t> d(kBlock);
    std::vector<double> z(kBlock);
    for (auto _ : st) {
        dfe.process(x, d, z);
        benchmark::DoNotOptimize(d.data());
    }
    if (!std::isfinite(z.back())) st.SkipWithError("non-finite output");
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
}
BENCHMARK(BM_Dfe)->Args({1, 0})->Args({12, 0})->Args({12, 1});

void BM_Mlse(benchmark::State& st) {
    const int memory = static_cast<int>(st.range(0));
    const auto lv = levels(kBlock);
    const auto x = channel(lv);
    const si::rx::MlseConfig cfg{.levels = 4, .memory = memory, .traceback = 32};
    const std::vector<double> g = memory == 1 ? std::vector<double>{1.0, 0.6} : std::vector<double>{1.0, 0.6, 0.2};
    si::rx::Mlse m(cfg, g, 0.1);
    std::vector<std::uint8_t> d(kBlock);
    std::size_t total = 0;
    for (auto _ : st) {
        total += m.process(x, d);
        benchmark::DoNotOptimize(d.data());
    }
    if (total + 32 < static_cast<std::size_t>(st.iterations()) * kBlock) st.SkipWithError("decision count");
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
    st.SetLabel(memory == 1 ? "PAM4, 1+aD, 4 states, traceback 32" : "PAM4, 1+a1D+a2D^2, 16 states, traceback 32");
}
BENCHMARK(BM_Mlse)->Arg(1)->Arg(2);

void BM_CdrWithInterpolation(benchmark::State& st) {
    // waveform: 32 samples/UI, the channel's symbol values held with a smooth transition
    constexpr int M = 32;
    const std::size_t nui = 1 << 16;
    const auto lv = levels(nui);
    std::vector<double> w(nui * M);
    for (std::size_t i = 0; i < w.size(); ++i) {
        const double t = static_cast<double>(i) / M;
        const auto k = static_cast<std::size_t>(t);
        const double a0 = -1.0 + 2.0 * lv[k] / 3, a1 = -1.0 + 2.0 * lv[(k + 1) % nui] / 3;
        const double fr = t - static_cast<double>(k);
        const double s = fr < 0.5 ? 0.0 : 0.5 - 0.5 * std::cos(2 * 3.141592653589793 * (fr - 0.5));
        w[i] = 0.1 * (a0 + (a1 - a0) * s);
    }
    si::rx::Cdr cdr(si::rx::CdrConfig{.bandwidth_hz = 20e6, .pi_steps = 64});
    std::uint64_t n = 0;
    for (auto _ : st) {
        for (std::size_t i = 0; i < kBlock; ++i) {
            double td = std::fmod(cdr.data_time_ui() + 2.0, static_cast<double>(nui - 4));
            double te = td - 0.5;
            const double yd = si::rx::interpolate_at(w, td * M), ye = si::rx::interpolate_at(w, te * M);
            const auto l = static_cast<std::uint8_t>(std::clamp(std::nearbyint((yd / 0.1 + 1) * 1.5), 0.0, 3.0));
            cdr.update(yd, ye, l);
        }
        n += kBlock;
    }
    if (cdr.ui() != n) st.SkipWithError("UI count");
    st.SetItemsProcessed(static_cast<std::int64_t>(n));
    st.SetLabel("bang-bang, 2 interpolated samples per UI");
}
BENCHMARK(BM_CdrWithInterpolation);

}  // namespace

BENCHMARK_MAIN();

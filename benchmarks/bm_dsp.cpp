// Kernel benchmarks of libsi/dsp: the two polyphase superposition kernels (direct and
// symbol-rate FFT) over the pulse length, and the overlap-save FFT convolution of the waveform
// path over the tap count. Throughput is reported in waveform samples per second
// (items_per_second), the unit of the end-to-end target in docs/performance.md.
//
//   build-bench/bm_dsp --benchmark_min_time=0.2
//
// Every benchmark checks the sizes of what it produced (a kernel that silently produced fewer
// samples would look fast) and, for the superposers, compares the FFT result against the direct
// one once before timing (counter max_abs_err, relative to the pulse peak).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "si/dsp/superpose.hpp"

namespace {

constexpr int kM = 32;                    // samples per UI (the bundled 112G example)
constexpr std::size_t kBlockSymbols = 4096;  // engine default sim.block_symbols

/// Deterministic xorshift so the inputs do not depend on the standard library.
struct Lcg {
    std::uint64_t s = 0x9e3779b97f4a7c15ULL;
    std::uint64_t next() noexcept {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    float uniform() noexcept { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }  // [0,1)
};

/// A pulse-like response of l_ui UI at M samples/UI: a peak near 10 % of the window and a
/// decaying oscillating tail (the values only matter for the accuracy check).
std::vector<float> make_pulse(std::size_t l_ui, int m) {
    const std::size_t n = l_ui * static_cast<std::size_t>(m);
    std::vector<float> p(n);
    const double peak = 0.1 * static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = (static_cast<double>(i) - peak) / m;  // UI from the peak
        p[i] = static_cast<float>(t < 0 ? std::exp(-t * t) : std::exp(-0.2 * t) * std::cos(0.7 * t));
    }
    return p;
}

/// PAM4 symbol amplitudes in {-1, -1/3, 1/3, 1}.
std::vector<float> make_symbols(std::size_t n) {
    Lcg r;
    std::vector<float> x(n);
    for (auto& v : x) v = -1.0f + 2.0f * static_cast<float>(r.next() >> 62) / 3.0f;
    return x;
}

std::vector<double> make_taps(std::size_t k) {
    std::vector<double> h(k);
    for (std::size_t i = 0; i < k; ++i)
        h[i] = std::exp(-static_cast<double>(i) / (0.05 * static_cast<double>(k))) / static_cast<double>(k);
    return h;
}

// ---- direct polyphase superposition ---------------------------------------------------------------

void BM_PolyphaseDirect(benchmark::State& state) {
    const auto l_ui = static_cast<std::size_t>(state.range(0));
    const auto pulse = make_pulse(l_ui, kM);
    si::dsp::PolyphaseSuperposer sup(pulse, kM);
    if (sup.length_ui() != l_ui) {
        state.SkipWithError("PolyphaseSuperposer: unexpected length_ui");
        return;
    }
    const auto x = make_symbols(kBlockSymbols);
    std::vector<float> y(kBlockSymbols * kM, -1.0f);
    for (auto _ : state) {
        sup.process(x, y);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    if (y.size() != kBlockSymbols * kM || !std::isfinite(y.back())) {
        state.SkipWithError("PolyphaseSuperposer: wrong output size or non-finite output");
        return;
    }
    const auto iters = static_cast<std::int64_t>(state.iterations());
    state.SetItemsProcessed(iters * static_cast<std::int64_t>(y.size()));       // samples/s
    state.counters["UI/s"] = benchmark::Counter(static_cast<double>(iters) * kBlockSymbols,
                                                benchmark::Counter::kIsRate);
    state.counters["L_ui"] = static_cast<double>(l_ui);
    state.counters["MAC/sample"] = static_cast<double>(l_ui);
}

// ---- symbol-rate FFT polyphase superposition ------------------------------------------------------

/// range(0): pulse length [UI]; range(1): FFT size (0: the class default, the next power of two
/// >= 4 L, at least 256).
void BM_PolyphaseFft(benchmark::State& state) {
    const auto l_ui = static_cast<std::size_t>(state.range(0));
    const auto pulse = make_pulse(l_ui, kM);
    si::dsp::PolyphaseFftSuperposer fsup(pulse, kM, static_cast<std::size_t>(state.range(1)));
    const std::size_t b = fsup.block_symbols();
    if (fsup.length_ui() != l_ui || b == 0) {
        state.SkipWithError("PolyphaseFftSuperposer: unexpected length_ui/block_symbols");
        return;
    }
    // Accuracy against the direct kernel over a few blocks (untimed).
    double max_err = 0;
    {
        si::dsp::PolyphaseSuperposer ref(pulse, kM);
        const auto xr = make_symbols(4 * b);
        std::vector<float> yr(xr.size() * kM), yf(xr.size() * kM);
        ref.process(xr, yr);
        for (std::size_t k = 0; k < 4; ++k)
            fsup.process_block(std::span<const float>(xr).subspan(k * b, b),
                               std::span<float>(yf).subspan(k * b * kM, b * kM));
        for (std::size_t i = 0; i < yr.size(); ++i)
            max_err = std::max(max_err, static_cast<double>(std::abs(yr[i] - yf[i])));
        fsup.reset();
    }
    const auto x = make_symbols(b);
    std::vector<float> y(b * kM, -1.0f);
    for (auto _ : state) {
        fsup.process_block(x, y);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    if (y.size() != b * static_cast<std::size_t>(kM) || !std::isfinite(y.back())) {
        state.SkipWithError("PolyphaseFftSuperposer: wrong output size or non-finite output");
        return;
    }
    const auto iters = static_cast<std::int64_t>(state.iterations());
    state.SetItemsProcessed(iters * static_cast<std::int64_t>(y.size()));
    state.counters["UI/s"] = benchmark::Counter(static_cast<double>(iters) * static_cast<double>(b),
                                                benchmark::Counter::kIsRate);
    state.counters["L_ui"] = static_cast<double>(l_ui);
    state.counters["block_ui"] = static_cast<double>(b);
    state.counters["max_abs_err"] = max_err;  // pulse peak is 1.0
}

// ---- overlap-save waveform convolution ------------------------------------------------------------

/// range(0): taps K; range(1): block size in units of K (0: as the engine's waveform path
/// chooses it, max(8192, 2K)).
void BM_OverlapSave(benchmark::State& state) {
    const auto k = static_cast<std::size_t>(state.range(0));
    const auto h = make_taps(k);
    const auto mult = static_cast<std::size_t>(state.range(1));
    const std::size_t bf = mult == 0 ? std::max<std::size_t>(8192, 2 * k) : mult * k;
    si::dsp::OverlapSave ols(h, bf);
    if (ols.block_size() != bf || ols.taps() != k) {
        state.SkipWithError("OverlapSave: unexpected block_size/taps");
        return;
    }
    const auto in = make_symbols(bf);
    std::vector<float> out(bf, -1.0f);
    for (auto _ : state) {
        ols.process_block(in, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    if (out.size() != ols.block_size() || !std::isfinite(out.back())) {
        state.SkipWithError("OverlapSave: wrong output size or non-finite output");
        return;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(out.size()));
    state.counters["taps"] = static_cast<double>(k);
    state.counters["block"] = static_cast<double>(bf);
}

}  // namespace

// Pulse lengths 8..512 UI in powers of two, plus 40 and 48 around the crossover (48 is the
// engine's switch to the FFT kernel, kFftSuperpositionMinUi in libsi/sim/src/engine.cpp) and
// 372 (the pulse of the bundled 112G example).
BENCHMARK(BM_PolyphaseDirect)->RangeMultiplier(2)->Range(8, 512)->Arg(40)->Arg(48)->Arg(372)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PolyphaseFft)
    ->ArgNames({"L", "fft"})
    ->ArgsProduct({{8, 16, 32, 64, 128, 256, 512, 40, 48, 372}, {0}})
    ->Unit(benchmark::kMicrosecond);
// FFT size for the example's 372-UI pulse: the default is 2048 (block 1677 UI).
BENCHMARK(BM_PolyphaseFft)
    ->ArgNames({"L", "fft"})
    ->ArgsProduct({{372}, {1024, 4096, 8192}})
    ->Unit(benchmark::kMicrosecond);
// Tap counts 1k..16k at the engine's block size, then the example's impulse response (11904
// taps at 32 samples/UI) with blocks of 2K (the engine's choice), 4K, 8K and 16K.
BENCHMARK(BM_OverlapSave)
    ->ArgNames({"taps", "block_per_taps"})
    ->ArgsProduct({{1024, 2048, 4096, 8192, 16384}, {0}})
    ->ArgsProduct({{11904}, {2, 4, 8, 16}})
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();

// End-to-end benchmarks: the bundled 112G example (models/links/c2m_112g_orthobp_12db.toml,
// 53.125 GBd PAM4, 32 samples/UI) loaded exactly as `sisim run` loads it (ConfigTree over
// sisim::link_keys(), overrides, link_spec_from), then si::sim::run().
//
//   build-bench/bm_engine --benchmark_min_time=0.2
//
// BM_LinkBuild times the model build (Touchstone read, channel fusion, pulse response);
// BM_Run* time si::sim::run() only, on a Link built once outside the timed loop: BM_Run the
// linear (superposition) path, BM_RunJitter the waveform path (tx.rj = 0.01 UI), BM_RunProgress
// the linear path with a progress callback as `sisim run` passes one. All run
// benchmarks use wall-clock time (UseRealTime), since with threads = 2 the work is done on
// worker threads. Counters:
//   UI/s             simulated symbols per second of wall time
//   items_per_second waveform samples per second of wall time (RunResult::waveform_samples,
//                    which includes the warm-up/pre-run samples the engine computes)
//   samples/s/core   items_per_second / threads  (the project target is >= 100 M/s/core)
//   samples/cpu_s    waveform samples per second of process CPU time (user + sys, all
//                    threads, getrusage): per-core throughput that does not depend on how many
//                    cores the (shared) machine actually gave the run
//
// BM_Stage* time the two per-sample stages that the profile shows next to the superposition
// kernel (RX noise generation, eye accumulation) at the engine's block geometry, in samples/s.
#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "src/link_config.hpp"
#include "si/analysis/eye.hpp"
#include "si/core/rng.hpp"
#include "si/io/config.hpp"
#include "si/sim/link.hpp"

#ifndef SISIM_SOURCE_DIR
#error "SISIM_SOURCE_DIR must be defined (see benchmarks/CMakeLists.txt)"
#endif

namespace {

const std::string kExample =
    std::string(SISIM_SOURCE_DIR) + "/models/links/c2m_112g_orthobp_12db.toml";

/// The example's LinkSpec with `--set`-style overrides applied (relative paths in the file
/// resolve against the file's folder, as for `sisim run`).
si::sim::LinkSpec example_spec(const std::vector<std::string>& overrides) {
    si::io::ConfigTree tree(sisim::link_keys());
    tree.load_file(kExample);
    for (const auto& o : overrides) tree.apply_override(o);
    return sisim::link_spec_from(tree);
}

/// Process CPU time (user + sys, all threads) [s].
double process_cpu_s() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

void BM_LinkBuild(benchmark::State& state) {
    try {
        const auto spec = example_spec({});
        for (auto _ : state) {
            si::sim::Link link(spec);
            benchmark::DoNotOptimize(link.pulse().data());
        }
        si::sim::Link link(spec);
        state.counters["pulse_ui"] = static_cast<double>(link.pulse().size()) /
                                     static_cast<double>(spec.sim.samples_per_ui);
        state.counters["impulse_taps"] = static_cast<double>(link.impulse().size());
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

/// range(0): symbols; range(1): threads; range(2): 1 = TX jitter (tx.rj = 0.01 UI rms);
/// range(3): 1 = pass a (no-op) progress callback, as `sisim run` always does.
void BM_Run(benchmark::State& state) {
    const auto symbols = static_cast<std::uint64_t>(state.range(0));
    const auto threads = static_cast<int>(state.range(1));
    const bool jitter = state.range(2) != 0;
    const bool with_progress = state.range(3) != 0;
    const si::sim::Progress progress =
        with_progress ? si::sim::Progress([](double f) { benchmark::DoNotOptimize(f); })
                      : si::sim::Progress{};
    std::vector<std::string> ov = {"sim.symbols=" + std::to_string(symbols),
                                   "sim.threads=" + std::to_string(threads)};
    if (jitter) ov.emplace_back("tx.rj=0.01");
    try {
        const si::sim::Link link(example_spec(ov));
        if (link.linear_path() == jitter) {
            state.SkipWithError("unexpected engine path (linear_path() vs TX jitter)");
            return;
        }
        std::uint64_t samples = 0, compared = 0, errors = 0;
        double engine_s = 0;
        const double cpu0 = process_cpu_s();
        for (auto _ : state) {
            const auto r = si::sim::run(link, progress);
            samples += r.waveform_samples;
            compared += r.ber.symbols_compared;
            errors += r.ber.symbol_errors;
            engine_s += r.elapsed_s;
            benchmark::DoNotOptimize(r.metrics.eye_height_v.data());
        }
        const double cpu_s = process_cpu_s() - cpu0;
        const auto iters = static_cast<double>(state.iterations());
        if (compared != symbols * static_cast<std::uint64_t>(state.iterations())) {
            state.SkipWithError("symbols_compared != sim.symbols");
            return;
        }
        const std::uint64_t m = static_cast<std::uint64_t>(link.spec().sim.samples_per_ui);
        if (samples < compared * m) {
            state.SkipWithError("fewer waveform samples than symbols * samples_per_ui");
            return;
        }
        state.SetItemsProcessed(static_cast<std::int64_t>(samples));
        state.counters["UI/s"] =
            benchmark::Counter(static_cast<double>(compared), benchmark::Counter::kIsRate);
        state.counters["samples/s/core"] = benchmark::Counter(
            static_cast<double>(samples) / threads, benchmark::Counter::kIsRate);
        state.counters["samples/cpu_s"] = static_cast<double>(samples) / cpu_s;
        state.counters["engine_s"] = engine_s / iters;  // RunResult::elapsed_s per run
        state.counters["SER"] = compared ? static_cast<double>(errors) / static_cast<double>(compared) : 0;
        state.counters["pulse_ui"] = static_cast<double>(link.pulse().size()) / static_cast<double>(m);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

/// RX noise as the engine draws it: fill_gaussian over one block of waveform samples (the FFT
/// superposition block of the example: 1677 UI x 32 samples).
void BM_StageRxNoise(benchmark::State& state) {
    const std::size_t n = 1677 * 32;
    std::vector<float> nz(n);
    std::uint64_t first = 0;
    for (auto _ : state) {
        si::fill_gaussian(1, si::Stream::rx_noise, first, 1.5e-3, nz.data(), nz.size());
        first += n;
        benchmark::DoNotOptimize(nz.data());
        benchmark::ClobberMemory();
    }
    if (!std::isfinite(nz.back())) state.SkipWithError("non-finite noise");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

/// Eye accumulation as the engine does it: one add_ui per UI (M = 32 samples), 4 levels,
/// 512 voltage bins (the example's geometry: a 1 MiB uint64 histogram).
void BM_StageEyeAddUi(benchmark::State& state) {
    constexpr int kM = 32, kN = 4, kBins = 512;
    constexpr std::size_t kUi = 4096;
    const double range = 0.1;
    std::vector<float> w((kUi + 1) * kM);
    std::vector<int> lv(kUi + 1);
    std::uint64_t r = 12345;
    for (std::size_t k = 0; k <= kUi; ++k) {
        r = si::mix64(r + k);
        lv[k] = static_cast<int>(r >> 62);
        const double a = -1.0 + 2.0 * lv[k] / 3.0;
        for (int m = 0; m < kM; ++m)
            w[k * kM + static_cast<std::size_t>(m)] = static_cast<float>(
                0.06 * a * std::cos(0.05 * m) + 1e-3 * si::random_gaussian(7, si::Stream::rx_noise, k * kM + static_cast<std::uint64_t>(m)));
    }
    si::analysis::EyeAccumulator eye(kN, kM, kBins, -range, range);
    for (auto _ : state) {
        for (std::size_t k = 0; k < kUi; ++k) eye.add_ui(w.data() + k * kM, lv[k], lv[k + 1]);
        benchmark::ClobberMemory();
    }
    if (eye.windows() != static_cast<std::uint64_t>(state.iterations()) * kUi)
        state.SkipWithError("EyeAccumulator: wrong window count");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kUi * kM));
}

/// A whole LPO link (models/links/lpo_112g_dr.toml: driver and TIA compression and every optical
/// noise source on) against the same link with link.architecture = "electrical": samples per
/// second of CPU time (the target: the optical path at no less than half of the waveform
/// path). optics: 1 = LPO; 0 = electrical (superposition path, lazy phases); 2 = electrical on the
/// waveform path (tx.rj = 1e-9: FFTW overlap-save over every sample, the reference).
void BM_LpoLink(benchmark::State& state) {
    try {
        si::io::ConfigTree tree(sisim::link_keys());
        tree.load_file(std::string(SISIM_SOURCE_DIR) + "/models/links/lpo_112g_dr.toml");
        tree.apply_override("sim.symbols=" + std::to_string(state.range(0)));
        if (state.range(1) != 1) tree.apply_override("link.architecture=\"electrical\"");
        if (state.range(1) == 2) tree.apply_override("tx.rj=1e-9");
        tree.apply_override("eye.symbols=0");
        tree.apply_override("sim.threads=1");
        const si::sim::Link link(sisim::link_spec_from(tree));
        tree.apply_override("sim.symbols=" + std::to_string(state.range(0) / 10));
        const si::sim::Link short_link(sisim::link_spec_from(tree));
        std::uint64_t samples = 0, samples_short = 0;
        double cpu_short = 0;
        const double c0 = process_cpu_s();
        for (auto _ : state) {
            state.PauseTiming();  // the short run only serves the marginal rate
            const double s0 = process_cpu_s();
            samples_short += si::sim::run(short_link).waveform_samples;
            cpu_short += process_cpu_s() - s0;
            state.ResumeTiming();
            const auto r = si::sim::run(link);
            samples += r.waveform_samples;
            benchmark::DoNotOptimize(r.ber.symbol_errors);
        }
        const double cpu = process_cpu_s() - c0 - cpu_short;
        state.counters["samples_per_cpu_s"] = static_cast<double>(samples) / cpu;
        // samples beyond the short run's per CPU second: free of the per-run fixed costs (plan,
        // statistical analysis), i.e. the streaming rate
        state.counters["marginal_samples_per_cpu_s"] =
            static_cast<double>(samples - samples_short) / (cpu - cpu_short);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

/// Receiver DSP runs (issue 6 speed targets), one thread, Link built outside the loop.
/// range(0): 0 = today's full path on the example (32 samples/UI, eye on every UI, ideal clock);
///           1 = BER run at 112G: bang-bang CDR + 16-tap FFE + 1-tap DFE, eye off;
///           2 = 224G host with MLSE (models/links/host_rx_224g_dj_mlse.toml), CDR, eye off.
/// Counters: UI/s per wall second of the whole call; UI/engine_s per second of streaming
/// (RunResult::elapsed_s: the run without the statistical analysis after it); UI/cpu_s per
/// second of process CPU time of the whole call (the per-core figure on a shared machine);
/// analysis_s the statistical analysis after the streaming (RunResult::analysis_s, wall time: a
/// fixed cost per run whatever the symbol count); UI/cpu_s_marginal the CPU rate of the symbols
/// beyond the first tenth: each iteration also runs the same link with symbols / 10, and the
/// rate is (N - N/10) / (CPU(N) - CPU(N/10)), free of every per-run fixed cost (analysis,
/// alignment pre-run, start-up) but not of the per-segment training, which is part of the run.
void BM_RunReceiver(benchmark::State& state) {
    const int mode = static_cast<int>(state.range(0));
    const std::uint64_t symbols = 2000000;
    try {
        si::sim::LinkSpec spec;
        std::vector<std::string> ov = {"sim.symbols=" + std::to_string(symbols), "sim.threads=1"};
        if (mode == 1) {
            for (const char* o : {"eye.symbols=0", "rx.ffe.taps=16", "rx.ffe.pre=3", "rx.dfe.taps=1",
                                  "rx.cdr.model=bang_bang", "rx.cdr.bandwidth=20MHz"})
                ov.emplace_back(o);
        }
        if (mode == 2) {
            si::io::ConfigTree tree(sisim::link_keys());
            tree.load_file(std::string(SISIM_SOURCE_DIR) + "/models/links/host_rx_224g_dj_mlse.toml");
            for (const auto& o : ov) tree.apply_override(o);
            tree.apply_override("eye.symbols=0");
            spec = sisim::link_spec_from(tree);
        } else {
            spec = example_spec(ov);
        }
        const si::sim::Link link(spec);
        auto short_spec = spec;
        short_spec.sim.symbols = symbols / 10;
        const si::sim::Link short_link(short_spec);
        std::uint64_t compared = 0, training = 0, compared_short = 0;
        double engine_s = 0, analysis_s = 0, cpu_short = 0;
        const double cpu0 = process_cpu_s();
        for (auto _ : state) {
            state.PauseTiming();  // the short run is not part of UI/s
            const double c0 = process_cpu_s();
            compared_short += si::sim::run(short_link).ber.symbols_compared;
            cpu_short += process_cpu_s() - c0;
            state.ResumeTiming();
            const auto r = si::sim::run(link);
            compared += r.ber.symbols_compared;
            training += r.rx.training_symbols * r.rx.segments;
            engine_s += r.elapsed_s;
            analysis_s += r.analysis_s;
            benchmark::DoNotOptimize(r.ber.symbol_errors);
        }
        const double cpu_s = process_cpu_s() - cpu0 - cpu_short;
        state.counters["UI/s"] = benchmark::Counter(static_cast<double>(compared), benchmark::Counter::kIsRate);
        state.counters["UI/engine_s"] = static_cast<double>(compared) / engine_s;
        state.counters["UI/cpu_s"] = static_cast<double>(compared) / cpu_s;
        state.counters["analysis_s"] = analysis_s / static_cast<double>(state.iterations());
        state.counters["UI/cpu_s_marginal"] =
            static_cast<double>(compared - compared_short) / (cpu_s - cpu_short);
        state.counters["training_UI"] = static_cast<double>(training) / static_cast<double>(state.iterations());
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

}  // namespace

BENCHMARK(BM_LpoLink)
    ->ArgNames({"symbols", "optics"})
    ->Args({1000000, 1})
    ->Args({1000000, 0})
    ->Args({1000000, 2})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RunReceiver)->ArgName("mode")->Arg(0)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageRxNoise)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StageEyeAddUi)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LinkBuild)->Unit(benchmark::kMillisecond);
// Linear (superposition) path: 1e5 and 1e6 symbols, 1 and 2 threads.
BENCHMARK(BM_Run)
    ->ArgNames({"symbols", "threads", "rj", "progress"})
    ->Args({100000, 1, 0, 0})
    ->Args({1000000, 1, 0, 0})
    ->Args({100000, 2, 0, 0})
    ->Args({1000000, 2, 0, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
// Waveform path (TX jitter forces the overlap-save convolution of the edge-timed NRZ waveform).
BENCHMARK(BM_Run)
    ->Name("BM_RunJitter")
    ->ArgNames({"symbols", "threads", "rj", "progress"})
    ->Args({100000, 1, 1, 0})
    ->Args({1000000, 1, 1, 0})
    ->Args({1000000, 2, 1, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
// With a progress callback, as `sisim run` calls the engine: run() then polls it every 100 ms
// (libsi/sim/src/engine.cpp), which rounds short runs up to the next poll.
BENCHMARK(BM_Run)
    ->Name("BM_RunProgress")
    ->ArgNames({"symbols", "threads", "rj", "progress"})
    ->Args({100000, 1, 0, 1})
    ->Args({1000000, 1, 0, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

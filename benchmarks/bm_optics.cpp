// Optical front end and TDECQ: throughput of the element chain and of overlap-save filtering,
// and TDECQ measured on reference waveforms (counters tdecq_db, ceq_db; the values quoted in
// docs/architectures.md). Run: ./build/bm_optics --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "si/analysis/tdecq.hpp"
#include "si/core/rng.hpp"
#include "si/optics/stage.hpp"
#include "si/pattern/source.hpp"

namespace {
using namespace si::optics;
constexpr double kFb = 53.125e9, kUi = 1 / kFb, kDt = kUi / 32;

std::vector<double> pam4_drive(std::size_t n) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = -0.375 + 0.25 * static_cast<double>(si::random_bits(1, si::Stream::pattern, i / 32) & 3);
    return x;
}

// Driver (tanh, THD 3.5 %) -> EML (RIN) -> 500 m SMF -> PD (shot, thermal) -> TIA (noise,
// peaking, tanh): the LPO optical front end, all nonlinear parts and noise on.
void BM_LpoFrontEndChain(benchmark::State& state) {
    std::vector<std::unique_ptr<OpticalStage>> c;
    c.push_back(make_stage<LinearDriver>("drv", kDt,
                                         DriverConfig{.gain_db = 6, .bandwidth_hz = 45e9,
                                                      .compression = {.model = "tanh", .thd = 0.035, .amplitude_v = 0.75},
                                                      .input_noise_v_rthz = 20e-9},
                                         kDt));
    c.push_back(make_stage<Eml>("eml", kDt, EmlConfig{.bandwidth_hz = 50e9}, LaserConfig{.rin_db_hz = -145}, kDt));
    c.push_back(make_stage<Fibre>("smf", kDt, FibreConfig{.length_m = 500}, kDt));
    c.push_back(make_stage<Photodiode>("pd", kDt, PhotodiodeConfig{.bandwidth_hz = 50e9, .thermal_noise = true}, kDt));
    c.push_back(make_stage<Tia>("tia", kDt,
                                TiaConfig{.transimpedance_ohm = 1400, .bandwidth_hz = 40e9, .input_noise_a_rthz = 16.9e-12,
                                          .input_offset_a = 0.5e-3, .peaking_db = 3, .peaking_zero_hz = 15e9,
                                          .compression = {.model = "tanh", .thd = 0.01, .amplitude_v = 0.3}},
                                kDt));
    const std::size_t n = 32 * 4096;
    const auto x = pam4_drive(n);
    std::vector<double> a(n), b(n);
    for (auto _ : state) {
        a = x;
        for (auto& s : c) {
            s->process(a, b);
            std::swap(a, b);
        }
        benchmark::DoNotOptimize(a.data());
    }
    if (a.size() != n) state.SkipWithError("wrong output size");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_LpoFrontEndChain)->Unit(benchmark::kMillisecond);

// The elements of models/links/lpo_112g_dr.toml at its 16 samples/UI (driver 2 poles + tanh +
// noise, EML 1 pole + curve + RIN, PD 1 pole + shot noise, TIA 2 poles + noise + tanh; the 500 m
// fibre is flat there, a gain, left out): the per-sample cost of the optics in an LPO run.
void BM_LpoPresetElements(benchmark::State& state) {
    const double dt = kUi / 16;
    std::vector<std::unique_ptr<OpticalStage>> c;
    c.push_back(make_stage<LinearDriver>("drv", dt,
                                         DriverConfig{.gain_db = 4.3, .bandwidth_hz = 45e9,
                                                      .compression = {.model = "tanh", .thd = 0.035, .amplitude_v = 1.5},
                                                      .input_noise_v_rthz = 10e-9},
                                         dt));
    c.push_back(make_stage<Eml>("eml", dt,
                                EmlConfig{.extinction_ratio_db = 10, .v_on_v = 0.466, .v_off_v = -0.534,
                                          .insertion_loss_db = 1, .bandwidth_hz = 40e9},
                                LaserConfig{.power_w = 2e-3, .rin_db_hz = -145}, dt));
    c.push_back(make_stage<Photodiode>("pd", dt, PhotodiodeConfig{.bandwidth_hz = 50e9}, dt));
    c.push_back(make_stage<Tia>("tia", dt,
                                TiaConfig{.transimpedance_ohm = 1000, .bandwidth_hz = 33e9, .input_noise_a_rthz = 12.2e-12,
                                          .input_offset_a = 0.4e-3,
                                          .compression = {.model = "tanh", .thd = 0.01, .amplitude_v = 0.3}},
                                dt));
    const std::size_t n = 8192;  // the engine's block
    auto x = pam4_drive(16 * n);
    x.resize(n);
    std::vector<double> a(n), b(n);
    for (auto _ : state) {
        a = x;
        for (auto& s : c) {
            s->process(a, b);
            std::swap(a, b);
        }
        benchmark::DoNotOptimize(a.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_LpoPresetElements)->Unit(benchmark::kMicrosecond);

// A long dispersive FIR (10 km at 1271 nm, chirp -0.7): direct form vs overlap-save.
void BM_FibreFir(benchmark::State& state) {
    Fibre fib(FibreConfig{.length_m = 10'000, .wavelength_m = 1271e-9, .chirp_alpha = -0.7}, kDt);
    OverlapSaveFilter ols(fib.taps());
    const std::size_t n = 32 * 4096;
    const auto x = pam4_drive(n);
    std::vector<double> y(n);
    for (auto _ : state) {
        if (state.range(0) == 0)
            fib.process(x, y);
        else
            ols.process(x, y);
        benchmark::DoNotOptimize(y.data());
    }
    state.counters["taps"] = static_cast<double>(fib.taps().size());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_FibreFir)->Arg(0)->Arg(1)->ArgNames({"overlap_save"})->Unit(benchmark::kMillisecond);

// ------------------------------------------------------------------ TDECQ reference cases
si::analysis::TdecqPattern prbs13q() {
    si::pattern::PatternConfig pc;
    pc.name = "prbs13q";
    si::pattern::SymbolSource src(pc);
    si::analysis::TdecqPattern p{"prbs13q", std::vector<std::uint8_t>(8191)};
    src.generate(p.levels);
    return p;
}
// Two periods of PRBS13Q, levels 0.2 + 0.25 l mW, raised-cosine edges of rise_ui, 16 samples/UI.
std::vector<double> pam4_wave(const si::analysis::TdecqPattern& p, double rise_ui) {
    constexpr int spu = 16;
    const std::size_t per = p.levels.size(), ns = 2 * per;
    auto level = [&](std::size_t k) { return 0.2e-3 + 0.25e-3 * p.levels[(100 + k) % per]; };
    auto s = [](double u) { return u <= 0 ? 0.0 : u >= 1 ? 1.0 : 0.5 - 0.5 * std::cos(std::numbers::pi * u); };
    std::vector<double> w(ns * spu);
    for (std::size_t k = 0; k < ns; ++k)
        for (int j = 0; j < spu; ++j) {
            const double t = (j + 0.5) / spu, prev = level(k + per - 1), cur = level(k), next = level(k + 1);
            double v = cur;
            if (t < rise_ui / 2) v = prev + (cur - prev) * s((t + rise_ui / 2) / rise_ui);
            if (t > 1 - rise_ui / 2) v = cur + (next - cur) * s((t - 1 + rise_ui / 2) / rise_ui);
            w[k * spu + static_cast<std::size_t>(j)] = v;
        }
    return w;
}

// Cases: 0 clean 53 GBd; 1 clean + noise 0.5 sigma_ideal; 2 one-pole 0.3 x baud TX, 5-tap;
// 3 the same without equalizer; 4 clean 113.4375 GBd with the dj equalizer.
void BM_TdecqReference(benchmark::State& state) {
    const auto p = prbs13q();
    const int c = static_cast<int>(state.range(0));
    const double fb = c == 4 ? 113.4375e9 : kFb;
    auto w = pam4_wave(p, c >= 2 && c <= 3 ? 0.1 : 0.3);
    if (c == 1)
        for (std::size_t i = 0; i < w.size(); ++i)
            w[i] += 0.5 * 0.75e-3 / (6 * 3.414) * si::ziggurat_gaussian(5, si::Stream::tx_noise, i);
    if (c == 2 || c == 3) {
        const double a = std::exp(-2 * std::numbers::pi * 0.3 * kFb * kUi / 16);
        double y = w[0];
        for (auto& v : w) v = y = a * y + (1 - a) * v;
    }
    si::analysis::TdecqConfig cfg{.symbol_rate_bd = fb, .equalizer = c == 3 ? "none" : c == 4 ? "dj" : "5tap"};
    const std::vector<si::analysis::TdecqPattern> pats{p};
    si::analysis::TdecqResult r;
    for (auto _ : state) r = si::analysis::tdecq(w, 1 / fb / 16, cfg, pats);
    state.counters["tdecq_db"] = r.tdecq_db;
    state.counters["ceq_db"] = r.ceq_db;
    state.counters["oma_mw"] = 1e3 * r.oma_outer;
    state.counters["rlm"] = r.rlm;
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * r.symbols));
}
BENCHMARK(BM_TdecqReference)->DenseRange(0, 4)->ArgNames({"case"})->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();

// Per-point cost of a sweep of short points: the bundled 112G example
// (models/links/c2m_112g_orthobp_12db.toml) at sim.symbols = 1e4, one thread, split into the
// phases of sisim::run_point (apps/src/sweep_store.cpp):
//
//   BM_TouchstoneParse   parse the channel's .s4p text (what a point would pay without the cache)
//   BM_TouchstoneCached  read_touchstone() of the same file from the cache (size + mtime check)
//   BM_LinkBuild         si::sim::Link(spec): channel conversion, fusion, pulse response; its
//                        statistical eye comes from the adapter's memo after the first
//                        iteration (same spec): this is the Link without the eye
//   BM_LinkWithNoise     link.with(spec) for a new rx.noise_rms (what a point of a noise sweep pays
//                        for its link: the channel and pulse are reused, the sampling phase and its
//                        statistical eye are redone; a new noise value every iteration, no memo)
//   BM_LinkWithSeed      link.with(spec) for a new sim.seed (the statistical eye from the memo)
//   BM_Run               si::sim::run(): streaming, eye, statistical eye and SER for the metrics
//                        (both from the memo here: same link)
//   BM_StatisticalSer    analysis::statistical_ser() (the model, no memo), which run() calls
//   BM_StatisticalEye    analysis::statistical_eye() at eye.target_ber (the model, no memo): the
//                        eye the Link computes to choose its sampling phase
//   BM_RunToFile         sisim::run_to_file() to /dev/shm: LinkBuild + Run + the HDF5 writer
//                        (with deflate, as `sisim run`; a sweep's scratch file has none)
//   BM_ResultFile        the result file alone, as a sweep point makes it: create (no deflate),
//                        write root, channel and run results, commit, read the scalars back
//                        from the groups a sweep collects, delete
//   BM_ResultMemory      the same in an in-memory HDF5 file (core driver), scalars read from the
//                        open file (what a point not kept paid before the recorded result)
//   BM_ResultRecord      the same recorded without HDF5 (H5File::create_record) and its scalar row
//                        collected: what a sweep point that is not kept pays for its result now
//   BM_Point             sisim::run_point(): BM_RunToFile + config tree, stored config, scalars
//                        read back from the file, the point's record (everything a point costs)
//   BM_PointSeed         BM_Point over a sim.seed axis (the points share the pulse: the link is
//                        reused, its statistical eye and SER come from the memo)
//   BM_PointGdc          BM_Point over an rx.ctle.gdc axis (every point its own pulse: no reuse)
//   BM_PointTiny         run_point() on an ideal channel, 1000 symbols, 8 samples/UI: the
//                        sweep's fixed overhead per point with almost no simulation in it
//
//   build/bm_sweep --benchmark_min_time=1
//
// Counters: points/s = points per second of CPU time of this (single-threaded) process.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "si/channel/touchstone.hpp"
#include "si/io/h5.hpp"
#include "si/io/h5_read.hpp"
#include "si/io/config.hpp"
#include "si/sim/link.hpp"
#include "si/sim/stateye.hpp"
#include "src/link_config.hpp"
#include "src/point_scalars.hpp"
#include "src/results.hpp"
#include "src/run_command.hpp"
#include "src/sweep_spec.hpp"
#include "src/sweep_store.hpp"

#ifndef SISIM_SOURCE_DIR
#error "SISIM_SOURCE_DIR must be defined (see benchmarks/CMakeLists.txt)"
#endif

namespace {

const std::string kExample = std::string(SISIM_SOURCE_DIR) + "/models/links/c2m_112g_orthobp_12db.toml";
const std::string kChannel =
    std::string(SISIM_SOURCE_DIR) + "/models/channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p";

si::io::ConfigTree example_tree() {
    si::io::ConfigTree t(sisim::link_keys());
    t.load_file(kExample);
    t.apply_override("sim.symbols=1e4");
    t.apply_override("sim.threads=1");
    return t;
}

std::string scratch_dir() {
    const std::string d = (std::filesystem::exists("/dev/shm") ? std::string("/dev/shm") : std::string("/tmp")) +
                          "/sisim-bm-sweep-" + std::to_string(::getpid());
    std::filesystem::create_directories(d);
    return d;
}

void points_per_s(benchmark::State& state) {
    state.counters["points/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_TouchstoneParse(benchmark::State& state) {
    std::ifstream in(kChannel);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    for (auto _ : state) benchmark::DoNotOptimize(si::channel::parse_touchstone(text, kChannel, 0));
    points_per_s(state);
}
BENCHMARK(BM_TouchstoneParse)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_TouchstoneCached(benchmark::State& state) {
    (void)si::channel::read_touchstone(kChannel);
    for (auto _ : state) benchmark::DoNotOptimize(si::channel::read_touchstone(kChannel));
    points_per_s(state);
}
BENCHMARK(BM_TouchstoneCached)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_LinkBuild(benchmark::State& state) {
    const auto spec = sisim::link_spec_from(example_tree());
    for (auto _ : state) {
        si::sim::Link link(spec);
        benchmark::DoNotOptimize(link.main_cursor_v());
    }
    points_per_s(state);
}
BENCHMARK(BM_LinkBuild)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void link_with(benchmark::State& state, bool noise) {
    const auto spec = sisim::link_spec_from(example_tree());
    const si::sim::Link base(spec);
    std::uint64_t i = 0;
    for (auto _ : state) {
        auto s = spec;
        ++i;
        if (noise) s.rx.noise_rms_v = 0.5e-3 + 1e-7 * static_cast<double>(i % 10000);
        else s.sim.seed = 2 + i;
        const auto link = base.with(std::move(s));
        benchmark::DoNotOptimize(link.main_cursor_v());
    }
    points_per_s(state);
}
void BM_LinkWithNoise(benchmark::State& state) { link_with(state, true); }
BENCHMARK(BM_LinkWithNoise)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
void BM_LinkWithSeed(benchmark::State& state) { link_with(state, false); }
BENCHMARK(BM_LinkWithSeed)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_Run(benchmark::State& state) {
    auto tree = example_tree();
    tree.apply_override("sim.symbols=" + std::to_string(state.range(0)));
    const si::sim::Link link(sisim::link_spec_from(tree));
    for (auto _ : state) benchmark::DoNotOptimize(si::sim::run(link));
    points_per_s(state);
}
// 1e4 symbols (the sweep's short point) and 2e4: twice the first less the second is the run's
// fixed cost (set-up, warm-up, eye metrics), the difference the cost per 1e4 symbols.
BENCHMARK(BM_Run)->Arg(10000)->Arg(20000)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_StatisticalSer(benchmark::State& state) {
    const si::sim::Link link(sisim::link_spec_from(example_tree()));
    const auto in = si::sim::stat_eye_input(link);
    for (auto _ : state) benchmark::DoNotOptimize(si::analysis::statistical_ser(in));
    points_per_s(state);
}
BENCHMARK(BM_StatisticalSer)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_StatisticalEye(benchmark::State& state) {
    const si::sim::Link link(sisim::link_spec_from(example_tree()));
    const auto in = si::sim::stat_eye_input(link);
    for (auto _ : state) benchmark::DoNotOptimize(si::analysis::statistical_eye(in, link.spec().eye.target_ber));
    points_per_s(state);
}
BENCHMARK(BM_StatisticalEye)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_RunToFile(benchmark::State& state) {
    const auto tree = example_tree();
    const std::string dir = scratch_dir();
    sisim::RunFileOptions ro;
    for (auto _ : state) sisim::run_to_file(tree, dir + "/p.h5", ro);
    std::filesystem::remove_all(dir);
    points_per_s(state);
}
BENCHMARK(BM_RunToFile)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_ResultFile(benchmark::State& state) {
    const auto tree = example_tree();
    const si::sim::Link link(sisim::link_spec_from(tree));
    const auto res = si::sim::run(link);
    const std::string dir = scratch_dir();
    const std::string path = dir + "/r.h5";
    const std::string text = tree.resolved_toml();
    for (auto _ : state) {
        auto file = si::io::H5File::create(path, false);
        auto root = file.root();
        sisim::write_root_attrs(root, "bm_sweep", text, link.spec().sim.seed);
        sisim::write_channel(root, link, false);  // scratch: no channel-only responses
        sisim::write_run(root, link, res, false);
        file.commit();
        benchmark::DoNotOptimize(si::io::read_group_numeric_attrs(path, {"/ber", "/eye/rx/metrics", "/response", "/channel", "/"}));
        std::filesystem::remove(path);
    }
    std::filesystem::remove_all(dir);
    points_per_s(state);
}
BENCHMARK(BM_ResultFile)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_ResultMemory(benchmark::State& state) {
    const auto tree = example_tree();
    const si::sim::Link link(sisim::link_spec_from(tree));
    const auto res = si::sim::run(link);
    const std::string text = tree.resolved_toml();
    for (auto _ : state) {
        auto file = si::io::H5File::create_in_memory("bm-sweep-point.h5");
        auto root = file.root();
        sisim::write_root_attrs(root, "bm_sweep", text, link.spec().sim.seed);
        sisim::write_channel(root, link, false);
        sisim::write_run(root, link, res, false);
        benchmark::DoNotOptimize(si::io::read_group_numeric_attrs(file, {"/ber", "/eye/rx/metrics", "/response", "/channel", "/"}));
    }
    points_per_s(state);
}
BENCHMARK(BM_ResultMemory)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_ResultRecord(benchmark::State& state) {
    const auto tree = example_tree();
    const si::sim::Link link(sisim::link_spec_from(tree));
    const auto res = si::sim::run(link);
    const std::string text = tree.resolved_toml();
    for (auto _ : state) {
        auto file = si::io::H5File::create_record("bm-sweep-point.h5");
        auto root = file.root();
        sisim::write_root_attrs(root, "bm_sweep", text, link.spec().sim.seed);
        sisim::write_channel(root, link, false);
        sisim::write_run(root, link, res, false);
        benchmark::DoNotOptimize(sisim::collect_scalars(si::io::read_group_numeric_attrs(file, sisim::kScalarFirstGroups)));
    }
    points_per_s(state);
}
BENCHMARK(BM_ResultRecord)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void point_bench(benchmark::State& state, const std::string& sweep_text) {
    const std::string dir = scratch_dir();
    const std::string file = dir + "/bm.toml";
    std::ofstream(file) << sweep_text;
    const sisim::SweepSpec spec(file, {});
    const std::string work = dir + "/work";
    sisim::prepare_work_dir(spec, work);
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(sisim::run_point(spec, i++ % spec.size(), work, 1, "bm_sweep"));
    std::filesystem::remove_all(dir);
    points_per_s(state);
}

void BM_Point(benchmark::State& state) {
    point_bench(state, "[sweep]\nbase = \"" + kExample +
                           "\"\n[[sweep.axis]]\nkey = \"rx.noise_rms\"\nstart = 0.5e-3\nstop = 2e-3\ncount = "
                           "1000\n[sim]\nsymbols = 10000\nthreads = 1\n");
}
BENCHMARK(BM_Point)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_PointSeed(benchmark::State& state) {
    point_bench(state, "[sweep]\nbase = \"" + kExample +
                           "\"\n[[sweep.axis]]\nkey = \"sim.seed\"\nstart = 1\nstop = 1000\nstep = 1\n"
                           "[sim]\nsymbols = 10000\nthreads = 1\n");
}
BENCHMARK(BM_PointSeed)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_PointGdc(benchmark::State& state) {
    point_bench(state, "[sweep]\nbase = \"" + kExample +
                           "\"\n[[sweep.axis]]\nkey = \"rx.ctle.gdc\"\nstart = -10\nstop = -4\ncount = "
                           "1000\n[sim]\nsymbols = 10000\nthreads = 1\n");
}
BENCHMARK(BM_PointGdc)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_PointTiny(benchmark::State& state) {
    point_bench(state, "[sweep]\n[[sweep.axis]]\nkey = \"rx.noise_rms\"\nstart = 1e-4\nstop = 1e-2\ncount = "
                       "1000\n[sim]\nsymbols = 1000\nsamples_per_ui = 8\nthreads = 1\n[eye]\nvoltage_bins = 64\n");
}
BENCHMARK(BM_PointTiny)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();

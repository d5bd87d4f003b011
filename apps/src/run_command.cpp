#include "run_command.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "chain.hpp"
#include "link_config.hpp"
#include "si/io/power_table_io.hpp"
#include "si/sim/multihop.hpp"
#include "progress.hpp"
#include "results.hpp"
#include "si/io/h5.hpp"
#include "si/sim/stateye.hpp"

namespace sisim {

namespace {

// The temporary output being written; unlinked by the signal handler (async-signal-safe).
char g_temp_path[4096] = {0};
extern "C" void on_fatal_signal(int sig) {
    if (g_temp_path[0]) ::unlink(g_temp_path);
    ::_exit(128 + sig);
}

void print_summary(const si::sim::Link& link, const si::sim::RunResult& r, const std::string& out) {
    const auto& m = r.metrics;
    std::printf("sisim: %s, %.6g GBd, %llu symbols, %d samples/UI, engine %s\n",
                link.spec().signal.modulation.c_str(), link.spec().signal.symbol_rate_bd / 1e9,
                static_cast<unsigned long long>(r.ber.symbols_compared), link.spec().sim.samples_per_ui,
                link.linear_path() ? "superposition" : "waveform");
    std::printf("  channel: %s; loss at Nyquist %.2f dB\n", link.channel().description.c_str(),
                link.channel().loss_at_nyquist_db);
    if (const auto& oi = link.optics_info(); oi.enabled)
        std::printf("  optics (%s): gain %.4g V/V at +-%.4g V drive, photocurrent %.4g mA removed, "
                    "optical noise %.4g mV rms at the sampler\n",
                    link.spec().optics.architecture.c_str(), oi.gain_v_per_v, oi.drive_amplitude_v,
                    oi.tia_offset_a * 1e3, oi.noise_sigma_v * 1e3);
    std::printf("  main cursor %.4f V, sampled %.4f ns after launch (%ld UI + %.3f UI)\n",
                link.main_cursor_v(), link.sampling_delay_s() * 1e9, link.latency_ui(),
                link.sampling_phase_ui());
    std::printf("  eye at BER %.3g:", m.target_ber);
    for (std::size_t i = 0; i < m.eye_height_v.size(); ++i)
        std::printf(" [%zu] %.1f mV x %.3f UI", i, 1e3 * m.eye_height_v[i], m.eye_width_ui[i]);
    const auto& st = r.statistical_sampler;
    std::printf("\n  statistical (pulse response, same phase): SER %.3e, BER %.3e", st.ser, st.ber);
    const auto& rd = link.receiver();
    if (rd.has_dsp || rd.cdr) {
        std::printf("\n  receiver: %s", rd.detector.c_str());
        if (rd.adc.bits > 0) std::printf(", ADC %d bits FS %.3g V (%llu clipped)", rd.adc.bits, rd.adc.full_scale_v,
                                         static_cast<unsigned long long>(r.rx.adc_clipped));
        if (rd.ffe.taps > 0) std::printf(", FFE %d taps (%d pre, %s)", rd.ffe.taps, rd.ffe.pre, rd.ffe.mode.c_str());
        if (!rd.dfe_taps.b.empty()) std::printf(", DFE %zu taps", rd.dfe_taps.b.size());
        if (!rd.mlse_target.empty()) std::printf(", MLSE memory %d", rd.mlse.memory);
        std::printf("; training %llu symbols x %llu segments",
                    static_cast<unsigned long long>(r.rx.training_symbols),
                    static_cast<unsigned long long>(r.rx.segments));
        if (rd.has_dsp)
            std::printf("\n  statistical at the detector: SER %.3e (%s)", r.rx.ser_statistical,
                        r.rx.ser_statistical_method.c_str());
        if (r.rx.cdr)
            std::printf("\n  CDR %s: locked in %.0f %% of segments (segment 0 at UI %lld), mean phase %.4f UI, "
                        "rms jitter %.4f UI, slope %.1f ppm",
                        rd.cdr_config.model.c_str(), 100 * r.rx.locked_fraction,
                        static_cast<long long>(r.rx.lock_ui), r.rx.mean_phase_ui, r.rx.rms_jitter_ui,
                        r.rx.phase_slope_ppm);
    }
    std::printf("\n  errors: %llu symbols, %llu bits; SER %.3e, BER %.3e\n",
                static_cast<unsigned long long>(r.ber.symbol_errors),
                static_cast<unsigned long long>(r.ber.bit_errors), r.ber.ser(), r.ber.ber());
    const double ui = static_cast<double>(link.spec().sim.symbols);
    std::printf("  %.3f s streaming (%.2f M UI/s, %.2f M UI per CPU second, %.1f Msamples/s) + %.3f s "
                "eye analysis; wrote %s\n",
                r.elapsed_s, ui / r.elapsed_s / 1e6,
                r.streaming_cpu_s > 0 ? ui / r.streaming_cpu_s / 1e6 : 0.0,
                static_cast<double>(r.waveform_samples) / r.elapsed_s / 1e6, r.analysis_s, out.c_str());
}

// File paths become absolute so that the stored config loads again from anywhere.
/// The file keys of one hop (prefix "" or "hop.<i>.") and the pattern file, made absolute.
void absolutize_paths(si::io::ConfigTree& tree, const si::sim::LinkSpec& spec, const std::string& prefix = "") {
    auto set_files = [&](const char* key, const std::vector<std::string>& v) {
        if (v.empty()) return;
        std::string a = "[";
        for (std::size_t i = 0; i < v.size(); ++i)
            a += (i ? ", \"" : "\"") + std::filesystem::absolute(v[i]).lexically_normal().string() + "\"";
        tree.apply_override(prefix + key + "=" + a + "]");
    };
    set_files("channel.touchstone", spec.channel.touchstone);
    set_files("channel.crosstalk", spec.channel.crosstalk);
    set_files("far_channel.touchstone", spec.optics.far.touchstone);
    if (spec.signal.pattern.name == "file")
        tree.apply_override("signal.pattern=\"" +
                            std::filesystem::absolute(spec.signal.pattern.file).lexically_normal().string() + "\"");
}
void absolutize_paths(si::io::ConfigTree& tree, const si::sim::MultiHopSpec& m) {
    for (std::size_t h = 0; h < m.hops.size(); ++h) absolutize_paths(tree, m.hops[h], "hop." + std::to_string(h) + ".");
}

/// The config a result stores: the tree with its file paths made absolute, every key resolved.
template <class Spec>
std::string stored_config_of(si::io::ConfigTree& tree, const Spec& spec) {
    absolutize_paths(tree, spec);
    return resolved_config(tree);
}

/// output.optical_waveform_symbols, checked before the run (0 = no optical probe).
std::uint64_t optical_probe_symbols(const si::io::ConfigTree& tree, bool optical) {
    const std::int64_t n = tree.integer("output.optical_waveform_symbols");
    if (n == 0) return 0;
    const std::string loc = tree.location("output.optical_waveform_symbols");
    auto fail = [&](const std::string& m) {
        const std::string msg = "output.optical_waveform_symbols: " + m;
        throw si::io::ConfigLocationError(loc, "output.optical_waveform_symbols",
                                          loc.empty() ? msg : (loc == "--set" ? "--set " : loc + ": ") + msg);
    };
    if (n < 2048 || n > 100000000) fail("must be 0 or in [2048, 1e8] symbols (TDECQ needs >= 2048) (got " + std::to_string(n) + ")");
    if (!optical) fail("the link has no optical transmitter (link.architecture \"lpo\"/\"cpo\", or a hop with optical = true)");
    return static_cast<std::uint64_t>(n);
}

/// The power table of a config in models/links/: models/power.toml ("" when there is none; then
/// the run writes no /budget).
std::string default_power_table(const si::io::ConfigTree& tree) {
    const std::string dir = tree.source_dir();
    if (dir.empty()) return "";
    const auto p = std::filesystem::path(dir).parent_path() / "power.toml";
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec) ? p.string() : "";
}

void print_multi_summary(const si::sim::MultiLink& link, const si::sim::MultiRunResult& r,
                         const si::arch::ChainBudget* b, const std::string& out) {
    const auto& s0 = link.hops().front().spec();
    std::printf("sisim: %s link of %zu hops, %s, %llu symbols end to end\n", link.spec().architecture.c_str(),
                link.size(), s0.signal.modulation.c_str(), static_cast<unsigned long long>(r.ber.symbols_compared));
    for (std::size_t h = 0; h < link.size(); ++h) {
        const auto& l = link.hops()[h];
        const auto& hr = r.hops[h];
        std::printf("  hop %zu (%s): %.6g GBd, %s; loss at Nyquist %.2f dB%s; SER %.3e (statistical %.3e)%s\n", h,
                    link.spec().names[h].c_str(), l.spec().signal.symbol_rate_bd / 1e9,
                    l.channel().description.c_str(), l.channel().loss_at_nyquist_db,
                    l.spec().optics.enabled() ? " + optics" : "", hr.ber.ser(),
                    l.receiver().has_dsp ? hr.rx.ser_statistical : hr.statistical_sampler.ser,
                    h + 1 < link.size() ? "; retimer" : "");
        if (hr.rx.cdr)
            std::printf("    CDR: locked in %.0f %% of segments, rms jitter %.4f UI\n", 100 * hr.rx.locked_fraction,
                        hr.rx.rms_jitter_ui);
    }
    std::printf("  end to end: %llu symbol errors, %llu bit errors; SER %.3e, BER %.3e (statistical BER %.3e); "
                "hop errors %llu, coincident %llu\n",
                static_cast<unsigned long long>(r.ber.symbol_errors), static_cast<unsigned long long>(r.ber.bit_errors),
                r.ber.ser(), r.ber.ber(), r.ber_statistical, static_cast<unsigned long long>(r.hop_symbol_errors),
                static_cast<unsigned long long>(r.coincident_errors));
    if (b != nullptr)
        std::printf("  power %.3f W per lane (%.2f pJ/bit), latency %.1f ns end to end\n", b->power_w,
                    b->energy_pj_per_bit, b->latency_s * 1e9);
    std::printf("  %.3f s streaming; wrote %s\n", r.elapsed_s, out.c_str());
}

/// The power and latency budget of a config in models/links/ (none without a power table).
template <class Spec>
std::optional<si::arch::ChainBudget> budget_of(const si::io::ConfigTree& tree, const Spec& spec, const std::string& out) {
    const auto pt = default_power_table(tree);
    if (pt.empty()) return std::nullopt;
    return si::arch::budget(chain_of(spec, std::filesystem::path(out).stem().string()), si::io::read_power_table(pt));
}

/// What every run to a file does around the simulation: create the output first (an unwritable
/// path fails before the run; it stays a temporary file until commit()), run with progress,
/// print the warnings, write (write(root, result)), commit. Returns the run's result.
template <class Run, class Write>
auto run_into_file(const std::string& out, const RunFileOptions& opt, Run&& run, Write&& write) {
    const bool memory = static_cast<bool>(opt.in_memory);
    auto file = memory ? si::io::H5File::create_record(out) : si::io::H5File::create(out, opt.compress);
    if (!memory) guard_temp_file(file.temp_path());
    ProgressReporter rep(opt.quiet);
    // quiet: no progress callback at all (a one-thread run then needs no worker thread)
    auto res = run(opt.quiet ? si::sim::Progress{} : si::sim::Progress([&](double f) { rep(f); }));
    if (!opt.quiet)
        for (const auto& w : res.warnings) std::fprintf(stderr, "sisim: warning: %s\n", w.c_str());
    write(file.root(), res);
    if (memory) {
        opt.in_memory(file);
        return res;
    }
    file.commit();
    release_temp_file();
    return res;
}

/// The optical probe of `link` under `root`; a TDECQ that cannot be computed is a warning.
void probe_optics(si::io::H5Group root, const si::sim::Link& link, std::uint64_t symbols, const std::string& where,
                  bool quiet) {
    if (const auto why = write_optical_probe(root, link, symbols, where); !why.empty() && !quiet)
        std::fprintf(stderr, "sisim: warning: %sno TDECQ for the optical probe: %s\n",
                     where.empty() ? "" : (where.substr(1) + ": ").c_str(), why.c_str());
}

void run_multi_to_file(si::io::ConfigTree tree, const std::string& out, const RunFileOptions& opt) {
    auto spec = multi_hop_spec_from(tree);
    const auto stored_spec = spec;
    bool any_optical = false;
    for (const auto& h : spec.hops) any_optical = any_optical || h.optics.enabled();
    const auto probe_symbols = optical_probe_symbols(tree, any_optical);
    if (opt.threads >= 0) spec.hops[0].sim.threads = opt.threads;
    const si::sim::MultiLink link(spec);
    const auto budget = budget_of(tree, stored_spec, out);
    const auto res = run_into_file(
        out, opt, [&](const si::sim::Progress& p) { return si::sim::run(link, p); },
        [&](si::io::H5Group root, const si::sim::MultiRunResult& r) {
            write_root_attrs(root, opt.command_line,
                             opt.stored_config.empty() ? stored_config_of(tree, stored_spec) : opt.stored_config,
                             spec.hops[0].sim.seed);
            write_multi_hop(root, link, r, tree.boolean("output.pulse"));
            for (std::size_t h = 0; h < link.size() && probe_symbols > 0; ++h)
                if (link.hops()[h].optics_model() != nullptr)
                    probe_optics(root.group("hop/" + std::to_string(h)), link.hops()[h], probe_symbols,
                                 "/hop/" + std::to_string(h), opt.quiet);
            if (budget) write_budget(root, *budget);
        });
    if (opt.summary) print_multi_summary(link, res, budget ? &*budget : nullptr, out);
}

}  // namespace

const si::sim::Link& LinkCache::get(si::sim::LinkSpec spec) {
    if (last_ && last_->reusable_for(spec)) {
        auto next = last_->with(std::move(spec));
        last_ = std::move(next);
        ++reused_;
    } else {
        last_.reset();  // a failed build leaves no stale link behind
        last_.emplace(std::move(spec));
        ++built_;
    }
    return *last_;
}

void guard_temp_file(const std::string& path) {
    std::snprintf(g_temp_path, sizeof g_temp_path, "%s", path.c_str());
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}
void release_temp_file() { g_temp_path[0] = 0; }

std::string stored_config(si::io::ConfigTree tree) {
    if (is_multi_hop(tree)) return stored_config_of(tree, multi_hop_spec_from(tree));
    return stored_config_of(tree, link_spec_from(tree));
}

void run_to_file(si::io::ConfigTree tree, const std::string& out, const RunFileOptions& opt) {
    if (is_multi_hop(tree)) {
        run_multi_to_file(std::move(tree), out, opt);
        return;
    }
    auto spec = link_spec_from(tree);
    const auto stored_spec = spec;
    const auto probe_symbols = optical_probe_symbols(tree, spec.optics.enabled());
    if (opt.threads >= 0) spec.sim.threads = opt.threads;
    spec.scalars_only = opt.scalars_only;
    std::optional<si::sim::Link> own;
    const si::sim::Link& link = opt.links ? opt.links->get(spec) : own.emplace(spec);
    if (!opt.quiet)
        for (const auto& r : link.channel().pairing_reports) std::fprintf(stderr, "sisim: %s\n", r.c_str());
    const auto budget = budget_of(tree, stored_spec, out);
    const auto res = run_into_file(
        out, opt, [&](const si::sim::Progress& p) { return si::sim::run(link, p); },
        [&](si::io::H5Group root, const si::sim::RunResult& r) {
            write_root_attrs(root, opt.command_line,
                             opt.stored_config.empty() ? stored_config_of(tree, stored_spec) : opt.stored_config,
                             spec.sim.seed);
            write_channel(root, link, opt.channel_responses);
            write_run(root, link, r, tree.boolean("output.pulse"));
            if (probe_symbols > 0) probe_optics(root, link, probe_symbols, "", opt.quiet);
            if (budget) write_budget(root, *budget);
        });
    if (opt.summary) print_summary(link, res, out);
}

}  // namespace sisim

// sisim: time-domain SerDes signal-integrity simulator.
//
// Sample runs:
//   sisim run models/links/c2m_112g_orthobp_12db.toml -o c2m.h5
//   sisim run models/links/c2m_112g_orthobp_12db.toml --set rx.ctle.gdc=-10 --set sim.symbols=1e6
//   sisim channel models/channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p -o ch.h5
//   sisim keys
//
// Description:
//   1. Read the TOML config and the --set overrides into a key tree checked against the
//      registry (unknown keys, bad units and bad values stop here with file:line:column).
//   2. Build the link: read and convert the channel, fuse the linear chain into one response,
//      choose the sampling phase from the pulse response.
//   3. Stream the symbols through the chain, accumulate the eye, count errors.
//   4. Write everything to a temporary HDF5 file and rename it into place.
// Exit status: 0 success, 2 bad input (config, files, parameters), 1 internal error.
#include <boost/program_options.hpp>
#include <unistd.h>

#include <csignal>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/io/config.hpp"
#include "si/io/h5.hpp"
#include "si/sim/jtol.hpp"
#include "si/sim/stateye.hpp"
#include "src/link_config.hpp"
#include "src/progress.hpp"
#include "src/results.hpp"
#include "src/compare_command.hpp"
#include "src/tdecq_command.hpp"

namespace po = boost::program_options;

namespace {

// A run killed by SIGINT/SIGTERM (Ctrl-C, a SLURM time limit) must not leave its temporary
// output behind: the handler unlinks it (async-signal-safe) and exits 128 + signal.
char g_temp_path[4096] = {0};
extern "C" void on_fatal_signal(int sig) {
    if (g_temp_path[0]) ::unlink(g_temp_path);
    ::_exit(128 + sig);
}
void guard_temp_file(const std::string& path) {
    std::snprintf(g_temp_path, sizeof g_temp_path, "%s", path.c_str());
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}
void release_temp_file() { g_temp_path[0] = 0; }

// The output is written to a temporary file and renamed over `out`, which would replace a device
// node's directory entry or an input file: refuse anything but a new or regular file, and any
// input of the run (same file by inode, so other spellings and hard links count).
void check_output(const std::string& out, const std::vector<std::string>& inputs) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto st = fs::status(out, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw si::IoError(out, 0, "cannot use as output: " + ec.message());
    if (!fs::exists(st)) return;
    if (!fs::is_regular_file(st))
        throw si::IoError(out, 0, std::string("refusing to write the output over ") +
                                      (fs::is_directory(st) ? "a directory" : "a file that is not "
                                                              "a regular file (device, FIFO, socket)"));
    for (const auto& in : inputs) {
        std::error_code e2;
        if (fs::equivalent(out, in, e2))
            throw si::IoError(out, 0, "refusing to write the output over an input of the run ('" +
                                          in + "'); choose another -o");
    }
}

std::string join_args(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) {
        if (i) s += ' ';
        s += argv[i];
    }
    return s;
}

const char* kUsage =
    "usage: sisim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run CONFIG.toml [--set key=value ...] [-o OUT.h5]   simulate a link\n"
    "  channel FILE.sNp [FILE ...] [--ports P ...] [-o OUT.h5]  inspect and convert a channel\n"
    "  jtol CONFIG.toml [--frequencies F,...] [-o OUT.h5]   jitter tolerance with the recovered clock\n"
    "  keys                                                 list every config key\n"
    "  tdecq WAVEFORM.csv|.h5 --symbol-rate R [--pattern P] [-o OUT.h5]  TDECQ of a PAM4 waveform\n"
    "  compare A.toml B.toml ... [-o CMP.h5]  BER, margin, power per bit and latency side by side\n"
    "\n"
    "'sisim <command> --help' describes each command. Exit status: 0 ok, 2 bad input, 1 internal error.\n";

int cmd_keys() {
    std::cout << si::io::format_keys(sisim::link_keys());
    return 0;
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
    const auto st = si::sim::statistical_ser(link);
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
    std::printf("  %.3f s streaming (%.1f Msamples/s) + %.3f s eye analysis; wrote %s\n", r.elapsed_s,
                static_cast<double>(r.waveform_samples) / r.elapsed_s / 1e6, r.analysis_s, out.c_str());
}

int cmd_run(const std::vector<std::string>& args, const std::string& cmdline) {
    po::options_description opts("sisim run CONFIG.toml [options]");
    std::vector<std::string> sets;
    std::string out;
    opts.add_options()("help,h", "this help")(
        "set", po::value<std::vector<std::string>>(&sets)->composing(),
        "override a key: --set section.key=value (repeatable)")(
        "output,o", po::value<std::string>(&out), "output HDF5 file (default: CONFIG stem + .h5)")(
        "quiet,q", "no progress on stderr");
    po::options_description hidden;
    std::string config;
    hidden.add_options()("config", po::value<std::string>(&config));
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("config", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << opts << "\nEvery key and its default: sisim keys. Values take SI prefixes and "
                             "units: --set signal.symbol_rate=106.25GBd\n";
        return 0;
    }
    if (config.empty()) throw si::ConfigError("", "sisim run: missing CONFIG.toml (see sisim run --help)");
    si::io::ConfigTree tree(sisim::link_keys());
    tree.load_file(config);
    for (const auto& s : sets) tree.apply_override(s);
    const auto spec = sisim::link_spec_from(tree);
    if (out.empty()) out = std::filesystem::path(config).stem().string() + ".h5";
    {
        std::vector<std::string> inputs{config};
        inputs.insert(inputs.end(), spec.channel.touchstone.begin(), spec.channel.touchstone.end());
        inputs.insert(inputs.end(), spec.channel.crosstalk.begin(), spec.channel.crosstalk.end());
        inputs.insert(inputs.end(), spec.optics.far.touchstone.begin(), spec.optics.far.touchstone.end());
        if (spec.signal.pattern.name == "file") inputs.push_back(spec.signal.pattern.file);
        check_output(out, inputs);
    }

    const bool quiet = vm.count("quiet") > 0;
    si::sim::Link link(spec);
    for (const auto& r : link.channel().pairing_reports)
        if (!quiet) std::fprintf(stderr, "sisim: %s\n", r.c_str());
    // Create the output before the run so that an unwritable path fails early; it stays a
    // temporary file until commit().
    auto file = si::io::H5File::create(out);
    guard_temp_file(file.temp_path());
    sisim::ProgressReporter rep(quiet);
    const auto res = si::sim::run(link, [&](double f) { rep(f); });
    for (const auto& w : res.warnings) std::fprintf(stderr, "sisim: warning: %s\n", w.c_str());
    // The stored config must load again from anywhere: file paths become absolute.
    auto toml_array = [](const std::vector<std::string>& v) {
        std::string a = "[";
        for (std::size_t i = 0; i < v.size(); ++i)
            a += (i ? ", \"" : "\"") + std::filesystem::absolute(v[i]).lexically_normal().string() + "\"";
        return a + "]";
    };
    if (!spec.channel.touchstone.empty())
        tree.apply_override("channel.touchstone=" + toml_array(spec.channel.touchstone));
    if (!spec.channel.crosstalk.empty())
        tree.apply_override("channel.crosstalk=" + toml_array(spec.channel.crosstalk));
    if (!spec.optics.far.touchstone.empty())
        tree.apply_override("far_channel.touchstone=" + toml_array(spec.optics.far.touchstone));
    if (spec.signal.pattern.name == "file")
        tree.apply_override("signal.pattern=\"" +
                            std::filesystem::absolute(spec.signal.pattern.file).lexically_normal().string() + "\"");
    auto root = file.root();
    sisim::write_root_attrs(root, cmdline, tree.resolved_toml(), spec.sim.seed);
    sisim::write_channel(root, link);
    sisim::write_run(root, link, res, tree.boolean("output.pulse"));
    file.commit();
    release_temp_file();
    if (!quiet) print_summary(link, res, out);
    return 0;
}

/// Splits "1e6,2MHz,4e6" into frequencies [Hz].
std::vector<double> parse_frequency_list(const std::string& text) {
    std::vector<double> v;
    std::size_t a = 0;
    while (a <= text.size()) {
        const std::size_t b = std::min(text.find(',', a), text.size());
        const std::string item = text.substr(a, b - a);
        try {
            v.push_back(si::parse_quantity(item, "Hz"));
        } catch (const std::invalid_argument& e) {
            throw si::ConfigError("--frequencies", "'" + item + "': " + e.what());
        }
        a = b + 1;
    }
    return v;
}

int cmd_jtol(const std::vector<std::string>& args, const std::string& cmdline) {
    po::options_description opts("sisim jtol CONFIG.toml [options]");
    std::vector<std::string> sets;
    std::string out, freqs, fmin_s, fmax_s;
    int points = 7;
    double target = 1e-4;
    std::uint64_t symbols = 0;
    opts.add_options()("help,h", "this help")(
        "set", po::value<std::vector<std::string>>(&sets)->composing(), "override a key (as in run)")(
        "output,o", po::value<std::string>(&out), "output HDF5 file (default: CONFIG stem + _jtol.h5)")(
        "frequencies", po::value<std::string>(&freqs), "SJ frequencies, comma separated (\"1MHz,4MHz\")")(
        "fmin", po::value<std::string>(&fmin_s), "lowest frequency (default: CDR bandwidth / 30)")(
        "fmax", po::value<std::string>(&fmax_s), "highest frequency (default: CDR bandwidth x 30)")(
        "points", po::value<int>(&points), "log-spaced frequencies between fmin and fmax (default 7)")(
        "target-ber", po::value<double>(&target), "pass criterion: counted BER <= this (default 1e-4)")(
        "symbols", po::value<std::uint64_t>(&symbols),
        "symbols per run (default: max(2e5, 4 periods of the lowest frequency))")(
        "quiet,q", "no progress on stderr");
    po::options_description hidden;
    std::string config;
    hidden.add_options()("config", po::value<std::string>(&config));
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("config", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << opts << "\nFor each SJ frequency, the largest TX SJ (pk-pk UI) at which the "
                             "link with its CDR still meets the target BER (docs/user-guide.md).\n";
        return 0;
    }
    if (config.empty()) throw si::ConfigError("", "sisim jtol: missing CONFIG.toml (see sisim jtol --help)");
    si::io::ConfigTree tree(sisim::link_keys());
    tree.load_file(config);
    for (const auto& s : sets) tree.apply_override(s);
    const auto spec = sisim::link_spec_from(tree);
    if (spec.rx.cdr_model == "ideal")
        throw si::ConfigError("rx.cdr.model", "sisim jtol needs a recovered clock: set rx.cdr.model = "
                                              "\"bang_bang\" or \"mueller_muller\"");
    if (out.empty()) out = std::filesystem::path(config).stem().string() + "_jtol.h5";
    {
        std::vector<std::string> inputs{config};
        inputs.insert(inputs.end(), spec.channel.touchstone.begin(), spec.channel.touchstone.end());
        check_output(out, inputs);
    }
    const si::sim::Link link(spec);
    si::sim::JtolOptions opt;
    opt.target_ber = target;
    opt.symbols = symbols;
    if (!freqs.empty()) {
        opt.frequencies_hz = parse_frequency_list(freqs);
    } else {
        const double bw = si::rx::cdr_gains(link.receiver().cdr_config).bandwidth_hz;
        auto q = [](const std::string& t, const char* key) {
            try {
                return si::parse_quantity(t, "Hz");
            } catch (const std::invalid_argument& e) {
                throw si::ConfigError(key, e.what());
            }
        };
        const double f0 = fmin_s.empty() ? bw / 30 : q(fmin_s, "--fmin");
        const double f1 = fmax_s.empty() ? std::min(bw * 30, spec.signal.symbol_rate_bd / 100) : q(fmax_s, "--fmax");
        if (!(f0 > 0 && f1 >= f0 && points >= 1 && points <= 1000))
            throw si::ConfigError("--fmin", "needs 0 < fmin <= fmax and 1 <= points <= 1000");
        for (int i = 0; i < points; ++i)
            opt.frequencies_hz.push_back(points == 1 ? f0 : f0 * std::pow(f1 / f0, double(i) / (points - 1)));
    }
    auto file = si::io::H5File::create(out);
    guard_temp_file(file.temp_path());
    const bool quiet = vm.count("quiet") > 0;
    const auto pts = si::sim::jitter_tolerance(spec, opt, [&](int runs, std::size_t i) {
        if (!quiet)
            std::fprintf(stderr, "\rsisim jtol: frequency %zu/%zu (%.4g Hz), %d runs", i + 1,
                         opt.frequencies_hz.size(), opt.frequencies_hz[i], runs);
    });
    if (!quiet) std::fprintf(stderr, "\n");
    // the statistical eye width at the detector at the target (SER = BER x bits per symbol, Gray)
    const double ew = si::sim::receiver_eye_width_ui(link, opt.target_ber * std::log2(double(link.levels())));
    auto root = file.root();
    sisim::write_root_attrs(root, cmdline, tree.resolved_toml(), spec.sim.seed);
    auto g = root.group("jtol");
    std::vector<double> f, a, m;
    std::vector<std::uint8_t> pass, capped;
    for (const auto& p : pts) {
        f.push_back(p.frequency_hz);
        a.push_back(p.amplitude_ui_pp);
        m.push_back(p.mask_ui_pp);
        pass.push_back(p.pass);
        capped.push_back(p.capped);
    }
    g.write("frequency_hz", std::span<const double>(f), {}, "Hz");
    auto ad = g.write("amplitude_ui", std::span<const double>(a), {}, "UI");
    ad.attr("note", "largest TX SJ (peak-to-peak) at which the counted BER <= target_ber");
    auto md = g.write("mask_ui", std::span<const double>(m), {}, "UI");
    md.attr("note", "OIF CEI form scaled with fb (not verified for CEI-112G/224G); NaN = not specified");
    g.write("pass", std::span<const std::uint8_t>(pass), {}, "");
    g.write("capped", std::span<const std::uint8_t>(capped), {}, "");
    g.attr("target_ber", opt.target_ber);
    g.attr("symbols_per_run", std::max<std::uint64_t>(opt.symbols, 0));
    g.attr("cdr_model", spec.rx.cdr_model);
    g.attr("cdr_bandwidth_hz_predicted", si::rx::cdr_gains(link.receiver().cdr_config).bandwidth_hz);
    g.attr("eye_width_ui_statistical", ew);
    g.attr("eye_width_note", "statistical eye width at the detector at target_ber (ideal clock, no SJ, "
                             "DSP taps held; without DSP the smallest sub-eye): the high-frequency "
                             "JTOL level approaches it");
    file.commit();
    release_temp_file();
    if (!quiet) {
        std::printf("sisim jtol: %s CDR, target BER %.3g (statistical eye width %.3f UI)\n",
                    spec.rx.cdr_model.c_str(), opt.target_ber, ew);
        std::printf("  %12s %14s %10s %5s\n", "f [Hz]", "SJ pk-pk [UI]", "mask [UI]", "pass");
        for (const auto& p : pts)
            std::printf("  %12.4g %13.3f%s %10.3f %5s\n", p.frequency_hz, p.amplitude_ui_pp,
                        p.capped ? "+" : " ", p.mask_ui_pp, p.pass ? "yes" : "NO");
        std::printf("  wrote %s\n", out.c_str());
    }
    return 0;
}

int cmd_channel(const std::vector<std::string>& args, const std::string& cmdline) {
    po::options_description opts("sisim channel FILE.sNp [FILE ...] [options]");
    std::vector<std::string> ports;
    std::string out, rate = "53.125GBd";
    int spu = 32;
    opts.add_options()("help,h", "this help")(
        "ports,p", po::value<std::vector<std::string>>(&ports)->composing(),
        "pairing in+,in-,out+,out- (1-based), one for all files or one per file; default auto")(
        "symbol-rate,r", po::value<std::string>(&rate),
        "symbol rate for the Nyquist loss and the pulse response (default 53.125GBd)")(
        "samples-per-ui", po::value<int>(&spu), "time resolution of the responses (default 32)")(
        "output,o", po::value<std::string>(&out), "output HDF5 file (default: first file stem + .h5)")(
        "quiet,q", "print nothing but errors");
    po::options_description hidden;
    std::vector<std::string> files;
    hidden.add_options()("files", po::value<std::vector<std::string>>(&files));
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("files", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << opts;
        return 0;
    }
    if (files.empty()) throw si::ConfigError("", "sisim channel: no Touchstone file given");
    for (const auto& f : files) {
        std::error_code ec;
        const auto st = std::filesystem::status(f, ec);
        if (ec && ec != std::errc::no_such_file_or_directory)
            throw si::IoError(f, 0, "cannot open: " + ec.message());
        if (!std::filesystem::exists(st)) throw si::IoError(f, 0, "no such file");
        if (!std::filesystem::is_regular_file(st))
            throw si::IoError(f, 0, std::filesystem::is_directory(st) ? "is a directory" : "is not a regular file");
    }
    si::sim::LinkSpec spec;
    try {
        spec.signal.symbol_rate_bd = si::parse_quantity(rate, "Bd");
    } catch (const std::invalid_argument& e) {
        throw si::ConfigError("--symbol-rate", e.what());
    }
    spec.sim.samples_per_ui = spu;
    spec.channel.touchstone = files;
    spec.channel.ports = ports;
    spec.channel.allow_below_nyquist = true;  // inspection: report, do not refuse
    if (out.empty()) out = std::filesystem::path(files[0]).stem().string() + ".h5";
    check_output(out, files);
    si::sim::Link link(spec);
    auto file = si::io::H5File::create(out);
    guard_temp_file(file.temp_path());
    auto root = file.root();
    std::ostringstream cfg;
    cfg << "# sisim channel\n[signal]\nsymbol_rate = " << spec.signal.symbol_rate_bd
        << "\n[sim]\nsamples_per_ui = " << spu << "\n[channel]\ntouchstone = [";
    for (std::size_t i = 0; i < files.size(); ++i) cfg << (i ? ", " : "") << '"' << files[i] << '"';
    cfg << "]\n";
    sisim::write_root_attrs(root, cmdline, cfg.str(), 0);
    sisim::write_channel(root, link);
    const auto report = sisim::channel_report(root, link);
    file.commit();
    release_temp_file();
    if (!vm.count("quiet")) {
        for (const auto& r : link.channel().pairing_reports) std::printf("%s\n", r.c_str());
        std::printf("%s", report.c_str());
        std::printf("wrote %s\n", out.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string cmdline = join_args(argc, argv);
    if (argc < 2) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string cmd = argv[1];
    std::vector<std::string> rest(argv + 2, argv + argc);
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::cout << kUsage;
            return 0;
        }
        if (cmd == "--version") {
            std::cout << "sisim " << sisim::kVersion << "\n";
            return 0;
        }
        if (cmd == "keys") return cmd_keys();
        if (cmd == "run") return cmd_run(rest, cmdline);
        if (cmd == "channel") return cmd_channel(rest, cmdline);
        if (cmd == "jtol") return cmd_jtol(rest, cmdline);
        if (cmd == "tdecq") return sisim::cmd_tdecq(rest, cmdline, check_output);
        if (cmd == "compare") return sisim::cmd_compare(rest, cmdline, check_output);
        std::cerr << "sisim: unknown command '" << cmd << "'\n" << kUsage;
        return 2;
    } catch (const po::error& e) {
        std::cerr << "sisim " << cmd << ": " << e.what() << "\n";
        return 2;
    } catch (const si::ConfigError& e) {
        std::cerr << "sisim: error: " << e.what() << "\n";
        return 2;
    } catch (const si::IoError& e) {
        std::cerr << "sisim: error: " << e.what() << "\n";
        return 2;
    } catch (const si::ModelError& e) {
        std::cerr << "sisim: error: " << e.what() << "\n";
        return 2;
    } catch (const std::filesystem::filesystem_error& e) {
        // A path the user gave that the system refuses (name too long, permission, loop).
        std::cerr << "sisim: error: " << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "sisim: error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "sisim: internal error: " << e.what() << "\n";
        return 1;
    }
}

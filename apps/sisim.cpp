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
#include "si/sim/multihop.hpp"
#include "src/progress.hpp"
#include "src/results.hpp"
#include "src/compare_command.hpp"
#include "src/run_command.hpp"
#include "src/sweep_command.hpp"
#include "src/tdecq_command.hpp"
#include "src/cli_parse.hpp"

namespace po = boost::program_options;

namespace {

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
    "  sweep SWEEP.toml [-o OUT.h5] [--list|--dry-run] [--shard I/N|--submit slurm|--mpi]\n"
    "                                                       run many points (docs/sweeps.md)\n"
    "  merge DIR|FILES -o OUT.h5 [--allow-partial]         join the results of sweep shards\n"
    "  tdecq WAVEFORM.csv|.h5 --symbol-rate R [--pattern P] [-o OUT.h5]  TDECQ of a PAM4 waveform\n"
    "  compare A.toml B.toml ... [-o CMP.h5]  BER, margin, power per bit and latency side by side\n"
    "\n"
    "'sisim <command> --help' describes each command. Exit status: 0 ok, 2 bad input, 1 internal error,\n"
    "3 sweep/merge finished but some points failed (recorded in /sweep/points).\n";

int cmd_keys() {
    std::cout << si::io::format_keys(sisim::link_keys());
    std::cout << "\nLinks of several hops (link.hops > 1; docs/architectures.md \"Multi-hop links\"): each hop i = 0.."
              << si::sim::kMaxHops - 1
              << " takes every tx.*, channel.*, rx.*, optics.* and far_channel.* key above as hop.<i>.<key>\n"
                 "(e.g. hop.1.rx.ffe.taps), plus:\n"
                 "hop.<i>.name         string  hop label\n"
                 "hop.<i>.optical      false   the hop has the optical chain optics.* and far_channel.*\n"
                 "hop.<i>.symbol_rate  Bd      this hop's symbol rate (default signal.symbol_rate)\n"
                 "Every hop but the last ends in a retimer (its rx.cdr.model must be a recovered clock).\n";
    return 0;
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
    std::string config;
    const auto vm = sisim::parse_command(args, opts, "config", config);
    if (vm.count("help")) {
        std::cout << opts << "\nEvery key and its default: sisim keys. Values take SI prefixes and "
                             "units: --set signal.symbol_rate=106.25GBd\n";
        return 0;
    }
    if (config.empty()) throw si::ConfigError("", "sisim run: missing CONFIG.toml (see sisim run --help)");
    si::io::ConfigTree tree(sisim::link_keys());
    tree.load_file(config);
    for (const auto& s : sets) tree.apply_override(s);
    // bad values stop here, before the output is created
    const auto specs = sisim::is_multi_hop(tree) ? sisim::multi_hop_spec_from(tree).hops
                                                 : std::vector<si::sim::LinkSpec>{sisim::link_spec_from(tree)};
    if (out.empty()) out = std::filesystem::path(config).stem().string() + ".h5";
    {
        std::vector<std::string> inputs{config};
        for (const auto& spec : specs) {
            inputs.insert(inputs.end(), spec.channel.touchstone.begin(), spec.channel.touchstone.end());
            inputs.insert(inputs.end(), spec.channel.crosstalk.begin(), spec.channel.crosstalk.end());
            inputs.insert(inputs.end(), spec.optics.far.touchstone.begin(), spec.optics.far.touchstone.end());
            if (spec.signal.pattern.name == "file") inputs.push_back(spec.signal.pattern.file);
        }
        check_output(out, inputs);
    }

    const bool quiet = vm.count("quiet") > 0;
    sisim::RunFileOptions ro;
    ro.command_line = cmdline;
    ro.quiet = quiet;
    ro.summary = !quiet;
    sisim::run_to_file(std::move(tree), out, ro);
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
    std::string config;
    const auto vm = sisim::parse_command(args, opts, "config", config);
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
    sisim::guard_temp_file(file.temp_path());
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
    sisim::write_root_attrs(root, cmdline, sisim::resolved_config(tree), spec.sim.seed);
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
    sisim::release_temp_file();
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
    std::vector<std::string> files;
    const auto vm = sisim::parse_command(args, opts, "files", files);
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
    sisim::guard_temp_file(file.temp_path());
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
    sisim::release_temp_file();
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
        if (cmd == "sweep") return sisim::cmd_sweep(rest, cmdline);
        if (cmd == "merge") return sisim::cmd_merge(rest, cmdline);
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

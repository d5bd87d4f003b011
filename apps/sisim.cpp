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
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/io/config.hpp"
#include "si/io/h5.hpp"
#include "si/sim/stateye.hpp"
#include "src/link_config.hpp"
#include "src/progress.hpp"
#include "src/results.hpp"
#include "src/run_command.hpp"
#include "src/sweep_command.hpp"

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
    "  keys                                                 list every config key\n"
    "  sweep SWEEP.toml [-o OUT.h5] [--list|--dry-run] [--shard I/N|--submit slurm|--mpi]\n"
    "                                                       run many points (docs/sweeps.md)\n"
    "  merge DIR|FILES -o OUT.h5 [--allow-partial]         join the results of sweep shards\n"
    "\n"
    "'sisim <command> --help' describes each command. Exit status: 0 ok, 2 bad input, 1 internal error.\n";

int cmd_keys() {
    std::cout << si::io::format_keys(sisim::link_keys());
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
    const auto spec = sisim::link_spec_from(tree);  // bad values stop here, before the output is created
    if (out.empty()) out = std::filesystem::path(config).stem().string() + ".h5";
    {
        std::vector<std::string> inputs{config};
        inputs.insert(inputs.end(), spec.channel.touchstone.begin(), spec.channel.touchstone.end());
        inputs.insert(inputs.end(), spec.channel.crosstalk.begin(), spec.channel.crosstalk.end());
        if (spec.signal.pattern.name == "file") inputs.push_back(spec.signal.pattern.file);
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

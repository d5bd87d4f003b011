#include "compare_command.hpp"

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "si/sim/multihop.hpp"

#include "chain.hpp"
#include "link_config.hpp"
#include "si/core/error.hpp"
#include "si/io/h5.hpp"
#include "si/io/power_table_io.hpp"
#include "si/sim/receiver.hpp"
#include "si/sim/stateye.hpp"
#include "cli_parse.hpp"

namespace po = boost::program_options;

namespace sisim {

namespace {

struct Row {
    std::string name, architecture;
    double ber = 0, ber_statistical = 0, margin_db = 0, power_pj_per_bit = 0, latency_s = 0;
    double ser = 0;
    std::uint64_t symbols = 0, bit_errors = 0;
    std::vector<std::uint64_t> eye;  // slicer eye histogram [voltage bins x time bins]
    std::size_t eye_nv = 0, eye_nt = 0;
    std::vector<double> eye_t, eye_v;
};

/// Statistical BER of a link (Gray coding: SER / bits per symbol).
double statistical_ber(const si::sim::Link& link) {
    const double bits = std::log2(static_cast<double>(link.levels()));
    const double ser = link.receiver().has_dsp ? si::sim::receiver_statistical_ser(link).ser
                                               : si::sim::statistical_ser(link).ser;
    return ser / bits;
}

/// Noise margin [dB]: 20 log10(sigma_max / sigma_0), sigma the total Gaussian noise at the
/// sampler, sigma_max where the statistical BER reaches `target` with white RX input noise
/// added (bisection on rx.noise_rms; the receiver is redesigned at each step, as it would adapt).
double noise_margin_db(si::sim::LinkSpec spec, double target) {
    const double sigma0 = si::sim::Link(spec).sampler_noise_sigma_v();
    const double n0 = spec.rx.noise_rms_v;
    auto eval = [&](double added) {
        spec.rx.noise_rms_v = std::sqrt(n0 * n0 + added * added);
        const si::sim::Link l(spec);
        return std::pair{statistical_ber(l), l.sampler_noise_sigma_v()};
    };
    if (eval(0).first >= target) return -INFINITY;  // no margin: already at or above the target
    double lo = 1e-6, hi = 0.3;                      // [V rms] added at the RX input
    if (eval(hi).first < target) return INFINITY;
    for (int i = 0; i < 24 && hi / lo > 1.02; ++i) {  // bisection in log(noise), to 0.1 dB
        const double mid = std::sqrt(lo * hi);
        (eval(mid).first < target ? lo : hi) = mid;
    }
    const double sigma = eval(std::sqrt(lo * hi)).second;
    return sigma0 > 0 ? 20 * std::log10(sigma / sigma0) : INFINITY;
}

}  // namespace

int cmd_compare(const std::vector<std::string>& args, const std::string& cmdline, const OutputCheck& check_output) {
    po::options_description opts("sisim compare A.toml B.toml ... [options]");
    std::vector<std::string> sets, configs;
    std::string out, table_path;
    double target = 2.4e-4;
    opts.add_options()("help,h", "this help")(
        "set", po::value<std::vector<std::string>>(&sets)->composing(), "override a key in every link")(
        "output,o", po::value<std::string>(&out), "output HDF5 file (default: no file)")(
        "target-ber", po::value<double>(&target),
        "BER at which the margin is read (default 2.4e-4, the RS(544,514) pre-FEC threshold)")(
        "power-table", po::value<std::string>(&table_path),
        "power/latency table (default: power.toml in the parent folder of each config, e.g. models/)")(
        "quiet,q", "no progress on stderr");
    const auto vm = sisim::parse_command(args, opts, "configs", configs);
    if (vm.count("help")) {
        std::cout << opts << "\nRuns each link and prints BER (counted and statistical), noise margin at "
                             "the target BER, power per bit and latency side by side.\n";
        return 0;
    }
    if (configs.empty()) throw si::ConfigError("", "sisim compare: no CONFIG.toml given (see sisim compare --help)");
    if (!(target > 0 && target < 0.5)) throw si::ConfigError("--target-ber", "must be in (0, 0.5)");
    const bool quiet = vm.count("quiet") > 0;
    // Everything is read and validated before the first run: bad input fails fast, no output.
    // A link is one hop (LinkSpec) or several (MultiHopSpec, link.hops > 1).
    struct Entry {
        bool multi = false;
        si::sim::LinkSpec spec;
        si::sim::MultiHopSpec mspec;
    };
    std::vector<Entry> specs;
    std::vector<si::arch::PowerTable> tables;
    std::vector<std::string> inputs;
    for (const auto& cfg : configs) {
        si::io::ConfigTree tree(link_keys());
        tree.load_file(cfg);
        for (const auto& s : sets) tree.apply_override(s);
        Entry e;
        e.multi = is_multi_hop(tree);
        if (e.multi) {
            e.mspec = multi_hop_spec_from(tree);
            (void)si::sim::MultiLink(e.mspec);  // every hop designs (bad values fail here)
        } else {
            e.spec = link_spec_from(tree);
        }
        specs.push_back(e);
        std::string tp = table_path;
        if (tp.empty()) {
            tp = (std::filesystem::path(cfg).parent_path().parent_path() / "power.toml").string();
            std::error_code ec;
            if (!std::filesystem::is_regular_file(tp, ec))
                throw si::ConfigError("--power-table", "no power table next to " + cfg + " (looked for " + tp +
                                                           "); give --power-table models/power.toml");
        }
        tables.push_back(si::io::read_power_table(tp));
        (void)(e.multi ? chain_of(e.mspec, "") : chain_of(e.spec, ""));  // architecture has a chain
        inputs.push_back(cfg);
    }
    if (!out.empty()) check_output(out, inputs);
    std::vector<Row> rows;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const auto name = std::filesystem::path(configs[i]).stem().string();
        if (!quiet) std::fprintf(stderr, "sisim compare: %s (%zu/%zu)\n", name.c_str(), i + 1, specs.size());
        Row row;
        row.name = name;
        const si::analysis::EyeAccumulator* eye = nullptr;
        std::optional<si::sim::RunResult> r1;
        std::optional<si::sim::MultiRunResult> rm;
        std::optional<si::sim::MultiLink> ml;
        si::arch::ChainSpec chain;
        if (!specs[i].multi) {
            const auto& sp = specs[i].spec;
            const si::sim::Link link(sp);
            r1 = si::sim::run(link);
            row.architecture = sp.optics.architecture;
            row.ber = r1->ber.ber();
            row.ser = r1->ber.ser();
            row.symbols = r1->ber.symbols_compared;
            row.bit_errors = r1->ber.bit_errors;
            row.ber_statistical = statistical_ber(link);
            eye = r1->eye.get();
            row.margin_db = noise_margin_db(sp, target);
            chain = chain_of(sp, name);
        } else {
            ml.emplace(specs[i].mspec);
            rm = si::sim::run(*ml);
            row.architecture = ml->spec().architecture;
            row.ber = rm->ber.ber();
            row.ser = rm->ber.ser();
            row.symbols = rm->ber.symbols_compared;
            row.bit_errors = rm->ber.bit_errors;
            row.ber_statistical = rm->ber_statistical;
            eye = rm->hops.back().eye.get();  // at the link's receiver
            // the hop with the least margin at target / hops (each hop's share of the target)
            const double share = target / static_cast<double>(ml->size());
            row.margin_db = INFINITY;
            for (const auto& l : ml->hops()) row.margin_db = std::min(row.margin_db, noise_margin_db(l.spec(), share));
            chain = chain_of(specs[i].mspec, name);
        }
        row.eye = eye->histogram();
        row.eye_nv = static_cast<std::size_t>(eye->voltage_bins());
        row.eye_nt = static_cast<std::size_t>(eye->time_bins());
        row.eye_t = eye->time_axis_ui();
        row.eye_v = eye->voltage_axis_v();
        const auto b = si::arch::budget(chain, tables[i]);
        row.power_pj_per_bit = b.energy_pj_per_bit;
        row.latency_s = b.latency_s;
        rows.push_back(row);
    }
    std::printf("%-22s %-12s %11s %11s %10s %10s %12s\n", "link", "architecture", "BER", "BER stat.",
                "margin dB", "pJ/bit", "latency ns");
    for (const auto& r : rows)
        std::printf("%-22s %-12s %11.3e %11.3e %10.2f %10.2f %12.1f\n", r.name.c_str(), r.architecture.c_str(),
                    r.ber, r.ber_statistical, r.margin_db, r.power_pj_per_bit, r.latency_s * 1e9);
    std::printf("(margin: added noise at the sampler before the statistical BER reaches %.3g; "
                "latency includes the fibre flight time)\n", target);
    if (!out.empty()) {
        auto file = si::io::H5File::create(out);
        auto root = file.root();
        root.attr("schema_version", std::int64_t{1});
        root.attr("command_line", cmdline);
        auto g = root.group("compare");
        using si::io::H5Column;
        auto num = [&](const char* n, const char* u, auto get) {
            H5Column c{n, u, H5Column::Type::f64, {}, {}, {}};
            for (const auto& r : rows) c.f64.push_back(get(r));
            return c;
        };
        H5Column name{"name", "", H5Column::Type::str, {}, {}, {}};
        H5Column arch{"architecture", "", H5Column::Type::str, {}, {}, {}};
        for (const auto& r : rows) {
            name.str.push_back(r.name);
            arch.str.push_back(r.architecture);
        }
        auto t = g.write_table(
            "table", {name, arch, num("ber", "", [](const Row& r) { return r.ber; }),
                      num("ber_statistical", "", [](const Row& r) { return r.ber_statistical; }),
                      num("margin_db", "dB", [](const Row& r) { return r.margin_db; }),
                      num("power_pj_per_bit", "pJ/bit", [](const Row& r) { return r.power_pj_per_bit; }),
                      num("latency_s", "s", [](const Row& r) { return r.latency_s; }),
                      num("ser", "", [](const Row& r) { return r.ser; }),
                      num("symbols", "count", [](const Row& r) { return static_cast<double>(r.symbols); }),
                      num("bit_errors", "count", [](const Row& r) { return static_cast<double>(r.bit_errors); })});
        t.attr("target_ber", target);
        for (std::size_t i = 0; i < rows.size(); ++i) {  // each link's eye at the host slicer
            auto e = g.group("eye/" + std::to_string(i));
            e.attr("name", rows[i].name);
            e.attr("architecture", rows[i].architecture);
            auto hd = e.write("histogram", std::span<const std::uint64_t>(rows[i].eye),
                              {rows[i].eye_nv, rows[i].eye_nt}, "count");
            hd.attr("dims", std::string("voltage_v, time_ui"));
            e.write("time_ui", std::span<const double>(rows[i].eye_t), {}, "UI");
            e.write("voltage_v", std::span<const double>(rows[i].eye_v), {}, "V");
        }
        t.attr("margin_note", std::string("noise margin: 20 log10(sigma_max / sigma_0) of the Gaussian noise at "
                                          "the sampler, sigma_max where the statistical BER reaches target_ber "
                                          "with white noise added at the RX input (bisection); -inf: already above. "
                                          "A link of H hops: the smallest hop margin at target_ber / H"));
        file.commit();
        if (!quiet) std::printf("wrote %s\n", out.c_str());
    }
    return 0;
}

}  // namespace sisim

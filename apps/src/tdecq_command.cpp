// sisim tdecq: TDECQ of a captured or exported PAM4 waveform.
//
// Sample runs:
//   sisim tdecq scope.csv --symbol-rate 53.125GBd
//   sisim tdecq run.h5 --symbol-rate 113.4375GBd --equalizer dj --pattern ssprq -o tdecq.h5
//
// Description:
//   1. Read the waveform: CSV (time, value) or HDF5 (/waveforms/<probe> with dt_s).
//   2. Build the candidate patterns (one period of level indices each).
//   3. Run si::analysis::tdecq: reference receiver, pattern alignment, reference equalizer,
//      sigma_G at the target SER in the 0.45/0.55 UI windows.
//   4. Print the result; with -o write /tdecq (attributes and the equalised eye) atomically.
#include "tdecq_command.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "results.hpp"
#include "si/analysis/tdecq.hpp"
#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/io/h5.hpp"
#include "si/io/h5_waveform.hpp"
#include "si/pattern/source.hpp"
#include "cli_parse.hpp"

namespace po = boost::program_options;

namespace sisim {

namespace {

bool parse_double(std::string_view s, double& v) {
    std::string t(s);
    char* end = nullptr;
    v = std::strtod(t.c_str(), &end);
    return end != t.c_str() && *end == '\0' && std::isfinite(v);
}

std::vector<std::string> split_fields(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : line) {
        if (c == ',' || c == ';' || c == '\t' || c == ' ') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else if (c != '\r') {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

// One period of PAM4 level indices of a named pattern ("prbsNq" = PRBS-N Gray-mapped to PAM4).
si::analysis::TdecqPattern pattern_levels(const std::string& name) {
    si::pattern::PatternConfig pc;
    pc.levels = 4;
    pc.gray = true;
    if (name == "ssprq" || name == "prbs13q") {
        pc.name = name;
    } else if (name.size() > 5 && name.starts_with("prbs") && name.back() == 'q') {
        pc.name = name.substr(0, name.size() - 1);
    } else {
        throw si::ConfigError("--pattern", "unknown pattern \"" + name + "\"");
    }
    si::pattern::SymbolSource src(pc);
    const auto per = src.period();
    if (!per || *per > (1u << 20))
        throw si::ConfigError("--pattern", "\"" + name + "\" is too long to align (period above 2^20 symbols)");
    si::analysis::TdecqPattern p{name, std::vector<std::uint8_t>(*per)};
    src.generate(p.levels);
    return p;
}

const char* const kAuto[] = {"ssprq", "prbs13q", "prbs15q", "prbs11q", "prbs9q", "prbs7q"};

}  // namespace

std::vector<si::analysis::TdecqPattern> tdecq_patterns(const std::string& name) {
    std::vector<si::analysis::TdecqPattern> pats;
    if (name == "auto") {
        for (const char* n : kAuto) pats.push_back(pattern_levels(n));
    } else if (name != "none") {
        pats.push_back(pattern_levels(name));
    }
    return pats;
}

bool is_tdecq_pattern(const std::string& name) {
    for (const char* n : kAuto)
        if (name == n) return true;
    return false;
}

void write_tdecq(si::io::H5Group root, const si::analysis::TdecqResult& r, const si::analysis::TdecqConfig& cfg,
                 const std::string& eq, const std::string& units, const std::string& waveform) {
    auto g = root.group("tdecq");
    g.attr("tdecq_db", r.tdecq_db);
    g.attr("ceq_db", r.ceq_db);
    g.attr("oma_outer", r.oma_outer);
    g.attr("extinction_ratio_db", r.extinction_ratio_db);
    g.attr("rlm", r.rlm);
    g.attr("equalizer_taps", r.taps);
    g.attr("equalizer_main_tap", static_cast<std::int64_t>(r.ffe_main));
    g.attr("equalizer", eq);
    g.attr("sigma_g", r.sigma_g);
    g.attr("p_ave", r.p_ave);
    g.attr("p0", r.p0);
    g.attr("p3", r.p3);
    g.attr("levels", std::vector<double>(r.levels.begin(), r.levels.end()));
    g.attr("units", units);
    g.attr("symbol_rate_bd", cfg.symbol_rate_bd);
    g.attr("ref_bandwidth_hz", cfg.ref_bandwidth_hz == 0 ? 0.5 * cfg.symbol_rate_bd : cfg.ref_bandwidth_hz);
    g.attr("pattern", r.pattern);
    g.attr("pattern_agreement", r.pattern_agreement);
    g.attr("symbols", static_cast<std::uint64_t>(r.symbols));
    g.attr("target_ser", cfg.target_ser);
    g.attr("q_t", cfg.q_t);
    g.attr("waveform", waveform);
    auto eye = g.group("eye");
    const std::size_t nt = r.eye_time_ui.size(), nl = r.eye_level.size();
    eye.write("histogram", std::span<const std::uint64_t>(r.eye_histogram), {nl, nt}, "count");
    eye.write("time_ui", std::span<const double>(r.eye_time_ui), {}, "UI");
    eye.write("level", std::span<const double>(r.eye_level), {}, units);
}

CsvWaveform read_csv_waveform(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw si::IoError(path, 0, "cannot open the file");
    std::vector<double> t, v;
    std::vector<long> line_of;
    CsvWaveform w;
    std::string line;
    long ln = 0;
    while (std::getline(in, line)) {
        ++ln;
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        const auto f = split_fields(line);
        if (f.empty()) continue;
        double a, b;
        const bool na = parse_double(f[0], a);
        if (t.empty() && w.value_header.empty() && !na) {  // header line
            w.value_header = f.size() > 1 ? f[1] : "";
            if (w.value_header.empty()) w.value_header = "value";
            continue;
        }
        if (f.size() < 2) throw si::IoError(path, ln, "expected two columns (time, value)");
        if (!na) throw si::IoError(path, ln, "time \"" + f[0] + "\" is not a number");
        if (!parse_double(f[1], b)) throw si::IoError(path, ln, "value \"" + f[1] + "\" is not a number");
        if (t.size() >= si::io::kMaxWaveformSamples)
            throw si::IoError(path, ln, si::str("more than ", si::io::kMaxWaveformSamples,
                                                " samples; cut the capture (the analysis holds it in memory)"));
        t.push_back(a);
        v.push_back(b);
        line_of.push_back(ln);
    }
    if (t.size() < 2) throw si::IoError(path, 0, "fewer than 2 samples");
    std::vector<double> steps(t.size() - 1);
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        steps[i] = t[i + 1] - t[i];
        if (!(steps[i] > 0))
            throw si::IoError(path, line_of[i + 1],
                              si::str("time does not increase (", t[i + 1], " s after ", t[i],
                                      " s): non-uniform time steps that cannot be resampled"));
    }
    std::vector<double> sorted = steps;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double med = sorted[sorted.size() / 2];
    const double mean = (t.back() - t.front()) / static_cast<double>(steps.size());
    double worst = 0;
    std::size_t iworst = 0;
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (std::abs(steps[i] - med) > worst) {
            worst = std::abs(steps[i] - med);
            iworst = i;
        }
    w.t0_s = t.front();
    if (worst <= 1e-3 * med) {  // uniform within 0.1 %: use the mean step
        w.samples = std::move(v);
        w.dt_s = mean;
        return w;
    }
    if (steps[iworst] > 1.5 * med || steps[iworst] < 0.5 * med)
        throw si::IoError(path, line_of[iworst + 1],
                          si::str("non-uniform time steps that cannot be resampled: step ", steps[iworst],
                                  " s is ", steps[iworst] / med, " x the median step ", med,
                                  " s (a gap or a merged capture)"));
    // Mildly irregular: linear interpolation onto the median step.
    const auto n = static_cast<std::size_t>(std::floor((t.back() - t.front()) / med)) + 1;
    w.samples.resize(n);
    std::size_t j = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double ti = t.front() + static_cast<double>(i) * med;
        while (j + 2 < t.size() && t[j + 1] < ti) ++j;
        const double f = std::clamp((ti - t[j]) / (t[j + 1] - t[j]), 0.0, 1.0);
        w.samples[i] = v[j] + f * (v[j + 1] - v[j]);
    }
    w.dt_s = med;
    w.resampled = true;
    return w;
}

int cmd_tdecq(const std::vector<std::string>& args, const std::string& cmdline, const OutputCheck& check_output) {
    po::options_description opts("sisim tdecq WAVEFORM.csv|.h5 --symbol-rate R [options]");
    std::string rate, pattern = "auto", out, dataset, units, eq = "5tap", refbw = "0", scope = "0";
    int spu = 64;
    opts.add_options()("help,h", "this help")(
        "symbol-rate,r", po::value<std::string>(&rate), "symbol rate, e.g. 53.125GBd (required unless the HDF5 "
                                                        "waveform has a symbol_rate_bd attribute)")(
        "pattern,p", po::value<std::string>(&pattern),
        "auto (default: ssprq, prbs13q, prbs15q, prbs11q, prbs9q, prbs7q), ssprq, prbs13q, prbsNq, or none "
        "(label symbols by their decisions)")(
        "equalizer,e", po::value<std::string>(&eq), "5tap (802.3bs/cd/cu, default), dj (bounded, 200G/lane), none")(
        "ref-bandwidth", po::value<std::string>(&refbw),
        "reference receiver (4th-order Bessel-Thomson) bandwidth; 0 = symbol rate / 2 (default), "
        "none = the waveform is already filtered")(
        "scope-noise", po::value<std::string>(&scope), "oscilloscope noise sigma_S in the waveform's unit (default 0)")(
        "dataset", po::value<std::string>(&dataset), "HDF5 dataset (default: the only one in /waveforms)")(
        "units", po::value<std::string>(&units), "unit of the values (default: HDF5 units attribute, else W)")(
        "samples-per-ui", po::value<int>(&spu), "internal resampling density (default 64)")(
        "output,o", po::value<std::string>(&out), "write /tdecq to this HDF5 file")("quiet,q", "print nothing");
    std::string file;
    const auto vm = sisim::parse_command(args, opts, "file", file);
    if (vm.count("help")) {
        std::cout << opts
                  << "\nCSV: rows \"time_s,value\" (optional header, '#' comments). HDF5: a 1-D dataset with a "
                     "dt_s attribute, e.g. /waveforms/<probe> (docs/hdf5-schema.md).\n";
        return 0;
    }
    if (file.empty()) throw si::ConfigError("", "sisim tdecq: missing WAVEFORM file (see sisim tdecq --help)");
    if (!std::filesystem::exists(file)) throw si::IoError(file, 0, "no such file");
    if (!out.empty() && check_output) check_output(out, {file});

    // 1. Waveform.
    std::vector<double> x;
    double dt = 0, rate_attr = 0;
    std::string note;
    const bool is_h5 = si::ends_with_ci(file, ".h5") || si::ends_with_ci(file, ".hdf5");
    if (is_h5) {
        auto w = si::io::read_h5_waveform(file, dataset);
        x = std::move(w.samples);
        dt = w.dt_s;
        rate_attr = w.symbol_rate_bd;
        if (units.empty()) units = w.units;
        note = w.dataset;
    } else {
        auto w = read_csv_waveform(file);
        x = std::move(w.samples);
        dt = w.dt_s;
        if (w.resampled) note = "non-uniform time steps resampled onto the median step";
    }
    if (units.empty()) units = "W";

    // 2. Configuration.
    si::analysis::TdecqConfig cfg;
    auto quantity = [](const std::string& key, const std::string& text, const char* unit) {
        try {
            return si::parse_quantity(text, unit);
        } catch (const std::invalid_argument& e) {
            throw si::ConfigError(key, e.what());
        }
    };
    if (!rate.empty())
        cfg.symbol_rate_bd = quantity("--symbol-rate", rate, "Bd");
    else if (rate_attr > 0)
        cfg.symbol_rate_bd = rate_attr;
    else
        throw si::ConfigError("--symbol-rate", "required (the waveform file does not give it)");
    cfg.equalizer = eq;
    cfg.ref_bandwidth_hz = refbw == "none" ? -1.0 : quantity("--ref-bandwidth", refbw, "Hz");
    cfg.scope_noise_rms = quantity("--scope-noise", scope, "");
    cfg.samples_per_ui = spu;
    try {
        si::analysis::validate(cfg);
    } catch (const si::ConfigError& e) {
        const std::string k = e.key() == "tdecq.symbol_rate" ? "--symbol-rate"
                              : e.key() == "tdecq.equalizer" ? "--equalizer"
                              : e.key() == "tdecq.samples_per_ui" ? "--samples-per-ui"
                                                                  : e.key();
        throw si::ConfigError(k, std::string(e.what()).substr(e.key().size() + 2));
    }
    const auto pats = tdecq_patterns(pattern);

    // 3. Analysis; a waveform that cannot be analysed is bad input: name the file.
    si::analysis::TdecqResult r;
    try {
        r = si::analysis::tdecq(x, dt, cfg, pats);
    } catch (const si::ModelError& e) {
        std::string why = e.what();
        if (why.find("no detectable pattern") != std::string::npos && !si::pattern::kSsprqDefinitionVerified &&
            (pattern == "auto" || pattern == "ssprq"))
            why += " (note: sisim's SSPRQ segment table is not verified against 802.3 120.5.11.2.3, "
                   "docs/patterns.md)";
        throw si::IoError(file, 0, why);
    }

    // 4. Output.
    if (!out.empty()) {
        auto f = si::io::H5File::create(out);
        auto root = f.root();
        std::ostringstream c;
        c << "# sisim tdecq\n[tdecq]\nwaveform = \"" << std::filesystem::absolute(file).string()
          << "\"\nsymbol_rate = " << cfg.symbol_rate_bd << "\npattern = \"" << pattern << "\"\nequalizer = \"" << eq
          << "\"\nref_bandwidth_hz = " << cfg.ref_bandwidth_hz << "\nscope_noise_rms = " << cfg.scope_noise_rms << "\n";
        write_root_attrs(root, cmdline, c.str(), 0);
        write_tdecq(root, r, cfg, eq, units, std::filesystem::absolute(file).string());
        f.commit();
    }
    if (!vm.count("quiet")) {
        std::printf("sisim tdecq: %s: %zu samples, %.4g samples/UI at %.7g GBd%s%s\n", file.c_str(), x.size(),
                    r.samples_per_ui_input, cfg.symbol_rate_bd / 1e9, note.empty() ? "" : "; ", note.c_str());
        std::printf("  pattern %s (%.2f %% of decisions agree), %zu symbols analysed\n", r.pattern.c_str(),
                    100 * r.pattern_agreement, r.symbols);
        std::printf("  TDECQ %.3f dB   Ceq %.3f dB   TDECQ - 10log10(Ceq) %.3f dB\n", r.tdecq_db, r.ceq_db,
                    r.tdecq_db - r.ceq_db);
        std::printf("  OMA_outer %.6g %s   P_ave %.6g %s   ER %.3f dB   RLM %.4f\n", r.oma_outer, units.c_str(),
                    r.p_ave, units.c_str(), r.extinction_ratio_db, r.rlm);
        std::printf("  equalizer (%s) taps:", eq.c_str());
        for (double t : r.taps) std::printf(" %.4f", t);
        std::printf("\n");
        if (!out.empty()) std::printf("  wrote %s\n", out.c_str());
    }
    return 0;
}

}  // namespace sisim

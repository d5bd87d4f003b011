#include "link_config.hpp"

#include <filesystem>
#include <limits>

#include "si/core/error.hpp"

namespace sisim {

using si::io::KeySpec;
using si::io::KeyType;

const std::vector<KeySpec>& link_keys() {
    static const std::vector<KeySpec> keys = {
        {"sim.symbols", KeyType::integer, "", "100000", "symbols simulated and compared (run length)"},
        {"sim.samples_per_ui", KeyType::integer, "", "32", "waveform samples per unit interval"},
        {"sim.seed", KeyType::integer, "", "1", "seed of every random stream (pattern, noise, jitter)"},
        {"sim.threads", KeyType::integer, "", "1", "worker threads, 0 = all cores (results do not depend on it)"},
        {"sim.block_symbols", KeyType::integer, "", "4096", "streaming block size in UI (results do not depend on it)"},
        {"sim.engine", KeyType::string, "", "auto", "auto | superposition | waveform (FFT overlap-save path)"},
        {"signal.modulation", KeyType::string, "", "pam4", "pam4 | nrz | pam8"},
        {"signal.symbol_rate", KeyType::number, "Bd", "53.125GBd", "symbol rate"},
        {"signal.pattern", KeyType::string, "", "prbs31",
         "prbs7|9|11|13|15|20|23|31, prbs13q, prbs31q, ssprq, random, or a pattern file path"},
        {"signal.prbs_start", KeyType::string, "", "seed",
         "PRBS register start state: seed (derived from sim.seed) | ones (all-ones, as the standards start)"},
        {"signal.gray", KeyType::boolean, "", "true", "Gray coding of the bits onto the levels"},
        {"signal.precode", KeyType::boolean, "", "false", "IEEE 802.3 1/(1+D) mod N precoding (decoded at the receiver)"},
        {"tx.swing", KeyType::number, "V", "1.0", "peak-to-peak differential swing: outer levels at +-swing/2"},
        {"tx.ffe", KeyType::number_array, "", "[1.0]", "TX FFE taps, applied at symbol rate (tap order = time order)"},
        {"tx.ffe_normalize", KeyType::boolean, "", "false", "scale FFE taps so that sum |c| = 1"},
        {"tx.rise_time", KeyType::number, "s", "0", "20-80 % rise time of the Gaussian TX filter, 0 = none"},
        {"tx.rj", KeyType::number, "UI", "0", "random jitter on each edge, rms"},
        {"tx.sj", KeyType::number, "UI", "0", "sinusoidal jitter amplitude, peak"},
        {"tx.sj_frequency", KeyType::number, "Hz", "0", "sinusoidal jitter frequency"},
        {"tx.dcd", KeyType::number, "UI", "0", "duty-cycle distortion, peak-to-peak (even/odd edges -+dcd/2)"},
        {"tx.snr", KeyType::number, "dB", "0", "TX SNR (model: tx.snr_model), 0 = off"},
        {"tx.snr_model", KeyType::string, "", "launch",
         "launch: Gaussian noise (swing/2) 10^(-snr/20) on each launched symbol, through the channel | "
         "com: IEEE 802.3 eq. 93A-30, sigma^2 = h0^2 10^(-snr/10) at the sampler"},
        {"channel.touchstone", KeyType::string_or_array, "", "",
         "Touchstone file or array of files, cascaded in order (relative to the config file)"},
        {"channel.ports", KeyType::string_or_array, "", "auto",
         "differential pairing \"in+,in-,out+,out-\" (1-based) per file, or auto"},
        {"channel.loss_at_nyquist", KeyType::number, "dB", "0",
         "synthetic channel (COM transmission-line model) with this loss at fb/2; 0 and no files = ideal"},
        {"channel.crosstalk", KeyType::string_or_array, "", "",
         "crosstalk aggressor files (NEXT/FEXT), each driven by independent random data with the victim's TX"},
        {"channel.crosstalk_ports", KeyType::string_or_array, "", "victim",
         "pairing per crosstalk file, or victim (the first channel file's pairing)"},
        {"rx.ctle.model", KeyType::string, "", "none", "none | com (IEEE 802.3 eq. 93A-22)"},
        {"rx.ctle.gdc", KeyType::number, "dB", "0", "CTLE DC gain gDC"},
        {"rx.ctle.gdc2", KeyType::number, "dB", "0", "CTLE low-frequency gain gDC2"},
        {"rx.ctle.fz", KeyType::number, "Hz", "0", "CTLE zero, 0 = fb/2.5"},
        {"rx.ctle.fp1", KeyType::number, "Hz", "0", "CTLE first pole, 0 = fb/2.5"},
        {"rx.ctle.fp2", KeyType::number, "Hz", "0", "CTLE second pole, 0 = fb"},
        {"rx.ctle.flf", KeyType::number, "Hz", "0", "CTLE low-frequency pole/zero, 0 = fb/80"},
        {"rx.afe_bandwidth", KeyType::number, "Hz", "0", "4th-order Butterworth RX filter -3 dB bandwidth, 0 = none"},
        {"rx.noise_rms", KeyType::number, "V", "0",
         "white Gaussian noise at the RX input: rms over 0..rx.noise_bandwidth (then shaped by CTLE and AFE)"},
        {"rx.noise_bandwidth", KeyType::number, "Hz", "0", "band of the RX input noise, 0 = fb/2"},
        {"eye.target_ber", KeyType::number, "", "1e-6", "BER at which eye height and width are read"},
        {"eye.voltage_bins", KeyType::integer, "", "512", "eye histogram voltage bins"},
        {"eye.voltage_range", KeyType::number, "V", "0", "eye histogram spans +-range, 0 = automatic"},
        {"output.pulse", KeyType::boolean, "", "true", "write the fused pulse and impulse response"},
    };
    return keys;
}

bool is_pattern_name(const std::string& s) {
    static const char* names[] = {"prbs7", "prbs9", "prbs11", "prbs13", "prbs15", "prbs20",
                                  "prbs23", "prbs31", "prbs13q", "prbs31q", "ssprq", "random"};
    for (const char* n : names)
        if (s == n) return true;
    return false;
}

namespace {
/// An input file named by `key`: it must exist and be a regular file (a directory, device or FIFO
/// is refused; so is a name the system cannot look up, e.g. too long). Never throws
/// std::filesystem errors, which would be exit code 1.
void require_input_file(const char* key, const std::string& path, const std::string& what) {
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw si::ConfigError(key, "cannot use " + what + " '" + path + "': " + ec.message());
    if (!std::filesystem::exists(st)) throw si::ConfigError(key, "no such file: " + path);
    if (!std::filesystem::is_regular_file(st))
        throw si::ConfigError(key, what + " '" + path + "' is " +
                                       (std::filesystem::is_directory(st) ? "a directory"
                                                                          : "not a regular file"));
}
/// An integer key read into an int: refused, never wrapped, when it does not fit.
int int_key(const si::io::ConfigTree& t, const char* key) {
    const std::int64_t v = t.integer(key);
    si::require(v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max(), key,
                "is out of range", v);
    return static_cast<int>(v);
}
/// Runs f; a ConfigError for key K is re-thrown with the location of K prefixed.
template <class F>
void with_locations(const si::io::ConfigTree& t, F&& f) {
    try {
        f();
    } catch (const si::io::ConfigLocationError&) {
        throw;
    } catch (const si::ConfigError& e) {
        const std::string loc = e.key().empty() ? std::string() : t.location(e.key());
        if (loc.empty()) throw;
        throw si::io::ConfigLocationError(loc, e.key(),
                                          (loc == "--set" ? "--set " : loc + ": ") + e.what());
    }
}
}  // namespace

si::sim::LinkSpec link_spec_from(const si::io::ConfigTree& t) {
    si::sim::LinkSpec s;
    with_locations(t, [&] {
        auto nonneg = [&](const char* key) {
            const auto v = t.integer(key);
            si::require(v >= 0, key, "must be >= 0", v);
            return v;
        };
        s.sim.symbols = static_cast<std::uint64_t>(nonneg("sim.symbols"));
        s.sim.samples_per_ui = int_key(t, "sim.samples_per_ui");
        s.sim.seed = static_cast<std::uint64_t>(nonneg("sim.seed"));
        s.sim.threads = int_key(t, "sim.threads");
        s.sim.block_symbols = int_key(t, "sim.block_symbols");
        s.sim.engine = t.string("sim.engine");
        s.signal.modulation = t.string("signal.modulation");
        s.signal.symbol_rate_bd = t.number("signal.symbol_rate");
        const std::string pat = t.string("signal.pattern");
        if (is_pattern_name(pat)) {
            s.signal.pattern.name = pat;
        } else {
            const std::string file = t.path("signal.pattern", pat);
            std::error_code ec;
            if (!std::filesystem::exists(file, ec) && !ec)
                throw si::ConfigError("signal.pattern",
                                      "'" + pat + "' is neither a pattern name (prbs7..prbs31, "
                                      "prbs13q, prbs31q, ssprq, random) nor an existing file");
            require_input_file("signal.pattern", file, "pattern file");
            s.signal.pattern.name = "file";
            s.signal.pattern.file = file;
        }
        s.signal.pattern.gray = t.boolean("signal.gray");
        s.signal.pattern.prbs_start = t.string("signal.prbs_start");
        s.signal.pattern.precode = t.boolean("signal.precode");
        s.tx.swing_v = t.number("tx.swing");
        s.tx.ffe = t.numbers("tx.ffe");
        s.tx.ffe_normalize = t.boolean("tx.ffe_normalize");
        s.tx.rise_time_s = t.number("tx.rise_time");
        s.tx.rj_rms_ui = t.number("tx.rj");
        s.tx.sj_amp_ui = t.number("tx.sj");
        s.tx.sj_freq_hz = t.number("tx.sj_frequency");
        s.tx.dcd_ui = t.number("tx.dcd");
        s.tx.snr_db = t.number("tx.snr");
        s.tx.snr_model = t.string("tx.snr_model");
        s.channel.touchstone = t.paths("channel.touchstone", {});
        for (const auto& f : s.channel.touchstone)
            require_input_file("channel.touchstone", f, "Touchstone file");
        s.channel.ports = t.strings("channel.ports");
        if (s.channel.ports.size() == 1 && s.channel.ports[0] == "auto") s.channel.ports.clear();
        s.channel.loss_at_nyquist_db = t.number("channel.loss_at_nyquist");
        s.channel.crosstalk = t.paths("channel.crosstalk", {});
        for (const auto& f : s.channel.crosstalk)
            require_input_file("channel.crosstalk", f, "Touchstone file");
        s.channel.crosstalk_ports = t.strings("channel.crosstalk_ports");
        if (s.channel.crosstalk_ports.size() == 1 && s.channel.crosstalk_ports[0] == "victim")
            s.channel.crosstalk_ports.clear();
        s.rx.ctle.model = t.string("rx.ctle.model");
        s.rx.ctle.gdc_db = t.number("rx.ctle.gdc");
        s.rx.ctle.gdc2_db = t.number("rx.ctle.gdc2");
        s.rx.ctle.fz_hz = t.number("rx.ctle.fz");
        s.rx.ctle.fp1_hz = t.number("rx.ctle.fp1");
        s.rx.ctle.fp2_hz = t.number("rx.ctle.fp2");
        s.rx.ctle.flf_hz = t.number("rx.ctle.flf");
        s.rx.afe_bandwidth_hz = t.number("rx.afe_bandwidth");
        s.rx.noise_rms_v = t.number("rx.noise_rms");
        s.rx.noise_bandwidth_hz = t.number("rx.noise_bandwidth");
        s.eye.target_ber = t.number("eye.target_ber");
        s.eye.voltage_bins = int_key(t, "eye.voltage_bins");
        s.eye.voltage_range_v = t.number("eye.voltage_range");
        si::sim::validate(s);
    });
    return s;
}

}  // namespace sisim

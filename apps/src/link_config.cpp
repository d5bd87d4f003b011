#include "link_config.hpp"

#include <filesystem>
#include <limits>

#include "si/core/error.hpp"
#include "si/sim/multihop.hpp"

namespace sisim {

using si::io::KeySpec;
using si::io::KeyType;

namespace {
/// Keys of one hop: a hop has its own transmitter, channels, optics and receiver.
bool per_hop_key(const std::string& k) {
    for (const char* p : {"tx.", "channel.", "rx.", "optics.", "far_channel."})
        if (k.rfind(p, 0) == 0) return true;
    return false;
}
std::vector<KeySpec> with_hop_keys(std::vector<KeySpec> keys) {
    keys.push_back({"link.hops", KeyType::integer, "", "1",
                    "hops of the link; > 1: every hop but the last ends in a retimer, and each hop's "
                    "settings are hop.<i>.* (docs/architectures.md)"});
    const std::size_t n = keys.size();
    for (int h = 0; h < si::sim::kMaxHops; ++h) {
        const std::string p = "hop." + std::to_string(h) + ".";
        keys.push_back({p + "name", KeyType::string, "", "", "hop label", true});
        keys.push_back({p + "optical", KeyType::boolean, "", "false",
                        "the hop has the optical chain optics.* (driver, modulator, fibre, PD, TIA) and far_channel.*", true});
        keys.push_back({p + "symbol_rate", KeyType::number, "Bd", "", "this hop's symbol rate (default signal.symbol_rate)", true});
        for (std::size_t i = 0; i < n; ++i)
            if (per_hop_key(keys[i].key)) {
                KeySpec k = keys[i];
                k.key = p + k.key;
                k.only_if_set = true;
                keys.push_back(k);
            }
    }
    return keys;
}
}  // namespace

const std::vector<KeySpec>& link_keys() {
    static const std::vector<KeySpec> keys = with_hop_keys({
        {"sim.symbols", KeyType::integer, "", "100000", "symbols simulated and compared (run length)"},
        {"sim.samples_per_ui", KeyType::integer, "", "32", "waveform samples per unit interval"},
        {"sim.seed", KeyType::integer, "", "1", "seed of every random stream (pattern, noise, jitter)"},
        {"sim.threads", KeyType::integer, "", "1", "worker threads, 0 = all cores (results do not depend on it)"},
        {"sim.block_symbols", KeyType::integer, "", "4096", "streaming block size in UI (results do not depend on it)"},
        {"sim.engine", KeyType::string, "", "auto", "auto | superposition | waveform (FFT overlap-save path)"},
        {"sim.segment_symbols", KeyType::integer, "", "1048576",
         "counted symbols per independent segment (each with its own warm-up, training and lock); results do not depend on sim.threads"},
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
        {"rx.gain.mode", KeyType::string, "", "fixed", "fixed | auto (outer levels at rx.gain.outer_fraction of the ADC half full scale)"},
        {"rx.gain.value", KeyType::number, "V/V", "1", "fixed gain ahead of the ADC"},
        {"rx.gain.outer_fraction", KeyType::number, "", "0.6", "auto gain: outer level / (full scale / 2)"},
        {"rx.adc.bits", KeyType::integer, "", "0", "ADC resolution, 0 = no ADC"},
        {"rx.adc.full_scale", KeyType::number, "V", "0", "ADC input range peak-to-peak, 0 = automatic (the eye span)"},
        {"rx.adc.enob", KeyType::number, "", "0", "effective number of bits (extra Gaussian noise), 0 = ideal"},
        {"rx.ffe.taps", KeyType::integer, "", "0", "RX FFE taps (T-spaced), 0 = none"},
        {"rx.ffe.pre", KeyType::integer, "", "0", "RX FFE pre-cursor taps (also its latency in UI)"},
        {"rx.ffe.mode", KeyType::string, "", "mmse",
         "mmse (solved with noise, crosstalk and ISI; DFE/MLSE-aware) | zf | fixed (rx.ffe.coefficients) | lms (adapted in training)"},
        {"rx.ffe.coefficients", KeyType::number_array, "1/V", "[]", "fixed taps, or the LMS start (empty: main tap 1/h0)"},
        {"rx.ffe.lms_update", KeyType::string, "", "lms", "lms | sign_sign"},
        {"rx.ffe.mu", KeyType::number, "", "1e-3", "LMS step size"},
        {"rx.ffe.tap_min", KeyType::number_array, "", "[]", "per tap lower limit relative to the main tap (COM style), empty = none"},
        {"rx.ffe.tap_max", KeyType::number_array, "", "[]", "per tap upper limit relative to the main tap, empty = none"},
        {"rx.dfe.taps", KeyType::integer, "", "0", "fixed DFE taps at 1..taps UI, 0 = none"},
        {"rx.dfe.mode", KeyType::string, "", "solve", "solve (zero-forcing from the equalized pulse, limited) | fixed | lms"},
        {"rx.dfe.coefficients", KeyType::number_array, "", "[]", "taps normalised to the main cursor (fixed taps, then floating)"},
        {"rx.dfe.mu", KeyType::number, "", "1e-3", "LMS step size (dimensionless)"},
        {"rx.dfe.float_groups", KeyType::integer, "", "0", "floating tap groups (802.3ck COM N_g)"},
        {"rx.dfe.float_group_size", KeyType::integer, "", "0", "taps per floating group (N_f)"},
        {"rx.dfe.float_span", KeyType::integer, "UI", "0", "floating taps lie within this delay (N_max)"},
        {"rx.dfe.tap_min", KeyType::number_array, "", "[]", "per fixed tap lower limit (normalised)"},
        {"rx.dfe.tap_max", KeyType::number_array, "", "[]", "per fixed tap upper limit (normalised, COM b_max)"},
        {"rx.dfe.float_tap_max", KeyType::number, "", "0", "|b| limit of floating taps, 0 = none"},
        {"rx.mlse.taps", KeyType::integer, "", "0", "MLSE target memory (1: 1+aD, 2: 1+a1D+a2D^2), 0 = no MLSE"},
        {"rx.mlse.traceback", KeyType::integer, "UI", "32", "Viterbi traceback depth"},
        {"rx.mlse.target", KeyType::number_array, "", "[]", "target (1, a1[, a2]); empty = from the equalized pulse"},
        {"rx.cdr.model", KeyType::string, "", "ideal",
         "ideal (reference clock at the ideal phase) | bang_bang (Alexander) | mueller_muller"},
        {"rx.cdr.bandwidth", KeyType::number, "Hz", "0", "jitter-transfer -3 dB bandwidth; sets kp, ki (0: give kp, ki)"},
        {"rx.cdr.damping", KeyType::number, "", "1", "loop damping factor zeta"},
        {"rx.cdr.kp", KeyType::number, "UI", "0", "proportional gain per phase-detector output"},
        {"rx.cdr.ki", KeyType::number, "UI", "0", "integral gain per phase-detector output"},
        {"rx.cdr.detector_jitter", KeyType::number, "UI", "0.02", "rms timing jitter at the detector for the bang-bang gain model"},
        {"rx.cdr.pd_gain", KeyType::number, "1/UI", "0", "phase-detector gain override (0 = bang-bang formula)"},
        {"rx.cdr.pi_steps", KeyType::integer, "", "64", "phase-interpolator steps per UI"},
        {"rx.cdr.initial_phase", KeyType::number, "UI", "0", "start phase relative to the ideal sampling phase"},
        {"rx.cdr.frequency_offset", KeyType::number, "ppm", "0", "RX clock frequency offset from the TX clock"},
        {"rx.cdr.phase_offset", KeyType::number, "UI", "0",
         "static offset of the data sampler from the recovered phase (eye centring; the edge sampler stays)"},
        {"rx.cdr.eye_centering", KeyType::string, "", "off",
         "auto: add the offset that moves the phase detector's predicted lock point (from the pulse) onto the design phase; off: rx.cdr.phase_offset as given"},
        {"rx.cdr.lock_window", KeyType::integer, "UI", "1024", "lock detector window"},
        {"rx.cdr.lock_tolerance", KeyType::number, "UI", "0.02", "lock detector tolerance"},
        {"rx.training_symbols", KeyType::integer, "", "-1",
         "symbols per segment for CDR lock and adaptation, not counted; -1 = automatic"},
        {"eye.symbols", KeyType::integer, "", "-1", "counted UIs that feed the eyes: -1 all, 0 none (faster BER runs)"},
        {"eye.target_ber", KeyType::number, "", "1e-6", "BER at which eye height and width are read"},
        {"eye.voltage_bins", KeyType::integer, "", "512", "eye histogram voltage bins"},
        {"eye.voltage_range", KeyType::number, "V", "0", "eye histogram spans +-range, 0 = automatic"},
        {"link.architecture", KeyType::string, "", "electrical", "electrical | lpo | cpo (one hop: lpo/cpo add the optical chain optics.*); retimed | lro | cpo (link.hops > 1: a label for power and latency; each hop's keys are hop.<i>.*)"},
        {"optics.modulator", KeyType::string, "", "eml", "eml | mzm (the laser optics.laser is inside the modulator)"},
        {"optics.driver.gain_db", KeyType::number, "dB", "0", "linear driver small-signal gain"},
        {"optics.driver.bandwidth_hz", KeyType::number, "Hz", "0", "driver -3 dB bandwidth (identical real poles), 0 = none"},
        {"optics.driver.bandwidth_poles", KeyType::integer, "", "2", "driver poles (1..8)"},
        {"optics.driver.input_noise_v_rthz", KeyType::number, "V/sqrt(Hz)", "0", "driver input-referred noise density"},
        {"optics.driver.compression.model", KeyType::string, "", "none", "driver output compression: none | tanh | cubic"},
        {"optics.driver.compression.thd", KeyType::number, "", "0", "THD (fraction) of a sine of peak compression.amplitude_v"},
        {"optics.driver.compression.amplitude_v", KeyType::number, "V", "0", "linear peak amplitude at which thd is specified"},
        {"optics.driver.compression.p1db_v", KeyType::number, "V", "0", "linear peak amplitude of 1 dB compression (alternative)"},
        {"optics.driver.compression.limit_v", KeyType::number, "V", "0", "tanh output limit (alternative)"},
        {"optics.laser.power_w", KeyType::number, "W", "1e-3", "laser CW power"},
        {"optics.laser.rin_db_hz", KeyType::number, "dB/Hz", "-150", "laser relative intensity noise (<= 0)"},
        {"optics.laser.wavelength_m", KeyType::number, "m", "1310e-9", "laser wavelength (also the fibre carrier)"},
        {"optics.eml.extinction_ratio_db", KeyType::number, "dB", "5", "EML static extinction ratio T(v_on)/T(v_off)"},
        {"optics.eml.v_on_v", KeyType::number, "V", "0.5", "EML drive of full transmission"},
        {"optics.eml.v_off_v", KeyType::number, "V", "-0.5", "EML drive of full extinction"},
        {"optics.eml.curve_exponent", KeyType::number, "", "2", "k of the absorption curve (1..4)"},
        {"optics.eml.insertion_loss_db", KeyType::number, "dB", "0", "EML on-state loss"},
        {"optics.eml.bandwidth_hz", KeyType::number, "Hz", "0", "EML electrical -3 dB bandwidth, 0 = none"},
        {"optics.eml.bandwidth_poles", KeyType::integer, "", "1", "EML bandwidth poles"},
        {"optics.eml.chirp_alpha", KeyType::number, "", "0", "EML transient chirp factor (applied by the fibre)"},
        {"optics.mzm.v_pi_v", KeyType::number, "V", "2", "MZM half-wave voltage"},
        {"optics.mzm.bias_v", KeyType::number, "V", "-1", "MZM bias (-v_pi/2 = quadrature)"},
        {"optics.mzm.extinction_ratio_db", KeyType::number, "dB", "30", "MZM static extinction ratio"},
        {"optics.mzm.insertion_loss_db", KeyType::number, "dB", "0", "MZM on-state loss"},
        {"optics.mzm.bandwidth_hz", KeyType::number, "Hz", "0", "MZM electro-optic -3 dB bandwidth, 0 = none"},
        {"optics.mzm.bandwidth_poles", KeyType::integer, "", "1", "MZM bandwidth poles"},
        {"optics.fibre.length_m", KeyType::number, "m", "500", "fibre length"},
        {"optics.fibre.attenuation_db_per_km", KeyType::number, "dB/km", "0.5", "fibre attenuation"},
        {"optics.fibre.connector_loss_db", KeyType::number, "dB", "0", "connector and splice loss, total"},
        {"optics.fibre.attenuator_db", KeyType::number, "dB", "0", "variable optical attenuator"},
        {"optics.fibre.lambda0_m", KeyType::number, "m", "1312e-9", "zero-dispersion wavelength"},
        {"optics.fibre.s0_s_m3", KeyType::number, "s/m^3", "92", "dispersion slope at lambda0 (92 s/m^3 = 0.092 ps/(nm^2 km))"},
        {"optics.fibre.group_index", KeyType::number, "", "1.4682", "group index (time of flight)"},
        {"optics.pd.responsivity_a_w", KeyType::number, "A/W", "0.85", "photodiode responsivity"},
        {"optics.pd.bandwidth_hz", KeyType::number, "Hz", "0", "photodiode -3 dB bandwidth, 0 = none"},
        {"optics.pd.bandwidth_poles", KeyType::integer, "", "1", "photodiode bandwidth poles"},
        {"optics.pd.dark_current_a", KeyType::number, "A", "10e-9", "photodiode dark current"},
        {"optics.pd.shot_noise", KeyType::boolean, "", "true", "add shot noise 2 q I B"},
        {"optics.pd.thermal_noise", KeyType::boolean, "", "false", "add load thermal noise 4 k T B / R (off when the TIA noise covers it)"},
        {"optics.pd.load_ohm", KeyType::number, "ohm", "50", "load resistance for the thermal noise"},
        {"optics.pd.temperature_k", KeyType::number, "K", "300", "temperature for the thermal noise"},
        {"optics.tia.transimpedance_ohm", KeyType::number, "ohm", "1000", "TIA transimpedance (its input offset loop removes the mean photocurrent)"},
        {"optics.tia.bandwidth_hz", KeyType::number, "Hz", "0", "TIA -3 dB bandwidth, 0 = none"},
        {"optics.tia.bandwidth_poles", KeyType::integer, "", "2", "TIA bandwidth poles"},
        {"optics.tia.input_noise_a_rthz", KeyType::number, "A/sqrt(Hz)", "0", "TIA input-referred noise density"},
        {"optics.tia.peaking_db", KeyType::number, "dB", "0", "TIA CTLE-like peaking, 0 = none"},
        {"optics.tia.peaking_zero_hz", KeyType::number, "Hz", "0", "zero of the peaking shelf"},
        {"optics.tia.compression.model", KeyType::string, "", "none", "TIA output compression: none | tanh | cubic"},
        {"optics.tia.compression.thd", KeyType::number, "", "0", "THD (fraction) of a sine of peak compression.amplitude_v"},
        {"optics.tia.compression.amplitude_v", KeyType::number, "V", "0", "linear peak amplitude at which thd is specified"},
        {"optics.tia.compression.p1db_v", KeyType::number, "V", "0", "linear peak amplitude of 1 dB compression (alternative)"},
        {"optics.tia.compression.limit_v", KeyType::number, "V", "0", "tanh output limit (alternative)"},
        {"far_channel.touchstone", KeyType::string_or_array, "", "", "LPO/CPO: Touchstone file(s) of the electrical channel from the TIA to the host RX"},
        {"far_channel.ports", KeyType::string_or_array, "", "auto", "pairing per far_channel file, or auto"},
        {"far_channel.loss_at_nyquist", KeyType::number, "dB", "0", "LPO/CPO: synthetic far channel loss at fb/2; 0 and no files = ideal"},
        {"output.pulse", KeyType::boolean, "", "true", "write the fused pulse and impulse response"},
        {"output.optical_waveform_symbols", KeyType::integer, "", "0",
         "optical links: record the modulator output (W) for this many symbols in /waveforms/optical_tx and compute its TDECQ in /tdecq (0 = off, else >= 2048)"},
    });
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
int int_key(const si::io::ConfigTree& t, const std::string& key) {
    const std::int64_t v = t.integer(key);
    si::require(v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max(), key,
                "is out of range", v);
    return static_cast<int>(v);
}
/// Runs f; a ConfigError for key K is re-thrown with the location of K prefixed. Within a hop
/// (prefix "hop.<i>."), the per-hop keys the model names ("rx.cdr.model") become the hop's.
template <class F>
void with_locations(const si::io::ConfigTree& t, const std::string& prefix, F&& f) {
    try {
        f();
    } catch (const si::io::ConfigLocationError&) {
        throw;
    } catch (const si::ConfigError& e) {
        std::string key = e.key(), msg = e.what();
        if (!key.empty() && msg.rfind(key + ": ", 0) == 0) msg = msg.substr(key.size() + 2);
        if (!prefix.empty() && per_hop_key(key)) key = prefix + key;
        if (!prefix.empty() && key == "signal.symbol_rate" && t.has(prefix + "symbol_rate")) key = prefix + "symbol_rate";
        const std::string loc = key.empty() ? std::string() : t.location(key);
        if (loc.empty()) {
            if (key == e.key()) throw;
            throw si::ConfigError(key, msg);
        }
        throw si::io::ConfigLocationError(loc, key, (loc == "--set" ? "--set " : loc + ": ") + key + ": " + msg);
    }
}
}  // namespace

/// One hop's LinkSpec: the run's sim.*, signal.*, eye.* keys and the hop's own keys (prefix
/// "hop.<i>.", or "" for a single-hop link, whose keys are tx.*, channel.*, ...).
si::sim::LinkSpec hop_spec_from(const si::io::ConfigTree& t, const std::string& prefix) {
    auto K = [&](const char* k) { return !prefix.empty() && per_hop_key(k) ? prefix + k : std::string(k); };
    si::sim::LinkSpec s;
    with_locations(t, prefix, [&] {
        auto nonneg = [&](const std::string& key) {
            const auto v = t.integer(key);
            si::require(v >= 0, key, "must be >= 0", v);
            return v;
        };
        s.sim.symbols = static_cast<std::uint64_t>(nonneg(K("sim.symbols")));
        s.sim.samples_per_ui = int_key(t, K("sim.samples_per_ui"));
        s.sim.seed = static_cast<std::uint64_t>(nonneg(K("sim.seed")));
        s.sim.threads = int_key(t, K("sim.threads"));
        s.sim.block_symbols = int_key(t, K("sim.block_symbols"));
        s.sim.engine = t.string(K("sim.engine"));
        s.signal.modulation = t.string(K("signal.modulation"));
        s.signal.symbol_rate_bd = t.number(K("signal.symbol_rate"));
        const std::string pat = t.string(K("signal.pattern"));
        if (is_pattern_name(pat)) {
            s.signal.pattern.name = pat;
        } else {
            const std::string file = t.path(K("signal.pattern"), pat);
            std::error_code ec;
            if (!std::filesystem::exists(file, ec) && !ec)
                throw si::ConfigError("signal.pattern",
                                      "'" + pat + "' is neither a pattern name (prbs7..prbs31, "
                                      "prbs13q, prbs31q, ssprq, random) nor an existing file");
            require_input_file("signal.pattern", file, "pattern file");
            s.signal.pattern.name = "file";
            s.signal.pattern.file = file;
        }
        s.signal.pattern.gray = t.boolean(K("signal.gray"));
        s.signal.pattern.prbs_start = t.string(K("signal.prbs_start"));
        s.signal.pattern.precode = t.boolean(K("signal.precode"));
        s.tx.swing_v = t.number(K("tx.swing"));
        s.tx.ffe = t.numbers(K("tx.ffe"));
        s.tx.ffe_normalize = t.boolean(K("tx.ffe_normalize"));
        s.tx.rise_time_s = t.number(K("tx.rise_time"));
        s.tx.rj_rms_ui = t.number(K("tx.rj"));
        s.tx.sj_amp_ui = t.number(K("tx.sj"));
        s.tx.sj_freq_hz = t.number(K("tx.sj_frequency"));
        s.tx.dcd_ui = t.number(K("tx.dcd"));
        s.tx.snr_db = t.number(K("tx.snr"));
        s.tx.snr_model = t.string(K("tx.snr_model"));
        s.channel.touchstone = t.paths(K("channel.touchstone"), {});
        for (const auto& f : s.channel.touchstone)
            require_input_file("channel.touchstone", f, "Touchstone file");
        s.channel.ports = t.strings(K("channel.ports"));
        if (s.channel.ports.size() == 1 && s.channel.ports[0] == "auto") s.channel.ports.clear();
        s.channel.loss_at_nyquist_db = t.number(K("channel.loss_at_nyquist"));
        s.channel.crosstalk = t.paths(K("channel.crosstalk"), {});
        for (const auto& f : s.channel.crosstalk)
            require_input_file("channel.crosstalk", f, "Touchstone file");
        s.channel.crosstalk_ports = t.strings(K("channel.crosstalk_ports"));
        if (s.channel.crosstalk_ports.size() == 1 && s.channel.crosstalk_ports[0] == "victim")
            s.channel.crosstalk_ports.clear();
        s.rx.ctle.model = t.string(K("rx.ctle.model"));
        s.rx.ctle.gdc_db = t.number(K("rx.ctle.gdc"));
        s.rx.ctle.gdc2_db = t.number(K("rx.ctle.gdc2"));
        s.rx.ctle.fz_hz = t.number(K("rx.ctle.fz"));
        s.rx.ctle.fp1_hz = t.number(K("rx.ctle.fp1"));
        s.rx.ctle.fp2_hz = t.number(K("rx.ctle.fp2"));
        s.rx.ctle.flf_hz = t.number(K("rx.ctle.flf"));
        s.rx.afe_bandwidth_hz = t.number(K("rx.afe_bandwidth"));
        s.rx.noise_rms_v = t.number(K("rx.noise_rms"));
        s.rx.noise_bandwidth_hz = t.number(K("rx.noise_bandwidth"));
        s.sim.segment_symbols = static_cast<std::uint64_t>(nonneg(K("sim.segment_symbols")));
        s.rx.gain.mode = t.string(K("rx.gain.mode"));
        s.rx.gain.gain = t.number(K("rx.gain.value"));
        s.rx.gain.outer_fraction = t.number(K("rx.gain.outer_fraction"));
        s.rx.adc.bits = int_key(t, K("rx.adc.bits"));
        s.rx.adc.full_scale_v = t.number(K("rx.adc.full_scale"));
        s.rx.adc.enob = t.number(K("rx.adc.enob"));
        s.rx.ffe.taps = int_key(t, K("rx.ffe.taps"));
        s.rx.ffe.pre = int_key(t, K("rx.ffe.pre"));
        s.rx.ffe.mode = t.string(K("rx.ffe.mode"));
        s.rx.ffe.coefficients = t.numbers(K("rx.ffe.coefficients"));
        s.rx.ffe.lms_update = t.string(K("rx.ffe.lms_update"));
        s.rx.ffe.mu = t.number(K("rx.ffe.mu"));
        s.rx.ffe.tap_min = t.numbers(K("rx.ffe.tap_min"));
        s.rx.ffe.tap_max = t.numbers(K("rx.ffe.tap_max"));
        s.rx.dfe.taps = int_key(t, K("rx.dfe.taps"));
        s.rx.dfe.mode = t.string(K("rx.dfe.mode"));
        s.rx.dfe.coefficients = t.numbers(K("rx.dfe.coefficients"));
        s.rx.dfe.mu = t.number(K("rx.dfe.mu"));
        s.rx.dfe.float_groups = int_key(t, K("rx.dfe.float_groups"));
        s.rx.dfe.float_group_size = int_key(t, K("rx.dfe.float_group_size"));
        s.rx.dfe.float_span_ui = int_key(t, K("rx.dfe.float_span"));
        s.rx.dfe.tap_min = t.numbers(K("rx.dfe.tap_min"));
        s.rx.dfe.tap_max = t.numbers(K("rx.dfe.tap_max"));
        s.rx.dfe.float_tap_max = t.number(K("rx.dfe.float_tap_max"));
        s.rx.mlse.memory = int_key(t, K("rx.mlse.taps"));
        s.rx.mlse.traceback = int_key(t, K("rx.mlse.traceback"));
        s.rx.mlse.target = t.numbers(K("rx.mlse.target"));
        s.rx.cdr_model = t.string(K("rx.cdr.model"));
        s.rx.cdr.model = s.rx.cdr_model;
        s.rx.cdr.bandwidth_hz = t.number(K("rx.cdr.bandwidth"));
        s.rx.cdr.damping = t.number(K("rx.cdr.damping"));
        s.rx.cdr.kp = t.number(K("rx.cdr.kp"));
        s.rx.cdr.ki = t.number(K("rx.cdr.ki"));
        s.rx.cdr.detector_jitter_ui = t.number(K("rx.cdr.detector_jitter"));
        s.rx.cdr.pd_gain_per_ui = t.number(K("rx.cdr.pd_gain"));
        s.rx.cdr.pi_steps = int_key(t, K("rx.cdr.pi_steps"));
        s.rx.cdr.initial_phase_ui = t.number(K("rx.cdr.initial_phase"));
        s.rx.cdr.frequency_offset_ppm = t.number(K("rx.cdr.frequency_offset"));
        s.rx.cdr.phase_offset_ui = t.number(K("rx.cdr.phase_offset"));
        s.rx.cdr_eye_centering = t.string(K("rx.cdr.eye_centering"));
        s.rx.cdr.lock_window_ui = int_key(t, K("rx.cdr.lock_window"));
        s.rx.cdr.lock_tolerance_ui = t.number(K("rx.cdr.lock_tolerance"));
        if (s.rx.cdr_model == "ideal")  // a recovered-clock setting with the ideal clock is a mistake
            for (const char* k : {"rx.cdr.bandwidth", "rx.cdr.kp", "rx.cdr.ki", "rx.cdr.initial_phase",
                                  "rx.cdr.frequency_offset", "rx.cdr.pd_gain", "rx.cdr.phase_offset"})
                si::require(t.number(K(k)) == 0, k, "is set but rx.cdr.model is \"ideal\" (set "
                            "model = \"bang_bang\" or \"mueller_muller\")", t.number(K(k)));
        s.rx.training_symbols = t.integer(K("rx.training_symbols"));
        s.eye.symbols = t.integer(K("eye.symbols"));
        s.eye.target_ber = t.number(K("eye.target_ber"));
        s.eye.voltage_bins = int_key(t, K("eye.voltage_bins"));
        s.eye.voltage_range_v = t.number(K("eye.voltage_range"));
        // ---- optical front end (LPO/CPO), docs/config-format.md ----
        if (prefix.empty()) {
            s.optics.architecture = t.string("link.architecture");
        } else {  // a hop: the optical chain or not; link.architecture labels the whole link
            s.optics.architecture = t.boolean(prefix + "optical") ? "lpo" : "electrical";
            if (t.has(prefix + "symbol_rate")) s.signal.symbol_rate_bd = t.number(prefix + "symbol_rate");
        }
        s.optics.modulator = t.string(K("optics.modulator"));
        s.optics.driver.gain_db = t.number(K("optics.driver.gain_db"));
        s.optics.driver.bandwidth_hz = t.number(K("optics.driver.bandwidth_hz"));
        s.optics.driver.bandwidth_poles = int_key(t, K("optics.driver.bandwidth_poles"));
        s.optics.driver.input_noise_v_rthz = t.number(K("optics.driver.input_noise_v_rthz"));
        s.optics.driver.compression.model = t.string(K("optics.driver.compression.model"));
        s.optics.driver.compression.thd = t.number(K("optics.driver.compression.thd"));
        s.optics.driver.compression.amplitude_v = t.number(K("optics.driver.compression.amplitude_v"));
        s.optics.driver.compression.p1db_v = t.number(K("optics.driver.compression.p1db_v"));
        s.optics.driver.compression.limit_v = t.number(K("optics.driver.compression.limit_v"));
        s.optics.laser.power_w = t.number(K("optics.laser.power_w"));
        s.optics.laser.rin_db_hz = t.number(K("optics.laser.rin_db_hz"));
        s.optics.laser.wavelength_m = t.number(K("optics.laser.wavelength_m"));
        s.optics.eml.extinction_ratio_db = t.number(K("optics.eml.extinction_ratio_db"));
        s.optics.eml.v_on_v = t.number(K("optics.eml.v_on_v"));
        s.optics.eml.v_off_v = t.number(K("optics.eml.v_off_v"));
        s.optics.eml.curve_exponent = t.number(K("optics.eml.curve_exponent"));
        s.optics.eml.insertion_loss_db = t.number(K("optics.eml.insertion_loss_db"));
        s.optics.eml.bandwidth_hz = t.number(K("optics.eml.bandwidth_hz"));
        s.optics.eml.bandwidth_poles = int_key(t, K("optics.eml.bandwidth_poles"));
        s.optics.eml.chirp_alpha = t.number(K("optics.eml.chirp_alpha"));
        s.optics.mzm.v_pi_v = t.number(K("optics.mzm.v_pi_v"));
        s.optics.mzm.bias_v = t.number(K("optics.mzm.bias_v"));
        s.optics.mzm.extinction_ratio_db = t.number(K("optics.mzm.extinction_ratio_db"));
        s.optics.mzm.insertion_loss_db = t.number(K("optics.mzm.insertion_loss_db"));
        s.optics.mzm.bandwidth_hz = t.number(K("optics.mzm.bandwidth_hz"));
        s.optics.mzm.bandwidth_poles = int_key(t, K("optics.mzm.bandwidth_poles"));
        s.optics.fibre.length_m = t.number(K("optics.fibre.length_m"));
        s.optics.fibre.attenuation_db_per_km = t.number(K("optics.fibre.attenuation_db_per_km"));
        s.optics.fibre.connector_loss_db = t.number(K("optics.fibre.connector_loss_db"));
        s.optics.fibre.attenuator_db = t.number(K("optics.fibre.attenuator_db"));
        s.optics.fibre.lambda0_m = t.number(K("optics.fibre.lambda0_m"));
        s.optics.fibre.s0_s_m3 = t.number(K("optics.fibre.s0_s_m3"));
        s.optics.fibre.group_index = t.number(K("optics.fibre.group_index"));
        s.optics.pd.responsivity_a_w = t.number(K("optics.pd.responsivity_a_w"));
        s.optics.pd.bandwidth_hz = t.number(K("optics.pd.bandwidth_hz"));
        s.optics.pd.bandwidth_poles = int_key(t, K("optics.pd.bandwidth_poles"));
        s.optics.pd.dark_current_a = t.number(K("optics.pd.dark_current_a"));
        s.optics.pd.shot_noise = t.boolean(K("optics.pd.shot_noise"));
        s.optics.pd.thermal_noise = t.boolean(K("optics.pd.thermal_noise"));
        s.optics.pd.load_ohm = t.number(K("optics.pd.load_ohm"));
        s.optics.pd.temperature_k = t.number(K("optics.pd.temperature_k"));
        s.optics.tia.transimpedance_ohm = t.number(K("optics.tia.transimpedance_ohm"));
        s.optics.tia.bandwidth_hz = t.number(K("optics.tia.bandwidth_hz"));
        s.optics.tia.bandwidth_poles = int_key(t, K("optics.tia.bandwidth_poles"));
        s.optics.tia.input_noise_a_rthz = t.number(K("optics.tia.input_noise_a_rthz"));
        s.optics.tia.peaking_db = t.number(K("optics.tia.peaking_db"));
        s.optics.tia.peaking_zero_hz = t.number(K("optics.tia.peaking_zero_hz"));
        s.optics.tia.compression.model = t.string(K("optics.tia.compression.model"));
        s.optics.tia.compression.thd = t.number(K("optics.tia.compression.thd"));
        s.optics.tia.compression.amplitude_v = t.number(K("optics.tia.compression.amplitude_v"));
        s.optics.tia.compression.p1db_v = t.number(K("optics.tia.compression.p1db_v"));
        s.optics.tia.compression.limit_v = t.number(K("optics.tia.compression.limit_v"));
        s.optics.far.touchstone = t.paths(K("far_channel.touchstone"), {});
        for (const auto& f : s.optics.far.touchstone) require_input_file("far_channel.touchstone", f, "Touchstone file");
        s.optics.far.ports = t.strings(K("far_channel.ports"));
        if (s.optics.far.ports.size() == 1 && s.optics.far.ports[0] == "auto") s.optics.far.ports.clear();
        s.optics.far.loss_at_nyquist_db = t.number(K("far_channel.loss_at_nyquist"));
        si::sim::validate(s);
    });
    return s;
}

namespace {
/// Throws a ConfigError for key with the key's location, as with_locations does.
[[noreturn]] void fail_at(const si::io::ConfigTree& t, const std::string& key, const std::string& msg) {
    with_locations(t, "", [&] { throw si::ConfigError(key, msg); });
    throw si::ConfigError(key, msg);  // not reached
}
int hop_count(const si::io::ConfigTree& t) {
    const std::int64_t h = t.integer("link.hops");
    if (h < 1 || h > si::sim::kMaxHops)
        fail_at(t, "link.hops", "must be in [1, " + std::to_string(si::sim::kMaxHops) + "] (got " + std::to_string(h) + ")");
    return static_cast<int>(h);
}
/// The hop.<i>.* keys set with i >= hops, and (for several hops) the single-hop keys set.
void check_hop_keys(const si::io::ConfigTree& t, int hops) {
    std::string msg, first_key;
    auto add = [&](const std::string& key, const std::string& m) {
        const std::string loc = t.location(key);
        msg += (msg.empty() ? "" : "\n") + (loc.empty() ? std::string() : (loc == "--set" ? "--set " : loc + ": ")) + key + ": " + m;
        if (first_key.empty()) first_key = key;
    };
    for (const auto& k : t.keys_set()) {
        if (k.rfind("hop.", 0) == 0) {
            const auto dot = k.find('.', 4);
            const int i = std::stoi(k.substr(4, dot - 4));
            if (hops == 1)
                add(k, "is a hop setting, but link.hops = 1 (a single-hop link takes the plain keys; "
                       "set link.hops for a link with retimers)");
            else if (i >= hops)
                add(k, "is set, but the link has " + std::to_string(hops) + " hops (hop.0 .. hop." +
                           std::to_string(hops - 1) + ")");
        } else if (hops > 1 && per_hop_key(k)) {
            add(k, "a link of " + std::to_string(hops) + " hops (link.hops) takes its settings per hop: "
                   "set hop.<i>." + k);
        }
    }
    if (!msg.empty()) {
        const std::string loc = t.location(first_key);
        throw si::io::ConfigLocationError(loc, first_key, msg);
    }
}
}  // namespace

bool is_multi_hop(const si::io::ConfigTree& t) { return hop_count(t) > 1; }

std::string resolved_config(const si::io::ConfigTree& t) {
    if (!is_multi_hop(t)) return t.resolved_toml();
    return t.resolved_toml([](const std::string& k) { return per_hop_key(k); });
}

si::sim::LinkSpec link_spec_from(const si::io::ConfigTree& t) {
    const int hops = hop_count(t);
    check_hop_keys(t, hops);
    if (hops > 1)
        fail_at(t, "link.hops", "this command runs single-hop links; a link of " + std::to_string(hops) +
                                    " hops is run by `sisim run` and `sisim compare`");
    return hop_spec_from(t, "");
}

si::sim::MultiHopSpec multi_hop_spec_from(const si::io::ConfigTree& t) {
    const int hops = hop_count(t);
    check_hop_keys(t, hops);
    si::sim::MultiHopSpec m;
    m.architecture = t.string("link.architecture");
    if (m.architecture != "electrical" && m.architecture != "lpo" && m.architecture != "cpo" &&
        m.architecture != "lro" && m.architecture != "retimed")
        fail_at(t, "link.architecture", "must be \"electrical\", \"lpo\", \"cpo\", \"lro\" or \"retimed\" (got \"" +
                                            m.architecture + "\")");
    for (int h = 0; h < hops; ++h) {
        const std::string p = "hop." + std::to_string(h) + ".";
        m.hops.push_back(hop_spec_from(t, p));
        m.names.push_back(t.has(p + "name") ? t.string(p + "name") : "hop " + std::to_string(h));
        if (h + 1 < hops && m.hops.back().rx.cdr_model == "ideal")
            fail_at(t, p + "rx.cdr.model",
                    "hop " + std::to_string(h) + " ends in a retimer, which needs a recovered clock: set "
                    "\"bang_bang\" or \"mueller_muller\" (its clock launches the next hop)");
    }
    return m;
}

}  // namespace sisim

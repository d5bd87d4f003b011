#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "si/channel/network.hpp"
#include "si/channel/response.hpp"
#include "si/channel/touchstone.hpp"
#include "si/core/error.hpp"
#include "si/core/memo.hpp"
#include "si/core/units.hpp"
#include "si/dsp/fft.hpp"
#include "si/dsp/freq.hpp"
#include "si/sim/link.hpp"
#include "si/sim/stateye.hpp"
#include "stage_optics.hpp"

#include <thread>

namespace si::sim {

int levels_of(const std::string& m) {
    if (m == "pam4") return 4;
    if (m == "nrz" || m == "pam2") return 2;
    if (m == "pam8") return 8;
    throw ConfigError("signal.modulation", "must be \"pam4\", \"nrz\" or \"pam8\" (got " + m + ")");
}

void validate(const LinkSpec& s) {
    require(s.sim.symbols >= 1000 && s.sim.symbols <= kMaxSymbols, "sim.symbols",
            str("must be in [1000, ", kMaxSymbols, "] (1e12 symbols take days per core: read lower "
                "BERs from the statistical SER/eye)"), s.sim.symbols);
    require(s.sim.samples_per_ui >= 2 && s.sim.samples_per_ui <= 256, "sim.samples_per_ui",
            "must be in [2, 256]", s.sim.samples_per_ui);
    require(s.sim.threads >= 0 && s.sim.threads <= 1024, "sim.threads", "must be in [0, 1024]",
            s.sim.threads);
    require(s.sim.block_symbols >= 16 && s.sim.block_symbols <= (1 << 22), "sim.block_symbols",
            "must be in [16, 4194304]", s.sim.block_symbols);
    require(s.sim.engine == "auto" || s.sim.engine == "superposition" || s.sim.engine == "waveform",
            "sim.engine", "must be \"auto\", \"superposition\" or \"waveform\"", s.sim.engine);
    require(!(s.sim.engine == "superposition" && s.retimed_input), "sim.engine",
            "\"superposition\" cannot follow a retimer (its recovered clock moves the TX edges); use \"auto\"",
            s.sim.engine);
    require(!(s.sim.engine == "superposition" && tx::has_jitter(s.tx)), "sim.engine",
            "\"superposition\" cannot inject TX jitter (tx.rj, tx.sj, tx.dcd); use \"auto\"",
            s.sim.engine);
    {
        auto pc = s.signal.pattern;
        pc.levels = levels_of(s.signal.modulation);
        pattern::validate(pc);
    }
    require(std::isfinite(s.signal.symbol_rate_bd) && s.signal.symbol_rate_bd >= 1e6 &&
                s.signal.symbol_rate_bd <= 1e12,
            "signal.symbol_rate", "must be in [1 MBd, 1 TBd]", s.signal.symbol_rate_bd);
    tx::validate(s.tx);
    require(std::isfinite(s.channel.loss_at_nyquist_db) && s.channel.loss_at_nyquist_db >= 0 &&
                s.channel.loss_at_nyquist_db <= 80,
            "channel.loss_at_nyquist", "must be in [0, 80] dB", s.channel.loss_at_nyquist_db);
    require(s.channel.touchstone.empty() || s.channel.loss_at_nyquist_db == 0,
            "channel.loss_at_nyquist", "cannot be combined with channel.touchstone",
            s.channel.loss_at_nyquist_db);
    require(s.channel.crosstalk_ports.size() <= 1 ||
                s.channel.crosstalk_ports.size() == s.channel.crosstalk.size(),
            "channel.crosstalk_ports", "needs one entry, or one per crosstalk file",
            s.channel.crosstalk_ports.size());
    require(s.channel.crosstalk.size() <= 64, "channel.crosstalk", "at most 64 aggressors",
            s.channel.crosstalk.size());
    require(s.channel.ports.size() <= 1 || s.channel.ports.size() == s.channel.touchstone.size(),
            "channel.ports", "needs one entry, or one per touchstone file",
            s.channel.ports.size());
    rx::validate(rx::resolve(s.rx.ctle, s.signal.symbol_rate_bd));
    {   // CTLE corners below 1e-4 fb (e.g. denormals) make H(f) overflow to inf/NaN.
        const auto c = rx::resolve(s.rx.ctle, s.signal.symbol_rate_bd);
        const double f_min = 1e-4 * s.signal.symbol_rate_bd;
        const std::pair<const char*, double> corners[] = {
            {"rx.ctle.fz", c.fz_hz}, {"rx.ctle.fp1", c.fp1_hz}, {"rx.ctle.fp2", c.fp2_hz},
            {"rx.ctle.flf", c.flf_hz}};
        for (const auto& [key, f] : corners)
            require(f >= f_min, key, str("must be >= 1e-4 fb = ", f_min, " Hz (0 = default)"), f);
    }
    if (s.rx.ctle.model == "none") {  // parameters of a CTLE that is off are a mistake, not a no-op
        const rx::CtleConfig d;
        const std::pair<const char*, bool> set[] = {
            {"rx.ctle.gdc", s.rx.ctle.gdc_db != d.gdc_db}, {"rx.ctle.gdc2", s.rx.ctle.gdc2_db != d.gdc2_db},
            {"rx.ctle.fz", s.rx.ctle.fz_hz != d.fz_hz},    {"rx.ctle.fp1", s.rx.ctle.fp1_hz != d.fp1_hz},
            {"rx.ctle.fp2", s.rx.ctle.fp2_hz != d.fp2_hz}, {"rx.ctle.flf", s.rx.ctle.flf_hz != d.flf_hz}};
        for (const auto& [key, is_set] : set)
            require(!is_set, key, "is set but rx.ctle.model is \"none\" (set model = \"com\")", "none");
    }
    // Bandwidths: 0 (off / default) or at least 1e-4 fb (a denormal or tiny value would need an
    // impulse response millions of UI long).
    const double f_min_hz = 1e-4 * s.signal.symbol_rate_bd;
    require(std::isfinite(s.rx.noise_bandwidth_hz) &&
                (s.rx.noise_bandwidth_hz == 0 || s.rx.noise_bandwidth_hz >= f_min_hz),
            "rx.noise_bandwidth", str("must be 0 (= fb/2) or >= 1e-4 fb = ", f_min_hz, " Hz"),
            s.rx.noise_bandwidth_hz);
    require(std::isfinite(s.rx.afe_bandwidth_hz) &&
                (s.rx.afe_bandwidth_hz == 0 || s.rx.afe_bandwidth_hz >= f_min_hz),
            "rx.afe_bandwidth", str("must be 0 (= none) or >= 1e-4 fb = ", f_min_hz, " Hz"),
            s.rx.afe_bandwidth_hz);
    require(std::isfinite(s.rx.noise_rms_v) && s.rx.noise_rms_v >= 0 &&
                s.rx.noise_rms_v <= 0.1 * kMaxSlicerAmplitudeV,
            "rx.noise_rms", str("must be in [0, ", 0.1 * kMaxSlicerAmplitudeV, "] V"), s.rx.noise_rms_v);
    {   // receiver DSP
        const int N = levels_of(s.signal.modulation);
        const auto& r = s.rx;
        require(r.gain.mode == "fixed" || r.gain.mode == "auto", "rx.gain.mode",
                "must be \"fixed\" or \"auto\"", r.gain.mode);
        rx::validate(r.gain);
        if (r.adc.bits != 0 || r.adc.enob != 0) {
            auto a = r.adc;
            if (a.full_scale_v == 0) a.full_scale_v = 1.0;  // 0 = automatic
            require(r.adc.full_scale_v >= 0 && std::isfinite(r.adc.full_scale_v), "rx.adc.full_scale",
                    "must be >= 0 V peak-to-peak (0 = automatic)", r.adc.full_scale_v);
            rx::validate(a);
        }
        if (r.ffe.taps != 0) {
            auto f = r.ffe;
            f.levels = N;
            rx::validate(f);
        } else {
            // a setting of a block that is off is a mistake, not something to ignore
            require(r.ffe.coefficients.empty(), "rx.ffe.coefficients", "is set but rx.ffe.taps is 0",
                    r.ffe.coefficients.size());
            require(r.ffe.pre == 0, "rx.ffe.pre", "is set but rx.ffe.taps is 0", r.ffe.pre);
            require(r.ffe.tap_min.empty() && r.ffe.tap_max.empty(), "rx.ffe.tap_min",
                    "tap limits are set but rx.ffe.taps is 0", r.ffe.tap_min.size() + r.ffe.tap_max.size());
        }
        if (r.dfe.taps != 0 || r.dfe.float_groups != 0) {
            auto f = r.dfe;
            f.levels = N;
            rx::validate(f);
        } else {
            require(r.dfe.coefficients.empty(), "rx.dfe.coefficients", "is set but rx.dfe.taps is 0",
                    r.dfe.coefficients.size());
            require(r.dfe.tap_min.empty() && r.dfe.tap_max.empty(), "rx.dfe.tap_max",
                    "tap limits are set but rx.dfe.taps is 0", r.dfe.tap_min.size() + r.dfe.tap_max.size());
        }
        if (r.mlse.memory != 0) {
            auto m = r.mlse;
            m.levels = N;
            rx::validate(m);
            require(r.dfe.taps == 0 && r.dfe.float_groups == 0, "rx.mlse.taps",
                    "an MLSE detector and a DFE cannot be combined (set rx.dfe.taps = 0)", r.mlse.memory);
        } else {
            require(r.mlse.target.empty(), "rx.mlse.target", "is set but rx.mlse.taps is 0",
                    r.mlse.target.size());
        }
        require(r.cdr_model == "ideal" || r.cdr_model == "bang_bang" || r.cdr_model == "mueller_muller",
                "rx.cdr.model", "must be \"ideal\", \"bang_bang\" or \"mueller_muller\"", r.cdr_model);
        require(r.cdr_eye_centering == "off" || r.cdr_eye_centering == "auto", "rx.cdr.eye_centering",
                "must be \"off\" or \"auto\"", r.cdr_eye_centering);
        require(r.cdr_eye_centering == "off" || r.cdr_model != "ideal", "rx.cdr.eye_centering",
                "is \"auto\" but rx.cdr.model is \"ideal\" (set model = \"bang_bang\" or \"mueller_muller\")",
                r.cdr_eye_centering);
        if (r.cdr_model != "ideal") {
            auto c = r.cdr;
            c.model = r.cdr_model;
            c.levels = N;
            c.symbol_rate_bd = s.signal.symbol_rate_bd;
            rx::validate(c);
        }
        require(r.training_symbols >= -1 && r.training_symbols <= (1LL << 40), "rx.training_symbols",
                "must be -1 (automatic) or in [0, 2^40]", r.training_symbols);
        require(s.sim.segment_symbols >= 10000 && s.sim.segment_symbols <= (1ULL << 40),
                "sim.segment_symbols", "must be in [1e4, 2^40]", s.sim.segment_symbols);
        require(s.eye.symbols >= -1, "eye.symbols", "must be -1 (all), 0 (none) or a count",
                s.eye.symbols);
    }
    detail::validate_optics(s);
    require(std::isfinite(s.eye.target_ber) && s.eye.target_ber > 0 && s.eye.target_ber < 0.5,
            "eye.target_ber", "must be in (0, 0.5)", s.eye.target_ber);
    require(s.eye.voltage_bins >= 16 && s.eye.voltage_bins <= 65536, "eye.voltage_bins",
            "must be in [16, 65536]", s.eye.voltage_bins);
    require(std::isfinite(s.eye.voltage_range_v) &&
                (s.eye.voltage_range_v == 0 ||
                 (s.eye.voltage_range_v >= 1e-6 && s.eye.voltage_range_v <= kMaxSlicerAmplitudeV)),
            "eye.voltage_range", str("must be 0 (automatic) or in [1 uV, ", kMaxSlicerAmplitudeV, " V]"),
            s.eye.voltage_range_v);
    {   // Eye histograms: one per worker thread, levels x voltage_bins x 2 samples_per_ui counts.
        const int threads = s.sim.threads > 0 ? s.sim.threads
                                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        const double per_thread = 8.0 * levels_of(s.signal.modulation) * s.eye.voltage_bins * 2.0 *
                                  s.sim.samples_per_ui;
        require(per_thread * threads <= kMaxEyeHistogramBytes, "eye.voltage_bins",
                str("the eye histograms would need ", per_thread * threads / 1048576.0, " MiB (",
                    per_thread / 1048576.0, " MiB per thread x ", threads,
                    " threads); at most ", kMaxEyeHistogramBytes / 1048576.0,
                    " MiB: lower eye.voltage_bins, sim.samples_per_ui or sim.threads"),
                s.eye.voltage_bins);
    }
}

namespace {

/// Truncation bound of the pulse window: whole UIs are dropped from both far ends while, at
/// every sampling phase, the root-sum-square of the dropped symbol-spaced samples stays below
/// kTruncIsi times the pulse peak. With random data that is the rms ISI the truncation hides:
/// 1e-4 of the peak, i.e. -80 dB, far below any noise or eye metric.
constexpr double kTruncIsi = 1e-4;

/// Window [start, start+len) (circular indices, len a whole number of UI) of a circular pulse
/// sampled M times per UI; at most a quarter of the buffer before the peak is kept. `outside`
/// is the energy dropped relative to the total.
void pulse_window(const std::vector<double>& p, int M, long& start, long& len, double& outside) {
    const long n = static_cast<long>(p.size());
    // The peak |p| and its first index, in four interleaved lanes (one chain of compares through
    // the running maximum took a third of a millisecond for a 100 ns channel); lane maxima are
    // combined largest first, the smallest index among equals: the sequential scan's answer.
    double pk = 0;
    long ipk = 0;
    {
        double lm[4] = {0, 0, 0, 0};
        long li[4] = {0, 1, 2, 3};
        long i = 0;
        for (; i + 4 <= n; i += 4)
            for (int k = 0; k < 4; ++k) {
                const double a = std::abs(p[static_cast<std::size_t>(i + k)]);
                if (a > lm[k]) lm[k] = a, li[k] = i + k;
            }
        for (; i < n; ++i) {
            const double a = std::abs(p[static_cast<std::size_t>(i)]);
            if (a > lm[0]) lm[0] = a, li[0] = i;
        }
        for (int k = 0; k < 4; ++k)
            if (lm[k] > pk || (lm[k] == pk && lm[k] > 0 && li[k] < ipk)) pk = lm[k], ipk = li[k];
    }
    double e = 0;
    {   // total energy in four interleaved partial sums (one chain of n dependent additions
        // took a third of a millisecond for a 100 ns channel)
        double q[4] = {0, 0, 0, 0};
        long i = 0;
        for (; i + 4 <= n; i += 4)
            for (int k = 0; k < 4; ++k) q[k] += p[static_cast<std::size_t>(i + k)] * p[static_cast<std::size_t>(i + k)];
        for (; i < n; ++i) q[0] += p[static_cast<std::size_t>(i)] * p[static_cast<std::size_t>(i)];
        e = (q[0] + q[1]) + (q[2] + q[3]);
    }
    // circular index: every i below is in (-n, 2n), so one compare replaces the double modulo
    auto at = [&](long i) {
        const long w = i < 0 ? i + n : (i >= n ? i - n : i);
        return p[static_cast<std::size_t>(w)];
    };
    const long nui = n / M;
    const long max_pre_ui = nui / 4;
    const long max_post_ui = nui - max_pre_ui - 1;
    // UI j spans samples [ipk - M/2 + j M, ... + M): centred on the peak.
    const long base = ipk - M / 2;
    std::vector<double> acc(static_cast<std::size_t>(M), 0.0);
    const double bound2 = kTruncIsi * kTruncIsi * pk * pk;
    auto try_drop = [&](long j) {  // adds UI j's |samples| to acc if the bound allows it
        for (int m = 0; m < M; ++m) {
            const double v = at(base + j * M + m);
            if (acc[static_cast<std::size_t>(m)] + v * v > bound2) return false;
        }
        for (int m = 0; m < M; ++m) {
            const double v = at(base + j * M + m);
            acc[static_cast<std::size_t>(m)] += v * v;
        }
        return true;
    };
    long lo = -max_pre_ui, hi = max_post_ui;  // kept UIs [lo, hi]
    double dropped = 0;
    // Every UI's energy, each summed over its samples in order (the sums the trimming compares),
    // all UIs at once: independent sums instead of one chain per UI as it is reached.
    std::vector<double> ui_e(static_cast<std::size_t>(hi - lo + 1), 0.0);
    for (int m = 0; m < M; ++m)
        for (long j = lo; j <= hi; ++j) {
            const double v = at(base + j * M + m);
            ui_e[static_cast<std::size_t>(j - lo)] += v * v;
        }
    const long j_first = lo;
    auto ui_energy = [&](long j) { return ui_e[static_cast<std::size_t>(j - j_first)]; };
    // Drop from whichever end has the smaller far UI, until the bound stops both ends. (Each
    // end's far-UI energy is computed again only when that end moved.)
    bool lo_open = true, hi_open = true;
    double el = lo_open ? ui_energy(lo) : INFINITY, eh = hi_open ? ui_energy(hi) : INFINITY;
    while ((lo_open || hi_open) && lo < 0 && hi > 0) {
        if (el <= eh) {
            if (try_drop(lo)) dropped += el, ++lo, el = ui_energy(lo);
            else lo_open = false, el = INFINITY;
        } else {
            if (try_drop(hi)) dropped += eh, --hi, eh = ui_energy(hi);
            else hi_open = false, eh = INFINITY;
        }
    }
    start = base + lo * M;
    len = (hi - lo + 1) * M;
    outside = e > 0 ? dropped / e : 0;
}

/// The channel part of a link: its response, what the output reports of it, and the time span
/// its data resolve (at least 256 UI).
struct BuiltChannel {
    std::shared_ptr<const channel::ChannelResponse> ch;
    ChannelInfo info;
    bool below_nyquist = false;
    double span_s = 0;
};

/// data: the parsed file of each cc.touchstone entry (read_touchstone_shared).
BuiltChannel build_channel(const ChannelConfig& cc, double fb,
                           const std::vector<std::shared_ptr<const channel::Touchstone>>& data) {
    const double ui = 1.0 / fb;
    BuiltChannel b;
    std::shared_ptr<channel::ChannelResponse> ch;
    double span_s = 256 * ui;
    if (!cc.touchstone.empty()) {
        std::vector<channel::DiffNetwork> nets;
        for (std::size_t i = 0; i < cc.touchstone.size(); ++i) {
            const auto& file = cc.touchstone[i];
            const auto& ts = *data[i];  // the cached data, not a copy
            std::string pspec;
            if (cc.ports.size() == 1) pspec = cc.ports[0];
            if (cc.ports.size() > 1) pspec = cc.ports[i];
            channel::DiffPairing pairing{};
            std::string report;
            if (ts.ports == 2) {
                report = file + ": 2-port file, taken as a differential through 1 -> 2";
            } else if (pspec.empty() || pspec == "auto") {
                pairing = channel::detect_pairing(ts, report);
                report = file + ": " + report;
            } else {
                pairing = channel::parse_pairing(pspec, ts.ports);
                report = file + ": port pairing set by hand: " + pairing.text();
                if (ts.ports == 4) {  // say so when the data's through paths disagree
                    try {
                        std::string det_report;
                        const auto det = channel::detect_pairing(ts, det_report);
                        if (det.spec() != pairing.spec())
                            b.info.pairing_reports.push_back(
                                "warning: " + file + ": the through paths in the data suggest " +
                                det.spec() + ", not the " + pairing.spec() + " given (" + det_report + ")");
                    } catch (const ModelError&) {
                        // no clear through path (e.g. a crosstalk file): nothing to compare
                    }
                }
            }
            b.info.pairing_reports.push_back(report);
            b.info.pairing_specs.push_back(ts.ports == 2 ? std::string() : pairing.spec());
            nets.push_back(channel::to_differential(ts, pairing));
            for (const auto& w : ts.warnings)
                b.info.pairing_reports.push_back(w.rfind(file, 0) == 0 ? w : file + ": " + w);
        }
        const auto net = nets.size() == 1 ? nets[0] : channel::cascade(nets);
        if (!net.f_hz.empty() && net.f_hz.front() > fb / 20) {
            const std::string msg = str(
                "channel data start at ", net.f_hz.front() / 1e9, " GHz, above fb/20 = ", fb / 20e9,
                " GHz: everything below would be extrapolated from there");
            if (!cc.allow_below_nyquist) throw ModelError(msg);
            b.info.pairing_reports.push_back("warning: " + msg);
        }
        ch = std::make_shared<channel::ChannelResponse>(channel::make_response(net));
        for (std::size_t k = 0; k < net.f_hz.size(); ++k) {
            b.info.f_hz.push_back(net.f_hz[k]);
            b.info.sdd21.push_back(net.sdd[k](1, 0));
        }
        if (ch->f_max_hz() < fb / 2) {
            const std::string msg = str("channel data end at ", ch->f_max_hz() / 1e9,
                                        " GHz, below the Nyquist frequency ", fb / 2e9,
                                        " GHz of signal.symbol_rate; the response there is unknown");
            if (!cc.allow_below_nyquist) throw ModelError(msg);
            b.info.pairing_reports.push_back("warning: " + msg);
            b.below_nyquist = true;
        }
        span_s = std::max(span_s, std::min(ch->natural_span_s(), channel::kMaxSpanS));
    } else if (cc.loss_at_nyquist_db > 0) {
        ch = std::make_shared<channel::ChannelResponse>(
            channel::synthetic_channel(cc.loss_at_nyquist_db, fb / 2));
        span_s = std::max(span_s, std::min(ch->natural_span_s(), channel::kMaxSpanS));
    } else {
        ch = std::make_shared<channel::ChannelResponse>(channel::ideal_channel());
    }
    b.info.description = ch->description();
    b.info.loss_at_nyquist_db =
        b.below_nyquist ? std::nan("") : -lin_to_db20(std::abs((*ch)(fb / 2)));
    b.info.dc_gain = std::abs((*ch)(0.0));
    if (b.info.f_hz.empty()) {  // synthetic/ideal: tabulate for the output file
        for (int k = 0; k <= 400; ++k) {
            const double f = k * (2.0 * fb) / 400;
            b.info.f_hz.push_back(f);
            b.info.sdd21.push_back((*ch)(f));
        }
    }

    b.ch = ch;
    b.span_s = span_s;
    return b;
}

/// What build_channel reads: the files' parsed data (by identity: read_touchstone_shared hands out
/// one object per file version), the names and pairings as given, and the scalars.
struct ChannelKey {
    std::vector<std::shared_ptr<const channel::Touchstone>> data;
    std::vector<std::string> files, ports;
    double loss_db = 0, fb = 0;
    bool allow_below = false;
    bool operator==(const ChannelKey& o) const noexcept {
        if (data.size() != o.data.size()) return false;
        for (std::size_t i = 0; i < data.size(); ++i)
            if (data[i].get() != o.data[i].get()) return false;
        return files == o.files && ports == o.ports && same_bits(loss_db, o.loss_db) && same_bits(fb, o.fb) &&
               allow_below == o.allow_below;
    }
};

/// The TX edge times the channel, rise(f_k) H(f_k), on the grid f_k = k / (n dt), k <= n/2: the
/// part of the fused response a CTLE or AFE sweep does not change.
struct SpectrumKey {
    std::shared_ptr<const channel::ChannelResponse> ch;
    double rise_s = 0, dt_s = 0;
    std::size_t n = 0;
    bool operator==(const SpectrumKey& o) const noexcept {
        return ch.get() == o.ch.get() && same_bits(rise_s, o.rise_s) && same_bits(dt_s, o.dt_s) && n == o.n;
    }
};

}  // namespace

Link::Link(LinkSpec spec) : spec_(std::move(spec)) {
    prepare_spec();
    build_response();
    design();
}

void Link::prepare_spec() {
    validate(spec_);
    levels_ = levels_of(spec_.signal.modulation);
    spec_.signal.pattern.levels = levels_;
    spec_.signal.pattern.seed = spec_.sim.seed;
    spec_.rx.ctle = rx::resolve(spec_.rx.ctle, spec_.signal.symbol_rate_bd);
}

// Reads (of the spec) only what response_key() holds: the channel, the optics, the symbol rate,
// sim.samples_per_ui, the TX FFE taps, swing and rise time, the CTLE and the AFE bandwidth.
void Link::build_response() {
    const double fb = spec_.signal.symbol_rate_bd;
    const int M = spec_.sim.samples_per_ui;
    const double ui = 1.0 / fb, dt = ui / M;

    // ---- channel (the same files and settings as a recent link: its result, not built again) --
    std::vector<std::shared_ptr<const channel::Touchstone>> data;
    for (const auto& file : spec_.channel.touchstone) data.push_back(channel::read_touchstone_shared(file));
    static RecentResults<ChannelKey, BuiltChannel> channels(4);
    const auto built = channels.get(
        ChannelKey{data, spec_.channel.touchstone, spec_.channel.ports, spec_.channel.loss_at_nyquist_db, fb,
                   spec_.channel.allow_below_nyquist},
        [&] { return build_channel(spec_.channel, fb, data); });
    const auto ch = built->ch;
    channel_ = built->info;
    below_nyquist_ = built->below_nyquist;
    double span_s = built->span_s;  // an optical far channel may extend it
    h_channel_ = [ch](double f) { return (*ch)(f); };

    // ---- optical front end (LPO/CPO): linearised into response(), streamed by OpticsWave ------
    if (spec_.optics.enabled()) {
        const auto far = detail::far_channel(spec_.optics.far, fb, span_s);
        span_s_ = span_s;
        // the responses are kept by the model: captured by value (a Link may be moved)
        const double rise = spec_.tx.rise_time_s, afe = spec_.rx.afe_bandwidth_hz;
        const auto ctle = spec_.rx.ctle;
        const auto hc = h_channel_;
        optics_ = detail::build_optics(
            spec_, dt,
            [this](const detail::Response& h, std::vector<double>& imp, std::vector<double>& pul,
                   double& t0) {
                double outside = 0;
                time_response(h, imp, pul, t0, outside);
            },
            [rise, hc](double f) { return tx::rise_time_response(rise, f) * hc(f); },
            [far, ctle, afe](double f) {
                return far(f) * rx::ctle_response(ctle, f) * rx::butterworth4_response(afe, f);
            },
            tx::ffe_taps(spec_.tx), spec_.tx.swing_v / 2);
        sigma_opt_ = optics_->noise_sigma_v;
        optics_info_ = {true,
                        optics_->gain,
                        optics_->drive_amplitude_v,
                        optics_->y_zero_v,
                        optics_->spec.tia.input_offset_a,
                        optics_->noise_sigma_v,
                        optics_->chain_delay};
    }

    // ---- fused linear response and pulse ---------------------------------------------------
    span_s_ = span_s;
    if (optics_) {
        time_response([this](double f) { return response(f); }, impulse_, pulse_, t0_s_, trunc_energy_);
    } else {
        // response(f) on the FFT grid, ((rise x channel) x CTLE) x AFE, with rise x channel kept
        // from a recent link on the same grid (a CTLE or AFE sweep rebuilds only the rest)
        const std::size_t n = response_fft_size();
        const double df = 1.0 / (static_cast<double>(n) * dt_s());
        const double rise = spec_.tx.rise_time_s;
        static RecentResults<SpectrumKey, std::vector<std::complex<double>>> spectra(2);
        const auto a = spectra.get(SpectrumKey{ch, rise, dt_s(), n}, [&] {
            std::vector<std::complex<double>> v(n / 2 + 1);
            for (std::size_t k = 0; k < v.size(); ++k) {
                const double f = static_cast<double>(k) * df;
                v[k] = tx::rise_time_response(rise, f) * (*ch)(f);
            }
            return v;
        });
        std::vector<std::complex<double>> hk(*a);
        rx::apply_ctle_afe(spec_.rx.ctle, spec_.rx.afe_bandwidth_hz, df, hk);
        time_response_samples(std::move(hk), n, impulse_, pulse_, t0_s_, trunc_energy_);
    }

    // ---- symbol pulse: FFE and swing applied ------------------------------------------------
    ffe_ = tx::ffe_taps(spec_.tx);
    const double half = spec_.tx.swing_v / 2;
    sym_pulse_.assign(pulse_.size() + (ffe_.size() - 1) * static_cast<std::size_t>(M), 0.0);
    for (std::size_t k = 0; k < ffe_.size(); ++k)
        for (std::size_t i = 0; i < pulse_.size(); ++i)
            sym_pulse_[i + k * M] += half * ffe_[k] * pulse_[i];
    // Largest sum of |p| over the symbol-spaced samples of a pulse (at its worst phase) [V].
    auto peak_distortion = [M](const std::vector<double>& p) {
        double pd_max = 0;
        for (int m = 0; m < M; ++m) {
            double pd = 0;
            for (std::size_t i = static_cast<std::size_t>(m); i < p.size(); i += static_cast<std::size_t>(M))
                pd += std::abs(p[i]);
            pd_max = std::max(pd_max, pd);
        }
        return pd_max;
    };
    {   // Bound the worst-case slicer amplitude (peak distortion): keeps the eye's fixed-point
        // sums and the statistical eye's grid indices far from overflow (docs/user-guide.md).
        const double pd_max = peak_distortion(sym_pulse_);
        if (!(pd_max <= kMaxSlicerAmplitudeV))
            throw ModelError(str("the worst-case signal at the slicer (sum of |pulse| over the "
                                 "symbols) is ", pd_max, " V, above the ", kMaxSlicerAmplitudeV,
                                 " V sisim accepts: check tx.swing, tx.ffe and the channel data "
                                 "(|S21| >> 1?)"));
        if (!(pd_max > 0))
            throw ModelError("the pulse response at the slicer is zero: nothing gets through the "
                             "channel, CTLE and AFE");
    }

    // ---- crosstalk aggressors ------------------------------------------------------------------
    for (std::size_t a = 0; a < spec_.channel.crosstalk.size(); ++a) {
        Aggressor ag;
        ag.file = spec_.channel.crosstalk[a];
        const auto ts_data = channel::read_touchstone_shared(ag.file);
        const auto& ts = *ts_data;
        std::string pspec;
        if (spec_.channel.crosstalk_ports.size() == 1) pspec = spec_.channel.crosstalk_ports[0];
        if (spec_.channel.crosstalk_ports.size() > 1) pspec = spec_.channel.crosstalk_ports[a];
        if (pspec.empty() || pspec == "auto" || pspec == "victim")
            pspec = channel_.pairing_specs.empty() || channel_.pairing_specs[0].empty()
                        ? std::string("1,3,2,4")
                        : channel_.pairing_specs[0];
        channel::DiffPairing pairing{};
        if (ts.ports != 2) pairing = channel::parse_pairing(pspec, ts.ports);
        ag.pairing = ts.ports == 2 ? std::string() : pairing.spec();
        const auto xr = std::make_shared<channel::ChannelResponse>(
            channel::make_response(channel::to_differential(ts, pairing)));
        if (xr->f_max_hz() < fb / 2)
            throw ModelError(str(ag.file, ": crosstalk data end at ", xr->f_max_hz() / 1e9,
                                 " GHz, below the Nyquist frequency ", fb / 2e9, " GHz"));
        ag.loss_at_nyquist_db = -lin_to_db20(std::abs((*xr)(fb / 2)));
        if (std::isfinite(channel_.loss_at_nyquist_db) &&
            ag.loss_at_nyquist_db < channel_.loss_at_nyquist_db + 15)
            channel_.pairing_reports.push_back(str(
                "warning: ", ag.file, ": crosstalk path loses only ", ag.loss_at_nyquist_db,
                " dB at Nyquist, within 15 dB of the through path (", channel_.loss_at_nyquist_db,
                " dB): check channel.crosstalk_ports (pairing ", ag.pairing, ")"));
        std::vector<double> ximp, xpul;
        double xt0 = 0, xout = 0;
        time_response(
            [this, xr](double f) {
                return tx::rise_time_response(spec_.tx.rise_time_s, f) * (*xr)(f) *
                       rx::ctle_response(spec_.rx.ctle, f) *
                       rx::butterworth4_response(spec_.rx.afe_bandwidth_hz, f);
            },
            ximp, xpul, xt0, xout);
        // Into the victim's sample frame modulo one UI (the aggressor's data are independent,
        // so a whole-UI offset only renames its symbols).
        const long shift = std::lround((xt0 - t0_s_) / dt);
        const long r = ((shift % M) + M) % M;
        ag.pulse.assign(static_cast<std::size_t>(r) + xpul.size() + (ffe_.size() - 1) * M, 0.0);
        for (std::size_t k = 0; k < ffe_.size(); ++k)
            for (std::size_t i = 0; i < xpul.size(); ++i)
                ag.pulse[static_cast<std::size_t>(r) + i + k * M] += half * ffe_[k] * xpul[i];
        const double xpd = peak_distortion(ag.pulse);  // same bound as the victim's pulse
        if (!(xpd <= kMaxSlicerAmplitudeV))
            throw ModelError(str(ag.file, ": the worst-case crosstalk at the slicer is ", xpd,
                                 " V, above the ", kMaxSlicerAmplitudeV, " V sisim accepts"));
        aggressors_.push_back(std::move(ag));
    }
}

// Everything that depends on more than the response: noise, sampling phase, eye range, engine
// and receiver design. Link(spec) and with() both end here.
void Link::design() {
    const double fb = spec_.signal.symbol_rate_bd;
    const int M = spec_.sim.samples_per_ui;
    const double half = spec_.tx.swing_v / 2;

    // ---- noise at the slicer ------------------------------------------------------------------
    const bool tx_noise = spec_.tx.snr_db > 0 && std::isfinite(spec_.tx.snr_db);
    const bool com_tx_noise = tx_noise && spec_.tx.snr_model == "com";
    // eq. 93A-30: sigma_TX^2 = h0^2 10^(-SNR_TX/10), h0 the main cursor at the sampler
    const double com_ratio = com_tx_noise ? db20_to_lin(-spec_.tx.snr_db) : 0.0;
    sigma_tx_ = tx_noise && !com_tx_noise ? half * db20_to_lin(-spec_.tx.snr_db) : 0.0;
    {   // rx noise: white in 0..B with rms noise_rms at the input, shaped by CTLE and AFE
        const double bw = spec_.rx.noise_bandwidth_hz > 0 ? spec_.rx.noise_bandwidth_hz : fb / 2;
        sigma_rx_out_ = spec_.rx.noise_rms_v * rx::white_noise_rms_gain(spec_.rx.ctle, spec_.rx.afe_bandwidth_hz, bw);
    }

    // ---- sampling phase: maximise the inner eye opening at the target BER ---------------------
    const int N = levels_;
    const double ea2 = (N + 1.0) / (3.0 * (N - 1.0));  // E[a^2] of uniform PAM-N levels in [-1,1]
    const double q = q_inverse(spec_.eye.target_ber);
    const long L = static_cast<long>(sym_pulse_.size());
    // Per-phase energies (signal and crosstalk), so each candidate costs O(1).
    std::vector<double> e_sym(static_cast<std::size_t>(M), 0.0), e_xt(static_cast<std::size_t>(M), 0.0);
    for (long m = 0; m < M; ++m)  // each phase's sum in increasing i, as a single pass would
        for (long i = m; i < L; i += M)
            e_sym[static_cast<std::size_t>(m)] += sym_pulse_[static_cast<std::size_t>(i)] * sym_pulse_[static_cast<std::size_t>(i)];
    for (const auto& ag : aggressors_)
        for (std::size_t i = 0; i < ag.pulse.size(); ++i) e_xt[i % static_cast<std::size_t>(M)] += ag.pulse[i] * ag.pulse[i];
    std::vector<double> score(static_cast<std::size_t>(L));
    double best = -INFINITY;
    for (long c = 0, mc = 0; c < L; ++c, mc = mc + 1 == M ? 0 : mc + 1) {
        const std::size_t m = static_cast<std::size_t>(mc);
        const double main = sym_pulse_[static_cast<std::size_t>(c)];
        const double isi2 = std::max(0.0, e_sym[m] - main * main);
        // TX noise rides the symbols: it sees the whole symbol-spaced pulse at this phase.
        const double sig = std::sqrt(ea2 * (isi2 + e_xt[m]) + sigma_rx_out_ * sigma_rx_out_ +
                                     main * main * com_ratio * com_ratio +
                                     (sigma_tx_ / half) * (sigma_tx_ / half) * e_sym[m]);
        score[static_cast<std::size_t>(c)] = std::abs(main) / (N - 1) - q * sig;
        best = std::max(best, score[static_cast<std::size_t>(c)]);
    }
    // Among (numerically) equal best scores take the middle of the plateau, e.g. the centre of a
    // flat-topped pulse rather than its first sample.
    {
        const double tol = 1e-9 * std::max(1e-30, std::abs(best));
        long first = 0;
        while (score[static_cast<std::size_t>(first)] < best - tol) ++first;
        long last = first;
        while (last + 1 < L && score[static_cast<std::size_t>(last + 1)] >= best - tol) ++last;
        set_cursor(static_cast<int>((first + last) / 2), com_ratio);
    }
    // The Gaussian proxy above is a first guess. The statistical eye (exact ISI, crosstalk and
    // noise distribution, computed for the output anyway) then picks, within half a UI of it,
    // the phase that maximises the smallest sub-eye height at the target BER.
    {
        // A recovered clock follows sinusoidal jitter: choose its design phase without SJ (with
        // large SJ the fixed-clock eye is closed at every phase and the choice would be noise).
        const double sj_keep = spec_.tx.sj_amp_ui;
        if (spec_.rx.cdr_model != "ideal") spec_.tx.sj_amp_ui = 0;
        const auto se = statistical_eye(*this, spec_.eye.target_ber);
        spec_.tx.sj_amp_ui = sj_keep;
        const int nsub = N - 1, tb = 2 * M;
        auto inner = [&](int b) {
            double v = INFINITY;
            for (int s = 0; s < nsub; ++s)
                v = std::min(v, se.height_vs_time_v[static_cast<std::size_t>(s * tb + b)]);
            return v;
        };
        int best_b = M;
        double best_v = inner(M);
        for (int b = M - M / 2; b <= M + M / 2; ++b) {
            const double v = inner(b);
            if (std::isfinite(v) && (!std::isfinite(best_v) || v > best_v + 1e-12 * std::abs(main_cursor_v()))) {
                best_v = v;
                best_b = b;
            }
        }
        phase_gain_v_ = std::isfinite(best_v) && std::isfinite(inner(M)) ? best_v - inner(M) : 0.0;
        if (best_b != M) set_cursor(cursor_ + best_b - M, com_ratio);
        else if (!(spec_.rx.cdr_model != "ideal" && sj_keep > 0)) design_eye_ = se;  // reused by run()
    }

    // ---- eye voltage range -------------------------------------------------------------------
    if (spec_.eye.voltage_range_v > 0) {
        eye_range_ = spec_.eye.voltage_range_v;
    } else {
        double r = 0;
        for (int m = 0; m < M; ++m) {
            double pd = 0, s2 = 0, peak = 0;
            for (long i = m; i < L; i += M) {
                const double v = sym_pulse_[static_cast<std::size_t>(i)];
                pd += std::abs(v);
                s2 += v * v;
                peak = std::max(peak, std::abs(v));
            }
            r = std::max(r, std::min(pd, peak + 6 * std::sqrt(ea2 * s2)));
        }
        double sn2 = sigma_rx_out_ * sigma_rx_out_ + sigma_tx_ * sigma_tx_ +
                     sigma_tx_com_ * sigma_tx_com_;
        for (const auto& ag : aggressors_) sn2 += ag.sigma_v * ag.sigma_v;
        const double sn = std::sqrt(sn2);
        eye_range_ = 1.1 * r + 6 * sn;
    }
    linear_ = !spec_.retimed_input && (spec_.sim.engine == "superposition" ||
                                       (spec_.sim.engine == "auto" && !tx::has_jitter(spec_.tx)));
    rx_ = design_receiver(*this);
}

void Link::set_cursor(int c, double com_ratio) {
    const int M = spec_.sim.samples_per_ui;
    const int N = levels_;
    const double ea2 = (N + 1.0) / (3.0 * (N - 1.0));
    cursor_ = c;
    for (auto& ag : aggressors_) {  // rms crosstalk at the chosen phase, random data
        double x2 = 0;
        for (std::size_t i = static_cast<std::size_t>(cursor_ % M); i < ag.pulse.size(); i += M)
            x2 += ag.pulse[i] * ag.pulse[i];
        ag.sigma_v = std::sqrt(ea2 * x2);
    }
    const double main = sym_pulse_[static_cast<std::size_t>(cursor_)];
    sigma_tx_com_ = std::abs(main) * com_ratio;
    thresholds_.clear();
    for (int i = 0; i + 1 < N; ++i)
        thresholds_.push_back(main * 0.5 * (level_value(i) + level_value(i + 1)));
}

std::size_t Link::response_fft_size() const {
    std::size_t n = dsp::good_fft_size(static_cast<std::size_t>(std::ceil(span_s_ / dt_s())));
    while (n % 2) n = dsp::good_fft_size(n + 1);
    return n;
}

void Link::time_response(const std::function<std::complex<double>(double)>& h,
                         std::vector<double>& impulse, std::vector<double>& pulse, double& t0_s,
                         double& outside) const {
    const std::size_t n = response_fft_size();
    std::vector<std::complex<double>> hk(n / 2 + 1);
    const double df = 1.0 / (static_cast<double>(n) * dt_s());
    for (std::size_t k = 0; k < hk.size(); ++k) hk[k] = h(static_cast<double>(k) * df);
    time_response_samples(std::move(hk), n, impulse, pulse, t0_s, outside);
}

void Link::time_response_samples(std::vector<std::complex<double>> hk, std::size_t n,
                                 std::vector<double>& impulse, std::vector<double>& pulse, double& t0_s,
                                 double& outside) const {
    const int M = spec_.sim.samples_per_ui;
    const double dt = dt_s();
    const auto full = dsp::impulse_from_samples(std::move(hk), n);
    std::vector<double> fpulse(n, 0.0);
    {   // pulse = impulse * 1-UI rectangle by the trapezoid rule: p[i] = h[i]/2 + h[i-1] + ...
        // + h[i-M+1] + h[i-M]/2, i.e. the integral of h over [t_i - T, t_i], so the pulse is
        // centred at T/2 (a right-endpoint sum would put it half a sample early).
        // every index below is < 2n: a compare instead of the division of i % n (same values)
        const auto at = [&](std::size_t i) { return full[i >= n ? i - n : i]; };
        double run = 0;  // sum of h[i-M+1 .. i-1]
        for (std::size_t r = 1; r < static_cast<std::size_t>(M); ++r) run += at(n - r);
        for (std::size_t i = 0; i < n; ++i) {
            fpulse[i] = run + 0.5 * (at(i) + at(i + n - static_cast<std::size_t>(M)));
            run += at(i) - at(i + n + 1 - static_cast<std::size_t>(M));
        }
    }
    long start = 0, len = 0;
    pulse_window(fpulse, M, start, len, outside);
    const long nl = static_cast<long>(n);
    pulse.resize(static_cast<std::size_t>(len));
    impulse.resize(static_cast<std::size_t>(len));
    for (long i = 0; i < len; ++i) {
        const long j = (((start + i) % nl) + nl) % nl;
        pulse[static_cast<std::size_t>(i)] = fpulse[static_cast<std::size_t>(j)];
        impulse[static_cast<std::size_t>(i)] = full[static_cast<std::size_t>(j)];
    }
    // index 0 was sample `start` of the circular buffer (the second half is negative time)
    long s_signed = ((start % nl) + nl) % nl;
    if (s_signed > nl / 2) s_signed -= nl;
    t0_s = static_cast<double>(s_signed) * dt;
}

void Link::channel_time_response(std::vector<double>& impulse, std::vector<double>& pulse,
                                 double& t0_s) const {
    double outside = 0;
    time_response(h_channel_, impulse, pulse, t0_s, outside);
    for (auto& v : impulse) v /= dt_s();  // continuous h(t) [1/s]
}

Link::~Link() = default;
Link::Link(Link&&) noexcept = default;
Link& Link::operator=(Link&&) noexcept = default;

namespace {

/// Every field of a spec that Link::build_response reads, as raw bytes (the CTLE resolved from
/// the symbol rate as the link resolves it): equal keys give the same response bit for bit.
std::string response_key(const LinkSpec& s) {
#if defined(__x86_64__) && defined(__GLIBCXX__)
    static_assert(sizeof(ChannelConfig) == 112, "ChannelConfig changed: add the new field to response_key");
    static_assert(sizeof(rx::CtleConfig) == 80, "CtleConfig changed: add the new field to response_key");
#endif
    std::string k;
    auto num = [&](auto x) { k.append(reinterpret_cast<const char*>(&x), sizeof x); };
    auto text = [&](const std::string& t) { num(t.size()), k.append(t); };
    auto texts = [&](const std::vector<std::string>& v) {
        num(v.size());
        for (const auto& t : v) text(t);
    };
    const auto& c = s.channel;
    texts(c.touchstone), texts(c.ports), num(c.loss_at_nyquist_db), texts(c.crosstalk);
    texts(c.crosstalk_ports), num(c.allow_below_nyquist);
    const auto ctle = rx::resolve(s.rx.ctle, s.signal.symbol_rate_bd);
    text(ctle.model), num(ctle.gdc_db), num(ctle.gdc2_db), num(ctle.fz_hz), num(ctle.fp1_hz);
    num(ctle.fp2_hz), num(ctle.flf_hz);
    num(s.rx.afe_bandwidth_hz), num(s.signal.symbol_rate_bd), num(s.sim.samples_per_ui);
    num(s.tx.swing_v), num(s.tx.rise_time_s);
    const auto ffe = tx::ffe_taps(s.tx);
    num(ffe.size());
    k.append(reinterpret_cast<const char*>(ffe.data()), ffe.size() * sizeof(double));
    return k;
}

}  // namespace

bool Link::reusable_for(const LinkSpec& s) const {
    // The optical model holds the seed and the noise of its stages: never shared.
    if (spec_.optics.enabled() || s.optics.enabled() || optics_) return false;
    return response_key(s) == response_key(spec_);
}

Link Link::with(LinkSpec spec) const {
    if (!reusable_for(spec))
        throw std::invalid_argument("Link::with: the spec changes the link's response (channel, "
                                    "TX FFE/swing/rise time, CTLE, AFE, rate or optics)");
    return Link(*this, std::move(spec));
}

Link::Link(const Link& base, LinkSpec spec)
    : span_s_(base.span_s_),
      below_nyquist_(base.below_nyquist_),
      spec_(std::move(spec)),
      channel_(base.channel_),
      h_channel_(base.h_channel_),
      impulse_(base.impulse_),
      pulse_(base.pulse_),
      sym_pulse_(base.sym_pulse_),
      ffe_(base.ffe_),
      t0_s_(base.t0_s_),
      trunc_energy_(base.trunc_energy_),
      aggressors_(base.aggressors_) {
    prepare_spec();
    design();
}

std::complex<double> Link::channel_response(double f) const { return h_channel_(f); }

std::complex<double> Link::response(double f) const {
    if (optics_) return optics_->response(f);
    return tx::rise_time_response(spec_.tx.rise_time_s, f) * h_channel_(f) *
           rx::ctle_response(spec_.rx.ctle, f) *
           rx::butterworth4_response(spec_.rx.afe_bandwidth_hz, f);
}

}  // namespace si::sim

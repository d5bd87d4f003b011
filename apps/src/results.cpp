#include "results.hpp"

#include "si/sim/optical_probe.hpp"
#include "tdecq_command.hpp"

#include <chrono>
#include <cmath>
#include <ctime>

#include "si/channel/network.hpp"
#include "si/channel/response.hpp"
#include "si/channel/touchstone.hpp"
#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/sim/stateye.hpp"

namespace sisim {

const char* const kVersion = "0.1.0";

void write_root_attrs(si::io::H5Group root, const std::string& command_line,
                      const std::string& config_text, std::uint64_t seed) {
    root.attr("schema_version", static_cast<std::int64_t>(kSchemaVersion));
    root.attr("sisim_version", kVersion);
    const std::time_t now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    root.attr("created_utc", std::string(buf));
    root.attr("command_line", command_line);
    root.attr("config", config_text);
    root.attr("seed", seed);
}

void write_channel(si::io::H5Group root, const si::sim::Link& link, bool with_responses) {
    auto g = root.group("channel");
    const auto& ch = link.channel();
    if (!g.recorded()) {  // a recorded result keeps no datasets (h5.hpp)
        g.write("frequency_hz", std::span<const double>(ch.f_hz), {}, "Hz");
        g.write("sdd21", std::span<const std::complex<double>>(ch.sdd21), {}, "");
        std::vector<double> il(ch.sdd21.size());
        for (std::size_t i = 0; i < il.size(); ++i) il[i] = -si::lin_to_db20(std::abs(ch.sdd21[i]));
        g.write("insertion_loss_db", std::span<const double>(il), {}, "dB");
    }
    g.attr("description", ch.description);
    std::string rep;
    for (const auto& r : ch.pairing_reports) rep += r + "\n";
    g.attr("pairing", rep);
    g.attr("loss_at_nyquist_db", ch.loss_at_nyquist_db);
    g.attr("nyquist_hz", link.spec().signal.symbol_rate_bd / 2);
    g.attr("dc_gain", ch.dc_gain);
    if (!link.aggressors().empty()) {
        auto x = g.group("crosstalk");
        std::vector<double> loss, sig;
        std::string files;
        for (const auto& a : link.aggressors()) {
            loss.push_back(a.loss_at_nyquist_db);
            sig.push_back(a.sigma_v);
            files += a.file + " (" + a.pairing + ")\n";
        }
        x.attr("files", files);
        x.attr("loss_at_nyquist_db", loss);
        x.attr("rms_at_slicer_v", sig);
        x.attr("note", "each aggressor: independent uniform random symbols through the victim's TX "
                       "(swing, FFE, rise time), its SDD21 and the victim's CTLE/AFE");
    }

    if (!with_responses) return;
    // Channel-only impulse and pulse responses at the link's dt (1-UI rectangle of height 1).
    const double dt = link.dt_s();
    const int M = link.spec().sim.samples_per_ui;
    std::vector<double> imp, pul;
    double t0 = 0;
    link.channel_time_response(imp, pul, t0);
    auto di = g.write("impulse_response", std::span<const double>(imp), {}, "1/s");
    di.attr("dt_s", dt);
    di.attr("t0_s", t0);
    di.attr("note", "continuous impulse response h(t) sampled at t0 + n dt (taps / dt)");
    auto dp = g.write("pulse_response", std::span<const double>(pul), {}, "V/V");
    dp.attr("dt_s", dt);
    dp.attr("t0_s", t0);
    dp.attr("samples_per_ui", static_cast<std::int64_t>(M));
    dp.attr("ui_s", link.ui_s());
}

std::string channel_report(si::io::H5Group root, const si::sim::Link& link) {
    const auto& sp = link.spec();
    std::string text;
    auto g = root.group("channel");
    std::vector<double> il, smax, acaus;
    std::int64_t all_passive = 1, all_causal = 1;
    for (std::size_t i = 0; i < sp.channel.touchstone.size(); ++i) {
        const auto ts = si::channel::read_touchstone(sp.channel.touchstone[i]);
        si::channel::DiffPairing p{};
        const auto& spec = link.channel().pairing_specs[i];
        if (!spec.empty()) p = si::channel::parse_pairing(spec, ts.ports);
        const auto rep = si::channel::make_report(ts, p, sp.signal.symbol_rate_bd / 2, link.dt_s());
        text += rep.text();
        il.push_back(rep.loss_db_at_nyquist);
        smax.push_back(rep.max_singular);
        acaus.push_back(rep.acausal_energy_fraction);
        all_passive &= rep.passive ? 1 : 0;
        all_causal &= rep.causal ? 1 : 0;
    }
    if (sp.channel.touchstone.size() > 1)
        text += si::str("cascade of ", sp.channel.touchstone.size(), " files: loss at ",
                        sp.signal.symbol_rate_bd / 2e9, " GHz = ", link.channel().loss_at_nyquist_db,
                        " dB\n");
    g.attr("file_loss_at_nyquist_db", il);
    g.attr("file_max_singular_value", smax);
    g.attr("file_acausal_energy_fraction", acaus);
    g.attr("passive", all_passive);
    g.attr("causal", all_causal);
    g.attr("report", text);
    return text;
}

namespace {
/// /ber's counts (single-hop, a hop's, or end to end).
si::io::H5Group write_ber_counts(si::io::H5Group root, const si::analysis::BerCounts& c, double target_ber) {
    auto g = root.group("ber");
    g.attr("symbols_compared", c.symbols_compared);
    g.attr("symbol_errors", c.symbol_errors);
    g.attr("bit_errors", c.bit_errors);
    g.attr("ser", c.ser());
    g.attr("ber", c.ber());
    g.attr("target_ber", target_ber);
    return g;
}
/// /rx (receiver DSP design and final state), /eye/dsp (detector input), /cdr (clock recovery).
void write_receiver(si::io::H5Group root, const si::sim::Link& link, const si::sim::RunResult& r) {
    const auto& rd = link.receiver();
    const auto& rr = r.rx;
    {
        auto g = root.group("rx");
        g.attr("detector", rd.detector);
        g.attr("clock", link.spec().rx.cdr_model);
        g.attr("gain", rd.gain);
        g.attr("adc_bits", static_cast<std::int64_t>(rd.adc.bits));
        g.attr("adc_full_scale_v", rd.adc.bits > 0 ? rd.adc.full_scale_v : 0.0);
        g.attr("adc_clipped", rr.adc_clipped);
        g.attr("detector_main_cursor", rd.detector_main);
        g.attr("detector_sigma", rd.detector_sigma);
        g.attr("detector_thresholds", rd.detector_thresholds);
        g.attr("delay_ui", static_cast<std::int64_t>(rd.delay_ui));
        g.attr("training_symbols", rr.training_symbols);
        g.attr("units", "taps: FFE [1/V] (output normalised to the main cursor), DFE normalised to "
                        "the main cursor; detector values in detector units (V without an FFE)");
        if (rd.ffe.taps > 0) {
            auto d = g.write("ffe_taps", std::span<const double>(rr.ffe_taps), {}, "1/V");
            d.attr("mode", rd.ffe.mode);
            d.attr("pre", static_cast<std::int64_t>(rd.ffe.pre));
            d.attr("note", "final taps (after training, last segment); ffe_taps_design: solved/given");
            g.write("ffe_taps_design", std::span<const double>(rd.ffe_taps), {}, "1/V");
        }
        if (!rd.dfe_taps.b.empty()) {
            auto d = g.write("dfe_taps", std::span<const double>(rr.dfe_taps), {}, "");
            d.attr("mode", rd.dfe.mode);
            std::vector<std::int64_t> dl(rr.dfe_delays.begin(), rr.dfe_delays.end());
            g.write("dfe_delays_ui", std::span<const std::int64_t>(dl), {}, "UI");
            g.write("dfe_taps_design", std::span<const double>(rd.dfe_taps.b), {}, "");
        }
        if (!rd.mlse_target.empty()) {
            auto d = g.write("mlse_target", std::span<const double>(rd.mlse_target), {}, "");
            d.attr("traceback_ui", static_cast<std::int64_t>(rd.mlse.traceback));
        }
        g.write("equalized_pulse", std::span<const double>(rd.equalized), {}, "detector units");
        g.attr("equalized_cursor", static_cast<std::int64_t>(rd.eq_cursor));
    }
    if (rr.dsp_eye) {
        auto g = root.group("eye/dsp");
        const auto& e = *rr.dsp_eye;
        std::vector<std::uint64_t> lh;
        for (int l = 0; l < e.levels(); ++l) {
            const auto s = e.level_histogram(l);
            // one column per UI: keep the sampling-instant column (time bin 0 of the window)
            const std::size_t nv = static_cast<std::size_t>(e.voltage_bins());
            const std::size_t nt = static_cast<std::size_t>(e.time_bins());
            for (std::size_t v = 0; v < nv; ++v) lh.push_back(s[v * nt + nt / 2]);
        }
        auto d = g.write("level_histogram", std::span<const std::uint64_t>(lh),
                         {static_cast<std::size_t>(e.levels()), static_cast<std::size_t>(e.voltage_bins())}, "count");
        d.attr("dims", "level, value");
        const auto v = e.voltage_axis_v();
        g.write("value", std::span<const double>(v), {}, "detector units");
        g.attr("probe", "detector input: FFE output less the DFE feedback (MLSE: its input)");
        g.attr("eye_height", rr.dsp_metrics.eye_height_v);
        g.attr("levels", rr.dsp_metrics.levels_v);
        g.attr("target_reached", static_cast<std::int64_t>(rr.dsp_metrics.target_reached));
        g.attr("ber_reached", rr.dsp_metrics.ber_reached);
        g.attr("eye_height_at_ber_reached", rr.dsp_metrics.eye_height_at_reached_v);
    }
    if (rr.cdr) {
        auto g = root.group("cdr");
        auto d = g.write("phase_ui", std::span<const float>(rr.phase_trace_ui), {}, "UI");
        d.attr("decimation_ui", rr.trace_decimation);
        d.attr("note", "phase-interpolator phase of segment 0 from its first sampled UI (training "
                       "included), every decimation_ui UI; 0 = the ideal sampling phase");
        const auto gn = si::rx::cdr_gains(rd.cdr_config);
        g.attr("model", rd.cdr_config.model);
        g.attr("kp", gn.kp);
        g.attr("ki", gn.ki);
        g.attr("pd_gain_per_ui", gn.pd_gain_per_ui);
        g.attr("bandwidth_hz_predicted", gn.bandwidth_hz);
        g.attr("frequency_offset_ppm", rd.cdr_config.frequency_offset_ppm);
        g.attr("locked", static_cast<std::int64_t>(rr.locked_fraction == 1.0));
        g.attr("locked_fraction", rr.locked_fraction);
        g.attr("lock_ui", rr.lock_ui);
        g.attr("mean_phase_ui", rr.mean_phase_ui);
        g.attr("predicted_lock_ui", rd.cdr_predicted_lock_ui);
        g.attr("eye_centering_offset_ui", rd.cdr_eye_centering_ui);
        g.attr("phase_offset_ui", rd.cdr_config.phase_offset_ui);
        g.attr("rms_jitter_ui", rr.rms_jitter_ui);
        g.attr("phase_slope_ppm", rr.phase_slope_ppm);
    }
}
}  // namespace

void write_run(si::io::H5Group root, const si::sim::Link& link, const si::sim::RunResult& r,
               bool with_pulse, bool with_ber, const std::vector<std::string>* warnings) {
    const auto& sp = link.spec();
    {
        auto g = root.group("pattern");
        auto d = g.write("symbols", std::span<const std::uint8_t>(r.first_symbols), {}, "level index");
        d.attr("note", "level indices 0..N-1 from the lowest to the highest level, as transmitted");
        g.attr("name", sp.signal.pattern.name == "file" ? sp.signal.pattern.file : sp.signal.pattern.name);
        g.attr("modulation", sp.signal.modulation);
        g.attr("levels", static_cast<std::int64_t>(link.levels()));
        g.attr("symbol_rate_bd", sp.signal.symbol_rate_bd);
        g.attr("gray", static_cast<std::int64_t>(sp.signal.pattern.gray));
        g.attr("precode", static_cast<std::int64_t>(sp.signal.pattern.precode));
    }
    if (with_pulse) {
        auto g = root.group("response");
        auto d = g.write("pulse_response", std::span<const double>(link.symbol_pulse()), {}, "V");
        d.attr("dt_s", link.dt_s());
        d.attr("t0_s", link.t0_s());
        d.attr("note", "one symbol of amplitude 1 (level +1) through TX FFE, swing/2, rise time, "
                       "channel, CTLE and AFE: the response the slicer sees");
        d.attr("cursor_index", static_cast<std::int64_t>(link.cursor_index()));
        auto i = g.write("impulse_response", std::span<const double>(link.impulse()), {}, "");
        i.attr("dt_s", link.dt_s());
        i.attr("t0_s", link.t0_s());
        i.attr("note", "taps of the fused linear chain (rise time, channel, CTLE, AFE) at dt_s");
        g.attr("main_cursor_v", link.main_cursor_v());
        g.attr("sampling_phase_ui", link.sampling_phase_ui());
        g.attr("latency_ui", static_cast<std::int64_t>(link.latency_ui()));
        g.attr("sampling_delay_s", link.sampling_delay_s());
        g.attr("truncated_energy", link.truncation_energy());
        g.attr("rx_noise_sigma_at_slicer_v", link.rx_noise_sigma_out_v());
        g.attr("tx_noise_sigma_v", link.tx_noise_sigma_v());
        g.attr("tx_noise_com_sigma_at_slicer_v", link.tx_noise_com_sigma_v());
        g.attr("tx_snr_model", link.spec().tx.snr_model);
        g.attr("architecture", link.spec().optics.architecture);
        if (const auto& oi = link.optics_info(); oi.enabled) {
            g.attr("optics_gain_v_per_v", oi.gain_v_per_v);
            g.attr("optics_drive_amplitude_v", oi.drive_amplitude_v);
            g.attr("optics_tia_offset_a", oi.tia_offset_a);
            g.attr("optics_noise_sigma_at_slicer_v", oi.noise_sigma_v);
        }
        g.attr("thresholds_v", link.thresholds());
        g.attr("engine", link.linear_path() ? "superposition" : "waveform");
        g.attr("phase_refinement_gain_v", link.phase_refinement_gain_v());
    }
    {
        auto g = root.group("eye/rx");
        const auto& e = *r.eye;
        const std::size_t nv = static_cast<std::size_t>(e.voltage_bins());
        const std::size_t nt = static_cast<std::size_t>(e.time_bins());
        if (!g.recorded()) {  // a recorded result keeps no datasets: the histograms are not built
            const auto h = e.histogram();
            auto hd = g.write("histogram", std::span<const std::uint64_t>(h), {nv, nt}, "count");
            hd.attr("dims", "voltage_v, time_ui");
            const auto t = e.time_axis_ui();
            const auto v = e.voltage_axis_v();
            g.write("time_ui", std::span<const double>(t), {}, "UI");
            g.write("voltage_v", std::span<const double>(v), {}, "V");
            std::vector<std::uint64_t> lh;
            for (int l = 0; l < e.levels(); ++l) {
                const auto s = e.level_histogram(l);
                lh.insert(lh.end(), s.begin(), s.end());
            }
            auto ld = g.write("level_histogram", std::span<const std::uint64_t>(lh),
                              {static_cast<std::size_t>(e.levels()), nv, nt}, "count");
            ld.attr("note", "histogram conditioned on the level index of the symbol at the centre");
        }
        g.attr("probe", "slicer input (after CTLE and AFE)");
        g.attr("clipped_samples", e.clipped());
        const auto& m = r.metrics;
        auto md = g.group("metrics");
        md.attr("eye_height_v", m.eye_height_v);
        md.attr("eye_width_ui", m.eye_width_ui);
        md.attr("levels_v", m.levels_v);
        md.attr("level_sigma_v", m.level_sigma_v);
        md.attr("thresholds_v", m.thresholds_v);
        md.attr("target_ber", m.target_ber);
        md.attr("rlm", m.rlm);
        md.attr("vec_db", m.vec_db);
        md.attr("tail_extrapolated", std::int64_t{0});  // schema 1 attribute: never extrapolated
        md.attr("method", m.method);
        {
            const auto& mh = r.metrics_histogram;
            auto hg = g.group("metrics_histogram");
            hg.attr("eye_height_v", mh.eye_height_v);
            hg.attr("eye_width_ui", mh.eye_width_ui);
            hg.attr("target_ber", mh.target_ber);
            hg.attr("tail_extrapolated", std::int64_t{0});  // schema 1: tails are never extrapolated
            hg.attr("target_reached", static_cast<std::int64_t>(mh.target_reached));
            hg.attr("ber_reached", mh.ber_reached);
            hg.attr("eye_height_v_at_ber_reached", mh.eye_height_at_reached_v);
            hg.attr("eye_width_ui_at_ber_reached", mh.eye_width_at_reached_ui);
            hg.attr("min_tail_count", si::analysis::kMinTailCount);
            hg.attr("note", "quantiles read from the simulated histogram only where every column "
                            "holds min_tail_count samples beyond them; NaN at target_ber when the "
                            "run is too short, with the metrics at ber_reached instead");
            hg.attr("method", "histogram");
            hg.write("height_vs_time_v", std::span<const double>(mh.height_vs_time_v),
                     {mh.eye_height_v.size(), static_cast<std::size_t>(r.eye->time_bins())}, "V");
        }
        const std::size_t nsub = m.eye_height_v.size();
        md.write("height_vs_time_v", std::span<const double>(m.height_vs_time_v), {nsub, nt}, "V");
        // also on the probe group for convenience
        g.attr("eye_height_v", m.eye_height_v);
        g.attr("eye_width_ui", m.eye_width_ui);
        g.attr("levels_v", m.levels_v);
    }
    if (with_ber) {
        auto g = write_ber_counts(root, r.ber, sp.eye.target_ber);
        g.attr("lag_symbols", r.ber.lag_symbols);
        g.attr("lag_note", "lag_symbols: engine index offset between a decision and the symbol it "
                           "decides (the main cursor's UI within the pulse window, which starts "
                           "before the channel delay); not a physical delay: see latency_ui and "
                           "sampling_delay_s");
        g.attr("latency_ui", static_cast<std::int64_t>(link.latency_ui()));
        g.attr("sampling_delay_s", link.sampling_delay_s());
        g.attr("warmup_symbols", r.warmup_symbols);
        g.attr("alignment_mismatch", r.alignment_mismatch);
        const auto& st = r.statistical_sampler;
        const auto& rr = r.rx;
        const auto& rd = link.receiver();
        if (!rd.has_dsp) {
            g.attr("ser_statistical", st.ser);
            g.attr("ber_statistical", st.ber);
        } else {  // at the detector, from the same receiver design
            const double bps = std::log2(static_cast<double>(link.levels()));
            g.attr("ser_statistical", rr.ser_statistical);
            g.attr("ber_statistical", rr.ser_statistical / bps * (sp.signal.pattern.precode ? 2.0 : 1.0));
        }
        g.attr("ser_statistical_method", rd.has_dsp ? rr.ser_statistical_method : std::string("statistical eye at the sampler"));
        g.attr("ser_statistical_sampler", st.ser);
        g.attr("level_ser_statistical", st.level_ser);
        g.attr("training_symbols", rr.training_symbols);
        g.attr("segments", rr.segments);
        g.attr("segment_symbols", rr.segment_symbols);
        auto bd = g.write("burst_length_histogram", std::span<const std::uint64_t>(rr.burst_length_histogram), {}, "count");
        bd.attr("note", "[L] = error bursts of length L UI (first to last error; a burst ends after "
                        "max_gap correct symbols); index 0 unused, the last index holds longer bursts");
        bd.attr("max_gap", static_cast<std::int64_t>(rr.burst_max_gap));
        g.write("burst_error_histogram", std::span<const std::uint64_t>(rr.burst_error_histogram), {}, "count");
        g.attr("bursts", rr.bursts);
        g.attr("statistical_note", std::string("pulse-response model at the same sampling phase: "
                                               "exact ISI/crosstalk distribution for independent "
                                               "uniform symbols plus Gaussian noise; TX RJ "
                                               "linearised as Gaussian noise, SJ and DCD as a "
                                               "mixture of timing shifts"));
        g.attr("note", "SER counts slicer decisions that differ from the sent level; BER counts data "
                       "bits after precoding and Gray decoding of both streams");
    }
    write_receiver(root, link, r);
    {
        auto g = root.group("run");
        g.attr("elapsed_s", r.elapsed_s);
        g.attr("streaming_cpu_s", r.streaming_cpu_s);
        g.attr("analysis_s", r.analysis_s);
        g.attr("waveform_samples", r.waveform_samples);
        std::string w;
        for (const auto& s : warnings != nullptr ? *warnings : r.warnings) w += s + "\n";
        g.attr("warnings", w);
    }
}

void write_multi_hop(si::io::H5Group root, const si::sim::MultiLink& link,
                     const si::sim::MultiRunResult& r, bool with_pulse) {
    const std::size_t H = link.size();
    for (std::size_t h = 0; h < H; ++h) {
        const auto& l = link.hops()[h];
        auto g = root.group("hop/" + std::to_string(h));
        g.attr("name", link.spec().names[h]);
        g.attr("optical", static_cast<std::int64_t>(l.spec().optics.enabled()));
        g.attr("symbol_rate_bd", l.spec().signal.symbol_rate_bd);
        g.attr("retimer", static_cast<std::int64_t>(h + 1 < H));
        g.attr("note", h + 1 < H ? "ends in a retimer: its decisions and recovered clock launch the next hop"
                                 : "ends at the link's receiver");
        write_channel(g, l);
        write_run(g, l, r.hops[h], with_pulse);
    }
    // the receiver the link ends in, at the root (as a single-hop file has it), without /ber
    write_run(root, link.hops().back(), r.hops.back(), false, false, &r.warnings);
    {
        auto g = write_ber_counts(root, r.ber, link.hops().front().spec().eye.target_ber);
        g.attr("ser_statistical", r.ser_statistical);
        g.attr("ber_statistical", r.ber_statistical);
        g.attr("ser_statistical_method", std::string("1 - prod(1 - SER_h) of the hops' statistical SERs "
                                                     "(independent hops)"));
        g.attr("hop_symbol_errors", r.hop_symbol_errors);
        g.attr("coincident_errors", r.coincident_errors);
        g.attr("missing_symbols", r.missing_symbols);
        g.attr("first_symbol", r.first_symbol);
        g.attr("hops", static_cast<std::int64_t>(H));
        g.attr("note", "end to end: the last hop's decisions against the pattern (BER after precoding "
                       "and Gray decoding); hop_symbol_errors sums the hops' own errors on the same "
                       "symbols, coincident_errors counts those on a symbol another hop also erred on");
    }
    {
        auto g = root.group("link");
        g.attr("architecture", link.spec().architecture);
        g.attr("hops", static_cast<std::int64_t>(H));
        std::string names;
        for (const auto& n : link.spec().names) names += n + "\n";
        g.attr("hop_names", names);
    }
}

void write_budget(si::io::H5Group root, const si::arch::ChainBudget& b) {
    auto g = root.group("budget");
    g.attr("power_w", b.power_w);
    g.attr("energy_pj_per_bit", b.energy_pj_per_bit);
    g.attr("latency_s", b.latency_s);
    g.attr("any_verify", static_cast<std::int64_t>(b.any_verify));
    g.attr("note", std::string("power per lane and direction and latency end to end, priced from the power "
                               "table (models/power.toml); verify = a value not from a primary source"));
    for (std::size_t h = 0; h < b.hops.size(); ++h) {
        const auto& hb = b.hops[h];
        auto hg = g.group("hop/" + std::to_string(h));
        hg.attr("name", hb.name);
        hg.attr("power_w", hb.power_w);
        hg.attr("energy_pj_per_bit", hb.energy_pj_per_bit);
        hg.attr("latency_s", hb.latency_s);
        std::string el;
        std::vector<double> pw, lat;
        for (const auto& e : hb.elements) {
            el += e.label + " [" + e.element + "]\n";
            pw.push_back(e.power_w);
            lat.push_back(e.latency_s);
        }
        hg.attr("elements", el);
        hg.attr("element_power_w", pw);
        hg.attr("element_latency_s", lat);
    }
}

std::string write_optical_probe(si::io::H5Group root, const si::sim::Link& link, std::uint64_t symbols,
                                const std::string& where) {
    const auto w = si::sim::optical_tx_waveform(link, symbols);
    auto d = root.write("waveforms/optical_tx", std::span<const double>(w.power_w), {}, "W");
    d.attr("dt_s", w.dt_s);
    d.attr("t0_s", 0.0);
    d.attr("symbol_rate_bd", w.symbol_rate_bd);
    d.attr("units", std::string("W"));
    d.attr("first_symbol", w.first_symbol);
    d.attr("note", std::string("optical power at the modulator output (laser RIN and driver noise included), "
                               "as an oscilloscope captures it for TDECQ: `sisim tdecq FILE.h5`"));
    si::analysis::TdecqConfig cfg;
    cfg.symbol_rate_bd = w.symbol_rate_bd;
    const std::string eq = w.symbol_rate_bd > 60e9 ? "dj" : "5tap";
    cfg.equalizer = eq;
    const auto& pn = link.spec().signal.pattern.name;
    const auto pats = tdecq_patterns(is_tdecq_pattern(pn) ? pn : "none");
    try {
        const auto r = si::analysis::tdecq(w.power_w, w.dt_s, cfg, pats);
        write_tdecq(root, r, cfg, eq, "W", where + "/waveforms/optical_tx");
    } catch (const si::ModelError& e) {  // e.g. an eye too closed to find the pattern in
        auto g = root.group("tdecq");
        g.attr("tdecq_db", INFINITY);
        g.attr("error", std::string(e.what()));
        g.attr("equalizer", eq);
        g.attr("waveform", where + "/waveforms/optical_tx");
        return e.what();
    }
    return "";
}

}  // namespace sisim

#pragma once
/// \file link.hpp
/// A link: its specification (plain structs mirroring the config keys), the built model (fused
/// linear response, pulse response, sampling phase) and the streaming run.
#include <cmath>
#include <complex>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "si/analysis/ber.hpp"
#include "si/analysis/eye.hpp"
#include "si/analysis/stat_eye.hpp"
#include "si/optics/driver.hpp"
#include "si/optics/eml.hpp"
#include "si/optics/fibre.hpp"
#include "si/optics/laser.hpp"
#include "si/optics/mzm.hpp"
#include "si/optics/photodiode.hpp"
#include "si/optics/tia.hpp"
#include "si/pattern/source.hpp"
#include "si/sim/receiver.hpp"
#include "si/rx/adc.hpp"
#include "si/rx/cdr.hpp"
#include "si/rx/ctle.hpp"
#include "si/rx/dfe.hpp"
#include "si/rx/ffe.hpp"
#include "si/rx/gain.hpp"
#include "si/rx/mlse.hpp"
#include "si/tx/transmitter.hpp"

namespace si::sim {

struct SimConfig {
    std::uint64_t symbols = 100000;   ///< symbols simulated (decisions compared)
    int samples_per_ui = 32;          ///< waveform oversampling M
    std::uint64_t seed = 1;           ///< seed of every random stream
    int threads = 1;                  ///< worker threads (0 = all cores); results do not depend on it
    int block_symbols = 4096;         ///< streaming block [UI]; results do not depend on it
    /// "auto": superpose the pulse at symbol rate when the chain is linear, else the FFT
    /// overlap-save waveform path; "superposition" or "waveform" force one (jitter needs the
    /// waveform path).
    std::string engine = "auto";
    /// Symbols per segment when the receiver has state (CDR, DFE, MLSE, adaptation): the run is
    /// cut into segments of this fixed size (not the thread count), each with its own warm-up
    /// and training, so results are bit-identical for any sim.threads.
    std::uint64_t segment_symbols = 1u << 20;
};

struct SignalConfig {
    std::string modulation = "pam4";  ///< "pam4" or "nrz" (PAM-N generic inside)
    double symbol_rate_bd = 53.125e9; ///< symbol rate [Bd]
    pattern::PatternConfig pattern;   ///< name, gray, precode, file (levels set from modulation)
};

struct ChannelConfig {
    std::vector<std::string> touchstone;  ///< files, cascaded in order (resolved paths)
    std::vector<std::string> ports;       ///< pairing per file ("" or "auto" = detect), see docs
    double loss_at_nyquist_db = 0.0;      ///< synthetic channel loss at fb/2 [dB] (no files)
    /// Crosstalk aggressors (NEXT/FEXT files), each driven by an independent random PAM-N
    /// stream with the victim's TX (swing, FFE, rise time) and seen through the victim's RX.
    std::vector<std::string> crosstalk;
    /// Pairing per aggressor file; empty = the victim's pairing (first channel file, or 1,3,2,4).
    std::vector<std::string> crosstalk_ports;
    /// Accept data that end below fb/2 (inspection with `sisim channel`); a run refuses them.
    bool allow_below_nyquist = false;
};

/// Receiver DSP defaults as the config keys state them (no FFE, DFE or MLSE until taps are set).
inline rx::FfeConfig default_ffe() {
    rx::FfeConfig c;
    c.taps = 0;
    c.mode = "mmse";
    return c;
}
inline rx::DfeConfig default_dfe() {
    rx::DfeConfig c;
    c.mode = "solve";
    return c;
}
inline rx::MlseConfig default_mlse() {
    rx::MlseConfig c;
    c.memory = 0;
    return c;
}

struct RxConfig {
    rx::CtleConfig ctle;              ///< COM CTLE (frequencies resolved from the symbol rate)
    double afe_bandwidth_hz = 0.0;    ///< 4th-order Butterworth -3 dB bandwidth [Hz], 0 = none
    double noise_rms_v = 0.0;         ///< input-referred Gaussian noise [V rms] in 0..noise_bandwidth
    double noise_bandwidth_hz = 0.0;  ///< band of the white RX noise [Hz]; 0 = fb/2
    // ---- receiver DSP after the sampler (symbol rate); docs/models.md "Receiver DSP" ----------
    rx::GainConfig gain;              ///< rx.gain: fixed [V/V] or automatic (outer levels at a
                                      ///< fraction of the ADC half full scale)
    rx::AdcConfig adc;                ///< rx.adc: bits (0 = no ADC), full scale (0 = automatic)
    rx::FfeConfig ffe = default_ffe();  ///< rx.ffe: taps (0 = no FFE), pre, mode, coefficients
    rx::DfeConfig dfe = default_dfe();  ///< rx.dfe: taps (0 = no DFE), mode, coefficients
    rx::MlseConfig mlse = default_mlse();  ///< rx.mlse: taps = target memory (0 = off, 1 or 2)
    /// rx.cdr: model "ideal" (reference clock at the link's sampling phase), "bang_bang" or
    /// "mueller_muller" (recovered clock).
    std::string cdr_model = "ideal";
    rx::CdrConfig cdr;
    /// rx.cdr.eye_centering: "off" (rx.cdr.phase_offset as given) or "auto" (the offset that
    /// moves the detector's predicted lock point onto the design's sampling phase is added to
    /// rx.cdr.phase_offset; docs/models.md "Receiver DSP").
    std::string cdr_eye_centering = "off";
    /// Symbols at the start of every segment for CDR lock and adaptation, not counted nor
    /// binned; -1 = automatic (0 for a stateless receiver, else see docs/models.md).
    std::int64_t training_symbols = -1;
};

struct EyeConfig {
    double target_ber = 1e-6;         ///< eye height/width read at this BER
    int voltage_bins = 512;           ///< histogram voltage bins
    double voltage_range_v = 0.0;     ///< histogram spans +-range [V]; 0 = automatic
    /// Symbols feeding the eye histograms: the first `symbols` counted ones; -1 = all, 0 = none
    /// (BER counting always covers every symbol). Fewer eye symbols let a BER run skip the
    /// waveform samples only the eye needs.
    std::int64_t symbols = -1;
};

/// Optical front end of a single-hop LPO/CPO link (docs/architectures.md "Optical links"): the
/// host channel drives the fixed chain driver -> modulator (EML or MZM, laser inside) -> fibre
/// -> photodiode -> TIA, whose output passes the far electrical channel into the RX CTLE/AFE.
struct OpticsSpec {
    /// link.architecture: "electrical" (no optics), "lpo" or "cpo" (this chain); "retimed" and
    /// "lro" need multi-hop links and are refused as not implemented.
    std::string architecture = "electrical";
    std::string modulator = "eml";        ///< optics.modulator: "eml" or "mzm"
    optics::DriverConfig driver;          ///< optics.driver.*
    optics::LaserConfig laser;            ///< optics.laser.*
    optics::EmlConfig eml;                ///< optics.eml.*
    optics::MzmConfig mzm;                ///< optics.mzm.*
    optics::FibreConfig fibre;            ///< optics.fibre.* (wavelength and chirp taken from
                                          ///< the laser and the EML)
    optics::PhotodiodeConfig pd;          ///< optics.pd.*
    optics::TiaConfig tia;                ///< optics.tia.* (input offset: automatic)
    /// far_channel.*: the electrical channel from the TIA to the host RX (touchstone, ports,
    /// loss_at_nyquist; crosstalk not used).
    ChannelConfig far;
    [[nodiscard]] bool enabled() const noexcept {
        return architecture == "lpo" || architecture == "cpo";
    }
};

struct LinkSpec {
    SimConfig sim;
    SignalConfig signal;
    tx::TxConfig tx;
    ChannelConfig channel;
    RxConfig rx;
    EyeConfig eye;
    OpticsSpec optics;
    /// Set by MultiLink for a hop after a retimer (not a config key): its symbols come from the
    /// retimer and its TX edges move with the retimer's recovered clock (waveform path).
    bool retimed_input = false;
    /// Set by a caller that keeps only the scalar results (a sweep point not kept; not a config
    /// key): the statistical eye is computed at the offsets its heights, widths and the phase
    /// search read, not over the whole 2 UI (analysis::statistical_eye, curve = false), and
    /// RunResult::first_symbols is left empty. Every scalar is the same bits either way.
    bool scalars_only = false;
};

/// Resource bounds (docs/user-guide.md, "Limits"): a run longer than kMaxSymbols would take days;
/// the eye histograms of all worker threads together stay below kMaxEyeHistogramBytes; the
/// worst-case slicer amplitude (peak distortion of the symbol pulse) stays below
/// kMaxSlicerAmplitudeV, far from where the eye's fixed-point level sums could overflow.
inline constexpr std::uint64_t kMaxSymbols = 1'000'000'000'000ULL;
inline constexpr double kMaxEyeHistogramBytes = 4.0 * 1024 * 1024 * 1024;
inline constexpr double kMaxSlicerAmplitudeV = 1000.0;

/// Throws ConfigError naming the key (e.g. "sim.samples_per_ui").
void validate(const LinkSpec& s);

/// Number of PAM levels for signal.modulation.
[[nodiscard]] int levels_of(const std::string& modulation);

/// Channel as the link sees it (for output).
struct ChannelInfo {
    std::string description;               ///< files, pairings, or "ideal"/"synthetic ..."
    std::vector<std::string> pairing_reports;
    std::vector<std::string> pairing_specs; ///< per file, "in+,in-,out+,out-" as used ("" for 2-ports)
    std::vector<double> f_hz;              ///< data grid of the (cascaded) channel
    std::vector<std::complex<double>> sdd21;
    double loss_at_nyquist_db = 0.0;       ///< -20 log10 |SDD21(fb/2)|
    double dc_gain = 1.0;
};

/// One crosstalk aggressor as the link sees it.
struct Aggressor {
    std::string file;
    std::string pairing;            ///< "in+,in-,out+,out-" used
    std::vector<double> pulse;      ///< fused pulse of one symbol of amplitude 1 incl. FFE and
                                    ///< swing/2 [V], in the victim's sample frame (mod 1 UI)
    double loss_at_nyquist_db = 0;  ///< -20 log10 |SDD21(fb/2)| of the crosstalk path
    double sigma_v = 0;             ///< rms crosstalk at the slicer with random data [V]
};

namespace detail {
struct OpticsModel;  // stage_optics.hpp
}

/// What the linearisation of an optical front end found (docs/architectures.md "Optical links").
struct OpticsInfo {
    bool enabled = false;
    double gain_v_per_v = 0;        ///< secant gain driver input -> TIA output [V/V]
    double drive_amplitude_v = 0;   ///< near-end outer level of the secant [V]
    double zero_drive_output_v = 0; ///< TIA output at zero drive, removed (AC coupling) [V]
    double tia_offset_a = 0;        ///< mean photocurrent removed at the TIA input [A]
    double noise_sigma_v = 0;       ///< optical noise at the sampler [V]
    std::size_t delay_samples = 0;  ///< delay of the optics stages [samples]
};

/// The built model: everything derived from a LinkSpec before the run.
class Link {
public:
    explicit Link(LinkSpec spec);  ///< validates, reads files, fuses the linear chain
    ~Link();
    Link(Link&&) noexcept;
    Link& operator=(Link&&) noexcept;

    /// True when `spec` has the same response inputs as this link (channel and crosstalk
    /// config, symbol rate, sim.samples_per_ui, TX FFE taps, swing and rise time, CTLE, AFE
    /// bandwidth; no optics on either side), so with(spec) can reuse its channel, fused pulse
    /// response and crosstalk pulses. Noise, pattern, symbol count, seed, eye, TX noise and
    /// jitter, receiver DSP keys do not enter (sweep points that vary only those share them).
    [[nodiscard]] bool reusable_for(const LinkSpec& spec) const;
    /// Link(spec), bit-identical, without reading the channel files or rebuilding the fused
    /// pulse and crosstalk pulses: only what depends on the rest (noise, sampling phase and its
    /// statistical eye, eye range, receiver design) is redone. Throws std::invalid_argument
    /// unless reusable_for(spec); validates `spec` as Link(spec) does. Files are not read again:
    /// a channel file changed on disk since this link was built is not seen.
    [[nodiscard]] Link with(LinkSpec spec) const;

    [[nodiscard]] const LinkSpec& spec() const noexcept { return spec_; }
    [[nodiscard]] int levels() const noexcept { return levels_; }
    [[nodiscard]] double ui_s() const noexcept { return 1.0 / spec_.signal.symbol_rate_bd; }
    [[nodiscard]] double dt_s() const noexcept { return ui_s() / spec_.sim.samples_per_ui; }
    [[nodiscard]] const ChannelInfo& channel() const noexcept { return channel_; }

    /// Fused H(f) of rise-time filter, channel, CTLE and AFE (no FFE: applied at symbol rate).
    [[nodiscard]] std::complex<double> response(double f_hz) const;
    /// Channel-only SDD21 (interpolated, DC-extrapolated).
    [[nodiscard]] std::complex<double> channel_response(double f_hz) const;

    /// Impulse response taps of the fused chain at dt (trimmed window), starting at t0_s().
    [[nodiscard]] const std::vector<double>& impulse() const noexcept { return impulse_; }
    /// Pulse response (1-UI rectangle of height 1 through the fused chain), same window.
    [[nodiscard]] const std::vector<double>& pulse() const noexcept { return pulse_; }
    /// Pulse response of one symbol of amplitude 1 including TX FFE and swing/2 [V].
    [[nodiscard]] const std::vector<double>& symbol_pulse() const noexcept { return sym_pulse_; }
    /// Time of pulse()[0] relative to the start of the UI that launched it [s].
    [[nodiscard]] double t0_s() const noexcept { return t0_s_; }
    /// Sample index (in symbol_pulse()) of the main cursor: sampling phase and latency.
    [[nodiscard]] int cursor_index() const noexcept { return cursor_; }
    [[nodiscard]] double main_cursor_v() const noexcept { return sym_pulse_[cursor_]; }
    /// Physical time from the launch of a symbol (start of its UI at the TX) to the instant it
    /// is sampled [s]: channel delay plus filter delays plus the phase within the UI.
    [[nodiscard]] double sampling_delay_s() const noexcept { return t0_s_ + cursor_ * dt_s(); }
    /// sampling_delay_s() in whole UI (floor) and the phase within the UI [0, 1).
    [[nodiscard]] long latency_ui() const noexcept {
        return static_cast<long>(std::floor(sampling_delay_s() / ui_s() + 1e-9));
    }
    [[nodiscard]] double sampling_phase_ui() const noexcept {
        return sampling_delay_s() / ui_s() - static_cast<double>(latency_ui());
    }
    /// Slicer thresholds [V] (midway between the ideal levels main * a_i).
    [[nodiscard]] const std::vector<double>& thresholds() const noexcept { return thresholds_; }
    /// Gaussian noise std at the slicer from rx.noise_rms (after CTLE/AFE) [V].
    [[nodiscard]] double rx_noise_sigma_out_v() const noexcept { return sigma_rx_out_; }
    /// TX amplitude noise std per launched symbol [V] (tx.snr_model = "launch"; else 0).
    [[nodiscard]] double tx_noise_sigma_v() const noexcept { return sigma_tx_; }
    /// TX noise std referred to the sampler, eq. 93A-30 sigma_TX = h0 10^(-SNR/20) [V]
    /// (tx.snr_model = "com"; else 0).
    [[nodiscard]] double tx_noise_com_sigma_v() const noexcept { return sigma_tx_com_; }
    /// Gaussian noise std at the sampler: RX noise, COM-model TX noise and (with optics) the
    /// optical chain's noise referred to the sampler [V]. Used by the statistical models.
    [[nodiscard]] double sampler_noise_sigma_v() const noexcept {
        return std::sqrt(sigma_rx_out_ * sigma_rx_out_ + sigma_tx_com_ * sigma_tx_com_ +
                         sigma_opt_ * sigma_opt_);
    }
    /// The part of sampler_noise_sigma_v() the engine adds at the sampler (the optical noise is
    /// in the streamed waveform itself) [V].
    [[nodiscard]] double injected_noise_sigma_v() const noexcept {
        return std::sqrt(sigma_rx_out_ * sigma_rx_out_ + sigma_tx_com_ * sigma_tx_com_);
    }
    /// Optical chain noise at the sampler (mid-level operating point) [V]; 0 without optics.
    [[nodiscard]] double optical_noise_sigma_v() const noexcept { return sigma_opt_; }
    /// The optical front end (nullptr for an electrical link).
    [[nodiscard]] const detail::OpticsModel* optics_model() const noexcept { return optics_.get(); }
    [[nodiscard]] const OpticsInfo& optics_info() const noexcept { return optics_info_; }
    /// Eye histogram voltage half-range [V].
    [[nodiscard]] double eye_range_v() const noexcept { return eye_range_; }
    /// True when the waveform is built by superposing the pulse at symbol rate; false when TX
    /// jitter forces the FFT overlap-save waveform path.
    [[nodiscard]] bool linear_path() const noexcept { return linear_; }
    /// Energy of the fused pulse left outside the trimmed window, relative to the total.
    [[nodiscard]] double truncation_energy() const noexcept { return trunc_energy_; }
    /// Channel-only responses at dt: continuous impulse h(t) [1/s] and the 1-UI pulse [V/V],
    /// trimmed to where the energy is; t0_s is the time of element 0.
    void channel_time_response(std::vector<double>& impulse, std::vector<double>& pulse,
                               double& t0_s) const;
    /// How much the statistical-eye phase refinement improved the smallest sub-eye height at the
    /// target BER over the Gaussian-proxy phase [V] (>= 0).
    [[nodiscard]] double phase_refinement_gain_v() const noexcept { return phase_gain_v_; }
    /// The statistical eye at eye.target_ber computed while choosing the sampling phase, when it
    /// is the eye of the final design (phase kept, no jitter left out); nullptr otherwise.
    [[nodiscard]] const analysis::StatisticalEye* design_stat_eye() const noexcept {
        return design_eye_ ? &*design_eye_ : nullptr;
    }
    /// The receiver DSP as designed (gain, ADC, FFE, DFE/MLSE, CDR, training).
    [[nodiscard]] const ReceiverDesign& receiver() const noexcept { return rx_; }
    /// Crosstalk aggressors (empty without channel.crosstalk).
    [[nodiscard]] const std::vector<Aggressor>& aggressors() const noexcept { return aggressors_; }
    /// Level value a_i in [-1, 1] for level index i.
    [[nodiscard]] double level_value(int i) const noexcept {
        return -1.0 + 2.0 * i / (levels_ - 1);
    }

private:
    Link(const Link& base, LinkSpec spec);  ///< with(): base's response, spec's design
    void prepare_spec();    ///< validates spec_ and fills its derived fields
    void build_response();  ///< channel, optics, fused impulse/pulse, symbol pulse, aggressors
    void design();          ///< noise, sampling phase, eye range, engine, receiver design
    void set_cursor(int c, double com_ratio);
    void time_response(const std::function<std::complex<double>(double)>& h,
                       std::vector<double>& impulse, std::vector<double>& pulse, double& t0_s,
                       double& outside) const;
    /// time_response from the response's samples hk[k] = H(k / (n dt)), k <= n/2.
    void time_response_samples(std::vector<std::complex<double>> hk, std::size_t n,
                               std::vector<double>& impulse, std::vector<double>& pulse, double& t0_s,
                               double& outside) const;
    /// FFT length of the responses: even, covering span_s_.
    [[nodiscard]] std::size_t response_fft_size() const;
    double span_s_ = 0;
    bool below_nyquist_ = false;
    LinkSpec spec_;
    int levels_ = 4;
    ChannelInfo channel_;
    std::function<std::complex<double>(double)> h_channel_;
    std::vector<double> impulse_, pulse_, sym_pulse_, ffe_;
    double t0_s_ = 0;
    int cursor_ = 0;
    std::vector<double> thresholds_;
    double sigma_rx_out_ = 0, sigma_tx_ = 0, sigma_tx_com_ = 0, eye_range_ = 1, trunc_energy_ = 0;
    bool linear_ = true;
    double phase_gain_v_ = 0;
    ReceiverDesign rx_;
    std::optional<analysis::StatisticalEye> design_eye_;
    std::vector<Aggressor> aggressors_;
    std::shared_ptr<const detail::OpticsModel> optics_;
    double sigma_opt_ = 0;
    OpticsInfo optics_info_;
};

/// Results of a run.
/// What the receiver DSP and clock recovery did in a run (docs/models.md "Receiver DSP").
struct ReceiverResult {
    /// Probe "dsp": the detector input (FFE output less the DFE feedback) per sent level, one
    /// column per UI, in detector units (normalised to the main cursor with an FFE, else V).
    std::unique_ptr<analysis::EyeAccumulator> dsp_eye;
    analysis::EyeMetrics dsp_metrics;
    double dsp_range = 1;                         ///< dsp_eye spans [-dsp_range, dsp_range]
    std::vector<std::uint64_t> burst_length_histogram;  ///< [L]: bursts of length L (UI)
    std::vector<std::uint64_t> burst_error_histogram;   ///< [k]: bursts with k symbol errors
    std::uint64_t bursts = 0;
    int burst_max_gap = 0;                        ///< correct symbols that close a burst
    std::uint64_t segments = 0;                   ///< independent segments of the run
    std::uint64_t segment_symbols = 0;            ///< counted symbols per segment (last shorter)
    std::uint64_t training_symbols = 0;           ///< per segment, not counted nor binned
    std::vector<double> ffe_taps;                 ///< final (last segment) [1/V]
    std::vector<double> dfe_taps;                 ///< final, normalised to the main cursor
    std::vector<int> dfe_delays;                  ///< [UI]
    std::uint64_t adc_clipped = 0;                ///< ADC samples clipped (all segments)
    // clock recovery
    bool cdr = false;
    std::vector<float> phase_trace_ui;            ///< segment 0, every trace_decimation UI
    std::uint64_t trace_decimation = 1;
    double locked_fraction = 0;                   ///< segments locked when counting began
    std::int64_t lock_ui = -1;                    ///< segment 0: UI of lock from its start
    /// Mean over counted UIs of the sampling instant less the ideal instant of the symbol it
    /// decides [UI] (0 = the link's ideal sampling phase).
    double mean_phase_ui = 0;
    double rms_jitter_ui = 0;                     ///< rms of that offset about a line per segment
    double phase_slope_ppm = 0;                   ///< mean phase slope [1e-6 UI/UI]
    // statistical counterpart of the detector
    double ser_statistical = 0;
    std::string ser_statistical_method;
};

struct RunResult {
    std::vector<std::uint8_t> first_symbols;  ///< the first 65536 sent level indices (empty
                                              ///< for LinkSpec::scalars_only)
    ReceiverResult rx;
    /// Statistical SER at the sampler (pulse response, same phase), computed once per run.
    analysis::StatisticalSer statistical_sampler;
    std::unique_ptr<analysis::EyeAccumulator> eye;  ///< probe "rx" (slicer input)
    analysis::EyeMetrics metrics;            ///< primary metrics (see EyeMetrics::method)
    analysis::EyeMetrics metrics_histogram;  ///< metrics read from the simulated histogram
    analysis::BerCounts ber;
    std::int64_t expected_latency_ui = 0;     ///< from the pulse response
    /// Symbols sent before the first counted one (channel memory warm-up): the first counted
    /// decision is that of pattern symbol warmup_symbols.
    std::uint64_t warmup_symbols = 0;
    double alignment_mismatch = 0;            ///< mismatch fraction at the lag found
    double elapsed_s = 0;                     ///< streaming simulation (symbols -> eye, errors)
    /// Process CPU time over the same span [s] (every thread): symbols / streaming_cpu_s is the
    /// per-core rate on a shared machine.
    double streaming_cpu_s = 0;
    double analysis_s = 0;                    ///< eye metrics and statistical eye afterwards
    std::uint64_t waveform_samples = 0;
    std::vector<std::string> warnings;
};

/// Warm-up symbols of a run: the pulse span (TX FFE included) in UI plus 8.
[[nodiscard]] std::uint64_t warmup_symbols(const Link& link);

/// progress(fraction in [0,1]); called from the calling thread only.
using Progress = std::function<void(double)>;

/// Runs the link: streams sim.symbols symbols in blocks through the chain, accumulates the eye
/// and counts errors. Memory does not grow with the symbol count.
[[nodiscard]] RunResult run(const Link& link, const Progress& progress = {});

}  // namespace si::sim

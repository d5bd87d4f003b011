#pragma once
// Optical front-end stage of a single-hop LPO/CPO link (docs/architectures.md "Optical links"):
//
//   TX symbols -> [TX rise + host channel] -> driver -> EML|MZM (laser) -> fibre -> PD -> TIA
//              -> (- DC at zero drive) -> [far channel + RX CTLE + AFE] -> sampler
//
// The linear part up to the driver is the fused near pulse, superposed at symbol rate
// (PulseStream); the optics stages (si/optics/stage.hpp, nonlinear, with their noise on streams
// 10..14 keyed by the absolute sample index) act on that waveform block by block; the far
// channel, CTLE and AFE are one FFTW overlap-save filter. Blocks sit at absolute sample positions
// and the stream starts one block before the first sample read (warm-up of the filters), as in
// stage_waveform.hpp.
//
// OpticsModel also linearises the chain for everything that needs a pulse response (sampling
// phase, receiver design, statistical eye and SER): H(f) = H_near(f) G S(f) H_far(f), G the
// large-signal (secant) gain of the whole optical chain between the outer near-end levels, S(f)
// the product of the elements' small-signal responses normalised to 1 at DC.
#include <complex>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "si/dsp/superpose.hpp"
#include "si/optics/stage.hpp"
#include "si/sim/link.hpp"
#include "stage_waveform.hpp"

namespace si::sim::detail {

using Response = std::function<std::complex<double>(double)>;

struct OpticsModel {
    OpticsSpec spec;                 ///< resolved (seeds, wavelength, chirp, TIA offset)
    double dt_s = 0;
    std::vector<double> near_impulse;  ///< impulse of TX rise + host channel at dt, same frame
    std::vector<double> near_pulse;  ///< 1-UI pulse through TX rise + host channel, padded at
                                     ///< its front; M samples per UI
    double near_t0_s = 0;            ///< time of near_pulse[0]
    std::vector<double> far_impulse; ///< far channel + CTLE + AFE taps at dt
    double far_t0_s = 0;             ///< time of far_impulse[0]
    std::size_t chain_delay = 0;     ///< sum of the stages' delay_samples()
    bool fibre_flat = false;         ///< |H_fibre(f)/H_fibre(0) - 1| < 1e-4 up to the symbol
                                     ///< rate: the fibre acts as its loss alone (no FIR)
    double y_zero_v = 0;             ///< TIA output at zero drive (subtracted: AC coupling)
    double gain = 0;                 ///< secant gain of the optical chain [V at TIA / V at driver]
    double drive_amplitude_v = 0;    ///< near-end outer level used for the secant [V]
    double noise_sigma_v = 0;        ///< optical noise at the sampler (zero drive) [V]
    std::vector<std::unique_ptr<optics::OpticalStage>> small_signal;  ///< noiseless, for response()
    std::complex<double> dc = 1.0;   ///< product of their responses at DC
    Response near, far;              ///< H_near (rise * host channel), H_far (far ch * CTLE * AFE)
    /// S(f): product of the stages' small-signal responses over its value at DC.
    [[nodiscard]] std::complex<double> shape(double f_hz) const;
    /// The linearised response of the whole chain H_near G S H_far.
    [[nodiscard]] std::complex<double> response(double f_hz) const {
        return near(f_hz) * gain * shape(f_hz) * far(f_hz);
    }
    /// The stages in signal order; noisy = false zeroes every noise source. pd_node: with a flat
    /// fibre, the laser's RIN is drawn at the photodiode node together with shot and thermal
    /// noise (one draw per sample, same statistics; false keeps RIN in the modulator's output).
    [[nodiscard]] std::vector<std::unique_ptr<optics::OpticalStage>> make_chain(bool noisy,
                                                                              bool pd_node = true) const;
};

/// Throws ConfigError naming the key for impossible optics (validate of each element) and for
/// the architectures not implemented yet.
void validate_optics(const LinkSpec& s);

/// H(f) of the far electrical channel (far_channel.*); widens span_s to its natural span.
[[nodiscard]] Response far_channel(const ChannelConfig& c, double fb, double& span_s);

/// Builds the model. time_response(h, impulse, pulse, t0) gives the windowed responses at dt;
/// near/far as above; near_symbol_peak_v: largest |sample| of the near symbol pulse (FFE and
/// swing/2 applied), the drive amplitude of the secant gain.
[[nodiscard]] std::shared_ptr<OpticsModel> build_optics(
    const LinkSpec& s, double dt_s,
    const std::function<void(const Response&, std::vector<double>&, std::vector<double>&, double&)>&
        time_response,
    Response near, Response far, const std::vector<double>& ffe, double half_swing_v);

/// The victim waveform of an optical link at the sampler input (without the RX noise).
class OpticsWave final : public WaveStream {
public:
    /// The near part is superposed at symbol rate, or (TX jitter, or an upstream retimer's
    /// clock) the jittered NRZ through the near impulse response.
    OpticsWave(const Link& link, TxSymbols& tx, std::uint64_t first_ui);
    [[nodiscard]] std::uint64_t symbols_needed_from() const noexcept override {
        return near_->symbols_needed_from();
    }

private:
    void produce(std::uint64_t blk, Slot& s) override;
    const float* compute_phase(Slot&, int) override { return nullptr; }  // eager
    /// Near-end samples g .. g+m-1 into a (whole UIs read in place by WaveStream::run4).
    void near_samples(std::uint64_t g, std::size_t m, double* a);
    const OpticsModel& om_;
    std::int64_t shift_ = 0;  // near-stream sample index = output index + shift_
    std::unique_ptr<WaveStream> near_;
    std::vector<std::unique_ptr<optics::OpticalStage>> chain_;
    std::unique_ptr<dsp::OverlapSave> far_;
    std::vector<double> a_, b_;
    std::vector<float> f_;
};

}  // namespace si::sim::detail

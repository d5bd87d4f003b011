#pragma once
// Symbol-rate receiver stage: the chain after the sampler, one value per UI:
//   gain -> ADC -> FFE -> detector (slicer | DFE | MLSE),
// as designed by design_receiver() (si/sim/receiver.hpp). Decisions are level indices; the
// chain's total delay (FFE pre-cursor taps, MLSE traceback) is delay_ui(): decision i of a
// process() call belongs to the sample delay_ui() UIs earlier. Tentative decisions (for the CDR:
// the DFE's or the slicer's on the FFE output, before an MLSE) come tentative_delay_ui() UIs
// after their sample. State (FIR delay line, DFE history, Viterbi survivors, adapted taps)
// carries across calls.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "si/rx/adc.hpp"
#include "si/rx/dfe.hpp"
#include "si/rx/ffe.hpp"
#include "si/rx/mlse.hpp"
#include "si/sim/link.hpp"

namespace si::sim::detail {

class SymbolChain {
public:
    /// first_ui: absolute UI of the first sample (indexes the ADC's noise stream).
    SymbolChain(const Link& link, std::uint64_t first_ui);
    [[nodiscard]] int delay_ui() const noexcept { return delay_; }
    [[nodiscard]] int tentative_delay_ui() const noexcept { return pre_; }
    /// in: sampler output [V]; decisions: level indices; detector_in: the value the detector
    /// sees for each decision (the DSP eye probe), in detector units; tentative: decision of the
    /// sample tentative_delay_ui() earlier (for a CDR).
    void process(std::span<const double> in, std::span<std::uint8_t> decisions,
                 std::span<double> detector_in, std::span<std::uint8_t> tentative) noexcept;
    /// Adaptation on/off (LMS modes; on during training by default).
    void adapt(bool on) noexcept;
    void reset() noexcept;
    [[nodiscard]] std::vector<double> ffe_taps() const;
    [[nodiscard]] std::vector<double> dfe_taps() const;
    [[nodiscard]] std::uint64_t adc_clipped() const noexcept { return adc_ ? adc_->clipped() : 0; }

private:
    const ReceiverDesign& d_;
    [[nodiscard]] std::uint8_t slice(double v) const noexcept;
    int n_, delay_, pre_ = 0;
    bool joint_lms_ = false;                 // FFE LMS driven by the DFE's decisions
    bool adapting_ = false;
    bool ascending_ = false;                 // detector thresholds in increasing order
    double gain_;
    std::optional<rx::Adc> adc_;
    std::optional<rx::Ffe> ffe_;
    std::optional<rx::Dfe> dfe_;
    std::optional<rx::Mlse> mlse_;
    std::vector<double> a_, b_;              // scratch
    std::vector<std::uint8_t> m_;            // MLSE output scratch
    std::deque<std::uint8_t> mlse_q_;        // aligns MLSE decisions (delay = traceback)
    std::vector<double> tent_prev_;          // before an MLSE: last tentative levels (a_{k-1}, ...)
    std::deque<double> mlse_in_q_;           // and their detector inputs
    std::uint64_t first_ = 0, count_ = 0;    // ADC noise index of the next sample
};

}  // namespace si::sim::detail

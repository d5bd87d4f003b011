#include "si/sim/stateye.hpp"

namespace si::sim {

analysis::StatEyeInput stat_eye_input(const Link& link) {
    const auto& sp = link.spec();
    analysis::StatEyeInput in;
    in.samples_per_ui = sp.sim.samples_per_ui;
    in.ui_s = link.ui_s();
    in.symbol_pulse = link.symbol_pulse();
    in.cursor_index = link.cursor_index();
    in.level_values.resize(static_cast<std::size_t>(link.levels()));
    for (int i = 0; i < link.levels(); ++i) in.level_values[static_cast<std::size_t>(i)] = link.level_value(i);
    in.thresholds_v = link.thresholds();
    in.precode = sp.signal.pattern.precode;
    in.sampler_noise_sigma_v = link.sampler_noise_sigma_v();
    in.tx_noise_sigma_v = link.tx_noise_sigma_v();
    in.unit_pulse = link.pulse();
    in.impulse = link.impulse();
    in.tx_ffe_taps = tx::ffe_taps(sp.tx);
    in.tx_swing_v = sp.tx.swing_v;
    in.jitter.rj_rms_ui = sp.tx.rj_rms_ui;
    in.jitter.sj_amp_ui = sp.tx.sj_amp_ui;
    in.jitter.dcd_ui = sp.tx.dcd_ui;
    in.aggressor_pulses.reserve(link.aggressors().size());
    for (const auto& ag : link.aggressors()) in.aggressor_pulses.push_back(ag.pulse);
    return in;
}

StatisticalSer statistical_ser(const Link& link) { return analysis::statistical_ser(stat_eye_input(link)); }

StatisticalEye statistical_eye(const Link& link, double target_ber) {
    return analysis::statistical_eye(stat_eye_input(link), target_ber);
}

}  // namespace si::sim

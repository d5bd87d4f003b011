#include "si/sim/stateye.hpp"

#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace si::sim {

namespace {

/// Every field of the model's input (and the target BER) as raw bytes: two inputs with the same
/// key give the same result bit for bit, as the model is a pure function of them.
std::string input_key(const analysis::StatEyeInput& in, double target_ber) {
#if defined(__x86_64__) && defined(__GLIBCXX__)
    static_assert(sizeof(analysis::StatEyeInput) == 248,
                  "StatEyeInput changed: add the new field to input_key");
#endif
    std::string k;
    auto num = [&](auto x) { k.append(reinterpret_cast<const char*>(&x), sizeof x); };
    auto vec = [&](const std::vector<double>& v) {
        num(v.size());
        k.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
    };
    num(in.samples_per_ui), num(in.ui_s), num(in.cursor_index), num(in.precode);
    num(in.sampler_noise_sigma_v), num(in.tx_noise_sigma_v), num(in.tx_swing_v);
    num(in.jitter.rj_rms_ui), num(in.jitter.sj_amp_ui), num(in.jitter.dcd_ui), num(target_ber);
    vec(in.level_values), vec(in.thresholds_v), vec(in.tx_ffe_taps);
    vec(in.symbol_pulse), vec(in.unit_pulse), vec(in.impulse);
    num(in.aggressor_pulses.size());
    for (const auto& a : in.aggressor_pulses) vec(a);
    return k;
}

/// The last few results of one model function, by exact input. Sweep points that share the
/// pulse (only the symbol count, seed, pattern or other keys the model does not read differ)
/// and the repeated calls of one run then compute each eye once. Thread-safe. An entry holds
/// the three pulses of the input: ~150 kB for the 112G example, a few MB for a pulse of
/// thousands of UI.
template <class R>
class Memo {
public:
    template <class F>
    R get(std::string key, F compute) {
        {
            std::lock_guard lk(m_);
            for (auto it = items_.begin(); it != items_.end(); ++it)
                if (it->first == key) {
                    items_.splice(items_.begin(), items_, it);  // most recent first
                    return items_.front().second;
                }
        }
        R r = compute();  // outside the lock: other threads' different inputs go on
        std::lock_guard lk(m_);
        items_.emplace_front(std::move(key), r);
        if (items_.size() > kCapacity) items_.pop_back();
        return r;
    }

private:
    static constexpr std::size_t kCapacity = 2;  // the design eye and the run's (SJ), or two links
    std::mutex m_;
    std::list<std::pair<std::string, R>> items_;
};

Memo<StatisticalSer>& ser_memo() {
    static Memo<StatisticalSer> m;
    return m;
}
Memo<StatisticalEye>& eye_memo() {
    static Memo<StatisticalEye> m;
    return m;
}
/// The noise-independent ISI part of the model, by its own key: a noise sweep, the phase search
/// and the run of one pulse share it. (Each entry holds up to 64 MB; two entries.)
Memo<std::shared_ptr<analysis::StatEyeIsiCache>>& isi_memo() {
    static Memo<std::shared_ptr<analysis::StatEyeIsiCache>> m;
    return m;
}
/// Held by the caller for the call (the memo may drop it meanwhile).
std::shared_ptr<analysis::StatEyeIsiCache> isi_cache(const analysis::StatEyeInput& in) {
    return isi_memo().get(analysis::isi_key(in), [] { return std::make_shared<analysis::StatEyeIsiCache>(); });
}

}  // namespace

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

StatisticalSer statistical_ser(const Link& link) {
    const auto in = stat_eye_input(link);
    return ser_memo().get(input_key(in, 0), [&] { return analysis::statistical_ser(in, isi_cache(in).get()); });
}

StatisticalEye statistical_eye(const Link& link, double target_ber) {
    const auto in = stat_eye_input(link);
    return eye_memo().get(input_key(in, target_ber),
                          [&] { return analysis::statistical_eye(in, target_ber, isi_cache(in).get()); });
}

}  // namespace si::sim

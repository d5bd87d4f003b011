#include "si/sim/stateye.hpp"

#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "si/core/memo.hpp"

namespace si::sim {

namespace {

/// An input of the model with the target BER, by reference: equal keys (every field the same,
/// bit for bit) give the same result bit for bit, as the model is a pure function of them.
/// Looked up by a hash, decided by comparing the fields; the memo copies the input only when it
/// keeps a new entry.
struct Key {
    const analysis::StatEyeInput* in;
    double target_ber;
    bool isi_only;           // the key of the ISI part: noise, RJ, cursor, thresholds, precoding, BER left out
    bool curve = true;       // an eye with its whole height curve (false: analysis::statistical_eye's curve = false)
    std::uint64_t hash = 0;  // isi_hash mixed with the other fields
    Key(const analysis::StatEyeInput& i, double ber, bool isi, bool with_curve = true)
        : in(&i), target_ber(ber), isi_only(isi), curve(with_curve) {
#if defined(__x86_64__) && defined(__GLIBCXX__)
        static_assert(sizeof(analysis::StatEyeInput) == 248,
                      "StatEyeInput changed: add the new field to Key (and to si::analysis::same_isi_fields)");
#endif
        hash = analysis::isi_hash(i);
        if (isi_only) return;
        auto mix = [&](std::uint64_t w) { hash = (hash ^ w) * 0x100000001b3ULL; };
        auto num = [&](double x) {
            std::uint64_t w;
            std::memcpy(&w, &x, sizeof w);
            mix(w);
        };
        mix(static_cast<std::uint64_t>(i.cursor_index)), mix(i.precode ? 1 : 0), mix(curve ? 1 : 0);
        num(i.sampler_noise_sigma_v), num(i.tx_noise_sigma_v), num(i.jitter.rj_rms_ui), num(ber);
        for (double t : i.thresholds_v) num(t);
    }
    [[nodiscard]] bool operator==(const Key& o) const {
        if (hash != o.hash || isi_only != o.isi_only || !analysis::same_isi_fields(*in, *o.in)) return false;
        if (isi_only) return true;
        return in->cursor_index == o.in->cursor_index && in->precode == o.in->precode && curve == o.curve &&
               same_bits(in->sampler_noise_sigma_v, o.in->sampler_noise_sigma_v) &&
               same_bits(in->tx_noise_sigma_v, o.in->tx_noise_sigma_v) &&
               same_bits(in->jitter.rj_rms_ui, o.in->jitter.rj_rms_ui) && same_bits(target_ber, o.target_ber) &&
               same_bits(in->thresholds_v, o.in->thresholds_v);
    }
};

/// A kept entry: its own copy of the input, and the key pointing at it.
template <class R>
struct Entry {
    std::unique_ptr<const analysis::StatEyeInput> in;
    Key key;
    R result;
    Entry(const Key& k, R r)
        : in(std::make_unique<const analysis::StatEyeInput>(*k.in)), key(k), result(std::move(r)) {
        key.in = in.get();
    }
};

/// The last few results of one model function, by exact input. Sweep points that share the
/// pulse (only the symbol count, seed, pattern or other keys the model does not read differ)
/// and the repeated calls of one run then compute each eye once. Thread-safe. An entry holds
/// the three pulses of the input: ~300 kB for the 112G example, a few MB for a pulse of
/// thousands of UI.
template <class R>
class Memo {
public:
    template <class F>
    R get(const Key& key, F compute) {
        {
            std::lock_guard lk(m_);
            for (auto it = items_.begin(); it != items_.end(); ++it)
                if (it->key == key) {
                    items_.splice(items_.begin(), items_, it);  // most recent first
                    return items_.front().result;
                }
        }
        R r = compute();  // outside the lock: other threads' different inputs go on
        std::lock_guard lk(m_);
        items_.emplace_front(key, r);
        if (items_.size() > kCapacity) items_.pop_back();
        return r;
    }

private:
    static constexpr std::size_t kCapacity = 2;  // the design eye and the run's (SJ), or two links
    std::mutex m_;
    std::list<Entry<R>> items_;
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
    return isi_memo().get(Key(in, 0, true), [] { return std::make_shared<analysis::StatEyeIsiCache>(); });
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
    return ser_memo().get(Key(in, 0, false), [&] { return analysis::statistical_ser(in, isi_cache(in).get()); });
}

StatisticalEye statistical_eye(const Link& link, double target_ber) {
    const auto in = stat_eye_input(link);
    const bool curve = !link.spec().scalars_only;
    return eye_memo().get(Key(in, target_ber, false, curve), [&] {
        return analysis::statistical_eye(in, target_ber, isi_cache(in).get(), curve);
    });
}

}  // namespace si::sim

#include "stage_sampler.hpp"

#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"
#include "si/rx/interpolator.hpp"
#include "si/rx/round.hpp"

namespace si::sim::detail {

Sampler::Sampler(const Link& link, FrontEnd& fe, std::uint64_t first_ui)
    : fe_(fe), m_(static_cast<std::uint64_t>(link.spec().sim.samples_per_ui)),
      cm_(static_cast<std::uint64_t>(link.cursor_index() % link.spec().sim.samples_per_ui)),
      first_(first_ui), g0_(first_ui * m_ + cm_) {
    const auto& d = link.receiver();
    if (!d.cdr) return;
    cdr_cfg_ = d.cdr_config;
    edge_ = cdr_cfg_.model == "bang_bang";
    rx_ui_ = 1.0 / (1.0 + cdr_cfg_.frequency_offset_ppm * 1e-6);
    sigma_ = link.injected_noise_sigma_v();
    const auto& tx = link.spec().tx;
    sj_amp_ui_ = tx.sj_amp_ui;
    sj_w_ = 2 * kPi * tx.sj_freq_hz / link.spec().signal.symbol_rate_bd;
    latency_ui_ = static_cast<std::uint64_t>(link.cursor_index() / link.spec().sim.samples_per_ui);
    // rx.cdr.initial_phase is relative to the data: with TX SJ, relative to where the SJ has
    // moved the first sampled symbol (the loop starts as if it had been tracking; a bang-bang
    // loop started more than ~1 UI away from a moving target can lock at a wrong frequency)
    if (sj_amp_ui_ > 0 && first_ui >= latency_ui_)
        cdr_cfg_.initial_phase_ui += sj_amp_ui_ * std::sin(sj_w_ * static_cast<double>(first_ui - latency_ui_));
    cdr_.emplace(cdr_cfg_);
    noise_key_ = stream_key(link.spec().sim.seed, Stream::rx_sampler_noise);
    // The waveform stream keeps WaveStream::kSlots blocks: samples may not wander further from
    // the nominal instant than about one block.
    bound_ui_ = std::max(2.0, static_cast<double>(link.spec().sim.block_symbols) - 8.0);
    std::uint64_t n = 64;
    while (n < static_cast<std::uint64_t>(link.receiver().delay_ui) + 70) n <<= 1;
    ring_.assign(n, Entry{});
    mask_ = n - 1;
}

void Sampler::reset() {
    if (cdr_) cdr_.emplace(cdr_cfg_);
}

void Sampler::process(std::uint64_t u0, std::span<double> out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = fe_.noisy((u0 + i) * m_ + cm_);
}

double Sampler::at(double x, int reader) {
    const double fl = rx::floor_fast(x);
    const double mu = x - fl;
    // x >= -M/2 - 1 is guaranteed by bound_ui_ < segment warm-up; g0_ >= M
    const std::uint64_t g = g0_ + static_cast<std::uint64_t>(static_cast<std::int64_t>(fl));
    float q[4];
    fe_.signal4(g - 1, q, reader);
    const double p[4] = {q[0], q[1], q[2], q[3]};
    return rx::lagrange3(p, mu);
}

void Sampler::lost_lock(double wander_ui, std::uint64_t u) {
    throw ModelError(str("CDR: the recovered sampling instant wandered ", wander_ui,
                         " UI from the nominal one at UI ", u,
                         " (the loop lost lock: check rx.cdr.bandwidth against "
                         "rx.cdr.frequency_offset and the jitter)"));
}

Sampler::Entry& Sampler::place(std::uint64_t u) {
    Entry& e = ring_[u & mask_];
    e.phase = cdr_->phase_ui();
    const double rel = static_cast<double>(u - first_);
    const double t = (rel + e.phase + cdr_cfg_.phase_offset_ui) * rx_ui_;  // [UI after first_]
    if (!(std::abs(t - rel) <= bound_ui_)) [[unlikely]]
        lost_lock(t - rel, u);
    e.x = t * static_cast<double>(m_);
    // the symbol sampled: nearest to the instant once the TX's own (sinusoidal) displacement of
    // that symbol is removed, so that a CDR tracking large SJ still decides the same symbol
    double tx_shift = 0;
    if (sj_amp_ui_ > 0 && u >= latency_ui_)
        tx_shift = sj_amp_ui_ * std::sin(sj_w_ * static_cast<double>(u - latency_ui_));
    e.off = rx::round_away(t - rel - tx_shift);
    e.dt = t - rel - tx_shift - static_cast<double>(e.off);
    e.shift = tx_shift;
    return e;
}

double Sampler::sample(std::uint64_t u) {
    Entry& e = place(u);
    e.data = at(e.x, FrontEnd::kData);
    if (sigma_ > 0) e.data += sigma_ * ziggurat_gaussian_keyed(noise_key_, 2 * u);
    return e.data;
}

void Sampler::sample_block(std::uint64_t u, std::span<double> out) {
    const std::size_t n = out.size();
    if (n == 0) return;
    for (std::size_t i = 0; i < n; ++i) place(u + i);
    // One pass when every instant has the same grid phase (the loop holds one phase over the
    // block: only a frequency offset or rounding at a phase boundary moves it): the four
    // neighbours of UI i are then samples g + i M - 1 .. g + i M + 2, read in place.
    const double fl0 = rx::floor_fast(ring_[u & mask_].x);
    bool same = true;
    for (std::size_t i = 1; i < n && same; ++i)
        same = rx::floor_fast(ring_[(u + i) & mask_].x) == fl0 + static_cast<double>(i * m_);
    const float* p[4];
    std::size_t stride = 0;
    if (same && fe_.signal_run4(g0_ + static_cast<std::uint64_t>(static_cast<std::int64_t>(fl0)) - 1,
                                n, p, stride, FrontEnd::kData)) {
        for (std::size_t i = 0; i < n; ++i) {
            Entry& e = ring_[(u + i) & mask_];
            const std::size_t r = i * stride;
            const double q[4] = {p[0][r], p[1][r], p[2][r], p[3][r]};
            e.data = rx::lagrange3(q, e.x - rx::floor_fast(e.x));
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            Entry& e = ring_[(u + i) & mask_];
            e.data = at(e.x, FrontEnd::kData);
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        Entry& e = ring_[(u + i) & mask_];
        if (sigma_ > 0) e.data += sigma_ * ziggurat_gaussian_keyed(noise_key_, 2 * (u + i));
        out[i] = e.data;
    }
}

void Sampler::decide(std::uint64_t u, std::uint8_t level) {
    const Entry& e = ring_[u & mask_];
    double edge = 0;
    // the edge sample half a UI before the data one, taken only when the detector reads it (its
    // value depends on u and the phase used for u only, so skipping the others changes nothing)
    if (edge_ && cdr_->uses_edge(level)) {
        const double rel = static_cast<double>(u - first_);
        edge = at((rel + e.phase - 0.5) * rx_ui_ * static_cast<double>(m_), FrontEnd::kEdge);
        if (sigma_ > 0) edge += sigma_ * ziggurat_gaussian_keyed(noise_key_, 2 * u + 1);
    }
    cdr_->update(e.data, edge, level);
}

void Sampler::window(std::uint64_t u, float* w) {
    std::uint64_t g = u * m_ + cm_;
    if (cdr_) {
        const double x = std::nearbyint(ring_[u & mask_].x);
        g = g0_ + static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
    }
    fe_.noisy_block(g, static_cast<std::size_t>(m_), w, FrontEnd::kWindow);
}

}  // namespace si::sim::detail

#include "stage_waveform.hpp"

#include <algorithm>
#include <cmath>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"
#include "stage_optics.hpp"

namespace si::sim::detail {

// ---- WaveStream ---------------------------------------------------------------------------------

void WaveStream::init(std::uint64_t m, std::uint64_t bu, std::uint64_t first_ui) {
    m_ = m;
    bu_ = bu;
    // One whole block before the first one read: it fills the stream's history (FFT buffers,
    // overlap-save tail) and is exact only from the next block on.
    const std::uint64_t b = first_ui / bu;
    next_blk_ = b >= 1 ? b - 1 : 0;
    for (int i = 0; i < kSlots; ++i) {
        slots_[static_cast<std::size_t>(i)].index = i;
        slots_[static_cast<std::size_t>(i)].base.assign(static_cast<std::size_t>(m), nullptr);
    }
}

void WaveStream::advance_to(std::uint64_t blk) {
    SI_ASSERT(blk + kSlots > next_blk_);  // older blocks are gone
    while (next_blk_ <= blk) {
        Slot& s = slots_[static_cast<std::size_t>(next_blk_ % kSlots)];
        s.blk = static_cast<std::int64_t>(next_blk_);
        std::fill(s.base.begin(), s.base.end(), nullptr);
        produce(next_blk_, s);
        ++next_blk_;
    }
}

// ---- PulseStream --------------------------------------------------------------------------------

PulseStream::PulseStream(const std::vector<double>& pulse, int samples_per_ui,
                         std::size_t direct_block_ui, SymbolFn symbols, std::uint64_t first_ui)
    : symbols_(std::move(symbols)) {
    const auto M = static_cast<std::uint64_t>(samples_per_ui);
    std::vector<float> pf(pulse.begin(), pulse.end());
    const std::uint64_t lp = (pulse.size() + M - 1) / M;
    std::uint64_t bu = 0;
    if (lp >= kFftSuperpositionMinUi) {
        fsup_ = std::make_unique<dsp::PolyphaseFftSuperposer>(pf, samples_per_ui);
        fsup_->set_slots(kSlots);
        bu = fsup_->block_symbols();
    } else {
        sup_ = std::make_unique<dsp::PolyphaseSuperposer>(pf, samples_per_ui);
        bu = std::max<std::uint64_t>({direct_block_ui, lp, 256});
    }
    init(M, bu, first_ui);
}

void PulseStream::produce(std::uint64_t blk, Slot& s) {
    x_.resize(bu_);
    symbols_(blk * bu_, bu_, x_.data());
    if (fsup_) {
        fsup_->load_block(x_, s.index);  // phases computed on first read
        s.stride = 1;
    } else {
        s.y.resize(bu_ * m_);
        sup_->process(x_, s.y);
        s.stride = m_;
        for (std::uint64_t m = 0; m < m_; ++m) s.base[m] = s.y.data() + m;
    }
}

const float* PulseStream::compute_phase(Slot& s, int m) {
    return fsup_->phase(m, s.index).data();
}

// ---- JitterWaveform -----------------------------------------------------------------------------

double edge_offset_ui(const tx::TxConfig& t, double ui_s, std::uint64_t seed, std::uint64_t k) {
    double tau = 0;
    if (t.rj_rms_ui > 0) tau += t.rj_rms_ui * ziggurat_gaussian(seed, Stream::tx_rj, k);
    if (t.sj_amp_ui > 0)
        tau += t.sj_amp_ui * std::sin(2 * kPi * t.sj_freq_hz * ui_s * static_cast<double>(k));
    if (t.dcd_ui > 0) tau += (k % 2 == 0 ? -0.5 : 0.5) * t.dcd_ui;
    return tau;
}

JitterWaveform::JitterWaveform(const std::vector<double>& impulse, int samples_per_ui,
                               const tx::TxConfig& txc, double ui_s, std::uint64_t seed,
                               TxSymbols& tx, std::uint64_t first_ui)
    : txc_(txc), ui_s_(ui_s), seed_(seed), tx_(tx) {
    const auto M = static_cast<std::uint64_t>(samples_per_ui);
    // FFT partition tied to absolute sample positions: blocks of Bf samples from g = 0, at
    // least 128 UI (the ring holds the few blocks a receiver reads around its instant).
    const std::size_t K = impulse.size();
    const std::size_t Bf = ((std::max<std::size_t>({8192, 3 * K, 128 * M}) + M - 1) / M) * M;
    ols_ = std::make_unique<dsp::OverlapSave>(impulse, Bf);
    // an upstream retimer's offsets are within +-1 UI (multihop.cpp clamps them)
    jit_margin_ = static_cast<int>(std::ceil(txc.sj_amp_ui + 8 * txc.rj_rms_ui + txc.dcd_ui)) + 2 +
                  (tx.has_upstream() ? 1 : 0);
    init(M, Bf / M, first_ui);
}

std::uint64_t JitterWaveform::symbols_needed_from() const noexcept {
    const std::uint64_t k = next_blk_ * bu_;
    const auto mg = static_cast<std::uint64_t>(jit_margin_ + 4);
    return k > mg ? k - mg : 0;
}

void JitterWaveform::produce(std::uint64_t blk, Slot& s) {
    const std::size_t Bf = ols_->block_size();
    const auto M = static_cast<double>(m_);
    const auto& tx = txc_;
    const double ui_s = ui_s_;
    const std::uint64_t seed = seed_;
    const std::uint64_t g_next = blk * bu_ * m_;
    ub_.assign(Bf, 0.0f);
    // area-sampled NRZ with edges at e_k = k M + tau_k M (samples)
    const double g0 = static_cast<double>(g_next);
    const std::int64_t kfirst = static_cast<std::int64_t>(g_next / m_) - jit_margin_;
    const std::int64_t klast = static_cast<std::int64_t>((g_next + Bf) / m_) + jit_margin_;
    // Sample g stands for the interval [g - 1/2, g + 1/2): the edges move by half a sample
    // against the [g, g + 1) bins used below (the same trapezoid rule as the pulse, so both
    // paths put a symbol's centre at T/2). Each edge is computed once: the end of symbol k is
    // the start of symbol k + 1.
    const std::int64_t kstart = std::max<std::int64_t>(kfirst, 0);
    auto edge = [&](std::int64_t k) {
        return static_cast<double>(k) * M + 0.5 +
               (edge_offset_ui(tx, ui_s, seed, static_cast<std::uint64_t>(k)) +
                tx_.upstream_edge_ui(static_cast<std::uint64_t>(k))) * M;
    };
    double e1 = edge(kstart);
    for (std::int64_t k = kstart; k <= klast; ++k) {
        const auto ku = static_cast<std::uint64_t>(k);
        const double e0 = e1;
        e1 = edge(k + 1);
        const float xk = tx_.x(ku);
        const double lo = std::max(e0, g0), hi = std::min(e1, g0 + static_cast<double>(Bf));
        if (hi <= lo) continue;
        for (auto g = static_cast<std::int64_t>(std::floor(lo - g0));
             g < static_cast<std::int64_t>(std::ceil(hi - g0)); ++g) {
            const double a = std::max(lo, g0 + static_cast<double>(g));
            const double b = std::min(hi, g0 + static_cast<double>(g) + 1);
            if (b > a) ub_[static_cast<std::size_t>(g)] += static_cast<float>(xk * (b - a));
        }
    }
    s.y.resize(Bf);
    ols_->process_block(ub_, s.y);
    s.stride = m_;
    for (std::uint64_t m = 0; m < m_; ++m) s.base[m] = s.y.data() + m;
}

// ---- FrontEnd -----------------------------------------------------------------------------------

FrontEnd::FrontEnd(const Link& link, TxSymbols& tx, std::uint64_t first_ui) {
    const auto& sp = link.spec();
    const int M = sp.sim.samples_per_ui;
    if (link.optics_model() != nullptr) {  // LPO/CPO: optics stages on the streamed waveform
        victim_ = std::make_unique<OpticsWave>(link, tx, first_ui);
    } else if (link.linear_path() && !tx.has_upstream()) {
        auto sym = [&tx](std::uint64_t k0, std::size_t n, float* out) { tx.copy_x(k0, n, out); };
        victim_ = std::make_unique<PulseStream>(link.pulse(), M,
                                                static_cast<std::size_t>(sp.sim.block_symbols),
                                                sym, first_ui);
    } else {
        victim_ = std::make_unique<JitterWaveform>(link.impulse(), M, sp.tx, link.ui_s(), sp.sim.seed,
                                                   tx, first_ui);
    }
    tx.start(victim_->symbols_needed_from());
    for (std::size_t a = 0; a < link.aggressors().size(); ++a) {
        // Each aggressor: independent uniform random PAM-N symbols (stream xtalk_base + a)
        // superposed with its fused pulse (victim's sample frame, mod 1 UI).
        const std::uint64_t key = stream_key(
            sp.sim.seed, static_cast<Stream>(static_cast<std::uint64_t>(Stream::xtalk_base) + a));
        const auto N = static_cast<std::uint64_t>(link.levels());
        auto sym = [key, N, &link](std::uint64_t k0, std::size_t n, float* out) {
            for (std::size_t i = 0; i < n; ++i)
                out[i] = static_cast<float>(
                    link.level_value(static_cast<int>(random_bits_keyed(key, k0 + i) % N)));
        };
        aggressors_.push_back(
            std::make_unique<PulseStream>(link.aggressors()[a].pulse, M, 1024, sym, first_ui));
    }
    sigma_ = static_cast<float>(link.injected_noise_sigma_v());
    noise_key_ = stream_key(sp.sim.seed, Stream::rx_noise);
    seed_ = sp.sim.seed;
}

float FrontEnd::noise(std::uint64_t g) const noexcept {
    return static_cast<float>(static_cast<double>(sigma_) * ziggurat_gaussian_keyed(noise_key_, g));
}

void FrontEnd::noisy_block(std::uint64_t g, std::size_t n, float* out, int reader) {
    // victim plus aggressors, summed in float in that order as signal() does
    victim_->read(g, n, out, reader);
    if (!aggressors_.empty()) {
        if (abuf_.size() < n) abuf_.resize(n);
        for (auto& a : aggressors_) {
            a->read(g, n, abuf_.data(), reader);
            for (std::size_t r = 0; r < n; ++r) out[r] += abuf_[r];
        }
    }
    if (sigma_ > 0) {
        if (nbuf_.size() < n) nbuf_.resize(n);
        fill_gaussian(seed_, Stream::rx_noise, g, nbuf_.data(), n);
        const auto s = static_cast<double>(sigma_);
        for (std::size_t r = 0; r < n; ++r) out[r] += static_cast<float>(s * nbuf_[r]);
    }
}

}  // namespace si::sim::detail

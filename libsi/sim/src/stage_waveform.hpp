#pragma once
// Waveform stage: the analog waveform at the sampler input, y[g] at absolute sample index
// g = n M + m (UI n, phase m), produced block by block and read at the instants a receiver needs.
//
// - PulseStream: a linear chain, by superposing the fused pulse at symbol rate. Long pulses use
//   symbol-rate FFTs whose phases are computed lazily: a receiver that reads one or a few
//   phases per UI (ideal clock, CDR without the eye) pays for those only.
// - JitterWaveform: TX edge jitter makes the chain time-variant: area-sampled NRZ with jittered
//   edges, convolved by FFTW overlap-save with the fused impulse response (all phases).
// - FrontEnd: victim + crosstalk aggressors + RX noise (white per sample, counter-based).
// Blocks sit at absolute multiples of the block length and each stream starts one whole block
// before the first sample read, so every sample depends only on its absolute index: results are
// bit-identical whatever the segment split (docs/engine.md).
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "si/dsp/superpose.hpp"
#include "si/sim/link.hpp"
#include "stage_tx.hpp"

namespace si::sim::detail {

/// Pulses at least this long (in UI) are superposed with symbol-rate FFTs instead of directly.
constexpr std::uint64_t kFftSuperpositionMinUi = 40;  // measured crossover 32-40 UI (performance.md)

/// A stream of samples read by absolute index through a ring of the last kSlots blocks.
class WaveStream {
public:
    static constexpr int kSlots = 4;
    virtual ~WaveStream() = default;
    /// Sample g; g must lie in one of the last kSlots blocks or later.
    [[nodiscard]] float at(std::uint64_t g) {
        const std::uint64_t n = g / m_;
        const auto m = static_cast<int>(g - n * m_);
        const std::uint64_t blk = n / bu_;
        Slot& s = slots_[static_cast<std::size_t>(blk % kSlots)];
        if (s.blk != static_cast<std::int64_t>(blk)) advance_to(blk);
        const float* b = s.base[static_cast<std::size_t>(m)];
        if (b == nullptr) b = s.base[static_cast<std::size_t>(m)] = compute_phase(s, m);
        return b[static_cast<std::size_t>(n - blk * bu_) * s.stride];
    }
    /// Samples g .. g+3 into out (one index computation for the four; interpolation).
    void at4(std::uint64_t g, float* out) {
        std::uint64_t n = g / m_;
        auto m = static_cast<std::uint64_t>(g - n * m_);
        std::uint64_t blk = n / bu_;
        std::uint64_t r = n - blk * bu_;  // UI within the block
        for (int i = 0;;) {
            Slot& s = slots_[static_cast<std::size_t>(blk % kSlots)];
            if (s.blk != static_cast<std::int64_t>(blk)) advance_to(blk);
            for (; i < 4; ++i) {
                const float* b = s.base[static_cast<std::size_t>(m)];
                if (b == nullptr) b = s.base[static_cast<std::size_t>(m)] = compute_phase(s, static_cast<int>(m));
                out[i] = b[static_cast<std::size_t>(r) * s.stride];
                if (++m == m_) {
                    m = 0;
                    if (++r == bu_) {  // next block
                        r = 0;
                        ++blk;
                        ++i;
                        break;
                    }
                }
            }
            if (i >= 4) return;
        }
    }
    /// Lowest symbol index the stream may still ask its symbol source for.
    [[nodiscard]] virtual std::uint64_t symbols_needed_from() const noexcept = 0;
    [[nodiscard]] std::uint64_t block_ui() const noexcept { return bu_; }

protected:
    struct Slot {
        std::int64_t blk = -1;
        int index = 0;
        std::vector<const float*> base;  // per phase: sample i of the block at base[m][i*stride]
        std::size_t stride = 1;
        std::vector<float> y;  // eager blocks: interleaved samples
    };
    /// m: samples per UI; bu: block length [UI]; first_ui: first UI that will be read.
    void init(std::uint64_t m, std::uint64_t bu, std::uint64_t first_ui);
    virtual void produce(std::uint64_t blk, Slot& s) = 0;
    virtual const float* compute_phase(Slot& s, int m) = 0;
    void advance_to(std::uint64_t blk);

    std::uint64_t m_ = 1, bu_ = 1, next_blk_ = 0;
    std::array<Slot, kSlots> slots_;
};

/// Symbol amplitudes k0 .. k0+n-1 of a stream into out.
using SymbolFn = std::function<void(std::uint64_t k0, std::size_t n, float* out)>;

/// Superposition of a symbol stream with a pulse (M samples per UI).
class PulseStream final : public WaveStream {
public:
    PulseStream(const std::vector<double>& pulse, int samples_per_ui, std::size_t direct_block_ui,
                SymbolFn symbols, std::uint64_t first_ui);
    [[nodiscard]] std::uint64_t symbols_needed_from() const noexcept override {
        return next_blk_ * bu_;
    }

private:
    void produce(std::uint64_t blk, Slot& s) override;
    const float* compute_phase(Slot& s, int m) override;
    SymbolFn symbols_;
    std::unique_ptr<dsp::PolyphaseSuperposer> sup_;
    std::unique_ptr<dsp::PolyphaseFftSuperposer> fsup_;
    std::vector<float> x_;
};

/// Jittered NRZ through an impulse response (FFT overlap-save): the TX edges move by the TX's
/// own jitter (RJ, SJ, DCD of `txc`) plus the upstream retimer's clock offset of each symbol.
class JitterWaveform final : public WaveStream {
public:
    /// impulse: taps at dt = ui_s / M in the frame of the matching pulse response (the fused
    /// chain's, or an optical link's near part).
    JitterWaveform(const std::vector<double>& impulse, int samples_per_ui, const tx::TxConfig& txc,
                   double ui_s, std::uint64_t seed, TxSymbols& tx, std::uint64_t first_ui);
    [[nodiscard]] std::uint64_t symbols_needed_from() const noexcept override;

private:
    void produce(std::uint64_t blk, Slot& s) override;
    const float* compute_phase(Slot&, int) override { return nullptr; }  // eager
    tx::TxConfig txc_;
    double ui_s_ = 0;
    std::uint64_t seed_ = 0;
    TxSymbols& tx_;
    std::unique_ptr<dsp::OverlapSave> ols_;
    int jit_margin_ = 0;
    std::vector<float> ub_;
};

/// Edge time offset tau_k [UI] of the edge that starts symbol k (RJ, SJ, DCD).
[[nodiscard]] double edge_offset_ui(const tx::TxConfig& t, double ui_s, std::uint64_t seed,
                                    std::uint64_t k);

/// The waveform at the sampler input: victim, crosstalk aggressors and RX noise.
class FrontEnd {
public:
    /// first_ui: first UI whose samples will be read (streams start one block earlier).
    FrontEnd(const Link& link, TxSymbols& tx, std::uint64_t first_ui);
    /// Noiseless sample g [V] (victim plus aggressors, summed in float in that order).
    [[nodiscard]] float signal(std::uint64_t g) {
        float y = victim_->at(g);
        for (auto& a : aggressors_) y += a->at(g);
        return y;
    }
    /// Noiseless samples g .. g+3 [V].
    void signal4(std::uint64_t g, float* out) {
        victim_->at4(g, out);
        float t[4];
        for (auto& a : aggressors_) {
            a->at4(g, t);
            for (int i = 0; i < 4; ++i) out[i] += t[i];
        }
    }
    /// Sample g with the RX noise of the waveform (stream rx_noise, index g) [V].
    [[nodiscard]] float noisy(std::uint64_t g) {
        float y = signal(g);
        if (sigma_ > 0) y += noise(g);
        return y;
    }
    [[nodiscard]] float noise(std::uint64_t g) const noexcept;
    [[nodiscard]] std::uint64_t symbols_needed_from() const noexcept {
        return victim_->symbols_needed_from();
    }

private:
    std::unique_ptr<WaveStream> victim_;
    std::vector<std::unique_ptr<WaveStream>> aggressors_;
    float sigma_ = 0;
    std::uint64_t noise_key_ = 0;
};

}  // namespace si::sim::detail

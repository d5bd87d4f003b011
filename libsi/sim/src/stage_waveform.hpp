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
/// Readers walk the stream with cursors (kCursors of them, one per kind of reader: data
/// instants, edge instants, eye windows): a cursor remembers the UI, block and slot of its last
/// read, so reads that move by less than a UI or two find their sample without a division.
class WaveStream {
public:
    static constexpr int kSlots = 4;
    static constexpr int kCursors = 3;
    virtual ~WaveStream() = default;
    /// Sample g through cursor c; g must lie in one of the last kSlots blocks or later.
    [[nodiscard]] float at(std::uint64_t g, int c = 0) {
        Cursor& k = cursor_to(g, c);
        return value(*k.s, k.r, static_cast<std::size_t>(g - k.g));
    }
    /// Samples g .. g+3 into out through cursor c (interpolation).
    void at4(std::uint64_t g, float* out, int c = 0) {
        Cursor& k = cursor_to(g, c);
        const auto d = static_cast<std::size_t>(g - k.g);
        if (d + 3 < m_) [[likely]] {  // all four in the cursor's UI (the common case)
            Slot& s = *k.s;
            const std::size_t i = k.r * s.stride;
            const float* const* b = s.base.data() + d;
            if (b[0] && b[1] && b[2] && b[3]) [[likely]] {
                for (std::size_t j = 0; j < 4; ++j) out[j] = b[j][i];
                return;
            }
        }
        at4_slow(k, d, out);
    }
    /// Samples g .. g+n-1 into out through cursor c (left at the UI of g).
    void read(std::uint64_t g, std::size_t n, float* out, int c = 0) {
        const Cursor& k = cursor_to(g, c);
        walk(k, static_cast<std::size_t>(g - k.g), n, out);
    }
    /// Samples g .. g+3 of n consecutive UIs, read in place: p[j][r * stride] is sample
    /// g + j + r M for r < n. False (nothing read) when the four samples cross into the next UI
    /// or the n UIs into the next block; callers then read them one UI at a time with at4().
    /// Leaves cursor c at the last of the n UIs.
    bool run4(std::uint64_t g, std::size_t n, const float* p[4], std::size_t& stride, int c = 0) {
        Cursor& k = cursor_to(g, c);
        const auto d = static_cast<std::size_t>(g - k.g);
        if (n == 0 || d + 3 >= m_ || k.r + n > bu_) return false;
        Slot& s = *k.s;
        const std::size_t i = k.r * s.stride;
        for (std::size_t j = 0; j < 4; ++j) p[j] = phase_ptr(s, d + j) + i;
        stride = s.stride;
        k.g += (n - 1) * m_;
        k.r += n - 1;
        return true;
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

private:
    struct Cursor {
        std::uint64_t g = 0;    // absolute index of phase 0 of the cursor's UI
        std::uint64_t blk = 0;  // its block
        std::uint64_t r = 0;    // its UI within the block
        Slot* s = nullptr;      // the block's slot
    };
    /// at4 when a phase is still to be computed or the four samples cross into the next UI.
    [[gnu::noinline]] void at4_slow(const Cursor& k, std::size_t d, float* out) { walk(k, d, 4, out); }
    /// n samples from phase d of the cursor's UI on, computing phases and producing blocks as
    /// needed (walks a copy of the cursor).
    void walk(const Cursor& k, std::size_t d, std::size_t n, float* out) {
        std::uint64_t blk = k.blk, r = k.r;
        Slot* s = k.s;
        std::size_t m = d;
        for (std::size_t j = 0; j < n; ++j) {
            out[j] = value(*s, r, m);
            if (++m == m_) {
                m = 0;
                if (++r == bu_) {
                    r = 0;
                    s = &slot_of(++blk);
                }
            }
        }
    }
    /// The slot holding block blk, produced if it is the next one(s).
    Slot& slot_of(std::uint64_t blk) {
        Slot& s = slots_[static_cast<std::size_t>(blk % kSlots)];
        if (s.blk != static_cast<std::int64_t>(blk)) advance_to(blk);
        return s;
    }
    const float* phase_ptr(Slot& s, std::size_t m) {
        const float* b = s.base[m];
        if (b == nullptr) b = s.base[m] = compute_phase(s, static_cast<int>(m));
        return b;
    }
    float value(Slot& s, std::uint64_t r, std::size_t m) {
        return phase_ptr(s, m)[static_cast<std::size_t>(r) * s.stride];
    }
    /// Cursor c moved to the UI holding sample g: one-UI steps without division, else a seek.
    Cursor& cursor_to(std::uint64_t g, int c) {
        Cursor& k = cursors_[static_cast<std::size_t>(c)];
        if (k.s != nullptr && g - k.g >= m_ && g - k.g < 2 * m_) [[likely]] {  // the next UI
            k.g += m_;
            if (++k.r == bu_) [[unlikely]] {
                k.r = 0;
                ++k.blk;
            }
            k.s = &slots_[static_cast<std::size_t>(k.blk % kSlots)];
        } else if (k.s == nullptr || g - k.g >= m_) {  // not in the cursor's UI nor the next
            cursor_move(k, g);
        }
        if (k.s->blk != static_cast<std::int64_t>(k.blk)) [[unlikely]]
            k.s = &slot_of(k.blk);  // not produced yet (or older than the ring: asserts)
        return k;
    }
    [[gnu::noinline]] void cursor_move(Cursor& k, std::uint64_t g) {
        if (k.s != nullptr && g < k.g && g + m_ >= k.g) {  // the previous UI
            k.g -= m_;
            if (k.r-- == 0) {
                k.r = bu_ - 1;
                --k.blk;
            }
        } else if (k.s != nullptr && g >= k.g && g - k.g < kStepUi * m_) {
            // a few UIs ahead (a reader that skips UIs, e.g. edge samples taken only at the
            // transitions a bang-bang detector uses): step without a division
            do {
                k.g += m_;
                if (++k.r == bu_) {
                    k.r = 0;
                    ++k.blk;
                }
            } while (g - k.g >= m_);
        } else {
            const std::uint64_t n = g / m_;
            k.g = n * m_;
            k.blk = n / bu_;
            k.r = n - k.blk * bu_;
        }
        k.s = &slots_[static_cast<std::size_t>(k.blk % kSlots)];
    }
    static constexpr std::uint64_t kStepUi = 16;  // forward moves up to this many UIs step
    std::array<Cursor, kCursors> cursors_{};
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
    /// Readers of the waveform, each with its own cursor into the streams (WaveStream).
    enum Reader : int { kData = 0, kEdge = 1, kWindow = 2 };
    /// Noiseless sample g [V] (victim plus aggressors, summed in float in that order).
    [[nodiscard]] float signal(std::uint64_t g, int reader = kData) {
        float y = victim_->at(g, reader);
        for (auto& a : aggressors_) y += a->at(g, reader);
        return y;
    }
    /// Noiseless samples g .. g+3 [V].
    void signal4(std::uint64_t g, float* out, int reader = kData) {
        victim_->at4(g, out, reader);
        float t[4];
        for (auto& a : aggressors_) {
            a->at4(g, t, reader);
            for (int i = 0; i < 4; ++i) out[i] += t[i];
        }
    }
    /// Noiseless samples g .. g+3 of n consecutive UIs in place (WaveStream::run4), when the
    /// waveform is the victim alone (no aggressor to sum) and the samples lie in one UI and
    /// one block; false otherwise (read them with signal4()).
    bool signal_run4(std::uint64_t g, std::size_t n, const float* p[4], std::size_t& stride,
                     int reader = kData) {
        return aggressors_.empty() && victim_->run4(g, n, p, stride, reader);
    }
    /// Sample g with the RX noise of the waveform (stream rx_noise, index g) [V].
    [[nodiscard]] float noisy(std::uint64_t g, int reader = kData) {
        float y = signal(g, reader);
        if (sigma_ > 0) y += noise(g);
        return y;
    }
    [[nodiscard]] float noise(std::uint64_t g) const noexcept;
    /// out[r] = noisy(g + r, reader) for r < n, the noise drawn for the block at once (the same
    /// values: fill_gaussian is bit-identical to the per-index draw).
    void noisy_block(std::uint64_t g, std::size_t n, float* out, int reader = kData);
    [[nodiscard]] std::uint64_t symbols_needed_from() const noexcept {
        return victim_->symbols_needed_from();
    }

private:
    std::unique_ptr<WaveStream> victim_;
    std::vector<std::unique_ptr<WaveStream>> aggressors_;
    float sigma_ = 0;
    std::uint64_t noise_key_ = 0;
    std::uint64_t seed_ = 0;
    std::vector<double> nbuf_;  // block noise scratch
    std::vector<float> abuf_;   // block aggressor scratch
};

}  // namespace si::sim::detail

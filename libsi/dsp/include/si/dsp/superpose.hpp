#pragma once
/// \file superpose.hpp
/// Polyphase pulse superposition: the waveform of a linear link built at symbol rate.
///
/// With a pulse response p sampled M times per UI (p[j M + m], j = 0..L-1 UI, m = 0..M-1), the
/// waveform sample m of UI n is
///     y[n M + m] = sum_{j=0}^{L-1} x[n - j] p[j M + m],
/// i.e. M symbol-rate FIR filters, one per phase. The cost is L*M multiply-adds per UI with the M
/// phases updated as one contiguous vector, so it vectorises fully (AVX2/AVX-512 clones are
/// selected at run time). State (the last L-1 symbols) persists across calls, so any block split
/// gives bit-identical output: each output is the same sum in the same order.
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace si::dsp {

class PolyphaseSuperposer {
public:
    /// pulse: L*M samples (padded with zeros to a whole number of UI if shorter).
    PolyphaseSuperposer(std::span<const float> pulse, int samples_per_ui);
    /// x: n symbol amplitudes; y: n*M waveform samples.
    void process(std::span<const float> x, std::span<float> y) noexcept;
    void reset() noexcept;
    [[nodiscard]] int samples_per_ui() const noexcept { return m_; }
    [[nodiscard]] std::size_t length_ui() const noexcept { return l_; }

private:
    int m_;
    std::size_t l_;
    std::vector<float> p_;     // L*M, phase-contiguous
    std::vector<float> hist_;  // (L-1) previous symbols followed by the current block
};

/// The same superposition computed with symbol-rate FFTs (overlap-save per phase): one forward
/// FFT of the symbols and M inverse FFTs per block, about 10x fewer operations than the direct
/// form for pulses of a few hundred UI. Blocks are exactly block_symbols() symbols, so the
/// arithmetic of every output depends only on its absolute position when the caller starts at a
/// multiple of block_symbols() (bit-identical whatever the caller's own grouping).
/// The pulse's per-phase spectra (M FFTs) are kept for the process for the last 8 pulses, by
/// their exact bytes, M and FFT size: superposers of the same pulse share them (same values).
class PolyphaseFftSuperposer {
public:
    /// fft_size 0: next power of two >= 4 L (at least 256).
    PolyphaseFftSuperposer(std::span<const float> pulse, int samples_per_ui, std::size_t fft_size = 0);
    ~PolyphaseFftSuperposer();
    PolyphaseFftSuperposer(PolyphaseFftSuperposer&&) noexcept;
    [[nodiscard]] std::size_t block_symbols() const noexcept;
    [[nodiscard]] std::size_t length_ui() const noexcept;
    /// x: block_symbols() symbols; y: block_symbols() * M samples.
    void process_block(std::span<const float> x, std::span<float> y) noexcept;
    /// Lazy form of process_block(): takes the next block of symbols (one forward FFT) and
    /// computes no phase yet; phase(m) then computes phase m of that block on first use (one
    /// inverse FFT) and returns its block_symbols() samples, sample i = y[i M + m]. The values
    /// are bit-identical to process_block()'s. A receiver that needs only the phases near its
    /// sampling instant costs a fraction 1/M of the work per phase it skips.
    /// `slot` (0 .. slots()-1) keeps the block's spectrum and phases until the slot is loaded
    /// again, so phases of the last slots() blocks stay available (the history of the FFT is
    /// the sequence of load_block() calls, whatever the slots).
    void load_block(std::span<const float> x, int slot = 0) noexcept;
    [[nodiscard]] std::span<const float> phase(int m, int slot = 0) noexcept;
    void set_slots(int n);
    [[nodiscard]] int slots() const noexcept;
    void reset() noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Overlap-save FFT convolution of a float stream with real taps h (length K). The stream is
/// processed in fixed blocks of block_size() samples, so results do not depend on how the caller
/// groups blocks (the FFT partition is tied to absolute sample positions).
class OverlapSave {
public:
    /// block: samples per process_block() call; 0 chooses about 3*K (at least 4096). The FFT
    /// size is the next fast size >= block + K - 1 (the taps are zero-padded to it).
    explicit OverlapSave(std::span<const double> h, std::size_t block = 0);
    ~OverlapSave();
    OverlapSave(OverlapSave&&) noexcept;
    OverlapSave& operator=(OverlapSave&&) noexcept;
    /// New samples consumed and produced per call of process_block().
    [[nodiscard]] std::size_t block_size() const noexcept;
    [[nodiscard]] std::size_t taps() const noexcept;
    /// in and out: block_size() samples. out[i] = sum_k h[k] in[i-k] (causal, history kept).
    void process_block(std::span<const float> in, std::span<float> out) noexcept;
    void reset() noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace si::dsp

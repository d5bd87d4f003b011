#pragma once
// Sampler stage: turns the analog waveform into one sample per UI at the instants the receiver
// clock chooses.
// - Ideal reference clock (rx.cdr.model = "ideal", the default): the grid sample at the link's
//   sampling phase, with the waveform's own RX noise.
// - Recovered clock (CDR): UI u is sampled at the instant the CDR loop commands,
//     t_u = u0 + ((u - u0) + phi) / (1 + delta)      [TX UI; u0 the segment's first UI],
//   phi the phase-interpolator phase after the decisions available so far (the loop latency is
//   the chain's tentative-decision delay plus one UI), delta the RX clock's frequency offset.
//   The value is the noiseless waveform interpolated at t_u by cubic Lagrange over the four
//   nearest grid samples (si/rx/interpolator.hpp: error <= 2.2e-6 of a tone's amplitude at fb/2
//   and 32 samples/UI), plus Gaussian RX noise of the same sigma from stream rx_sampler_noise
//   (index 2u data, 2u + 1 edge). Bang-bang: the edge sample half a UI earlier, same way, taken
//   when the loop reads it (rx::Cdr::uses_edge: a symmetric transition), at decide().
// Eye windows: M grid samples from the grid point nearest the sampling instant (the eye's time
// resolution is one grid sample), with the waveform's RX noise.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "si/rx/cdr.hpp"
#include "si/sim/link.hpp"
#include "stage_waveform.hpp"

namespace si::sim::detail {

class Sampler {
public:
    /// first_ui: first UI that will be sampled (the segment start).
    Sampler(const Link& link, FrontEnd& fe, std::uint64_t first_ui);
    [[nodiscard]] bool recovered() const noexcept { return cdr_.has_value(); }

    /// Fixed clock: data samples of UIs u0 .. u0 + out.size() - 1 [V] (noise included).
    void process(std::uint64_t u0, std::span<double> out);
    /// Recovered clock: the data sample of UI u (u in increasing order, one call per UI) [V].
    double sample(std::uint64_t u);
    /// Recovered clock: the data samples of UIs u .. u + out.size() - 1, all at the phase the
    /// loop holds now (no decide() between them): the same values as sample() UI by UI, read
    /// from the waveform in one pass when the instants fall on the same grid phase.
    void sample_block(std::uint64_t u, std::span<double> out);
    /// Recovered clock: the (tentative) decision for UI u, in UI order, at most a ring's length
    /// behind the last sample: advances the CDR loop.
    void decide(std::uint64_t u, std::uint8_t level);
    /// Eye window of the last sampled (or processed) UI u: M samples from its sampling instant.
    void window(std::uint64_t u, float* w);
    /// Phase phi used for UI u [UI] (recovered clock; 0 for the fixed clock); u within the ring.
    [[nodiscard]] double phase_of(std::uint64_t u) const noexcept {
        return cdr_ ? ring_[u & mask_].phase : 0.0;
    }
    /// Recovered clock: the sample of UI u was taken nearest to the ideal instant of UI
    /// u + symbol_offset(u) (a CDR that locked a whole UI away, or slipped, decides a neighbour
    /// symbol: the error counter follows it, as a BERT re-synchronises).
    [[nodiscard]] std::int64_t symbol_offset(std::uint64_t u) const noexcept {
        return cdr_ ? ring_[u & mask_].off : 0;
    }
    /// Recovered clock: the sampling instant of UI u less the ideal instant of the symbol it
    /// decides [UI] (0 for the fixed clock).
    [[nodiscard]] double sampling_offset_ui(std::uint64_t u) const noexcept {
        return cdr_ ? ring_[u & mask_].dt : 0.0;
    }
    /// Recovered clock: the sampling instant of UI u less the undisplaced ideal instant of the
    /// symbol it decides [UI]: sampling_offset_ui() plus the TX's own SJ the loop follows (the
    /// recovered clock a retimer launches the next hop on). 0 for the fixed clock.
    [[nodiscard]] double clock_offset_ui(std::uint64_t u) const noexcept {
        return cdr_ ? ring_[u & mask_].dt + ring_[u & mask_].shift : 0.0;
    }
    /// Largest |symbol_offset| the sampler allows before it reports a lost lock [UI].
    [[nodiscard]] std::uint64_t max_offset_ui() const noexcept {
        return static_cast<std::uint64_t>(bound_ui_) + 1;
    }
    [[nodiscard]] const rx::Cdr* cdr() const noexcept { return cdr_ ? &*cdr_ : nullptr; }
    void reset();

private:
    struct Entry {
        double data = 0, phase = 0, x = 0;  // x: data instant [samples from g0_]
        double dt = 0;                                 // instant - ideal instant of its symbol [UI]
        double shift = 0;                              // TX SJ displacement of that symbol [UI]
        std::int64_t off = 0;                          // symbol decided - UI index
    };
    /// The ring entry of UI u (phase, instant, symbol offset) at the loop's phase now; throws
    /// when the instant has wandered out of the waveform's reach.
    Entry& place(std::uint64_t u);
    [[noreturn, gnu::cold, gnu::noinline]] static void lost_lock(double wander_ui, std::uint64_t u);
    /// Noiseless waveform at x samples after g0_, read through the FrontEnd reader given.
    [[nodiscard]] double at(double x, int reader);
    FrontEnd& fe_;
    std::uint64_t m_;
    std::uint64_t cm_;  // sampling phase within the UI [samples]
    std::uint64_t first_ = 0, g0_ = 0;
    std::optional<rx::Cdr> cdr_;
    rx::CdrConfig cdr_cfg_;
    bool edge_ = false;
    double rx_ui_ = 1, sigma_ = 0, bound_ui_ = 0;
    std::uint64_t noise_key_ = 0;
    double sj_amp_ui_ = 0, sj_w_ = 0;  // TX SJ [UI peak], [rad per UI]
    std::uint64_t latency_ui_ = 0;     // UI from a symbol's launch to its sampling
    std::vector<Entry> ring_;
    std::uint64_t mask_ = 0;
};

}  // namespace si::sim::detail

#pragma once
/// \file mlse.hpp
/// Maximum-likelihood sequence estimation (Viterbi) over PAM-N with a short monic target.
///
/// The detector input (FFE output) is modelled as
///   y_n = h0 (a_n + g1 a_{n-1} + g2 a_{n-2}) + w_n,   w_n white Gaussian,
/// with a_n the normalised PAM-N levels (-1 + 2i/(N-1)), target g = (1, g1[, g2]) of memory
/// M = 1 (1 + aD) or 2 (1 + a1 D + a2 D^2), and h0 the main cursor. The Viterbi algorithm
/// (Forney, Proc. IEEE 61(3), 1973) keeps N^M states (a_{n-1}[, a_{n-2}]) and the branch metric
/// (y_n - h0 (a_n + g1 a_{n-1} + g2 a_{n-2}))^2: 4 or 16 states for PAM4. Residual ISI beyond
/// the target and noise colouring by the FFE are not modelled by the detector (it treats them
/// as white noise), as in a real receiver.
///
/// Streaming: the decision for symbol n is taken at symbol n + D (D = traceback depth, from the
/// best state at that time), so process() emits max(0, total - D) decisions overall and
/// flush() emits the last D. A traceback of ~5-10 times the memory is plenty for a short target
/// (the survivor paths merge within a few error-event lengths); the default 32 is generous.
///
/// Target: given (cfg.target) or taken from the equalized pulse f (mlse_target_from_pulse):
/// g_i = f[c+i] / f[c]; the FFE solver (ffe.hpp, target_memory) gives the MMSE-optimal pair.
#include <cstdint>
#include <span>
#include <vector>

namespace si::rx {

struct MlseConfig {
    int levels = 4;              ///< PAM-N (2..8)
    int memory = 1;              ///< target memory M: 1 or 2 (rx.mlse.taps)
    int traceback = 32;          ///< traceback depth D [UI], 1..1024
    std::vector<double> target;  ///< (1, g1[, g2]); empty = from the pulse
};

/// Throws si::ConfigError naming rx.mlse.<field>.
void validate(const MlseConfig& c);

/// g = (1, f[c+1]/f[c][, f[c+2]/f[c]]) from the equalized symbol-spaced pulse f.
[[nodiscard]] std::vector<double> mlse_target_from_pulse(std::span<const double> f, int cursor,
                                                         int memory);

class Mlse {
public:
    /// target: M+1 values starting with 1; main_cursor_v: h0 (> 0, units of the input).
    Mlse(const MlseConfig& cfg, std::span<const double> target, double main_cursor);

    /// Consumes in; writes the decisions (level indices, in symbol order) that became final to
    /// out (out.size() >= in.size()) and returns how many.
    std::size_t process(std::span<const double> in, std::span<std::uint8_t> out) noexcept;
    /// Writes the pending decisions (at most D; out.size() >= D) and returns how many; the
    /// detector is then reset.
    std::size_t flush(std::span<std::uint8_t> out) noexcept;
    /// Forgets all state (metrics equal: unknown start).
    void reset() noexcept;

    [[nodiscard]] int latency() const noexcept { return depth_; }
    [[nodiscard]] const std::vector<double>& target() const noexcept { return target_; }

private:
    void step(double y) noexcept;
    void finish_step(const std::uint8_t* sv, double best_all) noexcept;
    int n_, m_, depth_;
    std::size_t states_;
    std::vector<double> target_;
    std::vector<double> ref_;       // [new state s'][pred j]: expected y
    std::vector<double> ref_js_;    // memory 1: the same, [pred j][new state s']
    std::vector<std::uint8_t> pred_;  // [new state s'][pred j]: predecessor state index
    std::vector<double> metric_, next_;
    std::vector<std::uint8_t> surv_;  // ring [time][state] of predecessor states
    std::size_t rmask_ = 0;
    // Register exchange (Rader 1981), used when the last D + 1 symbols of a path fit in 128
    // bits: reg_[s] holds the symbols of the survivor ending in state s, newest in the low bits,
    // so the decision D symbols back is one shift instead of a D-step traceback (same result:
    // the same survivor, read another way).
    __extension__ typedef unsigned __int128 Reg;
    bool exchange_ = false;
    int bits_ = 1;                  // bits per symbol
    std::vector<Reg> reg_, reg_next_;
    std::vector<std::uint8_t> xs_;  // newest symbol of each state (s mod N)
    std::uint64_t t_ = 0;           // symbols processed
};

}  // namespace si::rx

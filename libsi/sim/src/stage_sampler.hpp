#pragma once
// Sampler stage: turns the analog waveform into one sample per UI at the instants the receiver
// clock chooses. Ideal reference clock: the grid sample at the link's sampling phase (today's
// behaviour, the default). Recovered clock (CDR): the waveform interpolated at the instant the
// CDR loop commands, with the edge sample half a UI earlier for a bang-bang detector.
#include <cstdint>
#include <span>
#include <vector>

#include "si/sim/link.hpp"
#include "stage_waveform.hpp"

namespace si::sim::detail {

class Sampler {
public:
    Sampler(const Link& link, FrontEnd& fe);
    /// Data samples of UIs u0 .. u0 + out.size() - 1 [V] (noise included).
    void process(std::uint64_t u0, std::span<double> out);
    /// Eye window of UI u: M waveform samples from its sampling instant on (w[0] is the
    /// decision instant). u must be within the last processed blocks.
    void window(std::uint64_t u, float* w);
    void reset() noexcept {}

private:
    FrontEnd& fe_;
    std::uint64_t m_;
    std::uint64_t cm_;  // sampling phase within the UI [samples]
};

}  // namespace si::sim::detail

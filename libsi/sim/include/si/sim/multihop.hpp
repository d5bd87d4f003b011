#pragma once
/// \file multihop.hpp
/// Links of several hops (docs/architectures.md "Multi-hop links"). A hop is a transmitter, its
/// elements (electrical channel; optionally the optical chain and the far channel) and a
/// receiver: one single-hop LinkSpec. Every hop but the last ends in a **retimer**: its
/// receiver's decisions, errors included, are the next hop's symbols, launched on its recovered
/// clock (the next hop's TX edges move by the retimer's sampling-instant offsets less their
/// mean: the recovered clock's jitter; its constant phase is a delay).
///
/// Symbols keep their index from hop to hop: hop h's decision for symbol k is symbol k of hop
/// h+1 (the retimer's latency is reported, not simulated as an index shift), so the end-to-end
/// count compares the last hop's decision for k with symbol k of the pattern.
///
/// The run is cut into fixed segments of the end-to-end symbols (sim.segment_symbols); each
/// segment runs every hop in turn over the symbols the next one needs, each hop with its own
/// warm-up, training and lock, so results are bit-identical for any sim.threads.
#include <cstdint>
#include <string>
#include <vector>

#include "si/analysis/ber.hpp"
#include "si/sim/link.hpp"

namespace si::sim {

/// Most hops a link may have (a retimed pluggable link has three).
inline constexpr int kMaxHops = 4;

struct MultiHopSpec {
    /// link.architecture: "retimed", "lro", "cpo", "lpo" or "electrical" (a label for power,
    /// latency and the comparison table; the hops say what is simulated).
    std::string architecture = "retimed";
    std::vector<std::string> names;  ///< hop.<i>.name (default "hop <i>")
    /// Hop i as a single-hop link; hops after the first take their symbols from the retimer
    /// (LinkSpec::retimed_input is set by MultiLink).
    std::vector<LinkSpec> hops;
};

/// The built hops.
class MultiLink {
public:
    /// Builds and designs every hop. A ConfigError of hop i names "hop.<i>.<key>"; a hop that
    /// retimes (every hop but the last) without a recovered clock is refused
    /// ("hop.<i>.rx.cdr.model").
    explicit MultiLink(MultiHopSpec spec);
    [[nodiscard]] const MultiHopSpec& spec() const noexcept { return spec_; }
    [[nodiscard]] const std::vector<Link>& hops() const noexcept { return hops_; }
    [[nodiscard]] std::size_t size() const noexcept { return hops_.size(); }

private:
    MultiHopSpec spec_;
    std::vector<Link> hops_;
};

struct MultiRunResult {
    /// Per hop, as a single-hop run: eyes, the hop's own error count (its decisions against the
    /// symbols it was sent), receiver and CDR results. Its counted symbols are the end-to-end
    /// ones.
    std::vector<RunResult> hops;
    /// End to end: the last hop's decisions against the pattern.
    analysis::BerCounts ber;
    double ser_statistical = 0;  ///< 1 - prod(1 - SER_h) of the hops' statistical SERs
    double ber_statistical = 0;  ///< the same with the hops' statistical BERs
    /// On the end-to-end symbols: sum over hops of the symbols each hop decided wrong, and how
    /// many of those fell on a symbol another hop had already decided wrong (sum over symbols of
    /// (wrong hops - 1) where at least two hops erred). End-to-end errors <= sum - coincident.
    std::uint64_t hop_symbol_errors = 0, coincident_errors = 0;
    std::uint64_t missing_symbols = 0;  ///< symbols a retimer decided none for (cycle slips)
    std::uint64_t first_symbol = 0;     ///< pattern index of the first end-to-end symbol counted
    double elapsed_s = 0;               ///< streaming, all hops
    std::vector<std::string> warnings;
};

/// Runs the link (sim.* of hop 0: symbols, threads, segment size, seed).
[[nodiscard]] MultiRunResult run(const MultiLink& link, const Progress& progress = {});

}  // namespace si::sim

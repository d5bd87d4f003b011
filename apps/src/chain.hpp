#pragma once
/// \file chain.hpp
/// The element chains priced for power and latency (si::arch::budget): from link.architecture,
/// the hops, symbol rates, fibre length and modulator (docs/architectures.md "Power and
/// latency"). Used by `sisim run` (/budget) and `sisim compare`.
#include <string>

#include "si/arch/budget.hpp"
#include "si/sim/link.hpp"
#include "si/sim/multihop.hpp"

namespace sisim {

/// A single-hop link. Throws si::ConfigError for an architecture without a chain.
[[nodiscard]] si::arch::ChainSpec chain_of(const si::sim::LinkSpec& spec, const std::string& name);

/// A multi-hop link: one priced hop per simulated hop, each retimer priced as a module (or
/// optical-engine) DSP at its hop's line rate.
[[nodiscard]] si::arch::ChainSpec chain_of(const si::sim::MultiHopSpec& spec, const std::string& name);

}  // namespace sisim

#pragma once
/// \file link_config.hpp
/// The public configuration contract of `sisim run`: every key, its default, unit and meaning,
/// and the mapping from a ConfigTree to si::sim::LinkSpec.
#include <string>
#include <vector>

#include "si/io/config.hpp"
#include "si/sim/link.hpp"
#include "si/sim/multihop.hpp"

namespace sisim {

/// Every key `sisim run` accepts (what `sisim keys` prints).
[[nodiscard]] const std::vector<si::io::KeySpec>& link_keys();

/// Reads a LinkSpec from the tree; relative paths resolve against the config file's folder.
/// Validation errors are re-thrown with the location of the offending key
/// ("link.toml:12:9: tx.swing: must be > 0 V (got -1)").
[[nodiscard]] si::sim::LinkSpec link_spec_from(const si::io::ConfigTree& tree);

/// True when link.hops > 1 (then multi_hop_spec_from, not link_spec_from, reads the link).
[[nodiscard]] bool is_multi_hop(const si::io::ConfigTree& tree);

/// A link of several hops: hop.<i>.* keys per hop (docs/architectures.md "Multi-hop links");
/// errors name "hop.<i>.<key>" with its location. link_spec_from refuses such a link.
[[nodiscard]] si::sim::MultiHopSpec multi_hop_spec_from(const si::io::ConfigTree& tree);

/// The resolved configuration (ConfigTree::resolved_toml) as a result file stores it: for a link
/// of several hops without the single-hop keys it would refuse, so it loads again as it is.
[[nodiscard]] std::string resolved_config(const si::io::ConfigTree& tree);

/// Names accepted by signal.pattern besides a file path.
[[nodiscard]] bool is_pattern_name(const std::string& s);

}  // namespace sisim

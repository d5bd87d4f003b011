#pragma once
/// \file compare_command.hpp
/// `sisim compare A.toml B.toml ... [-o CMP.h5] [--target-ber B] [--power-table FILE]`: runs each
/// link, reads counted and statistical BER, the noise margin at the target BER (bisection on
/// added RX input noise, statistical model), power per bit and latency (si::arch::budget on the
/// chain the link's architecture describes), prints one table and writes `/compare/table`
/// (docs/architectures.md "sisim compare", docs/hdf5-schema.md).
#include <string>
#include <vector>

#include "si/arch/budget.hpp"
#include "si/sim/link.hpp"
#include "tdecq_command.hpp"  // OutputCheck

namespace sisim {


int cmd_compare(const std::vector<std::string>& args, const std::string& cmdline, const OutputCheck& check_output);

}  // namespace sisim

#pragma once
/// \file sweep_command.hpp
/// `sisim sweep` and `sisim merge` (docs/sweeps.md).
#include <string>
#include <vector>

namespace sisim {

/// Exit status of a sweep whose points all ran but some failed (their errors are recorded).
inline constexpr int kExitPointsFailed = 3;

int cmd_sweep(const std::vector<std::string>& args, const std::string& cmdline);
int cmd_merge(const std::vector<std::string>& args, const std::string& cmdline);

}  // namespace sisim

#pragma once
// Text reports of the configuration: what --verbose-config and --list-configs print.
#include <string>

#include "arch/config_file.hpp"
#include "arch/system_config.hpp"

namespace euc::arch {

// The resolved accelerator, system config and memory mode with every number, one
// "key = value" per line in Vela's --verbose-config layout plus derived figures (bandwidths).
std::string format_verbose_config(const SystemConfig& config);

// The system configs and memory modes a user can name, each with where it is defined.
std::string list_configs(const ConfigLibrary& library);

}  // namespace euc::arch

#pragma once
// The configurations euc knows without any --config file: Vela's standard vela.ini sections and
// Vela 3.10's "internal-default" system config and memory mode.
#include <string_view>

#include "arch/accelerator.hpp"
#include "arch/config_file.hpp"

namespace euc::arch {

inline constexpr std::string_view kInternalDefault = "internal-default";

// The standard [System_Config.*] and [Memory_Mode.*] sections, byte for byte the text of
// reference/system_configs.ini (Vela's vela.ini).
extern const std::string_view kBuiltinConfigText;

// Vela 3.10's internal defaults (architecture_features.py, _set_default_sys_config and
// _set_default_mem_mode): U55 gets High-End Embedded timing, U65 Client-Server timing.
SystemConfigSettings internal_default_system_config(Accelerator accelerator);
// U55: Shared_Sram ports with arena_cache_size unset (so the maximum address); U65:
// Dedicated_Sram ports with a 384 KiB cache.
MemoryModeSettings internal_default_memory_mode(Accelerator accelerator);

}  // namespace euc::arch

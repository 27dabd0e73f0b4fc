#pragma once
// The resolved memory system: accelerator + System_Config (clocks, ports, per-area timing) +
// Memory_Mode (which port holds constants, the arena and the cache), checked against the rules
// of docs/scheduling.md §Memory modes.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "arch/accelerator.hpp"
#include "arch/builtin_configs.hpp"
#include "arch/config_file.hpp"
#include "arch/memory_area.hpp"

namespace euc::arch {

// Timing of one memory area. The defaults are Vela's for an area no port is bound to or a key
// a section leaves out (architecture_features.py, _get_vela_config: scale 1, burst 1,
// latencies 0).
struct AreaTiming {
  double clock_scale = 1.0;  // area clock / NPU core clock
  int64_t burst_length = 1;  // bytes
  int64_t read_latency = 0;  // cycles
  int64_t write_latency = 0;
};

enum class ArenaCacheSizeSource { kDefault, kConfigFile, kCommandLine };

struct SystemConfigOptions {
  Accelerator accelerator = kDefaultAccelerator;
  std::string system_config{kInternalDefault};  // --system-config
  std::string memory_mode{kInternalDefault};    // --memory-mode
  std::optional<int64_t> arena_cache_size;      // --arena-cache-size
};

struct SystemConfig {
  Accelerator accelerator = kDefaultAccelerator;
  std::string system_config_name;
  std::string memory_mode_name;

  double core_clock = 1.0;                                            // Hz
  std::array<MemArea, 2> port_areas{MemArea::kSram, MemArea::kSram};  // Axi0, Axi1
  std::array<AreaTiming, kMemAreaCount> timing{};                     // by index_of(MemArea)

  MemPort const_port = MemPort::kAxi0;  // NPU constants: weights, biases, LUTs
  MemPort arena_port = MemPort::kAxi0;  // feature maps and scratch
  MemPort cache_port = MemPort::kAxi0;  // fast scratch
  int64_t arena_cache_size = 0;
  ArenaCacheSizeSource arena_cache_size_source = ArenaCacheSizeSource::kDefault;
  // Sram_Only style modes: constants were moved from Sram to an OnChipFlash with SRAM timing.
  bool const_relabelled_to_on_chip_flash = false;

  const AcceleratorConfig& accelerator_config() const {
    return arch::accelerator_config(accelerator);
  }
  MemArea port_area(MemPort port) const { return port_areas[static_cast<size_t>(port)]; }
  MemArea const_area() const { return port_area(const_port); }
  MemArea arena_area() const { return port_area(arena_port); }
  MemArea cache_area() const { return port_area(cache_port); }
  const AreaTiming& area_timing(MemArea area) const { return timing[index_of(area)]; }

  // AXI data width x the area's clock scale.
  double bandwidth_bytes_per_cycle(MemArea area) const;
  double bandwidth_bytes_per_second(MemArea area) const;

  // Spilling (Dedicated_Sram style): the cache is an SRAM separate from the arena, so
  // arena_cache_size is a hard limit on the cache.
  bool spilling_enabled() const;

  int64_t max_address_offset() const { return arch::max_address_offset(accelerator_config()); }
};

// Resolves the named system config and memory mode from the library (or Vela's internal
// defaults for "internal-default"), applies --arena-cache-size and checks the memory rules.
// Unknown names and broken rules are usage errors.
SystemConfig resolve_system_config(const ConfigLibrary& library,
                                   const SystemConfigOptions& options);

}  // namespace euc::arch

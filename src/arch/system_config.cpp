#include "arch/system_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace euc::arch {
namespace {

std::vector<std::string> names_of(const ConfigLibrary& library, SectionKind kind) {
  std::vector<std::string> names;
  if (library.find(kind, kInternalDefault) == nullptr)
    names.emplace_back(kInternalDefault);
  for (const ConfigSection* section : library.sections(kind))
    names.push_back(section->name);
  return names;
}

[[noreturn]] void throw_unknown_name(const ConfigLibrary& library, SectionKind kind,
                                     std::string_view option, std::string_view name) {
  throw_usage(fmt::format(
      "{} '{}' is not defined (available: {}); add the file defining "
      "[{}.{}] with --config",
      option, name, fmt::join(names_of(library, kind), ", "), section_kind_name(kind), name));
}

void apply_timing(AreaTiming& timing, const AreaTimingSettings& settings) {
  timing.clock_scale = settings.clock_scale.value_or(timing.clock_scale);
  timing.burst_length = settings.burst_length.value_or(timing.burst_length);
  timing.read_latency = settings.read_latency.value_or(timing.read_latency);
  timing.write_latency = settings.write_latency.value_or(timing.write_latency);
}

void resolve_system_part(const ConfigLibrary& library, const SystemConfigOptions& options,
                         SystemConfig& config) {
  SystemConfigSettings settings;
  if (library.find(SectionKind::kSystemConfig, options.system_config) != nullptr) {
    settings = library.system_config_settings(options.system_config);
  } else if (options.system_config == kInternalDefault) {
    settings = internal_default_system_config(options.accelerator);
  } else {
    throw_unknown_name(library, SectionKind::kSystemConfig, "--system-config",
                       options.system_config);
  }
  // Vela's defaults for keys a section leaves out: core clock 1 Hz, both ports on Sram.
  config.core_clock = settings.core_clock.value_or(1.0);
  config.port_areas = {settings.axi0_port.value_or(MemArea::kSram),
                       settings.axi1_port.value_or(MemArea::kSram)};
  // Vela reads the timing keys of the two port areas only; other areas keep the defaults.
  for (MemArea area : config.port_areas) {
    apply_timing(config.timing[index_of(area)], settings.areas[index_of(area)]);
  }
}

void resolve_memory_part(const ConfigLibrary& library, const SystemConfigOptions& options,
                         SystemConfig& config) {
  MemoryModeSettings settings;
  bool from_file = false;
  if (library.find(SectionKind::kMemoryMode, options.memory_mode) != nullptr) {
    settings = library.memory_mode_settings(options.memory_mode);
    from_file = true;
  } else if (options.memory_mode == kInternalDefault) {
    settings = internal_default_memory_mode(options.accelerator);
  } else {
    throw_unknown_name(library, SectionKind::kMemoryMode, "--memory-mode", options.memory_mode);
  }
  config.const_port = settings.const_mem_area.value_or(MemPort::kAxi0);
  config.arena_port = settings.arena_mem_area.value_or(MemPort::kAxi0);
  config.cache_port = settings.cache_mem_area.value_or(MemPort::kAxi0);
  config.arena_cache_size = settings.arena_cache_size.value_or(config.max_address_offset());
  config.arena_cache_size_source = settings.arena_cache_size && from_file
                                       ? ArenaCacheSizeSource::kConfigFile
                                       : ArenaCacheSizeSource::kDefault;
}

// Sram_Only: when constants, arena and cache all sit on one port that maps to Sram, Vela moves
// the constants to the other port, calls it OnChipFlash and gives it the SRAM timing, so that
// constants are counted apart from feature maps.
void relabel_constants_in_sram(SystemConfig& config) {
  if (config.const_area() != MemArea::kSram || config.const_port != config.arena_port ||
      config.const_port != config.cache_port) {
    return;
  }
  const MemPort other = config.const_port == MemPort::kAxi0 ? MemPort::kAxi1 : MemPort::kAxi0;
  config.const_port = other;
  config.port_areas[static_cast<size_t>(other)] = MemArea::kOnChipFlash;
  config.timing[index_of(MemArea::kOnChipFlash)] = config.timing[index_of(MemArea::kSram)];
  config.const_relabelled_to_on_chip_flash = true;
}

void check_memory_rules(const SystemConfig& config) {
  const auto fail = [&](std::string_view key, MemPort port, std::string_view allowed) {
    throw_usage(
        fmt::format("memory mode '{}' with system config '{}': {}={} maps to {}, which must be {}",
                    config.memory_mode_name, config.system_config_name, key, mem_port_name(port),
                    mem_area_name(config.port_area(port)), allowed));
  };
  const MemArea const_area = config.const_area();
  if (const_area != MemArea::kDram && const_area != MemArea::kOnChipFlash &&
      const_area != MemArea::kOffChipFlash) {
    fail("const_mem_area", config.const_port, "Dram, OnChipFlash or OffChipFlash");
  }
  const MemArea arena_area = config.arena_area();
  if (arena_area != MemArea::kSram && arena_area != MemArea::kDram) {
    fail("arena_mem_area", config.arena_port, "Sram or Dram");
  }
  if (config.cache_area() != MemArea::kSram) {
    fail("cache_mem_area", config.cache_port, "Sram");
  }
  if (config.arena_cache_size < 0 || config.arena_cache_size > config.max_address_offset()) {
    const std::string_view from =
        config.arena_cache_size_source == ArenaCacheSizeSource::kCommandLine ? "--arena-cache-size"
                                                                             : "arena_cache_size";
    throw_usage(fmt::format("{} {} is out of range: it must be between 0 and {} for {}", from,
                            config.arena_cache_size, config.max_address_offset(),
                            accelerator_name(config.accelerator)));
  }
}

}  // namespace

double SystemConfig::bandwidth_bytes_per_cycle(MemArea area) const {
  return accelerator_config().axi_data_width_bytes * area_timing(area).clock_scale;
}

double SystemConfig::bandwidth_bytes_per_second(MemArea area) const {
  return bandwidth_bytes_per_cycle(area) * core_clock;
}

bool SystemConfig::spilling_enabled() const {
  return cache_area() == MemArea::kSram && cache_port != arena_port;
}

SystemConfig resolve_system_config(const ConfigLibrary& library,
                                   const SystemConfigOptions& options) {
  SystemConfig config;
  config.accelerator = options.accelerator;
  config.system_config_name = options.system_config;
  config.memory_mode_name = options.memory_mode;
  resolve_system_part(library, options, config);
  resolve_memory_part(library, options, config);
  relabel_constants_in_sram(config);
  if (options.arena_cache_size) {
    config.arena_cache_size = *options.arena_cache_size;
    config.arena_cache_size_source = ArenaCacheSizeSource::kCommandLine;
  }
  check_memory_rules(config);
  return config;
}

}  // namespace euc::arch

#include "arch/config_report.hpp"

#include <fmt/format.h>

namespace euc::arch {
namespace {

std::string block_text(const BlockShape& block) {
  return fmt::format("{}x{}x{}", block.width, block.height, block.depth);
}

std::string_view source_text(ArenaCacheSizeSource source) {
  switch (source) {
    case ArenaCacheSizeSource::kDefault:
      return "Default";
    case ArenaCacheSizeSource::kConfigFile:
      return "Configuration file";
    case ArenaCacheSizeSource::kCommandLine:
      return "CLI option";
  }
  return "?";
}

void append_accelerator(std::string& out, const AcceleratorConfig& accel) {
  const ShramGranules& g = accel.shram_granules;
  out += fmt::format("Accelerator ({}):\n", accel.name);
  out += fmt::format("   macs = {}\n", accel.macs);
  out += fmt::format("   cores = {}\n", accel.cores);
  out += fmt::format("   ofm_ublock = {} (WxHxD)\n", block_text(accel.ofm_ublock));
  out += fmt::format("   ifm_ublock = {} (WxHxD)\n", block_text(accel.ifm_ublock));
  out += fmt::format("   ofm_block_max = {} (WxHxD)\n", block_text(kOfmBlockMax));
  out += fmt::format("   shram_banks = {} of {} bytes\n", accel.shram_banks, kShramBankBytes);
  out += fmt::format("   shram_reserved_output_banks = {}\n", kShramReservedOutputBanks);
  out += fmt::format("   shram_reserved_end_banks = {}\n", shram_reserved_end_banks(accel));
  out += fmt::format("   shram_lut_address = {}\n", shram_lut_address(accel));
  out += fmt::format(
      "   shram_granules = ifm8 {}, ifm16 {}, ifm8_elementwise {}, ifm16_elementwise {}, "
      "ifm32 {}, acc16 {}, acc32 {}, acc40 {}\n",
      g.ifm8, g.ifm16, g.ifm8_elementwise, g.ifm16_elementwise, g.ifm32, g.acc16, g.acc32, g.acc40);
  out += fmt::format("   elementwise_units = {}\n", accel.elementwise_units);
  out += fmt::format("   axi_data_width = {} bytes\n", accel.axi_data_width_bytes);
  out += fmt::format("   address_width = {} bits\n", accel.address_bits);
  out += fmt::format("   max_outstanding_dma = {}\n", accel.max_outstanding_dma);
}

void append_system(std::string& out, const SystemConfig& config) {
  out += fmt::format("System Configuration ({}):\n", config.system_config_name);
  out += fmt::format("   core_clock = {}\n", config.core_clock);
  out += fmt::format("   axi0_port = {}\n", mem_area_name(config.port_area(MemPort::kAxi0)));
  out += fmt::format("   axi1_port = {}\n", mem_area_name(config.port_area(MemPort::kAxi1)));
  for (MemArea area : kAllMemAreas) {
    const std::string_view name = mem_area_name(area);
    const AreaTiming& timing = config.area_timing(area);
    out += fmt::format("   {}_clock_scale = {}\n", name, timing.clock_scale);
    out += fmt::format("   {}_burst_length = {}\n", name, timing.burst_length);
    out += fmt::format("   {}_read_latency = {}\n", name, timing.read_latency);
    out += fmt::format("   {}_write_latency = {}\n", name, timing.write_latency);
    out += fmt::format("   {}_bandwidth = {} bytes/cycle ({} bytes/s)\n", name,
                       config.bandwidth_bytes_per_cycle(area),
                       config.bandwidth_bytes_per_second(area));
  }
}

void append_memory_mode(std::string& out, const SystemConfig& config) {
  const auto port_text = [&](MemPort port) {
    return fmt::format("{} ({})", mem_port_name(port), mem_area_name(config.port_area(port)));
  };
  out += fmt::format("Memory Mode ({}):\n", config.memory_mode_name);
  out += fmt::format("   const_mem_area = {}\n", port_text(config.const_port));
  out += fmt::format("   arena_mem_area = {}\n", port_text(config.arena_port));
  out += fmt::format("   cache_mem_area = {}\n", port_text(config.cache_port));
  out += fmt::format("   arena_cache_size = {} from {}\n", config.arena_cache_size,
                     source_text(config.arena_cache_size_source));
  if (config.const_relabelled_to_on_chip_flash) {
    out += "   const_mem_area moved from Sram to OnChipFlash with the Sram timing\n";
  }
  out += fmt::format("   spilling = {}\n", config.spilling_enabled() ? "yes" : "no");
}

void append_list(std::string& out, const ConfigLibrary& library, SectionKind kind,
                 std::string_view title) {
  out += fmt::format("{}:\n", title);
  if (library.find(kind, kInternalDefault) == nullptr) {
    out += fmt::format("   {} (built into the compiler, depends on the accelerator)\n",
                       kInternalDefault);
  }
  for (const ConfigSection* section : library.sections(kind)) {
    if (section->where.file == kBuiltinSource) {
      out += fmt::format("   {} ({})\n", section->name, kBuiltinSource);
    } else {
      out +=
          fmt::format("   {} ({}:{})\n", section->name, section->where.file, section->where.line);
    }
  }
}

}  // namespace

std::string format_verbose_config(const SystemConfig& config) {
  std::string out;
  append_accelerator(out, config.accelerator_config());
  append_system(out, config);
  append_memory_mode(out, config);
  return out;
}

std::string list_configs(const ConfigLibrary& library) {
  std::string out;
  append_list(out, library, SectionKind::kSystemConfig, "System configurations");
  append_list(out, library, SectionKind::kMemoryMode, "Memory modes");
  return out;
}

}  // namespace euc::arch

#include "arch/builtin_configs.hpp"

namespace euc::arch {

// Kept as the file's text (not as tables) so that it goes through the same reader as a user's
// --config file and a test can compare it with the reference file byte for byte.
const std::string_view kBuiltinConfigText = R"ini(
[System_Config.Ethos_U55_Deep_Embedded]
core_clock=200e6
axi0_port=Sram
axi1_port=OffChipFlash
Sram_clock_scale=1.0
Sram_burst_length=32
Sram_read_latency=32
Sram_write_latency=32
OffChipFlash_clock_scale=0.0625
OffChipFlash_burst_length=128
OffChipFlash_read_latency=64
OffChipFlash_write_latency=64

[System_Config.Ethos_U55_High_End_Embedded]
core_clock=500e6
axi0_port=Sram
axi1_port=OffChipFlash
Sram_clock_scale=1.0
Sram_burst_length=32
Sram_read_latency=32
Sram_write_latency=32
OffChipFlash_clock_scale=0.125
OffChipFlash_burst_length=128
OffChipFlash_read_latency=64
OffChipFlash_write_latency=64

[System_Config.Ethos_U65_Embedded]
core_clock=500e6
axi0_port=Sram
axi1_port=OffChipFlash
Sram_clock_scale=1.0
Sram_burst_length=32
Sram_read_latency=32
Sram_write_latency=32
OffChipFlash_clock_scale=0.0625
OffChipFlash_burst_length=128
OffChipFlash_read_latency=64
OffChipFlash_write_latency=64

[System_Config.Ethos_U65_Mid_End]
core_clock=500e6
axi0_port=Sram
axi1_port=Dram
Sram_clock_scale=1.0
Sram_burst_length=32
Sram_read_latency=32
Sram_write_latency=32
Dram_clock_scale=0.46875
Dram_burst_length=128
Dram_read_latency=500
Dram_write_latency=250

[System_Config.Ethos_U65_High_End]
core_clock=1e9
axi0_port=Sram
axi1_port=Dram
Sram_clock_scale=1.0
Sram_burst_length=32
Sram_read_latency=32
Sram_write_latency=32
Dram_clock_scale=0.234375
Dram_burst_length=128
Dram_read_latency=500
Dram_write_latency=250

[System_Config.Ethos_U65_Client_Server]
core_clock=1e9
axi0_port=Sram
axi1_port=Dram
Sram_clock_scale=1.0
Sram_burst_length=32
Sram_read_latency=32
Sram_write_latency=32
Dram_clock_scale=0.75
Dram_burst_length=128
Dram_read_latency=500
Dram_write_latency=250

[Memory_Mode.Sram_Only]
const_mem_area=Axi0
arena_mem_area=Axi0
cache_mem_area=Axi0

[Memory_Mode.Shared_Sram]
const_mem_area=Axi1
arena_mem_area=Axi0
cache_mem_area=Axi0

[Memory_Mode.Dedicated_Sram]
const_mem_area=Axi1
arena_mem_area=Axi1
cache_mem_area=Axi0
arena_cache_size=393216

[Memory_Mode.Dedicated_Sram_512KB]
inherit=Memory_Mode.Dedicated_Sram
arena_cache_size=524288
)ini";

SystemConfigSettings internal_default_system_config(Accelerator accelerator) {
  SystemConfigSettings settings;
  AreaTimingSettings& sram = settings.areas[index_of(MemArea::kSram)];
  sram.clock_scale = 1.0;
  sram.burst_length = 32;
  sram.read_latency = 32;
  sram.write_latency = 32;
  if (is_ethos_u65(accelerator)) {
    // Client-Server: SRAM 16 GB/s, DRAM 12 GB/s at 1 GHz.
    settings.core_clock = 1e9;
    settings.axi0_port = MemArea::kSram;
    settings.axi1_port = MemArea::kDram;
    AreaTimingSettings& dram = settings.areas[index_of(MemArea::kDram)];
    dram.clock_scale = 0.75;
    dram.burst_length = 128;
    dram.read_latency = 500;
    dram.write_latency = 250;
  } else {
    // High-End Embedded: SRAM 4 GB/s, off-chip flash 0.5 GB/s at 500 MHz.
    settings.core_clock = 500e6;
    settings.axi0_port = MemArea::kSram;
    settings.axi1_port = MemArea::kOffChipFlash;
    AreaTimingSettings& flash = settings.areas[index_of(MemArea::kOffChipFlash)];
    flash.clock_scale = 0.125;
    flash.burst_length = 128;
    flash.read_latency = 64;
    flash.write_latency = 64;
  }
  return settings;
}

MemoryModeSettings internal_default_memory_mode(Accelerator accelerator) {
  MemoryModeSettings settings;
  settings.const_mem_area = MemPort::kAxi1;
  settings.cache_mem_area = MemPort::kAxi0;
  if (is_ethos_u65(accelerator)) {
    settings.arena_mem_area = MemPort::kAxi1;  // Dedicated_Sram: the SRAM is the NPU's cache
    settings.arena_cache_size = 384 * 1024;
  } else {
    settings.arena_mem_area = MemPort::kAxi0;  // Shared_Sram
  }
  return settings;
}

ConfigLibrary builtin_config_library() {
  ConfigLibrary library;
  library.add_text(kBuiltinConfigText, kBuiltinSource);
  return library;
}

}  // namespace euc::arch

#include "arch/config_report.hpp"

#include <gtest/gtest.h>

#include <string>

namespace euc::arch {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(ConfigReport, VerboseConfigPrintsEveryResolvedNumber) {
  const SystemConfig config = resolve_system_config(
      builtin_config_library(),
      {Accelerator::kEthosU55_128, "Ethos_U55_Deep_Embedded", "Shared_Sram", std::nullopt});
  const std::string text = format_verbose_config(config);
  for (std::string_view line : {
           "Accelerator (ethos-u55-128):",
           "   macs = 128\n",
           "   cores = 1\n",
           "   ofm_ublock = 2x1x8",
           "   ifm_ublock = 2x1x8",
           "   shram_banks = 24 of 1024 bytes\n",
           "   axi_data_width = 8 bytes\n",
           "System Configuration (Ethos_U55_Deep_Embedded):",
           "   core_clock = 200000000\n",
           "   axi0_port = Sram\n",
           "   axi1_port = OffChipFlash\n",
           "   Sram_burst_length = 32\n",
           "   OffChipFlash_clock_scale = 0.0625\n",
           "   OffChipFlash_read_latency = 64\n",
           "   OffChipFlash_write_latency = 64\n",
           "   OffChipFlash_bandwidth = 0.5 bytes/cycle (100000000 bytes/s)\n",
           "   Dram_burst_length = 1\n",
           "Memory Mode (Shared_Sram):",
           "   const_mem_area = Axi1 (OffChipFlash)\n",
           "   arena_mem_area = Axi0 (Sram)\n",
           "   arena_cache_size = 4294967296 from Default\n",
           "   spilling = no\n",
       }) {
    EXPECT_TRUE(contains(text, line)) << "missing '" << line << "' in\n" << text;
  }
}

TEST(ConfigReport, ListConfigsNamesEveryConfigAndItsSource) {
  ConfigLibrary library = builtin_config_library();
  library.add_text("[Memory_Mode.Mine]\narena_cache_size=1\n", "my.ini");
  const std::string text = list_configs(library);
  EXPECT_TRUE(contains(text, "System configurations:\n   internal-default")) << text;
  EXPECT_TRUE(contains(text, "Ethos_U55_Deep_Embedded (<built-in vela.ini>)")) << text;
  EXPECT_TRUE(contains(text, "Ethos_U65_Client_Server")) << text;
  EXPECT_TRUE(contains(text, "Memory modes:\n   internal-default")) << text;
  EXPECT_TRUE(contains(text, "Dedicated_Sram_512KB")) << text;
  EXPECT_TRUE(contains(text, "Mine (my.ini:1)")) << text;
}

}  // namespace
}  // namespace euc::arch

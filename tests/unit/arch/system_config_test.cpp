#include "arch/system_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "arch/builtin_configs.hpp"
#include "core/error.hpp"
#include "support/test_paths.hpp"

namespace euc::arch {
namespace {

using Section = std::map<std::string, std::string>;
using Sections = std::map<std::string, Section>;

std::filesystem::path reference_ini() {
  return test::shared_dir() / "reference" / "system_configs.ini";
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The standard configs: the reference file when ../shared is present, else the embedded copy.
std::string standard_text() {
  const auto path = reference_ini();
  return std::filesystem::exists(path) ? read_text(path) : std::string(kBuiltinConfigText);
}

// A deliberately tiny parser, independent of the code under test: "[name]" and "key=value"
// lines; inherit= is followed by copying the parent's keys the child does not set.
Sections parse_independently(const std::string& text) {
  Sections sections;
  std::istringstream in(text);
  std::string line;
  std::string current;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ';' || line[0] == '#')
      continue;
    if (line[0] == '[') {
      current = line.substr(1, line.find(']') - 1);
      sections[current];
      continue;
    }
    const size_t eq = line.find('=');
    sections[current][line.substr(0, eq)] = line.substr(eq + 1);
  }
  for (auto& [name, keys] : sections) {
    for (auto it = keys.find("inherit"); it != keys.end(); it = keys.find("inherit")) {
      const Section parent = sections.at(it->second);
      keys.erase(it);
      for (const auto& [key, value] : parent)
        keys.try_emplace(key, value);
    }
  }
  return sections;
}

std::map<std::string, Section> of_kind(const Sections& sections, const std::string& prefix) {
  std::map<std::string, Section> result;
  for (const auto& [name, keys] : sections) {
    if (name.starts_with(prefix))
      result[name.substr(prefix.size())] = keys;
  }
  return result;
}

SystemConfig resolve(std::string system_config, std::string memory_mode,
                     Accelerator accelerator = Accelerator::kEthosU55_256,
                     std::optional<int64_t> arena_cache_size = std::nullopt) {
  return resolve_system_config(builtin_config_library(),
                               SystemConfigOptions{accelerator, std::move(system_config),
                                                   std::move(memory_mode), arena_cache_size});
}

Accelerator accelerator_for(const std::string& system_config) {
  return system_config.find("U65") != std::string::npos ? Accelerator::kEthosU65_256
                                                        : Accelerator::kEthosU55_256;
}

TEST(BuiltinConfigs, EmbeddedTextEqualsReferenceFile) {
  if (!std::filesystem::exists(reference_ini()))
    GTEST_SKIP() << "no ../shared reference";
  EXPECT_EQ(std::string(kBuiltinConfigText), read_text(reference_ini()));
}

TEST(SystemConfig, EveryStandardSystemConfigResolvesToTheFileValues) {
  const auto configs = of_kind(parse_independently(standard_text()), "System_Config.");
  ASSERT_EQ(configs.size(), 6u);
  for (const auto& entry : configs) {
    // A plain reference, not a structured binding: clang 14 cannot capture bindings in lambdas.
    const auto& name = entry.first;
    const auto& keys = entry.second;
    SCOPED_TRACE(name);
    const SystemConfig config = resolve(name, "Shared_Sram", accelerator_for(name));
    EXPECT_EQ(config.core_clock, std::stod(keys.at("core_clock")));
    EXPECT_EQ(mem_area_name(config.port_area(MemPort::kAxi0)), keys.at("axi0_port"));
    EXPECT_EQ(mem_area_name(config.port_area(MemPort::kAxi1)), keys.at("axi1_port"));
    for (MemArea area : kAllMemAreas) {
      const std::string prefix = std::string(mem_area_name(area)) + "_";
      const AreaTiming& timing = config.area_timing(area);
      const auto value = [&](const char* field, const std::string& fallback) {
        const auto it = keys.find(prefix + field);
        return it == keys.end() ? fallback : it->second;
      };
      // Areas the file does not describe keep Vela's defaults: scale 1, burst 1, latency 0.
      EXPECT_EQ(timing.clock_scale, std::stod(value("clock_scale", "1")));
      EXPECT_EQ(timing.burst_length, std::stoll(value("burst_length", "1")));
      EXPECT_EQ(timing.read_latency, std::stoll(value("read_latency", "0")));
      EXPECT_EQ(timing.write_latency, std::stoll(value("write_latency", "0")));
    }
  }
}

TEST(SystemConfig, EveryStandardMemoryModeResolvesToTheFileValues) {
  const auto modes = of_kind(parse_independently(standard_text()), "Memory_Mode.");
  ASSERT_EQ(modes.size(), 4u);
  for (const auto& [name, keys] : modes) {
    SCOPED_TRACE(name);
    const MemoryModeSettings settings = builtin_config_library().memory_mode_settings(name);
    EXPECT_EQ(mem_port_name(*settings.const_mem_area), keys.at("const_mem_area"));
    EXPECT_EQ(mem_port_name(*settings.arena_mem_area), keys.at("arena_mem_area"));
    EXPECT_EQ(mem_port_name(*settings.cache_mem_area), keys.at("cache_mem_area"));

    // Axi0 = Sram and Axi1 = Dram makes every standard mode legal.
    const SystemConfig config =
        resolve("Ethos_U65_Client_Server", name, Accelerator::kEthosU65_256);
    EXPECT_EQ(mem_port_name(config.arena_port), keys.at("arena_mem_area"));
    EXPECT_EQ(mem_port_name(config.cache_port), keys.at("cache_mem_area"));
    if (!config.const_relabelled_to_on_chip_flash) {
      EXPECT_EQ(mem_port_name(config.const_port), keys.at("const_mem_area"));
    }
    if (keys.contains("arena_cache_size")) {
      EXPECT_EQ(config.arena_cache_size, std::stoll(keys.at("arena_cache_size")));
      EXPECT_EQ(config.arena_cache_size_source, ArenaCacheSizeSource::kConfigFile);
    } else {
      EXPECT_EQ(config.arena_cache_size, int64_t{1} << 40);
      EXPECT_EQ(config.arena_cache_size_source, ArenaCacheSizeSource::kDefault);
    }
  }
}

TEST(SystemConfig, Dedicated512KbInheritsFromDedicatedSram) {
  const SystemConfig config =
      resolve("Ethos_U65_High_End", "Dedicated_Sram_512KB", Accelerator::kEthosU65_512);
  EXPECT_EQ(config.arena_cache_size, 524288);
  EXPECT_EQ(config.const_port, MemPort::kAxi1);
  EXPECT_EQ(config.arena_port, MemPort::kAxi1);
  EXPECT_EQ(config.cache_port, MemPort::kAxi0);
  EXPECT_EQ(config.arena_area(), MemArea::kDram);
  EXPECT_TRUE(config.spilling_enabled());
}

TEST(SystemConfig, SramOnlyMovesConstantsToOnChipFlashWithSramTiming) {
  const SystemConfig config = resolve("Ethos_U55_High_End_Embedded", "Sram_Only");
  EXPECT_TRUE(config.const_relabelled_to_on_chip_flash);
  EXPECT_EQ(config.const_port, MemPort::kAxi1);
  EXPECT_EQ(config.const_area(), MemArea::kOnChipFlash);
  EXPECT_EQ(config.port_area(MemPort::kAxi1), MemArea::kOnChipFlash);
  EXPECT_EQ(config.arena_area(), MemArea::kSram);
  EXPECT_EQ(config.cache_area(), MemArea::kSram);
  const AreaTiming& flash = config.area_timing(MemArea::kOnChipFlash);
  EXPECT_EQ(flash.clock_scale, 1.0);
  EXPECT_EQ(flash.burst_length, 32);
  EXPECT_EQ(flash.read_latency, 32);
  EXPECT_EQ(flash.write_latency, 32);
  EXPECT_EQ(config.bandwidth_bytes_per_cycle(MemArea::kOnChipFlash), 8.0);
  EXPECT_FALSE(config.spilling_enabled());
}

TEST(SystemConfig, SramOnlyOnAxi1MovesConstantsToAxi0) {
  ConfigLibrary library = builtin_config_library();
  library.add_text(
      "[Memory_Mode.All_On_Axi1]\nconst_mem_area=Axi1\narena_mem_area=Axi1\n"
      "cache_mem_area=Axi1\n"
      "[System_Config.Sram_On_Axi1]\naxi0_port=Dram\naxi1_port=Sram\n",
      "my.ini");
  const SystemConfig config = resolve_system_config(
      library, {Accelerator::kEthosU55_256, "Sram_On_Axi1", "All_On_Axi1", std::nullopt});
  EXPECT_EQ(config.const_port, MemPort::kAxi0);
  EXPECT_EQ(config.port_area(MemPort::kAxi0), MemArea::kOnChipFlash);
}

TEST(SystemConfig, BandwidthIsAxiWidthTimesClockScale) {
  const SystemConfig u55 = resolve("Ethos_U55_High_End_Embedded", "Shared_Sram");
  EXPECT_EQ(u55.bandwidth_bytes_per_cycle(MemArea::kOffChipFlash), 1.0);  // 8 x 0.125
  EXPECT_EQ(u55.bandwidth_bytes_per_cycle(MemArea::kSram), 8.0);
  EXPECT_EQ(u55.bandwidth_bytes_per_second(MemArea::kSram), 4e9);  // 4 GB/s at 500 MHz
  EXPECT_EQ(u55.bandwidth_bytes_per_second(MemArea::kOffChipFlash), 0.5e9);

  const SystemConfig deep = resolve("Ethos_U55_Deep_Embedded", "Shared_Sram");
  EXPECT_EQ(deep.bandwidth_bytes_per_second(MemArea::kSram), 1.6e9);
  EXPECT_EQ(deep.bandwidth_bytes_per_second(MemArea::kOffChipFlash), 0.1e9);

  const SystemConfig u65 =
      resolve("Ethos_U65_Client_Server", "Dedicated_Sram", Accelerator::kEthosU65_256);
  EXPECT_EQ(u65.bandwidth_bytes_per_cycle(MemArea::kSram), 16.0);
  EXPECT_EQ(u65.bandwidth_bytes_per_cycle(MemArea::kDram), 12.0);  // 16 x 0.75
  EXPECT_EQ(u65.bandwidth_bytes_per_second(MemArea::kDram), 12e9);

  const SystemConfig mid = resolve("Ethos_U65_Mid_End", "Shared_Sram", Accelerator::kEthosU65_256);
  EXPECT_EQ(mid.bandwidth_bytes_per_second(MemArea::kDram), 3.75e9);
}

TEST(SystemConfig, InternalDefaultForU55IsHighEndEmbeddedWithSharedSram) {
  const SystemConfig config = resolve("internal-default", "internal-default");
  const SystemConfig named = resolve("Ethos_U55_High_End_Embedded", "Shared_Sram");
  EXPECT_EQ(config.core_clock, 500e6);
  EXPECT_EQ(config.port_areas, named.port_areas);
  for (MemArea area : kAllMemAreas) {
    EXPECT_EQ(config.area_timing(area).clock_scale, named.area_timing(area).clock_scale);
    EXPECT_EQ(config.area_timing(area).burst_length, named.area_timing(area).burst_length);
    EXPECT_EQ(config.area_timing(area).read_latency, named.area_timing(area).read_latency);
    EXPECT_EQ(config.area_timing(area).write_latency, named.area_timing(area).write_latency);
  }
  EXPECT_EQ(config.const_port, MemPort::kAxi1);
  EXPECT_EQ(config.arena_port, MemPort::kAxi0);
  EXPECT_EQ(config.cache_port, MemPort::kAxi0);
  EXPECT_EQ(config.arena_cache_size, int64_t{1} << 32);  // unlimited: the maximum address
  EXPECT_EQ(config.arena_cache_size_source, ArenaCacheSizeSource::kDefault);
  EXPECT_FALSE(config.spilling_enabled());
}

TEST(SystemConfig, InternalDefaultForU65IsClientServerWithDedicatedSram384K) {
  for (Accelerator accelerator : {Accelerator::kEthosU65_256, Accelerator::kEthosU65_512}) {
    const SystemConfig config = resolve("internal-default", "internal-default", accelerator);
    EXPECT_EQ(config.core_clock, 1e9);
    EXPECT_EQ(config.port_area(MemPort::kAxi0), MemArea::kSram);
    EXPECT_EQ(config.port_area(MemPort::kAxi1), MemArea::kDram);
    EXPECT_EQ(config.area_timing(MemArea::kDram).clock_scale, 0.75);
    EXPECT_EQ(config.area_timing(MemArea::kDram).burst_length, 128);
    EXPECT_EQ(config.area_timing(MemArea::kDram).read_latency, 500);
    EXPECT_EQ(config.area_timing(MemArea::kDram).write_latency, 250);
    EXPECT_EQ(config.area_timing(MemArea::kSram).burst_length, 32);
    EXPECT_EQ(config.const_port, MemPort::kAxi1);
    EXPECT_EQ(config.arena_port, MemPort::kAxi1);
    EXPECT_EQ(config.cache_port, MemPort::kAxi0);
    EXPECT_EQ(config.arena_cache_size, 384 * 1024);
    EXPECT_TRUE(config.spilling_enabled());
  }
}

TEST(SystemConfig, DefaultOptionsAreInternalDefaultOnU55_256) {
  const SystemConfig config = resolve_system_config(builtin_config_library(), {});
  EXPECT_EQ(config.accelerator, Accelerator::kEthosU55_256);
  EXPECT_EQ(config.system_config_name, "internal-default");
  EXPECT_EQ(config.memory_mode_name, "internal-default");
}

TEST(SystemConfig, ArenaCacheSizeOptionOverridesTheMemoryMode) {
  const SystemConfig config = resolve("Ethos_U65_Client_Server", "Dedicated_Sram",
                                      Accelerator::kEthosU65_256, int64_t{100000});
  EXPECT_EQ(config.arena_cache_size, 100000);
  EXPECT_EQ(config.arena_cache_size_source, ArenaCacheSizeSource::kCommandLine);
}

TEST(SystemConfig, ArenaCacheSizeAboveMaxAddressIsUsageError) {
  EXPECT_NO_THROW(resolve("internal-default", "internal-default", Accelerator::kEthosU55_256,
                          int64_t{1} << 32));
  EXPECT_THROW(resolve("internal-default", "internal-default", Accelerator::kEthosU55_256,
                       (int64_t{1} << 32) + 1),
               Error);
  EXPECT_THROW(
      resolve("internal-default", "internal-default", Accelerator::kEthosU55_256, int64_t{-1}),
      Error);
}

TEST(SystemConfig, UnknownNamesListTheAvailableOnes) {
  try {
    resolve("Nope", "Shared_Sram");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    const std::string message = error.what();
    EXPECT_NE(message.find("Nope"), std::string::npos) << message;
    EXPECT_NE(message.find("internal-default"), std::string::npos) << message;
    EXPECT_NE(message.find("Ethos_U65_Client_Server"), std::string::npos) << message;
  }
  try {
    resolve("internal-default", "Nope");
    FAIL() << "no error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("Dedicated_Sram_512KB"), std::string::npos) << message;
  }
}

TEST(SystemConfig, ConstantsInSramWithoutSramOnlyAreRejected) {
  // Shared_Sram puts constants on Axi1; a system with Sram on both ports breaks the rule.
  ConfigLibrary library = builtin_config_library();
  library.add_text("[System_Config.Two_Srams]\naxi0_port=Sram\naxi1_port=Sram\n", "my.ini");
  EXPECT_THROW(resolve_system_config(
                   library, {Accelerator::kEthosU55_256, "Two_Srams", "Shared_Sram", std::nullopt}),
               Error);
}

TEST(SystemConfig, ArenaInFlashIsRejected) {
  // Dedicated_Sram puts the arena on Axi1, which is off-chip flash in the U55 systems.
  EXPECT_THROW(resolve("Ethos_U55_High_End_Embedded", "Dedicated_Sram"), Error);
}

TEST(SystemConfig, CacheOutsideSramIsRejected) {
  ConfigLibrary library = builtin_config_library();
  library.add_text(
      "[Memory_Mode.Cache_In_Dram]\nconst_mem_area=Axi1\narena_mem_area=Axi1\n"
      "cache_mem_area=Axi1\n",
      "my.ini");
  EXPECT_THROW(resolve_system_config(library, {Accelerator::kEthosU65_256, "Ethos_U65_High_End",
                                               "Cache_In_Dram", std::nullopt}),
               Error);
}

TEST(SystemConfig, UnsetKeysTakeVelaDefaults) {
  ConfigLibrary library = builtin_config_library();
  library.add_text(
      "[System_Config.Bare]\naxi1_port=Dram\n[Memory_Mode.Bare]\n"
      "const_mem_area=Axi1\n",
      "my.ini");
  const SystemConfig config =
      resolve_system_config(library, {Accelerator::kEthosU55_64, "Bare", "Bare", std::nullopt});
  EXPECT_EQ(config.core_clock, 1.0);
  EXPECT_EQ(config.port_area(MemPort::kAxi0), MemArea::kSram);
  EXPECT_EQ(config.area_timing(MemArea::kDram).clock_scale, 1.0);
  EXPECT_EQ(config.area_timing(MemArea::kDram).burst_length, 1);
  EXPECT_EQ(config.area_timing(MemArea::kDram).read_latency, 0);
  EXPECT_EQ(config.arena_port, MemPort::kAxi0);
  EXPECT_EQ(config.cache_port, MemPort::kAxi0);
  EXPECT_EQ(config.arena_cache_size, int64_t{1} << 32);
}

TEST(SystemConfig, TimingOfAnAreaWithoutAPortIsIgnoredAsInVela) {
  ConfigLibrary library = builtin_config_library();
  library.add_text(
      "[System_Config.Extra]\ninherit=System_Config.Ethos_U55_Deep_Embedded\n"
      "Dram_clock_scale=0.5\n",
      "my.ini");
  const SystemConfig config = resolve_system_config(
      library, {Accelerator::kEthosU55_256, "Extra", "Shared_Sram", std::nullopt});
  EXPECT_EQ(config.core_clock, 200e6);
  EXPECT_EQ(config.area_timing(MemArea::kDram).clock_scale, 1.0);
  EXPECT_EQ(config.area_timing(MemArea::kOffChipFlash).clock_scale, 0.0625);
}

}  // namespace
}  // namespace euc::arch

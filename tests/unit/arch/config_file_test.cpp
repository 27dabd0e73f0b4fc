#include "arch/config_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "arch/ini_reader.hpp"
#include "core/error.hpp"
#include "support/test_paths.hpp"

namespace euc::arch {
namespace {

// Runs `action`, which must throw a usage error, and returns its message.
std::string usage_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

std::string load_error(std::string_view text) {
  return usage_error_of([&] {
    ConfigLibrary library;
    library.add_text(text, "my.ini");
    library.check_inheritance();
  });
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.starts_with(prefix);
}

TEST(IniReader, ReadsSectionsEntriesAndSkipsCommentsAndBlankLines) {
  const IniDocument doc = parse_ini(
      "; comment\n\n# other comment\n[A]\n key = some value \r\n  ; indented comment\n"
      "[ B ]\nx=\n",
      "t.ini");
  ASSERT_EQ(doc.sections.size(), 2u);
  EXPECT_EQ(doc.sections[0].name, "A");
  EXPECT_EQ(doc.sections[0].line, 4);
  ASSERT_EQ(doc.sections[0].entries.size(), 1u);
  EXPECT_EQ(doc.sections[0].entries[0].key, "key");
  EXPECT_EQ(doc.sections[0].entries[0].value, "some value");
  EXPECT_EQ(doc.sections[0].entries[0].line, 5);
  EXPECT_EQ(doc.sections[1].name, "B");
  ASSERT_EQ(doc.sections[1].entries.size(), 1u);
  EXPECT_EQ(doc.sections[1].entries[0].value, "");
}

TEST(IniReader, LineOutsideSectionNamesFileAndLine) {
  const std::string message = usage_error_of([] { parse_ini("\nkey=1\n", "x.ini"); });
  EXPECT_TRUE(starts_with(message, "x.ini:2: ")) << message;
}

TEST(IniReader, LineWithoutEqualsNamesFileAndLine) {
  const std::string message = usage_error_of([] { parse_ini("[A]\nfoo\n", "x.ini"); });
  EXPECT_TRUE(starts_with(message, "x.ini:2: ")) << message;
}

TEST(IniReader, UnterminatedHeaderNamesFileAndLine) {
  const std::string message = usage_error_of([] { parse_ini("[A\n", "x.ini"); });
  EXPECT_TRUE(starts_with(message, "x.ini:1: ")) << message;
}

TEST(ConfigFile, UnknownKeyNamesFileAndLine) {
  const std::string message = load_error("[System_Config.S]\ncore_clock=1e6\nfoo=3\n");
  EXPECT_TRUE(starts_with(message, "my.ini:3: ")) << message;
  EXPECT_NE(message.find("foo"), std::string::npos) << message;
}

TEST(ConfigFile, KeyOfTheOtherSectionKindIsUnknown) {
  const std::string message = load_error("[Memory_Mode.M]\ncore_clock=1e6\n");
  EXPECT_TRUE(starts_with(message, "my.ini:2: ")) << message;
}

TEST(ConfigFile, UnknownSectionKindNamesFileAndLine) {
  const std::string message = load_error("\n[Other.S]\n");
  EXPECT_TRUE(starts_with(message, "my.ini:2: ")) << message;
  EXPECT_NE(message.find("Other.S"), std::string::npos) << message;
}

TEST(ConfigFile, SectionWithoutNameIsRejected) {
  EXPECT_TRUE(starts_with(load_error("[System_Config]\n"), "my.ini:1: "));
  EXPECT_TRUE(starts_with(load_error("[Memory_Mode.]\n"), "my.ini:1: "));
}

TEST(ConfigFile, BadNumbersNameFileAndLine) {
  const char* cases[] = {
      "core_clock=fast",        "core_clock=-5e8",
      "core_clock=0",           "Sram_clock_scale=1.0x",
      "Sram_burst_length=32.0", "Sram_read_latency=-1",
      "Dram_write_latency=",    "OffChipFlash_burst_length=0",
      "core_clock=inf",         "Sram_read_latency=99999999999999999999999",
  };
  for (const char* line : cases) {
    SCOPED_TRACE(line);
    const std::string message = load_error(std::string("[System_Config.S]\n\n") + line + "\n");
    EXPECT_TRUE(starts_with(message, "my.ini:3: ")) << message;
  }
  EXPECT_TRUE(starts_with(load_error("[Memory_Mode.M]\narena_cache_size=-1\n"), "my.ini:2: "));
  EXPECT_TRUE(starts_with(load_error("[Memory_Mode.M]\narena_cache_size=1k\n"), "my.ini:2: "));
}

TEST(ConfigFile, BadAreaAndPortNamesNameFileAndLine) {
  EXPECT_TRUE(starts_with(load_error("[System_Config.S]\naxi0_port=Flash\n"), "my.ini:2: "));
  EXPECT_TRUE(starts_with(load_error("[System_Config.S]\naxi1_port=sram\n"), "my.ini:2: "));
  EXPECT_TRUE(starts_with(load_error("[Memory_Mode.M]\nconst_mem_area=Axi2\n"), "my.ini:2: "));
}

TEST(ConfigFile, DuplicateKeyNamesFileAndLine) {
  const std::string message = load_error(
      "[System_Config.S]\nSram_burst_length=32\n"
      "sram_burst_length=64\n");
  EXPECT_TRUE(starts_with(message, "my.ini:3: ")) << message;
  EXPECT_NE(message.find("line 2"), std::string::npos) << message;
}

TEST(ConfigFile, DuplicateSectionInOneFileNamesLine) {
  const std::string message = load_error("[Memory_Mode.M]\n[Memory_Mode.M]\n");
  EXPECT_TRUE(starts_with(message, "my.ini:2: ")) << message;
}

TEST(ConfigFile, InheritCycleNamesFileAndLine) {
  const std::string message = load_error(
      "[Memory_Mode.A]\ninherit=Memory_Mode.B\n[Memory_Mode.B]\ninherit=Memory_Mode.A\n");
  EXPECT_TRUE(starts_with(message, "my.ini:2: ") || starts_with(message, "my.ini:4: ")) << message;
  EXPECT_NE(message.find("cycle"), std::string::npos) << message;
}

TEST(ConfigFile, SelfInheritIsACycle) {
  const std::string message = load_error("[System_Config.A]\ninherit=System_Config.A\n");
  EXPECT_TRUE(starts_with(message, "my.ini:2: ")) << message;
}

TEST(ConfigFile, InheritOfMissingSectionNamesFileAndLine) {
  const std::string message = load_error("[Memory_Mode.A]\n\ninherit=Memory_Mode.Nowhere\n");
  EXPECT_TRUE(starts_with(message, "my.ini:3: ")) << message;
  EXPECT_NE(message.find("Memory_Mode.Nowhere"), std::string::npos) << message;
}

TEST(ConfigFile, InheritMustNameSameKind) {
  const std::string message =
      load_error("[System_Config.S]\n[Memory_Mode.A]\ninherit=System_Config.S\n");
  EXPECT_TRUE(starts_with(message, "my.ini:3: ")) << message;
}

TEST(ConfigFile, InheritedKeysAreOverriddenByTheChild) {
  ConfigLibrary library;
  library.add_text(
      "[Memory_Mode.Base]\nconst_mem_area=Axi1\narena_mem_area=Axi1\ncache_mem_area=Axi0\n"
      "arena_cache_size=1000\n"
      "[Memory_Mode.Mid]\ninherit=Memory_Mode.Base\narena_mem_area=Axi0\n"
      "[Memory_Mode.Leaf]\ninherit=Memory_Mode.Mid\narena_cache_size=2000\n",
      "my.ini");
  library.check_inheritance();
  const MemoryModeSettings leaf = library.memory_mode_settings("Leaf");
  EXPECT_EQ(leaf.const_mem_area, MemPort::kAxi1);
  EXPECT_EQ(leaf.arena_mem_area, MemPort::kAxi0);
  EXPECT_EQ(leaf.cache_mem_area, MemPort::kAxi0);
  EXPECT_EQ(leaf.arena_cache_size, 2000);
}

TEST(ConfigFile, InheritMayNameASectionOfALaterText) {
  ConfigLibrary library;
  library.add_text("[System_Config.Child]\ninherit=System_Config.Parent\n", "a.ini");
  library.add_text("[System_Config.Parent]\ncore_clock=2e8\n", "b.ini");
  library.check_inheritance();
  EXPECT_EQ(library.system_config_settings("Child").core_clock, 2e8);
}

TEST(ConfigFile, KeysAreCaseInsensitiveLikeConfigParser) {
  ConfigLibrary library;
  library.add_text("[System_Config.S]\nCORE_CLOCK=3e8\nsram_Clock_Scale=0.5\n", "my.ini");
  const SystemConfigSettings settings = library.system_config_settings("S");
  EXPECT_EQ(settings.core_clock, 3e8);
  EXPECT_EQ(settings.areas[index_of(MemArea::kSram)].clock_scale, 0.5);
}

TEST(ConfigFile, SameSectionInTwoFilesNamesBothFiles) {
  const auto dir = test::temp_dir();
  const auto first = dir / "first.ini";
  const auto second = dir / "second.ini";
  std::ofstream(first) << "[Memory_Mode.M]\narena_cache_size=1\n";
  std::ofstream(second) << "; again\n[Memory_Mode.M]\narena_cache_size=2\n";
  const std::vector<std::filesystem::path> files{first, second};
  const std::string message = usage_error_of([&] { load_config_library(files); });
  EXPECT_TRUE(starts_with(message, second.string() + ":2: ")) << message;
  EXPECT_NE(message.find(first.string() + ":1"), std::string::npos) << message;
}

TEST(ConfigFile, FileErrorsNameThePath) {
  const auto path = test::temp_dir() / "bad.ini";
  std::ofstream(path) << "[System_Config.S]\nbogus=1\n";
  const std::vector<std::filesystem::path> files{path};
  const std::string message = usage_error_of([&] { load_config_library(files); });
  EXPECT_TRUE(starts_with(message, path.string() + ":2: ")) << message;
}

TEST(ConfigFile, MissingFileIsUsageError) {
  const std::vector<std::filesystem::path> files{test::temp_dir() / "absent.ini"};
  const std::string message = usage_error_of([&] { load_config_library(files); });
  EXPECT_NE(message.find("absent.ini"), std::string::npos) << message;
}

TEST(ConfigFile, UserFileMayRedefineABuiltinSection) {
  const auto path = test::temp_dir() / "vela.ini";
  std::ofstream(path) << "[Memory_Mode.Dedicated_Sram]\nconst_mem_area=Axi1\n"
                         "arena_mem_area=Axi1\ncache_mem_area=Axi0\narena_cache_size=1024\n";
  const std::vector<std::filesystem::path> files{path};
  const ConfigLibrary library = load_config_library(files);
  EXPECT_EQ(library.memory_mode_settings("Dedicated_Sram").arena_cache_size, 1024);
  // The built-in child now inherits from the user's section.
  EXPECT_EQ(library.memory_mode_settings("Dedicated_Sram_512KB").arena_cache_size, 524288);
  EXPECT_EQ(library.find(SectionKind::kMemoryMode, "Dedicated_Sram")->where.file, path.string());
}

}  // namespace
}  // namespace euc::arch

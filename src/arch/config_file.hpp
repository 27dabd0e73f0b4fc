#pragma once
// The meaning of vela.ini files: [System_Config.NAME] and [Memory_Mode.NAME] sections, their
// keys, and inherit= chains. A ConfigLibrary holds the sections of the built-in standard
// configurations and of every --config file; system_config.hpp turns a pair of them into a
// resolved SystemConfig.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "arch/memory_area.hpp"

namespace euc::arch {

enum class SectionKind { kSystemConfig, kMemoryMode };
// "System_Config" or "Memory_Mode", the prefix of a section's name in the file.
std::string_view section_kind_name(SectionKind kind);

struct SourceLocation {
  std::string file;
  int line = 0;
};

// What one section sets; unset keys are inherited or defaulted.
struct AreaTimingSettings {
  std::optional<double> clock_scale;
  std::optional<int64_t> burst_length;
  std::optional<int64_t> read_latency;
  std::optional<int64_t> write_latency;
};

struct SystemConfigSettings {
  std::optional<double> core_clock;
  std::optional<MemArea> axi0_port;
  std::optional<MemArea> axi1_port;
  std::array<AreaTimingSettings, kMemAreaCount> areas;  // indexed by index_of(MemArea)
};

struct MemoryModeSettings {
  std::optional<MemPort> const_mem_area;
  std::optional<MemPort> arena_mem_area;
  std::optional<MemPort> cache_mem_area;
  std::optional<int64_t> arena_cache_size;
};

struct ConfigSection {
  SectionKind kind = SectionKind::kSystemConfig;
  std::string name;                    // without the "System_Config." / "Memory_Mode." prefix
  SourceLocation where;                // the section header
  std::optional<std::string> inherit;  // parent's name (same kind, without prefix)
  SourceLocation inherit_where;
  std::variant<SystemConfigSettings, MemoryModeSettings> settings;
};

// Name of the built-in sections' source in messages and listings.
inline constexpr std::string_view kBuiltinSource = "<built-in vela.ini>";

class ConfigLibrary {
 public:
  // Adds the sections of one vela.ini text; `source` names it in errors ("SOURCE:LINE: ...").
  // Every key is checked here: unknown section kinds and keys, bad values and malformed lines
  // are errors. A section defined by an earlier added text is an error naming both places,
  // except that a built-in section is replaced, so that passing Vela's own vela.ini works.
  void add_text(std::string_view text, std::string_view source);
  void add_file(const std::filesystem::path& path);

  // Checks every inherit= chain: the parent exists and there is no cycle. Throws
  // "FILE:LINE: ..." at the offending inherit= line.
  void check_inheritance() const;

  const ConfigSection* find(SectionKind kind, std::string_view name) const;
  // Sections of one kind in definition order (built-ins first).
  std::vector<const ConfigSection*> sections(SectionKind kind) const;

  // The settings of a section with inherited values filled in: a key set in a section wins over
  // the same key in its ancestors. Throws a usage error when the section does not exist.
  SystemConfigSettings system_config_settings(std::string_view name) const;
  MemoryModeSettings memory_mode_settings(std::string_view name) const;

 private:
  // The section and its ancestors, child first.
  std::vector<const ConfigSection*> inheritance_chain(const ConfigSection& section) const;

  std::vector<ConfigSection> sections_;
};

// The built-in standard sections only.
ConfigLibrary builtin_config_library();

// The built-in sections plus those of each file in order, with inheritance checked.
ConfigLibrary load_config_library(std::span<const std::filesystem::path> files);

}  // namespace euc::arch

#include "arch/config_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "arch/ini_reader.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"

namespace euc::arch {
namespace {

constexpr std::string_view kInheritKey = "inherit";
constexpr std::string_view kAreaNames = "Sram, Dram, OnChipFlash or OffChipFlash";

struct EntryContext {
  std::string_view source;
  const IniEntry& entry;

  [[noreturn]] void fail(std::string_view message) const { throw_at(source, entry.line, message); }
  [[noreturn]] void bad_value(std::string_view expected) const {
    fail(fmt::format("bad value '{}' for {}: expected {}", entry.value, entry.key, expected));
  }
};

// Numbers as Vela reads them: core_clock and clock scales with Python's float(), the rest with
// int(), so "200e6" is a clock but "32.0" is not a burst length.
double parse_positive_real(const EntryContext& context) {
  std::string_view text = context.entry.value;
  if (text.starts_with('+'))
    text.remove_prefix(1);
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value) || value <= 0.0) {
    context.bad_value("a positive number");
  }
  return value;
}

int64_t parse_integer(const EntryContext& context, int64_t minimum) {
  std::string_view text = context.entry.value;
  if (text.starts_with('+'))
    text.remove_prefix(1);
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string expected =
      minimum == 0 ? "a non-negative integer" : fmt::format("an integer >= {}", minimum);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < minimum) {
    context.bad_value(expected);
  }
  return value;
}

MemArea parse_area_value(const EntryContext& context) {
  const auto area = parse_mem_area(context.entry.value);
  if (!area)
    context.bad_value(kAreaNames);
  return *area;
}

MemPort parse_port_value(const EntryContext& context) {
  const auto port = parse_mem_port(context.entry.value);
  if (!port)
    context.bad_value("Axi0 or Axi1");
  return *port;
}

// Keys are matched case-insensitively, as Vela's ConfigParser folds them to lower case.
bool set_area_key(SystemConfigSettings& settings, std::string_view lower_key,
                  const EntryContext& context) {
  for (MemArea area : kAllMemAreas) {
    const std::string prefix = to_lower_ascii(mem_area_name(area)) + "_";
    if (!lower_key.starts_with(prefix))
      continue;
    const std::string_view field = lower_key.substr(prefix.size());
    AreaTimingSettings& timing = settings.areas[index_of(area)];
    if (field == "clock_scale") {
      timing.clock_scale = parse_positive_real(context);
    } else if (field == "burst_length") {
      timing.burst_length = parse_integer(context, 1);
    } else if (field == "read_latency") {
      timing.read_latency = parse_integer(context, 0);
    } else if (field == "write_latency") {
      timing.write_latency = parse_integer(context, 0);
    } else {
      return false;
    }
    return true;
  }
  return false;
}

void set_system_config_key(SystemConfigSettings& settings, const EntryContext& context,
                           std::string_view section) {
  const std::string key = to_lower_ascii(context.entry.key);
  if (key == "core_clock") {
    settings.core_clock = parse_positive_real(context);
  } else if (key == "axi0_port") {
    settings.axi0_port = parse_area_value(context);
  } else if (key == "axi1_port") {
    settings.axi1_port = parse_area_value(context);
  } else if (!set_area_key(settings, key, context)) {
    context.fail(fmt::format(
        "unknown key '{}' in [{}]; allowed: core_clock, axi0_port, axi1_port, inherit and "
        "<Area>_clock_scale, <Area>_burst_length, <Area>_read_latency, <Area>_write_latency "
        "with <Area> one of {}",
        context.entry.key, section, kAreaNames));
  }
}

void set_memory_mode_key(MemoryModeSettings& settings, const EntryContext& context,
                         std::string_view section) {
  const std::string key = to_lower_ascii(context.entry.key);
  if (key == "const_mem_area") {
    settings.const_mem_area = parse_port_value(context);
  } else if (key == "arena_mem_area") {
    settings.arena_mem_area = parse_port_value(context);
  } else if (key == "cache_mem_area") {
    settings.cache_mem_area = parse_port_value(context);
  } else if (key == "arena_cache_size") {
    settings.arena_cache_size = parse_integer(context, 0);
  } else {
    context.fail(fmt::format(
        "unknown key '{}' in [{}]; allowed: const_mem_area, arena_mem_area, cache_mem_area, "
        "arena_cache_size, inherit",
        context.entry.key, section));
  }
}

ConfigSection convert_section(const IniSection& ini, std::string_view source) {
  ConfigSection section;
  section.where = SourceLocation{std::string(source), ini.line};
  const size_t dot = ini.name.find('.');
  const std::string_view kind =
      std::string_view(ini.name).substr(0, dot == std::string::npos ? ini.name.size() : dot);
  if (kind == section_kind_name(SectionKind::kSystemConfig)) {
    section.kind = SectionKind::kSystemConfig;
    section.settings = SystemConfigSettings{};
  } else if (kind == section_kind_name(SectionKind::kMemoryMode)) {
    section.kind = SectionKind::kMemoryMode;
    section.settings = MemoryModeSettings{};
  } else {
    throw_at(source, ini.line,
             fmt::format("unknown section [{}]: expected [System_Config.NAME] or "
                         "[Memory_Mode.NAME]",
                         ini.name));
  }
  if (dot == std::string::npos || dot + 1 == ini.name.size()) {
    throw_at(source, ini.line, fmt::format("section [{}] has no name after '{}.'", ini.name, kind));
  }
  section.name = ini.name.substr(dot + 1);

  for (const IniEntry& entry : ini.entries) {
    const EntryContext context{source, entry};
    if (to_lower_ascii(entry.key) == kInheritKey) {
      const std::string prefix = fmt::format("{}.", kind);
      if (!entry.value.starts_with(prefix) || entry.value.size() == prefix.size()) {
        context.bad_value(fmt::format("the name of a [{}NAME] section", prefix));
      }
      section.inherit = entry.value.substr(prefix.size());
      section.inherit_where = SourceLocation{std::string(source), entry.line};
    } else if (auto* system = std::get_if<SystemConfigSettings>(&section.settings)) {
      set_system_config_key(*system, context, ini.name);
    } else {
      set_memory_mode_key(std::get<MemoryModeSettings>(section.settings), context, ini.name);
    }
  }
  return section;
}

template <typename T>
void overlay(std::optional<T>& into, const std::optional<T>& from) {
  if (from)
    into = from;
}

void overlay(SystemConfigSettings& into, const SystemConfigSettings& from) {
  overlay(into.core_clock, from.core_clock);
  overlay(into.axi0_port, from.axi0_port);
  overlay(into.axi1_port, from.axi1_port);
  for (size_t i = 0; i < kMemAreaCount; ++i) {
    overlay(into.areas[i].clock_scale, from.areas[i].clock_scale);
    overlay(into.areas[i].burst_length, from.areas[i].burst_length);
    overlay(into.areas[i].read_latency, from.areas[i].read_latency);
    overlay(into.areas[i].write_latency, from.areas[i].write_latency);
  }
}

void overlay(MemoryModeSettings& into, const MemoryModeSettings& from) {
  overlay(into.const_mem_area, from.const_mem_area);
  overlay(into.arena_mem_area, from.arena_mem_area);
  overlay(into.cache_mem_area, from.cache_mem_area);
  overlay(into.arena_cache_size, from.arena_cache_size);
}

std::string full_name(const ConfigSection& section) {
  return fmt::format("{}.{}", section_kind_name(section.kind), section.name);
}

}  // namespace

std::string_view section_kind_name(SectionKind kind) {
  return kind == SectionKind::kSystemConfig ? "System_Config" : "Memory_Mode";
}

void ConfigLibrary::add_text(std::string_view text, std::string_view source) {
  const IniDocument document = parse_ini(text, source);
  for (const IniSection& ini : document.sections) {
    ConfigSection section = convert_section(ini, source);
    auto existing = std::find_if(sections_.begin(), sections_.end(), [&](const ConfigSection& s) {
      return s.kind == section.kind && s.name == section.name;
    });
    if (existing == sections_.end()) {
      sections_.push_back(std::move(section));
    } else if (existing->where.file == kBuiltinSource && source != kBuiltinSource) {
      *existing = std::move(section);
    } else {
      throw_at(source, ini.line,
               fmt::format("section [{}] is already defined at {}:{}", ini.name,
                           existing->where.file, existing->where.line));
    }
  }
}

void ConfigLibrary::add_file(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::string text(bytes.begin(), bytes.end());
  add_text(text, path.string());
}

const ConfigSection* ConfigLibrary::find(SectionKind kind, std::string_view name) const {
  for (const ConfigSection& section : sections_) {
    if (section.kind == kind && section.name == name)
      return &section;
  }
  return nullptr;
}

std::vector<const ConfigSection*> ConfigLibrary::sections(SectionKind kind) const {
  std::vector<const ConfigSection*> result;
  for (const ConfigSection& section : sections_) {
    if (section.kind == kind)
      result.push_back(&section);
  }
  return result;
}

std::vector<const ConfigSection*> ConfigLibrary::inheritance_chain(
    const ConfigSection& section) const {
  std::vector<const ConfigSection*> chain{&section};
  for (const ConfigSection* child = &section; child->inherit;) {
    const ConfigSection* parent = find(child->kind, *child->inherit);
    const SourceLocation& at = child->inherit_where;
    if (parent == nullptr) {
      throw_at(at.file, at.line,
               fmt::format("[{}] inherits from [{}.{}], which is not defined", full_name(*child),
                           section_kind_name(child->kind), *child->inherit));
    }
    if (std::find(chain.begin(), chain.end(), parent) != chain.end()) {
      std::string cycle;
      for (const ConfigSection* link : chain)
        cycle += full_name(*link) + " -> ";
      throw_at(at.file, at.line, fmt::format("inherit cycle: {}{}", cycle, full_name(*parent)));
    }
    chain.push_back(parent);
    child = parent;
  }
  return chain;
}

void ConfigLibrary::check_inheritance() const {
  for (const ConfigSection& section : sections_)
    inheritance_chain(section);
}

SystemConfigSettings ConfigLibrary::system_config_settings(std::string_view name) const {
  const ConfigSection* section = find(SectionKind::kSystemConfig, name);
  if (section == nullptr)
    throw_usage(fmt::format("no section [System_Config.{}]", name));
  const auto chain = inheritance_chain(*section);
  SystemConfigSettings settings;
  for (auto link = chain.rbegin(); link != chain.rend(); ++link) {
    overlay(settings, std::get<SystemConfigSettings>((*link)->settings));
  }
  return settings;
}

MemoryModeSettings ConfigLibrary::memory_mode_settings(std::string_view name) const {
  const ConfigSection* section = find(SectionKind::kMemoryMode, name);
  if (section == nullptr)
    throw_usage(fmt::format("no section [Memory_Mode.{}]", name));
  const auto chain = inheritance_chain(*section);
  MemoryModeSettings settings;
  for (auto link = chain.rbegin(); link != chain.rend(); ++link) {
    overlay(settings, std::get<MemoryModeSettings>((*link)->settings));
  }
  return settings;
}

ConfigLibrary load_config_library(std::span<const std::filesystem::path> files) {
  ConfigLibrary library = builtin_config_library();
  for (const auto& file : files)
    library.add_file(file);
  library.check_inheritance();
  return library;
}

}  // namespace euc::arch

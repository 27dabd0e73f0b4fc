#include "npu/command_tables.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace euc::npu {

const FieldInfo* CommandInfo::find_field(std::string_view field_name) const {
  for (const FieldInfo& field : fields) {
    if (field.name == field_name)
      return &field;
  }
  return nullptr;
}

const CommandInfo* find_command(Opcode op) {
  auto table = command_table();
  auto it = std::lower_bound(table.begin(), table.end(), op,
                             [](const CommandInfo& info, Opcode key) { return info.opcode < key; });
  if (it == table.end() || it->opcode != op)
    return nullptr;
  return &*it;
}

const CommandInfo* find_command(CommandKind kind, uint16_t code) {
  if (code > kCodeMask)
    return nullptr;
  return find_command(static_cast<Opcode>(code | (kind == CommandKind::kCmd1 ? kCmd1Flag : 0u)));
}

const CommandInfo* find_command(std::string_view name) {
  for (const CommandInfo& info : command_table()) {
    if (info.name == name)
      return &info;
  }
  return nullptr;
}

const EnumInfo* find_enum(std::string_view name) {
  for (const EnumInfo& info : enum_table()) {
    if (info.name == name)
      return &info;
  }
  return nullptr;
}

const CommandInfo& command_info(Opcode op) {
  const CommandInfo* info = find_command(op);
  if (info == nullptr) {
    throw Error(ErrorKind::kInternal,
                fmt::format("npu: {:#06x} is not an Ethos-U opcode", static_cast<uint32_t>(op)));
  }
  return *info;
}

std::string_view opcode_name(Opcode op) {
  return command_info(op).name;
}

std::optional<std::string_view> enum_value_name(const EnumInfo& info, uint32_t value) {
  for (const EnumEntry& entry : info.entries) {
    if (entry.value == value)
      return entry.name;
  }
  return std::nullopt;
}

std::optional<uint32_t> enum_value(const EnumInfo& info, std::string_view name) {
  for (const EnumEntry& entry : info.entries) {
    if (entry.name == name)
      return entry.value;
  }
  return std::nullopt;
}

std::optional<std::string> describe_enum_value(const EnumInfo& info, uint32_t value) {
  if (auto name = enum_value_name(info, value))
    return std::string(*name);
  // "activation" names only the ends of its LUT slot range: LUT_START = 0x10 .. LUT_END = 0x17.
  constexpr std::string_view kStart = "_START";
  for (const EnumEntry& start : info.entries) {
    if (!start.name.ends_with(kStart) || value < start.value)
      continue;
    std::string end_name(start.name.substr(0, start.name.size() - kStart.size()));
    end_name += "_END";
    auto end = enum_value(info, end_name);
    if (end && value <= *end)
      return fmt::format("{}+{}", start.name, value - start.value);
  }
  return std::nullopt;
}

}  // namespace euc::npu

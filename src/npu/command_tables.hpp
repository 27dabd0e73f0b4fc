#pragma once
// The Ethos-U55/U65 command vocabulary as data: every opcode with the bit layout of its command
// word(s), and every enumeration of the register description. The data is generated from
// reference/ethos_u55_command_facts.txt by scripts/gen_npu_commands.py into the *.gen.{hpp,cpp}
// files beside this one; everything else in npu/ (encoding, decoding, printing) reads these
// tables instead of knowing about individual commands.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "npu/command_enums.gen.hpp"
#include "npu/register_maps.gen.hpp"

namespace euc::npu {

// cmd0 commands are one word, cmd1 commands are two (a header word and a 32-bit payload).
enum class CommandKind : uint8_t { kCmd0, kCmd1 };

// The header word of every command: cmd_code in bits 0-9 and payload_size in bits 14-15
// (0 for cmd0, 1 for cmd1, hence the 0x4000 flag), the 16-bit parameter in bits 16-31.
// See the header of reference/ethos_u55_command_facts.txt and
// docs/npu_architecture.md §Command stream.
inline constexpr uint32_t kCodeMask = 0x3FF;
inline constexpr int kPayloadSizeShift = 14;
inline constexpr uint32_t kCmd1Flag = 1u << kPayloadSizeShift;
inline constexpr int kParamShift = 16;

constexpr CommandKind command_kind(Opcode op) {
  return (static_cast<uint32_t>(op) & kCmd1Flag) != 0 ? CommandKind::kCmd1 : CommandKind::kCmd0;
}
constexpr uint16_t command_code(Opcode op) {
  return static_cast<uint16_t>(static_cast<uint32_t>(op) & kCodeMask);
}
constexpr int command_words(CommandKind kind) {
  return kind == CommandKind::kCmd1 ? 2 : 1;
}

struct EnumEntry {
  std::string_view name;
  uint32_t value;
};

// One enumeration of the register description, e.g. "ifm_precision" or "TSU" (register
// offsets). The opcode lists themselves are the enumerations "cmd0" and "cmd1".
struct EnumInfo {
  std::string_view name;
  std::span<const EnumEntry> entries;
};

// What a field of a command word is for; the role follows from the field's name in the facts.
enum class FieldRole : uint8_t {
  kCode,         // cmd_code: the opcode
  kMustBeZero,   // must_be_zero*: a decoder rejects a word with any of these bits set
  kPayloadSize,  // payload_size: 1 for cmd1 commands
  kReserved,     // reserved*: unused by the U55 (for cmd1 addresses U65 keeps bits 32+ here)
  kValue,        // a value the command carries
};

// Bits are numbered from bit 0 of the first word; bits 32-63 are the cmd1 payload word. No field
// crosses a word boundary.
struct FieldInfo {
  std::string_view name;
  uint8_t first_bit;
  uint8_t last_bit;
  FieldRole role;
  const EnumInfo* enumeration;  // the enumeration of the field's values, or nullptr

  constexpr int width() const { return last_bit - first_bit + 1; }
  constexpr int word() const { return first_bit / 32; }
  constexpr uint64_t max_value() const { return (uint64_t{1} << width()) - 1; }
};

struct CommandInfo {
  std::string_view name;  // as in the opcode enumerations, e.g. "NPU_SET_IFM_PRECISION"
  Opcode opcode;
  CommandKind kind;
  uint16_t code;
  std::span<const FieldInfo> fields;  // from bit 0 upward, covering every bit of the command

  // The named field, or nullptr.
  const FieldInfo* find_field(std::string_view field_name) const;
};

// Sorted by opcode value (all cmd0 commands, then all cmd1 commands).
std::span<const CommandInfo> command_table();
// In the order of the facts file.
std::span<const EnumInfo> enum_table();

// Lookups; nullptr when there is no such command or enumeration.
const CommandInfo* find_command(Opcode op);
const CommandInfo* find_command(CommandKind kind, uint16_t code);
const CommandInfo* find_command(std::string_view name);
const EnumInfo* find_enum(std::string_view name);

// The command's table entry; throws an internal error for a value that names no command.
const CommandInfo& command_info(Opcode op);
std::string_view opcode_name(Opcode op);

// The name of an exact value, or nullopt.
std::optional<std::string_view> enum_value_name(const EnumInfo& info, uint32_t value);
// The value of a named entry, or nullopt.
std::optional<uint32_t> enum_value(const EnumInfo& info, std::string_view name);
// A printable name: the exact entry name, or "X_START+n" for a value inside a X_START..X_END
// range (the LUT slots of "activation"), or nullopt when the value is not in the enumeration.
std::optional<std::string> describe_enum_value(const EnumInfo& info, uint32_t value);

}  // namespace euc::npu

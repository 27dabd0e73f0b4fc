#pragma once
// One command of an Ethos-U command stream as a value, and its encoding into 32-bit words.
// Everything here is driven by the tables of command_tables.hpp: field access by name works for
// every command the facts describe, with no per-command code.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "npu/command_tables.hpp"

namespace euc::npu {

struct Command {
  Opcode opcode = Opcode::kOpStop;
  uint16_t param = 0;    // bits 16-31 of the first word
  uint32_t payload = 0;  // the second word of a cmd1 command; always 0 for cmd0

  CommandKind kind() const { return command_kind(opcode); }
  const CommandInfo& info() const { return command_info(opcode); }
  friend bool operator==(const Command&, const Command&) = default;
};

// A command found in a stream, with the byte offset of its first word.
struct DecodedCommand {
  Command command;
  std::size_t byte_offset = 0;
  const CommandInfo* info = nullptr;  // the command's table entry, never null

  int word_count() const { return command_words(command.kind()); }
};

// A field assignment for make_command; enumeration values may be given as the generated enum
// classes, e.g. {"precision", IfmPrecision::kS8}.
struct FieldSetting {
  std::string_view name;
  uint32_t value;

  FieldSetting(std::string_view field_name, uint32_t field_value)
      : name(field_name), value(field_value) {}
  template <typename E>
  requires std::is_enum_v<E> FieldSetting(std::string_view field_name, E field_value)
      : name(field_name), value(static_cast<uint32_t>(field_value)) {}
};

// U65 addresses are 40 bits; a cmd1 command keeps bits 32-39 in its parameter
// (docs/npu_architecture.md §Command stream).
inline constexpr int kAddressBits = 40;

// --- building -------------------------------------------------------------------------------

Command make_cmd0(Opcode op, uint16_t param = 0);
Command make_cmd1(Opcode op, uint32_t payload, uint16_t param = 0);
// A cmd1 command carrying a 40-bit address (or length, stride, offset): bits 0-31 in the payload,
// bits 32-39 in the parameter. Throws when the value needs more than 40 bits.
Command make_address_command(Opcode op, uint64_t address);
// The value make_address_command stored: (param << 32) | payload.
uint64_t command_address(const Command& command);

// A command whose only value field is one 16-bit number in bits 16-31 (a size minus one, a
// region, a padding, a zero point, a block dependency, an operation's mask), or a cmd0 command
// without any value field (then the value must be 0). Unsigned values are 0..65535; signed ones
// -32768..32767, stored in two's complement. Throws an internal error for a value that does not
// fit or a command with another layout (an enumerated or packed parameter: use the structs of
// command_fields.gen.hpp).
Command make_unsigned_command(Opcode op, int64_t value);
Command make_signed_command(Opcode op, int64_t value);

// A command with the named fields set and every other bit zero, e.g.
//   make_command(Opcode::kSetIfmPrecision, {{"precision", IfmPrecision::kS8},
//                                           {"format", DataFormat::kNhcwb16}})
Command make_command(Opcode op, std::initializer_list<FieldSetting> fields);

// Sets one field. Only value fields can be set (not cmd_code, must_be_zero, payload_size or
// reserved bits); the value must fit the field and, for an enumerated field, be one of its
// values. Throws an internal error otherwise: command builders pass values they computed.
void set_field(Command& command, std::string_view field, uint32_t value);
template <typename E>
requires std::is_enum_v<E>
void set_field(Command& command, std::string_view field, E value) {
  set_field(command, field, static_cast<uint32_t>(value));
}

// --- reading fields -------------------------------------------------------------------------

// All bits of the command: the first word in bits 0-31, the payload in bits 32-63.
uint64_t command_bits(const Command& command);
uint32_t field_value(const Command& command, const FieldInfo& field);
// Throws an internal error when the command has no such field.
uint32_t field_value(const Command& command, std::string_view field);

// --- words ----------------------------------------------------------------------------------

// Appends the command's one or two words. Throws for an opcode that names no command or a cmd0
// command with a payload.
void encode_into(const Command& command, std::vector<uint32_t>& words);
std::vector<uint32_t> encode(const Command& command);
std::vector<uint32_t> encode_stream(std::span<const Command> commands);

// Decodes the command starting at words[index]. Throws an input error naming the byte offset for
// an unknown opcode, an unsupported payload_size, set must-be-zero bits, or a cmd1 command whose
// payload word is missing at the end of the stream.
DecodedCommand decode_command(std::span<const uint32_t> words, std::size_t index);
std::vector<DecodedCommand> decode_stream(std::span<const uint32_t> words);

// Little-endian 32-bit words from bytes (the command stream tensor); throws unless the size is a
// multiple of 4.
std::vector<uint32_t> words_from_bytes(std::span<const uint8_t> bytes);

}  // namespace euc::npu

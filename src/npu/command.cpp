#include "npu/command.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace euc::npu {
namespace {

uint32_t first_word(const CommandInfo& info, uint16_t param) {
  uint32_t word = info.code | (static_cast<uint32_t>(param) << kParamShift);
  if (info.kind == CommandKind::kCmd1)
    word |= kCmd1Flag;
  return word;
}

uint64_t field_mask(const FieldInfo& field) {
  return field.max_value() << field.first_bit;
}

uint32_t extract(uint64_t bits, const FieldInfo& field) {
  return static_cast<uint32_t>((bits >> field.first_bit) & field.max_value());
}

const FieldInfo& require_field(const CommandInfo& info, std::string_view name) {
  const FieldInfo* field = info.find_field(name);
  if (field == nullptr) {
    throw Error(ErrorKind::kInternal, fmt::format("npu: {} has no field '{}'", info.name, name));
  }
  return *field;
}

std::string offset_text(std::size_t index) {
  return fmt::format("command stream byte offset {} ({:#x})", index * 4, index * 4);
}

}  // namespace

Command make_cmd0(Opcode op, uint16_t param) {
  if (command_info(op).kind != CommandKind::kCmd0) {
    throw Error(ErrorKind::kInternal,
                fmt::format("npu: {} is not a cmd0 command", opcode_name(op)));
  }
  return Command{op, param, 0};
}

Command make_cmd1(Opcode op, uint32_t payload, uint16_t param) {
  if (command_info(op).kind != CommandKind::kCmd1) {
    throw Error(ErrorKind::kInternal,
                fmt::format("npu: {} is not a cmd1 command", opcode_name(op)));
  }
  return Command{op, param, payload};
}

Command make_address_command(Opcode op, uint64_t address) {
  if ((address >> kAddressBits) != 0) {
    throw_input(fmt::format("{}: address {:#x} does not fit in {} bits", opcode_name(op), address,
                            kAddressBits));
  }
  return make_cmd1(op, static_cast<uint32_t>(address), static_cast<uint16_t>(address >> 32));
}

namespace {

// The 16-bit parameter holding `value`, checked against [min, max] and the command's layout.
uint16_t plain_param(Opcode op, int64_t value, int64_t min, int64_t max) {
  const CommandInfo& info = command_info(op);
  const FieldInfo* field = nullptr;
  for (const FieldInfo& f : info.fields) {
    if (f.role != FieldRole::kValue)
      continue;
    if (field != nullptr || f.enumeration != nullptr || f.first_bit != kParamShift ||
        f.last_bit != 31) {
      throw Error(ErrorKind::kInternal,
                  fmt::format("npu: {} does not hold one plain 16-bit parameter", info.name));
    }
    field = &f;
  }
  if (field == nullptr && (info.kind != CommandKind::kCmd0 || value != 0)) {
    throw Error(ErrorKind::kInternal, fmt::format("npu: {} takes no parameter", info.name));
  }
  if (value < min || value > max) {
    throw Error(ErrorKind::kInternal,
                fmt::format("npu: {}: {} = {} is outside {}..{}", info.name,
                            field != nullptr ? field->name : "param", value, min, max));
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Command make_unsigned_command(Opcode op, int64_t value) {
  return Command{op, plain_param(op, value, 0, 0xFFFF), 0};
}

Command make_signed_command(Opcode op, int64_t value) {
  return Command{op, plain_param(op, value, -0x8000, 0x7FFF), 0};
}

uint64_t command_address(const Command& command) {
  return (static_cast<uint64_t>(command.param) << 32) | command.payload;
}

Command make_command(Opcode op, std::initializer_list<FieldSetting> fields) {
  Command command{op, 0, 0};
  command_info(op);  // rejects a value that names no command
  for (const FieldSetting& setting : fields)
    set_field(command, setting.name, setting.value);
  return command;
}

void set_field(Command& command, std::string_view name, uint32_t value) {
  const CommandInfo& info = command.info();
  const FieldInfo& field = require_field(info, name);
  if (field.role != FieldRole::kValue) {
    throw Error(ErrorKind::kInternal,
                fmt::format("npu: {}.{} is not a value field", info.name, field.name));
  }
  if (value > field.max_value()) {
    throw Error(ErrorKind::kInternal, fmt::format("npu: {}: {} = {} does not fit in {} bits",
                                                  info.name, field.name, value, field.width()));
  }
  if (field.enumeration != nullptr && !describe_enum_value(*field.enumeration, value)) {
    throw Error(ErrorKind::kInternal,
                fmt::format("npu: {}: {} = {} is not a value of enumeration {}", info.name,
                            field.name, value, field.enumeration->name));
  }
  uint64_t bits = command_bits(command);
  bits = (bits & ~field_mask(field)) | (static_cast<uint64_t>(value) << field.first_bit);
  command.param = static_cast<uint16_t>(bits >> kParamShift);
  command.payload = static_cast<uint32_t>(bits >> 32);
}

uint64_t command_bits(const Command& command) {
  const CommandInfo& info = command.info();
  return first_word(info, command.param) | (static_cast<uint64_t>(command.payload) << 32);
}

uint32_t field_value(const Command& command, const FieldInfo& field) {
  return extract(command_bits(command), field);
}

uint32_t field_value(const Command& command, std::string_view field) {
  return field_value(command, require_field(command.info(), field));
}

void encode_into(const Command& command, std::vector<uint32_t>& words) {
  const CommandInfo& info = command.info();
  words.push_back(first_word(info, command.param));
  if (info.kind == CommandKind::kCmd1) {
    words.push_back(command.payload);
  } else if (command.payload != 0) {
    throw Error(ErrorKind::kInternal, fmt::format("npu: cmd0 command {} given a payload {:#x}",
                                                  info.name, command.payload));
  }
}

std::vector<uint32_t> encode(const Command& command) {
  std::vector<uint32_t> words;
  encode_into(command, words);
  return words;
}

std::vector<uint32_t> encode_stream(std::span<const Command> commands) {
  std::vector<uint32_t> words;
  words.reserve(commands.size() * 2);
  for (const Command& command : commands)
    encode_into(command, words);
  return words;
}

DecodedCommand decode_command(std::span<const uint32_t> words, std::size_t index) {
  if (index >= words.size()) {
    throw Error(ErrorKind::kInternal, fmt::format("npu: decoding past the end of the stream"));
  }
  const uint32_t word = words[index];
  // payload_size (bits 14-15) is 0 for cmd0 and 1 for cmd1 (a 32-bit payload); the facts define
  // no command with a larger payload.
  const uint32_t payload_size = (word >> kPayloadSizeShift) & 3;
  if (payload_size > 1) {
    throw_input(
        fmt::format("{}: word {:#010x} has payload_size {}; only cmd0 (0) and cmd1 (1) exist",
                    offset_text(index), word, payload_size));
  }
  const CommandKind kind = payload_size == 1 ? CommandKind::kCmd1 : CommandKind::kCmd0;
  const auto code = static_cast<uint16_t>(word & kCodeMask);
  const CommandInfo* info = find_command(kind, code);
  if (info == nullptr) {
    throw_input(fmt::format("{}: unknown {} opcode {:#05x} (word {:#010x})", offset_text(index),
                            kind == CommandKind::kCmd1 ? "cmd1" : "cmd0", code, word));
  }
  uint32_t payload = 0;
  if (kind == CommandKind::kCmd1) {
    if (index + 1 >= words.size()) {
      throw_input(
          fmt::format("{}: cmd1 command {} is truncated: the stream ends before its payload",
                      offset_text(index), info->name));
    }
    payload = words[index + 1];
  }
  // Checked on the words as read: a Command cannot hold the bits that must be zero.
  const uint64_t raw = word | (static_cast<uint64_t>(payload) << 32);
  for (const FieldInfo& field : info->fields) {
    if (field.role == FieldRole::kMustBeZero && extract(raw, field) != 0) {
      throw_input(fmt::format("{}: {} has {} (bits {}-{}) = {:#x}, which must be zero",
                              offset_text(index), info->name, field.name, field.first_bit,
                              field.last_bit, extract(raw, field)));
    }
  }
  DecodedCommand decoded;
  decoded.command = Command{info->opcode, static_cast<uint16_t>(word >> kParamShift), payload};
  decoded.byte_offset = index * 4;
  decoded.info = info;
  return decoded;
}

std::vector<DecodedCommand> decode_stream(std::span<const uint32_t> words) {
  std::vector<DecodedCommand> commands;
  for (std::size_t index = 0; index < words.size();) {
    commands.push_back(decode_command(words, index));
    index += static_cast<std::size_t>(commands.back().word_count());
  }
  return commands;
}

std::vector<uint32_t> words_from_bytes(std::span<const uint8_t> bytes) {
  if (bytes.size() % 4 != 0) {
    throw_input(fmt::format("command stream of {} bytes is not a whole number of 32-bit words",
                            bytes.size()));
  }
  std::vector<uint32_t> words(bytes.size() / 4);
  for (std::size_t i = 0; i < words.size(); ++i) {
    words[i] = static_cast<uint32_t>(bytes[4 * i]) |
               (static_cast<uint32_t>(bytes[4 * i + 1]) << 8) |
               (static_cast<uint32_t>(bytes[4 * i + 2]) << 16) |
               (static_cast<uint32_t>(bytes[4 * i + 3]) << 24);
  }
  return words;
}

}  // namespace euc::npu

#include "npu/format.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "npu/kernel_stride.hpp"

namespace euc::npu {
namespace {

void append_field(std::string& out, const FieldInfo& field, uint32_t value) {
  switch (field.role) {
    case FieldRole::kCode:
    case FieldRole::kMustBeZero:
    case FieldRole::kPayloadSize:
      return;
    case FieldRole::kReserved:
      if (value != 0)
        out += fmt::format(" {}={:#x}", field.name, value);
      return;
    case FieldRole::kValue:
      break;
  }
  if (field.enumeration != nullptr) {
    if (auto name = describe_enum_value(*field.enumeration, value)) {
      out += fmt::format(" {}={}", field.name, *name);
    } else {
      out += fmt::format(" {}={}?", field.name, value);
    }
  } else if (field.word() == 1) {
    out += fmt::format(" {}={:#x}", field.name, value);
  } else {
    out += fmt::format(" {}={}", field.name, value);
  }
}

}  // namespace

std::string format_command(const Command& command) {
  const CommandInfo& info = command.info();
  std::string out(info.name);
  const uint64_t bits = command_bits(command);
  for (const FieldInfo& field : info.fields) {
    append_field(out, field, static_cast<uint32_t>((bits >> field.first_bit) & field.max_value()));
  }
  if (command.opcode == Opcode::kSetKernelStride) {
    const KernelStride s = decode_kernel_stride(command.param);
    out += fmt::format(" (stride={}x{} dilation={}x{} {})", s.stride_x, s.stride_y, s.dilation_x,
                       s.dilation_y, s.part_kernel_first ? "part_kernel_first" : "depth_first");
  }
  return out;
}

std::string format_command(const DecodedCommand& decoded) {
  return format_command(decoded.command);
}

std::string format_words(const Command& command) {
  std::vector<uint32_t> words;
  encode_into(command, words);
  return fmt::format("{:08x}", fmt::join(words, " "));
}

std::string format_listing(std::span<const DecodedCommand> commands) {
  std::string out;
  for (const DecodedCommand& decoded : commands) {
    out += fmt::format("{:#06x}: {:<17} {}\n", decoded.byte_offset, format_words(decoded.command),
                       format_command(decoded));
  }
  return out;
}

}  // namespace euc::npu

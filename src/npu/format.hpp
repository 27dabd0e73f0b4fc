#pragma once
// Text for commands: the disassembler's per-line output and test diagnostics.
#include <span>
#include <string>

#include "npu/command.hpp"

namespace euc::npu {

// The opcode name and each value field by name, e.g.
//   NPU_SET_IFM_PRECISION precision=S8 format=NHCWB16 scale_mode=SCALE_16BIT round_mode=TFL
//   NPU_SET_IFM_BASE0 data=0x12345678
// Enumerated fields print their value's name (a value outside the enumeration prints as its
// number followed by '?'); other fields of the first word print in decimal, payload fields in
// hex. Reserved fields appear only when not zero. NPU_SET_KERNEL_STRIDE also shows its unpacked
// strides and dilations.
std::string format_command(const Command& command);
std::string format_command(const DecodedCommand& decoded);

// The command's words in hex, e.g. "00410105" or "00004000 12345678".
std::string format_words(const Command& command);

// One line per command: byte offset, words, text.
std::string format_listing(std::span<const DecodedCommand> commands);

}  // namespace euc::npu

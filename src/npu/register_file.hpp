#pragma once
// The NPU's command-stream registers as a value: the last value written to every cmd0 and cmd1
// register, and whether it was written at all. Applying the commands of a stream in order gives
// the state each NPU_OP_* command launches its operation with (operation.hpp).
#include <array>
#include <cstdint>
#include <string_view>

#include "npu/command.hpp"

namespace euc::npu {

// NPU_SET_* commands write registers; NPU_OP_* commands (cmd0 codes below 0x100, see the cmd0
// enumeration of the command facts the npu tables come from) act and write none.
constexpr bool is_register_write(Opcode op) {
  return command_kind(op) == CommandKind::kCmd1 || command_code(op) >= 0x100;
}

class RegisterFile {
 public:
  // Writes the command's register; does nothing for an NPU_OP_* command.
  void apply(const Command& command);

  bool is_set(Opcode op) const { return slot(op).set; }
  // The last parameter (cmd0 bits 16-31, cmd1 header bits 16-31) and payload written; 0 while
  // never written (the value the registers reset to is not in the facts; callers that care ask
  // is_set).
  uint16_t param(Opcode op) const { return slot(op).param; }
  uint32_t payload(Opcode op) const { return slot(op).payload; }
  // cmd1 registers holding a 40-bit address, length or stride: (param << 32) | payload.
  uint64_t address(Opcode op) const;
  // The register as a command, to read fields by name: field_value(reg.command(op), "format").
  Command command(Opcode op) const;
  uint32_t field(Opcode op, std::string_view field_name) const;

  friend bool operator==(const RegisterFile&, const RegisterFile&) = default;

 private:
  struct Slot {
    uint32_t payload = 0;
    uint16_t param = 0;
    bool set = false;
    friend bool operator==(const Slot&, const Slot&) = default;
  };
  static constexpr std::size_t kCodes = kCodeMask + 1;

  const Slot& slot(Opcode op) const;
  Slot& slot(Opcode op);

  std::array<Slot, kCodes> cmd0_{};
  std::array<Slot, kCodes> cmd1_{};
};

}  // namespace euc::npu

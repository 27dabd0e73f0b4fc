#pragma once
// Builds a register command stream. A shadow copy of every register suppresses writes that
// would not change a value (the hardware keeps register values between operations), so only
// changed registers are emitted. Operation commands (NPU_OP_*) are always emitted.
#include <cstdint>
#include <map>
#include <vector>

#include "npu/command.hpp"

namespace euc::codegen {

class Emitter {
 public:
  // A register write, skipped when the register already holds this value.
  void set(const npu::Command& command);
  void set0(npu::Opcode op, uint16_t param) { set(npu::make_cmd0(op, param)); }
  void set1(npu::Opcode op, uint32_t payload, uint16_t param = 0) {
    set(npu::make_cmd1(op, payload, param));
  }
  // A 40-bit address or length: bits 32+ in the parameter.
  void set_address(npu::Opcode op, uint64_t address) {
    set(npu::make_address_command(op, address));
  }
  // An operation command (NPU_OP_*), always emitted.
  void operation(npu::Opcode op, uint16_t param = 0);

  const std::vector<uint32_t>& words() const { return words_; }
  size_t byte_offset() const { return words_.size() * 4; }

 private:
  std::vector<uint32_t> words_;
  std::map<npu::Opcode, npu::Command> shadow_;
};

}  // namespace euc::codegen

#pragma once
// Builds a register command stream. A shadow copy of every register suppresses writes that
// would not change a value (the hardware keeps register values between operations), so only
// changed registers are emitted. Operation commands (NPU_OP_*) are always emitted.
//
// Every command goes through npu's field-checked builders: a value that does not fit its field
// is an internal error, never a truncated register.
#include <cstdint>
#include <map>
#include <vector>

#include "npu/command.hpp"
#include "npu/command_fields.gen.hpp"

namespace euc::codegen {

class Emitter {
 public:
  // A register write, skipped when the register already holds this value.
  void set(const npu::Command& command);
  // A register whose fields are named in a generated struct, e.g.
  //   set(npu::SetOfmPrecision{.precision = npu::OfmPrecision::kS8, .scaling = true}).
  template <typename Fields>
  requires requires(const Fields& f) { npu::to_command(f); }
  void set(const Fields& fields) { set(npu::to_command(fields)); }
  // A register holding one 16-bit number: unsigned (sizes, regions, paddings, ...) or signed
  // (zero points, activation limits).
  void set_unsigned(npu::Opcode op, int64_t value) { set(npu::make_unsigned_command(op, value)); }
  void set_signed(npu::Opcode op, int64_t value) { set(npu::make_signed_command(op, value)); }
  // A 40-bit address or length: bits 32+ in the parameter.
  void set_address(npu::Opcode op, uint64_t address) {
    set(npu::make_address_command(op, address));
  }
  // An operation command (NPU_OP_*), always emitted: one without a parameter or with a plain
  // unsigned one (a mask, a channel mode), or one whose fields are named in a generated struct.
  void operation(npu::Opcode op, int64_t value = 0) {
    operation(npu::make_unsigned_command(op, value));
  }
  template <typename Fields>
  requires requires(const Fields& f) { npu::to_command(f); }
  void operation(const Fields& fields) { operation(npu::to_command(fields)); }
  void operation(const npu::Command& command);

  const std::vector<uint32_t>& words() const { return words_; }
  size_t byte_offset() const { return words_.size() * 4; }

  // Every NPU operation launched (kernel or DMA start), with the operation of the graph it
  // serves (`owner` when it was emitted), for the debug database and the listings.
  struct Launch {
    size_t byte_offset = 0;  // of the launching command in the stream
    int owner = -1;
  };
  int owner = -1;
  const std::vector<Launch>& launches() const { return launches_; }

 private:
  void append(const npu::Command& command);

  std::vector<uint32_t> words_;
  std::vector<Launch> launches_;
  std::map<npu::Opcode, npu::Command> shadow_;
};

}  // namespace euc::codegen

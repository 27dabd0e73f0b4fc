#include "codegen/emitter.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "npu/operation.hpp"
#include "npu/register_file.hpp"

namespace euc::codegen {

void Emitter::set(const npu::Command& command) {
  if (!npu::is_register_write(command.opcode)) {
    throw Error(ErrorKind::kInternal, fmt::format("{} is an operation, not a register write",
                                                  npu::opcode_name(command.opcode)));
  }
  auto it = shadow_.find(command.opcode);
  if (it != shadow_.end() && it->second == command)
    return;
  shadow_[command.opcode] = command;
  append(command);
}

void Emitter::operation(const npu::Command& command) {
  if (npu::is_register_write(command.opcode)) {
    throw Error(ErrorKind::kInternal, fmt::format("{} is a register write, not an operation",
                                                  npu::opcode_name(command.opcode)));
  }
  if (npu::launched_kind(command.opcode))
    launches_.push_back({byte_offset(), owner});
  append(command);
}

void Emitter::append(const npu::Command& command) {
  npu::encode_into(command, words_);
}

}  // namespace euc::codegen

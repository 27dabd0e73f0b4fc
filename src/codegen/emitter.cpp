#include "codegen/emitter.hpp"

namespace euc::codegen {

void Emitter::set(const npu::Command& command) {
  auto it = shadow_.find(command.opcode);
  if (it != shadow_.end() && it->second == command)
    return;
  shadow_[command.opcode] = command;
  npu::encode_into(command, words_);
}

void Emitter::operation(npu::Opcode op, uint16_t param) {
  npu::encode_into(npu::make_cmd0(op, param), words_);
}

}  // namespace euc::codegen

#include "npu/register_file.hpp"

namespace euc::npu {

void RegisterFile::apply(const Command& command) {
  if (!is_register_write(command.opcode))
    return;
  Slot& s = slot(command.opcode);
  s.param = command.param;
  s.payload = command.payload;
  s.set = true;
}

uint64_t RegisterFile::address(Opcode op) const {
  const Slot& s = slot(op);
  return (static_cast<uint64_t>(s.param) << 32) | s.payload;
}

Command RegisterFile::command(Opcode op) const {
  const Slot& s = slot(op);
  return Command{op, s.param, s.payload};
}

uint32_t RegisterFile::field(Opcode op, std::string_view field_name) const {
  return field_value(command(op), field_name);
}

const RegisterFile::Slot& RegisterFile::slot(Opcode op) const {
  const std::size_t code = command_code(op);
  return command_kind(op) == CommandKind::kCmd1 ? cmd1_[code] : cmd0_[code];
}

RegisterFile::Slot& RegisterFile::slot(Opcode op) {
  const std::size_t code = command_code(op);
  return command_kind(op) == CommandKind::kCmd1 ? cmd1_[code] : cmd0_[code];
}

}  // namespace euc::npu

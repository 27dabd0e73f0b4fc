#pragma once
// What euc-dis shows of a compiled model: per ethos-u operator its payload header, tensors,
// decoded commands and the operations the commands launch.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/model.hpp"
#include "npu/command.hpp"
#include "npu/ethosu_op.hpp"
#include "npu/operation.hpp"

namespace euc::dis {

struct TensorEntry {
  std::string role;  // "command_stream", "flash", "scratch", "scratch_fast", "ifm0", "ofm0", ...
  int32_t index = -1;
  std::string name;
  ir::DataType type = ir::DataType::kUInt8;
  std::vector<int32_t> shape;
  int64_t bytes = 0;
  std::optional<int32_t> arena_offset;
};

struct OperatorDisassembly {
  npu::EthosuOperator op;
  std::vector<TensorEntry> tensors;
  std::vector<npu::DecodedCommand> commands;
  std::vector<npu::NpuOperation> operations;  // in stream order
  // Index into `operations` of the operation each command launches, or -1.
  std::vector<int> operation_of_command;
};

struct Disassembly {
  std::string file;
  std::vector<OperatorDisassembly> operators;
};

// Throws euc::Error (input errors prefixed with the file and operator) for anything malformed.
Disassembly disassemble(const ir::Model& model, const std::string& file);

std::string format_text(const Disassembly& d);
std::string format_json(const Disassembly& d);

}  // namespace euc::dis

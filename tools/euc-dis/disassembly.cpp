#include "disassembly.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace euc::dis {
namespace {

TensorEntry tensor_entry(const ir::Subgraph& graph, std::string role, const npu::EthosuTensor& t) {
  const ir::Tensor& tensor = graph.tensors.at(static_cast<std::size_t>(t.index));
  TensorEntry e;
  e.role = std::move(role);
  e.index = t.index;
  e.name = tensor.name;
  e.type = tensor.type;
  e.shape = tensor.shape;
  e.bytes = tensor.num_elements() * ir::element_size(tensor.type).value_or(0);
  e.arena_offset = t.arena_offset;
  return e;
}

}  // namespace

Disassembly disassemble(const ir::Model& model, const std::string& file) {
  Disassembly d;
  d.file = file;
  for (npu::EthosuOperator& op : npu::read_ethosu_operators(model, file)) {
    OperatorDisassembly od;
    const ir::Subgraph& graph = model.subgraphs[op.subgraph];
    od.tensors.push_back(tensor_entry(graph, "command_stream", op.command_stream));
    od.tensors.push_back(tensor_entry(graph, "flash", op.flash));
    od.tensors.push_back(tensor_entry(graph, "scratch", op.scratch));
    od.tensors.push_back(tensor_entry(graph, "scratch_fast", op.scratch_fast));
    for (std::size_t i = 0; i < op.ifms.size(); ++i)
      od.tensors.push_back(tensor_entry(graph, fmt::format("ifm{}", i), op.ifms[i]));
    for (std::size_t i = 0; i < op.ofms.size(); ++i)
      od.tensors.push_back(tensor_entry(graph, fmt::format("ofm{}", i), op.ofms[i]));
    try {
      od.commands = npu::decode_stream(op.payload.command_words);
      od.operations = npu::extract_operations(od.commands);
    } catch (const Error& e) {
      throw Error(e.kind(), fmt::format("{}: subgraph {} operator {} (ethos-u): {}", file,
                                        op.subgraph, op.operator_index, e.what()));
    }
    od.operation_of_command.assign(od.commands.size(), -1);
    for (std::size_t i = 0; i < od.operations.size(); ++i)
      od.operation_of_command[od.operations[i].command_index] = static_cast<int>(i);
    od.op = std::move(op);
    d.operators.push_back(std::move(od));
  }
  return d;
}

}  // namespace euc::dis

#include "model_mutation.hpp"

#include <algorithm>
#include <string>

#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::test {

ir::Model load_op_model(std::string_view stem) {
  return tfl::read_model_file(shared_dir() / "models/ops" / (std::string(stem) + ".tflite"));
}

ir::Model load_shared_model(std::string_view file) {
  return tfl::read_model_file(shared_dir() / "models" / std::string(file));
}

ir::Model load_project_model(const std::filesystem::path& relative) {
  return tfl::read_model_file(source_dir() / relative);
}

ir::Operator& op_at(ir::Model& model, int op) {
  return model.subgraphs.at(0).operators.at(op);
}

ir::Tensor& input_of(ir::Model& model, int op, size_t i) {
  return model.subgraphs.at(0).tensors.at(op_at(model, op).inputs.at(i));
}

ir::Tensor& output_of(ir::Model& model, int op, size_t i) {
  return model.subgraphs.at(0).tensors.at(op_at(model, op).outputs.at(i));
}

void set_bytes(ir::Model& model, ir::Tensor& tensor, std::vector<uint8_t> bytes) {
  ir::Buffer buffer;
  buffer.data = std::make_shared<const ir::Bytes>(std::move(bytes));
  model.buffers.push_back(std::move(buffer));
  tensor.buffer = static_cast<uint32_t>(model.buffers.size() - 1);
}

void make_graph_input(ir::Model& model, ir::Tensor& tensor) {
  ir::Subgraph& sg = model.subgraphs.at(0);
  tensor.buffer = 0;
  auto index = static_cast<int32_t>(&tensor - sg.tensors.data());
  if (std::find(sg.inputs.begin(), sg.inputs.end(), index) == sg.inputs.end())
    sg.inputs.push_back(index);
}

}  // namespace euc::test

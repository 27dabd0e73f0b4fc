#pragma once
// Small edits to a model read from disk, for tests that break one constraint at a time. Every
// edit works on subgraph 0 and returns nothing: the model is a plain value the test owns.
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

#include "ir/model.hpp"
#include "tflite/options.hpp"

namespace euc::test {

// ../shared/models/ops/<stem>.tflite, ../shared/models/<file>, and the project's own models.
ir::Model load_op_model(std::string_view stem);
ir::Model load_shared_model(std::string_view file);
ir::Model load_project_model(const std::filesystem::path& relative);

ir::Operator& op_at(ir::Model& model, int op);
ir::Tensor& input_of(ir::Model& model, int op, size_t i);
ir::Tensor& output_of(ir::Model& model, int op, size_t i = 0);

// New constant bytes for a tensor (a fresh buffer; the old one may be shared).
void set_bytes(ir::Model& model, ir::Tensor& tensor, std::vector<uint8_t> bytes);
template <class T>
void set_values(ir::Model& model, ir::Tensor& tensor, const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty())
    std::memcpy(bytes.data(), values.data(), bytes.size());
  set_bytes(model, tensor, std::move(bytes));
}
// The tensor loses its data and becomes an input of the subgraph (computed at run time).
void make_graph_input(ir::Model& model, ir::Tensor& tensor);

// Rewrites the operator's builtin options of table type T (created with defaults if absent).
template <class T, class F>
void edit_options(ir::Operator& op, F&& edit) {
  typename T::NativeTableType native;
  if (const T* table = tfl::builtin_options_as<T>(op))
    table->UnPackTo(&native);
  edit(native);
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(T::Pack(fbb, &native));
  op.builtin_options.type = static_cast<uint8_t>(tflite::BuiltinOptionsTraits<T>::enum_value);
  op.builtin_options.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

}  // namespace euc::test

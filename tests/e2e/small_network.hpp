#pragma once
// Small networks built in the tests (no shared files needed), and the end-to-end check they go
// through: the reference interpreter runs the original, the functional model the compiled one.
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "driver/compiler.hpp"
#include "ir/model.hpp"
#include "tflite/options.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc::test {

// Builds subgraph 0 of a model one tensor and operator at a time.
class Net {
 public:
  Net() {
    model_.subgraphs.emplace_back();
    model_.buffers.emplace_back();  // buffer 0: empty by convention
  }

  int tensor(const std::string& name, std::vector<int32_t> shape, float scale, int64_t zero_point,
             ir::DataType type = ir::DataType::kInt8) {
    ir::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.type = type;
    t.quantization = ir::Quantization{};
    t.quantization->scale = {scale};
    t.quantization->zero_point = {zero_point};
    sg().tensors.push_back(std::move(t));
    return static_cast<int>(sg().tensors.size() - 1);
  }

  int int32_constant(const std::string& name, const std::vector<int32_t>& values) {
    return constant(name, {static_cast<int32_t>(values.size())}, ir::DataType::kInt32,
                    values.data(), values.size() * 4);
  }

  // A constant of raw bytes, quantised when `scale` is given.
  int constant(const std::string& name, std::vector<int32_t> shape, ir::DataType type,
               const void* data, size_t size, std::optional<float> scale = std::nullopt,
               int64_t zero_point = 0) {
    ir::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.type = type;
    if (scale) {
      t.quantization = ir::Quantization{};
      t.quantization->scale = {*scale};
      t.quantization->zero_point = {zero_point};
    }
    auto bytes = std::make_shared<ir::Bytes>(size);
    std::memcpy(bytes->data(), data, size);
    model_.buffers.push_back(ir::Buffer{std::move(bytes)});
    t.buffer = static_cast<uint32_t>(model_.buffers.size() - 1);
    sg().tensors.push_back(std::move(t));
    return static_cast<int>(sg().tensors.size() - 1);
  }

  // Per-axis quantisation for tensor `t` (weights: one scale per output channel, zero points 0).
  void per_channel(int t, std::vector<float> scales, int axis) {
    ir::Quantization& q = *sg().tensors.at(static_cast<size_t>(t)).quantization;
    q.zero_point.assign(scales.size(), 0);
    q.scale = std::move(scales);
    q.quantized_dimension = axis;
  }

  template <class T>
  void op(ir::BuiltinOp type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
          const typename T::NativeTableType& options) {
    ir::Operator o;
    o.type = type;
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    flatbuffers::FlatBufferBuilder fbb;
    fbb.Finish(T::Pack(fbb, &options));
    o.builtin_options.type = static_cast<uint8_t>(tflite::BuiltinOptionsTraits<T>::enum_value);
    o.builtin_options.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    sg().operators.push_back(std::move(o));
  }

  // An operator without options (RELU6, PRELU, ...).
  void op(ir::BuiltinOp type, std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
    ir::Operator o;
    o.type = type;
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    sg().operators.push_back(std::move(o));
  }

  // Replaces tensor `t`'s quantisation (per-axis scales, say).
  void quantize(int t, ir::Quantization q) {
    sg().tensors.at(static_cast<size_t>(t)).quantization = std::move(q);
  }
  // A state tensor of a recurrent operator (TFLite's variable tensors).
  void make_variable(int t) { sg().tensors.at(static_cast<size_t>(t)).is_variable = true; }

  void io(std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
    sg().inputs = std::move(inputs);
    sg().outputs = std::move(outputs);
  }

  // Through the file format, so the reader's checks apply.
  ir::Model model() const { return tfl::read_model(tfl::write_model(model_), "net"); }

 private:
  ir::Subgraph& sg() { return model_.subgraphs[0]; }
  ir::Model model_;
};

// Compiles `original` for `accelerator` (default system config) with `options`, runs the
// original on the reference interpreter and the compiled model on the functional model with the
// same random inputs; every output must be identical. Returns the compile result.
driver::CompileResult compile_and_compare(const ir::Model& original, const std::string& accelerator,
                                          const driver::CompileOptions& options = {});

// The same, for a model that must compile to one ethos-u operator. Returns the compiled model.
ir::Model expect_same_outputs(const ir::Model& original, const std::string& accelerator,
                              const driver::CompileOptions& options = {});

}  // namespace euc::test

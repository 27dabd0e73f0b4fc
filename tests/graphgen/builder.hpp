#pragma once
// Builds the ir::Model of a recipe one step at a time. Each step becomes one TFLite operator
// whose output shape follows from its operands; its quantisation is derived from an estimate of
// the real values flowing through the graph (mean and spread), so outputs use their range
// instead of saturating; constants (weights, biases, operands) come from the step's data seed.
// The rules TFLite's reference kernels impose hold by construction: int16 zero points 0, int32
// biases for int8 and int64 for int16, per-channel weight scales along the output channels,
// equal quantisation where the kernels copy bytes (pooling, concatenation, slicing, padding,
// reshapes).
#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/model.hpp"
#include "recipe.hpp"

namespace euc::graphgen {

// A feature map of the graph being built.
struct Value {
  int tensor = -1;
  std::vector<int32_t> shape;
  ir::DataType type = ir::DataType::kInt8;
  float scale = 1.0f;
  int64_t zero_point = 0;
  double mean = 0.0;    // estimated mean of the real values
  double spread = 1.0;  // estimated standard deviation of the real values
  int64_t elements() const;
};

class Builder {
 public:
  explicit Builder(const std::vector<InputSpec>& inputs);

  // Adds `step` as the next step. Returns false, leaving the builder unchanged, when the step
  // does not fit its operands (e.g. mismatched shapes).
  bool add(const Step& step);

  int step_count() const { return static_cast<int>(steps_.size()); }
  int output_count(int step) const { return static_cast<int>(steps_.at(step).size()); }
  // A value (references beyond a step's outputs read its last one); nullptr if absent.
  const Value* value(ValueRef ref) const;
  // Multiply-accumulates of every step so far, and the largest feature map in elements.
  int64_t macs() const { return macs_; }
  int64_t largest_tensor() const { return largest_; }
  // One line per step: operator, parameters, operand and output shapes.
  const std::vector<std::string>& descriptions() const { return descriptions_; }

  // The model: subgraph outputs are the values no operator reads plus `extra`, in step order;
  // graph inputs no operator reads are dropped. Written and read back, so the reader's checks
  // apply. Throws euc::Error when the graph has no output.
  ir::Model finish(std::span<const ValueRef> extra) const;

 private:
  struct Quant {
    float scale = 1.0f;
    int64_t zero_point = 0;
    double mean = 0.0, spread = 1.0;  // of the quantised output
  };

  bool apply(const Step& s);
  bool apply_conv(const Step& s);
  bool apply_depthwise(const Step& s);
  bool apply_fully_connected(const Step& s);
  bool apply_pool(const Step& s);
  bool apply_batch_matmul(const Step& s);
  bool apply_svdf(const Step& s);
  bool apply_elementwise(const Step& s);
  bool apply_concat(const Step& s);
  bool apply_split(const Step& s);
  bool apply_slice(const Step& s);
  bool apply_strided_slice(const Step& s);
  bool apply_pad(const Step& s);
  bool apply_mean(const Step& s);
  bool apply_reshape(const Step& s);
  bool apply_quantize(const Step& s);
  bool apply_transpose(const Step& s);
  bool apply_resize(const Step& s);
  bool apply_transpose_conv(const Step& s);
  bool apply_lstm(const Step& s);  // build_recurrent.cpp
  bool apply_unary(const Step& s);

  // The output quantisation for estimated real values (mean, spread) of type `type`, honouring
  // s.quant_of, s.range and s.offset and clamped by the fused activation.
  Quant choose_quant(const Step& s, ir::DataType type, double mean, double spread, Act act) const;

  // `q` with its scale raised where input scale x weight scale / output scale would leave the
  // range TFLite's kernels compute exactly (see build_compute.cpp).
  Quant bounded_rescale(Quant q, const Value& x, const std::vector<float>& weight_scales) const;
  std::string step_name(const char* what) const;
  int add_tensor(const std::string& name, std::vector<int32_t> shape, ir::DataType type,
                 float scale, int64_t zero_point);
  // A constant; quantised (per axis when scales has several entries) when scales is not empty.
  int add_constant(const std::string& name, std::vector<int32_t> shape, ir::DataType type,
                   std::vector<uint8_t> bytes, std::vector<float> scales = {},
                   std::vector<int64_t> zero_points = {}, int quantized_dimension = 0);
  int add_int32_constant(const std::string& name, const std::vector<int32_t>& values,
                         bool scalar = false);
  // A new feature map of the current step, pushed as its next output value.
  Value& add_value(std::vector<int32_t> shape, ir::DataType type, const Quant& q,
                   const char* suffix = "");
  void emit(ir::BuiltinOp type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
            uint8_t options_type = 0, const flatbuffers::FlatBufferBuilder* options = nullptr);
  template <class T>
  void emit(ir::BuiltinOp type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
            const typename T::NativeTableType& options);
  void describe(const Step& s, const std::string& details);

  ir::Model model_;
  std::vector<Value> inputs_;
  std::vector<std::vector<Value>> steps_;
  std::vector<std::string> descriptions_;
  int64_t macs_ = 0;
  int64_t largest_ = 0;
};

// Builds a whole recipe; nullopt when a step does not fit.
std::optional<ir::Model> build(const Recipe& recipe);
// The recipe's steps as text, one line each (empty when it does not build).
std::string describe(const Recipe& recipe);

}  // namespace euc::graphgen

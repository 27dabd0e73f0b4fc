#pragma once
// The operator under check, as the constraints see it: its tensors resolved by role (feature-map
// inputs, weights, bias, output), constant values decoded, typed options. Role assignment
// follows the TFLite operator definitions: e.g. TRANSPOSE_CONV reads its feature map from input
// 2, SPLIT from input 1; CONCATENATION and PACK take every input as a feature map.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "frontend/supported/supported_ops.hpp"
#include "ir/geometry.hpp"
#include "ir/model.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {

// Facts about a subgraph's tensors that every check of its operators needs; built once.
struct SubgraphFacts {
  std::vector<bool> produced;     // some operator of the subgraph writes the tensor
  std::vector<bool> graph_input;  // listed among the subgraph's inputs

  explicit SubgraphFacts(const ir::Subgraph& subgraph);
};

class OpView {
 public:
  OpView(const ir::Model& model, int subgraph, int op_index, const SubgraphFacts& facts,
         const CheckOptions& options);

  const ir::Model& model() const { return model_; }
  const ir::Operator& op() const { return op_; }
  ir::BuiltinOp type() const { return op_.type; }
  const CheckOptions& check_options() const { return options_; }

  size_t num_inputs() const { return op_.inputs.size(); }
  // Input or output i; nullptr when absent or omitted (-1).
  const ir::Tensor* input(size_t i) const;
  const ir::Tensor* output(size_t i) const;
  std::vector<const ir::Tensor*> inputs() const;   // present inputs only
  std::vector<const ir::Tensor*> outputs() const;  // present outputs only

  // Feature-map inputs by role; ifm()/ifm2() are the first two of them.
  std::vector<const ir::Tensor*> ifms() const;
  const ir::Tensor* ifm() const;
  const ir::Tensor* ifm2() const;
  const ir::Tensor* weights() const;
  const ir::Tensor* bias() const;
  const ir::Tensor* ofm() const { return output(0); }
  // IFMs, weights and OFM: the tensors the type and quantisation rules look at.
  std::vector<const ir::Tensor*> main_tensors() const;

  bool is_constant(const ir::Tensor& tensor) const;
  // A tensor that nothing computes: no producer, not a graph input, not a variable.
  bool is_constant_by_position(const ir::Tensor& tensor) const;
  // Values of a constant integer tensor (int8/16/32/64, uint8); nullopt if not constant or not
  // an integer type.
  std::optional<std::vector<int64_t>> int_values(const ir::Tensor* tensor) const;

  // Typed builtin options; nullptr when the operator has no options table of that type.
  template <class T>
  const T* options() const {
    return tfl::builtin_options_as<T>(op_);
  }

 private:
  int tensor_index(const ir::Tensor& tensor) const;

  const ir::Model& model_;
  const ir::Subgraph& subgraph_;
  const ir::Operator& op_;
  const SubgraphFacts& facts_;
  const CheckOptions& options_;
};

// ---- Small helpers shared by the constraint files ----

// "[1,16,16,8]"
std::string shape_str(const std::vector<int32_t>& shape);
// "'name' [1,16,16,8]"
std::string tensor_str(const ir::Tensor& tensor);
std::string type_str(ir::DataType type);
// A shape padded with leading ones to 4 dimensions (NHWC); longer shapes are returned as is.
std::vector<int32_t> shape4(const std::vector<int32_t>& shape);
bool is_integer_type(ir::DataType type);
bool is_signed_int_type(ir::DataType type);
bool is_unsigned_int_type(ir::DataType type);
// Vela's notion of quantised: an integer type with a scale and a zero point.
bool is_quantized(const ir::Tensor& tensor);
// Scale and zero point present at all (Vela treats a tensor without both as unquantised).
bool has_quantization(const ir::Tensor& tensor);
// More than one scale, zero point, min or max.
bool is_per_axis(const ir::Tensor& tensor);
// Scale and zero point of both tensors identical (both must be quantised).
bool same_scaling(const ir::Tensor& a, const ir::Tensor& b);

// Stride, dilation, kernel of the convolution and pooling operators (options or weights shape).
// The kernel window an operator's options and weights give, as the network states it (not yet
// checked), and whether its padding is VALID (else SAME).
struct Kernel : ir::Kernel {
  bool valid_padding = false;
};
// nullopt when the operator has no usable options (see constraint options_present).
std::optional<Kernel> kernel_of(const OpView& op);

}  // namespace euc::frontend

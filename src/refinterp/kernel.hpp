#pragma once
// What every operator kernel sees. A kernel is prepared once per operator: preparation
// validates tensor types and shapes, reads options and constant operands and precomputes the
// quantisation parameters, then returns a closure that computes the outputs from the inputs.
// Problems found while preparing are input errors naming the operator index and name.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/model.hpp"
#include "refmath/activation_functions.hpp"

namespace euc::refinterp {

// Storage of every tensor of the subgraph during a run, indexed like Subgraph::tensors.
class TensorArena {
 public:
  explicit TensorArena(size_t tensor_count) : data_(tensor_count) {}

  template <class T>
  std::span<const T> in(int index) const {
    const auto& d = data_[static_cast<size_t>(index)];
    return {reinterpret_cast<const T*>(d.data()), d.size() / sizeof(T)};
  }
  template <class T>
  std::span<T> out(int index) {
    auto& d = data_[static_cast<size_t>(index)];
    return {reinterpret_cast<T*>(d.data()), d.size() / sizeof(T)};
  }
  std::vector<uint8_t>& bytes(int index) { return data_[static_cast<size_t>(index)]; }
  const std::vector<uint8_t>& bytes(int index) const { return data_[static_cast<size_t>(index)]; }

 private:
  // std::vector storage comes from operator new, aligned for every element type used here.
  std::vector<std::vector<uint8_t>> data_;
};

using Kernel = std::function<void(TensorArena&)>;

class OpContext {
 public:
  OpContext(const ir::Model& model, const ir::Subgraph& graph, int op_index)
      : model_(model),
        graph_(graph),
        op_(graph.operators[static_cast<size_t>(op_index)]),
        index_(op_index) {}

  const ir::Model& model() const { return model_; }
  const ir::Operator& op() const { return op_; }
  int index() const { return index_; }
  std::string name() const { return ir::operator_display_name(op_); }

  size_t num_inputs() const { return op_.inputs.size(); }
  size_t num_outputs() const { return op_.outputs.size(); }
  // True when input i exists and is not the omitted-optional marker -1.
  bool has_input(size_t i) const { return i < op_.inputs.size() && op_.inputs[i] >= 0; }
  int input_index(size_t i) const;
  int output_index(size_t i) const;
  const ir::Tensor& input(size_t i) const { return tensor(input_index(i)); }
  const ir::Tensor& output(size_t i) const { return tensor(output_index(i)); }
  const ir::Tensor& tensor(int index) const { return graph_.tensors[static_cast<size_t>(index)]; }

  bool is_constant(size_t input) const;
  // The constant bytes of input i; an error when the input is not constant.
  std::span<const uint8_t> constant_bytes(size_t input) const;
  // Constant integer operand (int32 or int64 tensor) as int64 values.
  std::vector<int64_t> constant_ints(size_t input) const;

  [[noreturn]] void fail(std::string_view message) const;
  void check(bool condition, std::string_view message) const {
    if (!condition)
      fail(message);
  }
  // Input count in [min_inputs, max_inputs] and exactly `outputs` outputs.
  void expect_arity(size_t min_inputs, size_t max_inputs, size_t outputs) const;
  void expect_type(const ir::Tensor& t, std::initializer_list<ir::DataType> allowed,
                   std::string_view role) const;
  void expect_same_shape(const ir::Tensor& a, const ir::Tensor& b, std::string_view what) const;

 private:
  const ir::Model& model_;
  const ir::Subgraph& graph_;
  const ir::Operator& op_;
  int index_;
};

// Quantisation parameters of a tensor's first (or only) channel: scale 0 and zero point 0
// when the tensor has none.
float scale_of(const ir::Tensor& t);
int32_t zero_point_of(const ir::Tensor& t);
inline refmath::Quant quant_of(const ir::Tensor& t) {
  return {scale_of(t), zero_point_of(t)};
}
std::string shape_string(std::span<const int32_t> shape);
int64_t flat_size(std::span<const int32_t> shape);

// Integer storage range of a type (int8, uint8, int16, int32).
int32_t type_min(ir::DataType type);
int32_t type_max(ir::DataType type);

}  // namespace euc::refinterp

#pragma once
// Runs the first subgraph of a TFLite model with the integer arithmetic of TensorFlow Lite
// Micro's reference kernels, so outputs match TFLM bit for bit. Every operator is prepared
// (validated, parameters precomputed) when the interpreter is built; invoke() runs them in the
// model's order. Variable tensors (LSTM/SVDF state) are reset at the start of every invoke(),
// unless keep_variables(true): then they start at their reset values (int8: the zero point, else
// 0) and keep what the last invocation left, as in TensorFlow Lite Micro, whose
// ResetVariableTensors() reset_variable_tensors() stands for.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "ir/model.hpp"
#include "refinterp/kernel.hpp"

namespace euc::refinterp {

// Prepares CUSTOM operators the interpreter does not know itself (e.g. "ethos-u", which the NPU
// simulator runs): returns the operator's kernel, or an empty Kernel when it does not handle the
// operator's custom code.
using CustomKernelFactory = std::function<Kernel(const OpContext&)>;

class Interpreter {
 public:
  // Throws an input error naming the operator for an unsupported or malformed operator.
  explicit Interpreter(ir::Model model, const CustomKernelFactory& custom = {});

  const ir::Model& model() const { return model_; }
  const ir::Subgraph& graph() const { return model_.subgraphs.front(); }

  size_t input_count() const { return graph().inputs.size(); }
  const ir::Tensor& input_tensor(size_t k) const;
  // Copies input k; the byte count must equal the tensor's size (an input error otherwise).
  void set_input(size_t k, std::span<const uint8_t> bytes);

  void invoke();

  // Keep variable tensors across invocations (TensorFlow Lite Micro's behaviour) instead of
  // resetting them at the start of each.
  void keep_variables(bool keep) { keep_variables_ = keep; }
  // Resets every variable tensor: int8 to its zero point, everything else to 0.
  void reset_variable_tensors();

  size_t output_count() const { return graph().outputs.size(); }
  const ir::Tensor& output_tensor(size_t k) const;
  std::span<const uint8_t> output(size_t k) const;

  // The current bytes of any tensor (inputs, constants, intermediates, outputs).
  std::span<const uint8_t> tensor_bytes(int tensor_index) const;

 private:
  ir::Model model_;
  TensorArena arena_;
  std::vector<Kernel> kernels_;
  bool keep_variables_ = false;
};

}  // namespace euc::refinterp

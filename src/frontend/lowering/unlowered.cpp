#include "frontend/lowering/unlowered.hpp"

#include <utility>

namespace euc::frontend {

std::optional<std::string_view> unlowered_reason(ir::BuiltinOp type) {
  using B = ir::BuiltinOp;
  // The NPU must reproduce TensorFlow Lite Micro's reference kernels bit for bit. Where TFLite
  // Micro computes an operator on float32 tensors only (its Prepare rejects int8 and int16),
  // there is no integer result to reproduce, and the reference interpreter refuses the model
  // as TFLite Micro does.
  static const std::pair<B, std::string_view> kReasons[] = {
      {B::EXP,
       "TensorFlow Lite Micro's EXP kernel computes float32 tensors only (it rejects int8 and "
       "int16), so there is no integer result for the NPU to reproduce"},
      {B::LOG,
       "TensorFlow Lite Micro's LOG kernel computes float32 tensors only (it rejects int8 and "
       "int16), so there is no integer result for the NPU to reproduce"},
      {B::RELU_0_TO_1,
       "TensorFlow Lite Micro has no RELU_0_TO_1 kernel, so there is no result for the NPU to "
       "reproduce"},
      {B::SHAPE,
       "a SHAPE has no NPU operation: euc folds it into a constant before the checks (its "
       "readers then see a constant) when its output is an int32 or int64 vector of the "
       "input's rank that is not a subgraph input or output, not variable and not constant, "
       "written by the SHAPE alone and read only after it; any other SHAPE runs on the CPU"},
      {B::TILE,
       "TensorFlow Lite Micro has no TILE kernel, so there is no result for the NPU to "
       "reproduce"},
  };
  for (const auto& [t, reason] : kReasons)
    if (t == type)
      return reason;
  return std::nullopt;
}

}  // namespace euc::frontend

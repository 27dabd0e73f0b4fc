#include "ir/npu_graph.hpp"

namespace euc::ir {

std::string_view npu_op_type_name(NpuOpType type) {
  switch (type) {
    case NpuOpType::kConv2D:
      return "Conv2D";
    case NpuOpType::kDepthwiseConv2D:
      return "DepthwiseConv2D";
    case NpuOpType::kFullyConnected:
      return "FullyConnected";
    case NpuOpType::kMaxPool:
      return "MaxPool";
    case NpuOpType::kAvgPool:
      return "AvgPool";
    case NpuOpType::kReduceSum:
      return "ReduceSum";
    case NpuOpType::kAdd:
      return "Add";
    case NpuOpType::kSub:
      return "Sub";
    case NpuOpType::kMul:
      return "Mul";
    case NpuOpType::kMinimum:
      return "Minimum";
    case NpuOpType::kMaximum:
      return "Maximum";
    case NpuOpType::kAbs:
      return "Abs";
    case NpuOpType::kLeakyRelu:
      return "LeakyRelu";
    case NpuOpType::kShl:
      return "Shl";
    case NpuOpType::kShr:
      return "Shr";
    case NpuOpType::kClz:
      return "Clz";
    case NpuOpType::kMemcpy:
      return "Memcpy";
  }
  return "Unknown";
}

bool is_binary_elementwise(NpuOpType type) {
  switch (type) {
    case NpuOpType::kAdd:
    case NpuOpType::kSub:
    case NpuOpType::kMul:
    case NpuOpType::kMinimum:
    case NpuOpType::kMaximum:
    case NpuOpType::kShl:
    case NpuOpType::kShr:
      return true;
    default:
      return false;
  }
}

bool is_elementwise(NpuOpType type) {
  return is_binary_elementwise(type) || type == NpuOpType::kAbs || type == NpuOpType::kLeakyRelu ||
         type == NpuOpType::kClz;
}

}  // namespace euc::ir

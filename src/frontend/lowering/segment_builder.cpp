#include "frontend/lowering/segment_builder.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace euc::frontend {

ir::Shape4 to_shape4(const std::vector<int32_t>& shape) {
  // Leading dimensions fold into batch-like outer axes; the innermost stays channels.
  switch (shape.size()) {
    case 0:
      return {1, 1, 1, 1};
    case 1:
      return {1, 1, 1, shape[0]};
    case 2:
      return {1, 1, shape[0], shape[1]};
    case 3:
      return {1, shape[0], shape[1], shape[2]};
    case 4:
      return {shape[0], shape[1], shape[2], shape[3]};
    default:
      throw_input("tensors of rank > 4 cannot be lowered to the NPU");
  }
}

ir::Shape4 operator+(const ir::Shape4& a, const ir::Shape4& b) {
  return {a.n + b.n, a.h + b.h, a.w + b.w, a.c + b.c};
}

int SegmentBuilder::tensor(int t) {
  auto it = lowered_.find(t);
  if (it != lowered_.end())
    return it->second;
  const ir::Tensor& src = subgraph_.tensors.at(t);
  ir::NpuTensor out;
  out.name = src.name;
  out.type = src.type;
  out.shape = to_shape4(src.shape);
  out.network_tensor = t;
  if (src.quantization && !src.quantization->scale.empty()) {
    const ir::Quantization& q = *src.quantization;
    out.quant.scale = q.scale[0];
    const int64_t zero_point = q.zero_point.empty() ? 0 : q.zero_point[0];
    // The NPU's zero-point registers hold 16 bits; TFLite requires a zero point of the tensor's
    // own range (8-bit and 16-bit types), which fits.
    const bool narrow = src.type == ir::DataType::kInt8 || src.type == ir::DataType::kUInt8 ||
                        src.type == ir::DataType::kInt16;
    const auto [lo, hi] =
        narrow ? ir::integer_range(src.type) : std::pair<int32_t, int32_t>{-32768, 32767};
    if (zero_point < lo || zero_point > hi) {
      throw_input(
          fmt::format("tensor '{}': zero point {} is outside the range of its type ({}..{})",
                      src.name, zero_point, lo, hi));
    }
    out.quant.zero_point = static_cast<int32_t>(zero_point);
    out.channel_scales.assign(q.scale.begin(), q.scale.end());
    out.channel_zero_points.assign(q.zero_point.begin(), q.zero_point.end());
  }
  auto bytes = model_.tensor_data(src);
  if (!bytes.empty()) {
    out.data = model_.buffers.at(src.buffer).data;
    out.weight_shape = src.shape;
  }
  int index = static_cast<int>(graph_.tensors.size());
  graph_.tensors.push_back(std::move(out));
  lowered_[t] = index;
  return index;
}

void SegmentBuilder::alias(int out, int in) {
  int base = tensor(in);
  int low = tensor(out);
  // Chains of reshapes all share the first tensor's storage.
  while (graph_.tensors[base].alias_of >= 0)
    base = graph_.tensors[base].alias_of;
  graph_.tensors[low].alias_of = base;
}

int SegmentBuilder::add_constant(ir::NpuTensor tensor) {
  graph_.tensors.push_back(std::move(tensor));
  return static_cast<int>(graph_.tensors.size() - 1);
}

int SegmentBuilder::add_feature_map(ir::NpuTensor tensor) {
  if (tensor.is_constant())
    throw Error(ErrorKind::kInternal, "a feature map with constant data");
  tensor.network_tensor = -1;
  graph_.tensors.push_back(std::move(tensor));
  return static_cast<int>(graph_.tensors.size() - 1);
}

int SegmentBuilder::add_feature_map(std::string name, ir::DataType type, const ir::Shape4& shape,
                                    const ir::QuantParams& quant) {
  ir::NpuTensor t;
  t.name = std::move(name);
  t.type = type;
  t.shape = shape;
  t.quant = quant;
  return add_feature_map(std::move(t));
}

int SegmentBuilder::add_view(int t, const ir::Shape4& shape, const ir::QuantParams& quant,
                             std::string name) {
  ir::NpuTensor v;
  v.name = std::move(name);
  v.type = lowered(t).type;
  v.shape = shape;
  v.quant = quant;
  v.alias_of = storage_of(t);
  return add_feature_map(std::move(v));
}

int SegmentBuilder::add_int32_scalar(std::string name, int32_t value) {
  ir::NpuTensor t;
  t.name = std::move(name);
  t.type = ir::DataType::kInt32;
  auto bytes = std::make_shared<std::vector<uint8_t>>(4);
  const auto u = static_cast<uint32_t>(value);
  for (size_t i = 0; i < 4; ++i)
    (*bytes)[i] = static_cast<uint8_t>(u >> (8 * i));
  t.data = std::move(bytes);
  return add_constant(std::move(t));
}

ir::NpuOp SegmentBuilder::identity_copy(int from, int to) const {
  const ir::Shape4& shape = graph_.tensors[from].shape;
  return byte_copy({from, {0, 0, 0, 0}, shape}, {to, {0, 0, 0, 0}, shape}, graph_.tensors[to].name);
}

ir::NpuOp SegmentBuilder::byte_copy(const ir::TensorSlice& from, const ir::TensorSlice& to,
                                    const std::string& name) const {
  if (!(from.shape == to.shape) ||
      graph_.tensors.at(from.tensor).type != graph_.tensors.at(to.tensor).type)
    throw Error(ErrorKind::kInternal, "byte copy between different shapes or element types");
  ir::NpuOp op;
  op.type = ir::NpuOpType::kMaxPool;
  op.ifm = from;
  op.ofm = to;
  op.byte_copy = true;
  op.name = name;
  return op;
}

ir::TensorSlice SegmentBuilder::whole(int t) {
  if (auto it = views_.find(t); it != views_.end()) {
    const View v = it->second;  // whole() below may grow the maps
    ir::TensorSlice base = whole(v.base);
    return {base.tensor, base.offset + v.offset, v.shape};
  }
  int low = tensor(t);
  return {low, {0, 0, 0, 0}, graph_.tensors[low].shape};
}

int SegmentBuilder::add_lut(ir::Lut lut) {
  for (size_t i = 0; i < graph_.luts.size(); ++i) {
    if (graph_.luts[i] == lut)
      return static_cast<int>(i);
  }
  graph_.luts.push_back(std::move(lut));
  return static_cast<int>(graph_.luts.size()) - 1;
}

ir::NpuOp* SegmentBuilder::sole_producer(int t) {
  auto it = lowered_.find(t);
  if (it == lowered_.end() || has_view(t))
    return nullptr;
  const ir::NpuTensor& tensor = graph_.tensors[static_cast<size_t>(it->second)];
  if (tensor.alias_of >= 0 || tensor.is_constant())
    return nullptr;
  for (int out : subgraph_.outputs) {
    if (out == t)
      return nullptr;
  }
  int readers = 0;
  for (const ir::Operator& op : subgraph_.operators) {
    for (int in : op.inputs)
      readers += in == t;
  }
  if (readers != 1)
    return nullptr;
  for (auto op = graph_.ops.rbegin(); op != graph_.ops.rend(); ++op) {
    if (op->ofm.tensor == it->second)
      return !op->ofm.strided() && op->ofm.offset == ir::Shape4{0, 0, 0, 0} &&
                     op->ofm.shape == tensor.shape
                 ? &*op
                 : nullptr;
  }
  return nullptr;
}

}  // namespace euc::frontend

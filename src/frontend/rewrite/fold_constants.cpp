#include "frontend/rewrite/fold_constants.hpp"

#include <algorithm>
#include <cstring>

namespace euc::frontend {
namespace {

bool is_listed(const std::vector<int32_t>& list, int t) {
  return std::find(list.begin(), list.end(), t) != list.end();
}

// The little-endian bytes of `values` as `type` (int32 or int64).
ir::Bytes integer_bytes(const std::vector<int32_t>& values, ir::DataType type) {
  ir::Bytes out;
  for (int32_t v : values) {
    if (type == ir::DataType::kInt64) {
      const int64_t w = v;
      const auto* p = reinterpret_cast<const uint8_t*>(&w);
      out.insert(out.end(), p, p + sizeof w);
    } else {
      const auto* p = reinterpret_cast<const uint8_t*>(&v);
      out.insert(out.end(), p, p + sizeof v);
    }
  }
  return out;
}

// The value of a SHAPE operator, or nothing when it cannot be folded safely.
std::optional<ir::Bytes> shape_value(const ir::Model& model, const ir::Subgraph& sg,
                                     const ir::Operator& op) {
  if (op.inputs.size() != 1 || op.outputs.size() != 1)
    return std::nullopt;
  const int in = op.inputs[0];
  const int out = op.outputs[0];
  const int n = static_cast<int>(sg.tensors.size());
  if (in < 0 || in >= n || out < 0 || out >= n || in == out)
    return std::nullopt;
  const ir::Tensor& input = sg.tensors[static_cast<size_t>(in)];
  const ir::Tensor& output = sg.tensors[static_cast<size_t>(out)];
  if (output.type != ir::DataType::kInt32 && output.type != ir::DataType::kInt64)
    return std::nullopt;
  if (output.shape != std::vector<int32_t>{static_cast<int32_t>(input.shape.size())})
    return std::nullopt;
  // The output must be an ordinary activation tensor: no data, not variable, no sparsity.
  if (output.is_variable || !output.sparsity.empty() || output.external_buffer != 0 ||
      !model.tensor_data(output).empty())
    return std::nullopt;
  if (is_listed(sg.inputs, out) || is_listed(sg.outputs, out))
    return std::nullopt;
  return integer_bytes(input.shape, output.type);
}

}  // namespace

ir::Model fold_constants(const ir::Model& model, FoldReport* report) {
  ir::Model out = model;
  int folded = 0;
  std::vector<std::vector<int>> original_index;
  for (ir::Subgraph& sg : out.subgraphs) {
    std::vector<int>& index = original_index.emplace_back();
    std::vector<ir::Operator> kept;
    kept.reserve(sg.operators.size());
    for (size_t i = 0; i < sg.operators.size(); ++i) {
      const ir::Operator& op = sg.operators[i];
      std::optional<ir::Bytes> value;
      if (op.type == ir::BuiltinOp::SHAPE)
        value = shape_value(out, sg, op);
      // The output must not be read by an operator that runs before this one, nor written by
      // another operator.
      if (value) {
        const int t = op.outputs[0];
        for (size_t k = 0; k < sg.operators.size() && value; ++k) {
          if (k == i)
            continue;
          if (k < i && is_listed(sg.operators[k].inputs, t))
            value.reset();
          else if (is_listed(sg.operators[k].outputs, t))
            value.reset();
        }
      }
      if (!value) {
        kept.push_back(op);
        index.push_back(static_cast<int>(i));
        continue;
      }
      out.buffers.push_back(ir::Buffer{std::make_shared<const ir::Bytes>(std::move(*value))});
      ir::Tensor& t = sg.tensors[static_cast<size_t>(op.outputs[0])];
      t.buffer = static_cast<uint32_t>(out.buffers.size() - 1);
      ++folded;
    }
    sg.operators = std::move(kept);
  }
  if (report != nullptr) {
    report->folded = folded;
    report->original_index = std::move(original_index);
  }
  return out;
}

}  // namespace euc::frontend

// BATCH_MATMUL int8 -> int8 on the NPU, bit-exact with TFLite Micro's reference kernel.
//
// Reference, per output batch and element (i, j), over the depth k:
//   acc = sum_k (l[i, k] - z_l) * (r[k, j] - z_r)                     (int32)
//   out = clamp(MultiplyByQuantizedMultiplier(acc, M) + z_o)           (int8)
// with M = quantize(s_l * s_r / s_o) formed in double, l read transposed under adj_x and r
// under adj_y, and the batch dimensions (all but the last two) broadcast.
//
// Shapes are read as the lowering lays tensors out: padded with leading ones to 4-D, the matrix
// in (W, C) and the batch dimensions in (N, H). Per output batch:
//   Constant right-hand side: one 1x1 convolution of the left-hand matrix ([1, 1, rows, depth],
//     the depth on channels) with the right-hand matrix as OHWI weights [cols, 1, 1, depth]
//     (weight zero point z_r, subtracted by the weight encoder; IFM zero point z_l by the NPU)
//     and no bias. The convolution's scale record is TFLite's convolution multiplier, the same
//     double product s_l * s_r / s_o, applied with TFLite's rounding.
//   Right-hand side a feature map (the NPU reads weights only from constants): per output
//     column j,
//       Mul        (l - z_l) * (r_j - z_r), r_j the column broadcast over the rows (int32, unit
//                  scale, exact: |product| <= 255 * 255)
//       ReduceSum  over the depth (channels) into column j of the output, with M as its output
//                  scale (multiplier, 31 - shift) and z_o: TFLite's rounding chain.
// An operand whose depth is not its innermost dimension (lhs under adj_x, rhs without adj_y in
// the second form) is first transposed by byte copies: one 1x1 copy per innermost index, each
// moving a column (W, C = 1) into a row of a [1, c, a, 1] map that an alias reads as
// [1, 1, c, a]. Broadcast batches reuse the transposed copy.
// The reference accumulates in int32 and shifts it left before its high multiply when M > 1:
// instances where either could overflow (depth * 255^2 << left shift beyond int32) stay on the
// CPU, so the NPU's wider arithmetic gives the same values.
// int16 stays on the CPU: the NPU's weights are 8-bit and TFLite accumulates int16 products in
// 64 bits, beyond the 32-bit REDUCE_SUM.
#include "frontend/lowering/batch_matmul.hpp"
#include "frontend/lowering/quantization.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <tuple>

#include "core/error.hpp"
#include "refmath/quant_math.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

using Dims4 = std::array<int64_t, 4>;

// Largest |(x - z_x) * (y - z_y)| of two int8 values.
constexpr int64_t kMaxProduct = 255 * 255;

struct Geometry {
  bool adj_x = false, adj_y = false;
  Dims4 lhs{}, rhs{}, out{};  // shapes padded to 4-D
  int rows = 0, cols = 0, depth = 0;
  bool constant_rhs = false;
  refmath::QuantMultiplier multiplier;
};

Dims4 padded(const std::vector<int32_t>& shape) {
  Dims4 d{1, 1, 1, 1};
  for (size_t i = 0; i < shape.size() && i < 4; ++i)
    d[4 - shape.size() + i] = shape[i];
  return d;
}

// The instance's geometry, or why the lowering cannot take it.
std::optional<std::string> geometry_of(const ir::Model& model, const ir::Subgraph& sg,
                                       const ir::Operator& op, Geometry& g) {
  auto valid = [&](int t) { return t >= 0 && static_cast<size_t>(t) < sg.tensors.size(); };
  if (op.inputs.size() != 2 || op.outputs.size() != 1 || !valid(op.inputs[0]) ||
      !valid(op.inputs[1]) || !valid(op.outputs[0]))
    return "BATCH_MATMUL needs two inputs and one output";
  const ir::Tensor& lhs = sg.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& rhs = sg.tensors[static_cast<size_t>(op.inputs[1])];
  const ir::Tensor& out = sg.tensors[static_cast<size_t>(op.outputs[0])];
  if (lhs.type != ir::DataType::kInt8 || rhs.type != ir::DataType::kInt8 ||
      out.type != ir::DataType::kInt8)
    return "euc lowers BATCH_MATMUL int8 only (int16: the NPU's weights are 8-bit and TFLite "
           "sums int16 products in 64 bits, beyond the NPU's 32-bit REDUCE_SUM)";
  const size_t rank = std::max(lhs.shape.size(), rhs.shape.size());
  if (lhs.shape.size() < 2 || rhs.shape.size() < 2 || rank > 4 || out.shape.size() != rank)
    return "the operands have fewer than 2 or more than 4 dimensions, or the output's rank "
           "differs from theirs";
  if (!per_tensor(lhs) || !per_tensor(rhs) || !per_tensor(out))
    return "an operand or the output is not quantised per tensor with a positive finite scale";
  if (!model.tensor_data(lhs).empty())
    return fmt::format("the left-hand side '{}' is a constant", lhs.name);
  const auto* o = tfl::builtin_options_as<tflite::BatchMatMulOptions>(op);
  g.adj_x = o != nullptr && o->adj_x();
  g.adj_y = o != nullptr && o->adj_y();
  g.lhs = padded(lhs.shape);
  g.rhs = padded(rhs.shape);
  g.out = padded(out.shape);
  const int64_t rows = g.adj_x ? g.lhs[3] : g.lhs[2];
  const int64_t depth = g.adj_x ? g.lhs[2] : g.lhs[3];
  const int64_t rhs_depth = g.adj_y ? g.rhs[3] : g.rhs[2];
  const int64_t cols = g.adj_y ? g.rhs[2] : g.rhs[3];
  if (depth != rhs_depth)
    return fmt::format("the depths differ ({} and {})", depth, rhs_depth);
  for (size_t d = 0; d < 2; ++d) {
    const int64_t l = g.lhs[d], r = g.rhs[d];
    if (l != r && l != 1 && r != 1)
      return fmt::format("batch dimensions {} and {} do not broadcast", l, r);
    if (g.out[d] != std::max(l, r))
      return "the output's batch dimensions are not the broadcast ones";
  }
  if (g.out[2] != rows || g.out[3] != cols)
    return fmt::format("the output matrix is {}x{}, not {}x{}", g.out[2], g.out[3], rows, cols);
  if (rows < 1 || cols < 1 || depth < 1 || rows > 65535 || cols > 65535 || depth > 65535)
    return "a matrix dimension is outside 1..65535";
  g.rows = static_cast<int>(rows);
  g.cols = static_cast<int>(cols);
  g.depth = static_cast<int>(depth);
  // The reference's int32 accumulator, and its left shift for a multiplier above one.
  const int64_t largest = depth * kMaxProduct;
  if (largest > std::numeric_limits<int32_t>::max())
    return fmt::format("a depth of {} could overflow TFLite's int32 accumulator", depth);
  g.multiplier = refmath::quantize_multiplier(static_cast<double>(lhs.quantization->scale[0]) *
                                              static_cast<double>(rhs.quantization->scale[0]) /
                                              static_cast<double>(out.quantization->scale[0]));
  const int shift = g.multiplier.shift;
  if (g.multiplier.significand <= 0 || shift > 31 || 31 - shift > 63)
    return "the output multiplier is outside the NPU's shift range";
  if (shift > 0 && (largest << shift) > std::numeric_limits<int32_t>::max())
    return "TFLite's left shift of the accumulator (output multiplier above one) could overflow "
           "int32";
  const auto rhs_data = model.tensor_data(rhs);
  g.constant_rhs = !rhs_data.empty();
  if (g.constant_rhs && static_cast<int64_t>(rhs_data.size()) != rhs.num_elements())
    return fmt::format("the constant right-hand side '{}' holds {} bytes for {} elements", rhs.name,
                       rhs_data.size(), rhs.num_elements());
  return std::nullopt;
}

class Lowering {
 public:
  Lowering(SegmentBuilder& b, const ir::Operator& op, int index, const Geometry& g)
      : b_(b), op_(op), index_(index), g_(g) {}

  void lower() {
    const ir::TensorSlice lhs = b_.whole(op_.inputs.at(0));
    const ir::TensorSlice rhs = b_.whole(op_.inputs.at(1));
    const ir::TensorSlice out = b_.whole(op_.outputs.at(0));
    name_ = b_.network_tensor(op_.outputs.at(0)).name;
    for (int64_t n = 0; n < g_.out[0]; ++n) {
      for (int64_t h = 0; h < g_.out[1]; ++h) {
        const ir::Shape4 l_at = at(lhs, g_.lhs, n, h);
        const ir::Shape4 r_at = at(rhs, g_.rhs, n, h);
        const ir::Shape4 o_at = at(out, g_.out, n, h);
        const std::string batch = fmt::format("b{}", n * g_.out[1] + h);
        // The left-hand matrix with its depth on channels: [1, 1, rows, depth].
        const ir::TensorSlice l =
            g_.adj_x ? transposed(lhs.tensor, l_at, g_.depth, g_.rows, "lhs")
                     : ir::TensorSlice{lhs.tensor, l_at, {1, 1, g_.rows, g_.depth}};
        if (g_.constant_rhs) {
          convolution(l, weights(r_at), {out.tensor, o_at, {1, 1, g_.rows, g_.cols}}, batch);
          continue;
        }
        // The right-hand matrix with its depth on channels: [1, 1, cols, depth].
        const ir::TensorSlice r = g_.adj_y
                                      ? ir::TensorSlice{rhs.tensor, r_at, {1, 1, g_.cols, g_.depth}}
                                      : transposed(rhs.tensor, r_at, g_.depth, g_.cols, "rhs");
        for (int j = 0; j < g_.cols; ++j)
          column(l, r, j, {out.tensor, o_at + ir::Shape4{0, 0, 0, j}, {1, 1, g_.rows, 1}}, batch);
      }
    }
  }

 private:
  // Where batch (n, h) of an operand of padded shape `shape` starts (broadcast dimensions stay
  // at 0), inside `whole`.
  static ir::Shape4 at(const ir::TensorSlice& whole, const Dims4& shape, int64_t n, int64_t h) {
    return whole.offset + ir::Shape4{shape[0] == 1 ? 0 : static_cast<int>(n),
                                     shape[1] == 1 ? 0 : static_cast<int>(h), 0, 0};
  }

  void add(ir::NpuOp op, const std::string& what) {
    op.source_ops = {index_};
    op.name = name_ + "_" + what;
    // No fused activation: the output stage saturates to the OFM type.
    const auto [lo, hi] = ir::integer_range(b_.lowered(op.ofm.tensor).type);
    op.activation.kind = ir::Activation::Kind::kNone;
    op.activation.min = lo;
    op.activation.max = hi;
    b_.add(std::move(op));
  }

  // The matrix stored at `offset` of tensor `t` as [1, 1, a, c] (a rows of c), transposed into
  // a new map read as [1, 1, c, a]. Cached per source, so broadcast batches copy once.
  ir::TensorSlice transposed(int t, const ir::Shape4& offset, int a, int c,
                             const std::string& what) {
    const auto key = std::make_tuple(t, offset.n, offset.h, offset.w, offset.c);
    if (auto it = transposed_.find(key); it != transposed_.end())
      return it->second;
    const ir::NpuTensor src = b_.lowered(t);
    ir::NpuTensor columns;
    columns.name = fmt::format("{}_{}_t{}", name_, what, transposed_.size());
    columns.type = src.type;
    columns.quant = src.quant;
    columns.shape = {1, c, a, 1};
    const int lines = b_.add_feature_map(columns);
    for (int i = 0; i < c; ++i) {
      add(b_.byte_copy({t, offset + ir::Shape4{0, 0, 0, i}, {1, 1, a, 1}},
                       {lines, {0, i, 0, 0}, {1, 1, a, 1}}, columns.name),
          fmt::format("{}_t{}_{}", what, transposed_.size(), i));
    }
    ir::NpuTensor view = columns;
    view.name += "_rows";
    view.shape = {1, 1, c, a};
    const int rows = b_.add_feature_map(view);
    b_.lowered_mut(rows).alias_of = lines;
    const ir::TensorSlice result{rows, {0, 0, 0, 0}, {1, 1, c, a}};
    transposed_.emplace(key, result);
    return result;
  }

  // The constant right-hand matrix of the batch at `offset` as OHWI weights [cols, 1, 1, depth].
  int weights(const ir::Shape4& offset) {
    const int64_t base = (offset.n * g_.rhs[1] + offset.h) * g_.rhs[2] * g_.rhs[3];
    if (auto it = weights_.find(base); it != weights_.end())
      return it->second;
    const ir::Tensor& rhs = b_.network_tensor(op_.inputs.at(1));
    const auto data = b_.model().tensor_data(rhs);
    auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(g_.cols) * g_.depth);
    const int64_t inner = g_.rhs[3];
    for (int j = 0; j < g_.cols; ++j) {
      for (int k = 0; k < g_.depth; ++k) {
        const int64_t src = base + (g_.adj_y ? j * inner + k : k * inner + j);
        (*bytes)[static_cast<size_t>(j) * g_.depth + k] = data[static_cast<size_t>(src)];
      }
    }
    ir::NpuTensor w;
    w.name = fmt::format("{}_weights_{}", rhs.name, weights_.size());
    w.type = ir::DataType::kInt8;
    w.shape = {g_.cols, 1, 1, g_.depth};
    w.quant.scale = rhs.quantization->scale[0];
    w.quant.zero_point = zero_point_of(rhs);
    w.data = std::move(bytes);
    w.channel_scales = {rhs.quantization->scale[0]};
    w.channel_zero_points = {zero_point_of(rhs)};
    w.weight_shape = {g_.cols, 1, 1, g_.depth};
    const int index = b_.add_constant(std::move(w));
    weights_.emplace(base, index);
    return index;
  }

  void convolution(const ir::TensorSlice& l, int weights, const ir::TensorSlice& out,
                   const std::string& batch) {
    ir::NpuOp op;
    op.type = ir::NpuOpType::kConv2D;
    op.ifm = l;
    op.ofm = out;
    op.weights = weights;
    add(std::move(op), batch);
  }

  void column(const ir::TensorSlice& l, const ir::TensorSlice& r, int j, const ir::TensorSlice& out,
              const std::string& batch) {
    const int products = b_.add_feature_map(fmt::format("{}_{}_products_{}", name_, batch, j),
                                            ir::DataType::kInt32, {1, 1, g_.rows, g_.depth});
    ir::NpuOp mul;
    mul.type = ir::NpuOpType::kMul;
    mul.ifm = l;
    mul.ifm2 = {r.tensor, r.offset + ir::Shape4{0, 0, j, 0}, {1, 1, 1, g_.depth}};
    mul.ofm = {products, {0, 0, 0, 0}, {1, 1, g_.rows, g_.depth}};
    mul.explicit_scale = std::pair<uint32_t, int>{1, 0};
    mul.rounding = ir::RoundingMode::kTfl;
    add(std::move(mul), fmt::format("{}_products_{}", batch, j));
    ir::NpuOp sum;
    sum.type = ir::NpuOpType::kReduceSum;
    sum.ifm = {products, {0, 0, 0, 0}, {1, 1, g_.rows, g_.depth}};
    sum.ofm = out;
    sum.explicit_scale = std::pair<uint32_t, int>{static_cast<uint32_t>(g_.multiplier.significand),
                                                  31 - g_.multiplier.shift};
    sum.rounding = ir::RoundingMode::kTfl;
    add(std::move(sum), fmt::format("{}_sum_{}", batch, j));
  }

  SegmentBuilder& b_;
  const ir::Operator& op_;
  int index_;
  const Geometry& g_;
  std::string name_;
  std::map<std::tuple<int, int, int, int, int>, ir::TensorSlice> transposed_;
  std::map<int64_t, int> weights_;
};

}  // namespace

std::optional<std::string> batch_matmul_why_not(const ir::Model& model, int subgraph,
                                                int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  Geometry g;
  return geometry_of(model, sg, sg.operators.at(op_index), g);
}

void lower_batch_matmul(SegmentBuilder& b, const ir::Operator& op, int index) {
  Geometry g;
  if (auto why = geometry_of(b.model(), b.subgraph(), op, g)) {
    throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index,
                            ir::operator_display_name(op), *why));
  }
  Lowering(b, op, index, g).lower();
}

}  // namespace euc::frontend

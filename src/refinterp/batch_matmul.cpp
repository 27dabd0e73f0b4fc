// BATCH_MATMUL (int8, int16): out[..., i, j] = sum_k lhs[..., i, k] * rhs[..., k, j] on
// zero-point-corrected values, with the batch dimensions (all but the last two, ranks 2 to 5)
// broadcast. adj_x / adj_y read the operand with its last two dimensions swapped. One
// multiplier, lhs scale x rhs scale / output scale; int8 accumulates in int32, int16 (all zero
// points 0) in int64 with the 64-bit rescale. No fused activation: the output clamps to its type.
#include <fmt/format.h>

#include "refinterp/arith.hpp"
#include "refinterp/kernels.hpp"
#include "tflite/options.hpp"

namespace euc::refinterp {
namespace {

struct MatMulParams {
  int lhs_index, rhs_index, output_index;
  int64_t rows, cols, depth;
  // Element offsets of each output batch's lhs and rhs matrices (broadcast batches repeat).
  std::vector<int64_t> lhs_batch, rhs_batch;
  // Strides of (row, k) in lhs and of (k, col) in rhs, so adj_x / adj_y need no copy.
  int64_t lhs_row_stride, lhs_k_stride, rhs_k_stride, rhs_col_stride;
  int32_t lhs_offset, rhs_offset, output_offset;
  QuantMultiplier m;
};

template <class T, class Acc>
void run(const MatMulParams& p, TensorArena& arena) {
  auto lhs = arena.in<T>(p.lhs_index);
  auto rhs = arena.in<T>(p.rhs_index);
  auto out = arena.out<T>(p.output_index);
  size_t o = 0;
  for (size_t b = 0; b < p.lhs_batch.size(); ++b) {
    const T* l = lhs.data() + p.lhs_batch[b];
    const T* r = rhs.data() + p.rhs_batch[b];
    for (int64_t i = 0; i < p.rows; ++i) {
      for (int64_t j = 0; j < p.cols; ++j) {
        Acc acc = 0;
        for (int64_t k = 0; k < p.depth; ++k) {
          const int32_t a = l[i * p.lhs_row_stride + k * p.lhs_k_stride] + p.lhs_offset;
          const int32_t w = r[k * p.rhs_k_stride + j * p.rhs_col_stride] + p.rhs_offset;
          acc += static_cast<Acc>(a) * static_cast<Acc>(w);
        }
        const int32_t v =
            multiply_by_quantized_multiplier(acc, p.m.significand, p.m.shift) + p.output_offset;
        out[o++] = static_cast<T>(
            std::clamp<int32_t>(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
      }
    }
  }
}

}  // namespace

Kernel prepare_batch_matmul(const OpContext& ctx) {
  ctx.expect_arity(2, 2, 1);
  const ir::Tensor& lhs = ctx.input(0);
  const ir::Tensor& rhs = ctx.input(1);
  const ir::Tensor& out = ctx.output(0);
  ctx.expect_type(lhs, {ir::DataType::kInt8, ir::DataType::kInt16}, "lhs");
  ctx.expect_type(rhs, {lhs.type}, "rhs");
  ctx.expect_type(out, {lhs.type}, "output");
  const size_t lhs_rank = lhs.shape.size(), rhs_rank = rhs.shape.size();
  ctx.check(lhs_rank >= 2 && lhs_rank <= 5 && rhs_rank >= 2 && rhs_rank <= 5,
            "lhs and rhs must have 2 to 5 dimensions");
  const auto* opt = tfl::builtin_options_as<tflite::BatchMatMulOptions>(ctx.op());
  const bool adj_x = opt != nullptr && opt->adj_x();
  const bool adj_y = opt != nullptr && opt->adj_y();

  // Both shapes extended with leading 1s to the output rank.
  const size_t rank = std::max(lhs_rank, rhs_rank);
  std::vector<int64_t> ls(rank, 1), rs(rank, 1);
  for (size_t d = 0; d < lhs_rank; ++d)
    ls[rank - lhs_rank + d] = lhs.shape[d];
  for (size_t d = 0; d < rhs_rank; ++d)
    rs[rank - rhs_rank + d] = rhs.shape[d];
  MatMulParams p{};
  const int64_t lhs_r = ls[rank - 2], lhs_c = ls[rank - 1];
  const int64_t rhs_r = rs[rank - 2], rhs_c = rs[rank - 1];
  p.rows = adj_x ? lhs_c : lhs_r;
  p.depth = adj_x ? lhs_r : lhs_c;
  p.cols = adj_y ? rhs_r : rhs_c;
  const int64_t rhs_depth = adj_y ? rhs_c : rhs_r;
  ctx.check(p.depth == rhs_depth,
            fmt::format("lhs depth {} differs from rhs depth {}", p.depth, rhs_depth));
  p.lhs_row_stride = adj_x ? 1 : lhs_c;
  p.lhs_k_stride = adj_x ? lhs_c : 1;
  p.rhs_k_stride = adj_y ? 1 : rhs_c;
  p.rhs_col_stride = adj_y ? rhs_c : 1;

  std::vector<int32_t> expected(rank);
  for (size_t d = 0; d + 2 < rank; ++d) {
    ctx.check(ls[d] == rs[d] || ls[d] == 1 || rs[d] == 1,
              fmt::format("batch dimension {} cannot broadcast ({} and {})", d, ls[d], rs[d]));
    expected[d] = static_cast<int32_t>(std::max(ls[d], rs[d]));
  }
  expected[rank - 2] = static_cast<int32_t>(p.rows);
  expected[rank - 1] = static_cast<int32_t>(p.cols);
  ctx.check(out.shape == expected, fmt::format("output shape {} differs from the computed {}",
                                               shape_string(out.shape), shape_string(expected)));

  // Batch offsets in C order over the broadcast batch dimensions.
  std::vector<int64_t> lhs_strides(rank, 0), rhs_strides(rank, 0);
  int64_t lhs_stride = lhs_r * lhs_c, rhs_stride = rhs_r * rhs_c, batches = 1;
  for (size_t d = rank - 2; d-- > 0;) {
    lhs_strides[d] = ls[d] == 1 ? 0 : lhs_stride;
    rhs_strides[d] = rs[d] == 1 ? 0 : rhs_stride;
    lhs_stride *= ls[d];
    rhs_stride *= rs[d];
    batches *= expected[d];
  }
  for (int64_t n = 0; n < batches; ++n) {
    int64_t rest = n, l = 0, r = 0;
    for (size_t d = rank - 2; d-- > 0;) {
      const int64_t i = rest % expected[d];
      rest /= expected[d];
      l += i * lhs_strides[d];
      r += i * rhs_strides[d];
    }
    p.lhs_batch.push_back(l);
    p.rhs_batch.push_back(r);
  }

  p.lhs_index = ctx.input_index(0);
  p.rhs_index = ctx.input_index(1);
  p.output_index = ctx.output_index(0);
  p.lhs_offset = -zero_point_of(lhs);
  p.rhs_offset = -zero_point_of(rhs);
  p.output_offset = zero_point_of(out);
  ctx.check(scale_of(lhs) > 0 && scale_of(rhs) > 0 && scale_of(out) > 0,
            "lhs, rhs and output must be quantised");
  p.m =
      quantize_multiplier(static_cast<double>(scale_of(lhs)) * static_cast<double>(scale_of(rhs)) /
                          static_cast<double>(scale_of(out)));
  if (lhs.type == ir::DataType::kInt8)
    return [p = std::move(p)](TensorArena& a) { run<int8_t, int32_t>(p, a); };
  ctx.check(p.lhs_offset == 0 && p.rhs_offset == 0 && p.output_offset == 0,
            "int16 lhs, rhs and output must have zero point 0");
  return [p = std::move(p)](TensorArena& a) { run<int16_t, int64_t>(p, a); };
}

}  // namespace euc::refinterp

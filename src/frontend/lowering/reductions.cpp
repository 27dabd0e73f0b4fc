// REDUCE_MAX, REDUCE_MIN, SUM and MEAN (int8 -> int8, int16 -> int16) over any set of axes, and
// ARG_MAX (int8 -> int32, one axis; see lower_arg_max), lowered to NPU operations that compute
// exactly what TFLite Micro's reference kernels compute.
//
// Geometry. Axes of size 1 are dropped and adjacent axes that are all reduced (or all kept) merge
// into runs; the NHWC bytes of the input are then runs of sizes s_0 .. s_k in C order. Reducing
// run i views the bytes as (1, outer, s_i, inner), outer the product of the runs before it and
// inner of those after it, and reduces the width: the result (1, outer, 1, inner) is laid out as
// the input with run i removed. Views share storage (NpuTensor::alias_of).
//
// REDUCE_MAX: the value is copied, not requantised (TFLite requires equal input and output
// quantisation): one max pool over a 1 x s_i window per reduced run, innermost run first, on raw
// stored values (a byte-copy pool: no zero points).
// REDUCE_MIN: min(x) = -1 - max(-1 - x), and v -> -1 - v maps int8 (int16) onto itself,
// reversing the order. One SUB (constant -1 minus x, unit scale, zero points 0) before the
// max pools and one after: exact for every value.
// SUM and MEAN (reference: int32 sums of x - z_in over the reduced elements, then
// MultiplyByQuantizedMultiplier with QuantizeMultiplier(s_in / s_out), for MEAN the 1/count
// folded into the significand; plus z_out, clamped): one depthwise convolution with an all-ones
// kernel over the one reduced run (1 x s_i, or kh x kw with kh * kw = s_i when nothing precedes
// the run; a REDUCE_SUM pool over the run viewed as the depth when it is innermost and longer),
// the IFM zero point subtracted by the hardware, and one scale record per channel (the pool: its
// global scale) holding TFLite's multiplier and shift: the output stage's TFL rounding is TFLite's
// (docs/npu_architecture.md §Output scaling and rounding). Exact while the sum fits in 31 bits
// (then TFLite's int32 arithmetic does not wrap) and, for a left shift, while the shifted sum
// does: both checked from the input's range, so SUM/MEAN stay on the CPU otherwise.
#include "frontend/lowering/reductions.hpp"
#include "frontend/lowering/quantization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "frontend/lowering/requantize.hpp"

namespace euc::frontend {
namespace {

using ir::BuiltinOp;

// Feature map dimensions and pooling windows the lowering uses stay within 16 bits.
constexpr int64_t kMaxDim = 65535;
// The depthwise kernel of SUM and MEAN: at most 64 x 64 (Vela's MEAN limits).
constexpr int kMaxKernelSide = 64;
constexpr int64_t kInt32Limit = int64_t{1} << 31;

struct Run {
  int64_t size = 1;
  bool reduced = false;
  std::vector<int64_t> axes;  // the sizes of the input axes it merges
};

// One NPU reduction step: the bytes viewed as (1, outer, size, inner), the width reduced.
struct Pass {
  int64_t outer = 1, size = 1, inner = 1;
};

struct Analysis {
  std::vector<Run> runs;
  std::vector<Pass> passes;  // innermost reduced run first
  int64_t count = 1;         // elements reduced into each output element
  // SUM and MEAN: the depthwise kernel and the output stage's (multiplier, right shift).
  int kernel_h = 1, kernel_w = 1;
  bool channel_sum = false;  // a REDUCE_SUM pool over the innermost run instead
  int index_bits = 0;        // ARG_MAX: the low bits that hold the index
  std::pair<uint32_t, int> scale{1, 0};
};

bool is_extreme(BuiltinOp t) {
  return t == BuiltinOp::REDUCE_MAX || t == BuiltinOp::REDUCE_MIN;
}

std::optional<std::vector<int64_t>> axis_values(const ir::Model& model, const ir::Tensor& t) {
  auto bytes = model.tensor_data(t);
  if (bytes.empty() && t.num_elements() != 0)
    return std::nullopt;
  std::vector<int64_t> v;
  if (t.type == ir::DataType::kInt32 && bytes.size() == static_cast<size_t>(t.num_elements()) * 4) {
    for (size_t i = 0; i < bytes.size(); i += 4) {
      int32_t a;
      std::memcpy(&a, bytes.data() + i, 4);
      v.push_back(a);
    }
  } else if (t.type == ir::DataType::kInt64 &&
             bytes.size() == static_cast<size_t>(t.num_elements()) * 8) {
    for (size_t i = 0; i < bytes.size(); i += 8) {
      int64_t a;
      std::memcpy(&a, bytes.data() + i, 8);
      v.push_back(a);
    }
  } else {
    return std::nullopt;
  }
  return v;
}

// The scale for SUM (count 1 folded) or MEAN (1/count folded as TFLite folds it), or why not.
std::optional<std::pair<uint32_t, int>> sum_scale(double ratio, int64_t count, bool mean,
                                                  int64_t max_sum, std::string* why) {
  auto [significand, shift] = tflite_multiplier(ratio);
  if (mean) {
    int fold = 63 - __builtin_clzll(static_cast<uint64_t>(count));
    fold = std::max(0, std::min({fold, 32, 31 + shift}));
    significand = (significand << fold) / count;
    shift -= fold;
  }
  if (shift > 0 && (shift >= 31 || (max_sum << shift) >= kInt32Limit)) {
    *why = fmt::format(
        "the scale ratio {:g} shifts the sum left by {} bits, beyond TFLite's 32-bit arithmetic "
        "for sums up to {}",
        ratio, shift, max_sum);
    return std::nullopt;
  }
  if (31 - shift < 0 || 31 - shift > 63 || significand < 0 || significand > UINT32_MAX) {
    *why = fmt::format("the rescale (scale ratio {:g}) is outside the output stage's shift range",
                       ratio);
    return std::nullopt;
  }
  return std::make_pair(static_cast<uint32_t>(significand), 31 - shift);
}

// ARG_MAX int8 -> int32 along one axis of at most 256 positions.
std::optional<Analysis> analyse_arg_max(const ir::Model& model, const ir::Subgraph& sg,
                                        const ir::Operator& op, std::string* why) {
  auto fail = [&](std::string s) -> std::optional<Analysis> {
    *why = std::move(s);
    return std::nullopt;
  };
  const auto n = static_cast<int>(sg.tensors.size());
  if (op.inputs.size() != 2 || op.outputs.size() != 1 || op.inputs[0] < 0 || op.inputs[0] >= n ||
      op.inputs[1] < 0 || op.inputs[1] >= n || op.outputs[0] < 0 || op.outputs[0] >= n)
    return fail("expected an input, an axis input and one output");
  const ir::Tensor& in = sg.tensors[op.inputs[0]];
  const ir::Tensor& out = sg.tensors[op.outputs[0]];
  if (in.type != ir::DataType::kInt8)
    return fail("euc lowers ARG_MAX of int8 inputs (the index shares a 16-bit value with it)");
  if (out.type != ir::DataType::kInt32)
    return fail("the output is not int32");
  if (!model.tensor_data(in).empty())
    return fail("the input is a constant");
  const size_t rank = in.shape.size();
  if (rank < 1 || rank > 8)
    return fail(fmt::format("the input has rank {}", rank));
  auto axes = axis_values(model, sg.tensors[op.inputs[1]]);
  if (!axes || axes->size() != 1)
    return fail("the axis input is not one constant int32 or int64 value");
  int64_t axis = (*axes)[0];
  if (axis < -static_cast<int64_t>(rank) || axis >= static_cast<int64_t>(rank))
    return fail(fmt::format("axis {} is out of range for rank {}", axis, rank));
  if (axis < 0)
    axis += static_cast<int64_t>(rank);
  Analysis r;
  Pass p;
  for (size_t k = 0; k < rank; ++k) {
    const int64_t d = in.shape[k];
    if (d < 1)
      return fail("the input has an empty dimension");
    if (static_cast<int64_t>(k) < axis)
      p.outer *= d;
    else if (static_cast<int64_t>(k) > axis)
      p.inner *= d;
    else
      p.size = d;
  }
  if (out.num_elements() != p.outer * p.inner)
    return fail("the output's element count does not match the reduction");
  if (p.size > 256)
    return fail(
        fmt::format("the axis has {} positions (at most 256: 8 index bits beside the "
                    "int8 value in 16 bits)",
                    p.size));
  if (p.outer > kMaxDim || p.inner > kMaxDim)
    return fail(fmt::format("viewed as (1, {}, {}, {}) to reduce the width, a dimension exceeds {}",
                            p.outer, p.size, p.inner, kMaxDim));
  while ((int64_t{1} << r.index_bits) < p.size)
    ++r.index_bits;
  r.count = p.size;
  r.passes = {p};
  return r;
}

std::optional<Analysis> analyse(const ir::Model& model, const ir::Subgraph& sg,
                                const ir::Operator& op, std::string* why) {
  if (op.type == BuiltinOp::ARG_MAX)
    return analyse_arg_max(model, sg, op, why);
  auto fail = [&](std::string s) -> std::optional<Analysis> {
    *why = std::move(s);
    return std::nullopt;
  };
  const auto n = static_cast<int>(sg.tensors.size());
  if (op.inputs.size() != 2 || op.outputs.size() != 1 || op.inputs[0] < 0 || op.inputs[0] >= n ||
      op.inputs[1] < 0 || op.inputs[1] >= n || op.outputs[0] < 0 || op.outputs[0] >= n)
    return fail("expected an input, an axis input and one output");
  const ir::Tensor& in = sg.tensors[op.inputs[0]];
  const ir::Tensor& out = sg.tensors[op.outputs[0]];
  if (in.type != ir::DataType::kInt8 && in.type != ir::DataType::kInt16)
    return fail("the input is neither int8 nor int16");
  if (out.type != in.type)
    return fail("the output type differs from the input's");
  if (!per_tensor(in) || !per_tensor(out))
    return fail("input and output need per-tensor quantisation");
  if (!model.tensor_data(in).empty())
    return fail("the input is a constant");
  const auto [lo, hi] = ir::integer_range(in.type);
  const int64_t zin = zero_point_of(in), zout = zero_point_of(out);
  if (zin < lo || zin > hi || zout < lo || zout > hi)
    return fail("a zero point is outside the type's range");
  if (is_extreme(op.type) && (scale_of(in) != scale_of(out) || zin != zout))
    return fail("input and output quantisation differ (TFLite copies the values)");
  const size_t rank = in.shape.size();
  if (rank < 1 || rank > 8)
    return fail(fmt::format("the input has rank {}", rank));
  auto axes = axis_values(model, sg.tensors[op.inputs[1]]);
  if (!axes)
    return fail("the axis input is not a constant int32 or int64 tensor");
  std::vector<bool> reduced(rank, false);
  for (int64_t a : *axes) {
    if (a < -static_cast<int64_t>(rank) || a >= static_cast<int64_t>(rank))
      return fail(fmt::format("axis {} is out of range for rank {}", a, rank));
    reduced[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(rank) : a)] = true;
  }
  Analysis r;
  int64_t kept = 1;
  for (size_t k = 0; k < rank; ++k) {
    const int64_t d = in.shape[k];
    if (d < 1)
      return fail("the input has an empty dimension");
    if (reduced[k])
      r.count *= d;
    else
      kept *= d;
    if (d == 1)
      continue;
    if (r.runs.empty() || r.runs.back().reduced != reduced[k])
      r.runs.push_back({1, reduced[k], {}});
    r.runs.back().size *= d;
    r.runs.back().axes.push_back(d);
  }
  if (out.num_elements() != kept)
    return fail("the output's element count does not match the reduction");
  // The passes, innermost reduced run first.
  std::vector<int64_t> sizes;
  for (const Run& run : r.runs)
    sizes.push_back(run.size);
  for (size_t i = r.runs.size(); i-- > 0;) {
    if (!r.runs[i].reduced)
      continue;
    Pass p;
    for (size_t j = 0; j < sizes.size(); ++j) {
      if (j < i)
        p.outer *= sizes[j];
      else if (j > i)
        p.inner *= sizes[j];
    }
    p.size = sizes[i];
    sizes[i] = 1;
    if (p.outer > kMaxDim || p.size > kMaxDim || p.inner > kMaxDim)
      return fail(
          fmt::format("viewed as (1, {}, {}, {}) to reduce the width, a dimension exceeds {}",
                      p.outer, p.size, p.inner, kMaxDim));
    r.passes.push_back(p);
  }
  if (r.passes.empty() && kept > kMaxDim)
    return fail(fmt::format("nothing is reduced and the {} elements exceed one depth of {}", kept,
                            kMaxDim));
  if (is_extreme(op.type))
    return r;
  // SUM and MEAN: one depthwise convolution.
  if (r.passes.size() > 1)
    return fail(
        "the reduced axes form more than one run of adjacent axes (with kept axes "
        "between them)");
  if (in.type == ir::DataType::kInt16 && (zin != 0 || zout != 0))
    return fail("int16 SUM and MEAN need zero points 0 (TFLite's int16 quantisation)");
  const int64_t amplitude = std::max(zin - lo, hi - zin);
  const int64_t max_sum = r.count * amplitude;
  if (max_sum >= kInt32Limit)
    return fail(
        fmt::format("{} elements of amplitude {} may sum beyond 32 bits", r.count, amplitude));
  if (!r.passes.empty()) {
    const Pass& p = r.passes[0];
    const std::vector<int64_t>& axes_of_run =
        std::find_if(r.runs.begin(), r.runs.end(), [](const Run& run) {
          return run.reduced;
        })->axes;
    if (p.outer == 1 && axes_of_run.size() == 2 && axes_of_run[0] <= kMaxKernelSide &&
        axes_of_run[1] <= kMaxKernelSide) {  // height by width, say
      r.kernel_h = static_cast<int>(axes_of_run[0]);
      r.kernel_w = static_cast<int>(axes_of_run[1]);
    } else if (p.size <= kMaxKernelSide) {
      r.kernel_w = static_cast<int>(p.size);
    } else if (p.inner == 1) {
      r.channel_sum = true;
      r.kernel_w = static_cast<int>(p.size);
    } else if (p.outer == 1) {
      for (int64_t h = (p.size + kMaxKernelSide - 1) / kMaxKernelSide; h <= kMaxKernelSide; ++h) {
        if (p.size % h == 0 && p.size / h <= kMaxKernelSide) {
          r.kernel_h = static_cast<int>(h);
          r.kernel_w = static_cast<int>(p.size / h);
          break;
        }
      }
    }
    if (int64_t{r.kernel_h} * r.kernel_w != p.size)
      return fail(
          fmt::format("{} reduced elements do not fit one depthwise kernel of at most "
                      "{} x {} (1 x n when axes before them are kept)",
                      p.size, kMaxKernelSide, kMaxKernelSide));
  }
  const double ratio = static_cast<double>(scale_of(in)) / static_cast<double>(scale_of(out));
  auto scale = sum_scale(ratio, r.count, op.type == BuiltinOp::MEAN, max_sum, why);
  if (!scale)
    return std::nullopt;
  r.scale = *scale;
  return r;
}

class ReductionLowering {
 public:
  ReductionLowering(SegmentBuilder& b, const ir::Operator& op, int index)
      : b_(b), op_(op), index_(index) {}

  void lower() {
    std::string why;
    std::optional<Analysis> a = analyse(b_.model(), b_.subgraph(), op_, &why);
    if (!a)
      throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index_,
                              ir::operator_display_name(op_), why));
    a_ = std::move(*a);
    name_ = b_.network_tensor(op_.outputs.at(0)).name;
    const int x = input_tensor();
    const ir::TensorSlice y = b_.whole(op_.outputs.at(0));
    // The result is written through a view of a whole tensor: the output or a copy of it.
    int target = y.tensor;
    int staged = -1;
    if (!is_whole(y)) {
      const ir::NpuTensor t = b_.lowered(y.tensor);
      staged = feature_map("staged", t.type, y.shape, t.quant);
      target = staged;
    }
    if (op_.type == BuiltinOp::ARG_MAX)
      lower_arg_max(x, target);
    else if (op_.type == BuiltinOp::SUM || op_.type == BuiltinOp::MEAN)
      lower_sum(x, target);
    else
      lower_extreme(x, target, op_.type == BuiltinOp::REDUCE_MIN);
    if (staged >= 0)
      add(b_.byte_copy(whole(staged, y.shape), y, name_ + "_staged"));
  }

 private:
  static ir::Shape4 shape4(int64_t outer, int64_t width, int64_t inner) {
    return {1, static_cast<int>(outer), static_cast<int>(width), static_cast<int>(inner)};
  }
  static ir::TensorSlice whole(int t, const ir::Shape4& shape) { return {t, {0, 0, 0, 0}, shape}; }

  int feature_map(const std::string& suffix, ir::DataType type, const ir::Shape4& shape,
                  ir::QuantParams quant) {
    return b_.add_feature_map(name_ + "_" + suffix, type, shape, quant);
  }
  bool is_whole(const ir::TensorSlice& s) const { return b_.is_whole(s); }
  // A view of whole tensor `t` shaped `shape`, with quantisation `quant`.
  ir::TensorSlice view(int t, const ir::Shape4& shape, const std::string& suffix,
                       ir::QuantParams quant) {
    const ir::NpuTensor src = b_.lowered(t);
    // The tensor itself where it has that shape (an alias would keep it in linear NHWC).
    if (src.shape == shape && src.quant == quant)
      return whole(t, shape);
    return whole(b_.add_view(t, shape, quant, name_ + "_" + suffix), shape);
  }
  ir::TensorSlice view(int t, const ir::Shape4& shape, const std::string& suffix) {
    return view(t, shape, suffix, b_.lowered(t).quant);
  }

  // The input as a whole tensor: itself, or a copy of the piece of another tensor it is.
  int input_tensor() {
    const ir::TensorSlice x = b_.whole(op_.inputs.at(0));
    if (is_whole(x))
      return x.tensor;
    const ir::NpuTensor t = b_.lowered(x.tensor);
    const int copy = feature_map("input", t.type, x.shape, t.quant);
    add(b_.byte_copy(x, whole(copy, x.shape), name_ + "_input"));
    return copy;
  }

  void add(ir::NpuOp op) {
    op.source_ops = {index_};
    b_.add(std::move(op));
  }

  // -1 - v for every value of `from` into `to` (same shape; both read with zero point 0).
  void complement(const ir::TensorSlice& from, const ir::TensorSlice& to, const std::string& what) {
    const ir::DataType type = b_.lowered(from.tensor).type;
    if (minus_one_ < 0) {
      ir::NpuTensor c;
      c.name = name_ + "_minus_one";
      c.type = type;
      const size_t bytes = type == ir::DataType::kInt8 ? 1 : 2;
      c.data = std::make_shared<std::vector<uint8_t>>(bytes, 0xFF);
      minus_one_ = b_.add_constant(std::move(c));
    }
    ir::NpuOp op;
    op.type = ir::NpuOpType::kSub;
    op.ifm = from;
    op.ifm2 = whole(minus_one_, {1, 1, 1, 1});
    op.ofm = to;
    op.reversed_operands = true;
    op.explicit_scale = std::make_pair(1u, 0);
    op.name = name_ + "_" + what;
    add(std::move(op));
  }

  void lower_extreme(int x, int target, bool minimum) {
    const ir::DataType type = b_.lowered(x).type;
    const ir::QuantParams raw{1.0, 0};
    if (a_.passes.empty()) {  // nothing reduced: a copy
      const ir::NpuTensor t = b_.lowered(target);
      add(b_.byte_copy(view(x, t.shape, "in"), whole(target, t.shape), name_));
      return;
    }
    int current = x;
    if (minimum) {
      const Pass& p = a_.passes.front();
      const ir::Shape4 s = shape4(p.outer, p.size, p.inner);
      const int inverted = feature_map("complement", type, s, raw);
      complement(view(x, s, "in", raw), whole(inverted, s), "complement");
      current = inverted;
    }
    for (size_t i = 0; i < a_.passes.size(); ++i) {
      const Pass& p = a_.passes[i];
      const bool last = i + 1 == a_.passes.size();
      const ir::Shape4 in_shape = shape4(p.outer, p.size, p.inner);
      const ir::Shape4 out_shape = shape4(p.outer, 1, p.inner);
      ir::TensorSlice result;
      if (last && !minimum)
        result = view(target, out_shape, "out");
      else
        result = whole(feature_map(fmt::format("pass{}", i), type, out_shape, raw), out_shape);
      ir::NpuOp op;
      op.type = ir::NpuOpType::kMaxPool;
      op.ifm = view(current, in_shape, fmt::format("pass{}_in", i));
      op.ofm = result;
      op.kernel.width = static_cast<int>(p.size);
      op.byte_copy = true;
      op.name = name_ + (last && !minimum ? "" : fmt::format("_pass{}", i));
      add(std::move(op));
      current = result.tensor;
    }
    if (minimum) {
      const Pass& p = a_.passes.back();
      const ir::Shape4 s = shape4(p.outer, 1, p.inner);
      complement(whole(current, s), view(target, s, "out", raw), "min");
    }
  }

  // ARG_MAX: with 2^k >= n positions along the axis, v = x * 2^k + (2^k - 1 - i) orders first
  // by the value, then by the smaller position; max(v) - max(x) * 2^k = 2^k - 1 - argmax.
  //   1 Mul      x * 2^k (int16; x read raw, the int32 constant's product unscaled)
  //   2 Add      + (2^k - 1 - i), an int16 constant along the axis broadcast over the rest: v
  //   3 MaxPool  max(v) over a 1 x n window
  //   4 MaxPool  max(x) over the same window (raw values)
  //   5 Mul      max(x) * 2^k (int16)
  //   6 Sub      max(v) - max(x) * 2^k = 2^k - 1 - argmax (int16)
  //   7 Sub      (2^k - 1) minus that: argmax (int32)
  // All exact: |v| <= 2^15, the others smaller.
  void lower_arg_max(int x, int target) {
    using Op = ir::NpuOpType;
    const Pass& p = a_.passes.front();
    const int bits = a_.index_bits;
    const ir::QuantParams raw{1.0, 0};
    const ir::Shape4 full = shape4(p.outer, p.size, p.inner);
    const ir::Shape4 row = shape4(p.outer, 1, p.inner);
    const auto i16 = ir::DataType::kInt16;
    const ir::TensorSlice xs = view(x, full, "in", raw);
    const ir::TensorSlice scale = whole(
        b_.add_int32_scalar(name_ + "_index_scale", int32_t{1} << bits), ir::Shape4{1, 1, 1, 1});
    auto elementwise = [&](Op type, const ir::TensorSlice& a, const ir::TensorSlice& c,
                           const ir::TensorSlice& out, const std::string& what, bool reversed) {
      ir::NpuOp op;
      op.type = type;
      op.ifm = a;
      op.ifm2 = c;
      op.ofm = out;
      op.reversed_operands = reversed;
      op.explicit_scale = std::make_pair(1u, 0);
      op.name = name_ + "_" + what;
      add(std::move(op));
    };
    auto max_pool = [&](const ir::TensorSlice& in, const ir::TensorSlice& out,
                        const std::string& what) {
      ir::NpuOp op;
      op.type = Op::kMaxPool;
      op.ifm = in;
      op.ofm = out;
      op.kernel.width = static_cast<int>(p.size);
      op.byte_copy = true;
      op.name = name_ + "_" + what;
      add(std::move(op));
    };
    const ir::TensorSlice shifted = whole(feature_map("shifted", i16, full, raw), full);
    elementwise(Op::kMul, xs, scale, shifted, "shifted", false);
    // The positions' codes, little endian int16, shaped (1, 1, n, 1).
    ir::NpuTensor codes;
    codes.name = name_ + "_positions";
    codes.type = i16;
    codes.shape = shape4(1, p.size, 1);
    auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(p.size) * 2);
    for (int64_t i = 0; i < p.size; ++i) {
      const auto code = static_cast<uint16_t>((int64_t{1} << bits) - 1 - i);
      (*bytes)[static_cast<size_t>(2 * i)] = static_cast<uint8_t>(code & 0xFF);
      (*bytes)[static_cast<size_t>(2 * i + 1)] = static_cast<uint8_t>(code >> 8);
    }
    codes.data = std::move(bytes);
    const int code_tensor = b_.add_constant(std::move(codes));
    const ir::TensorSlice keyed = whole(feature_map("keyed", i16, full, raw), full);
    elementwise(Op::kAdd, shifted, whole(code_tensor, shape4(1, p.size, 1)), keyed, "keyed", false);
    const ir::TensorSlice key_max = whole(feature_map("key_max", i16, row, raw), row);
    max_pool(keyed, key_max, "key_max");
    const ir::TensorSlice value_max =
        whole(feature_map("value_max", ir::DataType::kInt8, row, raw), row);
    max_pool(xs, value_max, "value_max");
    const ir::TensorSlice value_shifted = whole(feature_map("value_shifted", i16, row, raw), row);
    elementwise(Op::kMul, value_max, scale, value_shifted, "value_shifted", false);
    const ir::TensorSlice code = whole(feature_map("code", i16, row, raw), row);
    elementwise(Op::kSub, key_max, value_shifted, code, "code", false);
    ir::NpuTensor last;
    last.name = name_ + "_last_code";
    last.type = i16;
    const auto top = static_cast<uint16_t>((1 << bits) - 1);
    last.data = std::make_shared<std::vector<uint8_t>>(
        std::vector<uint8_t>{static_cast<uint8_t>(top & 0xFF), static_cast<uint8_t>(top >> 8)});
    const int last_tensor = b_.add_constant(std::move(last));
    elementwise(Op::kSub, code, whole(last_tensor, ir::Shape4{1, 1, 1, 1}),
                view(target, row, "out", raw), "index", true);
  }

  void lower_sum(int x, int target) {
    const ir::NpuTensor in = b_.lowered(x);
    Pass p;
    if (!a_.passes.empty())
      p = a_.passes.front();
    else
      p.inner = in.shape.elements();  // nothing reduced: a rescale
    const int kh = a_.kernel_h, kw = a_.kernel_w;
    const ir::Shape4 in_shape = kh > 1 ? shape4(kh, kw, p.inner) : shape4(p.outer, p.size, p.inner);
    const ir::Shape4 out_shape = shape4(p.outer, 1, p.inner);
    ir::NpuOp op;
    if (a_.channel_sum) {
      // The reduced run as the depth: the pool sums a pixel's channels into one.
      op.type = ir::NpuOpType::kReduceSum;
      op.ifm = view(x, shape4(1, p.outer, p.size), "in");
      op.ofm = view(target, shape4(1, p.outer, 1), "out");
      op.explicit_scale = a_.scale;
      op.name = name_;
      add(std::move(op));
      return;
    }
    op.type = ir::NpuOpType::kDepthwiseConv2D;
    op.ifm = view(x, in_shape, "in");
    op.ofm = view(target, out_shape, "out");
    op.kernel.height = kh;
    op.kernel.width = kw;
    ir::NpuTensor ones;
    ones.name = name_ + "_ones";
    ones.type = ir::DataType::kInt8;
    ones.data = std::make_shared<std::vector<uint8_t>>(
        static_cast<size_t>(kh) * static_cast<size_t>(kw) * static_cast<size_t>(p.inner), 1);
    ones.weight_shape = {1, kh, kw, static_cast<int32_t>(p.inner)};
    ones.channel_scales = {1.0};
    ones.channel_zero_points = {0};
    op.weights = b_.add_constant(std::move(ones));
    if (in.type == ir::DataType::kInt16) {
      // An int32 bias (zeros) keeps an int16 convolution's full-precision scale and TFL rounding
      // (without it the output stage takes the reduced-precision path of a 64-bit bias).
      ir::NpuTensor bias;
      bias.name = name_ + "_bias";
      bias.type = ir::DataType::kInt32;
      bias.shape = shape4(1, 1, p.inner);
      bias.data = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(p.inner) * 4, 0);
      op.bias = b_.add_constant(std::move(bias));
    }
    op.explicit_scale = a_.scale;
    op.name = name_;
    add(std::move(op));
  }

  SegmentBuilder& b_;
  const ir::Operator& op_;
  int index_;
  Analysis a_;
  std::string name_;
  int minus_one_ = -1;
};

}  // namespace

std::optional<std::string> reduction_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  std::string why;
  if (analyse(model, sg, sg.operators.at(op_index), &why))
    return std::nullopt;
  return why;
}

void lower_reduction(SegmentBuilder& b, const ir::Operator& op, int index) {
  ReductionLowering(b, op, index).lower();
}

}  // namespace euc::frontend

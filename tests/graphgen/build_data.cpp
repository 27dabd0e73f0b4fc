// Steps that move data without arithmetic (CONCATENATION, SPLIT, SPLIT_V, SLICE,
// STRIDED_SLICE, PAD, RESHAPE, TRANSPOSE, RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR), QUANTIZE,
// and the unary activations. Every data mover keeps its input's quantisation, as TFLite requires.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "builder_internal.hpp"

namespace euc::graphgen {
namespace {

// `intent` sizes (any positive numbers) scaled to add up to `total`, each at least 1; fewer
// pieces when `total` is smaller than their number.
std::vector<int32_t> fit_sizes(std::vector<int32_t> intent, int32_t total) {
  if (intent.empty())
    intent = {total};
  for (int32_t& v : intent)
    v = std::max(1, v);
  if (static_cast<int32_t>(intent.size()) > total)
    intent.resize(static_cast<size_t>(total));
  int64_t sum = 0;
  for (int32_t v : intent)
    sum += v;
  if (sum == total)
    return intent;
  std::vector<int32_t> out;
  int32_t left = total;
  for (size_t k = 0; k < intent.size(); ++k) {
    const auto pieces_after = static_cast<int32_t>(intent.size() - k - 1);
    int32_t v = k + 1 == intent.size()
                    ? left
                    : static_cast<int32_t>(std::llround(static_cast<double>(intent[k]) * total /
                                                        static_cast<double>(sum)));
    v = std::clamp(v, 1, left - pieces_after);
    out.push_back(v);
    left -= v;
  }
  return out;
}

int normalise_axis(int axis, size_t rank) {
  const int r = static_cast<int>(rank);
  if (axis < 0)
    axis += r;
  return std::clamp(axis, 0, r - 1);
}

}  // namespace

bool Builder::apply_concat(const Step& s) {
  if (s.src.empty())
    return false;
  std::vector<Value> in;
  for (const ValueRef& r : s.src)
    in.push_back(*value(r));
  const Value& a = in[0];
  const size_t rank = a.shape.size();
  const int axis = normalise_axis(s.axis, rank);
  std::vector<int32_t> shape = a.shape;
  shape[axis] = 0;
  std::vector<int32_t> tensors;
  for (const Value& v : in) {
    // TFLite's int8/int16 concatenation copies bytes: one quantisation throughout.
    if (v.shape.size() != rank || v.type != a.type || v.scale != a.scale ||
        v.zero_point != a.zero_point) {
      return false;
    }
    for (size_t d = 0; d < rank; ++d) {
      if (static_cast<int>(d) != axis && v.shape[d] != a.shape[d])
        return false;
    }
    shape[axis] += v.shape[axis];
    tensors.push_back(v.tensor);
  }
  Quant q{a.scale, a.zero_point, a.mean, a.spread};
  const Value& out = add_value(shape, a.type, q, "concat");
  tflite::ConcatenationOptionsT o;
  o.axis = (s.flags & flag::kNegativeAxes) != 0 ? axis - static_cast<int>(rank) : axis;
  emit<tflite::ConcatenationOptions>(ir::BuiltinOp::CONCATENATION, tensors, {out.tensor}, o);
  macs_ += out.elements();
  describe(s, fmt::format("axis {}", o.axis));
  return true;
}

bool Builder::apply_split(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  const size_t rank = x.shape.size();
  if (rank == 0)
    return false;
  const int axis = normalise_axis(s.axis, rank);
  const int32_t dim = x.shape[axis];
  std::vector<int32_t> sizes;
  if (s.op == Op::kSplit) {
    int n = std::clamp(s.channels, 1, dim);
    while (dim % n != 0)
      --n;
    sizes.assign(static_cast<size_t>(n), dim / n);
  } else {
    sizes = fit_sizes(s.ints, dim);
  }
  const int written_axis =
      (s.flags & flag::kNegativeAxes) != 0 ? axis - static_cast<int>(rank) : axis;
  const bool scalar = (s.flags & flag::kScalarAxis) != 0;
  int axis_tensor = add_int32_constant(step_name("axis"), {written_axis}, scalar);
  int sizes_tensor = -1;
  if (s.op == Op::kSplitV) {
    std::vector<int32_t> written = sizes;
    // One size may be left for TFLite to infer.
    if ((s.flags & flag::kNegativeIndex) != 0 && written.size() > 1)
      written.back() = -1;
    sizes_tensor = add_int32_constant(step_name("sizes"), written);
  }
  std::vector<int32_t> outs;
  for (int32_t size : sizes) {
    std::vector<int32_t> shape = x.shape;
    shape[axis] = size;
    outs.push_back(add_value(shape, x.type, Quant{x.scale, x.zero_point, x.mean, x.spread},
                             s.op == Op::kSplit ? "split" : "splitv")
                       .tensor);
  }
  if (s.op == Op::kSplit) {
    tflite::SplitOptionsT o;
    o.num_splits = static_cast<int32_t>(sizes.size());
    emit<tflite::SplitOptions>(ir::BuiltinOp::SPLIT, {axis_tensor, x.tensor}, outs, o);
  } else {
    tflite::SplitVOptionsT o;
    o.num_splits = static_cast<int32_t>(sizes.size());
    emit<tflite::SplitVOptions>(ir::BuiltinOp::SPLIT_V, {x.tensor, sizes_tensor, axis_tensor}, outs,
                                o);
  }
  macs_ += x.elements();
  describe(s, fmt::format("axis {} sizes {}", written_axis, shape_text(sizes)));
  return true;
}

bool Builder::apply_slice(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  const size_t rank = x.shape.size();
  std::vector<int32_t> begin(rank, 0), size(rank, -1), shape(rank);
  // Intents are kept for the last `rank` axes of a 4-D shape.
  for (size_t d = 0; d < rank; ++d) {
    const size_t k = d + 4 - rank;
    const int32_t dim = x.shape[d];
    if (s.ints.size() == 8 && k < 4) {
      begin[d] = std::clamp(s.ints[k], 0, dim - 1);
      size[d] = s.ints[4 + k] < 0 ? -1 : std::clamp(s.ints[4 + k], 1, dim - begin[d]);
    }
    shape[d] = size[d] < 0 ? dim - begin[d] : size[d];
  }
  int b = add_int32_constant(step_name("begin"), begin);
  int z = add_int32_constant(step_name("size"), size);
  const Value& out =
      add_value(shape, x.type, Quant{x.scale, x.zero_point, x.mean, x.spread}, "slice");
  emit<tflite::SliceOptions>(ir::BuiltinOp::SLICE, {x.tensor, b, z}, {out.tensor},
                             tflite::SliceOptionsT{});
  macs_ += out.elements();
  describe(s, fmt::format("begin {} size {}", shape_text(begin), shape_text(size)));
  return true;
}

bool Builder::apply_strided_slice(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  const size_t rank = x.shape.size();
  std::vector<int32_t> begin(rank), end(rank), strides(rank), shape;
  int begin_mask = 0, end_mask = 0, shrink_mask = 0;
  const bool negative = (s.flags & flag::kNegativeIndex) != 0;
  for (size_t d = 0; d < rank; ++d) {
    const size_t k = d + 4 - rank;
    const int32_t dim = x.shape[d];
    int32_t b = 0, e = dim, st = 1;
    bool bm = false, em = false, shrink = false;
    if (s.ints.size() == 12 && k < 4) {
      b = std::clamp(s.ints[k], 0, dim - 1);
      e = std::clamp(s.ints[4 + k], b + 1, dim);
      st = std::clamp(s.ints[8 + k], 1, 3);
      bm = (s.flags >> (flag::kBeginMaskShift + k) & 1) != 0;
      em = (s.flags >> (flag::kEndMaskShift + k) & 1) != 0;
      shrink = (s.flags >> (flag::kShrinkMaskShift + k) & 1) != 0;
    }
    if (shrink) {
      // A shrunk axis reads element `begin` alone.
      bm = em = false;
      st = 1;
      e = b + 1;
    }
    const int32_t eff_b = bm ? 0 : b, eff_e = em ? dim : e;
    const int32_t size = (eff_e - eff_b + st - 1) / st;
    if (size <= 0)
      return false;
    begin[d] = negative ? b - dim : b;
    end[d] = negative && e < dim ? e - dim : e;
    if (shrink)
      end[d] = begin[d] + 1 == 0 ? dim : begin[d] + 1;
    strides[d] = st;
    begin_mask |= bm ? 1 << d : 0;
    end_mask |= em ? 1 << d : 0;
    shrink_mask |= shrink ? 1 << d : 0;
    if (!shrink)
      shape.push_back(size);
  }
  if (shape.empty())
    return false;
  int bt = add_int32_constant(step_name("begin"), begin);
  int et = add_int32_constant(step_name("end"), end);
  int st = add_int32_constant(step_name("strides"), strides);
  const Value& out =
      add_value(shape, x.type, Quant{x.scale, x.zero_point, x.mean, x.spread}, "stridedslice");
  tflite::StridedSliceOptionsT o;
  o.begin_mask = begin_mask;
  o.end_mask = end_mask;
  o.shrink_axis_mask = shrink_mask;
  emit<tflite::StridedSliceOptions>(ir::BuiltinOp::STRIDED_SLICE, {x.tensor, bt, et, st},
                                    {out.tensor}, o);
  macs_ += out.elements();
  describe(s, fmt::format("begin {} end {} strides {} masks b{} e{} shrink{}", shape_text(begin),
                          shape_text(end), shape_text(strides), begin_mask, end_mask, shrink_mask));
  return true;
}

bool Builder::apply_pad(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  const size_t rank = x.shape.size();
  std::vector<int32_t> pads(2 * rank, 0), shape = x.shape;
  for (size_t d = 0; d < rank; ++d) {
    const size_t k = d + 4 - rank;
    if (s.ints.size() == 8 && k < 4) {
      pads[2 * d] = std::clamp(s.ints[2 * k], 0, 64);
      pads[2 * d + 1] = std::clamp(s.ints[2 * k + 1], 0, 64);
    }
    shape[d] += pads[2 * d] + pads[2 * d + 1];
  }
  int p = add_constant(step_name("paddings"), {static_cast<int32_t>(rank), 2}, ir::DataType::kInt32,
                       to_bytes(pads));
  // Padding adds zero-point values (real zeros).
  Quant q{x.scale, x.zero_point, x.mean, x.spread};
  const Value& out = add_value(shape, x.type, q, "pad");
  emit<tflite::PadOptions>(ir::BuiltinOp::PAD, {x.tensor, p}, {out.tensor}, tflite::PadOptionsT{});
  macs_ += out.elements();
  describe(s, fmt::format("paddings {}", shape_text(pads)));
  return true;
}

bool Builder::apply_reshape(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  const int64_t elements = x.elements();
  std::vector<int32_t> shape = s.ints;
  int64_t product = 1;
  for (int32_t d : shape)
    product *= std::max(d, 0);
  if (shape.empty() || shape.size() > 4 || product != elements) {
    // Keep the intended rank; the last axis keeps the input's depth when it divides.
    const size_t rank = std::clamp<size_t>(shape.size(), 1, 4);
    shape.assign(rank, 1);
    const int32_t depth = x.shape.empty() ? 1 : x.shape.back();
    if (rank >= 2 && elements % depth == 0) {
      shape[rank - 1] = depth;
      shape[rank - 2] = static_cast<int32_t>(elements / depth);
    } else {
      shape[rank - 1] = static_cast<int32_t>(elements);
    }
  }
  std::vector<int32_t> inputs = {x.tensor};
  if ((s.flags & flag::kShapeInput) != 0)
    inputs.push_back(add_int32_constant(step_name("shape"), shape));
  const Value& out =
      add_value(shape, x.type, Quant{x.scale, x.zero_point, x.mean, x.spread}, "reshape");
  tflite::ReshapeOptionsT o;
  o.new_shape = shape;
  emit<tflite::ReshapeOptions>(ir::BuiltinOp::RESHAPE, inputs, {out.tensor}, o);
  describe(s, (s.flags & flag::kShapeInput) != 0 ? "shape input" : "");
  return true;
}

bool Builder::apply_quantize(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  const ir::DataType type =
      s.out_type == ir::DataType::kInt16 ? ir::DataType::kInt16 : ir::DataType::kInt8;
  const Quant q = choose_quant(s, type, x.mean, x.spread, Act::kNone);
  const Value& out = add_value(x.shape, type, q, "quantize");
  emit(ir::BuiltinOp::QUANTIZE, {x.tensor}, {out.tensor});
  macs_ += out.elements();
  describe(s, fmt::format("to {} scale {:.6g} zp {}", type_text(type), out.scale, out.zero_point));
  return true;
}

bool Builder::apply_transpose(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  const size_t rank = x.shape.size();
  std::vector<int32_t> perm = s.ints;
  std::vector<int32_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int32_t> identity(rank);
  std::iota(identity.begin(), identity.end(), 0);
  if (sorted != identity) {
    perm = identity;
    if (rank >= 3)
      std::swap(perm[rank - 2], perm[rank - 3]);
    else if (rank == 2)
      std::swap(perm[0], perm[1]);
  }
  std::vector<int32_t> shape(rank);
  for (size_t d = 0; d < rank; ++d)
    shape[d] = x.shape[static_cast<size_t>(perm[d])];
  int p = add_int32_constant(step_name("perm"), perm);
  const Value& out =
      add_value(shape, x.type, Quant{x.scale, x.zero_point, x.mean, x.spread}, "transpose");
  emit<tflite::TransposeOptions>(ir::BuiltinOp::TRANSPOSE, {x.tensor, p}, {out.tensor},
                                 tflite::TransposeOptionsT{});
  macs_ += out.elements();
  describe(s, fmt::format("perm {}", shape_text(perm)));
  return true;
}

bool Builder::apply_resize(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  if (x.shape.size() != 4)
    return false;
  const int f = std::clamp(s.channels, 1, 8);
  const bool align = (s.flags & flag::kAlignCorners) != 0;
  const bool half = !align && (s.flags & flag::kHalfPixel) != 0;
  auto scaled = [&](int d) { return align ? (d - 1) * f + 1 : d * f; };
  std::vector<int32_t> size = {scaled(x.shape[1]), scaled(x.shape[2])};
  int z = add_int32_constant(step_name("size"), size);
  const Value& out = add_value({x.shape[0], size[0], size[1], x.shape[3]}, x.type,
                               Quant{x.scale, x.zero_point, x.mean, x.spread}, "resize");
  if (s.op == Op::kResizeBilinear) {
    tflite::ResizeBilinearOptionsT o;
    o.align_corners = align;
    o.half_pixel_centers = half;
    emit<tflite::ResizeBilinearOptions>(ir::BuiltinOp::RESIZE_BILINEAR, {x.tensor, z}, {out.tensor},
                                        o);
  } else {
    tflite::ResizeNearestNeighborOptionsT o;
    o.align_corners = align;
    o.half_pixel_centers = half;
    emit<tflite::ResizeNearestNeighborOptions>(ir::BuiltinOp::RESIZE_NEAREST_NEIGHBOR,
                                               {x.tensor, z}, {out.tensor}, o);
  }
  macs_ += out.elements() * (s.op == Op::kResizeBilinear ? 4 : 1);
  describe(s, fmt::format("factor {}{}{}", f, align ? " align_corners" : "",
                          half ? " half_pixel_centers" : ""));
  return true;
}

bool Builder::apply_unary(const Step& s) {
  if (s.src.size() != 1)
    return false;
  const Value x = *value(s.src[0]);
  const bool int8 = x.type == ir::DataType::kInt8;
  Quant q;
  std::string details;
  switch (s.op) {
    case Op::kLogistic:
    case Op::kSoftmax:
      // TFLite's fixed output quantisation: [0, 1) in 1/256 steps.
      if (!int8)
        return false;
      q = Quant{1.0f / 256, -128, 0.5, 0.25};
      break;
    case Op::kTanh:
      if (!int8)
        return false;
      q = Quant{1.0f / 128, 0, 0.0, 0.5};
      break;
    case Op::kLeakyRelu:
      q = choose_quant(s, x.type, x.mean, x.spread, Act::kNone);
      details = fmt::format("alpha {:.3g}", s.alpha);
      break;
    case Op::kRelu:
      q = choose_quant(s, x.type, x.mean, x.spread, Act::kRelu);
      break;
    default:
      return false;
  }
  const Value& out = add_value(x.shape, x.type, q, op_name(s.op));
  switch (s.op) {
    case Op::kLogistic:
      emit(ir::BuiltinOp::LOGISTIC, {x.tensor}, {out.tensor});
      break;
    case Op::kTanh:
      emit(ir::BuiltinOp::TANH, {x.tensor}, {out.tensor});
      break;
    case Op::kSoftmax: {
      tflite::SoftmaxOptionsT o;
      o.beta = 1.0f;
      emit<tflite::SoftmaxOptions>(ir::BuiltinOp::SOFTMAX, {x.tensor}, {out.tensor}, o);
      break;
    }
    case Op::kLeakyRelu: {
      tflite::LeakyReluOptionsT o;
      o.alpha = s.alpha;
      emit<tflite::LeakyReluOptions>(ir::BuiltinOp::LEAKY_RELU, {x.tensor}, {out.tensor}, o);
      break;
    }
    default:
      emit(ir::BuiltinOp::RELU, {x.tensor}, {out.tensor});
      break;
  }
  macs_ += out.elements();
  describe(s, details);
  return true;
}

}  // namespace euc::graphgen

// One function per operator family the generator draws: the operator's parameters, its
// operands (often composites: a RESHAPE to 4-D first, a QUANTIZE to match types, a branch to
// join), retried smaller when over budget.
#include <algorithm>
#include <array>

#include "generator_internal.hpp"

namespace euc::graphgen::detail {

// CONV_2D or DEPTHWISE_CONV_2D with a random window; retried smaller when over budget.
bool Generator::add_conv(bool depthwise) {
  auto src = source4();
  if (!src)
    return false;
  Step s = step(depthwise ? Op::kDepthwise : Op::kConv);
  s.src = {*src};
  s.kh = kernel();
  s.kw = rng_.chance(0.2) ? kernel() : s.kh;
  s.stride_h = stride();
  s.stride_w = rng_.chance(0.2) ? stride() : s.stride_h;
  if (s.kh > 1 || s.kw > 1) {
    s.dilation_h = dilation();
    s.dilation_w = rng_.chance(0.3) ? dilation() : s.dilation_h;
  }
  s.same = rng_.chance(0.6);
  s.act = act();
  s.has_bias = rng_.chance(0.92);
  const int c = val(*src).shape[3];
  if (depthwise) {
    // The NPU takes a depth multiplier only on a single input channel.
    s.channels = c == 1 && rng_.chance(0.6) ? rng_.uniform(2, 8) : rng_.chance(0.04) ? 2 : 1;
  } else {
    s.channels = channels();
  }
  for (int k = 0; k < 3; ++k) {
    if (try_add(s))
      return true;
    if (!depthwise)
      s.channels = std::max(1, s.channels / 2);
    s.stride_h = s.stride_w = std::max(s.stride_h, 2);
    s.kh = std::max(1, s.kh / 2);
    s.kw = std::max(1, s.kw / 2);
  }
  return false;
}

bool Generator::add_fully_connected() {
  const ValueRef src = source();
  const Value x = val(src);
  Step s = step(Op::kFullyConnected);
  s.src = {src};
  const bool flatten = x.shape.size() < 2 || (x.elements() <= 4096 && rng_.chance(0.5));
  s.flags = flatten ? flag::kFlatten : (rng_.chance(0.2) ? flag::kKeepNumDims : 0);
  if (rng_.chance(0.4))
    s.flags |= flag::kPerChannel;  // Vela 5.1's rule: per-channel weights on the NPU
  s.channels = channels();
  s.act = act();
  s.has_bias = rng_.chance(0.9);
  if (!try_add(s))
    return false;
  // A 1x1 convolution written as FULLY_CONNECTED: back to [1, H, W, units].
  if (!flatten && (s.flags & flag::kKeepNumDims) == 0 && x.shape.size() == 4 && rng_.chance(0.6)) {
    Step r = step(Op::kReshape);
    r.src = {last()};
    r.ints = {x.shape[0], x.shape[1], x.shape[2], s.channels};
    r.flags = rng_.chance(0.5) ? flag::kShapeInput : 0;
    try_add(r);
  }
  return true;
}

bool Generator::add_batch_matmul() {
  const ValueRef src = source();
  const Value x = val(src);
  if (x.type != ir::DataType::kInt8 || x.shape.size() < 2 || x.shape.size() > 4)
    return false;
  Step s = step(Op::kBatchMatMul);
  s.src = {src};
  s.flags = (rng_.chance(0.4) ? flag::kAdjX : 0) | (rng_.chance(0.4) ? flag::kAdjY : 0);
  if (rng_.chance(0.5)) {
    s.flags |= flag::kConstRhs | (rng_.chance(0.3) ? flag::kBroadcastRhs : 0);
    s.channels = channels();
    return try_add(s);
  }
  if (rng_.chance(0.5)) {
    s.src.push_back(source());
    if (try_add(s))
      return true;
  }
  // The operand times itself transposed: the depths agree when exactly one side is adjoint.
  s.src = {src, src};
  s.flags = rng_.chance(0.5) ? flag::kAdjX : flag::kAdjY;
  return try_add(s);
}

bool Generator::add_svdf() {
  ValueRef src = source();
  const Value x = val(src);
  if (x.type != ir::DataType::kInt8)
    return false;
  if (x.shape.size() != 2) {
    if (x.elements() > 1024)
      return false;
    Step r = step(Op::kReshape);
    r.src = {src};
    r.ints = {1, static_cast<int32_t>(x.elements())};
    if (!try_add(r))
      return false;
    src = last();
  }
  Step s = step(Op::kSvdf);
  s.src = {src};
  s.channels = rng_.uniform(1, 24);
  s.kh = rng_.chance(0.6) ? 1 : rng_.uniform(2, 3);
  s.kw = rng_.uniform(1, 12);
  s.has_bias = rng_.chance(0.7);
  s.act = rng_.chance(0.3) ? Act::kRelu : Act::kNone;
  s.flags = rng_.chance(0.3) ? flag::kInt16State : 0;
  return try_add(s);
}

bool Generator::add_pool(Op op) {
  auto src = source4();
  if (!src)
    return false;
  const Value& x = val(*src);
  Step s = step(op);
  s.src = {*src};
  const double u = rng_.unit();
  if (u < 0.15) {
    s.kh = x.shape[1];
    s.kw = x.shape[2];
    s.same = false;
  } else if (u < 0.3) {
    // Subsampling: a 1x1 window with a stride above it (stride >= kernel + 2 included).
    s.stride_h = s.stride_w = rng_.uniform(2, 3);
    s.same = rng_.chance(0.5);
  } else {
    s.kh = std::max(2, kernel());
    s.kw = rng_.chance(0.2) ? kernel() : s.kh;
    s.stride_h = stride();
    s.stride_w = rng_.chance(0.2) ? stride() : s.stride_h;
    s.same = rng_.chance(0.5);
  }
  s.act = act(0.7);
  return try_add(s);
}

// A value of `shape` derived from `from` (shape-keeping convolution), for a second operand.
std::optional<ValueRef> Generator::branch_like(ValueRef from, std::optional<ValueRef> quant_of) {
  const Value& x = val(from);
  if (x.shape.size() != 4)
    return std::nullopt;
  Step s = step(rng_.chance(0.6) ? Op::kConv : Op::kDepthwise);
  s.src = {from};
  s.kh = s.kw = rng_.chance(0.5) ? 1 : 3;
  s.same = true;
  s.channels = s.op == Op::kConv ? x.shape[3] : 1;
  s.act = act(0.5);
  s.quant_of = quant_of;
  if (!try_add(s))
    return std::nullopt;
  return last();
}

// `v` requantised to `like`'s type and quantisation (QUANTIZE).
std::optional<ValueRef> Generator::requantize_like(ValueRef v, ValueRef like) {
  Step s = step(Op::kQuantize);
  s.src = {v};
  s.out_type = val(like).type;
  s.quant_of = like;
  if (!try_add(s))
    return std::nullopt;
  return last();
}

bool Generator::add_binary(Op op) {
  const ValueRef a = source();
  const Value x = val(a);
  const bool minmax = op == Op::kMinimum || op == Op::kMaximum;
  Step s = step(op);
  s.act = minmax ? Act::kNone : act(0.6);
  const double u = rng_.unit();
  std::optional<ValueRef> b;
  if (u < 0.35) {
    // A constant operand: the full shape or a broadcast one.
    static const std::array<int, 6> kMasks = {0xF, 0x1, 0x6, 0x3, 0x5, 0x0};
    static const std::array<double, 6> kW = {15, 25, 10, 8, 5, 8};
    s.const_mask = kMasks[rng_.weighted(kW)];
    s.const_rank = static_cast<int>(x.shape.size());
    if (rng_.chance(0.15))
      s.const_rank = std::max(0, s.const_rank - rng_.uniform(1, 3));
    if (minmax && rng_.chance(0.15))
      s.flags |= flag::kOwnConstQuant;
    s.src = {a};
    s.swap_operands = rng_.chance(0.25);
    return try_add(s);
  }
  std::vector<ValueRef> same, broadcastable;
  for (const ValueRef& r : all_values()) {
    const Value& y = val(r);
    if (y.shape == x.shape)
      same.push_back(r);
    else if (y.shape.size() == x.shape.size() && y.elements() < x.elements()) {
      bool ok = true;
      for (size_t d = 0; d < x.shape.size(); ++d)
        ok &= y.shape[d] == x.shape[d] || y.shape[d] == 1;
      if (ok)
        broadcastable.push_back(r);
    }
  }
  if (u < 0.75 && !same.empty()) {
    b = same[static_cast<size_t>(rng_.uniform(0, static_cast<int>(same.size()) - 1))];
  } else if (!broadcastable.empty() && rng_.chance(0.7)) {
    b = broadcastable[static_cast<size_t>(
        rng_.uniform(0, static_cast<int>(broadcastable.size()) - 1))];
  } else {
    b = branch_like(a, std::nullopt);
  }
  if (!b)
    return false;
  const Value& y = val(*b);
  if (y.type != x.type ||
      (minmax && (y.scale != x.scale || y.zero_point != x.zero_point) && rng_.chance(0.8))) {
    b = requantize_like(*b, a);
    if (!b)
      return false;
  }
  s.src = {a, *b};
  s.swap_operands = rng_.chance(0.25);
  return try_add(s);
}

bool Generator::add_concat() {
  const ValueRef a = source();
  const Value x = val(a);
  const int rank = static_cast<int>(x.shape.size());
  int axis = rank - 1;
  if (rank == 4) {
    const double u = rng_.unit();
    axis = u < 0.6 ? 3 : u < 0.8 ? 2 : 1;
  } else if (rng_.chance(0.4)) {
    axis = rng_.uniform(0, rank - 1);
  }
  std::vector<ValueRef> parts = {a};
  const int partners = rng_.chance(0.7) ? 1 : 2;
  for (int k = 0; k < partners; ++k) {
    std::vector<ValueRef> fits;
    for (const ValueRef& r : all_values()) {
      const Value& y = val(r);
      if (y.shape.size() != x.shape.size() || y.type != x.type || y.scale != x.scale ||
          y.zero_point != x.zero_point)
        continue;
      bool ok = true;
      for (int d = 0; d < rank; ++d)
        ok &= d == axis || y.shape[d] == x.shape[d];
      if (ok)
        fits.push_back(r);
    }
    std::optional<ValueRef> p;
    if (!fits.empty() && rng_.chance(0.5)) {
      p = fits[static_cast<size_t>(rng_.uniform(0, static_cast<int>(fits.size()) - 1))];
    } else if (rank == 4) {
      Step s = step(Op::kConv);
      s.src = {a};
      s.kh = s.kw = rng_.chance(0.6) ? 1 : 3;
      s.channels = axis == 3 ? channels() : x.shape[3];
      s.act = act();
      s.quant_of = a;
      if (try_add(s))
        p = last();
    } else {
      p = requantize_like(a, a);
    }
    if (!p)
      return false;
    parts.push_back(*p);
  }
  if (rng_.chance(0.5))
    std::reverse(parts.begin(), parts.end());
  Step s = step(Op::kConcat);
  s.src = parts;
  s.axis = axis;
  s.flags = rng_.chance(0.2) ? flag::kNegativeAxes : 0;
  return try_add(s);
}

int Generator::split_axis(const Value& x) {
  const int rank = static_cast<int>(x.shape.size());
  if (rank == 4) {
    const double u = rng_.unit();
    return u < 0.5 ? 3 : u < 0.75 ? 1 : 2;
  }
  return rng_.chance(0.6) ? rank - 1 : rng_.uniform(0, rank - 1);
}

bool Generator::add_split(Op op) {
  const ValueRef a = source();
  const Value& x = val(a);
  Step s = step(op);
  s.src = {a};
  s.axis = split_axis(x);
  const int n = rng_.uniform(2, 4);
  s.channels = n;
  if (op == Op::kSplitV) {
    for (int k = 0; k < n; ++k)
      s.ints.push_back(rng_.uniform(1, 10));
  }
  s.flags |= rng_.chance(0.15) ? flag::kNegativeAxes : 0;
  s.flags |= rng_.chance(0.5) ? flag::kScalarAxis : 0;
  s.flags |= rng_.chance(0.2) ? flag::kNegativeIndex : 0;
  return try_add(s);
}

bool Generator::add_slice() {
  const ValueRef a = source();
  const Value& x = val(a);
  Step s = step(Op::kSlice);
  s.src = {a};
  s.ints.assign(8, 0);
  const size_t rank = x.shape.size();
  for (size_t d = 0; d < rank && rank <= 4; ++d) {
    const size_t k = d + 4 - rank;
    const int dim = x.shape[d];
    const int begin = rng_.chance(0.3) ? 0 : rng_.uniform(0, dim - 1);
    s.ints[k] = begin;
    s.ints[4 + k] = rng_.chance(0.15) ? -1 : rng_.uniform(1, dim - begin);
  }
  return try_add(s);
}

bool Generator::add_strided_slice(bool cpu) {
  const ValueRef a = source();
  const Value& x = val(a);
  Step s = step(Op::kStridedSlice);
  s.src = {a};
  s.ints.assign(12, 0);
  const size_t rank = x.shape.size();
  if (rank > 4)
    return false;
  for (size_t d = 0; d < rank; ++d) {
    const size_t k = d + 4 - rank;
    const int dim = x.shape[d];
    const int begin = rng_.chance(0.3) ? 0 : rng_.uniform(0, dim - 1);
    s.ints[k] = begin;
    s.ints[4 + k] = rng_.uniform(begin + 1, dim);
    s.ints[8 + k] = cpu && dim > 1 && rng_.chance(0.7) ? 2 : 1;
    if (rng_.chance(0.15))
      s.flags |= 1u << (flag::kBeginMaskShift + k);
    if (rng_.chance(0.15))
      s.flags |= 1u << (flag::kEndMaskShift + k);
  }
  // Shrink an axis now and then (the batch axis most often, as models do).
  if (rank >= 2 && rng_.chance(0.12)) {
    const size_t d = rng_.chance(0.6) ? 0 : static_cast<size_t>(rng_.uniform(0, rank - 1));
    s.flags |= 1u << (flag::kShrinkMaskShift + d + 4 - rank);
  }
  s.flags |= rng_.chance(0.2) ? flag::kNegativeIndex : 0;
  return try_add(s);
}

// PAD then a VALID convolution reading it alone: euc folds the PAD into the convolution.
bool Generator::add_pad_conv() {
  auto src = source4();
  if (!src)
    return false;
  const int k = rng_.chance(0.6) ? 3 : rng_.chance(0.5) ? 2 : 5;
  Step p = step(Op::kPad);
  p.src = {*src};
  p.ints = {0,
            0,
            rng_.uniform(0, k - 1),
            rng_.uniform(0, k - 1),
            rng_.uniform(0, k - 1),
            rng_.uniform(0, k - 1),
            0,
            0};
  if (!try_add(p))
    return false;
  Step s = step(rng_.chance(0.6) ? Op::kConv : Op::kDepthwise);
  s.src = {last()};
  s.kh = s.kw = k;
  s.stride_h = s.stride_w = stride();
  s.same = false;
  s.act = act();
  s.channels = s.op == Op::kConv ? channels() : 1;
  return try_add(s);
}

bool Generator::add_pad(bool channels_too) {
  auto src = source4();
  if (!src)
    return false;
  Step s = step(Op::kPad);
  s.src = {*src};
  s.ints = {0, 0, rng_.uniform(0, 3), rng_.uniform(0, 3), rng_.uniform(0, 3), rng_.uniform(0, 3),
            0, 0};
  if (channels_too) {
    s.ints[6] = rng_.uniform(0, 2);
    s.ints[7] = rng_.uniform(1, 2);
  }
  return try_add(s);
}

bool Generator::add_mean() {
  auto src = source4();
  if (!src)
    return false;
  Step s = step(Op::kMean);
  s.src = {*src};
  // MEAN, SUM, REDUCE_MAX or REDUCE_MIN over height and width (half the time, as networks
  // pool), else over a random non-empty subset of the four axes.
  s.axis = rng_.uniform(0, 3);
  if (rng_.chance(0.5)) {
    const int mask = rng_.uniform(1, 15);
    for (int k = 0; k < 4; ++k) {
      if ((mask >> k & 1) != 0)
        s.ints.push_back(k);
    }
  }
  s.flags = rng_.chance(0.5) ? flag::kKeepDims : 0;
  s.flags |= rng_.chance(0.2) ? flag::kNegativeAxes : 0;
  s.swap_operands = rng_.chance(0.2);
  return try_add(s);
}

bool Generator::add_reshape() {
  const ValueRef a = source();
  const Value& x = val(a);
  const int64_t n = x.elements();
  std::vector<int32_t> divisors;
  for (int64_t d = 1; d <= n && d <= 65535; ++d) {
    if (n % d == 0)
      divisors.push_back(static_cast<int32_t>(d));
  }
  auto divisor_of = [&](int64_t m) {
    std::vector<int32_t> ds;
    for (int32_t d : divisors) {
      if (m % d == 0)
        ds.push_back(d);
    }
    return ds[static_cast<size_t>(rng_.uniform(0, static_cast<int>(ds.size()) - 1))];
  };
  Step s = step(Op::kReshape);
  s.src = {a};
  const int rank = rng_.uniform(2, 4);
  const int32_t last = x.shape.back() > 0 && n % x.shape.back() == 0 && rng_.chance(0.5)
                           ? x.shape.back()
                           : divisor_of(n);
  int64_t rest = n / last;
  std::vector<int32_t> shape;
  for (int k = 1; k < rank - 1; ++k) {
    const int32_t d = divisor_of(rest);
    shape.push_back(d);
    rest /= d;
  }
  if (rank >= 2)
    shape.insert(shape.begin(), static_cast<int32_t>(rest));
  shape.push_back(last);
  if (rank == 4 && shape[0] != 1 && rng_.chance(0.8)) {
    // Batch 1 keeps the NPU interested.
    shape[1] *= shape[0];
    shape[0] = 1;
  }
  s.ints = shape;
  s.flags = rng_.chance(0.5) ? flag::kShapeInput : 0;
  return try_add(s);
}

bool Generator::add_quantize() {
  const ValueRef a = source();
  Step s = step(Op::kQuantize);
  s.src = {a};
  const bool int16 = val(a).type == ir::DataType::kInt16;
  s.out_type =
      (int16 ? rng_.chance(0.6) : rng_.chance(0.3)) ? ir::DataType::kInt16 : ir::DataType::kInt8;
  if (int16 && s.out_type == ir::DataType::kInt16)
    s.out_type = rng_.chance(0.5) ? ir::DataType::kInt16 : ir::DataType::kInt8;
  return try_add(s);
}

bool Generator::add_resample() {
  auto src = source4();
  if (!src)
    return false;
  if (rng_.chance(0.35)) {
    Step s = step(Op::kTransposeConv);
    s.src = {*src};
    s.kh = rng_.uniform(1, 4);
    s.kw = rng_.chance(0.3) ? rng_.uniform(1, 4) : s.kh;
    s.stride_h = s.stride_w = rng_.chance(0.75) ? 2 : 1;
    s.same = rng_.chance(0.5);
    s.act = act();
    s.has_bias = rng_.chance(0.8);
    s.channels = channels();
    for (int k = 0; k < 3; ++k) {
      if (try_add(s))
        return true;
      s.channels = std::max(1, s.channels / 2);
    }
    return false;
  }
  Step s = step(rng_.chance(0.5) ? Op::kResizeBilinear : Op::kResizeNearest);
  s.src = {*src};
  static const std::array<double, 4> kFactors = {10, 55, 25, 10};
  s.channels = 1 << rng_.weighted(kFactors);
  const double u = rng_.unit();
  s.flags = u < 0.2 ? flag::kAlignCorners : u < 0.5 ? flag::kHalfPixel : 0;
  for (int k = 0; k < 3; ++k) {
    if (try_add(s))
      return true;
    s.channels = std::max(1, s.channels / 2);
  }
  return false;
}

bool Generator::add_lstm() {
  const ValueRef src = source();
  const Value& x = val(src);
  if (x.type != ir::DataType::kInt8 && x.type != ir::DataType::kInt16)
    return false;
  // The sequence: rows of the operand's innermost dimension, or of a divisor of its size.
  const int64_t n = x.elements();
  int32_t in = x.shape.empty() ? 1 : x.shape.back();
  if (in > 64) {
    in = 1;
    for (int32_t d = 64; d > 1; --d) {
      if (n % d == 0) {
        in = d;
        break;
      }
    }
  }
  const int64_t rows = n / in;
  // Each step of each sequence is about 21 NPU operations: keep graphs quick to compile.
  if (rows > 96)
    return false;
  int batches = 1;
  if (rows > 1 && rng_.chance(0.4)) {
    for (int d = 4; d >= 2; --d) {
      if (rows % d == 0 && rng_.chance(0.6)) {
        batches = d;
        break;
      }
    }
  }
  const auto steps = static_cast<int32_t>(rows / batches);
  const bool time_major = rng_.chance(0.4);
  const std::vector<int32_t> shape = time_major ? std::vector<int32_t>{steps, batches, in}
                                                : std::vector<int32_t>{batches, steps, in};
  ValueRef seq = src;
  if (x.shape != shape) {
    Step r = step(Op::kReshape);
    r.src = {src};
    r.ints = shape;
    r.flags = rng_.chance(0.5) ? flag::kShapeInput : 0;
    if (!try_add(r))
      return false;
    seq = last();
  }
  Step s = step(Op::kLstm);
  s.src = {seq};
  s.channels = rng_.uniform(1, 24);
  s.ints = {rng_.uniform(-15, -11)};
  s.flags = (time_major ? flag::kTimeMajor : 0) | (rng_.chance(0.3) ? flag::kCellClip : 0);
  s.alpha = static_cast<float>(rng_.log_real(0.2, 8.0));
  for (int k = 0; k < 3; ++k) {
    if (try_add(s))
      return true;
    s.channels = std::max(1, s.channels / 2);
  }
  return false;
}

// An operator euc leaves on the CPU, or a variant of an NPU operator it cannot place (or once
// could not: transposes, channel pads and strided slices with stride 2 now run on the NPU as
// data movement).
bool Generator::add_cpu() {
  const double u = rng_.unit();
  const ValueRef a = source();
  const Value& x = val(a);
  const bool int8 = x.type == ir::DataType::kInt8;
  if (u < 0.2) {
    Step s = step(Op::kTranspose);
    s.src = {a};
    const int rank = static_cast<int>(x.shape.size());
    for (int k = 0; k < rank; ++k)
      s.ints.push_back(k);
    // Any permutation (euc's data movement copies every one on the NPU).
    for (int k = rank - 1; k > 0; --k)
      std::swap(s.ints[k], s.ints[rng_.uniform(0, k)]);
    return try_add(s);
  }
  if (u < 0.3) {
    auto src = ensure_rank4(a);
    if (!src)
      return false;
    Step s = step(Op::kResizeNearest);
    s.src = {*src};
    s.channels = 2;
    return try_add(s);
  }
  if (u < 0.6) {
    static const std::array<Op, 5> kOps = {Op::kLogistic, Op::kTanh, Op::kSoftmax, Op::kLeakyRelu,
                                           Op::kRelu};
    Op op = kOps[static_cast<size_t>(rng_.uniform(0, 4))];
    if (!int8 && (op == Op::kLogistic || op == Op::kTanh || op == Op::kSoftmax))
      op = Op::kLeakyRelu;
    Step s = step(op);
    s.src = {a};
    s.alpha = static_cast<float>(rng_.real(0.05, 0.5));
    return try_add(s);
  }
  if (u < 0.72)
    return add_pad(true);
  if (u < 0.84)
    return add_strided_slice(true);
  auto src = ensure_rank4(a);
  if (!src)
    return false;
  if (u < 0.92 && val(*src).shape[3] > 1) {
    // A depth multiplier on several channels.
    Step s = step(Op::kDepthwise);
    s.src = {*src};
    s.kh = s.kw = 3;
    s.channels = 2;
    s.act = act();
    return try_add(s);
  }
  Step s = step(Op::kMean);  // int16 MEAN stays on the CPU; int8 exercises the NPU anyway
  s.src = {*src};
  s.flags = flag::kKeepDims;
  return try_add(s);
}

}  // namespace euc::graphgen::detail

// RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR and TRANSPOSE_CONV on the NPU, bit-exact with
// TensorFlow Lite Micro's reference kernels. IFM_UPSCALE doubles the IFM in height and width
// (docs/npu_architecture.md, IFM_UPSCALE): NEAREST repeats each element, TRANSPOSE puts each
// element at the even position and zeros (the zero point) between them.
//
// RESIZE_NEAREST_NEIGHBOR copies stored values: output (y, x) = input (m(y), n(x)), with m the
// reference's float mapping (scale in/out or (in-1)/(out-1), offset 0.5 with half_pixel_centers,
// floor or round, clamped). Each axis's mapping is evaluated for every output position here; the
// lowering is used when it is the identity (one byte copy) or o -> floor(o / s) for a factor s of
// 2, 4 or 8 on both axes: log2(s) byte copies (1x1 max pools) each reading its IFM upscaled x2
// by NEAREST. half_pixel_centers gives floor((o + 0.5) / s) = floor(o / s) there. align_corners
// with OFM - 1 = s (IFM - 1) rounds o / s to the nearest (ties up): floor((o + s / 2) / s), the
// element s / 2 further along the upscaled map; the last operation is then a depthwise
// convolution of (s / 2 + 1)^2 taps, all 0 but the last 1, with unit scale and zero points 0:
// a copy of the stored value at that offset (also checked per position).
//
// RESIZE_BILINEAR (8- and 16-bit) interpolates stored values: position p(o) = o * scale_10 (in
// 1/1024), lower index p / 1024, upper index min(lower + 1, in - 1), the four products summed in
// 2^-20 units and divided with rounding half away from zero. When p(o) = o * 1024 / s for every
// output position of both axes (s = 2, 4, 8: OFM = s IFM, or with align_corners OFM - 1 =
// s (IFM - 1); checked by evaluating the reference's positions), output o = s k + j is
// ((s - j) in[k] + j in[k + 1]) / s per axis: the mean of s consecutive elements of the input
// repeated s times. So: log2(s) - 1 NEAREST byte copies, then an s x s average pool (stride 1)
// reading the last copy upscaled by NEAREST. Past the last input row the reference clamps the
// upper index (all weight on the last row); the pool's window there runs into bottom/right
// padding, which the average leaves out (docs/npu_architecture.md, pooling), so both are the
// same rational number. The pool averages raw stored values rounding ties away from zero, as
// the reference does, when the input and output quantisation are equal (codegen then writes zero
// points 0; required here).
// With half_pixel_centers and OFM = 2 IFM, p(o) = 512 o - 256 (checked likewise): per axis
// out[0] = in[0], out[2k] = (in[k-1] + 3 in[k]) / 4, out[2k+1] = (3 in[k] + in[k+1]) / 4,
// out[2 IFM - 1] = in[IFM - 1] (the reference clamps both indices into the input, which repeats
// the edge). Byte copies build P, the input with its edge rows and columns repeated once around
// it ((IFM + 2) per axis); NEAREST-upscaled, P reads v[j] = P[j / 2], and out[o] = (v[o + 1] +
// 2 v[o + 2] + v[o + 3]) / 4 per axis. So a depthwise convolution of P upscaled by NEAREST
// with the 4 x 4 kernel a a^T, a = (0, 1, 2, 1), gives 16 times the reference's value in both
// axes; its zero points written as 0 (a byte copy's) keep the stored values, and the scale
// (2^31, shift 35) divides by 16 with one rounding of ties away from zero (the doubling high
// multiply by 2^31 is exact: docs/npu_architecture.md, output scaling and rounding; an int16
// input gets an int32 zero bias, so that the TFL rounding, not the reduced-precision scaling's,
// applies).
//
// TRANSPOSE_CONV (int8, per-channel weights [O, KH, KW, I]) computes out[o] = sum over i, k with
// o = i s - pad + k of in[i] w[k] (pad: that of a SAME/VALID convolution from the OFM back to the
// IFM). With u the IFM upscaled by TRANSPOSE (u[2 i] = in[i], zeros between) for s = 2, or the
// IFM itself for s = 1, out[o] = sum_j w[K - 1 - j] u[o + j - (K - 1 - pad)]: a stride-1
// convolution with the weights flipped in height and width and leading padding K - 1 - pad. Its
// accumulation, bias, per-channel rescale and clamp are the convolution's, which the reference
// transpose convolution shares.
#include "frontend/lowering/resampling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <variant>

#include "core/error.hpp"
#include "frontend/lowering/lower_ops.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

constexpr int kOne10 = 1 << 10;  // the bilinear kernel's unit position

[[noreturn]] void cannot_lower(const ir::Operator& op, int index, std::string_view why) {
  throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index,
                          ir::operator_display_name(op), why));
}

bool valid_tensor(const ir::Subgraph& sg, int t) {
  return t >= 0 && static_cast<size_t>(t) < sg.tensors.size();
}

struct Modes {
  bool align = false;
  bool half = false;
};

std::optional<Modes> resize_modes(const ir::Operator& op) {
  if (const auto* o = tfl::builtin_options_as<tflite::ResizeNearestNeighborOptions>(op))
    return Modes{o->align_corners(), o->half_pixel_centers()};
  if (const auto* o = tfl::builtin_options_as<tflite::ResizeBilinearOptions>(op))
    return Modes{o->align_corners(), o->half_pixel_centers()};
  return std::nullopt;
}

// The reference's nearest-neighbour source index of output position v.
int nearest_source(int v, int in, int out, const Modes& m) {
  const float scale = m.align && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                         : static_cast<float>(in) / static_cast<float>(out);
  const float pos = (static_cast<float>(v) + (m.half ? 0.5f : 0.0f)) * scale;
  int r = std::min(m.align ? static_cast<int>(std::round(pos)) : static_cast<int>(std::floor(pos)),
                   in - 1);
  if (m.half)
    r = std::max(0, r);
  return r;
}

// The reference's bilinear position of output position v, in 1/1024 of an input step.
int64_t bilinear_position(int v, int in, int out, const Modes& m) {
  int64_t scale = (int64_t{kOne10} * in + out / 2) / out;
  if (m.align && out > 1)
    scale = (int64_t{kOne10} * (in - 1) + (out - 1) / 2) / (out - 1);
  return m.half ? v * scale + scale / 2 - kOne10 / 2 : v * scale;
}

// The shapes a resize reads and writes (batch 1, 4-D, equal depths), or why not.
struct ResizeShapes {
  int h = 0, w = 0, oh = 0, ow = 0;
};

std::variant<ResizeShapes, std::string> resize_shapes(const ir::Subgraph& sg,
                                                      const ir::Operator& op) {
  if (op.inputs.empty() || op.outputs.size() != 1 || !valid_tensor(sg, op.inputs[0]) ||
      !valid_tensor(sg, op.outputs[0]))
    return std::string("the resize needs an input and one output");
  const ir::Tensor& in = sg.tensors[static_cast<size_t>(op.inputs[0])];
  const ir::Tensor& out = sg.tensors[static_cast<size_t>(op.outputs[0])];
  if (in.type != out.type || (in.type != ir::DataType::kInt8 && in.type != ir::DataType::kInt16))
    return std::string("euc lowers resizes between int8 or int16 tensors of one type");
  if (in.shape.size() != 4 || out.shape.size() != 4 || in.shape[0] != 1 || out.shape[0] != 1 ||
      in.shape[3] != out.shape[3])
    return std::string("the input and output are not 4-D of batch 1 with equal depths");
  ResizeShapes s{in.shape[1], in.shape[2], out.shape[1], out.shape[2]};
  if (s.h <= 0 || s.w <= 0 || s.oh <= 0 || s.ow <= 0 || in.shape[3] <= 0)
    return std::string("an input or output dimension is not positive");
  return s;
}

// The factor s (1: identity) for which `fits(o, s)` holds on every output position of both
// axes, or 0.
template <class Fits>
int matching_factor(const ResizeShapes& s, Fits fits) {
  auto axis = [&](int out, int factor, bool height) {
    for (int o = 0; o < out; ++o) {
      if (!fits(o, factor, height))
        return false;
    }
    return true;
  };
  for (int factor : {1, 2, 4, 8}) {
    if (axis(s.oh, factor, true) && axis(s.ow, factor, false))
      return factor;
  }
  return 0;
}

int nearest_factor(const ResizeShapes& s, const Modes& m) {
  return matching_factor(s, [&](int o, int factor, bool height) {
    const int in = height ? s.h : s.w, out = height ? s.oh : s.ow;
    return out <= in * factor && nearest_source(o, in, out, m) == o / factor;
  });
}

// align_corners: the reference's source is floor((o + s / 2) / s) (rounded positions), within
// the upscaled map.
int nearest_rounded_factor(const ResizeShapes& s, const Modes& m) {
  return matching_factor(s, [&](int o, int factor, bool height) {
    const int in = height ? s.h : s.w, out = height ? s.oh : s.ow;
    return factor > 1 && out + factor / 2 <= in * factor &&
           nearest_source(o, in, out, m) == (o + factor / 2) / factor;
  });
}

int bilinear_factor(const ResizeShapes& s, const Modes& m) {
  return matching_factor(s, [&](int o, int factor, bool height) {
    const int in = height ? s.h : s.w, out = height ? s.oh : s.ow;
    // (A one-element axis reads its element at every position.)
    return out <= in * factor && out > (in - 1) * factor &&
           (in == 1 || bilinear_position(o, in, out, m) == int64_t{o} * (kOne10 / factor));
  });
}

// half_pixel_centers, OFM = 2 IFM in both axes, and the reference's positions 512 o - 256.
bool half_pixel_doubling(const ResizeShapes& s, const Modes& m) {
  if (!m.half || m.align || s.oh != 2 * s.h || s.ow != 2 * s.w)
    return false;
  auto axis = [&](int in, int out) {
    for (int o = 0; o < out; ++o) {
      if (bilinear_position(o, in, out, m) != int64_t{512} * o - 256)
        return false;
    }
    return true;
  };
  return axis(s.h, s.oh) && axis(s.w, s.ow);
}

bool same_quantisation(const ir::Tensor& a, const ir::Tensor& b) {
  auto scale = [](const ir::Tensor& t) {
    return t.quantization && t.quantization->scale.size() == 1 ? t.quantization->scale[0] : 0.0f;
  };
  auto zero_point = [](const ir::Tensor& t) -> int64_t {
    return t.quantization && !t.quantization->zero_point.empty() ? t.quantization->zero_point[0]
                                                                 : 0;
  };
  return scale(a) > 0 && scale(a) == scale(b) && zero_point(a) == zero_point(b) &&
         (!b.quantization || b.quantization->zero_point.size() <= 1);
}

// Builds the operations of a resize by factor s: byte copies upscaling x2 until one doubling
// is left, then `last` (a byte copy or an average pool) upscaling the rest.
class ResizeLowering {
 public:
  ResizeLowering(SegmentBuilder& b, const ir::Operator& op, int index)
      : b_(b), op_(op), index_(index) {}

  enum class Last { kCopy, kAverage, kShiftedCopy };

  void lower(int factor, Last kind) {
    const ir::TensorSlice in = b_.whole(op_.inputs.at(0));
    const ir::TensorSlice out = b_.whole(op_.outputs.at(0));
    const std::string name = b_.network_tensor(op_.outputs.at(0)).name;
    if (factor == 1) {
      ir::NpuOp copy = b_.byte_copy(in, out, name);
      copy.source_ops = {index_};
      b_.add(std::move(copy));
      return;
    }
    ir::TensorSlice src = in;
    int done = 1;
    while (done * 2 < factor) {
      ir::NpuTensor t = b_.lowered(in.tensor);
      t.name = fmt::format("{}_upscaled{}", name, done * 2);
      t.shape = {1, in.shape.h * done * 2, in.shape.w * done * 2, in.shape.c};
      t.network_tensor = -1;
      t.alias_of = -1;
      t.data = nullptr;
      const ir::Shape4 shape = t.shape;
      const ir::TensorSlice next{b_.add_feature_map(std::move(t)), {0, 0, 0, 0}, shape};
      ir::NpuOp copy;
      copy.type = ir::NpuOpType::kMaxPool;
      copy.ifm = src;
      copy.ofm = next;
      copy.upscale = ir::Upscale::kNearest;
      copy.byte_copy = true;
      copy.name = b_.lowered(next.tensor).name;
      copy.source_ops = {index_};
      b_.add(std::move(copy));
      src = next;
      done *= 2;
    }
    ir::NpuOp last;
    last.ifm = src;
    last.ofm = out;
    last.upscale = ir::Upscale::kNearest;
    last.name = name;
    last.source_ops = {index_};
    if (kind == Last::kShiftedCopy) {
      // The element factor / 2 further along in both axes: one tap of weight 1.
      const int taps = factor / 2 + 1, c = in.shape.c;
      std::vector<int8_t> w(static_cast<size_t>(taps * taps), 0);
      w.back() = 1;
      last.type = ir::NpuOpType::kDepthwiseConv2D;
      last.kernel.height = taps;
      last.kernel.width = taps;
      last.weights = depthwise_weights(name + "_offset_weights", taps, c, w);
      last.explicit_scale = std::pair<uint32_t, int>{1, 0};
      last.rounding = ir::RoundingMode::kTfl;
      last.byte_copy = true;  // zero points written as 0: stored values move unchanged
      keep_tfl_rounding(last, name, c);
    } else if (kind == Last::kAverage) {
      // The window of s upscaled elements; positions past the upscaled IFM are padding, left
      // out of the average.
      last.type = ir::NpuOpType::kAvgPool;
      last.kernel.height = factor;
      last.kernel.width = factor;
      last.padding.bottom = std::max(0, out.shape.h + factor - 1 - src.shape.h * 2);
      last.padding.right = std::max(0, out.shape.w + factor - 1 - src.shape.w * 2);
    } else {
      last.type = ir::NpuOpType::kMaxPool;
      last.byte_copy = true;
    }
    b_.add(std::move(last));
  }

  // half_pixel_centers, OFM = 2 IFM: the edge-repeated input P, then the 4 x 4 depthwise
  // convolution of P upscaled by NEAREST (see the file's header).
  void lower_half_pixel_doubling() {
    const ir::TensorSlice in = b_.whole(op_.inputs.at(0));
    const ir::TensorSlice out = b_.whole(op_.outputs.at(0));
    const std::string name = b_.network_tensor(op_.outputs.at(0)).name;
    const int h = in.shape.h, w = in.shape.w, c = in.shape.c;
    ir::NpuTensor p = b_.lowered(in.tensor);
    p.name = name + "_edges";
    p.shape = {1, h + 2, w + 2, c};
    p.network_tensor = -1;
    p.alias_of = -1;
    p.data = nullptr;
    const int edges = b_.add_feature_map(std::move(p));
    auto from = [&](int y, int x, int rows, int cols) {
      return ir::TensorSlice{in.tensor, in.offset + ir::Shape4{0, y, x, 0}, {1, rows, cols, c}};
    };
    auto to = [&](int y, int x, int rows, int cols) {
      return ir::TensorSlice{edges, {0, y, x, 0}, {1, rows, cols, c}};
    };
    auto copy = [&](const ir::TensorSlice& a, const ir::TensorSlice& z) {
      ir::NpuOp op = b_.byte_copy(a, z, b_.lowered(edges).name);
      op.source_ops = {index_};
      b_.add(std::move(op));
    };
    copy(from(0, 0, h, w), to(1, 1, h, w));          // the input
    copy(from(0, 0, 1, w), to(0, 1, 1, w));          // top row
    copy(from(h - 1, 0, 1, w), to(h + 1, 1, 1, w));  // bottom row
    copy(from(0, 0, h, 1), to(1, 0, h, 1));          // left column
    copy(from(0, w - 1, h, 1), to(1, w + 1, h, 1));  // right column
    copy(from(0, 0, 1, 1), to(0, 0, 1, 1));          // corners
    copy(from(0, w - 1, 1, 1), to(0, w + 1, 1, 1));
    copy(from(h - 1, 0, 1, 1), to(h + 1, 0, 1, 1));
    copy(from(h - 1, w - 1, 1, 1), to(h + 1, w + 1, 1, 1));

    constexpr int kTaps = 4;
    constexpr int8_t kAxis[kTaps] = {0, 1, 2, 1};
    std::vector<int8_t> taps;
    for (int y = 0; y < kTaps; ++y) {
      for (int x = 0; x < kTaps; ++x)
        taps.push_back(static_cast<int8_t>(kAxis[y] * kAxis[x]));
    }
    ir::NpuOp conv;
    conv.type = ir::NpuOpType::kDepthwiseConv2D;
    conv.ifm = {edges, {0, 0, 0, 0}, {1, h + 2, w + 2, c}};
    conv.ofm = out;
    conv.upscale = ir::Upscale::kNearest;
    conv.kernel.height = kTaps;
    conv.kernel.width = kTaps;
    conv.weights = depthwise_weights(name + "_half_pixel_weights", kTaps, c, taps);
    // value * 2^31 / 2^35: exact at bit 31, then one rounding of ties away from zero.
    conv.explicit_scale = std::pair<uint32_t, int>{uint32_t{1} << 31, 35};
    conv.rounding = ir::RoundingMode::kTfl;
    conv.byte_copy = true;  // zero points written as 0: the stored values are interpolated
    keep_tfl_rounding(conv, name, c);
    conv.name = name;
    conv.source_ops = {index_};
    b_.add(std::move(conv));
  }

 private:
  // Depthwise weights [1, taps, taps, c] (int8, unit scale, zero point 0): `per_tap` (row-major
  // taps) for every channel.
  int depthwise_weights(const std::string& name, int taps, int c,
                        const std::vector<int8_t>& per_tap) {
    ir::NpuTensor weights;
    weights.name = name;
    weights.type = ir::DataType::kInt8;
    auto data = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(taps * taps) * c);
    for (size_t t = 0; t < per_tap.size(); ++t) {
      for (int k = 0; k < c; ++k)
        (*data)[t * static_cast<size_t>(c) + static_cast<size_t>(k)] =
            static_cast<uint8_t>(per_tap[t]);
    }
    weights.data = std::move(data);
    weights.weight_shape = {1, taps, taps, c};
    weights.channel_scales = {1.0};
    weights.channel_zero_points = {0};
    return b_.add_constant(std::move(weights));
  }

  // An int16 convolution without an int32 bias takes the reduced-precision scaling, which
  // rounds ties towards +infinity: an int32 bias of zeros keeps the TFL rounding.
  void keep_tfl_rounding(ir::NpuOp& conv, const std::string& name, int c) {
    if (b_.lowered(conv.ifm.tensor).type != ir::DataType::kInt16)
      return;
    ir::NpuTensor bias;
    bias.name = name + "_zero_bias";
    bias.type = ir::DataType::kInt32;
    bias.shape = {1, 1, 1, c};
    bias.data = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(c) * 4, 0);
    conv.bias = b_.add_constant(std::move(bias));
  }

  SegmentBuilder& b_;
  const ir::Operator& op_;
  int index_;
};

// TRANSPOSE_CONV geometry along one axis.
struct TconvAxis {
  int lead = 0;   // leading padding of the stride-1 convolution
  int trail = 0;  // trailing padding it reads
};

// The reference's padding of a transpose convolution along one axis: that of a convolution
// from `out` back to `in` (SAME: total / 2; VALID: 0).
int tconv_reference_padding(bool same, int out, int kernel, int stride) {
  if (!same)
    return 0;
  const int computed = (out + stride - 1) / stride;
  const int total = std::max((computed - 1) * stride + kernel - out, 0);
  return total / 2;
}

std::optional<TconvAxis> tconv_axis(bool same, int in, int out, int kernel, int stride,
                                    bool upscaled) {
  const int pad = tconv_reference_padding(same, out, kernel, stride);
  TconvAxis a;
  a.lead = kernel - 1 - pad;
  if (a.lead < 0)
    return std::nullopt;
  const int extent = upscaled ? 2 * in : in;
  a.trail = std::max(0, out - 1 + kernel - a.lead - extent);
  return a;
}

struct TconvGeometry {
  int stride_x = 1, stride_y = 1, kh = 1, kw = 1;
  bool upscaled = false;
  TconvAxis y, x;
};

std::variant<TconvGeometry, std::string> tconv_geometry(const ir::Model& model,
                                                        const ir::Subgraph& sg,
                                                        const ir::Operator& op) {
  if (op.inputs.size() < 3 || op.inputs.size() > 4 || op.outputs.size() != 1 ||
      !valid_tensor(sg, op.inputs[1]) || !valid_tensor(sg, op.inputs[2]) ||
      !valid_tensor(sg, op.outputs[0]))
    return std::string("TRANSPOSE_CONV needs an output shape, weights, an input and one output");
  const ir::Tensor& w = sg.tensors[static_cast<size_t>(op.inputs[1])];
  const ir::Tensor& in = sg.tensors[static_cast<size_t>(op.inputs[2])];
  const ir::Tensor& out = sg.tensors[static_cast<size_t>(op.outputs[0])];
  if (in.type != ir::DataType::kInt8 || out.type != ir::DataType::kInt8 ||
      w.type != ir::DataType::kInt8)
    return std::string(
        "euc lowers TRANSPOSE_CONV with int8 input, weights and output only (int16x8 is not "
        "lowered yet)");
  if (model.tensor_data(w).empty())
    return fmt::format("the weights '{}' are not constant data", w.name);
  if (op.inputs.size() == 4 && op.inputs[3] >= 0) {
    if (!valid_tensor(sg, op.inputs[3]))
      return std::string("the bias index is out of range");
    const ir::Tensor& bias = sg.tensors[static_cast<size_t>(op.inputs[3])];
    if (model.tensor_data(bias).empty())
      return fmt::format(
          "the bias '{}' is not constant data (the NPU reads it from its scale records)",
          bias.name);
    if (bias.type != ir::DataType::kInt32)
      return fmt::format("the bias '{}' is not int32", bias.name);
  }
  if (in.shape.size() != 4 || out.shape.size() != 4 || w.shape.size() != 4 || in.shape[0] != 1 ||
      out.shape[0] != 1)
    return std::string("the input, output and weights are not 4-D of batch 1");
  if (w.shape[0] != out.shape[3] || w.shape[3] != in.shape[3])
    return std::string("the weights are not [output depth, H, W, input depth]");
  const auto* o = tfl::builtin_options_as<tflite::TransposeConvOptions>(op);
  if (o == nullptr)
    return std::string("the operator has no TransposeConvOptions");
  const auto f = o->fused_activation_function();
  if (f < tflite::ActivationFunctionType::MIN || f > tflite::ActivationFunctionType::MAX)
    return fmt::format("unknown fused activation {}", static_cast<int>(f));
  TconvGeometry g;
  g.stride_x = o->stride_w();
  g.stride_y = o->stride_h();
  g.kh = w.shape[1];
  g.kw = w.shape[2];
  const int h = in.shape[1], wd = in.shape[2], oh = out.shape[1], ow = out.shape[2];
  if (h <= 0 || wd <= 0 || oh <= 0 || ow <= 0 || g.kh <= 0 || g.kw <= 0)
    return std::string("a dimension is not positive");
  // Stride 2 along width alone works when one row is read: the upscaled IFM's row 0 is the
  // input's.
  const bool both2 = g.stride_x == 2 && g.stride_y == 2;
  const bool both1 = g.stride_x == 1 && g.stride_y == 1;
  const bool row2 = g.stride_x == 2 && g.stride_y == 1 && h == 1 && g.kh == 1 && oh == 1;
  if (!both2 && !both1 && !row2)
    return fmt::format("strides {}x{} (WxH): euc lowers 1x1, 2x2, and 2x1 on one row", g.stride_x,
                       g.stride_y);
  g.upscaled = !both1;
  const bool same = o->padding() == tflite::Padding::SAME;
  auto y = tconv_axis(same, h, oh, g.kh, row2 ? 2 : g.stride_y, g.upscaled);
  auto x = tconv_axis(same, wd, ow, g.kw, g.stride_x, g.upscaled);
  if (!y || !x)
    return std::string("the padding is wider than the kernel");
  g.y = *y;
  g.x = *x;
  return g;
}

}  // namespace

std::optional<std::string> resize_nearest_why_not(const ir::Model& model, int subgraph,
                                                  int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  const auto shapes = resize_shapes(sg, op);
  if (const auto* why = std::get_if<std::string>(&shapes))
    return *why;
  const auto modes = resize_modes(op);
  if (!modes)
    return "the operator has no ResizeNearestNeighborOptions";
  if (nearest_factor(std::get<ResizeShapes>(shapes), *modes) == 0 &&
      nearest_rounded_factor(std::get<ResizeShapes>(shapes), *modes) == 0)
    return "the reference's source positions are not the identity, floor(o / s) or "
           "floor((o + s / 2) / s) for a factor s of 2, 4 or 8 on both axes (what NEAREST "
           "upscaling repeats)";
  return std::nullopt;
}

std::optional<std::string> resize_bilinear_why_not(const ir::Model& model, int subgraph,
                                                   int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& op = sg.operators.at(op_index);
  const auto shapes = resize_shapes(sg, op);
  if (const auto* why = std::get_if<std::string>(&shapes))
    return *why;
  const auto modes = resize_modes(op);
  if (!modes)
    return "the operator has no ResizeBilinearOptions";
  if (!same_quantisation(sg.tensors[static_cast<size_t>(op.inputs[0])],
                         sg.tensors[static_cast<size_t>(op.outputs[0])]))
    return "the input and output quantisation differ (the reference interpolates stored values; "
           "the NPU's average keeps them only for equal quantisation)";
  const ResizeShapes& s = std::get<ResizeShapes>(shapes);
  if (bilinear_factor(s, *modes) == 0 && !half_pixel_doubling(s, *modes))
    return "the reference's positions are not o * 1024 / s for a factor s of 1, 2, 4 or 8 on both "
           "axes, nor 512 o - 256 (half_pixel_centers, twice the IFM's height and width)";
  return std::nullopt;
}

std::optional<std::string> transpose_conv_why_not(const ir::Model& model, int subgraph,
                                                  int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const auto g = tconv_geometry(model, sg, sg.operators.at(op_index));
  if (const auto* why = std::get_if<std::string>(&g))
    return *why;
  return std::nullopt;
}

void lower_resize_nearest(SegmentBuilder& b, const ir::Operator& op, int index) {
  const auto shapes = resize_shapes(b.subgraph(), op);
  const auto modes = resize_modes(op);
  if (const auto* why = std::get_if<std::string>(&shapes))
    cannot_lower(op, index, *why);
  const int factor = modes ? nearest_factor(std::get<ResizeShapes>(shapes), *modes) : 0;
  if (factor != 0) {
    ResizeLowering(b, op, index).lower(factor, ResizeLowering::Last::kCopy);
    return;
  }
  const int rounded = modes ? nearest_rounded_factor(std::get<ResizeShapes>(shapes), *modes) : 0;
  if (rounded == 0)
    cannot_lower(op, index, "the resize is not a nearest upscale by 1, 2, 4 or 8");
  ResizeLowering(b, op, index).lower(rounded, ResizeLowering::Last::kShiftedCopy);
}

void lower_resize_bilinear(SegmentBuilder& b, const ir::Operator& op, int index) {
  const auto shapes = resize_shapes(b.subgraph(), op);
  const auto modes = resize_modes(op);
  if (const auto* why = std::get_if<std::string>(&shapes))
    cannot_lower(op, index, *why);
  const int factor = modes ? bilinear_factor(std::get<ResizeShapes>(shapes), *modes) : 0;
  if (factor == 0 && !(modes && half_pixel_doubling(std::get<ResizeShapes>(shapes), *modes)))
    cannot_lower(op, index, "the resize is not a bilinear upscale the NPU computes exactly");
  if (!same_quantisation(b.network_tensor(op.inputs.at(0)), b.network_tensor(op.outputs.at(0))))
    cannot_lower(op, index, "the input and output quantisation differ");
  if (factor == 0 && modes && half_pixel_doubling(std::get<ResizeShapes>(shapes), *modes)) {
    ResizeLowering(b, op, index).lower_half_pixel_doubling();
    return;
  }
  ResizeLowering(b, op, index).lower(factor, ResizeLowering::Last::kAverage);
}

void lower_transpose_conv(SegmentBuilder& b, const ir::Operator& op, int index) {
  const auto geometry = tconv_geometry(b.model(), b.subgraph(), op);
  if (const auto* why = std::get_if<std::string>(&geometry))
    cannot_lower(op, index, *why);
  const TconvGeometry& g = std::get<TconvGeometry>(geometry);
  ir::NpuOp out;
  out.type = ir::NpuOpType::kConv2D;
  out.ifm = b.whole(op.inputs.at(2));
  out.ofm = b.whole(op.outputs.at(0));
  out.source_ops = {index};
  out.name = b.network_tensor(op.outputs.at(0)).name;
  out.upscale = g.upscaled ? ir::Upscale::kTranspose : ir::Upscale::kNone;
  out.kernel.height = g.kh;
  out.kernel.width = g.kw;
  out.padding = {g.y.lead, g.x.lead, g.y.trail, g.x.trail};
  // The weights flipped in height and width (a copy: add_constant grows the tensor list).
  const ir::NpuTensor w = b.lowered(b.tensor(op.inputs.at(1)));
  if (w.weight_shape.size() != 4 || !w.data)
    cannot_lower(op, index, "the weights are not 4-D constant data");
  const int o = w.weight_shape[0], kh = w.weight_shape[1], kw = w.weight_shape[2],
            i = w.weight_shape[3];
  const size_t count = static_cast<size_t>(o) * kh * kw * i;
  if (w.data->size() != count)
    cannot_lower(op, index, "the weights' size does not match their shape");
  auto data = std::make_shared<std::vector<uint8_t>>(count);
  for (int a = 0; a < o; ++a) {
    for (int y = 0; y < kh; ++y) {
      for (int x = 0; x < kw; ++x) {
        const size_t from = ((static_cast<size_t>(a) * kh + y) * kw + x) * i;
        const size_t to = ((static_cast<size_t>(a) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)) * i;
        std::copy_n(w.data->begin() + static_cast<std::ptrdiff_t>(from), i,
                    data->begin() + static_cast<std::ptrdiff_t>(to));
      }
    }
  }
  ir::NpuTensor flipped = w;
  flipped.data = std::move(data);
  flipped.network_tensor = -1;
  flipped.name = w.name + "_flipped";
  out.weights = b.add_constant(std::move(flipped));
  if (op.inputs.size() > 3 && op.inputs[3] >= 0)
    out.bias = b.tensor(op.inputs[3]);
  const auto* options = tfl::builtin_options_as<tflite::TransposeConvOptions>(op);
  auto act = fused_activation_clamp(static_cast<int>(options->fused_activation_function()),
                                    b.lowered(out.ofm.tensor));
  if (!act)
    cannot_lower(op, index, "unknown fused activation");
  out.activation = *act;
  b.add(std::move(out));
}

}  // namespace euc::frontend

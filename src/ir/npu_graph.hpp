#pragma once
// The lowered graph: what one NPU segment of a network computes, as a list of NPU primitive
// operations on whole tensors. It is the "algorithm" of the Halide split in STYLE.md: the
// frontend builds it from the network IR; the scheduler decides how and where it runs (a Plan
// beside it); codegen combines both. Like the network IR it is plain data, immutable once built.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "ir/geometry.hpp"
#include "ir/types.hpp"

namespace euc::ir {

// NHWC shape of a feature map; lower-rank tensors are padded with leading ones.
struct Shape4 {
  int n = 1;
  int h = 1;
  int w = 1;
  int c = 1;
  int64_t elements() const { return int64_t{n} * h * w * c; }
  friend bool operator==(const Shape4&, const Shape4&) = default;
};

struct QuantParams {
  double scale = 1.0;
  int32_t zero_point = 0;
  friend bool operator==(const QuantParams&, const QuantParams&) = default;
};

// A tensor of the lowered graph: a feature map (activations) or constant data.
struct NpuTensor {
  std::string name;
  DataType type = DataType::kInt8;
  Shape4 shape;
  QuantParams quant;
  // Constant tensors only: the bytes and, for weights, per-output-channel scales and zero points
  // (one entry each for per-tensor quantisation).
  std::shared_ptr<const std::vector<uint8_t>> data;
  std::vector<double> channel_scales;
  std::vector<int64_t> channel_zero_points;
  std::vector<int32_t> weight_shape;  // the original OHWI / [O, I] shape of a weight tensor
  // The network tensor this stands for (subgraph tensor index), or -1 for internal tensors.
  int network_tensor = -1;
  // Storage shared with another tensor of the graph (a reshape: same bytes, another shape).
  // Aliased tensors are laid out linearly (NHWC) in memory.
  int alias_of = -1;

  bool is_constant() const { return data != nullptr; }
};

// Element strides of a strided view (see TensorSlice): where the view starts and how far apart,
// in elements of the tensor's linear NHWC storage, its rows and columns lie. Channels stay
// contiguous (the NPU's NHWC channel stride is implicit); a view that needs another channel
// spacing has depth 1 and makes that axis its rows or columns. Strides may be negative (a
// reversed axis) or any size (a transposed or subsampled one).
struct ElementStrides {
  int64_t origin = 0;
  int64_t h = 0;
  int64_t w = 0;
  friend bool operator==(const ElementStrides&, const ElementStrides&) = default;
};

// The part of a tensor an operation reads or writes: concatenation writes into a slice of its
// output; split and slice read a slice of their input. Offset and shape are in NHWC elements.
// A box view (no strides) is the box `shape` at `offset` of the tensor's own shape. A strided
// view (strides set; batch 1, offset.n 0) is a lattice: its element (y, x, c) lies at linear
// element origin + (offset.h + y) * h + (offset.w + x) * w + offset.c + c, so stripes and depth
// slices move it by adding to offset as they do for boxes. Only codegen's NHWC addressing reads
// strided views; the scheduler keeps them NHWC, out of cascades and rolling buffers.
struct TensorSlice {
  int tensor = -1;
  Shape4 offset{0, 0, 0, 0};
  Shape4 shape;
  std::optional<ElementStrides> strides = std::nullopt;
  bool valid() const { return tensor >= 0; }
  bool strided() const { return strides.has_value(); }
};

// The first and last linear elements a strided view touches (its footprint in storage).
inline std::pair<int64_t, int64_t> strided_footprint(const TensorSlice& s) {
  const ElementStrides& e = *s.strides;
  int64_t first = e.origin + int64_t{s.offset.h} * e.h + int64_t{s.offset.w} * e.w + s.offset.c;
  int64_t last = first + (s.shape.c - 1);
  for (auto [extent, step] : {std::pair<int64_t, int64_t>{s.shape.h, e.h}, {s.shape.w, e.w}}) {
    const int64_t span = (extent - 1) * step;
    (span < 0 ? first : last) += span;
  }
  return {first, last};
}

// The kinds of NPU operation; what each is to the hardware (its command, mode, scaling, block
// kind, names) is one entry of arch/operation_kinds.
enum class NpuOpType {
  kConv2D,
  kDepthwiseConv2D,
  kFullyConnected,
  kMaxPool,
  kAvgPool,
  kReduceSum,
  kAdd,
  kSub,
  kMul,
  kMinimum,
  kMaximum,
  kAbs,
  kLeakyRelu,
  kShl,
  kShr,
  kClz,
  kMemcpy,  // a DMA copy of a whole tensor (reshapes whose input is also needed elsewhere)
  // (kMemcpy stays last: the kinds table is indexed up to it.)
};

enum class Upscale { kNone, kNearest, kTranspose };

// The output stage's activation, in OFM quantised values.
struct Activation {
  enum class Kind { kNone, kClamp, kTanh, kSigmoid, kLut };
  Kind kind = Kind::kNone;
  int32_t min = 0;  // clamp range (kClamp; also applied after a LUT)
  int32_t max = 0;
  int lut = -1;  // index into NpuGraph::luts for kLut
};

enum class RoundingMode { kTfl, kTruncate, kNatural };

struct NpuOp {
  NpuOpType type = NpuOpType::kConv2D;
  TensorSlice ifm;
  TensorSlice ifm2;                    // binary elementwise: second operand (tensor)
  std::optional<int32_t> ifm2_scalar;  // binary elementwise: second operand (quantised scalar)
  TensorSlice ofm;
  Kernel kernel;
  Padding padding;
  Upscale upscale = Upscale::kNone;
  int weights = -1;  // constant tensor: conv/depthwise OHWI, FC [O, I]
  int bias = -1;     // constant int32/int64 tensor, or -1
  Activation activation;
  RoundingMode rounding = RoundingMode::kTfl;
  double leaky_alpha = 0.0;  // kLeakyRelu
  // Convolutions whose rescale is not ifm_scale * weight_scale / ofm_scale (MEAN): one scale
  // record (multiplier, shift) for every channel, bias 0.
  std::optional<std::pair<uint32_t, int>> explicit_scale;
  bool reversed_operands = false;
  // A max pool that only moves values: zero points are not applied, so the bytes arrive as they
  // were, whatever the two tensors' quantisation (TFLite's joins, splits and copies).
  bool byte_copy = false;
  // Network operators (subgraph operator indices) this operation implements, for reports.
  std::vector<int> source_ops;
  std::string name;  // the OFM name, for reports
};

// A table the output stage looks values up in (ACTIVATION = LUT), after scaling and before the
// clamp. `type` is the OFM type of the operations using it; `values` are its entries as the
// hardware holds them: 8-bit OFM: 256 outputs for the pre-table values -128..127 (int8) or
// 0..255 (uint8); 32-bit OFM: 256 words indexed the same way; 16-bit OFM: 512 words, each
// (slope << 16) | (base & 0xFFFF), interpolated over the 7 low bits of the pre-table value.
struct Lut {
  DataType type = DataType::kInt8;
  std::vector<int32_t> values;
  friend bool operator==(const Lut&, const Lut&) = default;
};

// One NPU segment: consecutive NPU operations with their tensors. Inputs and outputs are the
// segment's boundary tensors (what the ethos-u custom operator takes and produces).
struct NpuGraph {
  std::vector<NpuTensor> tensors;
  std::vector<NpuOp> ops;  // in execution order
  std::vector<Lut> luts;
  std::vector<int> inputs;
  std::vector<int> outputs;

  // The tensor whose storage `tensor` shares: itself, or the end of its chain of aliases. A
  // cycle of aliases (which no lowering writes) is an internal error.
  int storage_root(int tensor) const {
    for (size_t steps = 0; steps <= tensors.size(); ++steps) {
      const int next = tensors.at(static_cast<size_t>(tensor)).alias_of;
      if (next < 0)
        return tensor;
      tensor = next;
    }
    throw Error(ErrorKind::kInternal, "a cycle of tensor aliases");
  }
};

}  // namespace euc::ir

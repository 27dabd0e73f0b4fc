#pragma once
// A random graph as a recipe: graph inputs and a list of steps, each one TFLite operator with
// the parameters it was drawn with. The builder turns a recipe into an ir::Model, computing
// shapes, quantisation and constant data from the operands (so a recipe stays buildable when
// the minimiser removes steps or shrinks shapes: parameters are intents, clamped to the shapes
// they meet). The generator draws recipes; the minimiser edits them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/types.hpp"

namespace euc::graphgen {

enum class Op : uint8_t {
  // Operators euc places on the NPU (when their constraints hold).
  kConv,
  kDepthwise,
  kFullyConnected,
  kAvgPool,
  kMaxPool,
  kAdd,
  kSub,
  kMul,
  kMinimum,
  kMaximum,
  kConcat,
  kSplit,
  kSplitV,
  kSlice,
  kStridedSlice,
  kPad,
  kMean,
  kReshape,
  kQuantize,
  kBatchMatMul,
  kSvdf,
  // Operators euc leaves on the CPU: they cut the NPU part into several ethos-u operators.
  kTranspose,
  kResizeNearest,
  kLogistic,
  kTanh,
  kLeakyRelu,
  kRelu,
  kSoftmax,
  // Resampling (euc places RESIZE_NEAREST_NEIGHBOR too, where its positions are exact).
  kResizeBilinear,
  kTransposeConv,
  // Recurrent (int8 and 16x8 UNIDIRECTIONAL_SEQUENCE_LSTM: variable state tensors).
  kLstm,
};
inline constexpr int kOpCount = static_cast<int>(Op::kLstm) + 1;
const char* op_name(Op op);
// The operator of that TFLite name, if the generator draws it.
std::optional<Op> op_from_name(std::string_view name);

enum class Act : uint8_t { kNone, kRelu, kRelu6, kReluN1To1 };
const char* act_name(Act act);

// A value: output `output` of step `step`, or graph input -1 - step when step < 0.
struct ValueRef {
  int step = -1;
  int output = 0;
  static ValueRef input(int k) { return {-1 - k, 0}; }
  bool is_input() const { return step < 0; }
  int input_index() const { return -1 - step; }
  friend bool operator==(const ValueRef&, const ValueRef&) = default;
  friend auto operator<=>(const ValueRef&, const ValueRef&) = default;
};

struct InputSpec {
  std::vector<int32_t> shape;
  ir::DataType type = ir::DataType::kInt8;
  float scale = 0.05f;
  int64_t zero_point = 0;
};

// Bits of Step::flags, by operator.
namespace flag {
inline constexpr uint32_t kKeepDims = 1;     // MEAN
inline constexpr uint32_t kKeepNumDims = 1;  // FULLY_CONNECTED
inline constexpr uint32_t kFlatten = 2;      // FULLY_CONNECTED: input depth = every element
inline constexpr uint32_t kNegativeAxes =
    4;                                      // MEAN, SPLIT, CONCATENATION: axes counted from the end
inline constexpr uint32_t kShapeInput = 8;  // RESHAPE: the new shape also as a second input
inline constexpr uint32_t kOwnConstQuant =
    16;  // MINIMUM/MAXIMUM constant with its own quantisation
inline constexpr uint32_t kNegativeIndex = 32;  // STRIDED_SLICE: begin/end counted from the end
inline constexpr uint32_t kScalarAxis = 64;     // SPLIT/SPLIT_V: axis as a 0-D tensor
inline constexpr uint32_t kPerChannel = 128;    // FULLY_CONNECTED: a weight scale per unit
// BATCH_MATMUL: adj_x, adj_y, a constant right-hand side (channels: its columns), and that
// constant without batch dimensions (broadcast over the left-hand batches).
inline constexpr uint32_t kAdjX = 1;
inline constexpr uint32_t kAdjY = 2;
inline constexpr uint32_t kConstRhs = 4;
inline constexpr uint32_t kBroadcastRhs = 8;
inline constexpr uint32_t kInt16State = 1;    // SVDF: int16 time weights and state
inline constexpr uint32_t kAlignCorners = 1;  // RESIZE_*: OFM - 1 = factor (IFM - 1)
inline constexpr uint32_t kHalfPixel = 2;     // RESIZE_*: half_pixel_centers
// UNIDIRECTIONAL_SEQUENCE_LSTM: the 3-D operand is [T, B, I] (else [B, T, I]); a cell clip of
// `alpha`. Step::channels is the number of units, ints[0] the cell state's scale exponent.
inline constexpr uint32_t kTimeMajor = 1;
inline constexpr uint32_t kCellClip = 2;
// STRIDED_SLICE masks: begin_mask in bits 8-11, end_mask 12-15, shrink_axis_mask 16-19.
inline constexpr int kBeginMaskShift = 8;
inline constexpr int kEndMaskShift = 12;
inline constexpr int kShrinkMaskShift = 16;
}  // namespace flag

struct Step {
  Op op = Op::kConv;
  std::vector<ValueRef> src;  // feature-map operands, in operator input order
  // Window operators: kernel, strides, dilations, SAME (true) or VALID padding.
  int kh = 1, kw = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  bool same = true;
  Act act = Act::kNone;
  // CONV/FULLY_CONNECTED output channels, DEPTHWISE depth multiplier, SPLIT piece count,
  // RESIZE factor (1, 2, 4 or 8), SVDF units (kh: its rank, kw: its memory).
  int channels = 1;
  int axis = 0;  // CONCATENATION, SPLIT, SPLIT_V
  // SPLIT_V sizes; SLICE begin then size; STRIDED_SLICE begin, end, strides; PAD before/after
  // per axis; RESHAPE new shape; TRANSPOSE permutation.
  std::vector<int32_t> ints;
  uint32_t flags = 0;
  // Elementwise: the second operand is a constant when const_mask >= 0 (bit d set: axis d of
  // the first operand's shape kept, else 1), of rank const_rank (leading axes dropped).
  int const_mask = -1;
  int const_rank = 4;
  bool swap_operands = false;  // elementwise: the second operand goes first
  bool has_bias = true;
  std::optional<ValueRef> quant_of;             // the output takes this value's quantisation
  ir::DataType out_type = ir::DataType::kInt8;  // QUANTIZE
  float range = 3.0f;   // the output's quantisation covers mean +- range * std
  float offset = 0.0f;  // ... shifted by offset * std
  float alpha = 0.2f;   // LEAKY_RELU
  // Multiplies the derived output scale: far from 1 it saturates the output (below) or
  // quantises it coarsely (above), and gives extreme rescale ratios.
  float scale_factor = 1.0f;
  uint64_t data_seed = 0;  // constant data
};

struct Recipe {
  uint64_t seed = 0;
  std::vector<InputSpec> inputs;
  std::vector<Step> steps;
  // Values that are graph outputs although later steps read them (values nothing reads are
  // outputs anyway).
  std::vector<ValueRef> extra_outputs;
};

// Number of outputs a step has in a built graph is decided by the builder (SPLIT may give fewer
// pieces than asked for); references beyond it read the last piece.

}  // namespace euc::graphgen

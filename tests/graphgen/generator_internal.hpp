#pragma once
// The generator's state while it draws one recipe: the recipe so far, the builder holding its
// values (shapes, quantisation), the random source and the budgets. generator.cpp has the
// drawing of inputs, operands and parameters; generator_ops.cpp one function per operator family.
#include <optional>
#include <vector>

#include "builder.hpp"
#include "generator.hpp"
#include "rng.hpp"

namespace euc::graphgen::detail {

enum class Family {
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
  kPadConv,
  kPad,
  kMean,
  kReshape,
  kQuantize,
  kBatchMatMul,
  kResample,
  kSvdf,
  kLstm,
  kCpu,
  kCount
};

class Generator {
 public:
  Generator(uint64_t seed, const GenOptions& o)
      : rng_(seed), o_(scaled(o, rng_)), b_(make_inputs()) {
    r_.seed = seed;
  }

  Recipe run();

 private:
  static GenOptions scaled(GenOptions o, Rng& rng);

  std::vector<InputSpec> make_inputs();

  int spatial();
  int channels();
  int kernel();
  int stride();
  int dilation();
  Act act(double none = 0.4);

  // A step with fresh quantisation and data draws.
  Step step(Op op);

  const Value& val(ValueRef r) const { return *b_.value(r); }

  // Adds `s` when it builds and stays within the budgets.
  bool try_add(const Step& s);
  ValueRef last(int output = 0) const { return {static_cast<int>(r_.steps.size()) - 1, output}; }

  std::vector<ValueRef> all_values() const;

  // The operand of the next step: mostly the newest value, else any earlier one (branches and
  // tensors read by several operators).
  ValueRef source();

  // A 4-D view of `v` (a RESHAPE step when it is not 4-D).
  std::optional<ValueRef> ensure_rank4(ValueRef v);

  std::optional<ValueRef> source4() { return ensure_rank4(source()); }

  bool add_family(Family f);

  // CONV_2D or DEPTHWISE_CONV_2D with a random window; retried smaller when over budget.
  bool add_conv(bool depthwise);

  bool add_fully_connected();

  bool add_pool(Op op);

  // A value of `shape` derived from `from` (shape-keeping convolution), for a second operand.
  std::optional<ValueRef> branch_like(ValueRef from, std::optional<ValueRef> quant_of);

  // `v` requantised to `like`'s type and quantisation (QUANTIZE).
  std::optional<ValueRef> requantize_like(ValueRef v, ValueRef like);

  bool add_binary(Op op);

  bool add_concat();

  int split_axis(const Value& x);

  bool add_split(Op op);

  bool add_slice();

  bool add_strided_slice(bool cpu);

  // PAD then a VALID convolution reading it alone: euc folds the PAD into the convolution.
  bool add_pad_conv();

  bool add_pad(bool channels_too);

  bool add_mean();

  bool add_reshape();

  bool add_quantize();

  // BATCH_MATMUL (int8) with a constant or a feature-map right-hand side (the operand itself
  // transposed, or another value of a fitting shape).
  bool add_batch_matmul();
  // RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR (factors 1-8, align_corners, half_pixel_centers)
  // or TRANSPOSE_CONV.
  bool add_resample();
  // SVDF on a 2-D int8 value (a RESHAPE to [1, n] first otherwise): rank, memory, bias, int8 or
  // int16 state; its state is a variable tensor.
  bool add_svdf();

  // UNIDIRECTIONAL_SEQUENCE_LSTM (int8 or 16x8) on the operand as a 3-D sequence (a RESHAPE
  // first when it is not one), either layout, one or several batches.
  bool add_lstm();

  // An operator euc leaves on the CPU, or a variant of an NPU operator it cannot place.
  bool add_cpu();

  Rng rng_;
  GenOptions o_;
  Recipe r_;
  Builder b_;
};

}  // namespace euc::graphgen::detail

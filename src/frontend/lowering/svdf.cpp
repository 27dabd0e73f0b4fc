// SVDF, int8 input, feature weights and output, int8 or int16 time weights and activation state
// (a variable tensor the operator keeps between invocations), optional int32 bias: NPU
// operations that reproduce TensorFlow Lite Micro's integer reference kernel bit for bit.
//
// Reference, with B batches, I inputs, F filters, rank r, U = F / r units and memory M; the
// state S is [B, F, M] (memory innermost), zs its zero point:
//   1. S shifts one element towards the front (S[k] = S[k + 1] over the whole tensor; the last
//      element of every filter row is overwritten by step 2);
//   2. S[b, f, M - 1] = sat_T(MBQM(sum_i wf[f, i] (x[b, i] - zx), m1) + zs), m1 = sx swf / ss
//      (T the state type; the zero point before the saturation);
//   3. acc[b, u] = bias[u] + sum over the r filters of unit u and the M slots of
//      wt[f, m] (S[b, f, m] - zs), in int32;
//   4. y[b, u] = clamp8(MBQM(acc, m2) + zy), m2 = ss swt / sy. The fused activation is not
//      applied (TFLite Micro's integer kernel ignores it).
// The weights' zero points are not used (TFLite's kernel reads the raw values); both scale
// products are formed in float, as TFLite does, and widened.
//
// NPU operations (T = a [B F, M] feature map in the state's type and zero point):
//   - byte copy of S[1:] into T[:-1], the whole state as one row (as [B F, M] rows from column 1
//     when it is deeper than the NPU's 65,536), S read before anything writes it;
//   - fully connected layer of x with wf into N [B, F] in the state type, explicit scale m1
//     with TFLite rounding, OFM zero point zs: the output stage adds the zero point and then
//     saturates, as step 2;
//   - byte copy of N (viewed [B F, 1]) into column M - 1 of T;
//   - MUL of T viewed [B, F M] by the raw time weights [1, F M] (broadcast over the batches):
//     int32, unit scale, exact (|product| <= 2^30);
//   - REDUCE_SUM of the products viewed [B, U, r M] (the r filters of a unit are adjacent, so
//     each unit's products are one contiguous run) into [B, U]: int32 (without bias straight
//     into the output with m2 and zy);
//   - ADD of the bias (int32 [1, U], broadcast) with the operand scales 1 and the output scale
//     m2 (TFLite rounding: MBQM) into the output, zero point zy, clamped to int8;
//   - byte copy of T into S: the state for the next invocation (the segment has S as an input
//     and an output at one address, reserved over the whole subgraph). With M = 1 the state is
//     never read, so the segment keeps none of it.
// The NPU sums in at least 32 bits and saturates where TFLite's int32 sums would overflow
// (undefined in C++): instances whose worst-case sums (weights known, inputs and state anywhere
// in their type's range) could leave int32 stay on the CPU, so within the lowered ones both sums
// are the same numbers.
#include "frontend/lowering/svdf.hpp"
#include "frontend/lowering/checked.hpp"
#include "frontend/lowering/quantization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <variant>

#include "core/error.hpp"
#include "refmath/quant_math.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

using refmath::quantize_multiplier;
using refmath::QuantMultiplier;

enum Input { kInput = 0, kFeature = 1, kTime = 2, kBias = 3, kState = 4 };
constexpr int kHighMulBits = 31;
constexpr int kMaxRecordShift = 62;
constexpr int64_t kMaxDimension = 65536;  // the NPU's feature map axes
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

struct Params {
  int batches = 0, inputs = 0, filters = 0, rank = 0, units = 0, memory = 0;
  ir::DataType state_type = ir::DataType::kInt8;
  int32_t state_zp = 0;
  bool has_bias = false;
  QuantMultiplier feature_m, output_m;
};

const ir::Tensor* tensor_of(const ir::Subgraph& sg, int t) {
  if (t < 0 || static_cast<size_t>(t) >= sg.tensors.size())
    return nullptr;
  return &sg.tensors[static_cast<size_t>(t)];
}

const ir::Tensor* input_of(const ir::Subgraph& sg, const ir::Operator& op, size_t i) {
  return i < op.inputs.size() ? tensor_of(sg, op.inputs[i]) : nullptr;
}

// A multiplier the output stage applies exactly as MBQM: below one, record shift in range.
bool usable(const QuantMultiplier& m) {
  return m.significand > 0 && m.shift <= 0 && kHighMulBits - m.shift <= kMaxRecordShift;
}

// The largest |v - zero_point| of a value of `type`.
int64_t max_distance(ir::DataType type, int64_t zero_point) {
  const auto [lo, hi] = ir::integer_range(type);
  return std::max<int64_t>(hi - zero_point, zero_point - lo);
}

int64_t element(std::span<const uint8_t> bytes, ir::DataType type, size_t i) {
  if (type == ir::DataType::kInt8)
    return static_cast<int8_t>(bytes[i]);
  if (type == ir::DataType::kInt16) {
    int16_t v = 0;
    std::memcpy(&v, bytes.data() + 2 * i, 2);
    return v;
  }
  int32_t v = 0;
  std::memcpy(&v, bytes.data() + 4 * i, 4);
  return v;
}

// The parameters, or why the operator cannot be lowered.
Checked<Params> params_of(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op) {
  if (op.inputs.size() != 5 || op.outputs.size() != 1)
    return std::string("SVDF needs 5 inputs and one output");
  const ir::Tensor* in = input_of(sg, op, kInput);
  const ir::Tensor* wf = input_of(sg, op, kFeature);
  const ir::Tensor* wt = input_of(sg, op, kTime);
  const ir::Tensor* bias = input_of(sg, op, kBias);
  const ir::Tensor* state = input_of(sg, op, kState);
  const ir::Tensor* out = tensor_of(sg, op.outputs[0]);
  if (in == nullptr || wf == nullptr || wt == nullptr || state == nullptr || out == nullptr)
    return std::string("the input, a weight tensor, the state or the output is missing");
  if (op.inputs[kBias] >= 0 && bias == nullptr)
    return std::string("the bias index is out of range");
  if (!state->is_variable)
    return std::string("the activation state is not a variable tensor");
  if (in->type != ir::DataType::kInt8 || wf->type != ir::DataType::kInt8 ||
      out->type != ir::DataType::kInt8 ||
      (wt->type != ir::DataType::kInt8 && wt->type != ir::DataType::kInt16) ||
      state->type != wt->type || (bias != nullptr && bias->type != ir::DataType::kInt32))
    return std::string(
        "euc lowers the integer SVDF only (int8 input, feature weights and output, int8 or "
        "int16 time weights and state of one type, int32 bias)");
  if (!per_tensor(*in) || !per_tensor(*wf) || !per_tensor(*wt) || !per_tensor(*state) ||
      !per_tensor(*out))
    return std::string("the input, weights, state and output need per-tensor quantisation");
  if (!model.tensor_data(*in).empty())
    return std::string("the input is a constant");
  if (!model.tensor_data(*state).empty())
    return std::string("the activation state has constant data");
  const auto wf_bytes = model.tensor_data(*wf);
  const auto wt_bytes = model.tensor_data(*wt);
  if (wf_bytes.empty() || wt_bytes.empty() || (bias != nullptr && model.tensor_data(*bias).empty()))
    return std::string("the weights and the bias must be constant");
  if (zero_point_of(*wf) != 0)
    return std::string(
        "the feature weights' zero point is not 0 (TFLite's kernel ignores it; the NPU's "
        "weight encoding subtracts it)");
  const auto* o = tfl::builtin_options_as<tflite::SVDFOptions>(op);
  if (o == nullptr || o->rank() <= 0)
    return std::string("SVDFOptions with a positive rank missing");
  if (in->shape.size() != 2 || wf->shape.size() != 2 || wt->shape.size() != 2)
    return std::string("the input and the weights are not 2-D");
  Params p;
  p.rank = o->rank();
  p.batches = in->shape[0];
  p.inputs = in->shape[1];
  p.filters = wf->shape[0];
  p.memory = wt->shape[1];
  if (p.batches <= 0 || p.inputs <= 0 || p.filters <= 0 || p.memory <= 0 ||
      wf->shape[1] != p.inputs || wt->shape[0] != p.filters || p.filters % p.rank != 0)
    return std::string(
        "the weight shapes do not match the input, or the rank does not divide "
        "the filter count");
  p.units = p.filters / p.rank;
  const int64_t rows = int64_t{p.batches} * p.filters;
  const int64_t run = int64_t{p.rank} * p.memory;
  if (state->num_elements() != rows * p.memory ||
      out->num_elements() != int64_t{p.batches} * p.units || out->shape.empty() ||
      out->shape.size() > 4 || out->shape.back() != p.units || state->shape.size() > 4)
    return std::string("the state or output size does not match batches, filters and memory");
  if (wf_bytes.size() != static_cast<size_t>(p.filters) * p.inputs ||
      wt_bytes.size() != static_cast<size_t>(p.filters) * p.memory *
                             static_cast<size_t>(*ir::element_size(wt->type)))
    return std::string("the weights' data does not match their shapes");
  for (int64_t d : {int64_t{p.batches}, int64_t{p.inputs}, int64_t{p.filters}, int64_t{p.units},
                    int64_t{p.memory}, rows, run}) {
    if (d > kMaxDimension)
      return fmt::format("a dimension of {} exceeds the NPU's {}", d, kMaxDimension);
  }
  std::span<const uint8_t> bias_bytes;
  if (bias != nullptr) {
    bias_bytes = model.tensor_data(*bias);
    if (bias->num_elements() != p.units || bias_bytes.size() != static_cast<size_t>(p.units) * 4)
      return std::string("the bias size is not the unit count");
    p.has_bias = true;
  }
  p.state_type = state->type;
  p.state_zp = static_cast<int32_t>(zero_point_of(*state));
  if (p.state_type == ir::DataType::kInt16 && p.state_zp != 0)
    return std::string("the int16 state's zero point is not 0 (TFLite's int16 SVDF assumes 0)");
  p.feature_m =
      quantize_multiplier(static_cast<double>(scale_of(*in) * scale_of(*wf) / scale_of(*state)));
  p.output_m =
      quantize_multiplier(static_cast<double>(scale_of(*state) * scale_of(*wt) / scale_of(*out)));
  if (!usable(p.feature_m) || !usable(p.output_m))
    return std::string("a rescale is not below 1 within the NPU's shift range");
  // The int32 sums, in the worst case over the input and state ranges.
  const int64_t x_max = max_distance(in->type, zero_point_of(*in));
  for (int f = 0; f < p.filters; ++f) {
    int64_t sum = 0;
    for (int i = 0; i < p.inputs; ++i)
      sum += std::abs(element(wf_bytes, wf->type, static_cast<size_t>(f) * p.inputs + i));
    if (sum * x_max > kInt32Max)
      return fmt::format("filter {}'s feature sum could overflow TFLite's int32 accumulator", f);
  }
  const int64_t s_max = max_distance(state->type, p.state_zp);
  for (int u = 0; u < p.units; ++u) {
    int64_t sum = 0;
    for (int64_t k = 0; k < run; ++k)
      sum += std::abs(element(wt_bytes, wt->type, static_cast<size_t>(u * run + k)));
    const int64_t b =
        p.has_bias ? std::abs(element(bias_bytes, ir::DataType::kInt32, static_cast<size_t>(u)))
                   : 0;
    if (sum * s_max + b > kInt32Max)
      return fmt::format(
          "unit {}'s time-weighted sum could overflow TFLite's int32 accumulator (the NPU "
          "saturates)",
          u);
  }
  return p;
}

class Lowering {
 public:
  Lowering(SegmentBuilder& b, const ir::Operator& op, int index, Params p)
      : b_(b), op_(op), index_(index), p_(p) {}

  void lower() {
    name_ = b_.network_tensor(op_.outputs.at(0)).name;
    const int rows = p_.batches * p_.filters;
    // The state, viewed as [B F, M].
    const ir::TensorSlice state = b_.whole(op_.inputs.at(kState));
    if (!b_.is_whole(state))
      fail("the activation state is a piece of another tensor");
    const ir::QuantParams state_quant = b_.lowered(state.tensor).quant;
    const int state_rows =
        b_.add_view(state.tensor, {1, 1, rows, p_.memory}, state_quant, name_ + "_state_rows");
    const int shifted = map("shifted", p_.state_type, {1, 1, rows, p_.memory}, state_quant);
    // Copies of the whole state as one row when it fits the NPU's depth (long bursts), else
    // as its [B F, M] rows.
    const int64_t elements = int64_t{rows} * p_.memory;
    const bool flat = elements <= kMaxDimension;
    const ir::Shape4 flat_shape{1, 1, 1, static_cast<int32_t>(elements)};
    const int state_flat =
        flat ? b_.add_view(state.tensor, flat_shape, state_quant, name_ + "_state_flat") : -1;
    const int shifted_flat =
        flat ? b_.add_view(shifted, flat_shape, state_quant, name_ + "_shifted_flat") : -1;
    if (flat && p_.memory > 1) {
      // TFLite's shift of the whole buffer; the last slot of every row is overwritten below.
      const ir::Shape4 older{1, 1, 1, static_cast<int32_t>(elements - 1)};
      add(b_.byte_copy({state_flat, {0, 0, 0, 1}, older}, {shifted_flat, {0, 0, 0, 0}, older},
                       name_ + "_shift"));
    } else if (p_.memory > 1) {
      const ir::Shape4 older{1, 1, rows, p_.memory - 1};
      add(b_.byte_copy({state_rows, {0, 0, 0, 1}, older}, {shifted, {0, 0, 0, 0}, older},
                       name_ + "_shift"));
    }
    // The feature projection of the new time step.
    const int newest = map("newest", p_.state_type, {1, 1, p_.batches, p_.filters}, state_quant);
    ir::NpuOp fc;
    fc.type = ir::NpuOpType::kFullyConnected;
    fc.ifm = b_.whole(op_.inputs.at(kInput));
    fc.ofm = {newest, {0, 0, 0, 0}, {1, 1, p_.batches, p_.filters}};
    fc.weights = b_.tensor(op_.inputs.at(kFeature));
    fc.explicit_scale = record(p_.feature_m);
    fc.rounding = ir::RoundingMode::kTfl;
    fc.name = name_ + "_feature";
    add(std::move(fc));
    const ir::Shape4 column{1, 1, rows, 1};
    const int newest_rows = b_.add_view(newest, column, state_quant, name_ + "_newest_rows");
    add(b_.byte_copy({newest_rows, {0, 0, 0, 0}, column},
                     {shifted, {0, 0, 0, p_.memory - 1}, column}, name_ + "_newest_column"));
    time_filter_elementwise(shifted, state_quant);
    // The shifted state with the new column back into the variable tensor, after its read.
    if (flat) {
      add(b_.byte_copy({shifted_flat, {0, 0, 0, 0}, flat_shape},
                       {state_flat, {0, 0, 0, 0}, flat_shape}, name_ + "_state"));
    } else {
      const ir::Shape4 all{1, 1, rows, p_.memory};
      add(b_.byte_copy({shifted, {0, 0, 0, 0}, all}, {state_rows, {0, 0, 0, 0}, all},
                       name_ + "_state"));
    }
  }

 private:
  // The products by the raw time weights, then one sum per unit over its filters and memory.
  void time_filter_elementwise(int shifted, const ir::QuantParams& state_quant) {
    const int run = p_.rank * p_.memory;
    const int depth = p_.filters * p_.memory;
    const ir::DataType i32 = ir::DataType::kInt32;
    // The products in the state's own layout (long contiguous rows), then the same bytes viewed
    // as one run of r M products per unit for the channel sums.
    const ir::Shape4 rows{1, 1, p_.batches, depth};
    const int state_rows = b_.add_view(shifted, rows, state_quant, name_ + "_batch_rows");
    const int products = map("products", i32, rows, {});
    ir::NpuOp mul;
    mul.type = ir::NpuOpType::kMul;
    mul.ifm = {state_rows, {0, 0, 0, 0}, rows};
    mul.ifm2 = {time_weights(), {0, 0, 0, 0}, {1, 1, 1, depth}};
    mul.ofm = {products, {0, 0, 0, 0}, rows};
    mul.explicit_scale = std::pair<uint32_t, int>{1, 0};
    mul.rounding = ir::RoundingMode::kTfl;
    mul.name = name_ + "_products";
    add(std::move(mul));
    const ir::Shape4 runs{1, p_.batches, p_.units, run};
    const ir::Shape4 sums{1, p_.batches, p_.units, 1};
    const ir::Shape4 out_rows{1, 1, p_.batches, p_.units};
    ir::NpuOp sum;
    sum.type = ir::NpuOpType::kReduceSum;
    sum.ifm = {b_.add_view(products, runs, {}, name_ + "_runs"), {0, 0, 0, 0}, runs};
    sum.rounding = ir::RoundingMode::kTfl;
    if (p_.has_bias) {
      const int total = map("sums", i32, out_rows, {});
      sum.ofm = {b_.add_view(total, sums, {}, name_ + "_unit_sums"), {0, 0, 0, 0}, sums};
      sum.explicit_scale = std::pair<uint32_t, int>{1, 0};
      sum.name = name_ + "_sums";
      add(std::move(sum));
      ir::NpuOp add_bias;
      add_bias.type = ir::NpuOpType::kAdd;
      add_bias.ifm = {total, {0, 0, 0, 0}, out_rows};
      add_bias.ifm2 = {bias_constant(), {0, 0, 0, 0}, {1, 1, 1, p_.units}};
      add_bias.ofm = output_slice(out_rows);
      add_bias.explicit_scale = record(p_.output_m);
      add_bias.rounding = ir::RoundingMode::kTfl;
      add_bias.name = name_ + "_output";
      add(std::move(add_bias));
    } else {
      sum.ofm = output_slice(sums);
      sum.explicit_scale = record(p_.output_m);
      sum.name = name_ + "_output";
      add(std::move(sum));
    }
    finish_output();
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw_input(fmt::format("operator {} ({}) cannot be lowered to the NPU: {}", index_,
                            ir::operator_display_name(op_), why));
  }

  static std::pair<uint32_t, int> record(const QuantMultiplier& m) {
    return {static_cast<uint32_t>(m.significand), kHighMulBits - m.shift};
  }

  int map(const std::string& suffix, ir::DataType type, const ir::Shape4& shape,
          const ir::QuantParams& quant) {
    return b_.add_feature_map(name_ + "_" + suffix, type, shape, quant);
  }

  int constant(const std::string& suffix, ir::DataType type, const ir::Shape4& shape,
               std::span<const uint8_t> bytes) {
    ir::NpuTensor t;
    t.name = name_ + "_" + suffix;
    t.type = type;
    t.shape = shape;
    t.data = std::make_shared<std::vector<uint8_t>>(bytes.begin(), bytes.end());
    return b_.add_constant(std::move(t));
  }

  // The raw time weights [1, 1, U, r M] (zero point 0: TFLite's kernel reads them as stored).
  int time_weights() {
    const ir::Tensor& t = b_.network_tensor(op_.inputs.at(kTime));
    return constant("time_weights", t.type, {1, 1, 1, p_.filters * p_.memory},
                    b_.model().tensor_data(t));
  }

  int bias_constant() {
    const ir::Tensor& t = b_.network_tensor(op_.inputs.at(kBias));
    return constant("bias", ir::DataType::kInt32, {1, 1, 1, p_.units}, b_.model().tensor_data(t));
  }

  // The output as [1, B, U, 1]: a view of it, or of a staging map copied into it afterwards.
  ir::TensorSlice output_slice(const ir::Shape4& sums) {
    const ir::TensorSlice y = b_.whole(op_.outputs.at(0));
    const ir::QuantParams quant = b_.lowered(y.tensor).quant;
    if (b_.is_whole(y))
      return {b_.add_view(y.tensor, sums, quant, name_ + "_out"), {0, 0, 0, 0}, sums};
    staging_ = map("out", ir::DataType::kInt8, sums, quant);
    output_ = y;
    return {staging_, {0, 0, 0, 0}, sums};
  }

  void finish_output() {
    if (staging_ < 0)
      return;
    const int flat =
        b_.add_view(staging_, output_.shape, b_.lowered(staging_).quant, name_ + "_out_rows");
    add(b_.byte_copy({flat, {0, 0, 0, 0}, output_.shape}, output_, name_ + "_out"));
  }

  void add(ir::NpuOp op) {
    op.source_ops = {index_};
    b_.add(std::move(op));
  }

  SegmentBuilder& b_;
  const ir::Operator& op_;
  int index_;
  Params p_;
  std::string name_;
  int staging_ = -1;
  ir::TensorSlice output_;
};

}  // namespace

std::optional<std::string> svdf_why_not(const ir::Model& model, int subgraph, int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  return refusal(params_of(model, sg, sg.operators.at(op_index)));
}

void lower_svdf(SegmentBuilder& b, const ir::Operator& op, int index) {
  Lowering(b, op, index, accepted(params_of(b.model(), b.subgraph(), op), op, index)).lower();
}

}  // namespace euc::frontend

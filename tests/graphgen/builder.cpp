#include "builder.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "builder_internal.hpp"
#include "core/error.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc::graphgen {

const char* op_name(Op op) {
  static const char* const kNames[kOpCount] = {"CONV_2D",
                                               "DEPTHWISE_CONV_2D",
                                               "FULLY_CONNECTED",
                                               "AVERAGE_POOL_2D",
                                               "MAX_POOL_2D",
                                               "ADD",
                                               "SUB",
                                               "MUL",
                                               "MINIMUM",
                                               "MAXIMUM",
                                               "CONCATENATION",
                                               "SPLIT",
                                               "SPLIT_V",
                                               "SLICE",
                                               "STRIDED_SLICE",
                                               "PAD",
                                               "MEAN",
                                               "RESHAPE",
                                               "QUANTIZE",
                                               "BATCH_MATMUL",
                                               "SVDF",
                                               "TRANSPOSE",
                                               "RESIZE_NEAREST_NEIGHBOR",
                                               "LOGISTIC",
                                               "TANH",
                                               "LEAKY_RELU",
                                               "RELU",
                                               "SOFTMAX",
                                               "RESIZE_BILINEAR",
                                               "TRANSPOSE_CONV",
                                               "UNIDIRECTIONAL_SEQUENCE_LSTM"};
  return kNames[static_cast<int>(op)];
}

std::optional<Op> op_from_name(std::string_view name) {
  for (int k = 0; k < kOpCount; ++k) {
    if (name == op_name(static_cast<Op>(k)))
      return static_cast<Op>(k);
  }
  return std::nullopt;
}

const char* act_name(Act act) {
  switch (act) {
    case Act::kRelu:
      return "RELU";
    case Act::kRelu6:
      return "RELU6";
    case Act::kReluN1To1:
      return "RELU_N1_TO_1";
    default:
      return "NONE";
  }
}

int64_t Value::elements() const {
  int64_t n = 1;
  for (int32_t d : shape)
    n *= d;
  return n;
}

Builder::Builder(const std::vector<InputSpec>& inputs) {
  model_.subgraphs.emplace_back();
  model_.buffers.emplace_back();  // buffer 0: empty by convention
  model_.description = "euc graphgen";
  for (size_t k = 0; k < inputs.size(); ++k) {
    const InputSpec& in = inputs[k];
    Value v;
    v.shape = in.shape;
    v.type = in.type;
    v.scale = in.scale;
    v.zero_point = in.type == ir::DataType::kInt16 ? 0 : in.zero_point;
    v.tensor = add_tensor(fmt::format("input{}", k), v.shape, v.type, v.scale, v.zero_point);
    // The fuzzer feeds uniformly random bytes: uniform over the type's range.
    const double half = in.type == ir::DataType::kInt16 ? 32768.0 : 128.0;
    v.mean = (-0.5 - static_cast<double>(v.zero_point)) * v.scale;
    v.spread = half / std::sqrt(3.0) * v.scale;
    largest_ = std::max(largest_, v.elements());
    inputs_.push_back(std::move(v));
  }
}

const Value* Builder::value(ValueRef ref) const {
  if (ref.is_input()) {
    const int k = ref.input_index();
    return k < static_cast<int>(inputs_.size()) ? &inputs_[k] : nullptr;
  }
  if (ref.step >= static_cast<int>(steps_.size()) || steps_[ref.step].empty() || ref.output < 0)
    return nullptr;
  const auto& outs = steps_[ref.step];
  return &outs[std::min<size_t>(static_cast<size_t>(ref.output), outs.size() - 1)];
}

bool Builder::add(const Step& step) {
  for (const ValueRef& r : step.src) {
    if (value(r) == nullptr)
      return false;
  }
  Builder saved = *this;
  steps_.emplace_back();
  descriptions_.emplace_back();
  bool ok = false;
  try {
    ok = apply(step) && !steps_.back().empty();
  } catch (const Error&) {
    ok = false;  // e.g. a shape no TFLite tensor can have
  }
  if (!ok) {
    *this = std::move(saved);
    return false;
  }
  for (const Value& v : steps_.back())
    largest_ = std::max(largest_, v.elements());
  return true;
}

bool Builder::apply(const Step& s) {
  switch (s.op) {
    case Op::kConv:
      return apply_conv(s);
    case Op::kDepthwise:
      return apply_depthwise(s);
    case Op::kFullyConnected:
      return apply_fully_connected(s);
    case Op::kAvgPool:
    case Op::kMaxPool:
      return apply_pool(s);
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kMinimum:
    case Op::kMaximum:
      return apply_elementwise(s);
    case Op::kConcat:
      return apply_concat(s);
    case Op::kSplit:
    case Op::kSplitV:
      return apply_split(s);
    case Op::kSlice:
      return apply_slice(s);
    case Op::kStridedSlice:
      return apply_strided_slice(s);
    case Op::kPad:
      return apply_pad(s);
    case Op::kMean:
      return apply_mean(s);
    case Op::kReshape:
      return apply_reshape(s);
    case Op::kQuantize:
      return apply_quantize(s);
    case Op::kBatchMatMul:
      return apply_batch_matmul(s);
    case Op::kSvdf:
      return apply_svdf(s);
    case Op::kTranspose:
      return apply_transpose(s);
    case Op::kResizeNearest:
    case Op::kResizeBilinear:
      return apply_resize(s);
    case Op::kTransposeConv:
      return apply_transpose_conv(s);
    case Op::kLstm:
      return apply_lstm(s);
    case Op::kLogistic:
    case Op::kTanh:
    case Op::kLeakyRelu:
    case Op::kRelu:
    case Op::kSoftmax:
      return apply_unary(s);
  }
  return false;
}

Builder::Quant Builder::choose_quant(const Step& s, ir::DataType type, double mean, double spread,
                                     Act act) const {
  Quant q;
  if (s.quant_of) {
    const Value* other = value(*s.quant_of);
    if (other != nullptr && other->type == type) {
      q.scale = other->scale;
      q.zero_point = other->zero_point;
      q.mean = other->mean;
      q.spread = other->spread;
      return q;
    }
  }
  if (!std::isfinite(mean))
    mean = 0;
  if (!std::isfinite(spread) || spread <= 0)
    spread = 1.0;
  spread = std::max(spread, 1e-3 * std::abs(mean) + 1e-9);
  const double range = std::clamp(static_cast<double>(s.range), 0.5, 8.0);
  double lo = mean + (static_cast<double>(s.offset) - range) * spread;
  double hi = mean + (static_cast<double>(s.offset) + range) * spread;
  switch (act) {
    case Act::kRelu:
      lo = std::max(lo, 0.0);
      break;
    case Act::kRelu6:
      lo = std::max(lo, 0.0);
      hi = std::min(hi, 6.0);
      break;
    case Act::kReluN1To1:
      lo = std::max(lo, -1.0);
      hi = std::min(hi, 1.0);
      break;
    default:
      break;
  }
  if (hi <= lo + 1e-9) {
    // The activation cuts the whole estimated range: keep a small range at the clamp.
    const double width = std::max(spread, 1e-6);
    if (act == Act::kRelu || act == Act::kRelu6) {
      lo = 0;
      hi = std::min(width * range, act == Act::kRelu6 ? 6.0 : 1e9);
    } else {
      lo = std::max(-1.0, hi - width);
      hi = lo + width;
    }
  }
  if (s.scale_factor > 0 && s.scale_factor != 1.0f) {
    const double mid = (lo + hi) / 2, half = (hi - lo) / 2 * static_cast<double>(s.scale_factor);
    lo = mid - half;
    hi = mid + half;
  }
  if (type == ir::DataType::kInt16) {
    const double m = std::max(std::abs(lo), std::abs(hi));
    q.scale = static_cast<float>(std::clamp(m / 32767.0, 1e-7, 1e3));
    q.zero_point = 0;
  } else {
    q.scale = static_cast<float>(std::clamp((hi - lo) / 255.0, 1e-7, 1e3));
    const double zp = std::round(-128.0 - lo / static_cast<double>(q.scale));
    q.zero_point = static_cast<int64_t>(std::clamp(zp, -128.0, 127.0));
  }
  q.mean = std::clamp(mean, lo, hi);
  q.spread = std::min(spread, (hi - lo) / 2.0);
  return q;
}

std::string Builder::step_name(const char* what) const {
  return fmt::format("s{}_{}", steps_.size() - 1, what);
}

int Builder::add_tensor(const std::string& name, std::vector<int32_t> shape, ir::DataType type,
                        float scale, int64_t zero_point) {
  ir::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.type = type;
  t.quantization = ir::Quantization{};
  t.quantization->scale = {scale};
  t.quantization->zero_point = {zero_point};
  auto& tensors = model_.subgraphs[0].tensors;
  tensors.push_back(std::move(t));
  return static_cast<int>(tensors.size() - 1);
}

int Builder::add_constant(const std::string& name, std::vector<int32_t> shape, ir::DataType type,
                          std::vector<uint8_t> bytes, std::vector<float> scales,
                          std::vector<int64_t> zero_points, int quantized_dimension) {
  ir::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.type = type;
  if (!scales.empty()) {
    t.quantization = ir::Quantization{};
    if (zero_points.empty())
      zero_points.assign(scales.size(), 0);
    t.quantization->scale = std::move(scales);
    t.quantization->zero_point = std::move(zero_points);
    t.quantization->quantized_dimension = quantized_dimension;
  }
  model_.buffers.push_back(ir::Buffer{std::make_shared<ir::Bytes>(std::move(bytes))});
  t.buffer = static_cast<uint32_t>(model_.buffers.size() - 1);
  auto& tensors = model_.subgraphs[0].tensors;
  tensors.push_back(std::move(t));
  return static_cast<int>(tensors.size() - 1);
}

int Builder::add_int32_constant(const std::string& name, const std::vector<int32_t>& values,
                                bool scalar) {
  std::vector<int32_t> shape;
  if (!scalar)
    shape.push_back(static_cast<int32_t>(values.size()));
  return add_constant(name, shape, ir::DataType::kInt32, to_bytes(values));
}

Value& Builder::add_value(std::vector<int32_t> shape, ir::DataType type, const Quant& q,
                          const char* suffix) {
  for (int32_t d : shape) {
    if (d <= 0)
      throw_input("graphgen: empty dimension");
  }
  Value v;
  v.shape = std::move(shape);
  v.type = type;
  v.scale = q.scale;
  v.zero_point = type == ir::DataType::kInt16 ? 0 : q.zero_point;
  v.mean = q.mean;
  v.spread = q.spread;
  const int piece = static_cast<int>(steps_.back().size());
  std::string name = step_name(suffix);
  if (piece > 0)
    name += fmt::format("_{}", piece);
  v.tensor = add_tensor(name, v.shape, v.type, v.scale, v.zero_point);
  steps_.back().push_back(std::move(v));
  return steps_.back().back();
}

void Builder::emit(ir::BuiltinOp type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                   uint8_t options_type, const flatbuffers::FlatBufferBuilder* options) {
  ir::Operator o;
  o.type = type;
  o.inputs = std::move(inputs);
  o.outputs = std::move(outputs);
  if (options != nullptr) {
    o.builtin_options.type = options_type;
    o.builtin_options.table.assign(options->GetBufferPointer(),
                                   options->GetBufferPointer() + options->GetSize());
  }
  model_.subgraphs[0].operators.push_back(std::move(o));
}

void Builder::describe(const Step& s, const std::string& details) {
  std::string operands;
  for (const ValueRef& r : s.src) {
    const Value* v = value(r);
    std::string who = r.is_input() ? fmt::format("in{}", r.input_index())
                                   : fmt::format("s{}.{}", r.step, r.output);
    operands += fmt::format(" {}{}{}", who, shape_text(v->shape), type_text(v->type));
  }
  std::string outs;
  for (const Value& v : steps_.back())
    outs += fmt::format(" {}{} q{:.4g}/{}", shape_text(v.shape), type_text(v.type), v.scale,
                        v.zero_point);
  descriptions_.back() =
      fmt::format("s{} {} {}:{} ->{}", steps_.size() - 1, op_name(s.op), details, operands, outs);
}

ir::Model Builder::finish(std::span<const ValueRef> extra) const {
  ir::Model m = model_;
  ir::Subgraph& sg = m.subgraphs[0];
  std::set<int> read;
  for (const ir::Operator& op : sg.operators)
    read.insert(op.inputs.begin(), op.inputs.end());
  std::set<int> wanted;
  for (const ValueRef& r : extra) {
    if (!r.is_input() && value(r) != nullptr)
      wanted.insert(value(r)->tensor);
  }
  for (const auto& outs : steps_) {
    for (const Value& v : outs) {
      if (read.count(v.tensor) == 0 || wanted.count(v.tensor) != 0)
        sg.outputs.push_back(v.tensor);
    }
  }
  for (const Value& v : inputs_) {
    if (read.count(v.tensor) != 0)
      sg.inputs.push_back(v.tensor);
  }
  if (sg.outputs.empty() || sg.inputs.empty())
    throw_input("graphgen: the graph has no output or no input");
  return tfl::read_model(tfl::write_model(m), "graphgen");
}

std::optional<ir::Model> build(const Recipe& recipe) {
  Builder b(recipe.inputs);
  for (const Step& s : recipe.steps) {
    if (!b.add(s))
      return std::nullopt;
  }
  try {
    return b.finish(recipe.extra_outputs);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string describe(const Recipe& recipe) {
  Builder b(recipe.inputs);
  std::string out;
  for (size_t k = 0; k < recipe.inputs.size(); ++k) {
    const InputSpec& in = recipe.inputs[k];
    out += fmt::format("in{} {}{} scale {:.6g} zp {}\n", k, shape_text(in.shape),
                       type_text(in.type), in.scale, in.zero_point);
  }
  for (const Step& s : recipe.steps) {
    if (!b.add(s))
      return out + "(a step does not build)\n";
    out += b.descriptions().back() + "\n";
  }
  for (const ValueRef& r : recipe.extra_outputs)
    out += fmt::format("extra output s{}.{}\n", r.step, r.output);
  return out;
}

}  // namespace euc::graphgen

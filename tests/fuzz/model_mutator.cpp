#include "model_mutator.hpp"

#include <tflite/schema_generated.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

namespace euc::fuzz {
namespace {

using B = ir::BuiltinOp;

// Types an operator may become: NPU operator types, so the changed operator meets that type's
// checks (and lowering) with whatever inputs, outputs and options it has.
constexpr std::array kTypes = {
    B::ADD,
    B::SUB,
    B::MUL,
    B::MAXIMUM,
    B::MINIMUM,
    B::CONV_2D,
    B::DEPTHWISE_CONV_2D,
    B::FULLY_CONNECTED,
    B::AVERAGE_POOL_2D,
    B::MAX_POOL_2D,
    B::CONCATENATION,
    B::PACK,
    B::SPLIT,
    B::SPLIT_V,
    B::UNPACK,
    B::SLICE,
    B::STRIDED_SLICE,
    B::RESHAPE,
    B::SQUEEZE,
    B::EXPAND_DIMS,
    B::PAD,
    B::MEAN,
    B::QUANTIZE,
    B::SOFTMAX,
    B::RELU,
    B::LEAKY_RELU,
    B::TANH,
    B::TRANSPOSE,
    B::RESIZE_BILINEAR,
    B::ABS,
};

// Values at the edges the compiler cares about: zero, one, around powers of two (bricks of 16,
// blocks, SHRAM banks), the 65535 register limit, scales below/above the float32 normal range,
// zero points outside int8/int16.
constexpr std::array kDims = {0,  1,  1,  1,  2,  3,  4,   5,   7,   8,    9,     15,   16,
                              17, 31, 32, 33, 64, 65, 127, 255, 256, 1000, 65535, 65536};
constexpr std::array kScales = {
    0.0f,    1e-38f, 1e-20f, 1e-6f, 0.001f,
    0.0039f, 0.05f,  0.5f,   1.0f,  3.0f,
    100.0f,  1e10f,  1e30f,  3e38f, std::numeric_limits<float>::infinity()};
constexpr std::array<int64_t, 12> kZeroPoints = {-32768, -129, -128, -1,  0,   0,
                                                 1,      3,    127,  128, 255, 100000};
constexpr std::array kTypesOfTensors = {
    ir::DataType::kInt8,  ir::DataType::kInt8,  ir::DataType::kUInt8,   ir::DataType::kInt16,
    ir::DataType::kInt32, ir::DataType::kInt64, ir::DataType::kFloat32, ir::DataType::kBool};
constexpr std::array kSmallInts = {-70000, -5, -4, -3, -2, -1, 0, 0,  1,  1,
                                   2,      3,  4,  5,  6,  7,  8, 16, 64, 70000};

template <class T, size_t N>
T pick(const std::array<T, N>& values, std::mt19937& rng) {
  return values[rng() % N];
}

size_t below(size_t n, std::mt19937& rng) {
  return n == 0 ? 0 : rng() % n;
}

// Elements of a shape the reader has not checked yet, saturating at 2^40.
int64_t elements(const ir::Tensor& t) {
  int64_t n = 1;
  for (int32_t d : t.shape) {
    if (d < 0)
      return 0;
    if (d != 0 && n > (int64_t{1} << 40) / d)
      return int64_t{1} << 40;
    n *= d;
  }
  return n;
}

bool constant(const ir::Model& m, const ir::Tensor& t) {
  return t.buffer < m.buffers.size() && m.buffers[t.buffer].has_data();
}

// Gives tensor `t` the constant data `bytes`: in place when no other tensor shares its buffer,
// else in a new buffer (so repeated mutations do not pile up unused buffers).
void set_data(ir::Model& m, ir::Tensor& t, std::shared_ptr<ir::Bytes> bytes) {
  int users = 0;
  for (const ir::Subgraph& sg : m.subgraphs) {
    for (const ir::Tensor& other : sg.tensors)
      users += other.buffer == t.buffer ? 1 : 0;
  }
  if (users == 1 && t.buffer != 0 && t.buffer < m.buffers.size()) {
    m.buffers[t.buffer].data = std::move(bytes);
    return;
  }
  m.buffers.push_back(ir::Buffer{std::move(bytes)});
  t.buffer = static_cast<uint32_t>(m.buffers.size() - 1);
}

// Gives a constant tensor fresh data of the size its shape and type need (at most 64 KiB, so
// the model stays small), reusing the old bytes where they fit.
void refit_data(ir::Model& m, ir::Tensor& t, std::mt19937& rng) {
  if (!constant(m, t))
    return;
  auto size = ir::element_size(t.type);
  const int64_t n = elements(t);
  if (!size || n * *size > 65536)
    return;
  auto old = m.buffers[t.buffer].bytes();
  auto bytes = std::make_shared<ir::Bytes>(static_cast<size_t>(n * *size));
  for (size_t i = 0; i < bytes->size(); ++i)
    (*bytes)[i] = i < old.size() ? old[i] : static_cast<uint8_t>(rng());
  set_data(m, t, std::move(bytes));
}

void mutate_tensor(ir::Model& m, ir::Subgraph& sg, std::mt19937& rng) {
  if (sg.tensors.empty())
    return;
  ir::Tensor& t = sg.tensors[below(sg.tensors.size(), rng)];
  switch (rng() % 8) {
    case 0:
    case 1:  // one dimension
      if (!t.shape.empty())
        t.shape[below(t.shape.size(), rng)] = pick(kDims, rng);
      break;
    case 2:  // rank
      if (rng() % 2 == 0 && !t.shape.empty())
        t.shape.erase(t.shape.begin() + static_cast<ptrdiff_t>(below(t.shape.size(), rng)));
      else
        t.shape.insert(t.shape.begin() + static_cast<ptrdiff_t>(below(t.shape.size() + 1, rng)),
                       pick(kDims, rng));
      break;
    case 3:
      t.type = pick(kTypesOfTensors, rng);
      break;
    case 4:
    case 5: {  // quantisation
      if (!t.quantization)
        t.quantization.emplace();
      ir::Quantization& q = *t.quantization;
      const size_t n = rng() % 4 == 0 && !t.shape.empty()
                           ? static_cast<size_t>(std::max(1, t.shape[below(t.shape.size(), rng)]))
                           : 1;
      if (rng() % 3 == 0)
        q.scale.assign(std::min<size_t>(n, 4096), pick(kScales, rng));
      else if (!q.scale.empty())
        q.scale[below(q.scale.size(), rng)] = pick(kScales, rng);
      if (rng() % 3 == 0)
        q.zero_point.assign(q.scale.size(), pick(kZeroPoints, rng));
      else if (!q.zero_point.empty())
        q.zero_point[below(q.zero_point.size(), rng)] = pick(kZeroPoints, rng);
      if (rng() % 4 == 0)
        q.quantized_dimension = static_cast<int32_t>(rng() % 5);
      break;
    }
    case 6:
      t.quantization.reset();
      break;
    case 7:  // constant or not
      if (constant(m, t))
        t.buffer = 0;
      else if (!m.buffers.empty())
        t.buffer = static_cast<uint32_t>(below(m.buffers.size(), rng));
      break;
  }
  refit_data(m, t, rng);
}

// Changes one value of a small integer constant (axes, paddings, shapes, begin/end/strides).
void mutate_constant_values(ir::Model& m, ir::Subgraph& sg, std::mt19937& rng) {
  std::vector<ir::Tensor*> ints;
  for (ir::Tensor& t : sg.tensors) {
    if ((t.type == ir::DataType::kInt32 || t.type == ir::DataType::kInt64) && constant(m, t) &&
        elements(t) <= 64)
      ints.push_back(&t);
  }
  if (ints.empty())
    return;
  ir::Tensor& t = *ints[below(ints.size(), rng)];
  auto bytes = std::make_shared<ir::Bytes>(m.buffers[t.buffer].bytes().begin(),
                                           m.buffers[t.buffer].bytes().end());
  const size_t width = t.type == ir::DataType::kInt64 ? 8 : 4;
  const size_t i = below(bytes->size() / width, rng);
  const int64_t v = pick(kSmallInts, rng);
  if (width == 8) {
    std::memcpy(bytes->data() + i * 8, &v, 8);
  } else {
    const auto v32 = static_cast<int32_t>(v);
    std::memcpy(bytes->data() + i * 4, &v32, 4);
  }
  set_data(m, t, std::move(bytes));
}

int32_t random_tensor(const ir::Subgraph& sg, std::mt19937& rng) {
  return static_cast<int32_t>(below(sg.tensors.size(), rng));
}

void mutate_operator_io(ir::Subgraph& sg, std::mt19937& rng) {
  if (sg.operators.empty() || sg.tensors.empty())
    return;
  ir::Operator& op = sg.operators[below(sg.operators.size(), rng)];
  std::vector<int32_t>& list = rng() % 4 == 0 ? op.outputs : op.inputs;
  switch (rng() % 4) {
    case 0:
    case 1:
      if (!list.empty())
        list[below(list.size(), rng)] = rng() % 8 == 0 ? -1 : random_tensor(sg, rng);
      break;
    case 2:
      list.push_back(random_tensor(sg, rng));
      break;
    case 3:
      if (!list.empty())
        list.erase(list.begin() + static_cast<ptrdiff_t>(below(list.size(), rng)));
      break;
  }
}

// One field of the operator's options, through the object API.
void mutate_options(ir::Operator& op, std::mt19937& rng) {
  if (op.builtin_options.empty())
    return;
  tflite::BuiltinOptionsUnion u;
  u.type = static_cast<tflite::BuiltinOptions>(op.builtin_options.type);
  u.value = tflite::BuiltinOptionsUnion::UnPack(
      flatbuffers::GetRoot<flatbuffers::Table>(op.builtin_options.table.data()), u.type, nullptr);
  if (u.value == nullptr)
    return;
  auto small = [&] { return static_cast<int32_t>(pick(kSmallInts, rng)); };
  auto activation = [&] { return static_cast<tflite::ActivationFunctionType>(rng() % 7); };
  auto padding = [&] { return static_cast<tflite::Padding>(rng() % 3); };
  if (auto* o = u.AsConv2DOptions()) {
    switch (rng() % 4) {
      case 0:
        o->padding = padding();
        break;
      case 1:
        (rng() % 2 ? o->stride_w : o->stride_h) = small();
        break;
      case 2:
        (rng() % 2 ? o->dilation_w_factor : o->dilation_h_factor) = small();
        break;
      case 3:
        o->fused_activation_function = activation();
        break;
    }
  } else if (auto* o = u.AsDepthwiseConv2DOptions()) {
    switch (rng() % 5) {
      case 0:
        o->padding = padding();
        break;
      case 1:
        (rng() % 2 ? o->stride_w : o->stride_h) = small();
        break;
      case 2:
        (rng() % 2 ? o->dilation_w_factor : o->dilation_h_factor) = small();
        break;
      case 3:
        o->fused_activation_function = activation();
        break;
      case 4:
        o->depth_multiplier = small();
        break;
    }
  } else if (auto* o = u.AsPool2DOptions()) {
    switch (rng() % 4) {
      case 0:
        o->padding = padding();
        break;
      case 1:
        (rng() % 2 ? o->stride_w : o->stride_h) = small();
        break;
      case 2:
        (rng() % 2 ? o->filter_width : o->filter_height) = small();
        break;
      case 3:
        o->fused_activation_function = activation();
        break;
    }
  } else if (auto* o = u.AsFullyConnectedOptions()) {
    if (rng() % 2)
      o->keep_num_dims = !o->keep_num_dims;
    else
      o->fused_activation_function = activation();
  } else if (auto* o = u.AsConcatenationOptions()) {
    if (rng() % 2)
      o->axis = small();
    else
      o->fused_activation_function = activation();
  } else if (auto* o = u.AsAddOptions()) {
    o->fused_activation_function = activation();
  } else if (auto* o = u.AsSubOptions()) {
    o->fused_activation_function = activation();
  } else if (auto* o = u.AsMulOptions()) {
    o->fused_activation_function = activation();
  } else if (auto* o = u.AsReshapeOptions()) {
    if (!o->new_shape.empty() && rng() % 2)
      o->new_shape[below(o->new_shape.size(), rng)] = small();
    else
      o->new_shape.push_back(small());
  } else if (auto* o = u.AsSplitOptions()) {
    o->num_splits = small();
  } else if (auto* o = u.AsReducerOptions()) {
    o->keep_dims = !o->keep_dims;
  } else if (auto* o = u.AsStridedSliceOptions()) {
    (rng() % 2 ? o->begin_mask : rng() % 2 ? o->end_mask : o->shrink_axis_mask) = small() & 15;
  } else if (auto* o = u.AsLeakyReluOptions()) {
    o->alpha = pick(kScales, rng) * (rng() % 2 ? 1.0f : -1.0f);
  } else if (auto* o = u.AsSoftmaxOptions()) {
    o->beta = pick(kScales, rng);
  } else {
    return;
  }
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(u.Pack(fbb));
  op.builtin_options.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

void mutate_graph(ir::Subgraph& sg, std::mt19937& rng) {
  switch (rng() % 6) {
    case 0: {  // subgraph inputs or outputs
      std::vector<int32_t>& list = rng() % 2 ? sg.inputs : sg.outputs;
      if (!list.empty() && rng() % 2)
        list.erase(list.begin() + static_cast<ptrdiff_t>(below(list.size(), rng)));
      else if (!sg.tensors.empty())
        list.push_back(random_tensor(sg, rng));
      break;
    }
    case 1:  // swap neighbouring operators
      if (sg.operators.size() >= 2) {
        const size_t i = below(sg.operators.size() - 1, rng);
        std::swap(sg.operators[i], sg.operators[i + 1]);
      }
      break;
    case 2:  // delete an operator
      if (!sg.operators.empty())
        sg.operators.erase(sg.operators.begin() +
                           static_cast<ptrdiff_t>(below(sg.operators.size(), rng)));
      break;
    case 3:  // a second reader: the operator applied again into a new tensor, also an output
    case 4: {
      if (sg.operators.empty())
        break;
      const size_t i = below(sg.operators.size(), rng);
      ir::Operator copy = sg.operators[i];
      for (int32_t& out : copy.outputs) {
        if (out < 0 || out >= static_cast<int32_t>(sg.tensors.size()))
          continue;
        ir::Tensor t = sg.tensors[out];
        t.name += "_again";
        t.buffer = 0;
        sg.tensors.push_back(std::move(t));
        out = static_cast<int32_t>(sg.tensors.size() - 1);
        sg.outputs.push_back(out);
      }
      sg.operators.insert(sg.operators.begin() + static_cast<ptrdiff_t>(i) + 1, std::move(copy));
      break;
    }
    case 5:
      if (!sg.operators.empty())
        sg.operators[below(sg.operators.size(), rng)].type = pick(kTypes, rng);
      break;
  }
}

}  // namespace

void mutate_model(ir::Model& model, std::mt19937& rng) {
  if (model.subgraphs.empty())
    return;
  ir::Subgraph& sg = model.subgraphs[below(model.subgraphs.size(), rng)];
  switch (rng() % 6) {
    case 0:
    case 1:
      mutate_tensor(model, sg, rng);
      break;
    case 2:
      mutate_constant_values(model, sg, rng);
      break;
    case 3:
      mutate_operator_io(sg, rng);
      break;
    case 4:
      if (!sg.operators.empty())
        mutate_options(sg.operators[below(sg.operators.size(), rng)], rng);
      break;
    case 5:
      mutate_graph(sg, rng);
      break;
  }
}

}  // namespace euc::fuzz

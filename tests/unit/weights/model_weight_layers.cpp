#include "model_weight_layers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "tflite/options.hpp"
#include "weights/weight_stream.hpp"

namespace euc::test {
namespace {

template <class T>
std::vector<T> values_of(std::span<const std::uint8_t> bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

const ir::Quantization& quantisation_of(const ir::Tensor& t) {
  if (!t.quantization || t.quantization->scale.empty()) {
    throw_input(fmt::format("tensor '{}' is not quantised", t.name));
  }
  return *t.quantization;
}

// Vela sums H x W with a depthwise convolution of unit weights (uint8 1, zero point 0), zero
// bias and the explicit scale 1 >> 0 into an int32 OFM, and rescales in a MUL after it; with more
// than 64 rows or 4096 elements it splits the sum over several convolutions (not needed here).
ModelWeightLayer mean_layer(const ir::Model& model, const ir::Subgraph& g, const ir::Operator& op,
                            std::size_t index) {
  const ir::Tensor& ifm = g.tensors.at(static_cast<std::size_t>(op.inputs.at(0)));
  const ir::Tensor& axes = g.tensors.at(static_cast<std::size_t>(op.inputs.at(1)));
  const ir::Tensor& ofm = g.tensors.at(static_cast<std::size_t>(op.outputs.at(0)));
  auto axis = values_of<std::int32_t>(model.tensor_data(axes));
  std::sort(axis.begin(), axis.end());
  if (ifm.shape.size() != 4 || axis != std::vector<std::int32_t>{1, 2} || ifm.shape[1] > 64 ||
      ifm.shape[1] * ifm.shape[2] > 4096) {
    throw_input(
        fmt::format("MEAN operator {}: only a single-convolution mean over H and W", index));
  }
  ModelWeightLayer layer;
  layer.operator_index = index;
  layer.type = op.type;
  layer.name = ofm.name;
  layer.ifm_depth = ifm.shape[3];
  layer.shape = {ifm.shape[3], ifm.shape[1], ifm.shape[2], 1};
  layer.ohwi.assign(static_cast<std::size_t>(layer.shape.elements()), 1);
  layer.biases.assign(static_cast<std::size_t>(layer.shape.ofm_depth), 0);
  layer.explicit_scale = weights::QuantisedScale{1, 0};
  return layer;
}

}  // namespace

std::vector<weights::ScaleRecord> layer_scale_records(const ModelWeightLayer& layer) {
  if (layer.explicit_scale) {
    std::vector<weights::ScaleRecord> records;
    for (const std::int64_t bias : layer.biases) {
      records.push_back({bias, layer.explicit_scale->multiplier, layer.explicit_scale->shift});
    }
    return records;
  }
  return weights::make_scale_records(layer.biases, layer.ifm_scale, layer.weight_scales,
                                     layer.ofm_scale, layer.scale_options);
}

std::vector<ModelWeightLayer> model_weight_layers(const ir::Model& model) {
  const ir::Subgraph& g = model.subgraphs.at(0);
  std::vector<ModelWeightLayer> layers;
  for (std::size_t index = 0; index < g.operators.size(); ++index) {
    const ir::Operator& op = g.operators[index];
    if (op.type == ir::BuiltinOp::MEAN) {
      layers.push_back(mean_layer(model, g, op, index));
      continue;
    }
    if (op.type != ir::BuiltinOp::CONV_2D && op.type != ir::BuiltinOp::DEPTHWISE_CONV_2D &&
        op.type != ir::BuiltinOp::FULLY_CONNECTED) {
      continue;
    }
    const ir::Tensor& ifm = g.tensors.at(static_cast<std::size_t>(op.inputs.at(0)));
    const ir::Tensor& w = g.tensors.at(static_cast<std::size_t>(op.inputs.at(1)));
    const ir::Tensor& ofm = g.tensors.at(static_cast<std::size_t>(op.outputs.at(0)));
    ModelWeightLayer layer;
    layer.operator_index = index;
    layer.type = op.type;
    layer.name = ofm.name;
    layer.ifm_depth = ifm.shape.back();
    const auto& s = w.shape;
    if (op.type == ir::BuiltinOp::CONV_2D) {
      layer.shape = {s.at(0), s.at(1), s.at(2), s.at(3)};
      const auto* o = tfl::builtin_options_as<tflite::Conv2DOptions>(op);
      layer.stride_x = o->stride_w();
      layer.stride_y = o->stride_h();
    } else if (op.type == ir::BuiltinOp::DEPTHWISE_CONV_2D) {
      layer.shape = {s.at(3), s.at(1), s.at(2), 1};
      const auto* o = tfl::builtin_options_as<tflite::DepthwiseConv2DOptions>(op);
      layer.stride_x = o->stride_w();
      layer.stride_y = o->stride_h();
    } else {
      layer.shape = {s.at(0), 1, 1, s.at(1)};
    }

    // Weights: int8 or uint8, zero point per output channel or per tensor.
    const ir::Quantization& wq = quantisation_of(w);
    const auto raw = model.tensor_data(w);
    const std::int64_t per_channel = layer.shape.elements() / layer.shape.ofm_depth;
    layer.ohwi.resize(static_cast<std::size_t>(layer.shape.elements()));
    for (int o = 0; o < layer.shape.ofm_depth; ++o) {
      const std::int64_t zp =
          wq.zero_point.empty() ? 0 : wq.zero_point[wq.zero_point.size() == 1 ? 0 : o];
      for (std::int64_t k = 0; k < per_channel; ++k) {
        // The depthwise layout [1, H, W, C] has the channel innermost.
        const std::size_t src = op.type == ir::BuiltinOp::DEPTHWISE_CONV_2D
                                    ? static_cast<std::size_t>(k * layer.shape.ofm_depth + o)
                                    : static_cast<std::size_t>(o * per_channel + k);
        const int value = w.type == ir::DataType::kInt8 ? static_cast<std::int8_t>(raw[src])
                                                        : static_cast<int>(raw[src]);
        layer.ohwi[static_cast<std::size_t>(o * per_channel + k)] =
            static_cast<std::int16_t>(value - zp);
      }
    }

    layer.biases.assign(static_cast<std::size_t>(layer.shape.ofm_depth), 0);
    bool int64_bias = false;
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
      const ir::Tensor& b = g.tensors.at(static_cast<std::size_t>(op.inputs[2]));
      int64_bias = b.type == ir::DataType::kInt64;
      if (int64_bias) {
        layer.biases = values_of<std::int64_t>(model.tensor_data(b));
      } else {
        const auto v = values_of<std::int32_t>(model.tensor_data(b));
        layer.biases.assign(v.begin(), v.end());
      }
    }

    layer.ifm_scale = quantisation_of(ifm).scale[0];
    layer.ofm_scale = quantisation_of(ofm).scale[0];
    layer.weight_scales = wq.scale;
    // Vela 3.10 weight_compressor.py: the float32 product for uint8 IFMs and fully connected
    // layers, reduced precision for int16 IFMs with int64 biases.
    layer.scale_options.product =
        ifm.type == ir::DataType::kUInt8 || op.type == ir::BuiltinOp::FULLY_CONNECTED
            ? weights::ScaleProduct::kFloat32
            : weights::ScaleProduct::kDouble;
    layer.scale_options.reduced_precision = ifm.type == ir::DataType::kInt16 && int64_bias;
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace euc::test

#include "weights/constant_encoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "arch/operation_kinds.hpp"
#include "core/error.hpp"
#include "scheduler/estimated_weights.hpp"
#include "weights/weight_stream.hpp"

namespace euc::weights {
namespace {

int64_t align16(int64_t v) {
  return (v + 15) / 16 * 16;
}

// Signed weight values of a constant tensor, zero point subtracted, as OHWI with `shape`.
std::vector<int16_t> weights_ohwi(const ir::NpuTensor& w, const ir::NpuOp& op, OhwiShape& shape) {
  const auto& ws = w.weight_shape;
  const uint8_t* data = w.data->data();
  auto zp_of = [&](int channel) -> int32_t {
    if (w.channel_zero_points.empty())
      return 0;
    if (w.channel_zero_points.size() == 1)
      return static_cast<int32_t>(w.channel_zero_points[0]);
    return static_cast<int32_t>(w.channel_zero_points.at(channel));
  };
  auto value = [&](size_t i) -> int32_t {
    return w.type == ir::DataType::kUInt8 ? data[i] : static_cast<int8_t>(data[i]);
  };
  std::vector<int16_t> out;
  const arch::WeightLayout layout = arch::operation_kind(op.type).weights;
  if (layout == arch::WeightLayout::kDepthwise) {
    // TFLite depthwise weights are [1, H, W, C]: one kernel per channel.
    shape = {ws[3], ws[1], ws[2], 1};
    out.resize(static_cast<size_t>(shape.elements()));
    for (int c = 0; c < ws[3]; ++c) {
      for (int y = 0; y < ws[1]; ++y) {
        for (int x = 0; x < ws[2]; ++x) {
          size_t src = (static_cast<size_t>(y) * ws[2] + x) * ws[3] + c;
          out[shape.index(c, y, x, 0)] = static_cast<int16_t>(value(src) - zp_of(c));
        }
      }
    }
    return out;
  }
  if (layout == arch::WeightLayout::kMatrix) {
    shape = {ws[0], 1, 1, ws[1]};
  } else {
    shape = {ws[0], ws[1], ws[2], ws[3]};
  }
  out.resize(static_cast<size_t>(shape.elements()));
  const int64_t per_channel = shape.elements() / shape.ofm_depth;
  for (int64_t i = 0; i < shape.elements(); ++i) {
    out[static_cast<size_t>(i)] = static_cast<int16_t>(value(static_cast<size_t>(i)) -
                                                       zp_of(static_cast<int>(i / per_channel)));
  }
  return out;
}

std::vector<int64_t> biases(const ir::NpuGraph& graph, const ir::NpuOp& op, int channels) {
  std::vector<int64_t> out(channels, 0);
  if (op.bias < 0)
    return out;
  const ir::NpuTensor& b = graph.tensors[op.bias];
  const uint8_t* d = b.data->data();
  for (int c = 0; c < channels; ++c) {
    if (b.type == ir::DataType::kInt64) {
      int64_t v;
      std::memcpy(&v, d + 8 * c, 8);
      out[c] = v;
    } else {
      int32_t v;
      std::memcpy(&v, d + 4 * c, 4);
      out[c] = v;
    }
  }
  return out;
}

// One record per channel with the lowering's own (multiplier, shift) and the channel's bias.
std::vector<ScaleRecord> explicit_scale_records(const std::vector<int64_t>& bias,
                                                std::pair<uint32_t, int> scale) {
  std::vector<ScaleRecord> out;
  out.reserve(bias.size());
  for (int64_t b : bias)
    out.push_back(ScaleRecord{b, scale.first, scale.second});
  return out;
}

// Encodes one operation's weights and scale records (empty for operations without weights).
EncodedWeights encode_operation(const ir::NpuGraph& graph, const scheduler::Plan& plan,
                                const arch::AcceleratorConfig& accelerator, size_t i) {
  const ir::NpuOp& op = graph.ops[i];
  const ir::NpuTensor& w = graph.tensors[op.weights];
  const ir::NpuTensor& ifm = graph.tensors[op.ifm.tensor];
  const ir::NpuTensor& ofm = graph.tensors[op.ofm.tensor];
  LayerWeights layer;
  std::vector<int16_t> values = weights_ohwi(w, op, layer.shape);
  layer.weights = values;
  std::vector<float> weight_scales(w.channel_scales.begin(), w.channel_scales.end());
  if (weight_scales.empty())
    weight_scales.push_back(1.0f);
  ConvScaleOptions scale_options;
  // TFLite forms ifm_scale * weight_scale in float32 for fully connected layers with per-tensor
  // weights (its per-channel path multiplies in double, as for convolutions) and uint8 layers.
  if ((arch::operation_kind(op.type).float32_scale_product && weight_scales.size() == 1) ||
      ifm.type == ir::DataType::kUInt8) {
    scale_options.product = ScaleProduct::kFloat32;
  }
  // int16 IFMs accumulate in 64 bits, and TFLite then scales with a 16-bit multiplier, unless an
  // int32 bias asks for 32-bit accumulation. Without a bias TFLite accumulates in 64 bits too
  // (an int16 operator without bias that asks for int32 accumulation through quantized_bias_type
  // stays on the CPU: constraint int16_no_bias_int32_accumulation).
  scale_options.reduced_precision = reduced_precision_scaling(graph, op);
  std::vector<int64_t> bias = biases(graph, op, layer.shape.ofm_depth);
  std::vector<ScaleRecord> records =
      op.explicit_scale
          ? explicit_scale_records(bias, *op.explicit_scale)
          : make_scale_records(bias, static_cast<float>(ifm.quant.scale), weight_scales,
                               static_cast<float>(ofm.quant.scale), scale_options);
  layer.scales = records;

  const arch::BlockConfig& block = plan.ops[i].block;
  WeightTraversal traversal =
      arch::operation_kind(op.type).weights == arch::WeightLayout::kDepthwise
          ? WeightTraversal::kDepthwise
      : block.part_kernel_first ? WeightTraversal::kPartKernelFirst
                                : WeightTraversal::kDepthFirst;
  int ifm_bits = *ir::element_size(ifm.type) * 8;
  WeightEncodingParams params;
  params.reorder = reorder_params(accelerator, traversal, block.ofm_block.depth, ifm_bits,
                                  op.kernel.dilation_x, op.kernel.dilation_y);
  params.cores = accelerator.cores;
  const auto& slices = plan.ops[i].weight_buffer.depth_slices;
  if (slices.size() > 2)
    params.depth_slices = slices;
  else
    params.depth_slices = {0, layer.shape.ofm_depth};
  // The fast effort loses 0.02% of stream size over all shared models and saves a third of the
  // compile time (bench/weights/mlw_vs_vela).
  params.mlw.effort = MlwEffort::kFast;
  return encode_layer_weights(layer, params);
}

// Runs encode_operation for every operation with weights, spread over the machine's cores;
// results stay in operation order, so the output does not depend on the thread count.
std::vector<EncodedWeights> encode_all(const ir::NpuGraph& graph, const scheduler::Plan& plan,
                                       const arch::AcceleratorConfig& accelerator) {
  std::vector<EncodedWeights> out(graph.ops.size());
  std::vector<size_t> jobs;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    if (graph.ops[i].weights >= 0)
      jobs.push_back(i);
  }
  // Largest first, so that no big layer starts last while the other threads idle.
  auto weight_count = [&](size_t i) {
    return graph.tensors[graph.ops[i].weights].shape.elements();
  };
  std::stable_sort(jobs.begin(), jobs.end(),
                   [&](size_t a, size_t b) { return weight_count(a) > weight_count(b); });
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (size_t j = next++; j < jobs.size(); j = next++) {
      try {
        out[jobs[j]] = encode_operation(graph, plan, accelerator, jobs[j]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure)
          failure = std::current_exception();
      }
    }
  };
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), jobs.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (auto& t : pool)
    t.join();
  if (failure)
    std::rethrow_exception(failure);
  return out;
}

}  // namespace

bool reduced_precision_scaling(const ir::NpuGraph& graph, const ir::NpuOp& op) {
  if (op.weights < 0)
    return false;
  const bool int32_bias = op.bias >= 0 && graph.tensors[op.bias].type == ir::DataType::kInt32;
  return graph.tensors[op.ifm.tensor].type == ir::DataType::kInt16 && !int32_bias;
}

std::vector<uint8_t> lut_image(const ir::Lut& lut) {
  const std::optional<int> element = ir::element_size(lut.type);
  const int bits = element ? *element * 8 : 0;
  const auto bytes = static_cast<size_t>(arch::lut_table_bytes(bits));
  const size_t entry_bytes = bits == 8 ? 1 : 4;
  if (bytes == 0 || lut.values.size() * entry_bytes != bytes)
    throw Error(ErrorKind::kInternal, fmt::format("a lookup table of {} entries for a {}-bit OFM",
                                                  lut.values.size(), bits));
  const auto [lo, hi] = ir::integer_range(lut.type);
  std::vector<uint8_t> image;
  image.reserve(bytes);
  for (int32_t v : lut.values) {
    if (bits == 8 && (v < lo || v > hi))
      throw Error(ErrorKind::kInternal,
                  fmt::format("lookup table entry {} outside {}", v, ir::data_type_name(lut.type)));
    const auto word = static_cast<uint32_t>(v);
    for (size_t b = 0; b < entry_bytes; ++b)
      image.push_back(static_cast<uint8_t>(word >> (8 * b)));
  }
  return image;
}

int64_t NpuWeightEncoder::estimate_stream_bytes(const ir::NpuGraph& graph,
                                                const ir::NpuOp& op) const {
  return scheduler::EstimatedWeights{}.estimate_stream_bytes(graph, op);
}

scheduler::ConstantLayout NpuWeightEncoder::encode(const ir::NpuGraph& graph,
                                                   const scheduler::Plan& plan) const {
  const arch::AcceleratorConfig& accelerator = accelerator_;
  scheduler::ConstantLayout layout;
  layout.op_weights.resize(graph.ops.size());
  layout.op_streams.resize(graph.ops.size());
  layout.op_slices.resize(graph.ops.size());
  layout.tensor_address.assign(graph.tensors.size(), -1);
  // Identical byte strings are stored once: by hash, then compared with what flash holds.
  std::unordered_multimap<size_t, std::pair<int64_t, size_t>> stored;  // -> (offset, size)
  auto store = [&](const std::vector<uint8_t>& bytes) {
    const size_t hash = std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    for (auto [it, end] = stored.equal_range(hash); it != end; ++it) {
      const auto [offset, size] = it->second;
      if (size == bytes.size() &&
          std::equal(bytes.begin(), bytes.end(), layout.flash.begin() + offset))
        return offset;
    }
    int64_t at = align16(static_cast<int64_t>(layout.flash.size()));
    layout.flash.resize(static_cast<size_t>(at), 0);
    layout.flash.insert(layout.flash.end(), bytes.begin(), bytes.end());
    layout.flash.resize(static_cast<size_t>(align16(static_cast<int64_t>(layout.flash.size()))), 0);
    stored.emplace(hash, std::make_pair(at, bytes.size()));
    return at;
  };

  std::vector<EncodedWeights> all = encode_all(graph, plan, accelerator);
  size_t flash_bound = 0;
  for (const EncodedWeights& e : all)
    flash_bound += e.bytes.size() + 16;
  layout.flash.reserve(flash_bound);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const ir::NpuOp& op = graph.ops[i];
    if (op.weights < 0)
      continue;
    const ir::NpuTensor& w = graph.tensors[op.weights];
    const EncodedWeights& encoded = all[i];
    int64_t base = store(encoded.bytes);
    layout.op_streams[i] = {base, align16(static_cast<int64_t>(encoded.bytes.size()))};
    layout.original_weight_bytes += static_cast<int64_t>(w.data->size());
    layout.encoded_weight_bytes += static_cast<int64_t>(encoded.bytes.size());
    // Every slice: its cores' ranges, and the bytes from its first range to its last one's end.
    std::vector<int> starts;
    for (const auto& [key, range] : encoded.ranges) {
      if (std::find(starts.begin(), starts.end(), key.depth) == starts.end())
        starts.push_back(key.depth);
    }
    std::sort(starts.begin(), starts.end());
    for (size_t k = 0; k < starts.size(); ++k) {
      scheduler::ConstantLayout::Slice slice;
      slice.depth_begin = starts[k];
      slice.depth_end = k + 1 < starts.size() ? starts[k + 1] : op.ofm.shape.c;
      size_t begin = SIZE_MAX, end = 0;
      for (int core = 0; core < accelerator.cores; ++core) {
        auto it = encoded.ranges.find({core, starts[k]});
        if (it == encoded.ranges.end()) {
          // A core with no channels in this slice reads nothing (core 0's place, zero lengths).
          scheduler::WeightAddresses idle =
              slice.cores.empty() ? scheduler::WeightAddresses{} : slice.cores.front();
          idle.scale_length = 0;
          idle.weight_length = 0;
          slice.cores.push_back(idle);
          continue;
        }
        const WeightRange& r = it->second;
        scheduler::WeightAddresses a;
        a.scale_address = static_cast<uint64_t>(base) + r.offset;
        a.scale_length = r.scale_bytes;
        a.weight_address = a.scale_address + r.weight_offset;
        a.weight_length = r.weight_bytes;
        slice.cores.push_back(a);
        begin = std::min(begin, r.offset);
        end = std::max(end, r.offset + r.weight_offset + r.weight_bytes);
      }
      slice.stream = {base + static_cast<int64_t>(begin),
                      align16(static_cast<int64_t>(end - begin))};
      layout.op_slices[i].push_back(std::move(slice));
    }
    // Core 0 always has channels in the first slice; its per-core addresses are op_weights.
    if (layout.op_slices[i].empty() || !encoded.ranges.count({0, 0}))
      throw Error(ErrorKind::kInternal, fmt::format("no weights for core 0 of '{}'", op.name));
    layout.op_weights[i] = layout.op_slices[i].front().cores;
  }
  // Constant feature maps (elementwise operands) are stored as they are, NHWC.
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const ir::NpuTensor& tensor = graph.tensors[t];
    if (!tensor.is_constant())
      continue;
    bool used_as_feature_map = false;
    for (const ir::NpuOp& op : graph.ops) {
      used_as_feature_map |=
          op.ifm.tensor == static_cast<int>(t) || op.ifm2.tensor == static_cast<int>(t);
    }
    if (used_as_feature_map)
      layout.tensor_address[t] = store(*tensor.data);
  }
  for (const ir::Lut& lut : graph.luts) {
    const std::vector<uint8_t> image = lut_image(lut);
    layout.luts.push_back({store(image), static_cast<int64_t>(image.size())});
  }
  return layout;
}

}  // namespace euc::weights

#include "weights/weight_stream.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "weights/mlw_format.hpp"

namespace euc::weights {
namespace {

// Scale records and weight streams each start 16-byte aligned: the weight decoder fetches
// 16-byte words (the same alignment as the MLW stream padding).
constexpr std::size_t kSubstreamAlignment = mlw::kStreamAlignment;

void pad_to_alignment(std::vector<std::uint8_t>& bytes) {
  bytes.resize((bytes.size() + kSubstreamAlignment - 1) / kSubstreamAlignment *
               kSubstreamAlignment);
}

void check(const LayerWeights& layer, const WeightEncodingParams& params) {
  const int ofm_depth = layer.shape.ofm_depth;
  if (!layer.weights.empty() &&
      static_cast<std::int64_t>(layer.weights.size()) != layer.shape.elements()) {
    throw_input(fmt::format("layer weights: {} values for OHWI [{}, {}, {}, {}]",
                            layer.weights.size(), ofm_depth, layer.shape.height, layer.shape.width,
                            layer.shape.ifm_depth));
  }
  if (layer.scales.size() != static_cast<std::size_t>(ofm_depth)) {
    throw_input(fmt::format("layer weights: {} scale records for {} output channels",
                            layer.scales.size(), ofm_depth));
  }
  if (params.cores < 1) {
    throw_input(fmt::format("layer weights: {} cores", params.cores));
  }
  if (params.reorder.ofm_block_depth < params.cores) {
    throw_input(fmt::format("layer weights: OFM block depth {} leaves a core without channels",
                            params.reorder.ofm_block_depth));
  }
  const auto& s = params.depth_slices;
  bool ok = s.size() >= 2 && s.front() >= 0 && s.back() <= ofm_depth;
  for (std::size_t i = 1; ok && i < s.size(); ++i) {
    ok = s[i - 1] < s[i];
  }
  if (!ok) {
    throw_input(
        fmt::format("layer weights: depth slices [{}] must rise from >= 0 to <= the OFM depth {}",
                    fmt::join(s, ", "), ofm_depth));
  }
}

// The OHWI weights of output channels first, first + step, ... below end.
std::vector<std::int16_t> gather_channels(const LayerWeights& layer, int first, int end, int step) {
  const auto per_channel = static_cast<std::size_t>(layer.shape.elements() / layer.shape.ofm_depth);
  std::vector<std::int16_t> out;
  for (int o = first; o < end; o += step) {
    const auto begin = layer.weights.begin() + static_cast<std::ptrdiff_t>(per_channel) * o;
    out.insert(out.end(), begin, begin + static_cast<std::ptrdiff_t>(per_channel));
  }
  return out;
}

}  // namespace

std::vector<ScaleRecord> make_scale_records(std::span<const std::int64_t> biases, float ifm_scale,
                                            std::span<const float> weight_scales, float ofm_scale,
                                            const ConvScaleOptions& options) {
  if (weight_scales.size() != 1 && weight_scales.size() != biases.size()) {
    throw_input(fmt::format("{} weight scales for {} output channels", weight_scales.size(),
                            biases.size()));
  }
  std::vector<ScaleRecord> records;
  records.reserve(biases.size());
  for (std::size_t c = 0; c < biases.size(); ++c) {
    const float weight_scale = weight_scales[weight_scales.size() == 1 ? 0 : c];
    const QuantisedScale q = quantise_conv_scale(ifm_scale, weight_scale, ofm_scale, options);
    records.push_back({biases[c], q.multiplier, q.shift});
  }
  return records;
}

EncodedWeights encode_layer_weights(const LayerWeights& layer, const WeightEncodingParams& params) {
  check(layer, params);
  const int cores = params.cores;
  const OhwiShape& shape = layer.shape;
  EncodedWeights out;
  std::size_t index = 0;
  for (std::size_t slice = 0; slice + 1 < params.depth_slices.size(); ++slice) {
    const int slice_start = params.depth_slices[slice];
    const int slice_end = params.depth_slices[slice + 1];
    const std::size_t slice_offset = out.bytes.size();
    for (int core = 0; core < std::min(cores, shape.ofm_depth); ++core) {
      const std::string where = fmt::format("slice at OFM channel {}, core {}", slice_start, core);
      WeightRange range;
      range.offset = out.bytes.size();
      range.index = index++;

      std::vector<ScaleRecord> records;
      for (int o = slice_start + core; o < slice_end; o += cores) {
        records.push_back(layer.scales[static_cast<std::size_t>(o)]);
      }
      try {
        const std::vector<std::uint8_t> packed = pack_scale_records(records);
        out.bytes.insert(out.bytes.end(), packed.begin(), packed.end());
        range.scale_bytes = packed.size();
      } catch (const Error& e) {
        throw_input(fmt::format("layer weights, {}: {}", where, e.what()));
      }
      pad_to_alignment(out.bytes);

      // A core with no channels in the slice has no stream at all (Vela writes none either).
      if (!layer.weights.empty() && !records.empty()) {
        OhwiShape core_shape = shape;
        core_shape.ofm_depth = static_cast<int>(records.size());
        ReorderParams reorder = params.reorder;
        reorder.ofm_block_depth = (params.reorder.ofm_block_depth + cores - 1 - core) / cores;
        try {
          const std::vector<std::int16_t> stream = reorder_weights(
              gather_channels(layer, slice_start + core, slice_end, cores), core_shape, reorder);
          const std::vector<std::uint8_t> encoded = encode_mlw(stream, params.mlw);
          range.weight_offset = out.bytes.size() - range.offset;
          range.weight_bytes = encoded.size();
          out.bytes.insert(out.bytes.end(), encoded.begin(), encoded.end());
        } catch (const Error& e) {
          throw_input(fmt::format("layer weights, {}: {}", where, e.what()));
        }
      } else {
        range.weight_offset = out.bytes.size() - range.offset;
      }
      out.ranges[{core, slice_start}] = range;
    }
    std::size_t& largest = out.double_buffer_sizes[slice % 2];
    largest = std::max(largest, out.bytes.size() - slice_offset);
  }
  return out;
}

}  // namespace euc::weights

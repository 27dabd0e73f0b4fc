#pragma once
// The encoded weight tensor of one convolution-like layer: per OFM depth slice, per core,
//   [scale records: 10 bytes per OFM channel, zero-padded to 16 bytes]
//   [MLW weight stream of the core's channels in NPU order, padded to 16 bytes]
// (docs/npu_architecture.md §Weight encoding; Vela 3.10 weight_compressor.py). Output channel c of
// a slice belongs to core (c - slice start) mod cores; each core's stream walks its channels with
// its share of the OFM block depth. Every (core, slice start) gets a WeightRange telling the code
// generator where that core's scales and weights are when it runs that slice.
#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "weights/mlw_encoder.hpp"
#include "weights/reorder.hpp"
#include "weights/scale_quantisation.hpp"
#include "weights/scale_record.hpp"

namespace euc::weights {

// The scale records of a layer's output channels: bias[c] with the quantised rescale factor
// ifm_scale * weight_scales[c] / ofm_scale. One weight scale stands for all channels (per-tensor
// quantisation). Which options an operator needs (weight_compressor.py
// _prepare_scale_and_bias):
//   product            kFloat32 for uint8 IFMs and for FULLY_CONNECTED, kDouble otherwise
//   reduced_precision  int16 IFM with an int64 bias
//   round_away_from_zero  operators rewritten to round away from zero (average pools and
//                      bilinear resizes lowered to convolutions)
// Throws an input error when the number of weight scales is neither 1 nor the number of biases.
std::vector<ScaleRecord> make_scale_records(std::span<const std::int64_t> biases, float ifm_scale,
                                            std::span<const float> weight_scales, float ofm_scale,
                                            const ConvScaleOptions& options = {});

struct LayerWeights {
  OhwiShape shape;
  // OHWI, zero point subtracted (-255..255); depthwise weights as [channels, H, W, 1]. Empty for
  // a scale-only tensor (weights shared with another layer that quantises differently).
  std::span<const std::int16_t> weights;
  std::span<const ScaleRecord> scales;  // one per OFM channel
};

struct WeightEncodingParams {
  // Traversal, micro-blocks, IFM bits and dilation as for reorder_weights. Its ofm_block_depth is
  // the OFM block's depth over all cores: core k of n walks (depth + n - 1 - k) / n channels per
  // block.
  ReorderParams reorder;
  int cores = 1;
  // Slice boundaries: 0 <= s0 < s1 < ... <= OFM depth, at least two; slice i is [s_i, s_i+1).
  std::vector<int> depth_slices;
  MlwEncodeOptions mlw;
};

struct WeightKey {
  int core = 0;
  int depth = 0;  // the slice's first OFM channel
  friend auto operator<=>(const WeightKey&, const WeightKey&) = default;
};

// Where one core's part of one slice is, in bytes from the start of the tensor.
struct WeightRange {
  std::size_t offset = 0;         // of the scale records
  std::size_t scale_bytes = 0;    // 10 per channel, padding excluded
  std::size_t weight_offset = 0;  // of the weight stream, from `offset`
  std::size_t weight_bytes = 0;   // the stream with its padding; 0 for a scale-only tensor
  std::size_t index = 0;          // ranges in tensor order (slice, then core)

  std::size_t total_bytes() const { return scale_bytes + weight_bytes; }
  friend bool operator==(const WeightRange&, const WeightRange&) = default;
};

struct EncodedWeights {
  std::vector<std::uint8_t> bytes;
  std::map<WeightKey, WeightRange> ranges;
  // The largest slice (all cores, padding included) among even and among odd slices: what two
  // buffers need when slices are double buffered.
  std::array<std::size_t, 2> double_buffer_sizes{};

  std::size_t max_range_bytes() const {
    return std::max(double_buffer_sizes[0], double_buffer_sizes[1]);
  }
  std::size_t double_buffer_size() const { return double_buffer_sizes[0] + double_buffer_sizes[1]; }
};

// Encodes a layer. Throws an input error for mismatched sizes, bad slices, or weights or
// records out of range, naming the slice and core where it applies.
EncodedWeights encode_layer_weights(const LayerWeights& layer, const WeightEncodingParams& params);

}  // namespace euc::weights

// The encoded weight tensor layout (weights/weight_stream.hpp): per slice, per core, the scale
// records padded to 16 bytes, then the core's MLW stream. vela_layer_weights_test.cpp checks the
// single-core layout against Vela's outputs; the two-core cases here follow
// docs/npu_architecture.md §Weight encoding (channel c to core c mod cores, each core walking its
// share of the block depth).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "weights/mlw_decoder.hpp"
#include "weights/weight_stream.hpp"

namespace euc::weights {
namespace {

struct TestLayer {
  OhwiShape shape;
  std::vector<std::int16_t> weights;
  std::vector<ScaleRecord> scales;

  LayerWeights view() const { return {shape, weights, scales}; }
  // OHWI weights of channels first, first + step, ... below end.
  std::vector<std::int16_t> channels(int first, int end, int step) const {
    const auto per = static_cast<std::size_t>(shape.elements() / shape.ofm_depth);
    std::vector<std::int16_t> out;
    for (int o = first; o < end; o += step) {
      out.insert(out.end(), weights.begin() + static_cast<std::ptrdiff_t>(per) * o,
                 weights.begin() + static_cast<std::ptrdiff_t>(per) * (o + 1));
    }
    return out;
  }
  std::vector<ScaleRecord> records(int first, int end, int step) const {
    std::vector<ScaleRecord> out;
    for (int o = first; o < end; o += step) {
      out.push_back(scales[static_cast<std::size_t>(o)]);
    }
    return out;
  }
};

TestLayer random_layer(const OhwiShape& shape, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-40, 40);
  TestLayer l{shape, std::vector<std::int16_t>(static_cast<std::size_t>(shape.elements())), {}};
  for (auto& w : l.weights) {
    w = static_cast<std::int16_t>(value(rng));
  }
  for (int o = 0; o < shape.ofm_depth; ++o) {
    l.scales.push_back({o * 1000 - 7, static_cast<std::uint32_t>(1u << 30) + o, 20 + o % 10});
  }
  return l;
}

WeightEncodingParams encoding(WeightTraversal traversal, int block_depth, std::vector<int> slices,
                              int cores = 1) {
  WeightEncodingParams p;
  p.reorder.traversal = traversal;
  p.reorder.ofm_block_depth = block_depth;
  p.cores = cores;
  p.depth_slices = std::move(slices);
  return p;
}

std::span<const std::uint8_t> bytes_at(const EncodedWeights& e, std::size_t offset,
                                       std::size_t size) {
  return std::span(e.bytes).subspan(offset, size);
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(WeightStream, OneCoreSlicesAreScalesThenStreamBackToBack) {
  const TestLayer l = random_layer({40, 3, 3, 24}, 1);
  const auto p = encoding(WeightTraversal::kDepthFirst, 16, {0, 16, 40});
  const EncodedWeights e = encode_layer_weights(l.view(), p);
  ASSERT_EQ(e.ranges.size(), 2u);
  std::size_t expected_offset = 0;
  std::size_t index = 0;
  for (const auto& [first, end] : {std::pair{0, 16}, std::pair{16, 40}}) {
    const WeightRange& r = e.ranges.at({0, first});
    EXPECT_EQ(r.index, index++);
    EXPECT_EQ(r.offset, expected_offset);
    EXPECT_EQ(r.scale_bytes, 10u * static_cast<std::size_t>(end - first));
    EXPECT_EQ(r.weight_offset, (r.scale_bytes + 15) / 16 * 16);
    EXPECT_EQ(r.weight_bytes % 16, 0u);
    EXPECT_EQ(unpack_scale_records(bytes_at(e, r.offset, r.scale_bytes)), l.records(first, end, 1));
    ReorderParams rp = p.reorder;
    const OhwiShape slice{end - first, 3, 3, 24};
    EXPECT_EQ(decode_mlw(bytes_at(e, r.offset + r.weight_offset, r.weight_bytes)),
              reorder_weights(l.channels(first, end, 1), slice, rp));
    expected_offset = r.offset + r.weight_offset + r.weight_bytes;
  }
  EXPECT_EQ(e.bytes.size(), expected_offset);
  EXPECT_EQ(e.double_buffer_sizes[0],
            e.ranges.at({0, 0}).weight_offset + e.ranges.at({0, 0}).weight_bytes);
  EXPECT_EQ(e.double_buffer_sizes[1], e.bytes.size() - e.double_buffer_sizes[0]);
  EXPECT_EQ(e.double_buffer_size(), e.bytes.size());
  EXPECT_EQ(e.max_range_bytes(), std::max(e.double_buffer_sizes[0], e.double_buffer_sizes[1]));
}

TEST(WeightStream, ScaleAreaIsZeroPaddedTo16Bytes) {
  const TestLayer l = random_layer({3, 1, 1, 8}, 2);
  const EncodedWeights e =
      encode_layer_weights(l.view(), encoding(WeightTraversal::kPartKernelFirst, 16, {0, 3}));
  const WeightRange& r = e.ranges.at({0, 0});
  EXPECT_EQ(r.scale_bytes, 30u);
  EXPECT_EQ(r.weight_offset, 32u);
  EXPECT_EQ(e.bytes[30], 0);
  EXPECT_EQ(e.bytes[31], 0);
}

TEST(WeightStream, TwoCoresInterleaveChannelsAndSplitTheBlockDepth) {
  const TestLayer l = random_layer({34, 1, 1, 16}, 3);
  // A block of 17 channels: core 0 walks blocks of 9, core 1 blocks of 8.
  const auto p = encoding(WeightTraversal::kDepthFirst, 17, {0, 34}, 2);
  const EncodedWeights e = encode_layer_weights(l.view(), p);
  ASSERT_EQ(e.ranges.size(), 2u);
  std::size_t expected_offset = 0;
  for (int core = 0; core < 2; ++core) {
    const WeightRange& r = e.ranges.at({core, 0});
    EXPECT_EQ(r.index, static_cast<std::size_t>(core));
    EXPECT_EQ(r.offset, expected_offset);
    EXPECT_EQ(unpack_scale_records(bytes_at(e, r.offset, r.scale_bytes)), l.records(core, 34, 2));
    ReorderParams rp = p.reorder;
    rp.ofm_block_depth = core == 0 ? 9 : 8;
    EXPECT_EQ(decode_mlw(bytes_at(e, r.offset + r.weight_offset, r.weight_bytes)),
              reorder_weights(l.channels(core, 34, 2), {17, 1, 1, 16}, rp))
        << "core " << core;
    expected_offset = r.offset + r.weight_offset + r.weight_bytes;
  }
  EXPECT_EQ(e.bytes.size(), expected_offset);
}

TEST(WeightStream, CoresCountChannelsFromEachSliceStart) {
  const TestLayer l = random_layer({48, 1, 1, 8}, 4);
  const EncodedWeights e =
      encode_layer_weights(l.view(), encoding(WeightTraversal::kDepthFirst, 16, {0, 16, 48}, 2));
  ASSERT_EQ(e.ranges.size(), 4u);
  const WeightRange& r = e.ranges.at({1, 16});
  EXPECT_EQ(r.index, 3u);  // slice 0 core 0, slice 0 core 1, slice 1 core 0, slice 1 core 1
  EXPECT_EQ(unpack_scale_records(bytes_at(e, r.offset, r.scale_bytes)), l.records(17, 48, 2));
}

TEST(WeightStream, CoreWithoutChannelsInASliceGetsAnEmptyRange) {
  const TestLayer l = random_layer({3, 1, 1, 8}, 5);
  const EncodedWeights e =
      encode_layer_weights(l.view(), encoding(WeightTraversal::kDepthFirst, 16, {0, 2, 3}, 2));
  const WeightRange& empty = e.ranges.at({1, 2});
  EXPECT_EQ(empty.scale_bytes, 0u);
  EXPECT_EQ(empty.weight_bytes, 0u);
  EXPECT_EQ(empty.offset, e.bytes.size());
}

TEST(WeightStream, ScaleOnlyTensorHasNoWeightStreams) {
  TestLayer l = random_layer({20, 1, 1, 8}, 6);
  const LayerWeights scales_only{l.shape, {}, l.scales};
  const EncodedWeights e =
      encode_layer_weights(scales_only, encoding(WeightTraversal::kDepthFirst, 16, {0, 16, 20}));
  EXPECT_EQ(e.ranges.at({0, 0}).weight_bytes, 0u);
  EXPECT_EQ(e.ranges.at({0, 16}).offset, 160u);
  EXPECT_EQ(e.bytes.size(), 160u + 48u);
}

TEST(WeightStream, RejectsSlicesThatDoNotRiseWithinTheOfmDepth) {
  const TestLayer l = random_layer({40, 1, 1, 8}, 7);
  for (const std::vector<int>& slices :
       std::vector<std::vector<int>>{{0}, {16, 16}, {0, 50}, {-1, 40}, {0, 32, 16, 40}}) {
    EXPECT_NE(error_of([&] {
                encode_layer_weights(l.view(), encoding(WeightTraversal::kDepthFirst, 16, slices));
              }).find("depth slices"),
              std::string::npos);
  }
}

TEST(WeightStream, ErrorsNameTheSliceAndCore) {
  TestLayer l = random_layer({32, 1, 1, 8}, 8);
  l.scales[17].bias = std::int64_t{1} << 40;
  const std::string error = error_of([&] {
    encode_layer_weights(l.view(), encoding(WeightTraversal::kDepthFirst, 16, {0, 16, 32}, 2));
  });
  EXPECT_NE(error.find("slice at OFM channel 16, core 1"), std::string::npos) << error;
  EXPECT_NE(error.find("40 signed bits"), std::string::npos) << error;

  l = random_layer({32, 1, 1, 8}, 8);
  l.weights[5] = 300;
  EXPECT_NE(error_of([&] {
              encode_layer_weights(l.view(), encoding(WeightTraversal::kDepthFirst, 16, {0, 32}));
            }).find("slice at OFM channel 0, core 0"),
            std::string::npos);

  l.scales.pop_back();
  EXPECT_NE(error_of([&] {
              encode_layer_weights(l.view(), encoding(WeightTraversal::kDepthFirst, 16, {0, 32}));
            }).find("31 scale records for 32 output channels"),
            std::string::npos);
}

TEST(ScaleRecords, PerTensorScaleStandsForEveryChannel) {
  const std::vector<std::int64_t> biases{5, -6, 7};
  const std::vector<float> one{0.002f};
  const auto records = make_scale_records(biases, 0.5f, one, 0.25f);
  ASSERT_EQ(records.size(), 3u);
  const QuantisedScale q = quantise_conv_scale(0.5f, 0.002f, 0.25f);
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(records[c], (ScaleRecord{biases[c], q.multiplier, q.shift}));
  }
}

TEST(ScaleRecords, PerChannelScalesAndOptionsApplyPerChannel) {
  const std::vector<std::int64_t> biases{1, 2};
  const std::vector<float> scales{0.001f, 0.003f};
  ConvScaleOptions options;
  options.round_away_from_zero = true;
  const auto records = make_scale_records(biases, 0.1f, scales, 0.2f, options);
  for (std::size_t c = 0; c < 2; ++c) {
    const QuantisedScale q = quantise_conv_scale(0.1f, scales[c], 0.2f, options);
    EXPECT_EQ(records[c], (ScaleRecord{biases[c], q.multiplier, q.shift}));
  }
  const std::vector<float> three{0.1f, 0.2f, 0.3f};
  EXPECT_NE(error_of([&] {
              make_scale_records(biases, 0.1f, three, 0.2f);
            }).find("3 weight scales for 2 output channels"),
            std::string::npos);
}

}  // namespace
}  // namespace euc::weights

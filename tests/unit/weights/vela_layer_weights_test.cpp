// euc's weight reordering, scale records and weight tensor layout against the weight tensors of
// models compiled by Arm's Vela 3.10 (<shared>/reference/vela_outputs): every stream a CONV or
// DEPTHWISE operation points at must decode, undo (with that operation's traversal and OFM block
// depth) to the original model's weights for its layer and depth slice, and sit next to scale
// records equal to the ones euc computes from the original quantisation.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "arch/accelerator.hpp"
#include "model_weight_layers.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"
#include "vela_weight_ops.hpp"
#include "weights/mlw_decoder.hpp"
#include "weights/mlw_encoder.hpp"
#include "weights/reorder.hpp"
#include "weights/scale_record.hpp"
#include "weights/weight_stream.hpp"

namespace euc::weights {
namespace {

using euc::test::ModelWeightLayer;
using euc::test::VelaWeightOp;

struct ModelCase {
  const char* model;  // file stem in <shared>/models
  char config;        // reference/vela_outputs/README.md
  arch::Accelerator accelerator;
};

std::string case_name(const ModelCase& c) {
  return fmt::format("{} ({})", c.model, c.config);
}

struct Weights {
  OhwiShape shape;
  std::vector<std::int16_t> ohwi;
};

// Vela runs the first convolution of a network with stride 2 and at most 4 input channels as a
// stride-1 convolution over an IFM whose column pairs are folded into channels
// (tflite_graph_optimiser.py fixup_strided_conv): IFM [H, W, C] becomes [H, W/2, 2C], and the
// kernel, zero-padded on the right to an even width 2K, becomes K columns of 2C channels, where
// channel j*C + i of column x is the original kernel's channel i of column 2x + j. The padding
// is on the right because Vela splits it like the IFM's SAME padding, which puts
// floor(total/2) = 0 columns on the left when the total is 1 (3-wide kernel, even IFM width).
// person_detect's first layer, a 3x3 depthwise convolution of a 1-channel IFM with depth
// multiplier 8, is first made a convolution with OHWI [8, 3, 3, 1] (the same values), so it
// becomes OHWI [8, 3, 2, 2] over a [96, 48, 2] IFM; MobileNetV2's [32, 3, 3, 3] becomes
// [32, 3, 2, 6] over [224, 112, 6].
Weights fold_columns_into_channels(const Weights& w, int factor, int folded_width) {
  Weights out;
  out.shape = {w.shape.ofm_depth, w.shape.height, folded_width, w.shape.ifm_depth * factor};
  out.ohwi.assign(static_cast<std::size_t>(out.shape.elements()), 0);
  for (int o = 0; o < out.shape.ofm_depth; ++o) {
    for (int y = 0; y < out.shape.height; ++y) {
      for (int x = 0; x < folded_width; ++x) {
        for (int j = 0; j < factor; ++j) {
          const int source_x = x * factor + j;
          for (int i = 0; i < w.shape.ifm_depth && source_x < w.shape.width; ++i) {
            out.ohwi[out.shape.index(o, y, x, j * w.shape.ifm_depth + i)] =
                w.ohwi[w.shape.index(o, y, source_x, i)];
          }
        }
      }
    }
  }
  return out;
}

// The weights (all output channels) `op` must hold if it computes `layer`, or nullopt when its
// kind or shape rules that out.
std::optional<Weights> expected_weights(const ModelWeightLayer& layer, const VelaWeightOp& op) {
  const Weights original{layer.shape, layer.ohwi};
  if (op.kind == npu::OperationKind::kDepthwise) {
    const bool fits =
        (layer.type == ir::BuiltinOp::DEPTHWISE_CONV_2D || layer.type == ir::BuiltinOp::MEAN) &&
        layer.ifm_depth == layer.shape.ofm_depth && op.kernel.height == layer.shape.height &&
        op.kernel.width == layer.shape.width;
    return fits ? std::optional(original) : std::nullopt;
  }
  // A depthwise layer runs as a convolution only with one input channel (Vela's
  // convert_depthwise_to_conv).
  if (layer.type == ir::BuiltinOp::MEAN ||
      (layer.type == ir::BuiltinOp::DEPTHWISE_CONV_2D && layer.ifm_depth != 1)) {
    return std::nullopt;
  }
  if (op.kernel.height != layer.shape.height) {
    return std::nullopt;
  }
  if (op.kernel.width == layer.shape.width && op.ifm_depth == layer.shape.ifm_depth) {
    return original;
  }
  if (op.ifm_depth % layer.shape.ifm_depth != 0) {
    return std::nullopt;
  }
  const int factor = op.ifm_depth / layer.shape.ifm_depth;
  const bool folded = factor > 1 && layer.stride_x == factor * op.kernel.stride_x &&
                      op.kernel.width * factor >= layer.shape.width &&
                      (op.kernel.width - 1) * factor < layer.shape.width;
  return folded ? std::optional(fold_columns_into_channels(original, factor, op.kernel.width))
                : std::nullopt;
}

Weights channels(const Weights& w, int first, int count) {
  Weights out{w.shape, {}};
  out.shape.ofm_depth = count;
  const auto per_channel = static_cast<std::ptrdiff_t>(w.shape.elements() / w.shape.ofm_depth);
  out.ohwi.assign(w.ohwi.begin() + per_channel * first,
                  w.ohwi.begin() + per_channel * (first + count));
  return out;
}

WeightTraversal traversal_of(const VelaWeightOp& op) {
  if (op.kind == npu::OperationKind::kDepthwise) {
    return WeightTraversal::kDepthwise;
  }
  return op.kernel.part_kernel_first ? WeightTraversal::kPartKernelFirst
                                     : WeightTraversal::kDepthFirst;
}

// One distinct weight stream of the compiled model and the layer slice it was matched to.
struct StreamMatch {
  const VelaWeightOp* op = nullptr;
  std::size_t layer = 0;
  int first_channel = 0;
  int channels = 0;
  Weights expected;  // the slice's OHWI weights
  ReorderParams params;
};

// A layer as euc encodes it with the slices, traversal and block depth Vela chose.
struct LayerEncoding {
  std::vector<std::size_t> slices;  // indices into ModelData::matches, in channel order
  EncodedWeights encoded;
};

struct ModelData {
  std::vector<ModelWeightLayer> layers;
  std::vector<VelaWeightOp> ops;
  std::vector<StreamMatch> matches;  // in command-stream order of first use
  std::string mapping_error;         // empty when every stream and every layer was matched
  std::map<std::size_t, LayerEncoding> encodings;  // by layer, when the mapping succeeded
};

void encode_layers(ModelData& d) {
  for (std::size_t i = 0; i < d.matches.size(); ++i) {
    d.encodings[d.matches[i].layer].slices.push_back(i);
  }
  for (auto& [l, e] : d.encodings) {
    const ModelWeightLayer& layer = d.layers[l];
    const StreamMatch& first = d.matches[e.slices.front()];
    // The whole layer in the operation's form (folded columns for a rewritten first layer).
    const Weights full = *expected_weights(layer, *first.op);
    const auto records = euc::test::layer_scale_records(layer);
    WeightEncodingParams params;
    params.reorder = first.params;
    for (const std::size_t s : e.slices) {
      params.depth_slices.push_back(d.matches[s].first_channel);
    }
    params.depth_slices.push_back(layer.shape.ofm_depth);
    e.encoded = encode_layer_weights({full.shape, full.ohwi, records}, params);
  }
}

// Matches the compiled model's weight streams to the original layers. Vela keeps the layers'
// order, but a layer split into OFM depth slices (weights streamed in parts) may interleave
// with its consumer's slices, and H stripes reuse a stream. So a stream not seen before belongs
// to the oldest partly covered layer it fits (kind and shape), else to the next layer not yet
// started; it covers that layer's next channels.
ModelData match_streams(const ModelCase& c) {
  ModelData d;
  const auto model_path = euc::test::shared_dir() / "models" / (std::string(c.model) + ".tflite");
  const auto vela_path = euc::test::shared_dir() / "reference" / "vela_outputs" / "vela3.10" /
                         std::string(1, c.config) / (std::string(c.model) + "_vela.tflite");
  d.layers = euc::test::model_weight_layers(tfl::read_model_file(model_path));
  d.ops = euc::test::vela_weight_ops(vela_path);
  const arch::AcceleratorConfig& acc = arch::accelerator_config(c.accelerator);

  std::vector<int> covered(d.layers.size(), 0);
  std::size_t next_layer = 0;
  std::map<std::size_t, bool> seen;  // by flash offset of the weight stream
  for (const VelaWeightOp& op : d.ops) {
    if (op.weights.size() != 1 || op.scales.size() != 1) {
      d.mapping_error = fmt::format("operation {}: {} weight ranges (one core expected)",
                                    op.operation, op.weights.size());
      return d;
    }
    if (seen.contains(op.weights[0].flash_offset)) {
      continue;
    }
    seen[op.weights[0].flash_offset] = true;
    const int n = op.ofm_depth;
    std::optional<std::size_t> chosen;
    std::optional<Weights> full;
    for (std::size_t l = 0; l < next_layer && !chosen; ++l) {
      if (covered[l] > 0 && covered[l] + n <= d.layers[l].shape.ofm_depth) {
        if ((full = expected_weights(d.layers[l], op))) {
          chosen = l;
        }
      }
    }
    if (!chosen && next_layer < d.layers.size() && n <= d.layers[next_layer].shape.ofm_depth &&
        (full = expected_weights(d.layers[next_layer], op))) {
      chosen = next_layer++;
    }
    if (!chosen) {
      d.mapping_error = fmt::format(
          "operation {} ({} kernel {}x{}, IFM depth {}, {} channels) matches no layer in "
          "progress nor the next one ({})",
          op.operation, npu::operation_kind_name(op.kind), op.kernel.width, op.kernel.height,
          op.ifm_depth, n,
          next_layer < d.layers.size() ? d.layers[next_layer].name : std::string("none left"));
      return d;
    }
    StreamMatch m;
    m.op = &op;
    m.layer = *chosen;
    m.first_channel = covered[*chosen];
    m.channels = n;
    m.expected = channels(*full, m.first_channel, n);
    m.params = reorder_params(acc, traversal_of(op), op.block_depth, op.ifm_bits,
                              op.kernel.dilation_x, op.kernel.dilation_y);
    covered[*chosen] += n;
    d.matches.push_back(std::move(m));
  }
  for (std::size_t l = 0; l < d.layers.size(); ++l) {
    if (covered[l] != d.layers[l].shape.ofm_depth) {
      d.mapping_error = fmt::format("layer {} ('{}'): {} of {} output channels found", l,
                                    d.layers[l].name, covered[l], d.layers[l].shape.ofm_depth);
      return d;
    }
  }
  encode_layers(d);
  return d;
}

const ModelData& model_data(const ModelCase& c) {
  static std::map<std::string, ModelData> cache;
  const std::string key = case_name(c);
  auto it = cache.find(key);
  if (it == cache.end()) {
    it = cache.emplace(key, match_streams(c)).first;
  }
  return it->second;
}

std::size_t count_differences(std::span<const std::int16_t> a, std::span<const std::int16_t> b) {
  std::size_t n = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    n += a[i] != b[i] ? 1 : 0;
  }
  return n;
}

class VelaLayerWeights : public ::testing::TestWithParam<ModelCase> {};

TEST_P(VelaLayerWeights, EveryStreamMapsToALayerSliceAndEveryLayerIsCovered) {
  EUC_REQUIRE_SHARED();
  const ModelData& d = model_data(GetParam());
  EXPECT_EQ(d.mapping_error, "");
  EXPECT_FALSE(d.layers.empty());
  RecordProperty("layers", static_cast<int>(d.layers.size()));
  RecordProperty("streams", static_cast<int>(d.matches.size()));
}

TEST_P(VelaLayerWeights, StreamsUndoToTheOriginalWeightsWithTheOperationsTraversal) {
  EUC_REQUIRE_SHARED();
  const ModelData& d = model_data(GetParam());
  ASSERT_EQ(d.mapping_error, "");
  for (const StreamMatch& m : d.matches) {
    const std::string where = fmt::format(
        "operation {} -> layer '{}' channels {}..{}, {} block depth {}", m.op->operation,
        d.layers[m.layer].name, m.first_channel, m.first_channel + m.channels - 1,
        weight_traversal_name(m.params.traversal), m.params.ofm_block_depth);
    std::vector<std::int16_t> decoded;
    ASSERT_NO_THROW(decoded = decode_mlw(m.op->weights[0].bytes)) << where;
    std::vector<std::int16_t> undone;
    ASSERT_NO_THROW(undone = unreorder_weights(decoded, m.expected.shape, m.params)) << where;
    EXPECT_EQ(count_differences(undone, m.expected.ohwi), 0u) << where;
    // The forward direction, padding included.
    EXPECT_EQ(
        count_differences(reorder_weights(m.expected.ohwi, m.expected.shape, m.params), decoded),
        0u)
        << where;
  }
}

TEST_P(VelaLayerWeights, ScaleRecordsEqualTheOnesQuantisedFromTheModel) {
  EUC_REQUIRE_SHARED();
  const ModelData& d = model_data(GetParam());
  ASSERT_EQ(d.mapping_error, "");
  for (const StreamMatch& m : d.matches) {
    const ModelWeightLayer& layer = d.layers[m.layer];
    const auto records = euc::test::layer_scale_records(layer);
    // SCALE_LENGTH covers the records and their zero padding to 16 bytes.
    const auto& bytes = m.op->scales[0].bytes;
    const std::size_t record_bytes = kScaleRecordBytes * static_cast<std::size_t>(m.channels);
    ASSERT_EQ(bytes.size(), (record_bytes + 15) / 16 * 16) << "layer '" << layer.name << "'";
    EXPECT_TRUE(std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(record_bytes), bytes.end(),
                            [](std::uint8_t b) { return b == 0; }));
    const auto vela = unpack_scale_records(std::span(bytes).first(record_bytes));
    for (int c = 0; c < m.channels; ++c) {
      const ScaleRecord& want = records[static_cast<std::size_t>(m.first_channel + c)];
      EXPECT_EQ(vela[static_cast<std::size_t>(c)], want)
          << "layer '" << layer.name << "' channel " << m.first_channel + c << ": Vela bias "
          << vela[static_cast<std::size_t>(c)].bias << " multiplier "
          << vela[static_cast<std::size_t>(c)].multiplier << " shift "
          << vela[static_cast<std::size_t>(c)].shift << ", euc " << want.bias << " "
          << want.multiplier << " " << want.shift;
    }
  }
}

// euc's encoder of a whole layer, given the slices, traversal and block depth Vela chose, lays
// out each slice as Vela did: scale records, padding to 16, the weight stream; the slices back
// to back. The scale bytes are identical; the weight streams decode to Vela's values.
TEST_P(VelaLayerWeights, LayerTensorLayoutMatchesVelasFlashLayout) {
  EUC_REQUIRE_SHARED();
  const ModelData& d = model_data(GetParam());
  ASSERT_EQ(d.mapping_error, "");
  for (const auto& [l, e] : d.encodings) {
    const ModelWeightLayer& layer = d.layers[l];
    const StreamMatch& first = d.matches[e.slices.front()];
    ASSERT_EQ(e.encoded.ranges.size(), e.slices.size());
    // Slices follow each other without gaps, so a slice starts after the previous slices' scale
    // areas and weight streams. The streams' sizes are each encoder's own: compare the offsets
    // with the weight bytes before them taken out.
    const std::size_t tensor_start = first.op->scales[0].flash_offset;
    std::size_t vela_stream_bytes_before = 0;
    std::size_t euc_stream_bytes_before = 0;
    for (const std::size_t i : e.slices) {
      const StreamMatch& s = d.matches[i];
      const std::string where = fmt::format("layer '{}' slice at {}", layer.name, s.first_channel);
      EXPECT_EQ(s.params, first.params) << where << ": slices of one layer differ";
      const WeightRange& r = e.encoded.ranges.at({0, s.first_channel});
      EXPECT_EQ((r.scale_bytes + 15) / 16 * 16, s.op->scales[0].bytes.size()) << where;
      EXPECT_EQ(r.offset - euc_stream_bytes_before,
                s.op->scales[0].flash_offset - tensor_start - vela_stream_bytes_before)
          << where;
      EXPECT_EQ(r.weight_offset, s.op->weights[0].flash_offset - s.op->scales[0].flash_offset)
          << where;
      vela_stream_bytes_before += s.op->weights[0].bytes.size();
      euc_stream_bytes_before += r.weight_bytes;
      const auto ours = std::span(e.encoded.bytes).subspan(r.offset, r.scale_bytes);
      EXPECT_TRUE(std::equal(ours.begin(), ours.end(), s.op->scales[0].bytes.begin())) << where;
      const auto stream =
          std::span(e.encoded.bytes).subspan(r.offset + r.weight_offset, r.weight_bytes);
      EXPECT_EQ(decode_mlw(stream), decode_mlw(s.op->weights[0].bytes)) << where;
    }
  }
}

// Same values in the same order: the encoded size is up to the MLW encoder alone. Per layer
// within 1% of Vela's bytes; the totals are printed.
TEST_P(VelaLayerWeights, EncodedLayerSizesWithinOnePercentOfVela) {
  EUC_REQUIRE_SHARED();
  const ModelData& d = model_data(GetParam());
  ASSERT_EQ(d.mapping_error, "");
  std::size_t vela_total = 0;
  std::size_t euc_total = 0;
  for (const auto& [l, e] : d.encodings) {
    std::size_t vela = 0;
    std::size_t euc = 0;
    for (const std::size_t i : e.slices) {
      const StreamMatch& s = d.matches[i];
      vela += s.op->weights[0].bytes.size();
      euc += e.encoded.ranges.at({0, s.first_channel}).weight_bytes;
    }
    EXPECT_LE(static_cast<double>(euc), 1.01 * static_cast<double>(vela))
        << "layer '" << d.layers[l].name << "': Vela " << vela << " bytes, euc " << euc;
    vela_total += vela;
    euc_total += euc;
  }
  const double ratio = static_cast<double>(euc_total) / static_cast<double>(vela_total);
  std::printf("%s: %zu layers, %zu streams, weight streams Vela %zu bytes, euc %zu (%.4f)\n",
              case_name(GetParam()).c_str(), d.encodings.size(), d.matches.size(), vela_total,
              euc_total, ratio);
  RecordProperty("vela_bytes", std::to_string(vela_total));
  RecordProperty("euc_bytes", std::to_string(euc_total));
  EXPECT_LE(ratio, 1.01);
}

INSTANTIATE_TEST_SUITE_P(
    Models, VelaLayerWeights,
    ::testing::Values(ModelCase{"person_detect", 'a', arch::Accelerator::kEthosU55_256},
                      ModelCase{"person_detect", 'c', arch::Accelerator::kEthosU55_128},
                      ModelCase{"mobilenet_v2_224_int8", 'a', arch::Accelerator::kEthosU55_256},
                      ModelCase{"mobilenet_v2_224_int8", 'c', arch::Accelerator::kEthosU55_128},
                      ModelCase{"micro_speech_quantized", 'a', arch::Accelerator::kEthosU55_256},
                      ModelCase{"keyword_scrambled_8bit", 'a', arch::Accelerator::kEthosU55_256},
                      ModelCase{"person_detect", 'd', arch::Accelerator::kEthosU65_256},
                      ModelCase{"mobilenet_v2_224_int8", 'd', arch::Accelerator::kEthosU65_256},
                      ModelCase{"person_detect", 'b', arch::Accelerator::kEthosU55_256}),
    [](const ::testing::TestParamInfo<ModelCase>& info) {
      return fmt::format("{}_{}", info.param.model, info.param.config);
    });

}  // namespace
}  // namespace euc::weights

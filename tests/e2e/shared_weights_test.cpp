// Identical weights share a weight buffer: a convolution applied twice in a row with the same
// weights (and the same quantisation, so the same encoded stream) copies its weights into SRAM
// once; the second application reads the first one's copy. The functional model must still give
// the reference interpreter's outputs.
#include <gtest/gtest.h>

#include "npu/ethosu_op.hpp"
#include "npu/operation.hpp"
#include "small_network.hpp"

namespace euc {
namespace {

// input [1,16,16,128] -> CONV 3x3 (W, b) -> x
//                     -> CONV 3x3 (W, b) -> y
//                     -> CONV 3x3 (W, b) -> z ;  ADD(ADD(x, y), z) -> output
// The convolutions read the same input with the same weights and quantisation: one encoded
// stream, 16 output channels (too few for depth slices: single buffers). The first has no
// earlier operation to hide a copy under and reads flash; the second copies the weights, the
// third reuses that copy.
ir::Model twice_the_same_convolution() {
  test::Net n;
  const float s = 0.05f;
  const int64_t zp = 3;
  std::vector<int8_t> w(16 * 3 * 3 * 128);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<int8_t>(static_cast<int>((i * 37 + 11) % 61) - 30);
  std::vector<int32_t> b(16);
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = static_cast<int32_t>(i * 13) - 200;
  int in = n.tensor("input", {1, 16, 16, 128}, s, zp);
  int weights =
      n.constant("weights", {16, 3, 3, 128}, ir::DataType::kInt8, w.data(), w.size(), 0.002f, 0);
  int bias = n.constant("bias", {16}, ir::DataType::kInt32, b.data(), b.size() * 4, s * 0.002f, 0);
  int x = n.tensor("x", {1, 16, 16, 16}, 0.2f, -5);
  int y = n.tensor("y", {1, 16, 16, 16}, 0.2f, -5);
  int z = n.tensor("z", {1, 16, 16, 16}, 0.2f, -5);
  int xy = n.tensor("xy", {1, 16, 16, 16}, 0.3f, 1);
  int out = n.tensor("output", {1, 16, 16, 16}, 0.4f, 2);
  tflite::Conv2DOptionsT conv;
  conv.padding = tflite::Padding::SAME;
  conv.stride_w = conv.stride_h = 1;
  conv.dilation_w_factor = conv.dilation_h_factor = 1;
  n.op<tflite::Conv2DOptions>(ir::BuiltinOp::CONV_2D, {in, weights, bias}, {x}, conv);
  n.op<tflite::Conv2DOptions>(ir::BuiltinOp::CONV_2D, {in, weights, bias}, {y}, conv);
  n.op<tflite::Conv2DOptions>(ir::BuiltinOp::CONV_2D, {in, weights, bias}, {z}, conv);
  n.op<tflite::AddOptions>(ir::BuiltinOp::ADD, {x, y}, {xy}, tflite::AddOptionsT{});
  n.op<tflite::AddOptions>(ir::BuiltinOp::ADD, {xy, z}, {out}, tflite::AddOptionsT{});
  n.io({in}, {out});
  return n.model();
}

struct Stream {
  int weight_copies = 0;  // DMAs from flash (region 0)
  std::vector<uint64_t> weight_bases;
  std::vector<int> weight_regions;
};

Stream read_stream(const ir::Model& compiled) {
  auto ops = npu::read_ethosu_operators(compiled, "compiled");
  Stream s;
  if (ops.size() != 1)
    return s;
  for (const auto& o : npu::extract_operations(npu::decode_stream(ops[0].payload.command_words))) {
    if (o.kind == npu::OperationKind::kDma && o.dma && o.dma->source.region == 0)
      ++s.weight_copies;
    if (o.kind == npu::OperationKind::kConv && o.block && o.block->weights.size() > 0) {
      s.weight_bases.push_back(o.block->weights[0].address);
      s.weight_regions.push_back(o.block->weights[0].region);
    }
  }
  return s;
}

TEST(SharedWeights, TheSecondApplicationReadsTheFirstOnesCopy) {
  const ir::Model m = twice_the_same_convolution();
  // Off-chip flash weights (the default system): one copy into the arena pays for all three
  // convolutions (the static timeline prices the first one's copy, exposed at the start, below
  // its reads from flash); the others read that copy.
  const ir::Model compiled = test::expect_same_outputs(m, "ethos-u55-256");
  const Stream s = read_stream(compiled);
  ASSERT_EQ(s.weight_bases.size(), 3u);
  EXPECT_EQ(s.weight_copies, 1);
  EXPECT_EQ(s.weight_regions[0], 1);  // the arena
  EXPECT_EQ(s.weight_regions[1], 1);
  EXPECT_EQ(s.weight_regions[2], 1);
  EXPECT_EQ(s.weight_bases[0], s.weight_bases[1]);
  EXPECT_EQ(s.weight_bases[1], s.weight_bases[2]);
}

TEST(SharedWeights, WithoutBufferingBothReadFlash) {
  driver::CompileOptions plain;
  plain.plan.weight_buffering = false;
  const ir::Model compiled =
      test::expect_same_outputs(twice_the_same_convolution(), "ethos-u55-256", plain);
  const Stream s = read_stream(compiled);
  ASSERT_EQ(s.weight_bases.size(), 3u);
  EXPECT_EQ(s.weight_copies, 0);
  for (int region : s.weight_regions)
    EXPECT_EQ(region, 0);
  EXPECT_EQ(s.weight_bases[0], s.weight_bases[1]);  // one stream in flash
  EXPECT_EQ(s.weight_bases[0], s.weight_bases[2]);
}

}  // namespace
}  // namespace euc

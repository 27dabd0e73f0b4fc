// UNIDIRECTIONAL_SEQUENCE_LSTM's lowering on mnist_lstm (28 steps of 28 inputs, 20 units, cell
// scale 2^-12, cell clip 10): the unrolled operation sequence and its fixed-point constants,
// derived by hand from TFLite's integer kernel and the model's scales.
#include "frontend/lowering/lstm.hpp"

#include <gtest/gtest.h>

#include "frontend/lowering/lowering.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

using T = ir::NpuOpType;
using Kind = ir::Activation::Kind;

TEST(LstmLowering, CorpusModelUnrollsIntoExactSteps) {
  EUC_REQUIRE_SHARED();
  const ir::Model m = tfl::read_model_file(test::shared_dir() / "models/mnist_lstm_int8.tflite");
  ASSERT_EQ(lstm_why_not(m, 0, 0), std::nullopt);
  const LoweredSubgraph l = lower_subgraph(m, 0, {true, false, false, false});
  ASSERT_FALSE(l.segments.empty());
  ASSERT_TRUE(l.segments[0].on_npu);
  const ir::NpuGraph& g = l.segments[0].graph;
  // 4 input products for all steps, 7 operations at step 0 (no state yet), 17 afterwards.
  ASSERT_EQ(g.ops.size(), 4u + 7u + 27u * 17u);
  // Gate input products: sx * sw * 2^12 with sx = 1/255 and the gates' weight scales 0.008987,
  // 0.007401, 0.009367, 0.011778: 0.144, 0.119, 0.150, 0.189, exponents -2, -3, -2, -2.
  const int input_shifts[4] = {33, 34, 33, 33};
  for (int k = 0; k < 4; ++k) {
    const ir::NpuOp& fc = g.ops[static_cast<size_t>(k)];
    EXPECT_EQ(fc.type, T::kFullyConnected);
    EXPECT_EQ(fc.ifm.shape, (ir::Shape4{1, 1, 28, 28}));
    EXPECT_EQ(fc.ofm.shape, (ir::Shape4{1, 1, 28, 20}));
    EXPECT_EQ(g.tensors[fc.ofm.tensor].type, ir::DataType::kInt16);
    EXPECT_GE(fc.bias, 0);
    ASSERT_TRUE(fc.explicit_scale.has_value());
    EXPECT_EQ(fc.explicit_scale->second, input_shifts[k]) << k;
  }
  // Step 0: the gates' functions of the Q3.12 input (x * 3), i z * 2^-18 (2^30, shift 31 + 17)
  // clipped to +-32767 (10 / 2^-12 saturates), tanh of the cell (2^-12: x * 3), and the hidden
  // product 2^-30 / 0.007817 = 0.99934 * 2^-23 into output row 0.
  const Kind kinds[4] = {Kind::kSigmoid, Kind::kSigmoid, Kind::kTanh, Kind::kSigmoid};
  for (int k = 0; k < 4; ++k) {
    const ir::NpuOp& f = g.ops[static_cast<size_t>(4 + k)];
    EXPECT_EQ(f.type, T::kAvgPool);
    EXPECT_EQ(f.activation.kind, kinds[k]);
    EXPECT_EQ(f.explicit_scale, (std::pair<uint32_t, int>{3, 0}));
    EXPECT_EQ(f.rounding, ir::RoundingMode::kNatural);
    EXPECT_EQ(f.ifm.offset, (ir::Shape4{0, 0, 0, 0}));
  }
  EXPECT_EQ(g.ops[8].type, T::kMul);
  EXPECT_EQ(g.ops[8].explicit_scale, (std::pair<uint32_t, int>{1u << 30, 48}));
  EXPECT_EQ(g.ops[8].activation.kind, Kind::kClamp);
  EXPECT_EQ(g.ops[8].activation.min, -32767);
  EXPECT_EQ(g.ops[8].activation.max, 32767);
  EXPECT_EQ(g.ops[9].activation.kind, Kind::kTanh);
  EXPECT_EQ(g.ops[9].explicit_scale, (std::pair<uint32_t, int>{3, 0}));
  const ir::NpuOp& h0 = g.ops[10];
  EXPECT_EQ(h0.type, T::kMul);
  EXPECT_EQ(g.tensors[h0.ofm.tensor].network_tensor, m.subgraphs[0].operators[0].outputs[0]);
  EXPECT_EQ(h0.ofm.offset, (ir::Shape4{0, 0, 0, 0}));
  ASSERT_TRUE(h0.explicit_scale.has_value());
  EXPECT_EQ(h0.explicit_scale->second, 54);
  // Step 1: the input gate's recurrent product reads output row 0 (hidden scale 0.007817 times
  // 0.009285 times 2^12 = 0.297: exponent -1), no bias; a saturating unit-scale ADD.
  const ir::NpuOp& rec = g.ops[11];
  EXPECT_EQ(rec.type, T::kFullyConnected);
  EXPECT_EQ(rec.ifm.tensor, h0.ofm.tensor);
  EXPECT_EQ(rec.ifm.offset, (ir::Shape4{0, 0, 0, 0}));
  EXPECT_EQ(rec.ifm.shape, (ir::Shape4{1, 1, 1, 20}));
  EXPECT_EQ(rec.bias, -1);
  EXPECT_EQ(rec.explicit_scale->second, 32);
  EXPECT_EQ(g.ops[12].type, T::kAdd);
  EXPECT_EQ(g.ops[12].ifm.offset, (ir::Shape4{0, 0, 1, 0}));  // row 1 of the input products
  EXPECT_EQ(g.ops[12].explicit_scale, (std::pair<uint32_t, int>{1, 0}));
  // f c * 2^-15 (2^30, shift 31 + 14), the clipped cell sum, and hidden row 1.
  const size_t s1 = 11 + 12;
  EXPECT_EQ(g.ops[s1].type, T::kMul);
  EXPECT_EQ(g.ops[s1 + 1].type, T::kMul);
  EXPECT_EQ(g.ops[s1 + 1].explicit_scale, (std::pair<uint32_t, int>{1u << 30, 45}));
  EXPECT_EQ(g.ops[s1 + 2].type, T::kAdd);
  EXPECT_EQ(g.ops[s1 + 2].activation.kind, Kind::kClamp);
  EXPECT_EQ(g.ops[s1 + 4].ofm.offset, (ir::Shape4{0, 0, 1, 0}));
  EXPECT_EQ(g.ops.back().ofm.offset, (ir::Shape4{0, 0, 27, 0}));
}

TEST(LstmLowering, CellScaleThatIsNoPowerOfTwoStaysOnTheCpu) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/mnist_lstm_int8.tflite");
  const int cell = m.subgraphs[0].operators[0].inputs[19];
  m.subgraphs[0].tensors[static_cast<size_t>(cell)].quantization->scale = {0.0003f};
  EXPECT_EQ(lstm_why_not(m, 0, 0).value_or(""), "the cell state's scale is not a power of two");
}

}  // namespace
}  // namespace euc::frontend

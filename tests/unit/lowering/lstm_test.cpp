// UNIDIRECTIONAL_SEQUENCE_LSTM's lowering on mnist_lstm (28 steps of 28 inputs, 20 units, cell
// scale 2^-12, cell clip 10): the unrolled operation sequence and its fixed-point constants,
// derived by hand from TFLite's integer kernel and the model's scales, and the state read from
// and written back to the variable tensors.
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
  // 4 input products for all steps, 17 operations per step (step 0 reads the variable tensors'
  // state), and the final state copied back into the two variable tensors.
  ASSERT_EQ(g.ops.size(), 4u + 28u * 17u + 2u);
  const ir::Operator& lstm = m.subgraphs[0].operators[0];
  const int hidden = lstm.inputs[18], cell = lstm.inputs[19];
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
    EXPECT_EQ(fc.explicit_scale->second, input_shifts[k]);
  }
  // Step 0, per gate: the recurrent product of the hidden state variable tensor (hidden scale
  // 0.007817 times the input gate's 0.009285 times 2^12 = 0.297: exponent -1), no bias; a
  // saturating unit-scale ADD with row 0 of the input products; the gate's function of the
  // Q3.12 sum (x * 3).
  const Kind kinds[4] = {Kind::kSigmoid, Kind::kSigmoid, Kind::kTanh, Kind::kSigmoid};
  for (int k = 0; k < 4; ++k) {
    const ir::NpuOp& rec = g.ops[static_cast<size_t>(4 + 3 * k)];
    EXPECT_EQ(rec.type, T::kFullyConnected);
    EXPECT_EQ(g.tensors[rec.ifm.tensor].network_tensor, hidden);
    EXPECT_EQ(rec.ifm.shape, (ir::Shape4{1, 1, 1, 20}));
    EXPECT_EQ(rec.bias, -1);
    const ir::NpuOp& sum = g.ops[static_cast<size_t>(5 + 3 * k)];
    EXPECT_EQ(sum.type, T::kAdd);
    EXPECT_EQ(sum.ifm.offset, (ir::Shape4{0, 0, 0, 0}));
    EXPECT_EQ(sum.explicit_scale, (std::pair<uint32_t, int>{1, 0}));
    const ir::NpuOp& f = g.ops[static_cast<size_t>(6 + 3 * k)];
    EXPECT_EQ(f.type, T::kAvgPool);
    EXPECT_EQ(f.activation.kind, kinds[k]);
    EXPECT_EQ(f.explicit_scale, (std::pair<uint32_t, int>{3, 0}));
    EXPECT_EQ(f.rounding, ir::RoundingMode::kNatural);
  }
  EXPECT_EQ(g.ops[4].explicit_scale->second, 32);
  // i z * 2^-18 (2^30, shift 31 + 17); f c * 2^-15 (2^30, shift 31 + 14) of the cell state
  // variable tensor; their sum clipped to +-32767 (10 / 2^-12 saturates); tanh of the cell
  // (2^-12: x * 3); the hidden product 2^-30 / 0.007817 = 0.99934 * 2^-23 into output row 0.
  EXPECT_EQ(g.ops[16].type, T::kMul);
  EXPECT_EQ(g.ops[16].explicit_scale, (std::pair<uint32_t, int>{1u << 30, 48}));
  EXPECT_EQ(g.ops[17].type, T::kMul);
  EXPECT_EQ(g.ops[17].explicit_scale, (std::pair<uint32_t, int>{1u << 30, 45}));
  EXPECT_EQ(g.tensors[g.ops[17].ifm2.tensor].network_tensor, cell);
  EXPECT_EQ(g.ops[18].type, T::kAdd);
  EXPECT_EQ(g.ops[18].activation.kind, Kind::kClamp);
  EXPECT_EQ(g.ops[18].activation.min, -32767);
  EXPECT_EQ(g.ops[18].activation.max, 32767);
  EXPECT_EQ(g.ops[19].activation.kind, Kind::kTanh);
  EXPECT_EQ(g.ops[19].explicit_scale, (std::pair<uint32_t, int>{3, 0}));
  const ir::NpuOp& h0 = g.ops[20];
  EXPECT_EQ(h0.type, T::kMul);
  EXPECT_EQ(g.tensors[h0.ofm.tensor].network_tensor, lstm.outputs[0]);
  EXPECT_EQ(h0.ofm.offset, (ir::Shape4{0, 0, 0, 0}));
  ASSERT_TRUE(h0.explicit_scale.has_value());
  EXPECT_EQ(h0.explicit_scale->second, 54);
  // Step 1: the recurrent products read output row 0; the ADDs row 1 of the input products.
  const ir::NpuOp& rec = g.ops[21];
  EXPECT_EQ(rec.type, T::kFullyConnected);
  EXPECT_EQ(rec.ifm.tensor, h0.ofm.tensor);
  EXPECT_EQ(rec.ifm.offset, (ir::Shape4{0, 0, 0, 0}));
  EXPECT_EQ(rec.ifm.shape, (ir::Shape4{1, 1, 1, 20}));
  EXPECT_EQ(rec.explicit_scale->second, 32);
  EXPECT_EQ(g.ops[22].ifm.offset, (ir::Shape4{0, 0, 1, 0}));
  const size_t s1 = 21 + 12;
  EXPECT_EQ(g.ops[s1 + 1].ifm2.tensor, g.ops[18].ofm.tensor);  // f c of step 0's cell
  EXPECT_EQ(g.ops[s1 + 4].ofm.offset, (ir::Shape4{0, 0, 1, 0}));
  // The last hidden row, then the final state written back: hidden state from output row 27,
  // cell state from step 27's cell, after every read of the variable tensors (step 0).
  EXPECT_EQ(g.ops[g.ops.size() - 3].ofm.offset, (ir::Shape4{0, 0, 27, 0}));
  const ir::NpuOp& copy_h = g.ops[g.ops.size() - 2];
  const ir::NpuOp& copy_c = g.ops.back();
  EXPECT_TRUE(copy_h.byte_copy);
  EXPECT_TRUE(copy_c.byte_copy);
  EXPECT_EQ(copy_h.ifm.tensor, h0.ofm.tensor);
  EXPECT_EQ(copy_h.ifm.offset, (ir::Shape4{0, 0, 27, 0}));
  EXPECT_EQ(g.tensors[copy_h.ofm.tensor].network_tensor, hidden);
  EXPECT_EQ(copy_c.ifm.tensor, g.ops[g.ops.size() - 5].ofm.tensor);  // step 27's cell sum
  EXPECT_EQ(g.tensors[copy_c.ofm.tensor].network_tensor, cell);
  // Both variable tensors are inputs and outputs of the segment.
  for (int net : {hidden, cell}) {
    int count = 0;
    for (int t : g.inputs)
      count += g.tensors[t].network_tensor == net;
    for (int t : g.outputs)
      count += g.tensors[t].network_tensor == net;
    EXPECT_EQ(count, 2) << net;
  }
}

TEST(LstmLowering, CellScaleThatIsNoPowerOfTwoStaysOnTheCpu) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/mnist_lstm_int8.tflite");
  const int cell = m.subgraphs[0].operators[0].inputs[19];
  m.subgraphs[0].tensors[static_cast<size_t>(cell)].quantization->scale = {0.0003f};
  EXPECT_EQ(lstm_why_not(m, 0, 0).value_or(""), "the cell state's scale is not a power of two");
}

TEST(LstmLowering, CellStateNotInRowsOfUnitsStaysOnTheCpu) {
  EUC_REQUIRE_SHARED();
  ir::Model m = tfl::read_model_file(test::shared_dir() / "models/mnist_lstm_int8.tflite");
  const int cell = m.subgraphs[0].operators[0].inputs[19];
  m.subgraphs[0].tensors[static_cast<size_t>(cell)].shape = {20, 1};  // 20 elements, one column
  EXPECT_EQ(lstm_why_not(m, 0, 0).value_or(""),
            "the cell state's innermost dimension is not the number of units");
}

}  // namespace
}  // namespace euc::frontend

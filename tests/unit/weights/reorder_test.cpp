// The NPU weight order (weights/reorder.hpp). The expected positions below are worked out by
// hand from the traversal in docs/npu_architecture.md §Weight encoding; vela_layer_weights_test.cpp
// checks the same code against every weight stream of several Vela-compiled models.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "weights/reorder.hpp"

namespace euc::weights {
namespace {

// Weights whose value names their position: 1 + the OHWI index (so 0 only means padding).
std::vector<std::int16_t> numbered(const OhwiShape& shape) {
  std::vector<std::int16_t> w(static_cast<std::size_t>(shape.elements()));
  for (std::size_t i = 0; i < w.size(); ++i) {
    w[i] = static_cast<std::int16_t>(i + 1);
  }
  return w;
}

ReorderParams params(WeightTraversal traversal, int block_depth, int ifm_bits = 8) {
  ReorderParams p;
  p.traversal = traversal;
  p.ofm_block_depth = block_depth;
  p.ifm_bits = ifm_bits;
  return p;  // micro-blocks 8 deep, as on every U55/U65 but the U55-32
}

std::size_t nonzero(const std::vector<std::int16_t>& v) {
  std::size_t n = 0;
  for (const auto x : v) {
    n += x != 0 ? 1 : 0;
  }
  return n;
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Reorder, DepthFirstWalksTheWholeIfmBlockEvenPastTheIfmDepth) {
  const OhwiShape shape{1, 1, 1, 3};
  const auto w = numbered(shape);
  // 8-bit: 32-channel IFM block = 4 IFM micro-blocks x 8 OFM x 8 IFM channels.
  const auto s8 = reorder_weights(w, shape, params(WeightTraversal::kDepthFirst, 16));
  ASSERT_EQ(s8.size(), 256u);
  EXPECT_EQ(s8[0], 1);
  EXPECT_EQ(s8[1], 2);
  EXPECT_EQ(s8[2], 3);
  EXPECT_EQ(nonzero(s8), 3u);
  // 16-bit: 16-channel IFM block.
  EXPECT_EQ(reorder_weights(w, shape, params(WeightTraversal::kDepthFirst, 16, 16)).size(), 128u);
}

TEST(Reorder, DepthFirstPutsIfmMicroBlocksInsideKernelElements) {
  const OhwiShape shape{1, 1, 2, 16};  // one OFM channel, a 1x2 kernel, 16 IFM channels
  const auto w = numbered(shape);      // w[x][i] = 1 + 16x + i
  const auto s = reorder_weights(w, shape, params(WeightTraversal::kDepthFirst, 16));
  ASSERT_EQ(s.size(), 512u);  // 2 elements x 4 IFM micro-blocks x 64
  for (int x = 0; x < 2; ++x) {
    for (int ublock = 0; ublock < 2; ++ublock) {
      for (int i = 0; i < 8; ++i) {
        // element x, IFM micro-block `ublock`, OFM channel 0, IFM channel i
        EXPECT_EQ(s[static_cast<std::size_t>(x * 256 + ublock * 64 + i)],
                  1 + 16 * x + 8 * ublock + i);
      }
    }
  }
  EXPECT_EQ(nonzero(s), 32u);
}

TEST(Reorder, PartKernelFirstPutsIfmMicroBlocksOutsideOfmMicroBlocksAndPadsElementsToFour) {
  const OhwiShape shape{16, 1, 1, 16};
  const auto w = numbered(shape);
  const auto s = reorder_weights(w, shape, params(WeightTraversal::kPartKernelFirst, 16));
  ASSERT_EQ(s.size(), 1024u);  // 2 IFM x 2 OFM micro-blocks x 4 elements x 64
  for (int iu = 0; iu < 2; ++iu) {
    for (int ou = 0; ou < 2; ++ou) {
      for (int element = 0; element < 4; ++element) {
        for (int oz = 0; oz < 8; ++oz) {
          for (int iz = 0; iz < 8; ++iz) {
            const auto at =
                static_cast<std::size_t>(((iu * 2 + ou) * 4 + element) * 64 + oz * 8 + iz);
            const int o = ou * 8 + oz;
            const int i = iu * 8 + iz;
            EXPECT_EQ(s[at], element == 0 ? w[shape.index(o, 0, 0, i)] : 0) << at;
          }
        }
      }
    }
  }
}

TEST(Reorder, PartKernelFirstClipsTheIfmBlockAndPadsElementsToTwoFor16Bit) {
  const OhwiShape shape{1, 3, 3, 3};
  const auto w = numbered(shape);
  // 1 IFM micro-block x 1 OFM micro-block x (9 elements padded to 12) x 64.
  const auto s8 = reorder_weights(w, shape, params(WeightTraversal::kPartKernelFirst, 16));
  ASSERT_EQ(s8.size(), 768u);
  // Element 4 (row 1, column 1), OFM channel 0, IFM channel 2.
  EXPECT_EQ(s8[4 * 64 + 2], w[shape.index(0, 1, 1, 2)]);
  EXPECT_EQ(nonzero(s8), 27u);
  // 16-bit IFM: 9 elements padded to 10.
  EXPECT_EQ(reorder_weights(w, shape, params(WeightTraversal::kPartKernelFirst, 16, 16)).size(),
            640u);
}

TEST(Reorder, DepthwisePadsKernelElementsToFourWithOneIfmChannel) {
  const OhwiShape shape{8, 3, 3, 1};
  const auto w = numbered(shape);
  const auto s = reorder_weights(w, shape, params(WeightTraversal::kDepthwise, 16));
  ASSERT_EQ(s.size(), 96u);  // 12 elements x 8 OFM channels
  for (int e = 0; e < 12; ++e) {
    for (int o = 0; o < 8; ++o) {
      EXPECT_EQ(s[static_cast<std::size_t>(e * 8 + o)],
                e < 9 ? w[shape.index(o, e / 3, e % 3, 0)] : 0);
    }
  }
}

TEST(Reorder, KernelsLargerThanEightSplitIntoSubKernelsRowsFirst) {
  const OhwiShape shape{8, 9, 9, 1};
  const auto w = numbered(shape);
  const auto s = reorder_weights(w, shape, params(WeightTraversal::kDepthwise, 16));
  // Sub-kernels (y 0, x 0) 8x8, (y 0, x 8) 8 rows x 1 column, (y 8, x 0) 1x8, (y 8, x 8) 1x1
  // padded to 4 elements; 8 values per element.
  ASSERT_EQ(s.size(), static_cast<std::size_t>((64 + 8 + 8 + 4) * 8));
  EXPECT_EQ(s[8], w[shape.index(0, 0, 1, 0)]);           // first sub-kernel, element 1
  EXPECT_EQ(s[64 * 8], w[shape.index(0, 0, 8, 0)]);      // second sub-kernel, element 0
  EXPECT_EQ(s[65 * 8], w[shape.index(0, 1, 8, 0)]);      // its element 1 is the next row
  EXPECT_EQ(s[72 * 8 + 3], w[shape.index(3, 8, 0, 0)]);  // third sub-kernel
  EXPECT_EQ(s[80 * 8 + 7], w[shape.index(7, 8, 8, 0)]);  // fourth
  EXPECT_EQ(nonzero(s), 81u * 8u);
}

TEST(Reorder, DilationTwoHalvesTheSubKernel) {
  const OhwiShape shape{8, 5, 5, 1};
  const auto w = numbered(shape);
  ReorderParams p = params(WeightTraversal::kDepthwise, 16);
  // Undilated: one 5x5 sub-kernel; element 16 is row 3, column 1.
  EXPECT_EQ(reorder_weights(w, shape, p)[16 * 8], w[shape.index(0, 3, 1, 0)]);
  // Dilation 2 in x and y: 4x4 sub-kernels, so element 16 starts the (y 0, x 4) sub-kernel.
  p.dilation_x = 2;
  p.dilation_y = 2;
  const auto s = reorder_weights(w, shape, p);
  ASSERT_EQ(s.size(), static_cast<std::size_t>((16 + 4 + 4 + 4) * 8));
  EXPECT_EQ(s[16 * 8], w[shape.index(0, 0, 4, 0)]);
  EXPECT_EQ(s[20 * 8], w[shape.index(0, 4, 0, 0)]);
}

TEST(Reorder, OfmBlocksAreOutermost) {
  const OhwiShape shape{24, 1, 1, 8};
  const auto w = numbered(shape);
  const auto s = reorder_weights(w, shape, params(WeightTraversal::kDepthFirst, 16));
  // Block 0: 2 OFM micro-blocks x 4 IFM micro-blocks x 64; block 1: 1 x 4 x 64.
  ASSERT_EQ(s.size(), 768u);
  EXPECT_EQ(s[256 + 3 * 8 + 5], w[shape.index(8 + 3, 0, 0, 5)]);   // block 0, 2nd micro-block
  EXPECT_EQ(s[512 + 2 * 8 + 1], w[shape.index(16 + 2, 0, 0, 1)]);  // block 1
}

TEST(Reorder, MicroBlockReachingPastAnOfmBlockCarriesTheNextChannels) {
  // A block depth of 4 with 8-deep micro-blocks (a core's share of a 2-core block of 8).
  const OhwiShape shape{16, 1, 1, 8};
  const auto w = numbered(shape);
  const ReorderParams p = params(WeightTraversal::kDepthFirst, 4);
  const auto s = reorder_weights(w, shape, p);
  ASSERT_EQ(s.size(), 4u * 256u);  // 4 blocks x 1 micro-block x 4 IFM micro-blocks x 64
  EXPECT_EQ(s[5 * 8], w[shape.index(5, 0, 0, 0)]);        // block 0 carries channel 5
  EXPECT_EQ(s[256 + 1 * 8], w[shape.index(5, 0, 0, 0)]);  // and block 1 starts with 4
  EXPECT_EQ(s[768 + 4 * 8], 0);                           // past the OFM depth: 0
  EXPECT_EQ(unreorder_weights(s, shape, p), w);
}

TEST(Reorder, UnreorderInvertsReorder) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> value(-255, 255);
  struct Case {
    OhwiShape shape;
    ReorderParams p;
  };
  std::vector<Case> cases;
  for (const WeightTraversal t : {WeightTraversal::kDepthFirst, WeightTraversal::kPartKernelFirst,
                                  WeightTraversal::kDepthwise}) {
    for (const int bits : {8, 16}) {
      for (const int block : {8, 16, 24, 12, 64}) {
        ReorderParams p = params(t, block, bits);
        const int ifm = t == WeightTraversal::kDepthwise ? 1 : 37;
        cases.push_back({{40, 3, 3, ifm}, p});
        cases.push_back({{19, 10, 9, ifm}, p});
        p.dilation_x = 2;
        cases.push_back({{17, 5, 7, ifm}, p});
        p.ofm_ublock_depth = 4;  // U55-32
        cases.push_back({{13, 1, 1, ifm}, p});
      }
    }
  }
  for (const Case& c : cases) {
    std::vector<std::int16_t> w(static_cast<std::size_t>(c.shape.elements()));
    for (auto& x : w) {
      x = static_cast<std::int16_t>(value(rng));
    }
    const auto s = reorder_weights(w, c.shape, c.p);
    EXPECT_EQ(s.size(), reordered_length(c.shape, c.p));
    EXPECT_EQ(unreorder_weights(s, c.shape, c.p), w)
        << weight_traversal_name(c.p.traversal) << " bits " << c.p.ifm_bits << " block "
        << c.p.ofm_block_depth;
  }
}

TEST(Reorder, UnreorderRejectsStreamsThatAreNotReorderedWeights) {
  const OhwiShape shape{8, 3, 3, 1};
  const ReorderParams p = params(WeightTraversal::kDepthwise, 16);
  auto s = reorder_weights(numbered(shape), shape, p);
  EXPECT_NE(error_of([&] {
              unreorder_weights(std::span(s).first(95), shape, p);
            }).find("95 values, expected 96"),
            std::string::npos);
  s[9 * 8 + 2] = 7;  // padding element 9
  EXPECT_NE(error_of([&] { unreorder_weights(s, shape, p); }).find("at index 74 is padding"),
            std::string::npos);

  const OhwiShape deep{16, 1, 1, 8};
  const ReorderParams small_blocks = params(WeightTraversal::kDepthFirst, 4);
  auto r = reorder_weights(numbered(deep), deep, small_blocks);
  r[5 * 8] = 99;  // channel 5 in block 0 no longer agrees with block 1
  EXPECT_NE(error_of([&] { unreorder_weights(r, deep, small_blocks); }).find("different value"),
            std::string::npos);
}

TEST(Reorder, RejectsParametersTheHardwareCannotTake) {
  const std::vector<std::int16_t> w(16);
  EXPECT_NE(error_of([&] {
              reorder_weights(w, {8, 1, 1, 2}, params(WeightTraversal::kDepthwise, 16));
            }).find("one input channel"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              reorder_weights(w, {2, 1, 1, 8}, params(WeightTraversal::kDepthFirst, 16, 12));
            }).find("bit depth 12"),
            std::string::npos);
  ReorderParams p = params(WeightTraversal::kDepthFirst, 16);
  p.dilation_y = 3;
  EXPECT_NE(error_of([&] {
              reorder_weights(w, {2, 1, 1, 8}, p);
            }).find("dilation 3"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              reorder_weights(w, {2, 1, 1, 7}, params(WeightTraversal::kDepthFirst, 16));
            }).find("16 values given"),
            std::string::npos);
}

TEST(Reorder, ParamsTakeTheAcceleratorsMicroBlocks) {
  const auto u55_32 = reorder_params(arch::accelerator_config(arch::Accelerator::kEthosU55_32),
                                     WeightTraversal::kDepthFirst, 16, 8);
  EXPECT_EQ(u55_32.ofm_ublock_depth, 4);
  EXPECT_EQ(u55_32.ifm_ublock_depth, 8);
  const auto u65 = reorder_params(arch::accelerator_config(arch::Accelerator::kEthosU65_512),
                                  WeightTraversal::kPartKernelFirst, 32, 16, 2, 1);
  EXPECT_EQ(u65.ofm_ublock_depth, 8);
  EXPECT_EQ(u65.ifm_bits, 16);
  EXPECT_EQ(u65.dilation_x, 2);
  EXPECT_EQ(u65.dilation_y, 1);
}

}  // namespace
}  // namespace euc::weights

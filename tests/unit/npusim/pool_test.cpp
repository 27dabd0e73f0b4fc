// POOL (MAX, AVERAGE, REDUCE_SUM) on tiny command streams, against TFLite's pooling arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "npusim/rounding.hpp"
#include "stream_builder.hpp"

namespace euc::npusim::test {
namespace {

// Vela 3.10 scaling.py quantise_pooling_scale: the OFM_SCALE of an average pool over n
// elements without rescaling: ((2^(31 + k) + 2^k) / n, 31 + k) with 2^k >= n - 1 > 2^(k-1).
std::pair<uint32_t, int> pooling_scale(int n) {
  int k = 0;
  std::frexp(static_cast<double>(n - 1), &k);
  const int shift = 31 + k;
  return {static_cast<uint32_t>(((int64_t{1} << shift) + (int64_t{1} << k)) / n), shift};
}

// TFLite's average: the sum over the valid positions divided by their count, ties away from
// zero.
int32_t tflite_average(int64_t sum, int64_t count) {
  return static_cast<int32_t>(sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count);
}

std::vector<int32_t> random_values(std::size_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int32_t> v(n);
  for (auto& x : v)
    x = d(rng);
  return v;
}

TEST(Pool, VelaPoolingScaleReproducesTfliteAverageForEveryWindowSum) {
  // The NPU's TFL rounding with Vela's pooling scale gives TFLite's average for every sum an
  // int8 window can have, for every kernel size up to 8 x 8.
  for (int n = 1; n <= 64; ++n) {
    const auto [multiplier, shift] = pooling_scale(n);
    for (int64_t sum = -128 * n; sum <= 127 * n; ++sum) {
      ASSERT_EQ(apply_scale(sum, multiplier, shift, npu::Rounding::kTfl), tflite_average(sum, n))
          << "kernel elements " << n << " sum " << sum;
    }
  }
}

TEST(Pool, MaxPoolLeavesPaddingOut) {
  const Fm ifm{1, 0x0, 4, 5, 3, 8, true, false, 10};
  const Fm ofm{1, 0x400, 4, 5, 3, 8, true, true, 10};
  const auto in = random_values(4 * 5 * 3, -128, -60, 1);  // all below any padding value
  TestMemory m(0x100, 0x1000);
  store(*m.scratch, ifm, in);
  StreamBuilder s;
  s.ifm(ifm).padding(1, 1, 1, 1).ofm(ofm).kernel(3, 3).block().pool(npu::PoolingMode::kMax).stop();
  run(m, s);
  std::vector<int32_t> want;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x)
      for (int c = 0; c < 3; ++c) {
        int32_t best = INT32_MIN;
        for (int iy = std::max(0, y - 1); iy <= std::min(3, y + 1); ++iy)
          for (int ix = std::max(0, x - 1); ix <= std::min(4, x + 1); ++ix)
            best = std::max(best, in[static_cast<std::size_t>((iy * 5 + ix) * 3 + c)]);
        want.push_back(best);
      }
  EXPECT_EQ(load(*m.scratch, ofm), want);
}

TEST(Pool, AverageWithPaddingDividesByTheValidPositions) {
  const Fm ifm{1, 0x0, 3, 4, 2, 8, true, false, 0};
  const Fm ofm{1, 0x400, 3, 4, 2, 8, true, false, 0};
  const auto in = random_values(3 * 4 * 2, -128, 127, 2);
  TestMemory m(0x100, 0x1000);
  store(*m.scratch, ifm, in);
  StreamBuilder s;
  s.ifm(ifm)
      .padding(1, 1, 1, 1)
      .ofm(ofm)
      .kernel(3, 3)
      .block()
      .pool(npu::PoolingMode::kAverage)
      .stop();
  run(m, s);
  std::vector<int32_t> want;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 2; ++c) {
        int64_t sum = 0, count = 0;
        for (int iy = std::max(0, y - 1); iy <= std::min(2, y + 1); ++iy)
          for (int ix = std::max(0, x - 1); ix <= std::min(3, x + 1); ++ix, ++count)
            sum += in[static_cast<std::size_t>((iy * 4 + ix) * 2 + c)];
        want.push_back(tflite_average(sum, count));
      }
  EXPECT_EQ(load(*m.scratch, ofm), want);
}

TEST(Pool, AverageWithGlobalScaleMatchesTflite) {
  const Fm ifm{1, 0x0, 7, 7, 16, 8, true, true, 0};
  const Fm ofm{1, 0x1000, 3, 3, 16, 8, true, true, 0};
  const auto in = random_values(7 * 7 * 16, -128, 127, 3);
  TestMemory m(0x100, 0x2000);
  store(*m.scratch, ifm, in);
  const auto [multiplier, shift] = pooling_scale(9);
  StreamBuilder s;
  s.ifm(ifm)
      .ofm(ofm, npu::Rounding::kTfl, /*global_scale=*/true)
      .ofm_scale(multiplier, shift)
      .kernel(3, 3, 2, 2)
      .block()
      .pool(npu::PoolingMode::kAverage)
      .stop();
  run(m, s);
  std::vector<int32_t> want;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 16; ++c) {
        int64_t sum = 0;
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx)
            sum += in[static_cast<std::size_t>(((2 * y + ky) * 7 + 2 * x + kx) * 16 + c)];
        want.push_back(tflite_average(sum, 9));
      }
  EXPECT_EQ(load(*m.scratch, ofm), want);
}

TEST(Pool, ReduceSumAddsAllChannels) {
  const Fm ifm{1, 0x0, 2, 3, 5, 32, true, false, 0};
  const Fm ofm{1, 0x400, 2, 3, 1, 32, true, false, 0};
  const auto in = random_values(2 * 3 * 5, -100000, 100000, 4);
  TestMemory m(0x100, 0x1000);
  store(*m.scratch, ifm, in);
  StreamBuilder s;
  s.ifm(ifm)
      .ofm(ofm, npu::Rounding::kTfl, true)
      .ofm_scale(1, 0)
      .kernel(1, 1)
      .block()
      .pool(npu::PoolingMode::kReduceSum)
      .stop();
  run(m, s);
  std::vector<int32_t> want;
  for (int i = 0; i < 6; ++i) {
    int32_t sum = 0;
    for (int c = 0; c < 5; ++c)
      sum += in[static_cast<std::size_t>(i * 5 + c)];
    want.push_back(sum);
  }
  EXPECT_EQ(load(*m.scratch, ofm), want);
}

TEST(Pool, NearestUpscaleRepeatsEveryElement) {
  const Fm ifm{1, 0x0, 2, 3, 2, 8, true, false, 0};
  const Fm ofm{1, 0x400, 4, 6, 2, 8, true, false, 0};
  const auto in = random_values(2 * 3 * 2, -128, 127, 5);
  TestMemory m(0x100, 0x1000);
  store(*m.scratch, ifm, in);
  StreamBuilder s;
  s.ifm(ifm).upscale(npu::ResamplingMode::kNearest).ofm(ofm).kernel(1, 1).block();
  s.pool(npu::PoolingMode::kAverage).stop();
  run(m, s);
  std::vector<int32_t> want;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x)
      for (int c = 0; c < 2; ++c)
        want.push_back(in[static_cast<std::size_t>(((y / 2) * 3 + x / 2) * 2 + c)]);
  EXPECT_EQ(load(*m.scratch, ofm), want);
}

TEST(Pool, TiledIfmReadsEachTileFromItsOwnBase) {
  // Four tiles (element_address in npu/operation.hpp): tile 0 rows 0-1 and tile 2 rows 2-3 left
  // of column 2; tile 1 rows 0-2 and tile 3 row 3 from column 2. Each tile has its own base.
  const int h = 4, w = 4, c = 2;
  const uint64_t bases[4] = {0x000, 0x100, 0x200, 0x300};
  const uint64_t stride_x = c, stride_y = 0x20;
  TestMemory m(0x100, 0x800);
  std::vector<int32_t> want;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch) {
        const int tile = x >= 2 ? (y >= 3 ? 3 : 1) : (y >= 2 ? 2 : 0);
        const int ty = tile == 2 ? y - 2 : (tile == 3 ? y - 3 : y);
        const int tx = x >= 2 ? x - 2 : x;
        const int32_t v = y * 16 + x * 2 + ch;
        const uint64_t address = bases[tile] + static_cast<uint64_t>(ty) * stride_y +
                                 static_cast<uint64_t>(tx) * stride_x + static_cast<uint64_t>(ch);
        m.scratch->write(address, std::vector<uint8_t>{static_cast<uint8_t>(v)});
        want.push_back(v);
      }
  const Fm ifm{1, 0x0, h, w, c, 8, true, false, 0};
  const Fm ofm{1, 0x400, h, w, c, 8, true, false, 0};
  StreamBuilder s;
  s.ifm(ifm)
      .cmd1(npu::Opcode::kSetIfmBase1, bases[1])
      .cmd1(npu::Opcode::kSetIfmBase2, bases[2])
      .cmd1(npu::Opcode::kSetIfmBase3, bases[3])
      .cmd0(npu::Opcode::kSetIfmHeight0M1, 1)
      .cmd0(npu::Opcode::kSetIfmHeight1M1, 2)
      .cmd0(npu::Opcode::kSetIfmWidth0M1, 1)
      .cmd1(npu::Opcode::kSetIfmStrideX, stride_x)
      .cmd1(npu::Opcode::kSetIfmStrideY, stride_y)
      .ofm(ofm)
      .kernel(1, 1)
      .block()
      .pool(npu::PoolingMode::kMax)
      .stop();
  run(m, s);
  EXPECT_EQ(load(*m.scratch, ofm), want);
}

// Vela 5.1 writes padded average pools (SAME, bilinear resize) with the global scale mode and
// OFM_SCALE 1, shift 0: the hardware still divides by the valid positions, then applies the
// unit scale. TFL rounding gives TFLite's average; NATURAL rounds ties towards +infinity.
TEST(Pool, AverageWithPaddingAndUnitGlobalScaleDividesByTheValidPositions) {
  const Fm ifm{1, 0x0, 3, 4, 2, 8, true, false, 0};
  const Fm ofm{1, 0x400, 3, 4, 2, 8, true, false, 0};
  const auto in = random_values(3 * 4 * 2, -128, 127, 5);
  for (const npu::Rounding rounding : {npu::Rounding::kTfl, npu::Rounding::kNatural}) {
    TestMemory m(0x100, 0x1000);
    store(*m.scratch, ifm, in);
    StreamBuilder s;
    s.ifm(ifm)
        .padding(1, 1, 1, 1)
        .ofm(ofm, rounding, /*global_scale=*/true)
        .ofm_scale(1, 0)
        .kernel(3, 3)
        .block()
        .pool(npu::PoolingMode::kAverage)
        .stop();
    run(m, s);
    std::vector<int32_t> want;
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x)
        for (int c = 0; c < 2; ++c) {
          int64_t sum = 0, count = 0;
          for (int iy = std::max(0, y - 1); iy <= std::min(2, y + 1); ++iy)
            for (int ix = std::max(0, x - 1); ix <= std::min(3, x + 1); ++ix, ++count)
              sum += in[static_cast<std::size_t>((iy * 4 + ix) * 2 + c)];
          const auto natural = static_cast<int32_t>(
              std::floor(static_cast<double>(sum) / static_cast<double>(count) + 0.5));
          want.push_back(rounding == npu::Rounding::kTfl ? tflite_average(sum, count) : natural);
        }
    EXPECT_EQ(load(*m.scratch, ofm), want) << "rounding " << static_cast<int>(rounding);
  }
}

// Strides are 40-bit two's complement: Vela 5.1 stores an axis reversed (REVERSE_V2, MIRROR_PAD)
// with a negative OFM stride and the base at the last row or column.
TEST(Pool, NegativeOfmStridesWriteRowsAndColumnsReversed) {
  constexpr int h = 3, w = 4, c = 8;
  const Fm ifm{1, 0x0, h, w, c, 8, true, false, 0};
  const Fm ofm{1, 0x400, h, w, c, 8, true, false, 0};
  const auto in = random_values(h * w * c, -128, 127, 6);
  const auto negative = [](int64_t v) { return (uint64_t{1} << 40) - static_cast<uint64_t>(-v); };
  for (const bool reverse_rows : {true, false}) {
    TestMemory m(0x100, 0x1000);
    store(*m.scratch, ifm, in);
    const int64_t row = w * c;
    StreamBuilder s;
    s.ifm(ifm).ofm(ofm, npu::Rounding::kTfl, /*global_scale=*/true).ofm_scale(1, 0);
    if (reverse_rows) {
      s.cmd1(npu::Opcode::kSetOfmBase0, ofm.base + static_cast<uint64_t>((h - 1) * row))
          .cmd1(npu::Opcode::kSetOfmStrideY, negative(-row));
    } else {
      s.cmd1(npu::Opcode::kSetOfmBase0, ofm.base + static_cast<uint64_t>((w - 1) * c))
          .cmd1(npu::Opcode::kSetOfmStrideX, negative(-c));
    }
    s.kernel(1, 1).block().pool(npu::PoolingMode::kAverage).stop();
    run(m, s);
    std::vector<int32_t> want;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int ch = 0; ch < c; ++ch) {
          const int sy = reverse_rows ? h - 1 - y : y;
          const int sx = reverse_rows ? x : w - 1 - x;
          want.push_back(in[static_cast<std::size_t>((sy * w + sx) * c + ch)]);
        }
    EXPECT_EQ(load(*m.scratch, ofm), want) << (reverse_rows ? "rows" : "columns");
  }
}

// A negative stride that walks below the start of the region is an access error, not a wrap.
TEST(Pool, NegativeStridePastTheRegionStartIsAnError) {
  const Fm ifm{1, 0x0, 2, 2, 8, 8, true, false, 0};
  const Fm ofm{1, 0x400, 2, 2, 8, 8, true, false, 0};
  TestMemory m(0x100, 0x1000);
  store(*m.scratch, ifm, random_values(32, -128, 127, 7));
  StreamBuilder s;
  s.ifm(ifm)
      .ofm(ofm, npu::Rounding::kTfl, /*global_scale=*/true)
      .ofm_scale(1, 0)
      .cmd1(npu::Opcode::kSetOfmBase0, 0)
      .cmd1(npu::Opcode::kSetOfmStrideY, (uint64_t{1} << 40) - 16)
      .kernel(1, 1)
      .block()
      .pool(npu::PoolingMode::kAverage)
      .stop();
  EXPECT_THROW(run(m, s), Error);
}

}  // namespace
}  // namespace euc::npusim::test

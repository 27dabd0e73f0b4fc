// CONV and DEPTHWISE on tiny command streams, against a direct implementation of TFLite's
// integer convolution (refinterp's multiply_by_quantized_multiplier for the requantisation).
#include <gtest/gtest.h>

#include <random>

#include "refmath/quant_math.hpp"
#include "stream_builder.hpp"

namespace euc::npusim::test {
namespace {

using npu::Rounding;

constexpr uint64_t kScaleAddress = 0x0;
constexpr uint64_t kWeightAddress = 0x400;

struct ConvCase {
  Fm ifm, ofm;
  int kh = 3, kw = 3, sy = 1, sx = 1, dy = 1, dx = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool depthwise = false;
  bool part_kernel_first = false;
  int block_depth = 16;
  int32_t act_min = -128, act_max = 127;
  Rounding rounding = Rounding::kTfl;
};

struct ConvData {
  std::vector<int32_t> ifm;
  std::vector<int16_t> weights;  // OHWI (depthwise: [ofm][kh][kw][1])
  std::vector<weights::ScaleRecord> records;
};

ConvData random_data(const ConvCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const int lo = c.ifm.bits == 8 ? -128 : -32768;
  const int hi = c.ifm.bits == 8 ? 127 : 32767;
  std::uniform_int_distribution<int> ifm(lo, hi), w(-127, 127), bias(-6000, 6000);
  std::uniform_real_distribution<double> scale(0.0004, 0.01);
  ConvData d;
  for (int i = 0; i < c.ifm.h * c.ifm.w * c.ifm.c; ++i)
    d.ifm.push_back(ifm(rng));
  const int ifm_depth = c.depthwise ? 1 : c.ifm.c;
  for (int i = 0; i < c.ofm.c * c.kh * c.kw * ifm_depth; ++i)
    d.weights.push_back(static_cast<int16_t>(w(rng)));
  for (int o = 0; o < c.ofm.c; ++o) {
    const refmath::QuantMultiplier q = refmath::quantize_multiplier(scale(rng));
    d.records.push_back({bias(rng), static_cast<uint32_t>(q.significand), 31 - q.shift});
  }
  return d;
}

// TFLite's arithmetic: sum of (ifm - zero point) * weight over the window (padding adds
// nothing), plus bias, requantised, plus the OFM zero point, clamped.
std::vector<int32_t> reference(const ConvCase& c, const ConvData& d) {
  std::vector<int32_t> out;
  const int ifm_depth = c.depthwise ? 1 : c.ifm.c;
  for (int oy = 0; oy < c.ofm.h; ++oy)
    for (int ox = 0; ox < c.ofm.w; ++ox)
      for (int oc = 0; oc < c.ofm.c; ++oc) {
        int64_t acc = 0;
        for (int ky = 0; ky < c.kh; ++ky)
          for (int kx = 0; kx < c.kw; ++kx) {
            const int iy = oy * c.sy + ky * c.dy - c.pad_top;
            const int ix = ox * c.sx + kx * c.dx - c.pad_left;
            if (iy < 0 || ix < 0 || iy >= c.ifm.h || ix >= c.ifm.w)
              continue;
            for (int ic = 0; ic < ifm_depth; ++ic) {
              const int ch = c.depthwise ? oc : ic;
              const int32_t v =
                  d.ifm[static_cast<std::size_t>((iy * c.ifm.w + ix) * c.ifm.c + ch)] -
                  c.ifm.zero_point;
              acc += int64_t{v} * d.weights[static_cast<std::size_t>(
                                      ((oc * c.kh + ky) * c.kw + kx) * ifm_depth + ic)];
            }
          }
        const weights::ScaleRecord& r = d.records[static_cast<std::size_t>(oc)];
        int64_t scaled;
        if (c.rounding == Rounding::kTfl) {
          scaled = refmath::multiply_by_quantized_multiplier(
              static_cast<int32_t>(acc + r.bias), static_cast<int32_t>(r.multiplier), 31 - r.shift);
        } else {  // NATURAL: one rounding, ties up
          const __int128 p = static_cast<__int128>(acc + r.bias) * r.multiplier;
          scaled =
              static_cast<int64_t>((p + (static_cast<__int128>(1) << (r.shift - 1))) >> r.shift);
        }
        out.push_back(static_cast<int32_t>(
            std::clamp<int64_t>(scaled + c.ofm.zero_point, c.act_min, c.act_max)));
      }
  return out;
}

std::vector<int32_t> simulate(const ConvCase& c, const ConvData& d) {
  const int ifm_depth = c.depthwise ? 1 : c.ifm.c;
  const EncodedWeights e =
      encode_weights(d.weights, c.ofm.c, c.kh, c.kw, ifm_depth, c.depthwise, c.part_kernel_first,
                     c.block_depth, d.records, c.ifm.bits);
  TestMemory m(0x10000, 0x10000);
  m.flash->write(kScaleAddress, e.scales);
  m.flash->write(kWeightAddress, e.stream);
  store(*m.scratch, c.ifm, d.ifm);
  StreamBuilder s;
  s.ifm(c.ifm)
      .padding(c.pad_top, c.pad_left, c.pad_bottom, c.pad_right)
      .ofm(c.ofm, c.rounding)
      .activation(0, c.act_min, c.act_max)
      .kernel(c.kw, c.kh, c.sx, c.sy, c.dx, c.dy, c.part_kernel_first)
      .weights(0, kWeightAddress, e.stream.size())
      .scales(0, kScaleAddress, e.scales.size())
      .block(c.block_depth);
  if (c.ifm.bits == 16)
    s.acc_format(npu::AccFormat::kInt40bit);
  if (c.depthwise)
    s.depthwise();
  else
    s.conv();
  s.stop();
  run(m, s);
  return load(*m.scratch, c.ofm);
}

TEST(Conv, StridedPaddedConvMatchesTfliteArithmetic) {
  ConvCase c;
  c.ifm = Fm{1, 0x0, 7, 6, 5, 8, true, false, -3};
  c.ofm = Fm{1, 0x1000, 4, 6, 10, 8, true, true, 5};
  c.sy = 2;
  c.pad_top = c.pad_left = c.pad_bottom = c.pad_right = 1;
  c.act_min = -100;
  c.act_max = 110;
  const ConvData d = random_data(c, 1);
  EXPECT_EQ(simulate(c, d), reference(c, d));
}

TEST(Conv, PartKernelFirstOnBrickFormatIfmMatches) {
  ConvCase c;
  c.ifm = Fm{1, 0x0, 6, 6, 3, 8, true, true, 7};
  c.ofm = Fm{1, 0x2000, 6, 6, 20, 8, true, false, -2};
  c.kh = 2;
  c.kw = 3;
  c.pad_top = 0;
  c.pad_bottom = 1;
  c.pad_left = c.pad_right = 1;
  c.part_kernel_first = true;
  c.block_depth = 8;
  const ConvData d = random_data(c, 2);
  EXPECT_EQ(simulate(c, d), reference(c, d));
}

TEST(Conv, DilatedDeepConvMatches) {
  ConvCase c;
  c.ifm = Fm{1, 0x0, 9, 9, 40, 8, true, false, 0};
  c.ofm = Fm{1, 0x8000, 5, 5, 24, 8, true, true, 3};
  c.dy = c.dx = 2;
  const ConvData d = random_data(c, 3);
  EXPECT_EQ(simulate(c, d), reference(c, d));
}

TEST(Conv, Int16ConvWith40BitAccumulatorRoundsNaturally) {
  ConvCase c;
  c.ifm = Fm{1, 0x0, 5, 5, 4, 16, true, false, 0};
  c.ofm = Fm{1, 0x2000, 5, 5, 8, 16, true, false, 0};
  c.pad_top = c.pad_left = c.pad_bottom = c.pad_right = 1;
  c.rounding = Rounding::kNatural;
  c.act_min = -32768;
  c.act_max = 32767;
  const ConvData d = random_data(c, 4);
  EXPECT_EQ(simulate(c, d), reference(c, d));
}

TEST(Depthwise, PaddedStridedDepthwiseMatches) {
  ConvCase c;
  c.ifm = Fm{1, 0x0, 8, 7, 19, 8, true, true, -1};
  c.ofm = Fm{1, 0x4000, 4, 4, 19, 8, true, true, -128};
  c.depthwise = true;
  c.sy = c.sx = 2;
  c.pad_top = c.pad_left = 1;
  c.pad_bottom = 0;
  c.pad_right = 1;
  const ConvData d = random_data(c, 5);
  EXPECT_EQ(simulate(c, d), reference(c, d));
}

TEST(Conv, TwoCoresSplitTheOfmChannelsOddAndEven) {
  // ethos-u65-512: PARALLEL_MODE 1; core k computes OFM channels k, k + 2, ... from its own
  // weight stream and scale records, each reordered for half the OFM block depth.
  ConvCase c;
  c.ifm = Fm{1, 0x0, 5, 5, 12, 8, true, false, 2};
  c.ofm = Fm{1, 0x1000, 5, 5, 20, 8, true, true, -4};
  c.pad_top = c.pad_left = c.pad_bottom = c.pad_right = 1;
  const ConvData d = random_data(c, 6);
  const int per_channel = c.kh * c.kw * c.ifm.c;
  TestMemory m(0x10000, 0x10000, arch::Accelerator::kEthosU65_512);
  store(*m.scratch, c.ifm, d.ifm);
  StreamBuilder s;
  s.cmd0(npu::Opcode::kSetParallelMode, 1);
  s.ifm(c.ifm).padding(1, 1, 1, 1).ofm(c.ofm).kernel(3, 3).block(16);
  const npu::Opcode weight_base[2] = {npu::Opcode::kSetWeightBase, npu::Opcode::kSetWeight1Base};
  const npu::Opcode weight_length[2] = {npu::Opcode::kSetWeightLength,
                                        npu::Opcode::kSetWeight1Length};
  const npu::Opcode scale_base[2] = {npu::Opcode::kSetScaleBase, npu::Opcode::kSetScale1Base};
  const npu::Opcode scale_length[2] = {npu::Opcode::kSetScaleLength, npu::Opcode::kSetScale1Length};
  s.cmd0(npu::Opcode::kSetWeightRegion, 0).cmd0(npu::Opcode::kSetScaleRegion, 0);
  for (int core = 0; core < 2; ++core) {
    std::vector<int16_t> weights;
    std::vector<weights::ScaleRecord> records;
    for (int oc = core; oc < c.ofm.c; oc += 2) {
      weights.insert(weights.end(), d.weights.begin() + oc * per_channel,
                     d.weights.begin() + (oc + 1) * per_channel);
      records.push_back(d.records[static_cast<std::size_t>(oc)]);
    }
    const EncodedWeights e = encode_weights(weights, c.ofm.c / 2, 3, 3, c.ifm.c, false, false,
                                            /*block_depth=*/8, records);
    const uint64_t scales_at = 0x2000 * static_cast<uint64_t>(core);
    const uint64_t weights_at = scales_at + 0x400;
    m.flash->write(scales_at, e.scales);
    m.flash->write(weights_at, e.stream);
    s.cmd1(weight_base[core], weights_at).cmd1(weight_length[core], e.stream.size());
    s.cmd1(scale_base[core], scales_at).cmd1(scale_length[core], e.scales.size());
  }
  s.conv().stop();
  run(m, s, arch::Accelerator::kEthosU65_512);
  EXPECT_EQ(load(*m.scratch, c.ofm), reference(c, d));
}

}  // namespace
}  // namespace euc::npusim::test

// ELEMENTWISE operations on tiny command streams. ADD/SUB/MUL use the register values Vela
// computes (scaling.py, register_command_stream_generator.py) and are checked against TFLite's
// arithmetic over every pair of int8 operands; the others against hand-derived values.
#include <gtest/gtest.h>

#include <cmath>

#include "refmath/quant_math.hpp"
#include "stream_builder.hpp"

namespace euc::npusim::test {
namespace {

using npu::ElementwiseMode;

// Vela scaling.py quantise_scale: 31-bit significand rounded away from zero, shift 31 - exponent.
std::pair<uint32_t, int> quantise_scale(double scale) {
  int exponent = 0;
  const double significand = std::frexp(scale, &exponent);
  const double q = std::round(significand * static_cast<double>(int64_t{1} << 31));
  return {static_cast<uint32_t>(q), 31 - exponent};
}

// Every pair (a, b) of int8 values: IFM a varies along x, IFM2 b along y (256 x 256 x 1).
struct AllPairs {
  Fm ifm{1, 0x0, 256, 256, 1, 8, true, false, 0};
  Fm ifm2{1, 0x10000, 256, 256, 1, 8, true, false, 0};
  Fm ofm{1, 0x20000, 256, 256, 1, 8, true, false, 0};
  TestMemory m{0x100, 0x40000};

  AllPairs(int32_t za, int32_t zb, int32_t zo) {
    ifm.zero_point = za;
    ifm2.zero_point = zb;
    ofm.zero_point = zo;
    std::vector<int32_t> a, b;
    for (int y = 0; y < 256; ++y)
      for (int x = 0; x < 256; ++x) {
        a.push_back(x - 128);
        b.push_back(y - 128);
      }
    store(*m.scratch, ifm, a);
    store(*m.scratch, ifm2, b);
  }
  std::vector<int32_t> results;  // after finish()

  void finish(const StreamBuilder& s) {
    run(m, s);
    results = load(*m.scratch, ofm);
  }
  int32_t result(int a, int b) const {
    return results[static_cast<std::size_t>((b + 128) * 256 + a + 128)];
  }
};

TEST(Elementwise, AddWithAdvancedScalingMatchesTfliteForEveryInt8Pair) {
  const float s1 = 0.0213f, s2 = 0.0497f, so = 0.0611f;
  const int32_t za = -7, zb = 12, zo = 3;
  AllPairs p(za, zb, zo);
  // Vela: the smaller-scale operand (here IFM = OPA) gets the 32-bit scale, input shift 20.
  const double max_s = std::max<double>(s1, s2), min_s = std::min<double>(s1, s2);
  const auto [in_scale, in_shift] = quantise_scale(min_s * (1 << 20) / (2 * max_s));
  const auto [out_scale, out_shift] = quantise_scale(2 * max_s / (so * double(1 << 20)));
  StreamBuilder s;
  s.ifm(p.ifm)
      .ifm_scale_mode(npu::IfmScaleMode::kScaleOpa32bit)
      .ifm2(p.ifm2)
      .ofm(p.ofm, npu::Rounding::kTfl, true)
      .opa_scale(in_scale, in_shift)
      .opb_scale(0)
      .ofm_scale(out_scale, out_shift)
      .block()
      .elementwise(ElementwiseMode::kAdd)
      .stop();
  p.finish(s);
  // TFLite's int8 ADD (reference_integer_ops::Add with left shift 20).
  const double twice_max = 2 * max_s;
  const auto m1 = refmath::quantize_multiplier(s1 / twice_max);
  const auto m2 = refmath::quantize_multiplier(s2 / twice_max);
  const auto mo = refmath::quantize_multiplier(twice_max / (double(1 << 20) * so));
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) {
      const int32_t x = refmath::multiply_by_quantized_multiplier_smaller_than_one_exp(
          (a - za) * (1 << 20), m1.significand, m1.shift);
      const int32_t y = refmath::multiply_by_quantized_multiplier_smaller_than_one_exp(
          (b - zb) * (1 << 20), m2.significand, m2.shift);
      const int32_t sum = refmath::multiply_by_quantized_multiplier_smaller_than_one_exp(
          x + y, mo.significand, mo.shift);
      ASSERT_EQ(p.result(a, b), std::clamp(sum + zo, -128, 127)) << a << " + " << b;
    }
}

TEST(Elementwise, SubWithReversedOperandsSubtractsIfmFromIfm2) {
  AllPairs p(0, 0, 0);
  StreamBuilder s;
  s.ifm(p.ifm).ifm2(p.ifm2).ofm(p.ofm, npu::Rounding::kTfl, true);
  s.ifm2_broadcast(false, false, false, /*reversed=*/true, false)
      .opa_scale(1, 0)
      .opb_scale(1)
      .ofm_scale(1, 0)
      .block()
      .elementwise(ElementwiseMode::kSub)
      .stop();
  p.finish(s);
  for (int a : {-128, -5, 0, 7, 127})
    for (int b : {-128, -1, 0, 3, 127})
      EXPECT_EQ(p.result(a, b), std::clamp(b - a, -128, 127)) << b << " - " << a;
}

TEST(Elementwise, MulMatchesTfliteForEveryInt8Pair) {
  const double s1 = 0.031, s2 = 0.0077, so = 0.0042;
  const int32_t za = 4, zb = -9, zo = -20;
  AllPairs p(za, zb, zo);
  const auto [scale, shift] = quantise_scale(s1 * s2 / so);
  StreamBuilder s;
  s.ifm(p.ifm).ifm2(p.ifm2).ofm(p.ofm, npu::Rounding::kTfl, true).ofm_scale(scale, shift);
  s.block().elementwise(ElementwiseMode::kMul).stop();
  p.finish(s);
  const auto mo = refmath::quantize_multiplier(s1 * s2 / so);
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) {
      const int32_t r =
          refmath::multiply_by_quantized_multiplier((a - za) * (b - zb), mo.significand, mo.shift);
      ASSERT_EQ(p.result(a, b), std::clamp(r + zo, -128, 127)) << a << " * " << b;
    }
}

// A 1 x 1 x n int32 elementwise operation with IFM2 broadcast or scalar, returning the OFM.
std::vector<int32_t> int32_op(ElementwiseMode mode, const std::vector<int32_t>& a,
                              const std::vector<int32_t>& b, uint32_t scale, int shift,
                              npu::Rounding rounding = npu::Rounding::kTfl) {
  const int n = static_cast<int>(a.size());
  const Fm ifm{1, 0x0, 1, 1, n, 32, true, false, 0};
  const Fm ifm2{1, 0x100, 1, 1, static_cast<int>(b.size()), 32, true, false, 0};
  const Fm ofm{1, 0x200, 1, 1, n, 32, true, false, 0};
  TestMemory m(0x100, 0x400);
  store(*m.scratch, ifm, a);
  store(*m.scratch, ifm2, b);
  StreamBuilder s;
  s.ifm(ifm)
      .ifm2(ifm2)
      .ofm(ofm, rounding, true)
      .ofm_scale(scale, shift)
      .opa_scale(1, 0)
      .opb_scale(1);
  s.ifm2_broadcast(false, false, b.size() == 1, false, false).block().elementwise(mode).stop();
  run(m, s);
  return load(*m.scratch, ofm);
}

TEST(Elementwise, Int32MulAppliesOnlyTheShiftGivingARoundingDoublingHighMultiply) {
  const std::vector<int32_t> a{1 << 30, -1010580540, 1515870810, 123456789, -7};
  const std::vector<int32_t> b{-1010580540};
  const auto got = int32_op(ElementwiseMode::kMul, a, b, 1 << 30, 31);
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(got[i], refmath::saturating_rounding_doubling_high_mul(a[i], b[0])) << a[i];
  EXPECT_EQ(int32_op(ElementwiseMode::kMul, {3, -5}, {4}, 1, 0), (std::vector<int32_t>{12, -20}));
}

TEST(Elementwise, Int32AddWithScaleKeepsTheCarry) {
  // Vela's softmax halves (x + (2^31 - 1)) with OFM_SCALE 1 >> 1: the sum needs 33 bits.
  const auto got = int32_op(ElementwiseMode::kAdd, {1 << 30, 5}, {INT32_MAX}, 1, 1);
  EXPECT_EQ(got[0], static_cast<int32_t>(((int64_t{1} << 30) + INT32_MAX + 1) >> 1));
  EXPECT_EQ(got[1], static_cast<int32_t>((int64_t{5} + INT32_MAX + 1) >> 1));
}

TEST(Elementwise, ShiftsClzMinAndMax) {
  EXPECT_EQ(
      int32_op(ElementwiseMode::kShr, {2147483647, 6, -6, 7}, {2}, 1, 0, npu::Rounding::kNatural),
      (std::vector<int32_t>{536870912, 2, -1, 2}));
  EXPECT_EQ(int32_op(ElementwiseMode::kShr, {7, -7}, {1}, 1, 0, npu::Rounding::kTruncate),
            (std::vector<int32_t>{3, -3}));
  EXPECT_EQ(int32_op(ElementwiseMode::kShl, {3, -3, 1}, {4}, 1, 0),
            (std::vector<int32_t>{48, -48, 16}));
  EXPECT_EQ(int32_op(ElementwiseMode::kMin, {3, -3, 9}, {1}, 1, 0),
            (std::vector<int32_t>{1, -3, 1}));
  EXPECT_EQ(int32_op(ElementwiseMode::kMax, {3, -3, 9}, {1, 5, 20}, 1, 0),
            (std::vector<int32_t>{3, 5, 20}));
}

TEST(Elementwise, UnaryClzAndAbs) {
  const Fm ifm{1, 0x0, 1, 1, 4, 32, true, false, 0};
  const Fm ofm{1, 0x100, 1, 1, 4, 32, true, false, 0};
  TestMemory m(0x100, 0x200);
  store(*m.scratch, ifm, std::vector<int32_t>{1, 1016765, -1, 0});
  StreamBuilder s;
  s.ifm(ifm).ofm(ofm).block().elementwise(ElementwiseMode::kClz).stop();
  run(m, s);
  EXPECT_EQ(load(*m.scratch, ofm), (std::vector<int32_t>{31, 12, 0, 32}));

  StreamBuilder abs;
  abs.ifm(ifm).ofm(ofm, npu::Rounding::kTfl, true).ofm_scale(1, 0).block();
  abs.elementwise(ElementwiseMode::kAbs).stop();
  run(m, abs);
  EXPECT_EQ(load(*m.scratch, ofm), (std::vector<int32_t>{1, 1016765, 1, 0}));
}

TEST(Elementwise, ScalarIfm2IsTheRegisterValueMinusItsZeroPoint) {
  const Fm ifm{1, 0x0, 2, 2, 3, 8, true, false, 5};
  const Fm ofm{1, 0x100, 2, 2, 3, 8, true, false, 0};
  TestMemory m(0x100, 0x200);
  store(*m.scratch, ifm, std::vector<int32_t>{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  Fm scalar_fm = ifm;
  scalar_fm.zero_point = 2;
  StreamBuilder s;
  s.ifm(ifm).ifm2(scalar_fm).ifm2_broadcast(false, false, false, false, true).ifm2_scalar(10);
  s.ofm(ofm, npu::Rounding::kTfl, true).ofm_scale(1, 0).opa_scale(1, 0).opb_scale(1);
  s.block().elementwise(ElementwiseMode::kAdd).stop();
  run(m, s);
  EXPECT_EQ(load(*m.scratch, ofm),
            (std::vector<int32_t>{8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
}

TEST(Elementwise, LreluScalesOnlyNegativeValues) {
  const Fm ifm{1, 0x0, 1, 1, 4, 8, true, false, 0};
  const Fm ofm{1, 0x100, 1, 1, 4, 8, true, false, 0};
  TestMemory m(0x100, 0x200);
  store(*m.scratch, ifm, std::vector<int32_t>{-100, -3, 0, 77});
  const auto [alpha, shift] = quantise_scale(0.25);
  StreamBuilder s;
  s.ifm(ifm).ofm(ofm, npu::Rounding::kTfl, true).ofm_scale(alpha, shift).block();
  s.elementwise(ElementwiseMode::kLrelu).stop();
  run(m, s);
  EXPECT_EQ(load(*m.scratch, ofm), (std::vector<int32_t>{-25, -1, 0, 77}));
}

}  // namespace
}  // namespace euc::npusim::test

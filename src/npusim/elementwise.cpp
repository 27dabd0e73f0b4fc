// ELEMENTWISE: one OFM element from the IFM element at the same position and (binary modes) the
// IFM2 element at that position, broadcast or scalar. Operands are the stored values minus their
// zero points; with reversed operands IFM2 is the first operand (A) and IFM the second (B).
//
// ADD and SUB scale their operands before combining them (IFM_PRECISION scale_mode):
//   SCALE_16BIT: A * OPA_SCALE and B * OPB_SCALE (Vela's "simplified" scaling);
//   SCALE_OPA_32BIT / SCALE_OPB_32BIT: the named operand gets the 32-bit scale and shift of
//     OPA_SCALE, the other none (Vela's "advanced" scaling, scaling.py). The hardware details
//     are not public; we model TFLite's ADD, which Vela's values reproduce: both operands are
//     first shifted left by k = 20 (8-bit) or 15 (16-bit) bits, Vela's input_shift; the scaled
//     one is then multiplied and shifted right by OPA shift + k with the IFM rounding mode, the
//     other is halved exactly (Vela folds TFLite's 1 / (2 * max scale) into OFM_SCALE, which
//     leaves the larger-scale operand at exactly 1/2).
// The sum or difference then goes through the output stage with OFM_SCALE.
//
// MUL multiplies the operands and scales the product with OFM_SCALE. For 32-bit operands only
// the OFM_SCALE shift applies: Vela's softmax lowering (softmax.py) needs a rounding doubling
// high multiply of two int32 values from MULs it gives a scale of 2^30 / 2^31 (and plain
// products from MULs with scale 1 / 2^0), which only holds if the 32-bit product is shifted
// and not multiplied (a 32 x 64-bit multiply would also be costly hardware).
//
// SHR and SHL shift the first operand by the second (0-63 bits; SHR rounds with the OFM
// rounding mode). MIN, MAX, ABS and CLZ (leading zeros of the 32-bit value) are what their
// names say. LRELU multiplies negative values by OFM_SCALE (Vela writes alpha there,
// high_level_command_to_npu_op.py) and passes the others; not exercised by the test models.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstdint>

#include "core/error.hpp"
#include "npusim/kernels.hpp"
#include "npusim/output_stage.hpp"
#include "npusim/rounding.hpp"

namespace euc::npusim {
namespace {

constexpr int kAdvancedShift8 = 20;
constexpr int kAdvancedShift16 = 15;
constexpr int kMaxShiftOperand = 63;

bool is_unary(npu::ElementwiseMode mode) {
  return mode == npu::ElementwiseMode::kAbs || mode == npu::ElementwiseMode::kLrelu ||
         mode == npu::ElementwiseMode::kClz;
}

struct AddScaling {
  npu::IfmScaleMode mode;
  npu::Rounding rounding;
  int64_t opa;  // multiplier
  int opa_shift;
  int64_t opb;
  int input_shift;  // k above

  int64_t scaled(int64_t x) const {
    const Int128 product = (Int128{x} << input_shift) * Int128{opa};
    return static_cast<int64_t>(rounding_shift(product, opa_shift + input_shift, rounding));
  }
  int64_t unscaled(int64_t x) const { return x * (int64_t{1} << (input_shift - 1)); }

  int64_t a(int64_t x) const {
    switch (mode) {
      case npu::IfmScaleMode::kScaleOpa32bit:
        return scaled(x);
      case npu::IfmScaleMode::kScaleOpb32bit:
        return unscaled(x);
      case npu::IfmScaleMode::kScale16bit:
        break;
    }
    return x * opa;
  }
  int64_t b(int64_t x) const {
    switch (mode) {
      case npu::IfmScaleMode::kScaleOpa32bit:
        return unscaled(x);
      case npu::IfmScaleMode::kScaleOpb32bit:
        return scaled(x);
      case npu::IfmScaleMode::kScale16bit:
        break;
    }
    return x * opb;
  }
};

AddScaling add_scaling(const npu::BlockOperation& op) {
  if (!op.opa_scale || !op.opb_scale)
    throw_input("ADD/SUB without OPA_SCALE/OPB_SCALE");
  AddScaling s{op.ifm_scale_mode,
               op.ifm_round_mode,
               op.opa_scale->multiplier,
               op.opa_scale->shift,
               *op.opb_scale,
               op.ifm.type.bits == 8 ? kAdvancedShift8 : kAdvancedShift16};
  if (s.mode == npu::IfmScaleMode::kScale16bit && s.opa_shift != 0) {
    throw_input(fmt::format("OPA_SCALE shift {} with SCALE_16BIT operand scaling is not modelled",
                            s.opa_shift));
  }
  return s;
}

int shift_amount(int64_t v) {
  return static_cast<int>(std::clamp<int64_t>(v, 0, kMaxShiftOperand));
}

struct Operands {
  DenseMap ifm;
  DenseMap ifm2;
  bool scalar = false;
  int32_t scalar_value = 0;
  bool bh = false, bw = false, bc = false;

  int64_t second(int y, int x, int c, int32_t zero_point) const {
    if (scalar)
      return int64_t{scalar_value} - zero_point;
    return int64_t{ifm2.at(bh ? 0 : y, bw ? 0 : x, bc ? 0 : c)} - zero_point;
  }
};

}  // namespace

DenseMap run_elementwise(const KernelEnv& env, const npu::BlockOperation& op) {
  const npu::ElementwiseMode mode = op.elementwise_mode;
  if (op.ifm.shape.depth != op.ofm.shape.depth) {
    throw_input(fmt::format("ELEMENTWISE needs IFM depth ({}) equal to OFM depth ({})",
                            op.ifm.shape.depth, op.ofm.shape.depth));
  }
  Operands in;
  in.ifm = read_feature_map(env.memory, op.ifm, "IFM");
  const bool unary = is_unary(mode);
  if (!unary) {
    if (!op.ifm2 || !op.ifm2_setting)
      throw_input("binary elementwise operation without IFM2");
    const npu::Ifm2Setting& s = *op.ifm2_setting;
    in.scalar = s.is_scalar;
    in.scalar_value = s.scalar_value;
    in.bh = s.broadcast_height;
    in.bw = s.broadcast_width;
    in.bc = s.broadcast_depth;
    if (!in.scalar)
      in.ifm2 = read_feature_map(env.memory, *op.ifm2, "IFM2");
  }
  const bool reversed = !unary && op.ifm2_setting->reversed_operands;
  const int32_t za = op.ifm.zero_point;
  const int32_t zb = unary ? 0 : op.ifm2->zero_point;
  const OutputStage stage(op, env.memory, env.accelerator);
  const bool add_sub = mode == npu::ElementwiseMode::kAdd || mode == npu::ElementwiseMode::kSub;
  const AddScaling scaling = add_sub ? add_scaling(op) : AddScaling{};
  const bool wide_mul = op.ifm.type.bits == 32 || (!unary && op.ifm2->type.bits == 32);
  if (mode == npu::ElementwiseMode::kMul && wide_mul && !op.ofm_scale)
    throw_input("32-bit MUL without OFM_SCALE");
  if (mode == npu::ElementwiseMode::kLrelu && !op.ofm_scale)
    throw_input("LRELU without OFM_SCALE (alpha)");

  DenseMap out(op.ofm.shape);
  for (int y = 0; y < out.shape.height; ++y) {
    for (int x = 0; x < out.shape.width; ++x) {
      for (int c = 0; c < out.shape.depth; ++c) {
        int64_t a = int64_t{in.ifm.at(y, x, c)} - za;
        int64_t b = unary ? 0 : in.second(y, x, c, zb);
        if (reversed)
          std::swap(a, b);
        int64_t r = 0;
        switch (mode) {
          case npu::ElementwiseMode::kAdd:
            r = scaling.a(a) + scaling.b(b);
            break;
          case npu::ElementwiseMode::kSub:
            r = scaling.a(a) - scaling.b(b);
            break;
          case npu::ElementwiseMode::kMul:
            if (wide_mul) {
              const auto shifted =
                  rounding_shift(Int128{a} * b, op.ofm_scale->shift, stage.rounding());
              out.at(y, x, c) = static_cast<int32_t>(
                  stage.finish_scaled(saturate128(shifted, INT64_MIN, INT64_MAX)));
              continue;
            }
            r = a * b;
            break;
          case npu::ElementwiseMode::kMin:
            r = std::min(a, b);
            break;
          case npu::ElementwiseMode::kMax:
            r = std::max(a, b);
            break;
          case npu::ElementwiseMode::kShr:
            r = static_cast<int64_t>(rounding_shift(a, shift_amount(b), stage.rounding()));
            break;
          case npu::ElementwiseMode::kShl:
            r = saturate128(Int128{a} << shift_amount(b), INT64_MIN, INT64_MAX);
            break;
          case npu::ElementwiseMode::kAbs:
            r = a < 0 ? -a : a;
            break;
          case npu::ElementwiseMode::kClz:
            r = std::countl_zero(static_cast<uint32_t>(a));
            break;
          case npu::ElementwiseMode::kLrelu:
            r = a < 0 ? apply_scale(a, op.ofm_scale->multiplier, op.ofm_scale->shift,
                                    stage.rounding())
                      : a;
            out.at(y, x, c) = static_cast<int32_t>(stage.finish_scaled(r));
            continue;
        }
        out.at(y, x, c) = static_cast<int32_t>(stage.finish(r));
      }
    }
  }
  return out;
}

}  // namespace euc::npusim

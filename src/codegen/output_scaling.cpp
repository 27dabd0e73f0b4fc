#include "codegen/output_scaling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "arch/operation_kinds.hpp"
#include "core/error.hpp"
#include "weights/scale_quantisation.hpp"

namespace euc::codegen {
namespace {

ScaleShift quantised(double scale) {
  weights::QuantisedScale q = weights::quantise_scale(scale);
  return {q.multiplier, q.shift};
}

double round_away_from_zero(double v) {
  return v < 0 ? -std::floor(-v + 0.5) : std::floor(v + 0.5);
}

// Bits needed for a rescale factor applied on top of a 1x1 average (Vela's rescale_bits).
int rescale_bits_for(double rescale) {
  auto bit_length = [](double v) {
    auto n = static_cast<uint64_t>(std::ceil(v));
    int bits = 0;
    while (n != 0) {
      ++bits;
      n >>= 1;
    }
    return bits;
  };
  if (rescale > 1)
    return bit_length(rescale) + 1;
  if (rescale < 1)
    return -(bit_length(1 / rescale) - 1);
  return 0;
}

// TFLite's ADD and SUB rescale both operands to twice the larger input scale after a left shift
// of 20 bits (8-bit) or 15 bits (16-bit), sum, then rescale to the output (add.cc and sub.cc,
// Prepare). ADD forms the real multipliers in double; SUB forms them in float and widens the
// result, which can round the multiplier differently.
struct AddSubMultipliers {
  int left_shift = 0;
  double smaller = 0;  // the operand with the smaller scale (the larger one is exactly 1/2)
  double output = 0;
};

AddSubMultipliers tflite_add_sub_multipliers(float scale1, float scale2, float ofm_scale, int bits,
                                             bool subtract) {
  AddSubMultipliers m;
  m.left_shift = bits == 8 ? 20 : 15;
  const float min_scale = std::min(scale1, scale2);
  const float max_scale = std::max(scale1, scale2);
  if (subtract) {
    const float twice_max = 2 * max_scale;
    m.smaller = static_cast<double>(min_scale / twice_max);
    m.output = static_cast<double>(twice_max / (static_cast<float>(1 << m.left_shift) * ofm_scale));
  } else {
    const double twice_max = 2 * static_cast<double>(max_scale);
    m.smaller = static_cast<double>(min_scale) / twice_max;
    m.output = twice_max / ((1 << m.left_shift) * static_cast<double>(ofm_scale));
  }
  return m;
}

}  // namespace

ScaleShift pooling_scale(int elements, double rescale, int rescale_bits) {
  int exponent = 0;
  std::frexp(static_cast<double>(elements - 1), &exponent);
  const int n = 31 - rescale_bits;
  const int shift = n + exponent;
  // 2^shift / elements, rounded up a little so exact multiples divide exactly.
  const uint64_t base = ((uint64_t{1} << shift) + (uint64_t{1} << exponent)) / elements;
  return {static_cast<uint32_t>(round_away_from_zero(static_cast<double>(base) * rescale)), shift};
}

namespace {

// pooling_scale, or nullopt when the rescale needs a shift outside 0-63 or a multiplier wider
// than 32 bits: a ratio of IFM and OFM scales far from 1, which TFLite's pooling (equal scales)
// never has. The range test of a 1x1 average keeps rescale_bits_for's conversions defined.
std::optional<ScaleShift> checked_pooling_scale(int elements, double rescale) {
  if (!(rescale >= 0) || (elements == 1 && !(rescale >= 0x1p-32 && rescale <= 0x1p31)))
    return std::nullopt;
  const int bits = elements == 1 ? rescale_bits_for(rescale) : 0;
  int exponent = 0;
  std::frexp(static_cast<double>(elements - 1), &exponent);
  const int shift = 31 - bits + exponent;
  if (shift < 0 || shift > 63 || exponent > 62)
    return std::nullopt;
  const uint64_t base = ((uint64_t{1} << shift) + (uint64_t{1} << exponent)) / elements;
  if (!(round_away_from_zero(static_cast<double>(base) * rescale) <= UINT32_MAX))
    return std::nullopt;
  return pooling_scale(elements, rescale, bits);
}

}  // namespace

OutputScaling output_scaling(const ir::NpuGraph& graph, const ir::NpuOp& op) {
  OutputScaling s;
  const double ifm_scale = static_cast<float>(graph.tensors[op.ifm.tensor].quant.scale);
  const double ofm_scale = static_cast<float>(graph.tensors[op.ofm.tensor].quant.scale);
  const double ifm2_scale =
      op.ifm2.valid() ? static_cast<float>(graph.tensors[op.ifm2.tensor].quant.scale) : 1.0;
  const bool padded = op.padding.top + op.padding.left + op.padding.bottom + op.padding.right != 0;
  const arch::OperationKind& kind = arch::operation_kind(op.type);
  if (op.explicit_scale && kind.is_elementwise()) {
    // A lowering's own fixed-point step (SOFTMAX): the operands as they are, this output scale
    // (for 32-bit MUL only its shift acts: docs/npu_architecture.md §Output scaling and rounding).
    s.global = true;
    s.ofm = ScaleShift{op.explicit_scale->first, op.explicit_scale->second};
    if (kind.scaling == arch::OutputScalingRule::kAddSubtract) {
      s.opa = ScaleShift{1, 0};
      s.opb = ScaleShift{1, 0};
    }
    return s;
  }
  switch (kind.scaling) {
    case arch::OutputScalingRule::kPooling: {
      if (op.explicit_scale) {  // a rescale (QUANTIZE) with TFLite's own multiplier and shift
        s.global = true;
        s.ofm = ScaleShift{op.explicit_scale->first, op.explicit_scale->second};
        break;
      }
      s.global = !padded;
      if (s.global) {
        const int elements = op.kernel.width * op.kernel.height;
        const double rescale = ifm_scale / ofm_scale;
        const std::optional<ScaleShift> scale = checked_pooling_scale(elements, rescale);
        if (!scale) {
          throw_input(fmt::format(
              "average pool '{}': IFM scale {:g} / OFM scale {:g} is beyond the NPU's 32-bit "
              "output scale (TFLite's pooling keeps the scale)",
              op.name, ifm_scale, ofm_scale));
        }
        s.ofm = *scale;
      }
      break;
    }
    case arch::OutputScalingRule::kMultiply:
      s.global = true;
      s.ofm = quantised(ifm_scale * ifm2_scale / ofm_scale);
      break;
    case arch::OutputScalingRule::kAddSubtract: {
      s.global = true;
      const int bits = *ir::element_size(graph.tensors[op.ifm.tensor].type) * 8;
      const AddSubMultipliers m = tflite_add_sub_multipliers(
          static_cast<float>(ifm_scale), static_cast<float>(ifm2_scale),
          static_cast<float>(ofm_scale), bits, kind.elementwise == npu::ElementwiseMode::kSub);
      if (ifm_scale == ifm2_scale && bits == 16) {
        // Both operands times 2^14 in the 16-bit operand scales: exactly TFLite's operand shifted
        // left by 15 and halved, so OFM_SCALE is TFLite's output multiplier itself and the
        // output stage rounds where TFLite does (an operand scale of 2^15 with the output shift
        // one higher would move the first rounding of the doubling high multiply).
        const uint32_t operand = 1u << (m.left_shift - 1);
        s.opa = ScaleShift{operand, 0};
        s.opb = ScaleShift{operand, 0};
        s.ofm = quantised(m.output);
      } else if (ifm_scale == ifm2_scale && bits == 32) {
        // int32 (TFLite adds them without rescaling): Vela 3.10's simplified scaling, both
        // operands times 2^15 and an OFM scale of 2^-15 times the scale ratio.
        constexpr int kSimplifiedShift = 16;
        const uint32_t operand = 1u << (kSimplifiedShift - 1);
        s.opa = ScaleShift{operand, 0};
        s.opb = ScaleShift{operand, 0};
        s.ofm = quantised(2 * ifm_scale / (ofm_scale * (1 << kSimplifiedShift)));
      } else {
        // The operand with the smaller scale is rescaled at 32 bits (its multiplier applied to
        // the value shifted left by TFLite's left shift); the other is halved exactly. 8-bit
        // operands take this path even with equal scales: TFLite's 20-bit left shift puts the
        // first rounding of its output multiplier where no 16-bit operand scale can.
        // With reversed operands OPA is the second operand.
        const bool scale_ifm = (ifm_scale < ifm2_scale) != op.reversed_operands;
        s.operand_to_scale =
            scale_ifm ? npu::IfmScaleMode::kScaleOpa32bit : npu::IfmScaleMode::kScaleOpb32bit;
        s.opa = quantised(std::ldexp(m.smaller, m.left_shift));
        s.opb = ScaleShift{0, 0};
        s.ofm = quantised(m.output);
      }
      break;
    }
    case arch::OutputScalingRule::kOfmScale:
      s.global = true;
      // ABS's rescale and LeakyReLU's alpha multiplier as the lowering formed them (TFLite's).
      s.ofm = op.explicit_scale ? ScaleShift{op.explicit_scale->first, op.explicit_scale->second}
                                : quantised(ofm_scale);
      break;
    case arch::OutputScalingRule::kUnit:
      s.ofm = ScaleShift{1, 0};
      break;
    case arch::OutputScalingRule::kPerChannel:  // records in the weight stream
    case arch::OutputScalingRule::kNone:
      break;
  }
  return s;
}

}  // namespace euc::codegen

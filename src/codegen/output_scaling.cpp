#include "codegen/output_scaling.hpp"

#include <cmath>

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

OutputScaling output_scaling(const ir::NpuGraph& graph, const ir::NpuOp& op) {
  OutputScaling s;
  const double ifm_scale = static_cast<float>(graph.tensors[op.ifm.tensor].quant.scale);
  const double ofm_scale = static_cast<float>(graph.tensors[op.ofm.tensor].quant.scale);
  const double ifm2_scale =
      op.ifm2.valid() ? static_cast<float>(graph.tensors[op.ifm2.tensor].quant.scale) : 1.0;
  const bool padded = op.padding.top + op.padding.left + op.padding.bottom + op.padding.right != 0;
  switch (op.type) {
    case ir::NpuOpType::kAvgPool:
    case ir::NpuOpType::kReduceSum: {
      if (op.explicit_scale) {  // a rescale (QUANTIZE) with TFLite's own multiplier and shift
        s.global = true;
        s.ofm = ScaleShift{op.explicit_scale->first, op.explicit_scale->second};
        break;
      }
      s.global = !padded;
      if (s.global) {
        const int elements = op.kernel.width * op.kernel.height;
        const double rescale = ifm_scale / ofm_scale;
        s.ofm = pooling_scale(elements, rescale, elements == 1 ? rescale_bits_for(rescale) : 0);
      }
      break;
    }
    case ir::NpuOpType::kMul:
      s.global = true;
      s.ofm = quantised(ifm_scale * ifm2_scale / ofm_scale);
      break;
    case ir::NpuOpType::kAdd:
    case ir::NpuOpType::kSub: {
      s.global = true;
      // Operands are shifted up before adding, so their rescale factors keep precision.
      if (ifm_scale == ifm2_scale) {
        const int input_shift = 16;
        const double operand = ifm_scale * (1 << input_shift) / (2 * ifm_scale);
        s.opa = ScaleShift{static_cast<uint32_t>(operand), 0};
        s.opb = ScaleShift{static_cast<uint32_t>(operand), 0};
        s.ofm = quantised(2 * ifm_scale / (ofm_scale * (1 << input_shift)));
      } else {
        const int bits = *ir::element_size(graph.tensors[op.ifm.tensor].type) * 8;
        const int input_shift = bits == 8 ? 20 : 15;
        const double max_scale = std::max(ifm_scale, ifm2_scale);
        const double min_scale = std::min(ifm_scale, ifm2_scale);
        // The operand with the smaller scale is rescaled at 32 bits; the other passes as is.
        s.operand_to_scale = ifm_scale < ifm2_scale ? 1 : 2;
        if (op.reversed_operands)
          s.operand_to_scale = 3 - s.operand_to_scale;
        s.opa = quantised(min_scale * (1 << input_shift) / (2 * max_scale));
        s.opb = ScaleShift{0, 0};
        s.ofm = quantised(2 * max_scale / (ofm_scale * (1 << input_shift)));
      }
      break;
    }
    case ir::NpuOpType::kLeakyRelu:
    case ir::NpuOpType::kAbs:
      s.global = true;
      s.ofm = quantised(ofm_scale);
      break;
    case ir::NpuOpType::kMinimum:
    case ir::NpuOpType::kMaximum:
    case ir::NpuOpType::kShl:
    case ir::NpuOpType::kShr:
    case ir::NpuOpType::kClz:
      s.ofm = ScaleShift{1, 0};
      break;
    default:
      break;  // convolutions: per-channel records in the weight stream; max pool: none
  }
  return s;
}

}  // namespace euc::codegen

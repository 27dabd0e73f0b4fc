#include "refmath/quant_math.hpp"

#include <cmath>

namespace euc::refmath {

QuantMultiplier quantize_multiplier(double real) {
  if (real == 0.0)
    return {};
  int shift = 0;
  const double fraction = std::frexp(real, &shift);
  auto fixed = static_cast<int64_t>(std::round(fraction * static_cast<double>(int64_t{1} << 31)));
  if (fixed == (int64_t{1} << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    fixed = 0;
  }
  return {static_cast<int32_t>(fixed), shift};
}

int32_t quantize_value(float scale, int32_t zero_point, float value) {
  const float q = std::round(value / scale);
  return zero_point + static_cast<int32_t>(q);
}

ActivationRange activation_range(int activation, float scale, int32_t zero_point, int32_t qmin,
                                 int32_t qmax) {
  // ActivationFunctionType: 0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6.
  switch (activation) {
    case 1:
      return {std::max(qmin, quantize_value(scale, zero_point, 0.0f)), qmax};
    case 2:
      return {std::max(qmin, quantize_value(scale, zero_point, -1.0f)),
              std::min(qmax, quantize_value(scale, zero_point, 1.0f))};
    case 3:
      return {std::max(qmin, quantize_value(scale, zero_point, 0.0f)),
              std::min(qmax, quantize_value(scale, zero_point, 6.0f))};
    default:
      return {qmin, qmax};
  }
}

int32_t input_radius(int int_bits, int left_shift, int total_bits) {
  const double max_rescaled = 1.0 * ((1 << int_bits) - 1) *
                              static_cast<double>(int64_t{1} << (total_bits - int_bits)) /
                              static_cast<double>(int64_t{1} << left_shift);
  return static_cast<int32_t>(std::floor(max_rescaled));
}

}  // namespace euc::refmath

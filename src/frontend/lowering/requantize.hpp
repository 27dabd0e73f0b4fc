#pragma once
// TFLite's fixed-point requantization, which the lowerings reproduce on the NPU's output stage:
// a 32-bit multiplier and a right shift with TFL rounding compute exactly TFLite's
// MultiplyByQuantizedMultiplier (docs/npu_architecture.md, output stage).
#include <cstdint>
#include <optional>
#include <utility>

namespace euc::frontend {

// TFLite's QuantizeMultiplier: real = significand * 2^(shift - 31), |significand| in
// [2^30, 2^31) (0 and 0 for 0; a negative real gives a negative significand).
std::pair<int64_t, int> tflite_multiplier(double real);

// The output stage's (multiplier, right shift) for TFLite's multiplier of `real`, or nullopt
// when it is negative or its shift is outside the output stage's 0..63.
std::optional<std::pair<uint32_t, int>> output_stage_scale(double real);

// TFLite's MultiplyByQuantizedMultiplier(x, significand, shift) (the significand as
// tflite_multiplier gives it), for the values of 8- and 16-bit feature maps and their products.
int64_t multiply_by_quantized_multiplier(int64_t x, int64_t significand, int shift);

}  // namespace euc::frontend

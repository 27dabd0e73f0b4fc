#pragma once
// TFLite's reference activation kernels as functions of one stored value: the reference
// interpreter maps tensors through them; the frontend evaluates them on every 8-bit input to
// build the NPU's lookup tables, so a table equals the reference kernel by construction.
// Each function maps a stored input value to the stored output value before the clamp to the
// output type.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace euc::refmath {

// A tensor's quantisation as the reference kernels read it (float32 scale).
struct Quant {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

using ValueFunction = std::function<int32_t(int32_t)>;

// Why TFLite's fixed-point arithmetic cannot represent an activation with these parameters: a
// multiplier it forms (a ratio of scales, alpha) outside 2^-31..2^31, where its shifts leave
// the 32-bit range (TFLite's kernels are undefined there). `op` is the TFLite name; `alpha`
// only counts for LEAKY_RELU.
std::optional<std::string> fixed_point_problem(std::string_view op, Quant in, Quant out,
                                               float alpha = 0.0f);

// int8 LOGISTIC (output 1/256, zero point -128) and TANH (output 1/128, zero point 0): the
// input scaled to Q4.27, gemmlowp's fixed-point function, inputs beyond its radius saturated.
ValueFunction logistic_int8(Quant in);
ValueFunction tanh_int8(Quant in);
// Why LOGISTIC int8 cannot have this output quantisation. (Neither function reads the output
// scale: TFLite requires the one above.)
std::optional<std::string> logistic_int8_problem(Quant out);

// Why TFLite Micro refuses a SOFTMAX with this output quantisation (its kernels ignore it and
// assume: int8 output scale exactly 1/256 and zero point -128; int16 output of an int8 input
// 1/65536 and -32768; int16 output of an int16 input 1/32768 and 0; the int16 scales within a
// thousandth, compared in single precision).
std::optional<std::string> softmax_output_problem(bool int8_input, bool int8_output, Quant out);

// int16 LOGISTIC and TANH: the input's rescale into the domain of the 256-entry sigmoid table
// (3 * Q3.12, so table steps of 512 are 1/24), v = (x * multiplier + 2^(left_shift - 1)) >>
// left_shift (no rounding term for a shift of 0). A power-of-two input scale whose shift is at
// most `pot_shift_limit` (0 for LOGISTIC, 1 for TANH) uses 3 << shift; otherwise 3 * 4096 *
// scale is doubled until it exceeds 16383.5 and truncated.
struct Int16TableScale {
  int32_t multiplier = 0;
  int left_shift = 0;
};
Int16TableScale sigmoid_int16_scale(float in_scale, int pot_shift_limit);
// Why int16 LOGISTIC/TANH cannot have these tensors: zero points 0 and output scale 2^-15.
std::optional<std::string> sigmoid_int16_problem(Quant in, Quant out);

// int8 HARD_SWISH: x * relu6(x + 3) / 6 in 16-bit fixed point.
ValueFunction hard_swish_int8(Quant in, Quant out);
std::optional<std::string> hard_swish_int8_problem(Quant in, Quant out);

// LEAKY_RELU (int8/int16): identity or alpha multiplier by the sign of the input.
ValueFunction leaky_relu(Quant in, Quant out, float alpha);

// RSQRT (int8/int16): 1/sqrt by Newton-Raphson, then the output multiplier. `type_max` is the
// result for a zero input. Negative inputs have no result (TFLite stops with an error): the
// function returns nullopt for them.
std::function<std::optional<int32_t>(int32_t)> rsqrt(Quant in, Quant out, int32_t type_max);

}  // namespace euc::refmath

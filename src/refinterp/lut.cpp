#include "refinterp/lut.hpp"

#include <algorithm>
#include <limits>

namespace euc::refinterp {

std::vector<int16_t> make_lut_int16(float input_scale, int32_t input_zero_point, float output_scale,
                                    int32_t output_zero_point,
                                    const std::function<float(float)>& f) {
  // All arithmetic in float, as the reference's float instantiation.
  const float input_min = input_scale * static_cast<float>(-32768 - input_zero_point);
  const float input_max = input_scale * static_cast<float>(32767 - input_zero_point);
  const float output_min = output_scale * static_cast<float>(-32768 - output_zero_point);
  const float output_max = output_scale * static_cast<float>(32767 - output_zero_point);
  constexpr int kSteps = 512;
  const float step = (input_max - input_min) / kSteps;
  const float half_step = step / 2;
  const float output_scaling_inv = 65536.0f / (output_max - output_min);
  const float table_min = -32768.0f;
  const float table_max = 32767.0f;
  std::vector<int16_t> lut(kSteps + 1);
  for (int i = 0; i < kSteps; ++i) {
    const float val = f(input_min + static_cast<float>(i) * step);
    const float val_midpoint = f(input_min + static_cast<float>(i) * step + half_step);
    const float val_next = f(input_min + static_cast<float>(i + 1) * step);
    const float sample = std::round(val * output_scaling_inv);
    const float midpoint_interp =
        std::round((val_next * output_scaling_inv + std::round(val * output_scaling_inv)) / 2);
    const float midpoint = std::round(val_midpoint * output_scaling_inv);
    const float midpoint_err = midpoint_interp - midpoint;
    const float bias = std::round(midpoint_err / 2);
    lut[static_cast<size_t>(i)] =
        static_cast<int16_t>(std::min(std::max(sample - bias, table_min), table_max));
  }
  lut[kSteps] = static_cast<int16_t>(
      std::min(std::max(std::round(f(input_max) * output_scaling_inv), table_min), table_max));
  return lut;
}

}  // namespace euc::refinterp

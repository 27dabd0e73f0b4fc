#pragma once
// Look-up tables as TFLite builds them for int16: 513 samples over the input range with a
// correction that halves the interpolation error at each segment midpoint, read with
// linear interpolation between neighbouring samples (7 fraction bits).
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace euc::refinterp {

std::vector<int16_t> make_lut_int16(float input_scale, int32_t input_zero_point, float output_scale,
                                    int32_t output_zero_point,
                                    const std::function<float(float)>& f);

inline int16_t lut_lookup_int16(int16_t value, std::span<const int16_t> lut) {
  const auto index = static_cast<uint16_t>(256 + (value >> 7));
  const int16_t offset = value & 0x7f;
  const int16_t base = lut[index];
  const int32_t slope = lut[index + 1] - lut[index];
  const int32_t delta = (slope * offset + 64) >> 7;
  return static_cast<int16_t>(base + delta);
}

}  // namespace euc::refinterp

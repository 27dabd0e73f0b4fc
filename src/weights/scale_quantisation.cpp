#include "weights/scale_quantisation.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace euc::weights {
namespace {

constexpr int kMultiplierBits = 31;
constexpr int kMaxShift = 63;
// Vela's result for a scale whose shift does not fit: a zero multiplier.
constexpr QuantisedScale kOutOfRange{0, 16};
constexpr int kReducedDropBits = 16;
constexpr std::int64_t kMaxReducedMultiplier = 32767;

}  // namespace

QuantisedScale quantise_scale(double scale) {
  if (!std::isfinite(scale) || scale < 0) {
    throw_input(
        fmt::format("cannot quantise the rescale factor {}: it must be finite and not "
                    "negative",
                    scale));
  }
  int exponent = 0;
  const double significand = std::frexp(scale, &exponent);
  // significand * 2^31 is exact in a double; std::round rounds halves away from zero.
  const auto multiplier =
      static_cast<std::int64_t>(std::round(std::ldexp(significand, kMultiplierBits)));
  const int shift = kMultiplierBits - exponent;
  if (shift < 0 || shift > kMaxShift) {
    return kOutOfRange;
  }
  return {static_cast<std::uint32_t>(multiplier), shift};
}

QuantisedScale quantise_scale_reduced(double scale) {
  const QuantisedScale full = quantise_scale(scale);
  const std::int64_t m = full.multiplier;
  const std::int64_t reduced =
      m < (kMaxReducedMultiplier << kReducedDropBits)
          ? (m + (std::int64_t{1} << (kReducedDropBits - 1))) >> kReducedDropBits
          : kMaxReducedMultiplier;
  const int shift = full.shift - kReducedDropBits;
  if (shift < 0) {
    throw_input(
        fmt::format("the rescale factor {} is too large for reduced-precision (int16) "
                    "scaling: its shift would be {}",
                    scale, shift));
  }
  return {static_cast<std::uint32_t>(reduced), shift};
}

double conv_rescale(float ifm_scale, float weight_scale, float ofm_scale, ScaleProduct product) {
  const double numerator = product == ScaleProduct::kFloat32
                               ? static_cast<double>(static_cast<float>(ifm_scale * weight_scale))
                               : static_cast<double>(ifm_scale) * static_cast<double>(weight_scale);
  return numerator / static_cast<double>(ofm_scale);
}

QuantisedScale quantise_conv_scale(float ifm_scale, float weight_scale, float ofm_scale,
                                   const ConvScaleOptions& options) {
  const double scale = conv_rescale(ifm_scale, weight_scale, ofm_scale, options.product);
  QuantisedScale q =
      options.reduced_precision ? quantise_scale_reduced(scale) : quantise_scale(scale);
  // Rounding away from zero is obtained with the next multiplier up (Vela 3.10,
  // weight_compressor.py _prepare_scale_and_bias).
  if (options.round_away_from_zero) {
    ++q.multiplier;
  }
  return q;
}

}  // namespace euc::weights

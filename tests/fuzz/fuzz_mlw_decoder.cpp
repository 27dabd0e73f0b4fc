// libFuzzer target: the MLW weight-stream decoder must turn any bytes into either weights or an
// euc::Error, never a crash, a sanitizer report or an unbounded allocation. Whatever it accepts
// is encoded again and must decode to the same weights, which also fuzzes the encoder.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "weights/mlw_decoder.hpp"
#include "weights/mlw_encoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Zero runs let a few bytes stand for many weights; keep the fuzzer's memory bounded.
  const euc::weights::MlwDecodeLimits limits{std::size_t{1} << 20};
  std::vector<int16_t> weights;
  try {
    weights = euc::weights::decode_mlw(std::span<const uint8_t>(data, size), limits);
  } catch (const euc::Error&) {
    return 0;
  }
  for (int16_t w : weights) {
    if (w < -255 || w > 255) {
      __builtin_trap();
    }
  }
  if (weights.size() > (std::size_t{1} << 16)) {
    return 0;  // keep each run fast
  }
  const euc::weights::MlwEncodeOptions fast{euc::weights::MlwEffort::kFast};
  for (const auto& options : {fast, euc::weights::MlwEncodeOptions{}}) {
    const std::vector<uint8_t> encoded = euc::weights::encode_mlw(weights, options);
    if (encoded.size() % 16 != 0) {
      __builtin_trap();
    }
    if (euc::weights::decode_mlw(encoded) != weights) {
      __builtin_trap();
    }
  }
  return 0;
}

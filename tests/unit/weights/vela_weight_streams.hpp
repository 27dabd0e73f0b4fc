#pragma once
// Finds the encoded weight streams in a model compiled by Arm's Vela, for tests and benchmarks
// that compare euc's weight codec with Arm's. Self-contained: it walks just enough of the TFLite
// flatbuffer to reach the `ethos-u` custom operator, then follows the command stream's weight
// base/length registers (through the DMAs that copy weights from the flash tensor) back to the
// flash tensor.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace euc::test {

struct VelaWeightStream {
  std::size_t flash_offset = 0;     // in the flash tensor
  std::vector<std::uint8_t> bytes;  // the stream as Vela wrote it, padding included
};

// The distinct weight streams the model's NPU operators read, in flash order. Throws
// euc::Error on a file it cannot follow.
std::vector<VelaWeightStream> vela_weight_streams(std::span<const std::uint8_t> tflite);

}  // namespace euc::test

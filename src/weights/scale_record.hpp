#pragma once
// The per-output-channel bias and scale record the NPU reads next to the weights
// (docs/npu_architecture.md §Weight encoding): 10 bytes, little endian,
//   bits  0..39  bias, signed 40-bit
//   bits 40..71  multiplier, unsigned 32-bit
//   bits 72..77  shift, 0..63
//   bits 78..79  zero
// The output is (accumulator + bias) * multiplier >> shift, with the rounding the operator asks
// for.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace euc::weights {

inline constexpr std::size_t kScaleRecordBytes = 10;
inline constexpr std::int64_t kMinRecordBias = -(std::int64_t{1} << 39);
inline constexpr std::int64_t kMaxRecordBias = (std::int64_t{1} << 39) - 1;
inline constexpr int kMaxRecordShift = 63;

struct ScaleRecord {
  std::int64_t bias = 0;
  std::uint32_t multiplier = 0;
  int shift = 0;

  bool operator==(const ScaleRecord&) const = default;
};

using ScaleRecordBytes = std::array<std::uint8_t, kScaleRecordBytes>;

// Throws euc::Error naming the field when the bias is outside the signed 40-bit range or the
// shift outside 0..63.
ScaleRecordBytes pack_scale_record(const ScaleRecord& record);

// Throws euc::Error when `bytes` is shorter than a record or its two top bits are not zero.
ScaleRecord unpack_scale_record(std::span<const std::uint8_t> bytes);

// The records of consecutive output channels, back to back (no padding); errors name the
// channel.
std::vector<std::uint8_t> pack_scale_records(std::span<const ScaleRecord> records);
std::vector<ScaleRecord> unpack_scale_records(std::span<const std::uint8_t> bytes);

}  // namespace euc::weights

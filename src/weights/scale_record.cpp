#include "weights/scale_record.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace euc::weights {
namespace {

constexpr int kBiasBits = 40;
constexpr int kMultiplierOffset = 40;
constexpr int kShiftOffset = 72;
constexpr int kShiftBits = 6;

void check(const ScaleRecord& record, std::string_view where) {
  if (record.bias < kMinRecordBias || record.bias > kMaxRecordBias) {
    throw_input(
        fmt::format("scale record{}: bias {} does not fit in 40 signed bits", where, record.bias));
  }
  if (record.shift < 0 || record.shift > kMaxRecordShift) {
    throw_input(fmt::format("scale record{}: shift {} is outside 0..{}", where, record.shift,
                            kMaxRecordShift));
  }
}

// Writes `count` bits of `value` at bit `offset` of the record.
void put_bits(ScaleRecordBytes& bytes, int offset, int count, std::uint64_t value) {
  for (int i = 0; i < count; ++i) {
    const int bit = offset + i;
    if ((value >> i) & 1u) {
      bytes[static_cast<std::size_t>(bit / 8)] |= std::uint8_t(1u << (bit % 8));
    }
  }
}

std::uint64_t get_bits(std::span<const std::uint8_t> bytes, int offset, int count) {
  std::uint64_t value = 0;
  for (int i = 0; i < count; ++i) {
    const int bit = offset + i;
    value |= std::uint64_t((bytes[static_cast<std::size_t>(bit / 8)] >> (bit % 8)) & 1u) << i;
  }
  return value;
}

ScaleRecordBytes pack(const ScaleRecord& record, std::string_view where) {
  check(record, where);
  ScaleRecordBytes bytes{};
  put_bits(bytes, 0, kBiasBits, static_cast<std::uint64_t>(record.bias));
  put_bits(bytes, kMultiplierOffset, 32, record.multiplier);
  put_bits(bytes, kShiftOffset, kShiftBits, static_cast<std::uint64_t>(record.shift));
  return bytes;
}

ScaleRecord unpack(std::span<const std::uint8_t> bytes, std::string_view where) {
  if (bytes.size() < kScaleRecordBytes) {
    throw_input(fmt::format("scale record{}: {} bytes, a record has {}", where, bytes.size(),
                            kScaleRecordBytes));
  }
  if ((bytes[kScaleRecordBytes - 1] & 0xC0u) != 0) {
    throw_input(fmt::format("scale record{}: reserved top bits are {:#04x}, not zero", where,
                            bytes[kScaleRecordBytes - 1] & 0xC0u));
  }
  ScaleRecord record;
  // Sign-extend the 40-bit bias.
  const std::uint64_t raw_bias = get_bits(bytes, 0, kBiasBits);
  record.bias = static_cast<std::int64_t>(raw_bias << (64 - kBiasBits)) >> (64 - kBiasBits);
  record.multiplier = static_cast<std::uint32_t>(get_bits(bytes, kMultiplierOffset, 32));
  record.shift = static_cast<int>(get_bits(bytes, kShiftOffset, kShiftBits));
  return record;
}

}  // namespace

ScaleRecordBytes pack_scale_record(const ScaleRecord& record) {
  return pack(record, "");
}

ScaleRecord unpack_scale_record(std::span<const std::uint8_t> bytes) {
  return unpack(bytes, "");
}

std::vector<std::uint8_t> pack_scale_records(std::span<const ScaleRecord> records) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(records.size() * kScaleRecordBytes);
  for (std::size_t c = 0; c < records.size(); ++c) {
    const auto packed = pack(records[c], fmt::format(" of output channel {}", c));
    bytes.insert(bytes.end(), packed.begin(), packed.end());
  }
  return bytes;
}

std::vector<ScaleRecord> unpack_scale_records(std::span<const std::uint8_t> bytes) {
  if (bytes.size() % kScaleRecordBytes != 0) {
    throw_input(fmt::format("scale records: {} bytes is not a multiple of {}", bytes.size(),
                            kScaleRecordBytes));
  }
  std::vector<ScaleRecord> records;
  for (std::size_t c = 0; c * kScaleRecordBytes < bytes.size(); ++c) {
    records.push_back(unpack(bytes.subspan(c * kScaleRecordBytes, kScaleRecordBytes),
                             fmt::format(" of output channel {}", c)));
  }
  return records;
}

}  // namespace euc::weights

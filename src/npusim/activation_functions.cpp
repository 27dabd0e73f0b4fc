#include "npusim/activation_functions.hpp"

#include <cstdlib>
#include <cstring>

#include "npusim/rounding.hpp"
#include "tables/sigmoid_table.hpp"

namespace euc::npusim {
namespace {

constexpr int kTableEntries = 256;
constexpr int kLut16Entries = 512;
constexpr int kLut16FractionBits = 7;

uint32_t word_at(std::span<const uint8_t> lut, std::size_t index) {
  uint32_t w = 0;
  std::memcpy(&w, lut.data() + index * 4, 4);
  return w;
}

// Interpolated sigmoid table value for |v| with `step_bits` fraction bits per table step.
uint32_t table_value(uint32_t abs_v, int step_bits, uint32_t saturated) {
  const uint32_t index = abs_v >> step_bits;
  if (index >= kTableEntries - 1)
    return saturated;
  const uint32_t lo = tables::kSigmoidTable[index];
  const uint32_t hi = tables::kSigmoidTable[index + 1];
  return (lo << step_bits) + (abs_v & ((1u << step_bits) - 1)) * (hi - lo);
}

uint32_t magnitude(int64_t value) {
  const int64_t v = saturate(value, INT32_MIN + 1, INT32_MAX);
  return static_cast<uint32_t>(std::llabs(v));
}

}  // namespace

int32_t hardware_sigmoid(int64_t value) {
  constexpr int kStep = 9;
  const uint32_t r = table_value(magnitude(value), kStep, 0x7FFFu << 10);
  const uint32_t out = value >= 0 ? r + (1u << kStep) : (1u << 25) - r + (1u << kStep) - 1;
  return static_cast<int32_t>(out >> 10);
}

int32_t hardware_tanh(int64_t value) {
  constexpr int kStep = 8;
  const auto r = static_cast<int32_t>(table_value(magnitude(value), kStep, 0xFFFFu << 8));
  const int32_t out = value >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return out >> 8;
}

int lut_bytes(const npu::ElementType& ofm) {
  switch (ofm.bits) {
    case 8:
      return kTableEntries;
    case 16:
      return kLut16Entries * 4;
    default:
      return kTableEntries * 4;
  }
}

int64_t lut_lookup(std::span<const uint8_t> lut, const npu::ElementType& ofm, int64_t index) {
  const auto i = static_cast<uint32_t>(index);
  switch (ofm.bits) {
    case 8:
      return ofm.is_signed ? static_cast<int8_t>(lut[i]) : lut[i];
    case 16: {
      const uint32_t entry = word_at(lut, i >> kLut16FractionBits);
      const auto base = static_cast<int16_t>(entry & 0xFFFF);
      const auto slope = static_cast<int16_t>(entry >> 16);
      const auto frac = static_cast<int32_t>(i & ((1u << kLut16FractionBits) - 1));
      return base + ((slope * frac + (1 << (kLut16FractionBits - 1))) >> kLut16FractionBits);
    }
    default:
      return static_cast<int32_t>(word_at(lut, i));
  }
}

}  // namespace euc::npusim

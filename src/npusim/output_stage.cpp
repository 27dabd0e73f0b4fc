#include "npusim/output_stage.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "npusim/activation_functions.hpp"
#include "npusim/feature_map_io.hpp"
#include "npusim/rounding.hpp"

namespace euc::npusim {
namespace {

// LUT slots are 256 bytes apart from the start of the SHRAM LUT area (Vela lut.py).
constexpr int kLutSlotBytes = 256;
constexpr int kAcc40Bits = 40;

struct Range {
  int64_t min, max;
};

Range clip_range(npu::ClipRange clip, const npu::ElementType& ofm) {
  switch (clip) {
    case npu::ClipRange::kForceUint8:
      return {0, 255};
    case npu::ClipRange::kForceInt8:
      return {-128, 127};
    case npu::ClipRange::kForceInt16:
      return {-32768, 32767};
    case npu::ClipRange::kOfmPrecision:
      break;
  }
  return {type_min(ofm), type_max(ofm)};
}

}  // namespace

OutputStage::OutputStage(const npu::BlockOperation& op, const NpuMemory& memory,
                         const arch::AcceleratorConfig& accelerator)
    : rounding_(op.ofm_rounding),
      zero_point_(op.ofm.zero_point),
      ofm_type_(op.ofm.type),
      activation_(op.activation) {
  if (op.ofm_global_scale && op.ofm_scale) {
    has_scale_ = true;
    scale_ = *op.ofm_scale;
  }
  switch (op.acc_format) {
    case npu::AccFormat::kInt32bit:
      acc_min_ = INT32_MIN;
      acc_max_ = INT32_MAX;
      break;
    case npu::AccFormat::kInt40bit:
      acc_min_ = -(int64_t{1} << (kAcc40Bits - 1));
      acc_max_ = (int64_t{1} << (kAcc40Bits - 1)) - 1;
      break;
    case npu::AccFormat::kFpS510:
      throw_input("ACC_FORMAT FP_S5_10 (a floating-point accumulator) is not modelled");
  }
  const Range clip = clip_range(activation_.clip, ofm_type_);
  clip_min_ = clip.min;
  clip_max_ = clip.max;
  clamp_ = ofm_type_.bits < 32;
  // See the header: a 32-bit result without a forced clip range takes no zero point.
  if (ofm_type_.bits == 32 && activation_.clip == npu::ClipRange::kOfmPrecision)
    zero_point_ = 0;
  if (activation_.function == npu::ActivationFunction::kTableLookup) {
    const MemoryBuffer& shram = memory.shram();
    const uint64_t address = static_cast<uint64_t>(arch::shram_lut_address(accelerator)) +
                             static_cast<uint64_t>(activation_.lut_slot) * kLutSlotBytes;
    const auto length = static_cast<uint64_t>(lut_bytes(ofm_type_));
    const std::string what =
        fmt::format("LUT slot {} ({} OFM)", activation_.lut_slot, ofm_type_.name());
    shram.check_range(address, length, what);
    const std::size_t bad = shram.first_uninitialised(address, length);
    if (bad != length) {
      throw_input(
          fmt::format("{}: SHRAM byte {:#x} holds no table (no LUT DMA since it was "
                      "last overwritten)",
                      what, address + bad));
    }
    lut_.assign(shram.data() + address, shram.data() + address + length);
  }
}

int64_t OutputStage::activate(int64_t v) const {
  switch (activation_.function) {
    case npu::ActivationFunction::kTableLookup:
      v = lut_lookup(lut_, ofm_type_, saturate(v, clip_min_, clip_max_) - clip_min_);
      break;
    case npu::ActivationFunction::kSigmoid:
      v = hardware_sigmoid(v);
      break;
    case npu::ActivationFunction::kTanh:
      v = hardware_tanh(v);
      break;
    case npu::ActivationFunction::kNone:
      break;
  }
  if (clamp_)
    v = saturate(v, activation_.min, activation_.max);
  if (activation_.function != npu::ActivationFunction::kTableLookup)
    v = saturate(v, clip_min_, clip_max_);
  return saturate(v, type_min(ofm_type_), type_max(ofm_type_));
}

int64_t OutputStage::finish_scaled(int64_t scaled) const {
  return activate(scaled + zero_point_);
}

int64_t OutputStage::finish(int64_t value) const {
  if (!has_scale_)
    return finish_scaled(value);
  return finish_scaled(apply_scale(value, scale_.multiplier, scale_.shift, rounding_));
}

int64_t OutputStage::finish_with_record(int64_t acc, const weights::ScaleRecord& record) const {
  const int64_t biased = saturate(acc + record.bias, acc_min_, acc_max_);
  return finish_scaled(apply_scale(biased, record.multiplier, record.shift, rounding_));
}

}  // namespace euc::npusim

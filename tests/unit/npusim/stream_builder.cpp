#include "stream_builder.hpp"

#include "npu/kernel_stride.hpp"
#include "weights/mlw_encoder.hpp"
#include "weights/reorder.hpp"

namespace euc::npusim::test {

using npu::Opcode;

constexpr int kBrick = 16;

uint64_t Fm::stride_x() const {
  return nhcwb16 ? static_cast<uint64_t>(kBrick * bytes()) : static_cast<uint64_t>(c * bytes());
}
uint64_t Fm::stride_c() const {
  return nhcwb16 ? static_cast<uint64_t>(w * kBrick * bytes()) : static_cast<uint64_t>(bytes());
}
uint64_t Fm::stride_y() const {
  return nhcwb16 ? static_cast<uint64_t>(w * ((c + kBrick - 1) / kBrick) * kBrick * bytes())
                 : static_cast<uint64_t>(w * c * bytes());
}
uint64_t Fm::address(int y, int x, int ch) const {
  const auto uy = static_cast<uint64_t>(y), ux = static_cast<uint64_t>(x);
  const auto uc = static_cast<uint64_t>(ch), size = static_cast<uint64_t>(bytes());
  if (nhcwb16)
    return base + uy * stride_y() + (uc / kBrick) * stride_c() + ux * kBrick * size +
           (uc % kBrick) * size;
  return base + uy * stride_y() + ux * stride_x() + uc * size;
}
uint64_t Fm::end() const {
  return base + static_cast<uint64_t>(h) * stride_y();
}

StreamBuilder& StreamBuilder::add(const npu::Command& c) {
  commands_.push_back(c);
  return *this;
}
StreamBuilder& StreamBuilder::cmd0(Opcode op, uint16_t param) {
  return add(npu::make_cmd0(op, param));
}
StreamBuilder& StreamBuilder::cmd1(Opcode op, uint64_t value) {
  return add(npu::make_address_command(op, value));
}

namespace {

uint32_t ifm_precision_value(const Fm& fm) {
  switch (fm.bits) {
    case 8:
      return static_cast<uint32_t>(fm.is_signed ? npu::IfmPrecision::kS8 : npu::IfmPrecision::kU8);
    case 16:
      return static_cast<uint32_t>(fm.is_signed ? npu::IfmPrecision::kS16
                                                : npu::IfmPrecision::kU16);
    default:
      return static_cast<uint32_t>(npu::IfmPrecision::kS32);
  }
}

uint32_t ofm_precision_value(const Fm& fm) {
  switch (fm.bits) {
    case 8:
      return static_cast<uint32_t>(fm.is_signed ? npu::OfmPrecision::kS8 : npu::OfmPrecision::kU8);
    case 16:
      return static_cast<uint32_t>(fm.is_signed ? npu::OfmPrecision::kS16
                                                : npu::OfmPrecision::kU16);
    default:
      return static_cast<uint32_t>(npu::OfmPrecision::kS32);
  }
}

npu::DataFormat format(const Fm& fm) {
  return fm.nhcwb16 ? npu::DataFormat::kNhcwb16 : npu::DataFormat::kNhwc;
}

}  // namespace

void StreamBuilder::ifm_precision() {
  add(npu::make_command(Opcode::kSetIfmPrecision, {{"precision", ifm_precision_value(ifm_)},
                                                   {"format", format(ifm_)},
                                                   {"scale_mode", scale_mode_}}));
}

StreamBuilder& StreamBuilder::ifm(const Fm& fm) {
  ifm_ = fm;
  cmd0(Opcode::kSetIfmRegion, static_cast<uint16_t>(fm.region));
  cmd1(Opcode::kSetIfmBase0, fm.base);
  cmd1(Opcode::kSetIfmBase1, 0);
  cmd1(Opcode::kSetIfmBase2, 0);
  cmd1(Opcode::kSetIfmBase3, 0);
  cmd0(Opcode::kSetIfmHeight0M1, static_cast<uint16_t>(fm.h - 1));
  cmd0(Opcode::kSetIfmHeight1M1, static_cast<uint16_t>(fm.h - 1));
  cmd0(Opcode::kSetIfmWidth0M1, static_cast<uint16_t>(fm.w - 1));
  cmd0(Opcode::kSetIfmDepthM1, static_cast<uint16_t>(fm.c - 1));
  cmd1(Opcode::kSetIfmStrideX, fm.stride_x());
  cmd1(Opcode::kSetIfmStrideY, fm.stride_y());
  cmd1(Opcode::kSetIfmStrideC, fm.stride_c());
  cmd0(Opcode::kSetIfmZeroPoint, static_cast<uint16_t>(fm.zero_point));
  ifm_precision();
  cmd0(Opcode::kSetIfmUpscale, 0);
  return padding(0, 0, 0, 0);
}

StreamBuilder& StreamBuilder::ifm2(const Fm& fm) {
  cmd0(Opcode::kSetIfm2Region, static_cast<uint16_t>(fm.region));
  cmd1(Opcode::kSetIfm2Base0, fm.base);
  cmd1(Opcode::kSetIfm2Base1, 0);
  cmd1(Opcode::kSetIfm2Base2, 0);
  cmd1(Opcode::kSetIfm2Base3, 0);
  cmd0(Opcode::kSetIfm2Height0M1, static_cast<uint16_t>(fm.h - 1));
  cmd0(Opcode::kSetIfm2Height1M1, static_cast<uint16_t>(fm.h - 1));
  cmd0(Opcode::kSetIfm2Width0M1, static_cast<uint16_t>(fm.w - 1));
  cmd1(Opcode::kSetIfm2StrideX, fm.stride_x());
  cmd1(Opcode::kSetIfm2StrideY, fm.stride_y());
  cmd1(Opcode::kSetIfm2StrideC, fm.stride_c());
  cmd0(Opcode::kSetIfm2ZeroPoint, static_cast<uint16_t>(fm.zero_point));
  cmd0(Opcode::kSetIfm2IbStart, 8);
  add(npu::make_command(Opcode::kSetIfm2Precision,
                        {{"precision", ifm_precision_value(fm)}, {"format", format(fm)}}));
  return ifm2_broadcast(false, false, false, false, false);
}

StreamBuilder& StreamBuilder::ofm(const Fm& fm, npu::Rounding rounding, bool global_scale) {
  cmd0(Opcode::kSetOfmRegion, static_cast<uint16_t>(fm.region));
  cmd1(Opcode::kSetOfmBase0, fm.base);
  cmd1(Opcode::kSetOfmBase1, 0);
  cmd1(Opcode::kSetOfmBase2, 0);
  cmd1(Opcode::kSetOfmBase3, 0);
  cmd0(Opcode::kSetOfmHeight0M1, static_cast<uint16_t>(fm.h - 1));
  cmd0(Opcode::kSetOfmHeight1M1, static_cast<uint16_t>(fm.h - 1));
  cmd0(Opcode::kSetOfmWidth0M1, static_cast<uint16_t>(fm.w - 1));
  cmd0(Opcode::kSetOfmHeightM1, static_cast<uint16_t>(fm.h - 1));
  cmd0(Opcode::kSetOfmWidthM1, static_cast<uint16_t>(fm.w - 1));
  cmd0(Opcode::kSetOfmDepthM1, static_cast<uint16_t>(fm.c - 1));
  cmd1(Opcode::kSetOfmStrideX, fm.stride_x());
  cmd1(Opcode::kSetOfmStrideY, fm.stride_y());
  cmd1(Opcode::kSetOfmStrideC, fm.stride_c());
  cmd0(Opcode::kSetOfmZeroPoint, static_cast<uint16_t>(fm.zero_point));
  add(npu::make_command(Opcode::kSetOfmPrecision, {{"precision", ofm_precision_value(fm)},
                                                   {"format", format(fm)},
                                                   {"scaling", global_scale ? 1u : 0u},
                                                   {"rounding", rounding}}));
  const int32_t lo = fm.bits == 8 ? (fm.is_signed ? -128 : 0) : (fm.is_signed ? -32768 : 0);
  const int32_t hi = fm.bits == 8 ? (fm.is_signed ? 127 : 255) : (fm.is_signed ? 32767 : 65535);
  return activation(0, lo, hi);
}

StreamBuilder& StreamBuilder::kernel(int width, int height, int stride_x, int stride_y,
                                     int dilation_x, int dilation_y, bool part_kernel_first) {
  cmd0(Opcode::kSetKernelWidthM1, static_cast<uint16_t>(dilation_x * (width - 1)));
  cmd0(Opcode::kSetKernelHeightM1, static_cast<uint16_t>(dilation_y * (height - 1)));
  return cmd0(Opcode::kSetKernelStride, npu::encode_kernel_stride({stride_x, stride_y, dilation_x,
                                                                   dilation_y, part_kernel_first}));
}

StreamBuilder& StreamBuilder::padding(int top, int left, int bottom, int right) {
  cmd0(Opcode::kSetIfmPadTop, static_cast<uint16_t>(top));
  cmd0(Opcode::kSetIfmPadLeft, static_cast<uint16_t>(left));
  cmd0(Opcode::kSetIfmPadBottom, static_cast<uint16_t>(bottom));
  return cmd0(Opcode::kSetIfmPadRight, static_cast<uint16_t>(right));
}

StreamBuilder& StreamBuilder::upscale(npu::ResamplingMode mode) {
  return cmd0(Opcode::kSetIfmUpscale, static_cast<uint16_t>(mode));
}

StreamBuilder& StreamBuilder::activation(uint32_t type, int32_t min, int32_t max,
                                         npu::ClipRange clip) {
  add(npu::make_command(Opcode::kSetActivation, {{"type", type}, {"act_clip_range", clip}}));
  cmd0(Opcode::kSetActivationMin, static_cast<uint16_t>(min));
  return cmd0(Opcode::kSetActivationMax, static_cast<uint16_t>(max));
}

StreamBuilder& StreamBuilder::weights(int region, uint64_t address, uint64_t length) {
  cmd0(Opcode::kSetWeightRegion, static_cast<uint16_t>(region));
  cmd1(Opcode::kSetWeightBase, address);
  return cmd1(Opcode::kSetWeightLength, length);
}

StreamBuilder& StreamBuilder::scales(int region, uint64_t address, uint64_t length) {
  cmd0(Opcode::kSetScaleRegion, static_cast<uint16_t>(region));
  cmd1(Opcode::kSetScaleBase, address);
  return cmd1(Opcode::kSetScaleLength, length);
}

StreamBuilder& StreamBuilder::ofm_scale(uint32_t multiplier, int shift) {
  return add(npu::make_cmd1(Opcode::kSetOfmScale, multiplier, static_cast<uint16_t>(shift)));
}
StreamBuilder& StreamBuilder::opa_scale(uint32_t multiplier, int shift) {
  return add(npu::make_cmd1(Opcode::kSetOpaScale, multiplier, static_cast<uint16_t>(shift)));
}
StreamBuilder& StreamBuilder::opb_scale(uint32_t multiplier) {
  return add(npu::make_cmd1(Opcode::kSetOpbScale, multiplier));
}

StreamBuilder& StreamBuilder::ifm2_broadcast(bool h, bool w, bool c, bool reversed, bool scalar) {
  return add(
      npu::make_command(Opcode::kSetIfm2Broadcast, {{"broadcast_height", h ? 1u : 0u},
                                                    {"broadcast_width", w ? 1u : 0u},
                                                    {"broadcast_depth", c ? 1u : 0u},
                                                    {"operand_order", reversed ? 1u : 0u},
                                                    {"broadcast_scalar", scalar ? 1u : 0u}}));
}

StreamBuilder& StreamBuilder::ifm2_scalar(int32_t value) {
  return cmd0(Opcode::kSetIfm2Scalar, static_cast<uint16_t>(value));
}

StreamBuilder& StreamBuilder::ifm_scale_mode(npu::IfmScaleMode mode) {
  scale_mode_ = mode;
  ifm_precision();
  return *this;
}

StreamBuilder& StreamBuilder::acc_format(npu::AccFormat format) {
  return cmd0(Opcode::kSetAccFormat, static_cast<uint16_t>(format));
}

StreamBuilder& StreamBuilder::block(int depth) {
  cmd0(Opcode::kSetOfmBlkHeightM1, 1);
  cmd0(Opcode::kSetOfmBlkWidthM1, 1);
  cmd0(Opcode::kSetOfmBlkDepthM1, static_cast<uint16_t>(depth - 1));
  cmd0(Opcode::kSetIfmIbEnd, 16);
  cmd0(Opcode::kSetAbStart, 16);
  cmd0(Opcode::kSetBlockdep, 0);
  return acc_format(npu::AccFormat::kInt32bit);
}

StreamBuilder& StreamBuilder::conv() {
  return cmd0(Opcode::kOpConv, 0);
}
StreamBuilder& StreamBuilder::depthwise() {
  return cmd0(Opcode::kOpDepthwise, 0);
}
StreamBuilder& StreamBuilder::pool(npu::PoolingMode mode) {
  return cmd0(Opcode::kOpPool, static_cast<uint16_t>(mode));
}
StreamBuilder& StreamBuilder::elementwise(npu::ElementwiseMode mode) {
  return cmd0(Opcode::kOpElementwise, static_cast<uint16_t>(mode));
}

StreamBuilder& StreamBuilder::dma(int src_region, uint64_t src, int dst_region, uint64_t dst,
                                  uint64_t length, bool dst_internal) {
  add(npu::make_command(Opcode::kSetDma0SrcRegion,
                        {{"region", static_cast<uint32_t>(src_region)}}));
  cmd1(Opcode::kSetDma0Src, src);
  add(npu::make_command(Opcode::kSetDma0DstRegion, {{"region", static_cast<uint32_t>(dst_region)},
                                                    {"internal", dst_internal ? 1u : 0u}}));
  cmd1(Opcode::kSetDma0Dst, dst);
  cmd1(Opcode::kSetDma0Len, length);
  return cmd0(Opcode::kOpDmaStart, 0);
}

StreamBuilder& StreamBuilder::dma_wait(int outstanding) {
  return cmd0(Opcode::kOpDmaWait, static_cast<uint16_t>(outstanding));
}
StreamBuilder& StreamBuilder::kernel_wait(int outstanding) {
  return cmd0(Opcode::kOpKernelWait, static_cast<uint16_t>(outstanding));
}
StreamBuilder& StreamBuilder::stop() {
  return cmd0(Opcode::kOpStop, 0xFFFF);
}

std::size_t StreamBuilder::offset() const {
  std::size_t words = 0;
  for (const npu::Command& c : commands_)
    words += static_cast<std::size_t>(npu::command_words(c.kind()));
  return words * 4;
}

TestMemory::TestMemory(std::size_t flash_size, std::size_t scratch_size,
                       arch::Accelerator accelerator)
    : flash(std::make_shared<MemoryBuffer>("flash", std::vector<uint8_t>(flash_size), true)),
      scratch(std::make_shared<MemoryBuffer>("scratch", scratch_size)) {
  memory.map_region(0, flash);
  memory.map_region(1, scratch);
  const auto& config = arch::accelerator_config(accelerator);
  memory.set_shram(std::make_shared<MemoryBuffer>(
      "SHRAM", static_cast<std::size_t>(config.shram_banks) * arch::kShramBankBytes));
}

void store(MemoryBuffer& buffer, const Fm& fm, std::span<const int32_t> values) {
  std::size_t i = 0;
  for (int y = 0; y < fm.h; ++y)
    for (int x = 0; x < fm.w; ++x)
      for (int c = 0; c < fm.c; ++c, ++i) {
        const auto address = static_cast<std::size_t>(fm.address(y, x, c));
        const auto v = static_cast<uint32_t>(values[i]);
        for (int b = 0; b < fm.bytes(); ++b)
          buffer.data()[address + static_cast<std::size_t>(b)] = static_cast<uint8_t>(v >> (8 * b));
        buffer.mark_initialised(address, static_cast<std::size_t>(fm.bytes()));
      }
}

std::vector<int32_t> load(const MemoryBuffer& buffer, const Fm& fm) {
  std::vector<int32_t> values;
  for (int y = 0; y < fm.h; ++y)
    for (int x = 0; x < fm.w; ++x)
      for (int c = 0; c < fm.c; ++c) {
        const uint8_t* p = buffer.data() + fm.address(y, x, c);
        uint32_t u = 0;
        for (int b = 0; b < fm.bytes(); ++b)
          u |= static_cast<uint32_t>(p[b]) << (8 * b);
        int32_t v = static_cast<int32_t>(u);
        if (fm.bits < 32) {
          const int shift = 32 - fm.bits;
          v = fm.is_signed ? static_cast<int32_t>(u << shift) >> shift : static_cast<int32_t>(u);
        }
        values.push_back(v);
      }
  return values;
}

EncodedWeights encode_weights(std::span<const int16_t> ohwi, int ofm, int kh, int kw, int ifm,
                              bool depthwise, bool part_kernel_first, int block_depth,
                              std::span<const weights::ScaleRecord> records, int ifm_bits) {
  using weights::WeightTraversal;
  const WeightTraversal traversal =
      depthwise
          ? WeightTraversal::kDepthwise
          : (part_kernel_first ? WeightTraversal::kPartKernelFirst : WeightTraversal::kDepthFirst);
  const auto params = weights::reorder_params(
      arch::accelerator_config(arch::Accelerator::kEthosU55_256), traversal, block_depth, ifm_bits);
  const std::vector<int16_t> stream =
      weights::reorder_weights(ohwi, weights::OhwiShape{ofm, kh, kw, depthwise ? 1 : ifm}, params);
  EncodedWeights e;
  e.stream = weights::encode_mlw(stream);
  e.scales = weights::pack_scale_records(records);
  return e;
}

void run(TestMemory& m, const StreamBuilder& s, arch::Accelerator accelerator) {
  Simulator sim(s.words(), accelerator);
  sim.run(m.memory);
}

}  // namespace euc::npusim::test

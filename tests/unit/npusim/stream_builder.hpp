#pragma once
// Tiny command streams for the simulator's unit tests: feature maps described by shape, type and
// layout; register commands built with npu::make_command; memory laid out by an address function
// written here from the facts (NHWC: channels adjacent; NHCWB16: bricks of 16 channels, columns
// 16 elements apart), independent of the simulator's own.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "npu/command.hpp"
#include "npu/operation.hpp"
#include "npusim/memory.hpp"
#include "npusim/simulator.hpp"
#include "weights/scale_record.hpp"

namespace euc::npusim::test {

struct Fm {
  int region = 1;
  uint64_t base = 0;
  int h = 1;
  int w = 1;
  int c = 1;
  int bits = 8;
  bool is_signed = true;
  bool nhcwb16 = false;
  int32_t zero_point = 0;

  int bytes() const { return bits / 8; }
  uint64_t stride_x() const;
  uint64_t stride_y() const;
  uint64_t stride_c() const;
  uint64_t address(int y, int x, int ch) const;
  uint64_t end() const;  // one past the last byte
};

class StreamBuilder {
 public:
  StreamBuilder& add(const npu::Command& c);
  StreamBuilder& cmd0(npu::Opcode op, uint16_t param);
  StreamBuilder& cmd1(npu::Opcode op, uint64_t value);

  StreamBuilder& ifm(const Fm& fm);
  StreamBuilder& ifm2(const Fm& fm);
  StreamBuilder& ofm(const Fm& fm, npu::Rounding rounding = npu::Rounding::kTfl,
                     bool global_scale = false);
  StreamBuilder& kernel(int width, int height, int stride_x = 1, int stride_y = 1,
                        int dilation_x = 1, int dilation_y = 1, bool part_kernel_first = false);
  StreamBuilder& padding(int top, int left, int bottom, int right);
  StreamBuilder& upscale(npu::ResamplingMode mode);
  // Activation NONE with the full range of `ofm_bits`/signedness unless min/max given.
  StreamBuilder& activation(uint32_t type, int32_t min, int32_t max,
                            npu::ClipRange clip = npu::ClipRange::kOfmPrecision);
  StreamBuilder& weights(int region, uint64_t address, uint64_t length);
  StreamBuilder& scales(int region, uint64_t address, uint64_t length);
  StreamBuilder& ofm_scale(uint32_t multiplier, int shift);
  StreamBuilder& opa_scale(uint32_t multiplier, int shift);
  StreamBuilder& opb_scale(uint32_t multiplier);
  StreamBuilder& ifm2_broadcast(bool h, bool w, bool c, bool reversed, bool scalar);
  StreamBuilder& ifm2_scalar(int32_t value);
  StreamBuilder& ifm_scale_mode(npu::IfmScaleMode mode);
  StreamBuilder& acc_format(npu::AccFormat format);
  // Block config, SHRAM layout, BLOCKDEP: any legal values.
  StreamBuilder& block(int depth = 16);

  StreamBuilder& conv();
  StreamBuilder& depthwise();
  StreamBuilder& pool(npu::PoolingMode mode);
  StreamBuilder& elementwise(npu::ElementwiseMode mode);
  StreamBuilder& dma(int src_region, uint64_t src, int dst_region, uint64_t dst, uint64_t length,
                     bool dst_internal = false);
  StreamBuilder& dma_wait(int outstanding = 0);
  StreamBuilder& kernel_wait(int outstanding = 0);
  StreamBuilder& stop();

  std::vector<uint32_t> words() const { return npu::encode_stream(commands_); }
  // Byte offset the next command will have.
  std::size_t offset() const;

 private:
  void ifm_precision();
  std::vector<npu::Command> commands_;
  Fm ifm_;
  npu::IfmScaleMode scale_mode_ = npu::IfmScaleMode::kScale16bit;
};

// A simulator setup: flash (region 0, read only) and scratch (region 1) of the given sizes.
struct TestMemory {
  std::shared_ptr<MemoryBuffer> flash;
  std::shared_ptr<MemoryBuffer> scratch;
  NpuMemory memory;

  TestMemory(std::size_t flash_size, std::size_t scratch_size,
             arch::Accelerator accelerator = arch::Accelerator::kEthosU55_256);
  MemoryBuffer& buffer(int region) { return region == 0 ? *flash : *scratch; }
};

// Writes / reads dense NHWC values at a feature map's layout (bytes marked initialised).
void store(MemoryBuffer& buffer, const Fm& fm, std::span<const int32_t> values);
std::vector<int32_t> load(const MemoryBuffer& buffer, const Fm& fm);

// The MLW stream and scale records of OHWI weights for a CONV/DEPTHWISE on an ethos-u55-256 with
// the given OFM block depth.
struct EncodedWeights {
  std::vector<uint8_t> stream;
  std::vector<uint8_t> scales;
};
EncodedWeights encode_weights(std::span<const int16_t> ohwi, int ofm, int kh, int kw, int ifm,
                              bool depthwise, bool part_kernel_first, int block_depth,
                              std::span<const weights::ScaleRecord> records, int ifm_bits = 8);

// Runs the stream; returns the simulator so tests can look at its operations.
void run(TestMemory& m, const StreamBuilder& s,
         arch::Accelerator accelerator = arch::Accelerator::kEthosU55_256);

}  // namespace euc::npusim::test

#include "nputiming/block_work.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/error.hpp"

namespace euc::nputiming {
namespace {

constexpr int kDotProductWidth = 8;  // IFM channels per MAC lane per cycle (8-bit)
constexpr int kWeightsPerCycle = 8;  // weight decoder output per core
constexpr int kBrickDepth = 16;      // NHCWB16

// Bytes moved for `runs` contiguous runs of `run_bytes` each, in whole bursts.
int64_t burst_bytes(int64_t runs, int64_t run_bytes, int64_t burst) {
  if (runs <= 0 || run_bytes <= 0)
    return 0;
  return runs * round_up(run_bytes, std::max<int64_t>(burst, 1));
}

// Rows (or columns) of the IFM one OFM block reads: the window of output positions
// [first, first + count) with stride, dilated kernel extent, padding before and the upscaling
// factor, clipped to the IFM extent.
int64_t input_extent(int64_t first, int64_t count, int stride, int64_t dilated_kernel,
                     int pad_before, int upscale, int ifm_extent) {
  const int64_t lo = std::max<int64_t>(first * stride - pad_before, 0);
  const int64_t hi =
      std::min<int64_t>((first + count - 1) * stride - pad_before + dilated_kernel - 1,
                        int64_t{ifm_extent} * upscale - 1);
  if (hi < lo)
    return 0;
  return hi / upscale - lo / upscale + 1;
}

}  // namespace

std::size_t memory_of_region(const TimingSetup& setup, int region) {
  if (region < 0 || region >= static_cast<int>(setup.region_area.size()))
    throw_input(fmt::format("region {} (only 0-7 exist)", region));
  return arch::index_of(setup.region_area[static_cast<std::size_t>(region)]);
}

BlockWork block_work(const npu::NpuOperation& op, int64_t index, const TimingSetup& setup) {
  const arch::AcceleratorConfig& accel = *setup.accelerator;
  auto area_index = [&](int region) { return memory_of_region(setup, region); };
  const npu::BlockOperation& b = *op.block;
  const npu::OperationKind kind = op.kind;
  const bool elementwise = kind == npu::OperationKind::kElementwise;
  const int bw = b.block_config.width, bh = b.block_config.height, bd = b.block_config.depth;
  const npu::Shape3D ofm = b.ofm.shape;
  const npu::Shape3D ifm = b.ifm.shape;
  const int cores = std::max(b.cores, 1);
  const int upscale = b.upscale == npu::ResamplingMode::kNone ? 1 : 2;
  const npu::Kernel kernel = b.kernel.value_or(npu::Kernel{});
  const npu::Padding padding = b.padding.value_or(npu::Padding{});
  const int64_t kernel_positions = int64_t{kernel.width} * kernel.height;
  const int ifm_bytes = b.ifm.type.bytes();
  const int ofm_bytes = b.ofm.type.bytes();

  // Depth fastest, then width, then height.
  const int64_t nz = ceil_div(ofm.depth, bd), nx = ceil_div(ofm.width, bw);
  const int z0 = static_cast<int>(index % nz) * bd;
  const int x0 = static_cast<int>(index / nz % nx) * bw;
  const int y0 = static_cast<int>(index / (nz * nx)) * bh;
  const int h = std::min(bh, ofm.height - y0);
  const int w = std::min(bw, ofm.width - x0);
  const int d = std::min(bd, ofm.depth - z0);

  // Weight and scale streams: total bytes per memory area, shared out over the OFM depth.
  std::array<int64_t, arch::kMemAreaCount> const_bytes{};
  for (const npu::AddressRange& r : b.weights)
    const_bytes[area_index(r.region)] += static_cast<int64_t>(r.length);
  for (const npu::AddressRange& r : b.scales)
    const_bytes[area_index(r.region)] += static_cast<int64_t>(r.length);
  const std::size_t ifm_area = area_index(b.ifm.region);
  const std::size_t ofm_area = area_index(b.ofm.region);
  const MemoryTiming& ifm_mem = setup.area[ifm_area];
  const MemoryTiming& ofm_mem = setup.area[ofm_area];
  std::optional<std::size_t> ifm2_area;
  if (b.ifm2 && !(b.ifm2_setting && b.ifm2_setting->is_scalar))
    ifm2_area = area_index(b.ifm2->region);

  // Feature map bytes of a (rows x cols x channels) piece and its contiguous runs.
  auto fm_bytes = [](const npu::FeatureMap& fm, int64_t rows, int64_t cols, int64_t channels,
                     bool whole_depth, int64_t burst) -> int64_t {
    const int eb = fm.type.bytes();
    if (fm.format == npu::DataFormat::kNhcwb16) {
      const int64_t bricks = ceil_div(channels, kBrickDepth);
      return burst_bytes(rows * bricks, cols * kBrickDepth * eb, burst);
    }
    if (whole_depth)
      return burst_bytes(rows, cols * channels * eb, burst);
    return burst_bytes(rows * cols, channels * eb, burst);
  };

  const bool lut = b.activation.function != npu::ActivationFunction::kNone;
  const int64_t ofm_factor = ofm_bytes >= 4 ? 4 : ofm_bytes;
  const int units = std::max(accel.elementwise_units, 1);
  const arch::BlockShape ub = accel.ofm_ublock;

  std::array<int64_t, arch::kMemAreaCount> block_bytes{};
  const int64_t d_core = ceil_div(d, cores);
  const int64_t elements = int64_t{w} * h * d_core;
  int64_t mac = 0;
  int64_t decode = 0;
  int64_t out = 0;
  if (elementwise) {
    const int64_t wide = (ifm_bytes >= 4 || ofm_bytes >= 4) ? 2 : 1;
    out = ceil_div(elements * wide, units);
    block_bytes[ifm_area] += fm_bytes(b.ifm, h, w, d, d == ifm.depth, ifm_mem.burst_length);
    if (ifm2_area) {
      const npu::Shape3D s2 = b.ifm2->shape;
      const int64_t h2 = std::min<int64_t>(h, s2.height), w2 = std::min<int64_t>(w, s2.width),
                    d2 = std::min<int64_t>(d, s2.depth);
      block_bytes[*ifm2_area] +=
          fm_bytes(*b.ifm2, h2, w2, d2, d2 == s2.depth, setup.area[*ifm2_area].burst_length);
    }
  } else {
    const int64_t micro =
        ceil_div(w, ub.width) * ceil_div(h, ub.height) * ceil_div(d_core, std::max(ub.depth, 1));
    const int64_t rows = input_extent(y0, h, kernel.stride_y, kernel.dilated_height(), padding.top,
                                      upscale, ifm.height);
    const int64_t cols = input_extent(x0, w, kernel.stride_x, kernel.dilated_width(), padding.left,
                                      upscale, ifm.width);
    const int64_t lanes = ifm_bytes;  // 16-bit IFMs take two passes of the dot product
    if (kind == npu::OperationKind::kConv) {
      const int64_t depth = ifm.depth;
      // Depth first and part-kernel first alike: a kernel position's channels fill the dot
      // product, 8 at a time.
      mac = micro * kernel_positions * ceil_div(depth * lanes, kDotProductWidth);
      decode = ceil_div(kernel_positions * depth * d_core, kWeightsPerCycle);
      block_bytes[ifm_area] += fm_bytes(b.ifm, rows, cols, depth, true, ifm_mem.burst_length);
    } else {
      mac = micro * kernel_positions * lanes;
      if (kind == npu::OperationKind::kDepthwise)
        decode = ceil_div(kernel_positions * d_core, kWeightsPerCycle);
      block_bytes[ifm_area] += fm_bytes(b.ifm, rows, cols, d, d == ifm.depth, ifm_mem.burst_length);
    }
    out = ceil_div(elements * ofm_factor, units);
  }
  if (lut)
    out = std::max(out, elements);
  for (std::size_t a = 0; a < const_bytes.size(); ++a)
    if (const_bytes[a] > 0 && ofm.depth > 0)
      block_bytes[a] += ceil_div(const_bytes[a] * d, ofm.depth);
  const int64_t written = fm_bytes(b.ofm, h, w, d, d == ofm.depth, ofm_mem.burst_length);
  BlockWork work;
  work.read = block_bytes;
  work.written = written;
  work.ofm_area = ofm_area;
  block_bytes[ofm_area] += written;
  work.compute = std::max(mac, decode);
  work.out = out;
  for (std::size_t a = 0; a < block_bytes.size(); ++a) {
    const int64_t cycles =
        cycles_for(static_cast<double>(block_bytes[a]), setup.area[a].bytes_per_cycle);
    work.port[a] = static_cast<double>(cycles);
    work.memory = std::max(work.memory, cycles);
  }
  return work;
}

}  // namespace euc::nputiming

#include "npusim/block_checks.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "npusim/activation_functions.hpp"
#include "npusim/feature_map_io.hpp"

namespace euc::npusim {
namespace {

constexpr int kMaxBlockdep = 3;  // docs/npu_architecture.md §Command stream
constexpr int kLutSlotBytes = 256;
constexpr uint64_t kBrickAlignment = 16;
constexpr uint64_t kStreamAlignment = 16;

bool uses_lut(const npu::BlockOperation& op) {
  return op.activation.function == npu::ActivationFunction::kTableLookup;
}

bool same_layout(const npu::FeatureMap& a, const npu::FeatureMap& b) {
  return a.region == b.region && a.base == b.base && a.height0 == b.height0 &&
         a.height1 == b.height1 && a.width0 == b.width0 && a.stride_x == b.stride_x &&
         a.stride_y == b.stride_y && a.stride_c == b.stride_c && a.type.bits == b.type.bits &&
         a.format == b.format && a.shape.height == b.shape.height && a.shape.width == b.shape.width;
}

// Each OFM element depends only on the IFM element at the same position: elementwise
// operations, and 1x1 pooling or depthwise convolution with stride 1 and no padding or upscaling
// (Vela 5.1 copies LSTM state in place with a 1x1 average pool).
bool maps_elementwise(npu::OperationKind kind, const npu::BlockOperation& op) {
  if (kind == npu::OperationKind::kElementwise)
    return true;
  if (kind == npu::OperationKind::kConv || !op.kernel || !op.padding)
    return false;
  if (kind == npu::OperationKind::kPool && op.pooling_mode == npu::PoolingMode::kReduceSum)
    return false;
  const npu::Kernel& k = *op.kernel;
  return k.width == 1 && k.height == 1 && k.stride_x == 1 && k.stride_y == 1 &&
         *op.padding == npu::Padding{} && op.upscale == npu::ResamplingMode::kNone;
}

bool coarse_overlap(const std::vector<ByteRange>& a, const std::vector<ByteRange>& b) {
  for (const ByteRange& x : a)
    for (const ByteRange& y : b)
      if (x.buffer == y.buffer && x.begin < y.end && y.begin < x.end)
        return true;
  return false;
}

// Exact test on the bytes of the elements, run only when the tile ranges overlap.
bool runs_overlap(std::vector<ByteRange> a, std::vector<ByteRange> b) {
  auto by_start = [](const ByteRange& x, const ByteRange& y) {
    return x.buffer != y.buffer ? x.buffer < y.buffer : x.begin < y.begin;
  };
  std::sort(a.begin(), a.end(), by_start);
  std::sort(b.begin(), b.end(), by_start);
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const ByteRange& x = a[i];
    const ByteRange& y = b[j];
    if (x.buffer == y.buffer && x.begin < y.end && y.begin < x.end)
      return true;
    if (by_start(x, y) || (x.buffer == y.buffer && x.begin == y.begin && x.end <= y.end))
      ++i;
    else
      ++j;
  }
  return false;
}

void check_ofm_overlap(const NpuMemory& memory, const npu::FeatureMap& input,
                       const npu::BlockOperation& op, bool in_place_allowed,
                       const std::string& name) {
  if (!coarse_overlap(feature_map_ranges(memory, op.ofm, "OFM"),
                      feature_map_ranges(memory, input, name)))
    return;
  if (in_place_allowed && same_layout(input, op.ofm))
    return;
  if (runs_overlap(element_runs(memory, op.ofm, "OFM"), element_runs(memory, input, name)))
    throw_input(fmt::format("the OFM overlaps the {} it reads", name));
}

// Address and stride alignment (docs/npu_architecture.md §Memory and alignment; Vela
// check_addresses/check_strides): NHCWB16 tile bases and C/Y strides on 16 bytes, NHWC bases and
// X/Y strides on the element size. Weight and scale streams start on 16 bytes.
void check_alignment(const npu::FeatureMap& fm, const std::string& name) {
  const bool brick = fm.format == npu::DataFormat::kNhcwb16;
  const uint64_t unit = brick ? kBrickAlignment : static_cast<uint64_t>(fm.type.bytes());
  const int tiles =
      1 + (fm.shape.width > fm.width0 ? 1 : 0) + (fm.shape.height > fm.height0 ? 2 : 0);
  for (int t = 0; t < std::min(tiles, 4); ++t) {
    const uint64_t base = fm.base[static_cast<std::size_t>(t)];
    if (base % unit != 0)
      throw_input(fmt::format("{} base {} {:#x} is not a multiple of {}", name, t, base, unit));
  }
  // Strides may be negative (a reversed axis): alignment is checked on their magnitude.
  const auto magnitude = [](int64_t v) { return static_cast<uint64_t>(v < 0 ? -v : v); };
  const uint64_t stride_a = magnitude(brick ? fm.stride_c : fm.stride_x);
  if (stride_a % unit != 0 || magnitude(fm.stride_y) % unit != 0) {
    throw_input(fmt::format("{} strides (x {}, y {}, c {}) are not multiples of {}", name,
                            fm.stride_x, fm.stride_y, fm.stride_c, unit));
  }
}

ByteRange range_of(const NpuMemory& memory, const npu::AddressRange& r, const std::string& what) {
  const MemoryBuffer& buffer = memory.region(r.region, what);
  return {&buffer, r.address, r.address + r.length};
}

}  // namespace

void check_block_operation(const NpuMemory& memory, npu::OperationKind kind,
                           const npu::BlockOperation& op, const arch::AcceleratorConfig& accel) {
  if (op.blockdep > kMaxBlockdep)
    throw_input(fmt::format("BLOCKDEP {} (at most {})", op.blockdep, kMaxBlockdep));
  if (op.ofm.shape.elements() <= 0 || op.ifm.shape.elements() <= 0) {
    throw_input(fmt::format("empty feature map (IFM {}x{}x{}, OFM {}x{}x{})", op.ifm.shape.height,
                            op.ifm.shape.width, op.ifm.shape.depth, op.ofm.shape.height,
                            op.ofm.shape.width, op.ofm.shape.depth));
  }
  if (op.cores > accel.cores)
    throw_input(fmt::format("PARALLEL_MODE asks for {} cores, {} has {}", op.cores, accel.name,
                            accel.cores));
  const bool weights = kind == npu::OperationKind::kConv || kind == npu::OperationKind::kDepthwise;
  if (weights && static_cast<int>(op.weights.size()) != op.cores)
    throw_input("weight ranges do not match the core count");
  if (op.block_config.depth <= 0 || op.block_config.width <= 0 || op.block_config.height <= 0)
    throw_input("empty OFM block");

  check_alignment(op.ifm, "IFM");
  check_alignment(op.ofm, "OFM");
  if (op.ifm2 && op.ifm2_setting && !op.ifm2_setting->is_scalar)
    check_alignment(*op.ifm2, "IFM2");
  for (std::size_t core = 0; core < op.weights.size(); ++core) {
    if (op.weights[core].address % kStreamAlignment != 0 ||
        op.scales[core].address % kStreamAlignment != 0)
      throw_input(fmt::format("weights or scales of core {} do not start on 16 bytes", core));
  }

  const bool in_place = maps_elementwise(kind, op);
  check_ofm_overlap(memory, op.ifm, op, in_place, "IFM");
  if (op.ifm2 && op.ifm2_setting && !op.ifm2_setting->is_scalar)
    check_ofm_overlap(memory, *op.ifm2, op, in_place, "IFM2");
  const std::vector<ByteRange> ofm = feature_map_ranges(memory, op.ofm, "OFM");
  for (std::size_t core = 0; core < op.weights.size(); ++core) {
    if (coarse_overlap(ofm, {range_of(memory, op.weights[core], "weights")}) ||
        coarse_overlap(ofm, {range_of(memory, op.scales[core], "scales")}))
      throw_input(fmt::format("the OFM overlaps the weights or scales of core {}", core));
  }
}

AccessSet block_accesses(const NpuMemory& memory, const npu::BlockOperation& op,
                         const arch::AcceleratorConfig& accel) {
  AccessSet access;
  access.reads = feature_map_ranges(memory, op.ifm, "IFM");
  if (op.ifm2 && op.ifm2_setting && !op.ifm2_setting->is_scalar) {
    const auto r = feature_map_ranges(memory, *op.ifm2, "IFM2");
    access.reads.insert(access.reads.end(), r.begin(), r.end());
  }
  for (std::size_t core = 0; core < op.weights.size(); ++core) {
    access.reads.push_back(range_of(memory, op.weights[core], "weights"));
    access.reads.push_back(range_of(memory, op.scales[core], "scales"));
  }
  const MemoryBuffer& shram = memory.shram();
  if (uses_lut(op)) {
    const auto start = static_cast<uint64_t>(arch::shram_lut_address(accel)) +
                       static_cast<uint64_t>(op.activation.lut_slot) * kLutSlotBytes;
    access.reads.push_back({&shram, start, start + static_cast<uint64_t>(lut_bytes(op.ofm.type))});
  }
  access.writes = feature_map_ranges(memory, op.ofm, "OFM");
  const auto used = static_cast<uint64_t>(arch::shram_available_banks(accel, uses_lut(op))) *
                    arch::kShramBankBytes;
  access.writes.push_back({&shram, 0, std::min<uint64_t>(used, shram.size())});
  return access;
}

void clobber_shram(NpuMemory& memory, const npu::BlockOperation& op,
                   const arch::AcceleratorConfig& accel) {
  MemoryBuffer& shram = memory.shram();
  const auto used = static_cast<std::size_t>(arch::shram_available_banks(accel, uses_lut(op))) *
                    arch::kShramBankBytes;
  shram.mark_uninitialised(0, std::min(used, shram.size()));
}

}  // namespace euc::npusim

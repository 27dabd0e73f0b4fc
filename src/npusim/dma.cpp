#include "npusim/dma.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace euc::npusim {
namespace {

constexpr uint64_t kDmaAlignment = 16;

MemoryBuffer& endpoint_buffer(const NpuMemory& memory, const npu::DmaEndpoint& e,
                              const std::string& what) {
  return e.internal ? memory.shram() : memory.region(e.region, what);
}

void check_fields(const npu::DmaOperation& dma, const arch::AcceleratorConfig& accel) {
  if (dma.source.stride_mode != npu::StrideMode::kStrideMode1d ||
      dma.destination.stride_mode != npu::StrideMode::kStrideMode1d)
    throw_input("2D/3D DMA stride modes are not modelled (their addressing is not public)");
  if (dma.channel != 0 || dma.mode != 0)
    throw_input(fmt::format("DMA channel {} mode {} (only channel 0, mode 0 exist)", dma.channel,
                            dma.mode));
  const bool axi_aligned = arch::dma_aligns_axi_side(accel);
  auto check = [&](uint64_t value, bool applies, const char* what) {
    if (applies && value % kDmaAlignment != 0)
      throw_input(fmt::format("DMA {} {:#x} is not a multiple of {}", what, value, kDmaAlignment));
  };
  check(dma.source.address, axi_aligned || dma.source.internal, "source");
  check(dma.destination.address, axi_aligned || dma.destination.internal, "destination");
  check(dma.length, axi_aligned || dma.destination.internal, "length");
}

}  // namespace

AccessSet dma_accesses(const NpuMemory& memory, const npu::DmaOperation& dma,
                       const arch::AcceleratorConfig& accel) {
  check_fields(dma, accel);
  const MemoryBuffer& src = endpoint_buffer(memory, dma.source, "DMA source");
  const MemoryBuffer& dst = endpoint_buffer(memory, dma.destination, "DMA destination");
  AccessSet access;
  access.reads.push_back({&src, dma.source.address, dma.source.address + dma.length});
  access.writes.push_back({&dst, dma.destination.address, dma.destination.address + dma.length});
  return access;
}

void run_dma(NpuMemory& memory, const npu::DmaOperation& dma,
             const arch::AcceleratorConfig& accel) {
  check_fields(dma, accel);
  MemoryBuffer& src = endpoint_buffer(memory, dma.source, "DMA source");
  MemoryBuffer& dst = endpoint_buffer(memory, dma.destination, "DMA destination");
  src.check_range(dma.source.address, dma.length, "DMA source");
  dst.check_range(dma.destination.address, dma.length, "DMA destination");
  if (dst.read_only())
    throw_input(fmt::format("DMA destination {} is read only", dst.name()));
  if (&src == &dst && dma.source.address < dma.destination.address + dma.length &&
      dma.destination.address < dma.source.address + dma.length)
    throw_input("DMA source and destination overlap");
  dst.copy_from(src, dma.source.address, dma.destination.address,
                static_cast<std::size_t>(dma.length));
}

}  // namespace euc::npusim

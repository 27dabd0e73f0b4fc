#include "selfcheck/stream_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>

#include "core/error.hpp"
#include "npu/command.hpp"
#include "npu/operation.hpp"
#include "npu/register_file.hpp"

namespace euc::selfcheck {
namespace {

// The SHRAM's LUT area: its last 2 KiB, eight 256-byte slots
// (docs/npu_architecture.md §Activation LUTs).
constexpr int64_t kLutAreaBytes = 2048;
constexpr int64_t kLutSlotBytes = 256;
constexpr std::size_t kKernelsInFlight = 2;

struct Run {
  int region = 0;
  uint64_t address = 0;
  uint64_t length = 0;
};

// The contiguous byte runs of a feature map: per row, per tile column range; NHWC rows whose
// columns are packed are one run, NHCWB16 rows one run per full 16-channel brick.
void feature_map_runs(const npu::FeatureMap& fm, std::vector<Run>& runs) {
  const int es = fm.type.bytes();
  const npu::Shape3D& s = fm.shape;
  if (s.height <= 0 || s.width <= 0 || s.depth <= 0)
    return;
  for (int y = 0; y < s.height; ++y) {
    for (int part = 0; part < 2; ++part) {
      const int x0 = part == 0 ? 0 : std::min(s.width, fm.width0);
      const int x1 = part == 0 ? std::min(s.width, fm.width0) : s.width;
      if (x0 >= x1)
        continue;
      if (fm.format == npu::DataFormat::kNhwc) {
        const uint64_t pixel = static_cast<uint64_t>(s.depth) * es;
        if (fm.stride_x == static_cast<int64_t>(pixel)) {
          runs.push_back({fm.region, npu::element_address(fm, y, x0, 0), pixel * (x1 - x0)});
        } else {
          for (int x = x0; x < x1; ++x)
            runs.push_back({fm.region, npu::element_address(fm, y, x, 0), pixel});
        }
        continue;
      }
      for (int c = 0; c < s.depth; c += 16) {
        const int channels = std::min(16, s.depth - c);
        if (channels == 16) {
          runs.push_back({fm.region, npu::element_address(fm, y, x0, c),
                          static_cast<uint64_t>(16 * es) * (x1 - x0)});
        } else {
          for (int x = x0; x < x1; ++x) {
            runs.push_back({fm.region, npu::element_address(fm, y, x, c),
                            static_cast<uint64_t>(channels) * es});
          }
        }
      }
    }
  }
}

class Checker {
 public:
  explicit Checker(const SegmentStream& stream) : s_(stream) {
    for (size_t r = 1; r < written_.size(); ++r)
      written_[r].assign(static_cast<size_t>(std::max<int64_t>(0, s_.region_size[r])), 0);
    lut_loaded_.fill(false);
  }

  void run() {
    for (const PlacedTensor& t : s_.inputs) {
      where_ = "segment input '" + t.name + "'";
      const Run run{t.region, static_cast<uint64_t>(t.address), static_cast<uint64_t>(t.size)};
      check_bounds(run);
      mark(run);
    }
    for (const PlacedTensor& t : s_.outputs) {
      where_ = "segment output '" + t.name + "'";
      check_bounds({t.region, static_cast<uint64_t>(t.address), static_cast<uint64_t>(t.size)});
    }
    const std::vector<npu::DecodedCommand> commands = npu::decode_stream(s_.commands);
    npu::RegisterFile registers;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      const npu::DecodedCommand& c = commands[i];
      if (c.command.opcode == npu::Opcode::kOpDmaWait) {
        retire(pending_dmas_, c.command.param);
      } else if (c.command.opcode == npu::Opcode::kOpKernelWait) {
        retire(pending_kernels_, c.command.param);
      } else if (npu::launched_kind(c.command.opcode)) {
        const npu::NpuOperation op = npu::read_operation(registers, c, i);
        if (op.dma)
          dma(op, *op.dma);
        else
          block(op, *op.block);
      } else {
        registers.apply(c.command);
      }
    }
    retire(pending_dmas_, 0);
    retire(pending_kernels_, 0);
    for (const PlacedTensor& t : s_.outputs) {
      where_ = "at the end of the stream";
      check_written({t.region, static_cast<uint64_t>(t.address), static_cast<uint64_t>(t.size)},
                    "segment output '" + t.name + "'");
    }
  }

 private:
  struct Pending {
    std::vector<Run> writes;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::kInternal,
                fmt::format("self-check of {}: {}: {}", s_.segment, where_, what));
  }

  static std::string describe(const Run& r) {
    return fmt::format("bytes [{:#x}, {:#x}) of region {}", r.address, r.address + r.length,
                       r.region);
  }

  void check_bounds(const Run& r) const {
    if (r.region < 0 || r.region >= static_cast<int>(s_.region_size.size()) ||
        (r.region > 2 && s_.region_size[static_cast<size_t>(r.region)] == 0))
      fail(fmt::format("region {} does not exist", r.region));
    const int64_t size = s_.region_size[static_cast<size_t>(r.region)];
    if (r.address + r.length > static_cast<uint64_t>(std::max<int64_t>(0, size))) {
      fail(fmt::format("{} lie outside the region ({} bytes)", describe(r), size));
    }
  }

  void check_written(const Run& r, const std::string& what) const {
    check_bounds(r);
    if (r.region == 0 || r.length == 0)
      return;
    const auto& bytes = written_[static_cast<size_t>(r.region)];
    const void* hole = std::memchr(bytes.data() + r.address, 0, r.length);
    if (hole != nullptr) {
      const auto at = static_cast<uint64_t>(static_cast<const uint8_t*>(hole) - bytes.data());
      fail(fmt::format("{} reads {}, but byte {:#x} was never written before", what, describe(r),
                       at));
    }
  }

  void mark(const Run& r) {
    if (r.region == 0 || r.length == 0)
      return;
    auto& bytes = written_[static_cast<size_t>(r.region)];
    std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(r.address), r.length, uint8_t{1});
  }

  // NPU_OP_DMA_WAIT / KERNEL_WAIT n: all but the last n outstanding are complete (kernel
  // writes are marked when launched already).
  void retire(std::deque<Pending>& queue, std::size_t keep) {
    while (queue.size() > keep) {
      for (const Run& r : queue.front().writes)
        mark(r);
      queue.pop_front();
    }
  }

  // Bytes an outstanding kernel writes are not readable by a DMA yet.
  void check_not_pending_kernel_write(const Run& read) const {
    for (const Pending& p : pending_kernels_) {
      for (const Run& w : p.writes) {
        if (w.region == read.region && w.address < read.address + read.length &&
            read.address < w.address + w.length) {
          fail(
              fmt::format("reads {} while the kernel writing them may still run (no "
                          "KERNEL_WAIT)",
                          describe(read)));
        }
      }
    }
  }

  void dma(const npu::NpuOperation& op, const npu::DmaOperation& d) {
    where_ = fmt::format("command stream byte offset {:#x}: DMA", op.byte_offset);
    if (d.source.internal)
      fail("a DMA reads SHRAM");
    if (d.source.stride_mode != npu::StrideMode::kStrideMode1d ||
        d.destination.stride_mode != npu::StrideMode::kStrideMode1d) {
      fail("a DMA uses a 2D/3D stride mode the compiler never emits");
    }
    const Run src{d.source.region, d.source.address, d.length};
    check_written(src, "the DMA");
    check_not_pending_kernel_write(src);
    if (d.destination.internal) {
      // A LUT load: whole slots of the SHRAM's LUT area.
      const int64_t lut_base = s_.shram_bytes - kLutAreaBytes;
      const auto first = static_cast<int64_t>(d.destination.address) - lut_base;
      if (first < 0 || first % kLutSlotBytes != 0 ||
          first + static_cast<int64_t>(d.length) > kLutAreaBytes) {
        fail(fmt::format("a SHRAM DMA to {:#x} ({} bytes) is not a LUT slot load",
                         d.destination.address, d.length));
      }
      for (int64_t b = first; b < first + static_cast<int64_t>(d.length); b += kLutSlotBytes)
        lut_loaded_[static_cast<size_t>(b / kLutSlotBytes)] = true;
      return;
    }
    const Run dst{d.destination.region, d.destination.address, d.length};
    check_bounds(dst);
    if (dst.region == 0)
      fail("a DMA writes the read-only region 0");
    pending_dmas_.push_back({{dst}});
  }

  void block(const npu::NpuOperation& op, const npu::BlockOperation& b) {
    const std::string name = block_index_ < s_.block_names.size()
                                 ? " '" + s_.block_names[block_index_] + "'"
                                 : std::string();
    where_ = fmt::format("command stream byte offset {:#x}: {} operation {}{}", op.byte_offset,
                         npu::operation_kind_name(op.kind), block_index_, name);
    ++block_index_;
    std::vector<Run> runs;
    feature_map_runs(b.ifm, runs);
    for (const Run& r : runs)
      check_written(r, "the IFM");
    if (b.ifm2 && !(b.ifm2_setting && b.ifm2_setting->is_scalar)) {
      runs.clear();
      feature_map_runs(*b.ifm2, runs);
      for (const Run& r : runs)
        check_written(r, "the IFM2");
    }
    for (const auto* ranges : {&b.weights, &b.scales}) {
      for (const npu::AddressRange& a : *ranges)
        check_written({a.region, a.address, a.length},
                      ranges == &b.weights ? "the weights" : "the scales");
    }
    if (b.activation.function == npu::ActivationFunction::kTableLookup) {
      const auto slot = static_cast<size_t>(b.activation.lut_slot);
      if (slot >= lut_loaded_.size() || !lut_loaded_[slot])
        fail(fmt::format("its LUT slot {} was never loaded", b.activation.lut_slot));
    }
    runs.clear();
    feature_map_runs(b.ofm, runs);
    for (const Run& r : runs) {
      check_bounds(r);
      if (r.region == 0)
        fail("the OFM lies in the read-only region 0");
    }
    // Later kernels see the OFM (the NPU runs kernels in order); a DMA sees it only once a
    // KERNEL_WAIT covers this kernel. The NPU keeps at most two kernels in flight.
    for (const Run& r : runs)
      mark(r);
    pending_kernels_.push_back({std::move(runs)});
    while (pending_kernels_.size() > kKernelsInFlight)
      pending_kernels_.pop_front();
  }

  const SegmentStream& s_;
  std::array<std::vector<uint8_t>, 8> written_;
  std::array<bool, kLutAreaBytes / kLutSlotBytes> lut_loaded_{};
  std::deque<Pending> pending_dmas_;
  std::deque<Pending> pending_kernels_;
  std::size_t block_index_ = 0;
  std::string where_;
};

}  // namespace

void check_segment_stream(const SegmentStream& stream) {
  Checker(stream).run();
}

}  // namespace euc::selfcheck

#include "npuhazard/hazard_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <optional>

#include "core/error.hpp"
#include "npu/ethosu_op.hpp"
#include "npuhazard/block_walk.hpp"

namespace euc::npuhazard {
namespace {

// NPU_OP_DMA_WAIT / NPU_OP_KERNEL_WAIT: outstanding count in bits 0-3 of the parameter.
constexpr uint16_t kWaitCountMask = 0xF;
constexpr int kMaxBlockdep = 3;  // docs/npu_architecture.md §Command stream

bool uses_lut(const npu::BlockOperation& op) {
  return op.activation.function == npu::ActivationFunction::kTableLookup;
}

bool has_ifm2(const npu::BlockOperation& op) {
  return op.ifm2 && !(op.ifm2_setting && op.ifm2_setting->is_scalar);
}

std::string name_of(const npu::NpuOperation& op, std::size_t index) {
  return fmt::format("{} (operation {})", npu::operation_kind_name(op.kind), index);
}

Access region_access(const MemoryMap& map, const npu::AddressRange& r, bool write,
                     std::string what) {
  if (r.region < 0 || r.region >= static_cast<int>(map.region.size()))
    throw_input(fmt::format("{} in region {} (base pointers 0-7 exist)", what, r.region));
  const RegionPlace& p = map.region[static_cast<std::size_t>(r.region)];
  return linear_access(p.memory, p.offset + static_cast<int64_t>(r.address),
                       static_cast<int64_t>(r.length), write, std::move(what));
}

// The LUT slot a table-lookup activation reads (its table's size, at least one slot).
Access lut_read(const npu::BlockOperation& op, const arch::AcceleratorConfig& acc) {
  const int64_t start =
      arch::shram_lut_address(acc) + int64_t{op.activation.lut_slot} * arch::kLutSlotBytes;
  const int64_t bytes = std::max(arch::lut_table_bytes(op.ofm.type.bits), arch::kLutSlotBytes);
  return linear_access(kShramMemory, start, bytes, false, "its LUT");
}

// The SHRAM banks the operation uses for IFM and accumulator buffers.
Access shram_buffers(const npu::BlockOperation& op, const arch::AcceleratorConfig& acc) {
  const int64_t used =
      int64_t{arch::shram_available_banks(acc, uses_lut(op))} * arch::kShramBankBytes;
  return linear_access(kShramMemory, 0, used, true, "SHRAM buffers");
}

// The part of those banks that is the LUT area (empty when the operation leaves it alone).
std::optional<Access> lut_area_buffers(const npu::BlockOperation& op,
                                       const arch::AcceleratorConfig& acc) {
  const Access all = shram_buffers(op, acc);
  const int64_t lut = arch::shram_lut_address(acc);
  if (all.linear.end <= lut)
    return std::nullopt;
  return linear_access(kShramMemory, lut, all.linear.end - lut, true,
                       "SHRAM buffers in the LUT banks");
}

// The weight and scale streams of every core, and the LUT when the activation reads one.
void append_constant_reads(const npu::BlockOperation& op, const arch::AcceleratorConfig& acc,
                           const MemoryMap& map, std::vector<Access>& out) {
  for (std::size_t core = 0; core < op.weights.size(); ++core)
    out.push_back(
        region_access(map, op.weights[core], false, fmt::format("weights (core {})", core)));
  for (std::size_t core = 0; core < op.scales.size(); ++core)
    out.push_back(
        region_access(map, op.scales[core], false, fmt::format("scales (core {})", core)));
  if (uses_lut(op))
    out.push_back(lut_read(op, acc));
}

std::vector<Access> kernel_accesses(npu::OperationKind, const npu::BlockOperation& op,
                                    const arch::AcceleratorConfig& acc, const MemoryMap& map) {
  std::vector<Access> out;
  out.push_back(feature_map_access(op.ifm, whole(op.ifm.shape), false, "IFM"));
  if (has_ifm2(op))
    out.push_back(feature_map_access(*op.ifm2, whole(op.ifm2->shape), false, "IFM2"));
  append_constant_reads(op, acc, map, out);
  out.push_back(feature_map_access(op.ofm, whole(op.ofm.shape), true, "OFM"));
  out.push_back(shram_buffers(op, acc));
  return out;
}

Access dma_endpoint(const MemoryMap& map, const npu::DmaEndpoint& e, uint64_t length, bool write) {
  const char* what = write ? "destination" : "source";
  if (e.internal)
    return linear_access(kShramMemory, static_cast<int64_t>(e.address),
                         static_cast<int64_t>(length), write, fmt::format("SHRAM {}", what));
  return region_access(map, npu::AddressRange{e.region, e.address, length}, write, what);
}

std::vector<Access> dma_accesses(const npu::DmaOperation& dma, const MemoryMap& map) {
  if (dma.source.stride_mode != npu::StrideMode::kStrideMode1d ||
      dma.destination.stride_mode != npu::StrideMode::kStrideMode1d)
    throw_input("2D/3D DMA stride modes are not modelled (their addressing is not public)");
  return {dma_endpoint(map, dma.source, dma.length, false),
          dma_endpoint(map, dma.destination, dma.length, true)};
}

struct Conflict {
  const Access* mine = nullptr;
  const Access* theirs = nullptr;
  Span bytes;
};

std::optional<Conflict> first_conflict(const std::vector<Access>& mine,
                                       const std::vector<Access>& theirs, const MemoryMap& map,
                                       bool shram_write_pairs = true) {
  for (const Access& a : mine) {
    for (const Access& b : theirs) {
      if (!a.write && !b.write)
        continue;
      if (a.write && b.write && !shram_write_pairs && !a.fm && !b.fm &&
          a.linear.memory == kShramMemory)
        continue;
      if (const auto bytes = overlap(a, b, map))
        return Conflict{&a, &b, *bytes};
    }
  }
  return std::nullopt;
}

const char* verb(const Access& a) {
  return a.write ? "writes" : "reads";
}

struct Outstanding {
  std::size_t index = 0;
  const npu::NpuOperation* op = nullptr;
  std::vector<Access> accesses;
};

// The IFM depth one job of a convolution reads: the NPU splits each OFM block's work into jobs of
// one IFM depth slice (Vela: calc_ifm_block_depth, 32 channels of 8 bits, 16 of 16 bits; euc's
// arch: 16 for part-kernel-first traversal). Both 8-bit slicings are checked. Other kernels run
// one job per OFM block (depth 0 here: the block's channels).
std::vector<int> job_depths(const npu::NpuOperation& op) {
  if (op.kind != npu::OperationKind::kConv)
    return {0};
  switch (op.block->ifm.type.bits) {
    case 8:
      return {32, 16};
    case 16:
      return {16};
    default:
      return {8};
  }
}

// What job `f` of `next` touches that a block of the previous kernel could race with, when its
// jobs read `depth` IFM channels each.
std::vector<Access> next_job_accesses(const npu::NpuOperation& next, int64_t f, int depth,
                                      const arch::AcceleratorConfig& acc, const MemoryMap& map,
                                      bool strict) {
  const npu::BlockOperation& op = *next.block;
  const int64_t slices = depth > 0 ? (op.ifm.shape.depth + depth - 1) / depth : 1;
  const int64_t k = f / slices;
  const Box ofm = ofm_block(op, k);
  Box in = ifm_area(next.kind, op, ofm, acc);
  if (depth > 0) {
    const int64_t c0 = (f % slices) * depth;
    in = intersect(
        in, Box{in.y0, in.y1, in.x0, in.x1, static_cast<int>(c0), static_cast<int>(c0 + depth)});
  }
  std::vector<Access> out;
  out.push_back(
      feature_map_access(op.ifm, in, false, fmt::format("IFM for job {} (OFM block {})", f, k)));
  if (has_ifm2(op))
    out.push_back(feature_map_access(*op.ifm2, ifm2_area(op, ofm), false,
                                     fmt::format("IFM2 for OFM block {}", k)));
  append_constant_reads(op, acc, map, out);
  if (auto lut_banks = lut_area_buffers(op, acc))
    out.push_back(std::move(*lut_banks));
  if (strict)
    out.push_back(feature_map_access(op.ofm, ofm, true, fmt::format("OFM block {}", k)));
  return out;
}

int64_t job_count(const npu::NpuOperation& op, int depth) {
  const int64_t slices = depth > 0 ? (op.block->ifm.shape.depth + depth - 1) / depth : 1;
  return ofm_block_count(*op.block) * slices;
}

std::vector<Access> previous_block_accesses(const npu::NpuOperation& prev, int64_t j,
                                            const arch::AcceleratorConfig& acc, bool strict) {
  const npu::BlockOperation& op = *prev.block;
  const Box ofm = ofm_block(op, j);
  std::vector<Access> out;
  out.push_back(feature_map_access(op.ofm, ofm, true, fmt::format("OFM block {}", j)));
  if (uses_lut(op))
    out.push_back(lut_read(op, acc));
  if (auto lut_banks = lut_area_buffers(op, acc))
    out.push_back(std::move(*lut_banks));
  if (strict) {
    out.push_back(feature_map_access(op.ifm, ifm_area(prev.kind, op, ofm, acc), false,
                                     fmt::format("IFM for its OFM block {}", j)));
    if (has_ifm2(op))
      out.push_back(feature_map_access(*op.ifm2, ifm2_area(op, ofm), false,
                                       fmt::format("IFM2 for its OFM block {}", j)));
  }
  return out;
}

// The first race under BLOCKDEP `b`, as text, or empty.
std::string blockdep_conflict(const npu::NpuOperation& prev, const npu::NpuOperation& next, int b,
                              const arch::AcceleratorConfig& acc, const CheckOptions& options) {
  const int64_t prev_blocks = ofm_block_count(*prev.block);
  for (const int depth : job_depths(next)) {
    for (int64_t f = 0; f < std::min<int64_t>(b, job_count(next, depth)); ++f) {
      const std::vector<Access> mine =
          next_job_accesses(next, f, depth, acc, options.memory, options.strict);
      for (int64_t back = 1; back <= std::min<int64_t>(b - f, prev_blocks); ++back) {
        const int64_t j = prev_blocks - back;
        const std::vector<Access> theirs = previous_block_accesses(prev, j, acc, options.strict);
        if (const auto c = first_conflict(mine, theirs, options.memory, false)) {
          return fmt::format(
              "its {} {} {}, which the previous kernel's {} ({} blocks in all) {} and may still "
              "be in flight",
              c->mine->what, verb(*c->mine), describe(c->bytes), c->theirs->what, prev_blocks,
              verb(*c->theirs));
        }
      }
    }
  }
  return {};
}

}  // namespace

int safe_blockdep(const npu::NpuOperation& previous, const npu::NpuOperation& next,
                  const arch::AcceleratorConfig& accelerator, const CheckOptions& options) {
  if (!previous.block || !next.block)
    return 0;
  for (int b = kMaxBlockdep; b > 0; --b)
    if (blockdep_conflict(previous, next, b, accelerator, options).empty())
      return b;
  return 0;
}

std::vector<Hazard> find_hazards(std::span<const npu::DecodedCommand> commands,
                                 std::span<const npu::NpuOperation> operations,
                                 const arch::AcceleratorConfig& accelerator,
                                 const CheckOptions& options) {
  std::vector<Hazard> hazards;
  std::deque<Outstanding> dmas;
  std::deque<Outstanding> kernels;
  const auto max_dmas = static_cast<std::size_t>(accelerator.max_outstanding_dma);
  const auto max_kernels = static_cast<std::size_t>(arch::kMaxOutstandingKernels);
  std::size_t next = 0;
  for (const npu::DecodedCommand& command : commands) {
    const npu::Opcode opcode = command.command.opcode;
    if (opcode == npu::Opcode::kOpStop)
      break;
    if (opcode == npu::Opcode::kOpDmaWait || opcode == npu::Opcode::kOpKernelWait) {
      auto& queue = opcode == npu::Opcode::kOpDmaWait ? dmas : kernels;
      const std::size_t keep = command.command.param & kWaitCountMask;
      while (queue.size() > keep)
        queue.pop_front();
      continue;
    }
    if (!npu::launched_kind(opcode))
      continue;
    if (next >= operations.size())
      throw_input("the command stream launches more operations than were decoded");
    const std::size_t index = next++;
    const npu::NpuOperation& op = operations[index];
    const std::string where =
        fmt::format("command stream byte offset {:#x}: {}", op.byte_offset, name_of(op, index));
    try {
      Outstanding me{index, &op, {}};
      const bool is_dma = op.kind == npu::OperationKind::kDma;
      me.accesses = is_dma ? dma_accesses(*op.dma, options.memory)
                           : kernel_accesses(op.kind, *op.block, accelerator, options.memory);
      const auto& others = is_dma ? kernels : dmas;
      for (const Outstanding& other : others) {
        if (const auto c = first_conflict(me.accesses, other.accesses, options.memory)) {
          hazards.push_back(
              {other.index, index,
               fmt::format("{}: its {} {} {}, which {} (still outstanding) {} as its {}: a {} is "
                           "missing",
                           where, c->mine->what, verb(*c->mine), describe(c->bytes),
                           name_of(*other.op, other.index), verb(*c->theirs), c->theirs->what,
                           is_dma ? "NPU_OP_KERNEL_WAIT" : "NPU_OP_DMA_WAIT")});
        }
      }
      if (!is_dma) {
        const int b = op.block->blockdep;
        if (b > kMaxBlockdep)
          throw_input(fmt::format("BLOCKDEP {} (at most {})", b, kMaxBlockdep));
        if (b > 0 && !kernels.empty()) {
          // The previous kernel is still outstanding (no wait retired it): the block pipeline
          // may overlap it, DMAs launched in between or not.
          const Outstanding& prev = kernels.back();
          const std::string race = blockdep_conflict(*prev.op, op, b, accelerator, options);
          if (!race.empty()) {
            hazards.push_back({prev.index, index,
                               fmt::format("{}: BLOCKDEP {} after {}: {}; at most {} is safe",
                                           where, b, name_of(*prev.op, prev.index), race,
                                           safe_blockdep(*prev.op, op, accelerator, options))});
          }
        }
      }
      auto& mine = is_dma ? dmas : kernels;
      mine.push_back(std::move(me));
      while (mine.size() > (is_dma ? max_dmas : max_kernels))
        mine.pop_front();
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kUsage)
        throw;
      throw Error(e.kind(), fmt::format("{}: {}", where, e.what()));
    }
  }
  return hazards;
}

std::vector<Hazard> find_hazards(std::span<const uint32_t> command_words,
                                 const arch::AcceleratorConfig& accelerator,
                                 const CheckOptions& options) {
  const std::vector<npu::DecodedCommand> commands = npu::decode_stream(command_words);
  const std::vector<npu::NpuOperation> operations = npu::extract_operations(commands);
  return find_hazards(commands, operations, accelerator, options);
}

std::vector<OperatorHazards> check_model(const ir::Model& model, std::string_view source,
                                         bool strict) {
  std::vector<OperatorHazards> out;
  for (const npu::EthosuOperator& op : npu::read_ethosu_operators(model, source)) {
    OperatorHazards r;
    r.subgraph = op.subgraph;
    r.operator_index = op.operator_index;
    try {
      r.accelerator = arch::accelerator_from_config_word(op.payload.config.word());
      CheckOptions options;
      options.strict = strict;
      // Regions 1 and 2 bound to one tensor are one memory; separately addressed IFMs and OFMs
      // (regions 3-7) with an arena offset lie in the scratch's memory.
      std::vector<npu::EthosuTensor> bound{op.flash, op.scratch, op.scratch_fast};
      bound.insert(bound.end(), op.ifms.begin(), op.ifms.end());
      bound.insert(bound.end(), op.ofms.begin(), op.ofms.end());
      for (std::size_t r1 = 0; r1 < options.memory.region.size() && r1 < bound.size(); ++r1) {
        const npu::EthosuTensor& t = bound[r1];
        for (std::size_t r0 = 0; r0 < r1; ++r0) {
          if (bound[r0].index == t.index) {
            options.memory.region[r1] = options.memory.region[r0];
            break;
          }
        }
        if (r1 >= 3 && options.memory.region[r1].memory == static_cast<int>(r1) && t.arena_offset &&
            op.scratch.arena_offset) {
          options.memory.region[r1] = RegionPlace{
              options.memory.region[1].memory,
              options.memory.region[1].offset + *t.arena_offset - *op.scratch.arena_offset};
        }
      }
      const std::vector<npu::DecodedCommand> commands =
          npu::decode_stream(op.payload.command_words);
      const std::vector<npu::NpuOperation> operations = npu::extract_operations(commands);
      r.operations = operations.size();
      r.hazards =
          find_hazards(commands, operations, arch::accelerator_config(r.accelerator), options);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kUsage)
        throw;
      throw Error(e.kind(), fmt::format("{}: subgraph {} operator {} (ethos-u): {}", source,
                                        op.subgraph, op.operator_index, e.what()));
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string format_hazards(const std::vector<OperatorHazards>& result, std::string_view source) {
  std::string out;
  for (const OperatorHazards& r : result)
    for (const Hazard& h : r.hazards)
      out += fmt::format("{}: subgraph {} operator {} (ethos-u): {}\n", source, r.subgraph,
                         r.operator_index, h.message);
  return out;
}

}  // namespace euc::npuhazard

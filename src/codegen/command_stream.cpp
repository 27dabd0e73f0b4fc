#include "codegen/command_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <utility>

#include "arch/operation_kinds.hpp"
#include "codegen/block_dependency.hpp"
#include "codegen/emitter.hpp"
#include "codegen/feature_map.hpp"
#include "codegen/output_scaling.hpp"
#include "codegen/sync_tracker.hpp"
#include "core/error.hpp"
#include "npu/kernel_stride.hpp"
#include "scheduler/cascade.hpp"
#include "weights/constant_encoder.hpp"

namespace euc::codegen {
namespace {

using npu::Opcode;
using scheduler::ConstantLayout;

// The end of the stream stops with every mask bit set (docs/npu_architecture.md §Command stream).
constexpr int64_t kStopMask = 0xFFFF;
// The command stream tensor's size limit: 16 MiB.
constexpr size_t kMaxStreamBytes = size_t{16} * 1024 * 1024;

npu::Rounding rounding_field(ir::RoundingMode mode) {
  switch (mode) {
    case ir::RoundingMode::kTfl:
      return npu::Rounding::kTfl;
    case ir::RoundingMode::kTruncate:
      return npu::Rounding::kTruncate;
    case ir::RoundingMode::kNatural:
      return npu::Rounding::kNatural;
  }
  throw Error(ErrorKind::kInternal, "unknown rounding mode");
}

npu::ResamplingMode resampling_mode(ir::Upscale upscale) {
  switch (upscale) {
    case ir::Upscale::kNone:
      return npu::ResamplingMode::kNone;
    case ir::Upscale::kNearest:
      return npu::ResamplingMode::kNearest;
    case ir::Upscale::kTranspose:
      return npu::ResamplingMode::kTranspose;
  }
  throw Error(ErrorKind::kInternal, "unknown upscale mode");
}

// A scale's right shift as the unsigned shift field holds it (a negative shift does not fit and
// is an internal error there).
uint32_t shift_field(int shift) {
  if (shift < 0)
    throw Error(ErrorKind::kInternal, fmt::format("negative output scale shift {}", shift));
  return static_cast<uint32_t>(shift);
}

class OperationWriter {
 public:
  OperationWriter(Emitter& e, const ir::NpuGraph& graph, const scheduler::Plan& plan,
                  const ConstantLayout& constants, const arch::AcceleratorConfig& accelerator,
                  bool separate_io_regions, int max_block_dependency)
      : e_(e),
        graph_(graph),
        plan_(plan),
        constants_(constants),
        accelerator_(accelerator),
        max_block_dependency_(max_block_dependency),
        sync_(arch::kMaxOutstandingKernels) {
    lut_slots_.fill(kNoTable);
    if (!separate_io_regions)
      return;
    // Each segment input and output in its own region, from offset 0.
    const size_t regions = graph.inputs.size() + graph.outputs.size();
    if (kFirstIoRegion + regions > static_cast<size_t>(kMaxRegions)) {
      throw_input(fmt::format(
          "--separate-io-regions: the segment has {} inputs and outputs; the ethos-u operator "
          "has base pointers for at most {} (regions {} to {})",
          regions, kMaxRegions - kFirstIoRegion, kFirstIoRegion, kMaxRegions - 1));
    }
    // Keyed by the storage root: a reshape of an input or output reads or writes the same bytes.
    int region = kFirstIoRegion;
    auto assign = [&](int t) {
      if (!io_region_.emplace(graph_.storage_root(t), region++).second) {
        throw_input(fmt::format(
            "--separate-io-regions: tensor '{}' shares its storage with another input or output "
            "of the segment (a variable tensor, or a reshape of one); it cannot live in two "
            "regions",
            graph.tensors.at(static_cast<size_t>(t)).name));
      }
    };
    for (int t : graph.inputs)
      assign(t);
    for (int t : graph.outputs)
      assign(t);
  }

  // The region of a tensor's storage when it is a segment input or output in its own region.
  std::optional<int> io_region(int tensor) const {
    if (io_region_.empty())
      return std::nullopt;
    auto it = io_region_.find(graph_.storage_root(tensor));
    if (it == io_region_.end())
      return std::nullopt;
    return it->second;
  }

  // One launch: rows [row_begin, row_end) of an operation's OFM (all of it outside cascades),
  // and the channels of its depth slice. `next` is the following launch, whose weights may copy
  // meanwhile.
  void write(const scheduler::Pass& pass, std::optional<scheduler::Pass> next) {
    const auto index = static_cast<size_t>(pass.op);
    const ir::NpuOp& op = graph_.ops[index];
    e_.owner = pass.op;
    if (arch::operation_kind(op.type).is_dma()) {
      write_memcpy(op);
      return;
    }
    ir::NpuOp stripe = op;
    const int rows = op.ofm.shape.n * op.ofm.shape.h;
    if (pass.row_begin != 0 || pass.row_end != rows) {
      // A stripe: its OFM rows, the IFM rows they read with the padding that falls in them,
      // and the same rows of an elementwise second operand.
      const scheduler::RowWindow w = scheduler::input_rows(op, pass.row_begin, pass.row_end);
      stripe.ofm.offset.h += pass.row_begin;
      stripe.ofm.shape.h = pass.row_end - pass.row_begin;
      stripe.ifm.offset.h += w.begin;
      stripe.ifm.shape.h = w.end - w.begin;
      stripe.padding.top = w.pad_top;
      stripe.padding.bottom = w.pad_bottom;
      if (stripe.ifm2.valid() && !stripe.ifm2_scalar) {
        stripe.ifm2.offset.h += pass.row_begin;
        stripe.ifm2.shape.h = pass.row_end - pass.row_begin;
      }
    }
    const auto& slices = plan_.ops[index].weight_buffer.depth_slices;
    if (slices.size() > 2) {
      // A depth slice: its OFM channels (a depthwise operation reads the same IFM channels).
      const int d0 = slices[static_cast<size_t>(pass.slice)];
      const int d1 = slices[static_cast<size_t>(pass.slice) + 1];
      stripe.ofm.offset.c += d0;
      stripe.ofm.shape.c = d1 - d0;
      if (arch::operation_kind(op.type).kernel == arch::NpuKernel::kDepthwise) {
        stripe.ifm.offset.c += d0;
        stripe.ifm.shape.c = d1 - d0;
      }
    }
    write_block_op(index, stripe, pass.slice, next);
  }

 private:
  // `read`: the operation reads the slice (an IFM), so a staged copy serves it.
  FeatureMapView view(const ir::TensorSlice& slice, bool read) const {
    // Constant feature maps live in flash at the address the constant layout gave them.
    const ir::NpuTensor& t = graph_.tensors.at(slice.tensor);
    if (t.is_constant()) {
      scheduler::TensorPlacement place = plan_.tensors.at(slice.tensor);
      place.region = scheduler::Region::kFlash;
      place.address = constants_.tensor_address.at(slice.tensor);
      return feature_map_view(graph_, place, slice);
    }
    if (const scheduler::StagedInput* staged = plan_.staged_copy(slice.tensor); read && staged) {
      scheduler::TensorPlacement place = plan_.tensors.at(slice.tensor);
      place.region = scheduler::Region::kFastArena;
      place.address = staged->address;
      return feature_map_view(graph_, place, slice);
    }
    if (const std::optional<int> region = io_region(slice.tensor)) {
      scheduler::TensorPlacement place = plan_.tensors.at(slice.tensor);
      place.region = static_cast<scheduler::Region>(*region);
      place.address = 0;
      return feature_map_view(graph_, place, slice);
    }
    return feature_map_view(graph_, plan_, slice);
  }

  // Copies the segment inputs staged for operation `index` into the SRAM cache (once, at its
  // first launch; the launch waits for the DMA like for its weights).
  void stage_inputs(size_t index) {
    for (const scheduler::StagedInput& staged : plan_.staged) {
      if (staged.first_reader != static_cast<int>(index) || !staged_.insert(staged.tensor).second)
        continue;
      const std::optional<int> region = io_region(staged.tensor);
      start_dma(region ? *region : static_cast<int>(scheduler::Region::kArena),
                region ? 0 : static_cast<uint64_t>(plan_.tensors.at(staged.tensor).address),
                static_cast<int>(scheduler::Region::kFastArena),
                static_cast<uint64_t>(staged.address), static_cast<uint64_t>(staged.size));
    }
  }

  // The LUT slot holding table `lut` for the launch being written: where it already is, or
  // copied from flash into the next free slots (round robin, aligned to the table's size).
  int load_lut(int lut) {
    const ConstantLayout::Stream& table = constants_.luts.at(static_cast<size_t>(lut));
    const auto slots = static_cast<int>(table.size / arch::kLutSlotBytes);
    if (slots < 1 || slots > arch::kLutSlots || table.size % arch::kLutSlotBytes != 0)
      throw Error(ErrorKind::kInternal,
                  fmt::format("lookup table {} of {} bytes", lut, table.size));
    for (int at = 0; at + slots <= arch::kLutSlots; at += slots) {
      if (lut_slots_[static_cast<size_t>(at)] == table.address &&
          lut_slot_bytes_[static_cast<size_t>(at)] == table.size)
        return at;
    }
    int at = (next_lut_slot_ + slots - 1) / slots * slots;
    if (at + slots > arch::kLutSlots)
      at = 0;
    for (int k = at; k < at + slots; ++k) {
      lut_slots_[static_cast<size_t>(k)] = kNoTable;
      lut_slot_bytes_[static_cast<size_t>(k)] = 0;
    }
    lut_slots_[static_cast<size_t>(at)] = table.address;
    lut_slot_bytes_[static_cast<size_t>(at)] = table.size;
    next_lut_slot_ = (at + slots) % arch::kLutSlots;
    lut_loaded_ = true;
    start_dma(static_cast<int>(scheduler::Region::kFlash), static_cast<uint64_t>(table.address),
              kShramDestination,
              static_cast<uint64_t>(arch::shram_lut_address(accelerator_)) +
                  static_cast<uint64_t>(at) * arch::kLutSlotBytes,
              static_cast<uint64_t>(table.size));
    return at;
  }

  // Starts a linear DMA of `length` bytes (to SHRAM for kShramDestination). It first waits for
  // the outstanding kernels whose bytes it reads or overwrites (tensors no longer live, a buffer
  // half they read, a LUT slot, their SHRAM buffers), leaving later ones running.
  void start_dma(int src_region, uint64_t src, int dst_region, uint64_t dst, uint64_t length) {
    e_.set(npu::SetDma0SrcRegion{.region = static_cast<uint32_t>(src_region)});
    e_.set_address(Opcode::kSetDma0Src, src);
    if (dst_region == kShramDestination)
      e_.set(npu::SetDma0DstRegion{.region = 0, .internal = true});
    else
      e_.set(npu::SetDma0DstRegion{.region = static_cast<uint32_t>(dst_region)});
    e_.set_address(Opcode::kSetDma0Dst, dst);
    e_.set_address(Opcode::kSetDma0Len, length);
    const auto bytes = static_cast<int64_t>(length);
    Touches touches{
        {src_region, static_cast<int64_t>(src), static_cast<int64_t>(src) + bytes, false},
        {dst_region == kShramDestination ? kShramRegion : dst_region, static_cast<int64_t>(dst),
         static_cast<int64_t>(dst) + bytes, true}};
    if (const std::optional<int> keep = sync_.kernel_wait_for(touches))
      e_.operation(Opcode::kOpKernelWait, *keep);
    e_.operation(Opcode::kOpDmaStart, 0);
    sync_.dma_started(std::move(touches));
  }

  void write_memcpy(const ir::NpuOp& op) {
    FeatureMapView src = view(op.ifm, false);  // never staged (a DMA reads DRAM well)
    FeatureMapView dst = view(op.ofm, false);
    uint64_t length = static_cast<uint64_t>(graph_.tensors[op.ifm.tensor].shape.elements()) *
                      *ir::element_size(graph_.tensors[op.ifm.tensor].type);
    start_dma(src.region, src.base, dst.region, dst.base, length);
  }

  void write_block_op(size_t index, const ir::NpuOp& op, int slice,
                      std::optional<scheduler::Pass> next) {
    const scheduler::OpPlan& p = plan_.ops[index];
    const arch::OperationKind& kind = arch::operation_kind(op.type);
    const bool elementwise = kind.is_elementwise();
    const bool binary = kind.is_binary();
    const ir::NpuTensor& ifm_t = graph_.tensors[op.ifm.tensor];
    const ir::NpuTensor& ofm_t = graph_.tensors[op.ofm.tensor];

    OutputScaling scaling = output_scaling(graph_, op);
    if (scaling.ofm)
      e_.set(npu::SetOfmScale{.shift = shift_field(scaling.ofm->shift),
                              .data = scaling.ofm->multiplier});
    if (scaling.opa)
      e_.set(npu::SetOpaScale{.shift = shift_field(scaling.opa->shift),
                              .data = scaling.opa->multiplier});
    if (scaling.opb)
      e_.set(npu::SetOpbScale{.data = scaling.opb->multiplier});

    FeatureMapView ifm = view(op.ifm, true);
    FeatureMapView ofm = view(op.ofm, false);
    if (raw_average(op) || op.byte_copy) {
      // An average pool with equal input and output quantisation averages the raw values, as
      // TFLite does: subtracting the zero point first would move the ties of its rounding
      // (Vela 3.10 high_level_command_to_npu_op.py, use_zero_point_0). A byte copy moves raw
      // values for the same reason.
      ifm.zero_point = 0;
      ofm.zero_point = 0;
    }
    if (ifm_t.type == ir::DataType::kInt32)
      ifm.zero_point = 0;
    emit_feature_map(e_, FeatureMapRole::kIfm, ifm);
    e_.set_unsigned(Opcode::kSetIfmDepthM1, ifm.shape.c - 1);
    e_.set(npu::SetIfmPrecision{.precision = ifm_precision(ifm_t.type),
                                .format = data_format(ifm.layout),
                                .scale_mode = scaling.operand_to_scale});
    e_.set(npu::SetIfmUpscale{.mode = resampling_mode(op.upscale)});
    if (!elementwise) {
      e_.set_unsigned(Opcode::kSetIfmPadTop, op.padding.top);
      e_.set_unsigned(Opcode::kSetIfmPadLeft, op.padding.left);
      e_.set_unsigned(Opcode::kSetIfmPadBottom, op.padding.bottom);
      e_.set_unsigned(Opcode::kSetIfmPadRight, op.padding.right);
    }
    emit_feature_map(e_, FeatureMapRole::kOfm, ofm);
    e_.set_unsigned(Opcode::kSetOfmHeightM1, ofm.shape.h - 1);
    e_.set_unsigned(Opcode::kSetOfmWidthM1, ofm.shape.w - 1);
    e_.set_unsigned(Opcode::kSetOfmDepthM1, ofm.shape.c - 1);
    const ir::RoundingMode rounding =
        weights::reduced_precision_scaling(graph_, op) ? ir::RoundingMode::kNatural : op.rounding;
    e_.set(npu::SetOfmPrecision{.precision = ofm_precision(ofm_t.type),
                                .format = data_format(ofm.layout),
                                .scaling = scaling.global,
                                .rounding = rounding_field(rounding)});

    if (!elementwise) {
      e_.set_unsigned(Opcode::kSetKernelHeightM1, op.kernel.dilation_y * (op.kernel.height - 1));
      e_.set_unsigned(Opcode::kSetKernelWidthM1, op.kernel.dilation_x * (op.kernel.width - 1));
      npu::KernelStride ks;
      ks.stride_x = op.kernel.stride_x;
      ks.stride_y = op.kernel.stride_y;
      ks.dilation_x = op.kernel.dilation_x;
      ks.dilation_y = op.kernel.dilation_y;
      ks.part_kernel_first =
          kind.block == arch::BlockKind::kConvolution && p.block.part_kernel_first;
      e_.set_unsigned(Opcode::kSetKernelStride, npu::encode_kernel_stride(ks));
    }
    // What this launch touches, for the waits (sync_tracker.hpp).
    Touches touches;
    auto touch_view = [&touches](const FeatureMapView& v, bool write) {
      const auto [begin, end] = view_bytes(v);
      touches.push_back({v.region, begin, end, write});
    };
    touch_view(ifm, false);
    touch_view(ofm, true);
    if (!constants_.op_weights[index].empty()) {
      // This launch's depth slice; buffered weights are read from their copy in the buffer (or
      // its half), at the same offsets as in flash.
      const ConstantLayout::Slice& s = constants_.op_slices[index].at(static_cast<size_t>(slice));
      const auto& weights = s.cores;
      const scheduler::WeightBuffer& buffer = plan_.ops[index].weight_buffer;
      const auto region = buffer.enabled() ? buffer.region : scheduler::Region::kFlash;
      auto where = [&](uint64_t flash_address) {
        if (!buffer.enabled())
          return flash_address;
        return buffer_address(index, slice) + flash_address -
               static_cast<uint64_t>(s.stream.address);
      };
      e_.set_unsigned(Opcode::kSetWeightRegion, static_cast<int>(region));
      e_.set_address(Opcode::kSetWeightBase, where(weights[0].weight_address));
      e_.set_address(Opcode::kSetWeightLength, weights[0].weight_length);
      e_.set_unsigned(Opcode::kSetScaleRegion, static_cast<int>(region));
      e_.set_address(Opcode::kSetScaleBase, where(weights[0].scale_address));
      e_.set_address(Opcode::kSetScaleLength, weights[0].scale_length);
      if (weights.size() > 1) {
        e_.set_address(Opcode::kSetWeight1Base, where(weights[1].weight_address));
        e_.set_address(Opcode::kSetWeight1Length, weights[1].weight_length);
        e_.set_address(Opcode::kSetScale1Base, where(weights[1].scale_address));
        e_.set_address(Opcode::kSetScale1Length, weights[1].scale_length);
      }
      for (const auto& core : weights) {
        const auto w = static_cast<int64_t>(where(core.weight_address));
        const auto sc = static_cast<int64_t>(where(core.scale_address));
        touches.push_back(
            {static_cast<int>(region), w, w + static_cast<int64_t>(core.weight_length), false});
        touches.push_back(
            {static_cast<int>(region), sc, sc + static_cast<int64_t>(core.scale_length), false});
      }
    }
    const bool uses_lut = op.activation.kind == ir::Activation::Kind::kLut;
    const int lut_slot = uses_lut ? load_lut(op.activation.lut) : -1;
    write_activation(op, ofm_t, lut_slot);
    if (uses_lut) {
      const int64_t start =
          arch::shram_lut_address(accelerator_) + int64_t{lut_slot} * arch::kLutSlotBytes;
      touches.push_back({kShramRegion, start, start + arch::kShramLutBytes, false});
    }
    // The SHRAM banks the launch uses for its IFM and accumulator buffers.
    touches.push_back(
        {kShramRegion, 0,
         int64_t{arch::shram_available_banks(accelerator_, uses_lut)} * arch::kShramBankBytes,
         true});
    e_.set_unsigned(Opcode::kSetOfmBlkHeightM1, p.block.ofm_block.height - 1);
    e_.set_unsigned(Opcode::kSetOfmBlkWidthM1, p.block.ofm_block.width - 1);
    e_.set_unsigned(Opcode::kSetOfmBlkDepthM1, p.block.ofm_block.depth - 1);
    e_.set_unsigned(Opcode::kSetIfmIbEnd, p.block.layout.ifm_end);
    e_.set_unsigned(Opcode::kSetAbStart, p.block.layout.acc_start);
    if (binary)
      e_.set_unsigned(Opcode::kSetIfm2IbStart, p.block.layout.ifm2_start);
    e_.set(npu::SetAccFormat{.param = p.block.accumulator == arch::AccumulatorType::kInt40
                                          ? npu::AccFormat::kInt40bit
                                          : npu::AccFormat::kInt32bit});
    std::optional<FeatureMapView> ifm2;
    if (binary)
      ifm2 = write_ifm2(op, ifm);
    if (ifm2)
      touch_view(*ifm2, false);
    // How far this kernel may overlap the previous one (block_dependency.hpp).
    arch::WalkedKernel walk;
    walk.kernel = kind.kernel;
    walk.reduces_depth =
        kind.kernel == arch::NpuKernel::kPooling && kind.pooling == npu::PoolingMode::kReduceSum;
    walk.window = op.kernel;
    walk.padding = op.padding;
    walk.upscale = op.upscale;
    walk.block_height = p.block.ofm_block.height;
    walk.block_width = p.block.ofm_block.width;
    walk.block_depth = p.block.ofm_block.depth;
    walk.uses_lut = op.activation.kind == ir::Activation::Kind::kLut;
    LaunchedKernel launched = launched_kernel(walk, ifm, ifm2, ofm);
    const int blockdep = previous_kernel_
                             ? block_dependency(*previous_kernel_, launched, lut_loaded_,
                                                accelerator_, max_block_dependency_)
                             : 0;
    lut_loaded_ = false;
    previous_kernel_ = std::move(launched);
    e_.set_unsigned(Opcode::kSetBlockdep, blockdep);
    // Staged inputs and this launch's own weight copy, unless the previous launch already
    // started it.
    stage_inputs(index);
    copy_weights(index, slice);
    // Wait only for the DMAs whose bytes this launch touches (its weights, staged inputs, a
    // table), before the next launch's weight copy starts (it runs while this launch computes).
    if (sync_.dma_wait_for(touches))
      e_.operation(Opcode::kOpDmaWait, 0);
    launch(op);
    sync_.kernel_started(std::move(touches));
    // The next launch's weights copy while this one computes: the next slice into the other
    // half, or the next operation's buffer, clear of everything live now (the allocator saw it
    // live from this step).
    if (next && !arch::operation_kind(graph_.ops[static_cast<size_t>(next->op)].type).is_dma()) {
      e_.owner = next->op;  // that copy serves the next launch
      copy_weights(static_cast<size_t>(next->op), next->slice);
      e_.owner = static_cast<int>(index);
    }
    // An operation without a table may lend the LUT banks to its IFM or accumulators.
    if (op.activation.kind != ir::Activation::Kind::kLut && !arch::shram_keeps_luts(accelerator_)) {
      lut_slots_.fill(kNoTable);
      lut_slot_bytes_.fill(0);
    }
  }

  // Where depth slice `slice` of operation `index`'s weights lives in its buffer.
  uint64_t buffer_address(size_t index, int slice) const {
    const scheduler::WeightBuffer& buffer = plan_.ops[index].weight_buffer;
    const uint64_t half = buffer.double_buffered() ? static_cast<uint64_t>(buffer.half) : 0;
    return static_cast<uint64_t>(buffer.address) + static_cast<uint64_t>(slice % 2) * half;
  }

  // Starts the DMA of one depth slice of operation `index`'s weights into its buffer, once
  // (never for a buffer the previous operation filled with the same stream).
  void copy_weights(size_t index, int slice) {
    const scheduler::WeightBuffer& buffer = plan_.ops[index].weight_buffer;
    if (!buffer.enabled() || buffer.reuses_previous || !copied_.insert({index, slice}).second)
      return;
    const ConstantLayout::Stream& stream =
        constants_.op_slices[index].at(static_cast<size_t>(slice)).stream;
    start_dma(static_cast<int>(scheduler::Region::kFlash), static_cast<uint64_t>(stream.address),
              static_cast<int>(buffer.region), buffer_address(index, slice),
              static_cast<uint64_t>(stream.size));
  }

  bool raw_average(const ir::NpuOp& op) const {
    const arch::OperationKind& kind = arch::operation_kind(op.type);
    if (kind.kernel != arch::NpuKernel::kPooling || kind.pooling != npu::PoolingMode::kAverage ||
        op.explicit_scale)
      return false;
    const ir::NpuTensor& in = graph_.tensors[op.ifm.tensor];
    const ir::NpuTensor& out = graph_.tensors[op.ofm.tensor];
    return static_cast<float>(in.quant.scale) == static_cast<float>(out.quant.scale) &&
           in.quant.zero_point == out.quant.zero_point;
  }

  // `lut_slot`: where the operation's table is (kLut activations).
  void write_activation(const ir::NpuOp& op, const ir::NpuTensor& ofm, int lut_slot) {
    auto [lo, hi] = ir::integer_range(ofm.type);
    int32_t min = lo, max = hi;
    npu::Activation type = npu::Activation::kNone;
    switch (op.activation.kind) {
      case ir::Activation::Kind::kNone:
        break;
      case ir::Activation::Kind::kClamp:
        min = op.activation.min;
        max = op.activation.max;
        break;
      case ir::Activation::Kind::kTanh:
        type = npu::Activation::kTanh;
        break;
      case ir::Activation::Kind::kSigmoid:
        type = npu::Activation::kSigmoid;
        break;
      case ir::Activation::Kind::kLut:
        type =
            static_cast<npu::Activation>(static_cast<int>(npu::Activation::kLutStart) + lut_slot);
        min = op.activation.min;
        max = op.activation.max;
        break;
    }
    // The registers hold 16-bit values: int32 outputs clamp to the int16 range (as Vela does).
    min = std::max(min, -32768);
    max = std::min(max, 32767);
    // A table on an int32 OFM is indexed by the value clipped to int8 (its 256 entries): the
    // OFM zero point moves the value into that range (docs/npu_architecture.md §Activation LUTs).
    const npu::ClipRange clip =
        op.activation.kind == ir::Activation::Kind::kLut && ofm.type == ir::DataType::kInt32
            ? npu::ClipRange::kForceInt8
            : npu::ClipRange::kOfmPrecision;
    e_.set(npu::SetActivation{.type = type, .act_clip_range = clip});
    e_.set_signed(Opcode::kSetActivationMin, min);
    e_.set_signed(Opcode::kSetActivationMax, max);
  }

  // The IFM2 view when it is a tensor (not a scalar).
  std::optional<FeatureMapView> write_ifm2(const ir::NpuOp& op, const FeatureMapView& ifm) {
    const ir::NpuTensor& ifm2_t = graph_.tensors[op.ifm2.tensor];
    npu::SetIfm2Broadcast broadcast{.operand_order = op.reversed_operands};
    npu::SetIfm2Precision precision{.precision = ifm_precision(ifm2_t.type)};
    std::optional<FeatureMapView> tensor;
    if (op.ifm2_scalar) {
      broadcast.broadcast_scalar = true;
      if (is_signed(ifm2_t.type)) {
        e_.set_signed(Opcode::kSetIfm2ZeroPoint, ifm2_t.quant.zero_point);
        e_.set_signed(Opcode::kSetIfm2Scalar, *op.ifm2_scalar);
      } else {
        e_.set_unsigned(Opcode::kSetIfm2ZeroPoint, ifm2_t.quant.zero_point);
        e_.set_unsigned(Opcode::kSetIfm2Scalar, *op.ifm2_scalar);
      }
    } else {
      FeatureMapView ifm2 = view(op.ifm2, true);
      emit_feature_map(e_, FeatureMapRole::kIfm2, ifm2);
      precision.format = data_format(ifm2.layout);
      broadcast.broadcast_height = ifm2.shape.h != ifm.shape.h;
      broadcast.broadcast_width = ifm2.shape.w != ifm.shape.w;
      broadcast.broadcast_depth = ifm2.shape.c != ifm.shape.c;
      tensor = ifm2;
    }
    e_.set(precision);
    e_.set(broadcast);
    return tensor;
  }

  void launch(const ir::NpuOp& op) {
    const arch::OperationKind& kind = arch::operation_kind(op.type);
    switch (kind.kernel) {
      case arch::NpuKernel::kConvolution:
        e_.operation(Opcode::kOpConv);
        break;
      case arch::NpuKernel::kDepthwise:
        e_.operation(Opcode::kOpDepthwise);
        break;
      case arch::NpuKernel::kPooling:
        e_.operation(npu::OpPool{.mode = kind.pooling});
        break;
      case arch::NpuKernel::kElementwise:
        e_.operation(npu::OpElementwise{.mode = kind.elementwise});
        break;
      case arch::NpuKernel::kDma:
        throw Error(ErrorKind::kInternal, fmt::format("'{}' is not a block operation", op.name));
    }
  }

  Emitter& e_;
  const ir::NpuGraph& graph_;
  const scheduler::Plan& plan_;
  const ConstantLayout& constants_;
  const arch::AcceleratorConfig& accelerator_;
  int max_block_dependency_ = 3;
  std::optional<LaunchedKernel> previous_kernel_;  // the last kernel launched, for BLOCKDEP
  bool lut_loaded_ = false;                        // load_lut copied a table for this launch
  static constexpr int kShramDestination = -1;
  static constexpr int64_t kNoTable = -1;
  // The table (flash address and size) whose first slot each LUT slot is, else kNoTable.
  std::array<int64_t, arch::kLutSlots> lut_slots_{};
  std::array<int64_t, arch::kLutSlots> lut_slot_bytes_{};
  int next_lut_slot_ = 0;
  SyncTracker sync_;
  std::set<std::pair<size_t, int>> copied_;  // (operation, depth slice) weight copies issued
  std::set<int> staged_;                     // staged inputs copied
  std::map<int, int> io_region_;             // --separate-io-regions: tensor -> its region
};

}  // namespace

std::vector<uint32_t> generate_command_stream(const ir::NpuGraph& graph,
                                              const scheduler::Plan& plan,
                                              const ConstantLayout& constants,
                                              const arch::SystemConfig& system,
                                              std::vector<StreamLaunch>* launches,
                                              bool separate_io_regions, int max_block_dependency) {
  Emitter e;
  if (arch::sets_parallel_mode(system.accelerator_config())) {
    e.set_unsigned(Opcode::kSetParallelMode, system.accelerator_config().cores - 1);
  }
  OperationWriter writer(e, graph, plan, constants, system.accelerator_config(),
                         separate_io_regions, max_block_dependency);
  std::vector<scheduler::Pass> passes = plan.passes;
  if (passes.empty()) {
    for (size_t i = 0; i < graph.ops.size(); ++i) {
      const ir::Shape4& ofm = graph.ops[i].ofm.shape;
      passes.push_back({static_cast<int>(i), 0, ofm.n * ofm.h});
    }
  }
  for (size_t k = 0; k < passes.size(); ++k) {
    std::optional<scheduler::Pass> next;
    if (k + 1 < passes.size())
      next = passes[k + 1];
    writer.write(passes[k], next);
  }
  e.operation(Opcode::kOpStop, kStopMask);
  if (launches != nullptr) {
    launches->clear();
    for (const Emitter::Launch& l : e.launches())
      launches->push_back({l.byte_offset, l.owner});
  }
  if (e.byte_offset() >= kMaxStreamBytes) {
    throw_input(fmt::format("the command stream is {} bytes, above the 16 MiB hardware limit",
                            e.byte_offset()));
  }
  return e.words();
}

}  // namespace euc::codegen

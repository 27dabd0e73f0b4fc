#include "npu/operation.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "npu/kernel_stride.hpp"

namespace euc::npu {
namespace {

// Hardware upscaling doubles the IFM in both dimensions (Vela's architecture_allocator:
// to_upscale gives 2 for every mode but NONE).
constexpr int kUpscaleFactor = 2;
// NHCWB16 stores channels in bricks of 16 (docs/npu_architecture.md §Feature maps and regions).
constexpr int kBrickDepth = 16;
// NPU_SET_ACTIVATION types 16-23 select LUT slot 0-7.
constexpr uint32_t kLutFirst = static_cast<uint32_t>(Activation::kLutStart);
// NPU_OP_DMA_START param = channel * 16 + mode (Vela register_command_stream_generator).
constexpr int kDmaChannelShift = 4;

int32_t sign_extend16(uint16_t value) {
  return static_cast<int16_t>(value);
}

// Reads registers for one launch and remembers which of them were never written.
class Reader {
 public:
  Reader(const RegisterFile& registers, const DecodedCommand& launch)
      : regs_(registers), launch_(launch) {}

  // Reads without counting the register as needed (for registers with a meaningful default).
  uint16_t peek_param(Opcode op) const { return regs_.param(op); }
  uint16_t param(Opcode op) {
    note(op);
    return regs_.param(op);
  }
  uint32_t payload(Opcode op) {
    note(op);
    return regs_.payload(op);
  }
  uint64_t address(Opcode op) {
    note(op);
    return regs_.address(op);
  }
  int plus_one(Opcode op) { return static_cast<int>(param(op)) + 1; }

  // A value field; for an enumerated field the value must be one the enumeration defines.
  uint32_t field(Opcode op, std::string_view name) {
    note(op);
    const Command command = regs_.command(op);
    const FieldInfo* info = command.info().find_field(name);
    if (info == nullptr) {
      throw Error(ErrorKind::kInternal,
                  fmt::format("npu: {} has no field '{}'", command.info().name, name));
    }
    const uint32_t value = field_value(command, *info);
    if (info->enumeration != nullptr && !describe_enum_value(*info->enumeration, value)) {
      fail(fmt::format("{} {} = {} is not a value of {}", command.info().name, name, value,
                       info->enumeration->name));
    }
    return value;
  }
  template <typename E>
  E enum_field(Opcode op, std::string_view name) {
    return static_cast<E>(field(op, name));
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw_input(fmt::format("command stream byte offset {:#x}: {} launched with {}",
                            launch_.byte_offset, opcode_name(launch_.command.opcode), what));
  }

  std::vector<Opcode> unset() {
    std::sort(unset_.begin(), unset_.end());
    unset_.erase(std::unique(unset_.begin(), unset_.end()), unset_.end());
    return unset_;
  }

 private:
  void note(Opcode op) {
    if (!regs_.is_set(op))
      unset_.push_back(op);
  }

  const RegisterFile& regs_;
  const DecodedCommand& launch_;
  std::vector<Opcode> unset_;
};

ElementType ifm_element_type(uint32_t precision) {
  // ifm_precision: bit 0 signed, bits 2-3 width code (U8 0, S8 1, U16 4, S16 5, S32 9).
  return ElementType{8 << ((precision >> 2) & 3), (precision & 1) != 0};
}

ElementType ofm_element_type(uint32_t precision) {
  // ofm_precision: bit 0 signed, bits 1-2 width code (U8 0, S8 1, U16 2, S16 3, S32 5).
  return ElementType{8 << ((precision >> 1) & 3), (precision & 1) != 0};
}

int32_t extend(uint16_t value, const ElementType& type) {
  return type.is_signed ? sign_extend16(value) : static_cast<int32_t>(value);
}

struct FeatureMapRegisters {
  Opcode region, base0, base1, base2, base3, height0, height1, width0;
  Opcode stride_x, stride_y, stride_c, zero_point;
};

constexpr FeatureMapRegisters kIfmRegisters{
    Opcode::kSetIfmRegion,    Opcode::kSetIfmBase0,    Opcode::kSetIfmBase1,
    Opcode::kSetIfmBase2,     Opcode::kSetIfmBase3,    Opcode::kSetIfmHeight0M1,
    Opcode::kSetIfmHeight1M1, Opcode::kSetIfmWidth0M1, Opcode::kSetIfmStrideX,
    Opcode::kSetIfmStrideY,   Opcode::kSetIfmStrideC,  Opcode::kSetIfmZeroPoint};
constexpr FeatureMapRegisters kIfm2Registers{
    Opcode::kSetIfm2Region,    Opcode::kSetIfm2Base0,    Opcode::kSetIfm2Base1,
    Opcode::kSetIfm2Base2,     Opcode::kSetIfm2Base3,    Opcode::kSetIfm2Height0M1,
    Opcode::kSetIfm2Height1M1, Opcode::kSetIfm2Width0M1, Opcode::kSetIfm2StrideX,
    Opcode::kSetIfm2StrideY,   Opcode::kSetIfm2StrideC,  Opcode::kSetIfm2ZeroPoint};
constexpr FeatureMapRegisters kOfmRegisters{
    Opcode::kSetOfmRegion,    Opcode::kSetOfmBase0,    Opcode::kSetOfmBase1,
    Opcode::kSetOfmBase2,     Opcode::kSetOfmBase3,    Opcode::kSetOfmHeight0M1,
    Opcode::kSetOfmHeight1M1, Opcode::kSetOfmWidth0M1, Opcode::kSetOfmStrideX,
    Opcode::kSetOfmStrideY,   Opcode::kSetOfmStrideC,  Opcode::kSetOfmZeroPoint};

// The memory description of a feature map; the shape must already be known so that only the
// tiles the shape reaches count as read.
void read_memory(Reader& r, const FeatureMapRegisters& regs, FeatureMap& fm) {
  fm.region = r.param(regs.region);
  fm.height0 = r.plus_one(regs.height0);
  fm.height1 = r.plus_one(regs.height1);
  fm.width0 = r.plus_one(regs.width0);
  fm.base[0] = r.address(regs.base0);
  const bool right = fm.shape.width > fm.width0;
  if (right)
    fm.base[1] = r.address(regs.base1);
  if (fm.shape.height > fm.height0)
    fm.base[2] = r.address(regs.base2);
  if (right && fm.shape.height > fm.height1)
    fm.base[3] = r.address(regs.base3);
  fm.stride_x = signed_stride(r.address(regs.stride_x));
  fm.stride_y = signed_stride(r.address(regs.stride_y));
  fm.stride_c = signed_stride(r.address(regs.stride_c));
}

Kernel read_kernel(Reader& r) {
  const KernelStride ks = decode_kernel_stride(r.param(Opcode::kSetKernelStride));
  Kernel k;
  k.stride_x = ks.stride_x;
  k.stride_y = ks.stride_y;
  k.dilation_x = ks.dilation_x;
  k.dilation_y = ks.dilation_y;
  k.part_kernel_first = ks.part_kernel_first;
  // The registers hold dilation * (size - 1) (Vela register_command_stream_generator,
  // generate_kernel).
  k.width = r.param(Opcode::kSetKernelWidthM1) / k.dilation_x + 1;
  k.height = r.param(Opcode::kSetKernelHeightM1) / k.dilation_y + 1;
  return k;
}

Padding read_padding(Reader& r) {
  Padding p;
  p.top = r.param(Opcode::kSetIfmPadTop);
  p.left = r.param(Opcode::kSetIfmPadLeft);
  p.bottom = r.param(Opcode::kSetIfmPadBottom);
  p.right = r.param(Opcode::kSetIfmPadRight);
  return p;
}

AddressRange read_range(Reader& r, Opcode region, Opcode base, Opcode length) {
  AddressRange range;
  range.region = r.param(region);
  range.address = r.address(base);
  range.length = r.payload(length);
  return range;
}

ActivationSetting read_activation(Reader& r) {
  ActivationSetting a;
  const uint32_t type = r.field(Opcode::kSetActivation, "type");
  switch (static_cast<Activation>(type)) {
    case Activation::kNone:
      a.function = ActivationFunction::kNone;
      break;
    case Activation::kTanh:
      a.function = ActivationFunction::kTanh;
      break;
    case Activation::kSigmoid:
      a.function = ActivationFunction::kSigmoid;
      break;
    default:  // the field check admitted only LUT_START..LUT_END here
      a.function = ActivationFunction::kTableLookup;
      a.lut_slot = static_cast<int>(type - kLutFirst);
      break;
  }
  a.clip = r.enum_field<ClipRange>(Opcode::kSetActivation, "act_clip_range");
  a.min = sign_extend16(r.param(Opcode::kSetActivationMin));
  a.max = sign_extend16(r.param(Opcode::kSetActivationMax));
  return a;
}

bool is_unary(ElementwiseMode mode) {
  // Vela register_command_stream_util.UNARY_ELEMWISE_OPS.
  return mode == ElementwiseMode::kAbs || mode == ElementwiseMode::kLrelu ||
         mode == ElementwiseMode::kClz;
}

BlockOperation read_block(Reader& r, OperationKind kind, uint16_t op_param) {
  BlockOperation b;
  if (kind == OperationKind::kPool) {
    const FieldInfo* mode = command_info(Opcode::kOpPool).find_field("mode");
    if (!describe_enum_value(*mode->enumeration, op_param))
      r.fail(fmt::format("pooling mode {}", op_param));
    b.pooling_mode = static_cast<PoolingMode>(op_param);
  } else if (kind == OperationKind::kElementwise) {
    const FieldInfo* mode = command_info(Opcode::kOpElementwise).find_field("mode");
    if (!describe_enum_value(*mode->enumeration, op_param))
      r.fail(fmt::format("elementwise mode {}", op_param));
    b.elementwise_mode = static_cast<ElementwiseMode>(op_param);
  }
  const bool elementwise = kind == OperationKind::kElementwise;
  const bool has_weights = kind == OperationKind::kConv || kind == OperationKind::kDepthwise;

  // PARALLEL_MODE is written only by U65 streams (docs/npu_architecture.md §Command stream);
  // unwritten means one core, so it does not count as a missing register.
  const uint16_t parallel_mode = r.peek_param(Opcode::kSetParallelMode);
  if (parallel_mode > 1)
    r.fail(fmt::format("PARALLEL_MODE {} (at most 2 cores exist)", parallel_mode));
  b.cores = parallel_mode + 1;

  // OFM
  b.ofm.shape = Shape3D{r.plus_one(Opcode::kSetOfmHeightM1), r.plus_one(Opcode::kSetOfmWidthM1),
                        r.plus_one(Opcode::kSetOfmDepthM1)};
  const uint32_t ofm_precision = r.field(Opcode::kSetOfmPrecision, "precision");
  b.ofm.type = ofm_element_type(ofm_precision);
  b.ofm.format = r.enum_field<DataFormat>(Opcode::kSetOfmPrecision, "format");
  b.ofm_global_scale = r.field(Opcode::kSetOfmPrecision, "scaling") != 0;
  b.ofm_rounding = r.enum_field<Rounding>(Opcode::kSetOfmPrecision, "rounding");
  b.ofm.zero_point = extend(r.param(Opcode::kSetOfmZeroPoint), b.ofm.type);
  read_memory(r, kOfmRegisters, b.ofm);

  // IFM
  b.ifm.type = ifm_element_type(r.field(Opcode::kSetIfmPrecision, "precision"));
  b.ifm.format = r.enum_field<DataFormat>(Opcode::kSetIfmPrecision, "format");
  b.ifm_scale_mode = r.enum_field<IfmScaleMode>(Opcode::kSetIfmPrecision, "scale_mode");
  b.ifm_round_mode = r.enum_field<Rounding>(Opcode::kSetIfmPrecision, "round_mode");
  b.ifm.zero_point = extend(r.param(Opcode::kSetIfmZeroPoint), b.ifm.type);
  b.upscale = r.enum_field<ResamplingMode>(Opcode::kSetIfmUpscale, "mode");
  const int ifm_depth = r.plus_one(Opcode::kSetIfmDepthM1);
  if (elementwise) {
    // Elementwise operations write no kernel or padding registers; the IFM is read 1:1.
    b.ifm.shape = Shape3D{b.ofm.shape.height, b.ofm.shape.width, ifm_depth};
  } else {
    b.kernel = read_kernel(r);
    b.padding = read_padding(r);
    b.ifm.shape = derive_ifm_shape(b.ofm.shape, *b.kernel, *b.padding, b.upscale, ifm_depth);
  }
  read_memory(r, kIfmRegisters, b.ifm);

  // Weights and scales, per core.
  if (has_weights) {
    b.weights.push_back(
        read_range(r, Opcode::kSetWeightRegion, Opcode::kSetWeightBase, Opcode::kSetWeightLength));
    b.scales.push_back(
        read_range(r, Opcode::kSetScaleRegion, Opcode::kSetScaleBase, Opcode::kSetScaleLength));
    if (b.cores == 2) {
      b.weights.push_back(read_range(r, Opcode::kSetWeightRegion, Opcode::kSetWeight1Base,
                                     Opcode::kSetWeight1Length));
      b.scales.push_back(
          read_range(r, Opcode::kSetScaleRegion, Opcode::kSetScale1Base, Opcode::kSetScale1Length));
    }
  }

  b.activation = read_activation(r);
  if (b.ofm_global_scale) {
    b.ofm_scale =
        Scale{r.payload(Opcode::kSetOfmScale), static_cast<int>(r.param(Opcode::kSetOfmScale))};
  }
  if (elementwise && (b.elementwise_mode == ElementwiseMode::kAdd ||
                      b.elementwise_mode == ElementwiseMode::kSub)) {
    b.opa_scale =
        Scale{r.payload(Opcode::kSetOpaScale), static_cast<int>(r.param(Opcode::kSetOpaScale))};
    b.opb_scale = r.payload(Opcode::kSetOpbScale);
  }

  b.acc_format = r.enum_field<AccFormat>(Opcode::kSetAccFormat, "param");
  b.block_config =
      BlockConfig{r.plus_one(Opcode::kSetOfmBlkWidthM1), r.plus_one(Opcode::kSetOfmBlkHeightM1),
                  r.plus_one(Opcode::kSetOfmBlkDepthM1)};
  b.shram.ifm_ib_end = r.param(Opcode::kSetIfmIbEnd);
  b.shram.ab_start = r.param(Opcode::kSetAbStart);
  b.blockdep = r.param(Opcode::kSetBlockdep);

  if (elementwise && !is_unary(b.elementwise_mode)) {
    Ifm2Setting s;
    s.broadcast_height = r.field(Opcode::kSetIfm2Broadcast, "broadcast_height") != 0;
    s.broadcast_width = r.field(Opcode::kSetIfm2Broadcast, "broadcast_width") != 0;
    s.broadcast_depth = r.field(Opcode::kSetIfm2Broadcast, "broadcast_depth") != 0;
    s.reversed_operands = r.field(Opcode::kSetIfm2Broadcast, "operand_order") != 0;
    s.is_scalar = r.field(Opcode::kSetIfm2Broadcast, "broadcast_scalar") != 0;

    FeatureMap ifm2;
    ifm2.type = ifm_element_type(r.field(Opcode::kSetIfm2Precision, "precision"));
    ifm2.format = r.enum_field<DataFormat>(Opcode::kSetIfm2Precision, "format");
    ifm2.zero_point = extend(r.param(Opcode::kSetIfm2ZeroPoint), ifm2.type);
    if (s.is_scalar) {
      s.scalar_value = extend(r.param(Opcode::kSetIfm2Scalar), ifm2.type);
      ifm2.shape = Shape3D{1, 1, 1};
    } else {
      // IFM2 has no size registers: it is the OFM's size, 1 where broadcast.
      ifm2.shape = Shape3D{s.broadcast_height ? 1 : b.ofm.shape.height,
                           s.broadcast_width ? 1 : b.ofm.shape.width,
                           s.broadcast_depth ? 1 : b.ofm.shape.depth};
      read_memory(r, kIfm2Registers, ifm2);
      b.shram.ifm2_ib_start = r.param(Opcode::kSetIfm2IbStart);
    }
    b.ifm2 = ifm2;
    b.ifm2_setting = s;
  }
  return b;
}

DmaEndpoint read_endpoint(Reader& r, Opcode region, Opcode address) {
  DmaEndpoint e;
  e.region = static_cast<int>(r.field(region, "region"));
  e.internal = r.field(region, "internal") != 0;
  e.stride_mode = r.enum_field<StrideMode>(region, "stride_mode");
  e.address = r.address(address);
  return e;
}

DmaOperation read_dma(Reader& r, uint16_t op_param) {
  DmaOperation d;
  d.channel = op_param >> kDmaChannelShift;
  d.mode = op_param & ((1 << kDmaChannelShift) - 1);
  d.source = read_endpoint(r, Opcode::kSetDma0SrcRegion, Opcode::kSetDma0Src);
  d.destination = read_endpoint(r, Opcode::kSetDma0DstRegion, Opcode::kSetDma0Dst);
  d.length = r.address(Opcode::kSetDma0Len);
  const bool strided = d.source.stride_mode != StrideMode::kStrideMode1d ||
                       d.destination.stride_mode != StrideMode::kStrideMode1d;
  if (strided) {
    d.size0 = r.param(Opcode::kSetDma0Size0);
    d.size1 = r.param(Opcode::kSetDma0Size1);
    d.skip0 = r.address(Opcode::kSetDma0Skip0);
    d.skip1 = r.address(Opcode::kSetDma0Skip1);
  }
  return d;
}

}  // namespace

std::string_view operation_kind_name(OperationKind kind) {
  switch (kind) {
    case OperationKind::kConv:
      return "CONV";
    case OperationKind::kDepthwise:
      return "DEPTHWISE";
    case OperationKind::kPool:
      return "POOL";
    case OperationKind::kElementwise:
      return "ELEMENTWISE";
    case OperationKind::kDma:
      return "DMA";
  }
  return "unknown";
}

std::optional<OperationKind> launched_kind(Opcode op) {
  switch (op) {
    case Opcode::kOpConv:
      return OperationKind::kConv;
    case Opcode::kOpDepthwise:
      return OperationKind::kDepthwise;
    case Opcode::kOpPool:
      return OperationKind::kPool;
    case Opcode::kOpElementwise:
      return OperationKind::kElementwise;
    case Opcode::kOpDmaStart:
      return OperationKind::kDma;
    default:
      return std::nullopt;
  }
}

std::string_view ElementType::name() const {
  switch (bits) {
    case 8:
      return is_signed ? "int8" : "uint8";
    case 16:
      return is_signed ? "int16" : "uint16";
    case 32:
      return is_signed ? "int32" : "uint32";
    default:
      return is_signed ? "int64" : "uint64";
  }
}

int tile_index(const FeatureMap& fm, int y, int x) {
  if (x >= fm.width0)
    return y >= fm.height1 ? 3 : 1;
  return y >= fm.height0 ? 2 : 0;
}

int64_t signed_stride(uint64_t register_value) {
  constexpr int kBits = 40;
  const uint64_t value = register_value & ((uint64_t{1} << kBits) - 1);
  const uint64_t sign = uint64_t{1} << (kBits - 1);
  return static_cast<int64_t>(value ^ sign) - static_cast<int64_t>(sign);
}

uint64_t element_address(const FeatureMap& fm, int y, int x, int c) {
  const int tile = tile_index(fm, y, x);
  if (tile == 1 || tile == 3)
    x -= fm.width0;
  if (tile == 2)
    y -= fm.height0;
  if (tile == 3)
    y -= fm.height1;
  const int64_t size = fm.type.bytes();
  int64_t offset = int64_t{y} * fm.stride_y;
  if (fm.format == DataFormat::kNhcwb16)
    offset += int64_t{x} * kBrickDepth * size + (c / kBrickDepth) * fm.stride_c +
              (c % kBrickDepth) * size;
  else
    offset += int64_t{x} * fm.stride_x + int64_t{c} * size;
  // Two's complement wrap: a negative total becomes an address past every region's end.
  return fm.base[static_cast<std::size_t>(tile)] + static_cast<uint64_t>(offset);
}

std::string_view activation_function_name(ActivationFunction function) {
  switch (function) {
    case ActivationFunction::kNone:
      return "NONE";
    case ActivationFunction::kTanh:
      return "TANH";
    case ActivationFunction::kSigmoid:
      return "SIGMOID";
    case ActivationFunction::kTableLookup:
      return "LUT";
  }
  return "unknown";
}

Shape3D derive_ifm_shape(const Shape3D& ofm, const Kernel& kernel, const Padding& padding,
                         ResamplingMode upscale, int ifm_depth) {
  const int64_t factor = upscale == ResamplingMode::kNone ? 1 : kUpscaleFactor;
  auto extent = [factor](int64_t out, int64_t stride, int64_t dilated_kernel, int64_t before,
                         int64_t after) {
    const int64_t needed = (out - 1) * stride + dilated_kernel - before - after;
    if (needed <= 0)
      return 0;
    return static_cast<int>((needed + factor - 1) / factor);
  };
  Shape3D ifm;
  ifm.height =
      extent(ofm.height, kernel.stride_y, kernel.dilated_height(), padding.top, padding.bottom);
  ifm.width =
      extent(ofm.width, kernel.stride_x, kernel.dilated_width(), padding.left, padding.right);
  ifm.depth = ifm_depth;
  return ifm;
}

NpuOperation read_operation(const RegisterFile& registers, const DecodedCommand& launch,
                            std::size_t command_index) {
  const std::optional<OperationKind> kind = launched_kind(launch.command.opcode);
  if (!kind) {
    throw Error(ErrorKind::kInternal,
                fmt::format("npu: {} launches no operation", opcode_name(launch.command.opcode)));
  }
  NpuOperation op;
  op.kind = *kind;
  op.command_index = command_index;
  op.byte_offset = launch.byte_offset;
  Reader reader(registers, launch);
  if (*kind == OperationKind::kDma) {
    op.dma = read_dma(reader, launch.command.param);
  } else {
    op.block = read_block(reader, *kind, launch.command.param);
  }
  op.unset_registers = reader.unset();
  return op;
}

std::vector<NpuOperation> extract_operations(std::span<const DecodedCommand> commands) {
  std::vector<NpuOperation> operations;
  RegisterFile registers;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const DecodedCommand& decoded = commands[i];
    if (launched_kind(decoded.command.opcode)) {
      operations.push_back(read_operation(registers, decoded, i));
    } else {
      registers.apply(decoded.command);
    }
  }
  return operations;
}

}  // namespace euc::npu

#pragma once
// What the NPU executes when a command stream launches an operation: every NPU_OP_CONV,
// NPU_OP_DEPTHWISE, NPU_OP_POOL, NPU_OP_ELEMENTWISE and NPU_OP_DMA_START reads the registers
// written before it (register_file.hpp). NpuOperation is that reading, typed and complete: the
// disassembler prints it and the functional simulator executes it.
//
// Field meanings follow reference/ethos_u55_command_facts.txt (bit layouts, enumerations) and
// docs/npu_architecture.md §Command stream (encodings); where those leave a meaning open, Vela's
// register command stream generator was read for the fact (cited at the field).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ir/geometry.hpp"
#include "npu/command.hpp"
#include "npu/register_file.hpp"

namespace euc::npu {

enum class OperationKind : uint8_t { kConv, kDepthwise, kPool, kElementwise, kDma };
std::string_view operation_kind_name(OperationKind kind);  // "CONV", "DEPTHWISE", ...

// The operation an opcode launches; nullopt for the other NPU_OP_* commands (STOP, IRQ, the
// waits, PMU_MASK) and for register writes.
std::optional<OperationKind> launched_kind(Opcode op);

// Element type from a precision register: IFM/IFM2 precision bit 0 signed, bits 2-3 width
// (0 = 8, 1 = 16, 2 = 32 bits); OFM precision bit 0 signed, bits 1-2 width.
struct ElementType {
  int bits = 8;
  bool is_signed = true;

  int bytes() const { return bits / 8; }
  std::string_view name() const;  // "int8", "uint8", "int16", "uint16", "int32", "uint32"
  friend bool operator==(const ElementType&, const ElementType&) = default;
};

struct Shape3D {
  int height = 0;
  int width = 0;
  int depth = 0;
  int64_t elements() const { return int64_t{height} * width * depth; }
  friend bool operator==(const Shape3D&, const Shape3D&) = default;
};

// A feature map in NPU memory. Up to four tiles, each with its own base address, implement
// rolling buffers and split feature maps: tile 0 is the top-left one, tile 1 lies right of
// column width0 (rows below height1 belong to tile 3), tile 2 lies below row height0 left of
// column width0 (Vela's register_command_stream_util.get_address).
struct FeatureMap {
  int region = 0;                  // base-pointer index: 0 flash, 1 scratch, 2 scratch_fast
  std::array<uint64_t, 4> base{};  // 40-bit tile base addresses within the region
  int height0 = 1;                 // rows of tile 0 (HEIGHT0_M1 + 1)
  int height1 = 1;                 // rows of tile 1 (HEIGHT1_M1 + 1)
  int width0 = 1;                  // columns of tiles 0 and 2 (WIDTH0_M1 + 1)
  Shape3D shape;                   // the IFM's is derived, see derive_ifm_shape
  // Byte strides as written, 40-bit two's complement (Vela 5.1 writes a negative OFM stride to
  // store an axis reversed: REVERSE_V2, MIRROR_PAD); element_address uses stride_x only for
  // NHWC (NHCWB16 columns are 16 elements apart) and stride_c only for NHCWB16 (NHWC channels
  // are adjacent), as Vela's get_address does (docs/npu_architecture.md §Feature maps and
  // regions).
  int64_t stride_x = 0;  // between columns
  int64_t stride_y = 0;  // between rows
  int64_t stride_c = 0;  // between 16-channel bricks
  ElementType type;
  DataFormat format = DataFormat::kNhwc;
  // The 16-bit register, sign-extended for signed element types and zero-extended for
  // unsigned ones (Vela masks the zero point to 16 bits; the facts give no extension rule).
  int32_t zero_point = 0;

  friend bool operator==(const FeatureMap&, const FeatureMap&) = default;
};

// Byte address (within the feature map's region) of element (y, x, c): the tile holding it,
// then y * stride_y, and for NHWC x * stride_x + c * element size, for NHCWB16
// x * 16 * element size + (c / 16) * stride_c + (c % 16) * element size. An address below 0
// (a negative stride walking past the region start) wraps to a huge value, which every range
// check rejects.
uint64_t element_address(const FeatureMap& fm, int y, int x, int c);
// A 40-bit stride register ((param << 32) | payload) as a signed value.
int64_t signed_stride(uint64_t register_value);
// Which of the four tiles holds row y, column x.
int tile_index(const FeatureMap& fm, int y, int x);

// The kernel window (width and height undilated; the registers hold dilation * (size - 1)) and
// the weight traversal the KERNEL_STRIDE register selects.
struct Kernel : ir::Kernel {
  bool part_kernel_first = false;  // depth first otherwise
  friend bool operator==(const Kernel&, const Kernel&) = default;
};

using ir::Padding;

struct AddressRange {
  int region = 0;
  uint64_t address = 0;
  uint64_t length = 0;
  friend bool operator==(const AddressRange&, const AddressRange&) = default;
};

// NPU_SET_ACTIVATION type: 0 none (the min/max clamp alone, which also implements ReLU), 3 tanh,
// 4 sigmoid, 16 + i table lookup in LUT slot i.
enum class ActivationFunction : uint8_t { kNone, kTanh, kSigmoid, kTableLookup };
std::string_view activation_function_name(ActivationFunction function);

struct ActivationSetting {
  ActivationFunction function = ActivationFunction::kNone;
  int lut_slot = 0;  // 0-7, for kTableLookup
  // act_clip_range: OFM_PRECISION clips to the OFM type; Vela forces an int8 clip (3) for LUT
  // activations with int32 OFMs.
  ClipRange clip = ClipRange::kOfmPrecision;
  int32_t min = 0;  // ACTIVATION_MIN / MAX, sign-extended 16-bit, in OFM quantised units
  int32_t max = 0;
  friend bool operator==(const ActivationSetting&, const ActivationSetting&) = default;
};

// A fixed-point scale: value * multiplier >> shift.
struct Scale {
  uint32_t multiplier = 0;  // the cmd1 payload
  int shift = 0;            // the cmd1 parameter (OFM_SCALE, OPA_SCALE); OPB_SCALE has none
  friend bool operator==(const Scale&, const Scale&) = default;
};

struct BlockConfig {
  int width = 1;  // OFM_BLK_WIDTH_M1 + 1
  int height = 1;
  int depth = 1;
  friend bool operator==(const BlockConfig&, const BlockConfig&) = default;
};

// SHRAM layout registers, in the hardware's units (raw register values).
struct ShramLayout {
  int ifm_ib_end = 0;     // IFM_IB_END
  int ifm2_ib_start = 0;  // IFM2_IB_START (binary elementwise with a tensor IFM2)
  int ab_start = 0;       // AB_START
  friend bool operator==(const ShramLayout&, const ShramLayout&) = default;
};

// NPU_SET_IFM2_BROADCAST and the scalar of a binary elementwise operation.
struct Ifm2Setting {
  bool broadcast_height = false;
  bool broadcast_width = false;
  bool broadcast_depth = false;
  bool reversed_operands = false;  // operand_order: IFM2 is the first operand
  bool is_scalar = false;          // broadcast_scalar: IFM2 is scalar_value, no memory read
  int32_t scalar_value = 0;        // IFM2_SCALAR, extended like a zero point
  friend bool operator==(const Ifm2Setting&, const Ifm2Setting&) = default;
};

// CONV, DEPTHWISE, POOL and ELEMENTWISE: an OFM computed from an IFM (and IFM2).
struct BlockOperation {
  PoolingMode pooling_mode = PoolingMode::kMax;              // kPool only
  ElementwiseMode elementwise_mode = ElementwiseMode::kAdd;  // kElementwise only

  // The IFM's height and width are not registers (the U55 has none): they are the extent the
  // kernel reads, derived from the OFM size, kernel, stride, dilation, padding and upscaling.
  // Its depth is IFM_DEPTH_M1 + 1.
  FeatureMap ifm;
  // Binary elementwise operations. Its shape is the OFM's with broadcast dimensions 1 (1x1x1 for
  // a scalar, whose memory fields are then unused).
  std::optional<FeatureMap> ifm2;
  FeatureMap ofm;  // shape from OFM_HEIGHT/WIDTH/DEPTH_M1

  IfmScaleMode ifm_scale_mode = IfmScaleMode::kScale16bit;  // which operand gets a 32-bit scale
  Rounding ifm_round_mode = Rounding::kTfl;
  bool ofm_global_scale = false;  // OFM_PRECISION scaling: OFM_SCALE instead of per-channel
  Rounding ofm_rounding = Rounding::kTfl;

  std::optional<Kernel> kernel;    // all but elementwise (which do not write the registers)
  std::optional<Padding> padding;  // likewise
  ResamplingMode upscale = ResamplingMode::kNone;  // IFM upscaling, x2 when not kNone

  // One range per core in use (PARALLEL_MODE + 1); CONV and DEPTHWISE only.
  std::vector<AddressRange> weights;
  std::vector<AddressRange> scales;

  ActivationSetting activation;
  std::optional<Scale> ofm_scale;  // when ofm_global_scale
  // Elementwise ADD and SUB: operand scales (Vela writes both for every ADD/SUB).
  std::optional<Scale> opa_scale;
  std::optional<uint32_t> opb_scale;
  std::optional<Ifm2Setting> ifm2_setting;  // binary elementwise

  AccFormat acc_format = AccFormat::kInt32bit;
  BlockConfig block_config;
  ShramLayout shram;
  int blockdep = 0;  // OFM blocks of the previous operation that may still be outstanding
  int cores = 1;     // PARALLEL_MODE + 1 (U65-512 runs two)

  friend bool operator==(const BlockOperation&, const BlockOperation&) = default;
};

// DMA source or destination: region, with `internal` set for the NPU's SHRAM (Vela writes the
// LUT DMA destination as region 0x103: region 3, internal), and the stride mode.
struct DmaEndpoint {
  int region = 0;
  bool internal = false;
  StrideMode stride_mode = StrideMode::kStrideMode1d;
  uint64_t address = 0;
  friend bool operator==(const DmaEndpoint&, const DmaEndpoint&) = default;
};

struct DmaOperation {
  int channel = 0;  // NPU_OP_DMA_START param = channel * 16 + mode (Vela: channel 0, mode 0)
  int mode = 0;
  DmaEndpoint source;
  DmaEndpoint destination;
  uint64_t length = 0;  // DMA0_LEN, bytes
  // 2D/3D stride modes only.
  int size0 = 0;
  int size1 = 0;
  uint64_t skip0 = 0;
  uint64_t skip1 = 0;
  friend bool operator==(const DmaOperation&, const DmaOperation&) = default;
};

struct NpuOperation {
  OperationKind kind = OperationKind::kConv;
  std::size_t command_index = 0;        // of the launching NPU_OP_* command in the stream
  std::size_t byte_offset = 0;          // likewise, in the command stream
  std::optional<BlockOperation> block;  // set for all kinds but kDma
  std::optional<DmaOperation> dma;      // set for kDma
  // Registers the operation reads that no command wrote before it, in opcode order.
  std::vector<Opcode> unset_registers;

  friend bool operator==(const NpuOperation&, const NpuOperation&) = default;
};

// The IFM extent the kernel reads: (ofm - 1) * stride + dilated kernel - padding before and
// after, divided by the upscaling factor (2 for nearest and transpose upscaling) and rounded up;
// never negative.
Shape3D derive_ifm_shape(const Shape3D& ofm, const Kernel& kernel, const Padding& padding,
                         ResamplingMode upscale, int ifm_depth);

// The operation `launch` starts given the registers written before it. Throws an input error
// naming the byte offset when a register holds a value its enumeration does not define.
// `launch` must be an operation launch (launched_kind has a value).
NpuOperation read_operation(const RegisterFile& registers, const DecodedCommand& launch,
                            std::size_t command_index);

// Applies the commands in order and reads every launched operation.
std::vector<NpuOperation> extract_operations(std::span<const DecodedCommand> commands);

}  // namespace euc::npu

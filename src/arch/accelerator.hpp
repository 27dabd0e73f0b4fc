#pragma once
// The Ethos-U accelerator configurations euc targets and their fixed hardware facts.
// Every number here is a hardware property of one configuration; the scheduler and code
// generator read them from this table instead of asking "which NPU?".
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "npu/product.hpp"

namespace euc::arch {

using npu::NpuProduct;

enum class Accelerator {
  kEthosU55_32,
  kEthosU55_64,
  kEthosU55_128,
  kEthosU55_256,
  kEthosU65_256,
  kEthosU65_512,
};

// A block of width x height x depth elements (micro-blocks, OFM block limits).
struct BlockShape {
  int width = 0;
  int height = 0;
  int depth = 0;
  friend bool operator==(const BlockShape&, const BlockShape&) = default;
};

// SHRAM bank granules: an area's bank count is rounded up to a multiple of these, per element
// kind the area holds (IFM at 8/16/32 bits, elementwise IFM, accumulators at 16/32/40 bits).
struct ShramGranules {
  int ifm8 = 0;
  int ifm16 = 0;
  int ifm8_elementwise = 0;
  int ifm16_elementwise = 0;
  int ifm32 = 0;
  int acc16 = 0;
  int acc32 = 0;
  int acc40 = 0;
  friend bool operator==(const ShramGranules&, const ShramGranules&) = default;
};

struct AcceleratorConfig {
  Accelerator accelerator;
  std::string_view name;  // as the command line spells it, e.g. "ethos-u55-256"
  int macs;               // MACs per cycle of one core
  int cores;              // ethos-u65-512 is two 256-MAC cores
  BlockShape ofm_ublock;  // OFM micro-block: OFM blocks are multiples of it
  BlockShape ifm_ublock;
  int shram_banks;  // per core, each kShramBankBytes
  ShramGranules shram_granules;
  int elementwise_units;
  int axi_data_width_bytes;  // 64-bit AXI on U55, 128-bit on U65
  int address_bits;          // 32 on U55, 40 on U65
  NpuProduct product;        // the CONFIG register's product field
  int max_outstanding_dma;   // DMAs a kernel may run behind (1 U55, 2 U65)
};

// Facts shared by all configurations.
inline constexpr BlockShape kOfmBlockMax{64, 32, 128};
inline constexpr BlockShape kSubKernelMax{8, 8, 65536};
inline constexpr int kOfmSplitDepth = 16;  // block config search starts at this OFM depth
inline constexpr int kDpuDotProductWidth = 8;
inline constexpr int kShramBankBytes = 1024;
inline constexpr int kShramReservedOutputBanks = 2;  // banks 0-1 hold the OFM
inline constexpr int kShramLutBytes = 2048;          // the activation LUT takes 2 banks
inline constexpr int kMaxOutstandingKernels = 2;

inline constexpr std::array kAllAccelerators{
    Accelerator::kEthosU55_32,  Accelerator::kEthosU55_64,  Accelerator::kEthosU55_128,
    Accelerator::kEthosU55_256, Accelerator::kEthosU65_256, Accelerator::kEthosU65_512,
};
inline constexpr Accelerator kDefaultAccelerator = Accelerator::kEthosU55_256;

const AcceleratorConfig& accelerator_config(Accelerator accelerator);
std::string_view accelerator_name(Accelerator accelerator);

// Looks up a configuration by its command-line name (case-insensitive, as Vela lowercases it);
// throws a usage error listing the allowed names.
Accelerator parse_accelerator(std::string_view name);

bool is_ethos_u65(Accelerator accelerator);

// The accelerator a CONFIG register image (driver payload) describes: product, MACs per cycle
// over all cores, SHRAM size. Throws an input error for a combination no Ethos-U55/U65 has.
Accelerator accelerator_from_config_word(uint32_t config_word);

// Whether a command stream selects the core count first: Ethos-U65 streams start with
// NPU_SET_PARALLEL_MODE = cores - 1 (docs/npu_architecture.md §Command stream).
bool sets_parallel_mode(const AcceleratorConfig& config);

// Whether DMA source, destination and length must be 16-byte aligned on the AXI (external
// memory) side too. Ethos-U55 requires it on both sides; Ethos-U65 only on the SHRAM side
// (docs/npu_architecture.md §Memory and alignment).
bool dma_aligns_axi_side(const AcceleratorConfig& config);

// Largest address offset plus one: 2^address_bits. Also the default arena size limit.
int64_t max_address_offset(const AcceleratorConfig& config);

// The banks at the top of SHRAM that hold the LUT (2 when the core has more than 16 banks;
// smaller cores borrow 2 ordinary banks only when an operation uses a LUT).
int shram_reserved_end_banks(const AcceleratorConfig& config);
// Banks usable for IFM and accumulator areas, including the 2 output banks.
int shram_available_banks(const AcceleratorConfig& config, bool uses_lut);
// SHRAM byte address where the activation LUT starts.
int shram_lut_address(const AcceleratorConfig& config);
// Whether tables loaded into the LUT area survive operations that use no table: only the
// dedicated end banks are never lent to IFM or accumulator areas.
bool shram_keeps_luts(const AcceleratorConfig& config);

// The LUT area is 8 slots of 256 bytes; ACTIVATION 16 + i selects the table starting at slot i.
// A table's size follows the OFM width: 256 one-byte entries (8-bit), 256 words (32-bit), or
// 512 interpolated words, base | slope << 16 (16-bit) (docs/npu_architecture.md §Activation LUTs).
inline constexpr int kLutSlotBytes = 256;
inline constexpr int kLutSlots = kShramLutBytes / kLutSlotBytes;
// A table's bytes in the LUT area for an OFM of `ofm_bits`, or 0 for widths without tables.
int lut_table_bytes(int ofm_bits);

}  // namespace euc::arch

#include "arch/accelerator.hpp"

#include <fmt/format.h>

#include <string>

#include "core/error.hpp"
#include "npu/driver_payload.hpp"

namespace euc::arch {
namespace {

// Micro-blocks, SHRAM banks and granules follow docs/npu_architecture.md §Accelerators and Vela
// 3.10 architecture_features.py (accelerator_configs). Granules are in the order ifm8, ifm16, ifm8
// elementwise, ifm16 elementwise, ifm32, acc16, acc32, acc40.
constexpr ShramGranules kGranules256{8, 8, 8, 8, 16, 8, 16, 20};
constexpr ShramGranules kGranules128{4, 4, 4, 4, 8, 4, 8, 12};
constexpr ShramGranules kGranules64{2, 2, 2, 2, 4, 4, 4, 8};
constexpr ShramGranules kGranules32{2, 2, 2, 2, 4, 4, 4, 4};

constexpr int kU55AxiBytes = 8;
constexpr int kU65AxiBytes = 16;
constexpr int kU55AddressBits = 32;
constexpr int kU65AddressBits = 40;
constexpr NpuProduct kU55 = NpuProduct::kEthosU55;
constexpr NpuProduct kU65 = NpuProduct::kEthosU65;

// clang-format off
constexpr std::array<AcceleratorConfig, kAllAccelerators.size()> kConfigs{{
//  accelerator                 name             macs cores ofm_ublock ifm_ublock banks granules     ew axi bytes      address bits     product dma
    {Accelerator::kEthosU55_32,  "ethos-u55-32",  32,  1,    {1, 1, 4}, {1, 1, 8}, 16,   kGranules32,  1, kU55AxiBytes, kU55AddressBits, kU55,   1},
    {Accelerator::kEthosU55_64,  "ethos-u55-64",  64,  1,    {1, 1, 8}, {1, 1, 8}, 16,   kGranules64,  2, kU55AxiBytes, kU55AddressBits, kU55,   1},
    {Accelerator::kEthosU55_128, "ethos-u55-128", 128, 1,    {2, 1, 8}, {2, 1, 8}, 24,   kGranules128, 4, kU55AxiBytes, kU55AddressBits, kU55,   1},
    {Accelerator::kEthosU55_256, "ethos-u55-256", 256, 1,    {2, 2, 8}, {2, 2, 8}, 48,   kGranules256, 8, kU55AxiBytes, kU55AddressBits, kU55,   1},
    {Accelerator::kEthosU65_256, "ethos-u65-256", 256, 1,    {2, 2, 8}, {2, 2, 8}, 48,   kGranules256, 8, kU65AxiBytes, kU65AddressBits, kU65,   2},
    {Accelerator::kEthosU65_512, "ethos-u65-512", 256, 2,    {2, 2, 8}, {2, 2, 8}, 48,   kGranules256, 8, kU65AxiBytes, kU65AddressBits, kU65,   2},
}};
// clang-format on

// The table is indexed by the enum; a misordered row would silently give wrong facts.
constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < kConfigs.size(); ++i) {
    if (kConfigs[i].accelerator != kAllAccelerators[i])
      return false;
  }
  return true;
}
static_assert(table_in_enum_order());

// The DPU computes ofm_ublock W x H x D outputs each taking kDpuDotProductWidth MACs.
constexpr bool macs_match_micro_blocks() {
  for (const auto& c : kConfigs) {
    const int macs =
        c.ofm_ublock.width * c.ofm_ublock.height * c.ofm_ublock.depth * kDpuDotProductWidth;
    if (macs != c.macs)
      return false;
  }
  return true;
}
static_assert(macs_match_micro_blocks());

char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i]))
      return false;
  }
  return true;
}

}  // namespace

const AcceleratorConfig& accelerator_config(Accelerator accelerator) {
  return kConfigs.at(static_cast<size_t>(accelerator));
}

std::string_view accelerator_name(Accelerator accelerator) {
  return accelerator_config(accelerator).name;
}

Accelerator parse_accelerator(std::string_view name) {
  std::string allowed;
  for (const auto& config : kConfigs) {
    if (equals_ignore_case(name, config.name))
      return config.accelerator;
    if (!allowed.empty())
      allowed += ", ";
    allowed += config.name;
  }
  throw_usage(fmt::format("unknown accelerator configuration '{}' (allowed: {})", name, allowed));
}

bool is_ethos_u65(Accelerator accelerator) {
  return accelerator_config(accelerator).product == NpuProduct::kEthosU65;
}

bool sets_parallel_mode(const AcceleratorConfig& config) {
  return config.product == NpuProduct::kEthosU65;
}

bool dma_aligns_axi_side(const AcceleratorConfig& config) {
  return config.product == NpuProduct::kEthosU55;
}

int64_t max_address_offset(const AcceleratorConfig& config) {
  return int64_t{1} << config.address_bits;
}

int shram_reserved_end_banks(const AcceleratorConfig& config) {
  return config.shram_banks > 16 ? 2 : 0;
}

int shram_available_banks(const AcceleratorConfig& config, bool uses_lut) {
  const int reserved_end = shram_reserved_end_banks(config);
  int banks = config.shram_banks - reserved_end;
  // Without dedicated end banks the LUT takes the top 2 ordinary banks.
  if (uses_lut && reserved_end == 0)
    banks -= kShramLutBytes / kShramBankBytes;
  return banks;
}

int shram_lut_address(const AcceleratorConfig& config) {
  return kShramBankBytes * shram_available_banks(config, true);
}

bool shram_keeps_luts(const AcceleratorConfig& config) {
  return shram_reserved_end_banks(config) > 0;
}

int lut_table_bytes(int ofm_bits) {
  switch (ofm_bits) {
    case 8:
      return kLutSlotBytes;
    case 16:
      return kShramLutBytes;
    case 32:
      return 4 * kLutSlotBytes;
    default:
      return 0;
  }
}

Accelerator accelerator_from_config_word(uint32_t config_word) {
  const npu::ConfigRegisterImage config = npu::ConfigRegisterImage::from_word(config_word);
  for (Accelerator a : kAllAccelerators) {
    const AcceleratorConfig& c = accelerator_config(a);
    if (c.product != config.product || c.macs * c.cores != config.macs_per_cycle())
      continue;
    if (config.shram_size_kib != c.shram_banks * c.cores * kShramBankBytes / 1024) {
      throw_input(fmt::format("CONFIG {:#010x}: SHRAM of {} KiB, {} has {} KiB", config_word,
                              config.shram_size_kib, c.name,
                              c.shram_banks * c.cores * kShramBankBytes / 1024));
    }
    return a;
  }
  throw_input(fmt::format("CONFIG {:#010x}: no {} has {} MACs per cycle", config_word,
                          npu::product_name(config.product), config.macs_per_cycle()));
}

}  // namespace euc::arch

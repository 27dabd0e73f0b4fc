#pragma once
// The driver payload of an `ethos-u` custom operator: the bytes of its command-stream tensor.
// Format "COP1" (docs/npu_architecture.md §Driver payload; checked against Vela's driver_actions.py
// and the Vela outputs in reference/vela_outputs): 32-bit little-endian words; word 0 the FourCC
// 'C','O','P','1'; then driver actions, each a tag word `id | reserved << 8 | param << 16` followed
// by the action's data words:
//   0x01 CONFIG     param = patch << 4 | release; two data words: the CONFIG and ID register
//                   images of the NPU the stream was compiled for
//   0x02 CMDSTRM    length in words = reserved << 16 | param; that many command words follow
//   0x03 READ_APB   param = register index (bits 0-11) | (count - 1) << 12; no data
//   0x04 DUMP_SHRAM no data
//   0x05 NOP        no data; Vela uses NOPs so the command words start 16-byte aligned
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npu/product.hpp"

namespace euc::npu {

// The NPU product in bits 28-31 of the CONFIG register.
std::string_view product_name(NpuProduct product);  // "Ethos-U55"

// The CONFIG register image: macs_per_cc bits 0-3 (log2 of MACs per cycle over all cores),
// cmd_stream_version bits 4-7, shram_size bits 8-15 (KiB over all cores), product bits 28-31.
// E.g. U55-256 0x00003008, U55-128 0x00001807, U65-256 0x10003008.
struct ConfigRegisterImage {
  int macs_per_cc_log2 = 8;
  int cmd_stream_version = 0;
  int shram_size_kib = 48;
  NpuProduct product = NpuProduct::kEthosU55;
  uint16_t reserved = 0;  // bits 16-27

  int macs_per_cycle() const { return 1 << macs_per_cc_log2; }
  uint32_t word() const;
  // Throws an input error for a product value other than U55 (0) and U65 (1).
  static ConfigRegisterImage from_word(uint32_t word);
  friend bool operator==(const ConfigRegisterImage&, const ConfigRegisterImage&) = default;
};

// The ID register image: version_status bits 0-3, version_minor 4-7, version_major 8-11,
// product_major 12-15, arch_patch_rev 16-19, arch_minor_rev 20-27, arch_major_rev 28-31.
// Vela 3.10 writes 0x10060000 (architecture 1.0.6), Vela 5.1 0x10066001.
struct IdRegisterImage {
  int version_status = 0;
  int version_minor = 0;
  int version_major = 0;
  int product_major = 0;
  int arch_patch_rev = 6;
  int arch_minor_rev = 0;
  int arch_major_rev = 1;

  uint32_t word() const;
  static IdRegisterImage from_word(uint32_t word);
  std::string arch_version() const;  // "1.0.6"
  friend bool operator==(const IdRegisterImage&, const IdRegisterImage&) = default;
};

enum class DriverActionId : uint8_t {
  kConfig = 0x01,
  kCommandStream = 0x02,
  kReadApb = 0x03,
  kDumpShram = 0x04,
  kNop = 0x05,
};
std::string_view driver_action_name(DriverActionId id);  // "CONFIG", "CMDSTRM", ...

// One driver action as found in the payload.
struct DriverAction {
  DriverActionId id = DriverActionId::kNop;
  std::size_t byte_offset = 0;  // of the tag word
  uint8_t reserved = 0;         // tag bits 8-15
  uint16_t param = 0;           // tag bits 16-31
  std::size_t data_words = 0;   // words following the tag that belong to the action

  friend bool operator==(const DriverAction&, const DriverAction&) = default;
};

// READ_APB: the driver reads `count` consecutive APB registers from `index` after the stream.
struct RegisterRead {
  int index = 0;
  int count = 1;
  friend bool operator==(const RegisterRead&, const RegisterRead&) = default;
};

struct DriverPayload {
  int config_release = 0;  // CONFIG tag param bits 0-3
  int config_patch = 1;    // CONFIG tag param bits 4-15
  ConfigRegisterImage config;
  IdRegisterImage id;
  std::vector<uint32_t> command_words;         // the CMDSTRM data
  std::size_t command_stream_byte_offset = 0;  // where the command words start in the payload
  std::vector<RegisterRead> register_reads;    // READ_APB actions, in order
  int shram_dumps = 0;                         // DUMP_SHRAM actions
  std::vector<DriverAction> actions;           // every action in payload order
};

inline constexpr uint32_t kCop1FourCc = 0x31504F43;  // 'C','O','P','1' little-endian
inline constexpr std::size_t kMaxCommandStreamWords = (std::size_t{1} << 24) - 1;  // 24-bit length

// Parses a payload. `source` prefixes every error message (e.g. "model.tflite: operator 0").
// Throws a named input error for: a size that is not a multiple of 4, a payload too short for
// the FourCC, a FourCC other than COP1, an unknown action id, an action whose data runs past the
// end, a second CONFIG or CMDSTRM, a CMDSTRM before the CONFIG, a missing CONFIG or CMDSTRM, and
// a CONFIG image naming an unknown product.
DriverPayload parse_driver_payload(std::span<const uint8_t> bytes, std::string_view source = {});

// COP1 FourCC, CONFIG (release 0, patch 1, as Vela writes), NOPs until the command words start
// 16-byte aligned, CMDSTRM and the words. Throws when the stream exceeds the 24-bit length.
std::vector<uint8_t> build_cop1_payload(const ConfigRegisterImage& config,
                                        const IdRegisterImage& id,
                                        std::span<const uint32_t> command_words);

}  // namespace euc::npu

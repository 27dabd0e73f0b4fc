#include "npu/driver_payload.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "npu/command.hpp"

namespace euc::npu {
namespace {

constexpr std::size_t kWordBytes = 4;
// Vela aligns the first command word to 16 bytes (driver_actions.py emits NOPs for it).
constexpr std::size_t kStreamAlignmentWords = 4;
constexpr int kConfigPatchShift = 4;
constexpr int kReadApbCountShift = 12;
constexpr uint16_t kReadApbIndexMask = (1u << kReadApbCountShift) - 1;

uint32_t bits(uint32_t word, int first, int width) {
  return (word >> first) & ((1u << width) - 1);
}

uint32_t tag_word(DriverActionId id, uint8_t reserved, uint16_t param) {
  return static_cast<uint32_t>(id) | (static_cast<uint32_t>(reserved) << 8) |
         (static_cast<uint32_t>(param) << 16);
}

std::string prefix(std::string_view source) {
  return source.empty() ? std::string("driver payload") : fmt::format("{}: driver payload", source);
}

}  // namespace

std::string_view product_name(NpuProduct product) {
  switch (product) {
    case NpuProduct::kEthosU55:
      return "Ethos-U55";
    case NpuProduct::kEthosU65:
      return "Ethos-U65";
  }
  return "unknown";
}

uint32_t ConfigRegisterImage::word() const {
  return (static_cast<uint32_t>(macs_per_cc_log2) & 0xF) |
         ((static_cast<uint32_t>(cmd_stream_version) & 0xF) << 4) |
         ((static_cast<uint32_t>(shram_size_kib) & 0xFF) << 8) |
         ((static_cast<uint32_t>(reserved) & 0xFFF) << 16) |
         ((static_cast<uint32_t>(product) & 0xF) << 28);
}

ConfigRegisterImage ConfigRegisterImage::from_word(uint32_t word) {
  ConfigRegisterImage c;
  c.macs_per_cc_log2 = static_cast<int>(bits(word, 0, 4));
  c.cmd_stream_version = static_cast<int>(bits(word, 4, 4));
  c.shram_size_kib = static_cast<int>(bits(word, 8, 8));
  c.reserved = static_cast<uint16_t>(bits(word, 16, 12));
  const uint32_t product = bits(word, 28, 4);
  if (product > static_cast<uint32_t>(NpuProduct::kEthosU65)) {
    throw_input(fmt::format(
        "CONFIG register image {:#010x} names product {}; only 0 (Ethos-U55) and 1 (Ethos-U65) "
        "exist",
        word, product));
  }
  c.product = static_cast<NpuProduct>(product);
  return c;
}

uint32_t IdRegisterImage::word() const {
  return (static_cast<uint32_t>(version_status) & 0xF) |
         ((static_cast<uint32_t>(version_minor) & 0xF) << 4) |
         ((static_cast<uint32_t>(version_major) & 0xF) << 8) |
         ((static_cast<uint32_t>(product_major) & 0xF) << 12) |
         ((static_cast<uint32_t>(arch_patch_rev) & 0xF) << 16) |
         ((static_cast<uint32_t>(arch_minor_rev) & 0xFF) << 20) |
         ((static_cast<uint32_t>(arch_major_rev) & 0xF) << 28);
}

IdRegisterImage IdRegisterImage::from_word(uint32_t word) {
  IdRegisterImage id;
  id.version_status = static_cast<int>(bits(word, 0, 4));
  id.version_minor = static_cast<int>(bits(word, 4, 4));
  id.version_major = static_cast<int>(bits(word, 8, 4));
  id.product_major = static_cast<int>(bits(word, 12, 4));
  id.arch_patch_rev = static_cast<int>(bits(word, 16, 4));
  id.arch_minor_rev = static_cast<int>(bits(word, 20, 8));
  id.arch_major_rev = static_cast<int>(bits(word, 28, 4));
  return id;
}

std::string IdRegisterImage::arch_version() const {
  return fmt::format("{}.{}.{}", arch_major_rev, arch_minor_rev, arch_patch_rev);
}

std::string_view driver_action_name(DriverActionId id) {
  switch (id) {
    case DriverActionId::kConfig:
      return "CONFIG";
    case DriverActionId::kCommandStream:
      return "CMDSTRM";
    case DriverActionId::kReadApb:
      return "READ_APB";
    case DriverActionId::kDumpShram:
      return "DUMP_SHRAM";
    case DriverActionId::kNop:
      return "NOP";
  }
  return "unknown";
}

DriverPayload parse_driver_payload(std::span<const uint8_t> bytes, std::string_view source) {
  const std::string where = prefix(source);
  if (bytes.size() % kWordBytes != 0) {
    throw_input(fmt::format("{}: size {} bytes is not a multiple of 4", where, bytes.size()));
  }
  if (bytes.size() < kWordBytes) {
    throw_input(fmt::format("{}: {} bytes is too short for the COP1 FourCC", where, bytes.size()));
  }
  const std::vector<uint32_t> words = words_from_bytes(bytes);
  if (words[0] != kCop1FourCc) {
    std::string shown;
    for (std::size_t i = 0; i < 4; ++i) {
      const auto c = static_cast<char>(bytes[i]);
      shown += (c >= 0x20 && c < 0x7F) ? fmt::format("{}", c) : fmt::format("\\x{:02x}", bytes[i]);
    }
    throw_input(
        fmt::format("{}: bad FourCC '{}' ({:#010x}); expected 'COP1'", where, shown, words[0]));
  }

  DriverPayload payload;
  bool have_config = false;
  bool have_stream = false;
  for (std::size_t i = 1; i < words.size();) {
    const uint32_t tag = words[i];
    DriverAction action;
    action.byte_offset = i * kWordBytes;
    action.reserved = static_cast<uint8_t>(bits(tag, 8, 8));
    action.param = static_cast<uint16_t>(tag >> 16);
    const uint32_t id = bits(tag, 0, 8);
    const std::size_t remaining = words.size() - i - 1;
    auto need = [&](std::size_t count, std::string_view name) {
      if (count > remaining) {
        throw_input(
            fmt::format("{}: {} action at byte offset {:#x} needs {} data words but only {} remain",
                        where, name, action.byte_offset, count, remaining));
      }
    };
    switch (id) {
      case static_cast<uint32_t>(DriverActionId::kConfig): {
        action.id = DriverActionId::kConfig;
        if (have_config) {
          throw_input(fmt::format("{}: second CONFIG action at byte offset {:#x}", where,
                                  action.byte_offset));
        }
        need(2, "CONFIG");
        action.data_words = 2;
        payload.config_release = action.param & ((1u << kConfigPatchShift) - 1);
        payload.config_patch = action.param >> kConfigPatchShift;
        try {
          payload.config = ConfigRegisterImage::from_word(words[i + 1]);
        } catch (const Error& e) {
          throw_input(fmt::format("{}: CONFIG action at byte offset {:#x}: {}", where,
                                  action.byte_offset, e.what()));
        }
        payload.id = IdRegisterImage::from_word(words[i + 2]);
        have_config = true;
        break;
      }
      case static_cast<uint32_t>(DriverActionId::kCommandStream): {
        action.id = DriverActionId::kCommandStream;
        if (have_stream) {
          throw_input(fmt::format(
              "{}: second CMDSTRM action at byte offset {:#x}; only one command stream is "
              "supported",
              where, action.byte_offset));
        }
        if (!have_config) {
          throw_input(fmt::format(
              "{}: missing CONFIG: the CMDSTRM action at byte offset {:#x} comes before any "
              "CONFIG action",
              where, action.byte_offset));
        }
        const std::size_t length = (static_cast<std::size_t>(action.reserved) << 16) | action.param;
        if (length > remaining) {
          throw_input(fmt::format(
              "{}: CMDSTRM length {} words at byte offset {:#x} runs past the end of the payload "
              "({} words remain)",
              where, length, action.byte_offset, remaining));
        }
        action.data_words = length;
        payload.command_stream_byte_offset = (i + 1) * kWordBytes;
        payload.command_words.assign(words.begin() + static_cast<std::ptrdiff_t>(i + 1),
                                     words.begin() + static_cast<std::ptrdiff_t>(i + 1 + length));
        have_stream = true;
        break;
      }
      case static_cast<uint32_t>(DriverActionId::kReadApb):
        action.id = DriverActionId::kReadApb;
        payload.register_reads.push_back(RegisterRead{action.param & kReadApbIndexMask,
                                                      (action.param >> kReadApbCountShift) + 1});
        break;
      case static_cast<uint32_t>(DriverActionId::kDumpShram):
        action.id = DriverActionId::kDumpShram;
        ++payload.shram_dumps;
        break;
      case static_cast<uint32_t>(DriverActionId::kNop):
        action.id = DriverActionId::kNop;
        break;
      default:
        throw_input(
            fmt::format("{}: unknown driver action id {:#04x} (tag {:#010x}) at byte offset "
                        "{:#x}",
                        where, id, tag, action.byte_offset));
    }
    payload.actions.push_back(action);
    i += 1 + action.data_words;
  }
  if (!have_config) {
    throw_input(fmt::format("{}: missing CONFIG action", where));
  }
  if (!have_stream) {
    throw_input(fmt::format("{}: missing CMDSTRM action", where));
  }
  return payload;
}

std::vector<uint8_t> build_cop1_payload(const ConfigRegisterImage& config,
                                        const IdRegisterImage& id,
                                        std::span<const uint32_t> command_words) {
  if (command_words.size() > kMaxCommandStreamWords) {
    throw_input(fmt::format("command stream of {} words exceeds the COP1 limit of {} words",
                            command_words.size(), kMaxCommandStreamWords));
  }
  std::vector<uint32_t> words;
  words.reserve(command_words.size() + 8);
  words.push_back(kCop1FourCc);
  // Vela writes release 0, patch 1 (docs/npu_architecture.md §Driver payload).
  words.push_back(tag_word(DriverActionId::kConfig, 0, 1u << kConfigPatchShift));
  words.push_back(config.word());
  words.push_back(id.word());
  // The CMDSTRM tag takes one word; pad so the word after it starts a 16-byte boundary.
  while ((words.size() + 1) % kStreamAlignmentWords != 0)
    words.push_back(tag_word(DriverActionId::kNop, 0, 0));
  const std::size_t length = command_words.size();
  words.push_back(tag_word(DriverActionId::kCommandStream, static_cast<uint8_t>(length >> 16),
                           static_cast<uint16_t>(length & 0xFFFF)));
  words.insert(words.end(), command_words.begin(), command_words.end());

  std::vector<uint8_t> bytes(words.size() * kWordBytes);
  for (std::size_t i = 0; i < words.size(); ++i) {
    for (std::size_t b = 0; b < kWordBytes; ++b)
      bytes[i * kWordBytes + b] = static_cast<uint8_t>(words[i] >> (8 * b));
  }
  return bytes;
}

}  // namespace euc::npu

// The COP1 driver payload: register images against the words Vela writes, hand-written
// payloads, build/parse round trips, and every malformed piece as a named error.
#include "npu/driver_payload.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace euc::npu {
namespace {

using Words = std::vector<uint32_t>;

std::vector<uint8_t> bytes_of(std::initializer_list<uint32_t> words) {
  std::vector<uint8_t> bytes;
  for (uint32_t w : words) {
    for (int b = 0; b < 4; ++b)
      bytes.push_back(static_cast<uint8_t>(w >> (8 * b)));
  }
  return bytes;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
    return e.what();
  }
  return "(no error)";
}

// The header Vela 3.10 writes for an Ethos-U55-256 (reference/vela_outputs/vela3.10/a).
constexpr uint32_t kCop1 = 0x31504F43;
constexpr uint32_t kConfigTag = 0x00100001;
constexpr uint32_t kU55_256 = 0x00003008;
constexpr uint32_t kVela310Id = 0x10060000;
constexpr uint32_t kNop = 0x00000005;

// --- register images ---------------------------------------------------------------------------

TEST(ConfigRegisterImage, U55With256MacsIs0x3008) {
  const ConfigRegisterImage c = ConfigRegisterImage::from_word(0x00003008);
  EXPECT_EQ(c.product, NpuProduct::kEthosU55);
  EXPECT_EQ(c.macs_per_cc_log2, 8);
  EXPECT_EQ(c.macs_per_cycle(), 256);
  EXPECT_EQ(c.shram_size_kib, 48);
  EXPECT_EQ(c.cmd_stream_version, 0);
  EXPECT_EQ(c.word(), 0x00003008u);
}

TEST(ConfigRegisterImage, U55With128MacsHas24KibShram) {
  const ConfigRegisterImage c = ConfigRegisterImage::from_word(0x00001807);
  EXPECT_EQ(c.product, NpuProduct::kEthosU55);
  EXPECT_EQ(c.macs_per_cycle(), 128);
  EXPECT_EQ(c.shram_size_kib, 24);
  EXPECT_EQ(c.word(), 0x00001807u);
}

TEST(ConfigRegisterImage, U65ProductInTopNibble) {
  const ConfigRegisterImage c = ConfigRegisterImage::from_word(0x10003008);
  EXPECT_EQ(c.product, NpuProduct::kEthosU65);
  EXPECT_EQ(c.macs_per_cycle(), 256);
  EXPECT_EQ(c.shram_size_kib, 48);
  EXPECT_EQ(c.word(), 0x10003008u);
  EXPECT_EQ(product_name(c.product), "Ethos-U65");
}

TEST(ConfigRegisterImage, UnknownProductIsAnError) {
  EXPECT_NE(error_of([] { ConfigRegisterImage::from_word(0x20003008); }).find("product 2"),
            std::string::npos);
}

TEST(IdRegisterImage, Vela310WritesArchitecture106) {
  const IdRegisterImage id = IdRegisterImage::from_word(0x10060000);
  EXPECT_EQ(id.arch_major_rev, 1);
  EXPECT_EQ(id.arch_minor_rev, 0);
  EXPECT_EQ(id.arch_patch_rev, 6);
  EXPECT_EQ(id.product_major, 0);
  EXPECT_EQ(id.version_status, 0);
  EXPECT_EQ(id.arch_version(), "1.0.6");
  EXPECT_EQ(id.word(), 0x10060000u);
  EXPECT_EQ(IdRegisterImage{}.word(), 0x10060000u);
}

TEST(IdRegisterImage, Vela51AddsProductMajorAndStatus) {
  const IdRegisterImage id = IdRegisterImage::from_word(0x10066001);
  EXPECT_EQ(id.arch_version(), "1.0.6");
  EXPECT_EQ(id.product_major, 6);
  EXPECT_EQ(id.version_status, 1);
  EXPECT_EQ(id.version_minor, 0);
  EXPECT_EQ(id.version_major, 0);
  EXPECT_EQ(id.word(), 0x10066001u);
}

// --- parsing -----------------------------------------------------------------------------------

TEST(DriverPayload, ParsesVelaHeaderWithThreeNops) {
  const auto bytes = bytes_of({kCop1, kConfigTag, kU55_256, kVela310Id, kNop, kNop, kNop,
                               0x00020002, 0x0001010F, 0xFFFF0000});
  const DriverPayload p = parse_driver_payload(bytes);
  EXPECT_EQ(p.config_release, 0);
  EXPECT_EQ(p.config_patch, 1);
  EXPECT_EQ(p.config.word(), kU55_256);
  EXPECT_EQ(p.id.word(), kVela310Id);
  EXPECT_EQ(p.command_words, (Words{0x0001010F, 0xFFFF0000}));
  EXPECT_EQ(p.command_stream_byte_offset, 32u);
  ASSERT_EQ(p.actions.size(), 5u);
  EXPECT_EQ(p.actions[0].id, DriverActionId::kConfig);
  EXPECT_EQ(p.actions[0].byte_offset, 4u);
  EXPECT_EQ(p.actions[0].data_words, 2u);
  EXPECT_EQ(p.actions[1].id, DriverActionId::kNop);
  EXPECT_EQ(p.actions[4].id, DriverActionId::kCommandStream);
  EXPECT_EQ(p.actions[4].byte_offset, 28u);
  EXPECT_EQ(p.actions[4].data_words, 2u);
}

TEST(DriverPayload, ReadApbAndDumpShramAfterTheStream) {
  // READ_APB param: index bits 0-11, count - 1 bits 12-15: index 0x104, 3 registers.
  const auto bytes =
      bytes_of({kCop1, kConfigTag, kU55_256, kVela310Id, 0x00000002, 0x21040003, 0x00000004});
  const DriverPayload p = parse_driver_payload(bytes);
  EXPECT_TRUE(p.command_words.empty());
  ASSERT_EQ(p.register_reads.size(), 1u);
  EXPECT_EQ(p.register_reads[0], (RegisterRead{0x104, 3}));
  EXPECT_EQ(p.shram_dumps, 1);
  EXPECT_EQ(p.actions.back().id, DriverActionId::kDumpShram);
}

TEST(DriverPayload, LengthAbove16BitsUsesTheReservedByte) {
  Words stream(0x10003, 0xFFFF0000);
  const auto bytes = build_cop1_payload(ConfigRegisterImage{}, IdRegisterImage{}, stream);
  // The tag: id 2, reserved byte 0x01 (length bits 16-23), param 0x0003.
  const uint32_t tag = static_cast<uint32_t>(bytes[28]) | (bytes[29] << 8) | (bytes[30] << 16) |
                       (static_cast<uint32_t>(bytes[31]) << 24);
  EXPECT_EQ(tag, 0x00030102u);
  EXPECT_EQ(parse_driver_payload(bytes).command_words.size(), 0x10003u);
}

// --- building ----------------------------------------------------------------------------------

TEST(DriverPayload, BuilderWritesVelaHeaderExactly) {
  const Words stream = {0x0001010F, 0xFFFF0000};
  const auto bytes = build_cop1_payload(ConfigRegisterImage::from_word(kU55_256),
                                        IdRegisterImage::from_word(kVela310Id), stream);
  EXPECT_EQ(bytes, bytes_of({kCop1, kConfigTag, kU55_256, kVela310Id, kNop, kNop, kNop, 0x00020002,
                             0x0001010F, 0xFFFF0000}));
}

TEST(DriverPayload, BuildThenParseRoundTrips) {
  ConfigRegisterImage config;
  config.product = NpuProduct::kEthosU65;
  config.macs_per_cc_log2 = 9;
  config.shram_size_kib = 96;
  IdRegisterImage id = IdRegisterImage::from_word(0x10066001);
  for (std::size_t length : {0u, 1u, 2u, 3u, 4u, 5u, 1000u}) {
    Words stream(length);
    for (std::size_t i = 0; i < length; ++i)
      stream[i] = static_cast<uint32_t>(0x9E3779B9u * (i + 1));
    const auto bytes = build_cop1_payload(config, id, stream);
    const DriverPayload p = parse_driver_payload(bytes);
    EXPECT_EQ(p.config, config);
    EXPECT_EQ(p.id, id);
    EXPECT_EQ(p.command_words, stream);
    EXPECT_EQ(p.command_stream_byte_offset % 16, 0u) << length;
    EXPECT_EQ(bytes.size(), p.command_stream_byte_offset + 4 * length);
  }
}

TEST(DriverPayload, BuilderRejectsStreamsBeyondTheLengthField) {
  const Words stream(kMaxCommandStreamWords + 1);
  EXPECT_NE(error_of([&] {
              build_cop1_payload(ConfigRegisterImage{}, IdRegisterImage{}, stream);
            }).find("exceeds"),
            std::string::npos);
}

// --- malformed payloads ------------------------------------------------------------------------

struct MalformedCase {
  const char* name;
  std::vector<uint8_t> bytes;
  const char* error;
};

TEST(DriverPayload, EachMalformedPieceIsANamedError) {
  const std::vector<MalformedCase> cases = {
      {"size", {0x43, 0x4F, 0x50, 0x31, 0x01}, "not a multiple of 4"},
      {"empty", {}, "too short for the COP1 FourCC"},
      {"fourcc", bytes_of({0x32504F43, kConfigTag, kU55_256, kVela310Id, 0x00000002}),
       "bad FourCC 'COP2'"},
      {"unknown id", bytes_of({kCop1, kConfigTag, kU55_256, kVela310Id, 0x00000009}),
       "unknown driver action id 0x09"},
      {"reserved id 0", bytes_of({kCop1, 0x00000000}), "unknown driver action id 0x00"},
      {"config truncated", bytes_of({kCop1, kConfigTag, kU55_256}),
       "CONFIG action at byte offset 0x4 needs 2 data words but only 1 remain"},
      {"stream past end", bytes_of({kCop1, kConfigTag, kU55_256, kVela310Id, 0x00030002, 0, 0}),
       "CMDSTRM length 3 words at byte offset 0x10 runs past the end"},
      {"stream before config", bytes_of({kCop1, 0x00000002, kConfigTag, kU55_256, kVela310Id}),
       "missing CONFIG: the CMDSTRM action at byte offset 0x4 comes before any CONFIG"},
      {"no config", bytes_of({kCop1, kNop}), "missing CONFIG action"},
      {"no stream", bytes_of({kCop1, kConfigTag, kU55_256, kVela310Id, kNop}),
       "missing CMDSTRM action"},
      {"two configs",
       bytes_of({kCop1, kConfigTag, kU55_256, kVela310Id, kConfigTag, kU55_256, kVela310Id}),
       "second CONFIG action at byte offset 0x10"},
      {"two streams", bytes_of({kCop1, kConfigTag, kU55_256, kVela310Id, 0x00000002, 0x00000002}),
       "second CMDSTRM action at byte offset 0x14"},
      {"unknown product", bytes_of({kCop1, kConfigTag, 0x70003008, kVela310Id, 0x00000002}),
       "names product 7"},
  };
  for (const MalformedCase& c : cases) {
    const std::string error = error_of([&] { parse_driver_payload(c.bytes, "m.tflite"); });
    EXPECT_NE(error.find(c.error), std::string::npos) << c.name << ": " << error;
    EXPECT_EQ(error.rfind("m.tflite: driver payload: ", 0), 0u) << c.name << ": " << error;
  }
}

}  // namespace
}  // namespace euc::npu

// Encoding and decoding of command words: hand-derived words, generic round trips over every
// command, and the decoder's errors.
#include "npu/command.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace euc::npu {
namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

using Words = std::vector<uint32_t>;

// --- hand-derived words (facts header and docs/npu_architecture.md §Command stream) ------------

TEST(NpuEncode, StopWithFullMaskIsParamInUpperHalf) {
  EXPECT_EQ(encode(make_cmd0(Opcode::kOpStop, 0xFFFF)), (Words{0xFFFF0000}));
}

TEST(NpuEncode, Cmd1SetsBit14AndAppendsPayload) {
  EXPECT_EQ(encode(make_cmd1(Opcode::kSetIfmBase0, 0x12345678)), (Words{0x4000, 0x12345678}));
  EXPECT_EQ(encode(make_cmd1(Opcode::kSetIfm2Base0, 0x100)), (Words{0x4080, 0x100}));
  for (const CommandInfo& info : command_table()) {
    const Words words = encode(Command{info.opcode, 0, 0});
    if (info.kind == CommandKind::kCmd1) {
      ASSERT_EQ(words.size(), 2u) << info.name;
      EXPECT_EQ(words[0], 0x4000u | info.code) << info.name;
    } else {
      EXPECT_EQ(words, (Words{info.code})) << info.name;
    }
  }
}

TEST(NpuEncode, IfmPrecisionSignedNhcwb16) {
  // param bit 0 signed, bit 6 NHCWB16.
  const Command c = make_command(Opcode::kSetIfmPrecision, {{"precision", IfmPrecision::kS8},
                                                            {"format", DataFormat::kNhcwb16}});
  EXPECT_EQ(encode(c), (Words{0x00410105}));
  EXPECT_EQ(c.param, 0x41);
}

TEST(NpuEncode, OfmPrecisionRoundingInTopBits) {
  // param bits 14-15 rounding, bit 8 global scale, bits 1-2 width.
  const Command c = make_command(
      Opcode::kSetOfmPrecision,
      {{"precision", OfmPrecision::kS16}, {"scaling", 1}, {"rounding", Rounding::kNatural}});
  EXPECT_EQ(encode(c), (Words{0x80000114u | (0x103u << 16)}));
}

TEST(NpuEncode, ActivationLutSlotWithForcedClip) {
  const Command c = make_command(Opcode::kSetActivation,
                                 {{"type", 0x12}, {"act_clip_range", ClipRange::kForceInt8}});
  EXPECT_EQ(encode(c), (Words{0x30120125}));
}

TEST(NpuEncode, OfmScaleKeepsShiftInParam) {
  const Command c = make_command(Opcode::kSetOfmScale, {{"shift", 31}, {"data", 0x40000000}});
  EXPECT_EQ(encode(c), (Words{0x001F4024, 0x40000000}));
}

TEST(NpuEncode, Ifm2BroadcastFlags) {
  const Command c =
      make_command(Opcode::kSetIfm2Broadcast,
                   {{"broadcast_width", 1}, {"operand_order", 1}, {"broadcast_scalar", 1}});
  EXPECT_EQ(encode(c), (Words{0x00C20180}));
}

TEST(NpuEncode, PoolAndElementwiseModes) {
  EXPECT_EQ(encode(make_command(Opcode::kOpPool, {{"mode", PoolingMode::kAverage}})),
            (Words{0x00010005}));
  EXPECT_EQ(encode(make_command(Opcode::kOpElementwise, {{"mode", ElementwiseMode::kShl}})),
            (Words{0x00090006}));
}

TEST(NpuEncode, FortyBitAddressSplitsIntoParamAndPayload) {
  const Command c = make_address_command(Opcode::kSetOfmBase0, 0x12'3456'7890);
  EXPECT_EQ(encode(c), (Words{0x00124010, 0x34567890}));
  EXPECT_EQ(command_address(c), 0x12'3456'7890u);
  EXPECT_EQ(command_address(make_address_command(Opcode::kSetWeightBase, 0xFF'FFFF'FFFF)),
            0xFF'FFFF'FFFFu);
  EXPECT_NE(error_of([] {
              make_address_command(Opcode::kSetOfmBase0, uint64_t{1} << 40);
            }).find("does not fit in 40 bits"),
            std::string::npos);
  EXPECT_THROW(make_address_command(Opcode::kSetIfmRegion, 0), Error);
}

TEST(NpuEncode, RejectsMisuse) {
  EXPECT_THROW(make_cmd0(Opcode::kSetIfmBase0, 0), Error);
  EXPECT_THROW(make_cmd1(Opcode::kOpConv, 0), Error);
  EXPECT_THROW(encode(Command{Opcode::kOpConv, 0, 1}), Error);
  EXPECT_THROW(encode(Command{static_cast<Opcode>(0x4007), 0, 0}), Error);
  Command c{Opcode::kSetIfmPrecision, 0, 0};
  EXPECT_NE(error_of([&] { set_field(c, "precision", 2); }).find("not a value of enumeration"),
            std::string::npos);
  EXPECT_NE(error_of([&] { set_field(c, "format", 4); }).find("does not fit in 2 bits"),
            std::string::npos);
  EXPECT_NE(error_of([&] { set_field(c, "reserved0", 1); }).find("not a value field"),
            std::string::npos);
  EXPECT_NE(error_of([&] { set_field(c, "cmd_code", 1); }).find("not a value field"),
            std::string::npos);
  EXPECT_NE(error_of([&] { set_field(c, "no_such_field", 1); }).find("no field"),
            std::string::npos);
  EXPECT_EQ(c, (Command{Opcode::kSetIfmPrecision, 0, 0}));
}

// --- fields ----------------------------------------------------------------------------------

TEST(NpuFields, ReadByNameFromHandMadeWords) {
  const DecodedCommand d = decode_command(Words{0x80410105}, 0);
  EXPECT_EQ(d.command.opcode, Opcode::kSetIfmPrecision);
  EXPECT_EQ(field_value(d.command, "precision"), 1u);
  EXPECT_EQ(field_value(d.command, "format"), 1u);
  EXPECT_EQ(field_value(d.command, "scale_mode"), 0u);
  EXPECT_EQ(field_value(d.command, "round_mode"), 2u);
  EXPECT_EQ(field_value(d.command, "cmd_code"), 0x105u);
  EXPECT_THROW(field_value(d.command, "data"), Error);
  const DecodedCommand s = decode_command(Words{0x001F4024, 0x40000000}, 0);
  EXPECT_EQ(field_value(s.command, "shift"), 31u);
  EXPECT_EQ(field_value(s.command, "data"), 0x40000000u);
  EXPECT_EQ(field_value(s.command, "payload_size"), 1u);
}

// Every value field of every command, set to random values, reads back and leaves the other
// fields alone.
TEST(NpuFields, SetAndGetEveryValueFieldOfEveryCommand) {
  std::mt19937 rng(1234);
  for (const CommandInfo& info : command_table()) {
    for (int round = 0; round < 20; ++round) {
      Command c{info.opcode, 0, 0};
      std::vector<uint32_t> expected(info.fields.size(), 0);
      for (std::size_t i = 0; i < info.fields.size(); ++i) {
        const FieldInfo& field = info.fields[i];
        if (field.role == FieldRole::kCode)
          expected[i] = info.code;
        if (field.role == FieldRole::kPayloadSize)
          expected[i] = 1;
        if (field.role != FieldRole::kValue)
          continue;
        uint32_t value = 0;
        if (field.enumeration != nullptr) {
          const auto& entries = field.enumeration->entries;
          value = entries[rng() % entries.size()].value;
        } else {
          value = static_cast<uint32_t>(rng() & field.max_value());
        }
        set_field(c, field.name, value);
        expected[i] = value;
      }
      const DecodedCommand d = decode_stream(encode(c)).at(0);
      for (std::size_t i = 0; i < info.fields.size(); ++i) {
        EXPECT_EQ(field_value(d.command, info.fields[i]), expected[i])
            << info.name << "." << info.fields[i].name;
      }
    }
  }
}

// --- round trips ------------------------------------------------------------------------------

TEST(NpuDecode, EveryOpcodeRoundTripsWithRandomParameters) {
  std::mt19937 rng(42);
  for (const CommandInfo& info : command_table()) {
    for (int round = 0; round < 50; ++round) {
      Command c{info.opcode, static_cast<uint16_t>(rng()), 0};
      if (info.kind == CommandKind::kCmd1)
        c.payload = static_cast<uint32_t>(rng());
      const Words words = encode(c);
      ASSERT_EQ(words.size(), static_cast<std::size_t>(command_words(info.kind)));
      const std::vector<DecodedCommand> decoded = decode_stream(words);
      ASSERT_EQ(decoded.size(), 1u) << info.name;
      EXPECT_EQ(decoded[0].command, c) << info.name;
      EXPECT_EQ(decoded[0].info, &info);
      EXPECT_EQ(decoded[0].byte_offset, 0u);
    }
  }
}

TEST(NpuDecode, RandomStreamsRoundTripWithByteOffsets) {
  std::mt19937 rng(7);
  const auto table = command_table();
  std::vector<Command> commands;
  for (int i = 0; i < 2000; ++i) {
    const CommandInfo& info = table[rng() % table.size()];
    Command c{info.opcode, static_cast<uint16_t>(rng()), 0};
    if (info.kind == CommandKind::kCmd1)
      c.payload = static_cast<uint32_t>(rng());
    commands.push_back(c);
  }
  const Words words = encode_stream(commands);
  const std::vector<DecodedCommand> decoded = decode_stream(words);
  ASSERT_EQ(decoded.size(), commands.size());
  std::size_t offset = 0;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    EXPECT_EQ(decoded[i].command, commands[i]);
    EXPECT_EQ(decoded[i].byte_offset, offset);
    offset += 4 * static_cast<std::size_t>(decoded[i].word_count());
  }
  EXPECT_EQ(offset, words.size() * 4);
}

TEST(NpuDecode, OffsetsOfAMixedStream) {
  const Words words{0x00000105, 0x4000, 0x1000, 0x00010005, 0x4024, 0x7, 0xFFFF0000};
  const std::vector<DecodedCommand> d = decode_stream(words);
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0].byte_offset, 0u);
  EXPECT_EQ(d[1].byte_offset, 4u);
  EXPECT_EQ(d[1].command, make_cmd1(Opcode::kSetIfmBase0, 0x1000));
  EXPECT_EQ(d[2].byte_offset, 12u);
  EXPECT_EQ(d[3].byte_offset, 16u);
  EXPECT_EQ(d[4].byte_offset, 24u);
  EXPECT_EQ(d[4].command, make_cmd0(Opcode::kOpStop, 0xFFFF));
  EXPECT_TRUE(decode_stream(Words{}).empty());
}

TEST(NpuDecode, WordsFromBytesAreLittleEndian) {
  const std::vector<uint8_t> bytes{0x00, 0x40, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12};
  EXPECT_EQ(words_from_bytes(bytes), (Words{0x4000, 0x12345678}));
  const std::vector<uint8_t> odd{1, 2, 3, 4, 5};
  EXPECT_NE(error_of([&] { words_from_bytes(odd); }).find("not a whole number"), std::string::npos);
}

// --- decoder errors -------------------------------------------------------------------------

TEST(NpuDecode, UnknownCmd0OpcodeNamesOffset) {
  const std::string message = error_of([] {
    decode_stream(Words{0x00000002, 0x4000, 0x0, 0x00000004});
  });
  EXPECT_NE(message.find("byte offset 12"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown cmd0 opcode 0x004"), std::string::npos) << message;
}

TEST(NpuDecode, UnknownCmd1Opcode) {
  const std::string message = error_of([] { decode_stream(Words{0x4007, 0}); });
  EXPECT_NE(message.find("unknown cmd1 opcode 0x007"), std::string::npos) << message;
}

TEST(NpuDecode, TruncatedCmd1AtEndOfStream) {
  const std::string message = error_of([] { decode_stream(Words{0x00000002, 0x00004010}); });
  EXPECT_NE(message.find("byte offset 4"), std::string::npos) << message;
  EXPECT_NE(message.find("NPU_SET_OFM_BASE0 is truncated"), std::string::npos) << message;
}

TEST(NpuDecode, MustBeZeroBitsAreRejected) {
  std::string message = error_of([] { decode_stream(Words{0x00000402}); });
  EXPECT_NE(message.find("NPU_OP_CONV has must_be_zero0 (bits 10-15) = 0x1"), std::string::npos)
      << message;
  message = error_of([] { decode_stream(Words{0x00FF0000, 0x00002105}); });
  EXPECT_NE(message.find("byte offset 4"), std::string::npos) << message;
  EXPECT_NE(message.find("must_be_zero0"), std::string::npos) << message;
  message = error_of([] { decode_stream(Words{0x00004C00, 0}); });
  EXPECT_NE(message.find("NPU_SET_IFM_BASE0 has must_be_zero (bits 10-13) = 0x3"),
            std::string::npos)
      << message;
}

TEST(NpuDecode, ReservedBitsAreKept) {
  // Reserved is not must-be-zero: the U65 keeps address bits 32+ in a cmd1 parameter.
  const DecodedCommand d = decode_command(Words{0x00124000, 0x34567890}, 0);
  EXPECT_EQ(command_address(d.command), 0x12'3456'7890u);
  const DecodedCommand conv = decode_command(Words{0xABCD0002}, 0);
  EXPECT_EQ(field_value(conv.command, "reserved0"), 0xABCDu);
}

TEST(NpuDecode, UnsupportedPayloadSize) {
  for (const uint32_t word : {0x00008000u, 0x0000C000u}) {
    const std::string message = error_of([&] { decode_stream(Words{word, 0, 0}); });
    EXPECT_NE(message.find("payload_size"), std::string::npos) << message;
  }
}

TEST(NpuDecode, ErrorsAreInputErrors) {
  try {
    decode_stream(Words{0x00000004});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
  }
}

}  // namespace
}  // namespace euc::npu

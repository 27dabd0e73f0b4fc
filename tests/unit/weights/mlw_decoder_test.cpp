// The MLW decoder on streams built bit by bit here from the format description
// (docs/npu_architecture.md §Weight encoding, weights/mlw_format.hpp), independently of the
// encoder, and on malformed input.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "weights/mlw_decoder.hpp"
#include "weights/mlw_encoder.hpp"

namespace euc::weights {
namespace {

// Packs fields least significant bit first, as the format does.
class Bits {
 public:
  Bits& put(std::uint32_t value, int count) {
    for (int i = 0; i < count; ++i) {
      bits_.push_back(((value >> i) & 1u) != 0);
    }
    return *this;
  }
  // Slice header: ZDIV, SLICELEN - 1, WDIV, WTRUNC, NEWPAL.
  Bits& header(int zdiv, int weights, int wdiv, bool truncated, bool new_palette) {
    return put(zdiv, 3).put(weights - 1, 15).put(wdiv, 3).put(truncated, 1).put(new_palette, 1);
  }
  // DIROFS, PALSIZE field, PALBITS - 2, entries.
  Bits& palette(int direct_offset, const std::vector<int>& entries, int palette_bits) {
    const int size = static_cast<int>(entries.size());
    put(direct_offset, 5).put(size == 0 ? 0 : size - 1, 5).put(palette_bits - 2, 3);
    for (int e : entries) {
      put(e, palette_bits);
    }
    return *this;
  }
  // End-of-stream marker, one-bits to the byte boundary, 0xFF to 16 bytes.
  Bits& end() {
    put(7, 3);
    while (bits_.size() % 8 != 0) {
      put(1, 1);
    }
    while (bits_.size() % 128 != 0) {
      put(0xFF, 8);
    }
    return *this;
  }
  std::size_t size() const { return bits_.size(); }
  std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> out((bits_.size() + 7) / 8, 0);
    for (std::size_t i = 0; i < bits_.size(); ++i) {
      if (bits_[i]) {
        out[i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
      }
    }
    return out;
  }

 private:
  std::vector<bool> bits_;
};

using Values = std::vector<std::int16_t>;

std::string decode_error(const std::vector<std::uint8_t>& bytes, MlwDecodeLimits limits = {}) {
  try {
    decode_mlw(bytes, limits);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(MlwDecoder, DecodesUncompressedSliceWithoutPalette) {
  // Uncompressed indices are PALBITS (3) wide without a palette; one chunk of 12 positions
  // carries no unary bits, its remainders follow in the next (empty) chunk. DIROFS 0: index =
  // sign-magnitude value, 2 = +1, 3 = -1, 7 = -3.
  Bits b;
  b.header(6, 3, 7, false, true).palette(0, {}, 3);
  b.put(2, 3).put(3, 3).put(7, 3);
  b.end();
  EXPECT_EQ(decode_mlw(b.bytes()), (Values{1, -1, -3}));
}

TEST(MlwDecoder, DecodesUnaryCodeCarriedAcrossChunks) {
  // WDIV 0, not truncated. Index 30 needs 15 positions worth 2 and a closing 0: the first chunk
  // is 12 positions of 2 (WUNARY0 and WUNARY1 all ones) and completes no symbol. The second
  // chunk holds 3 more 2s and the closing 0, then index 3 as 2 + 1, then 6 padding zeros.
  Bits b;
  b.header(6, 2, 0, false, true).palette(0, {}, 2);
  b.put(0xFFF, 12).put(0xFFF, 12);
  b.put(0b110111, 12).put(0b01111, 5);
  b.end();
  // No palette, DIROFS 0: 30 = +15, 3 = -1.
  EXPECT_EQ(decode_mlw(b.bytes()), (Values{15, -1}));
}

TEST(MlwDecoder, DecodesTruncatedCodeWithRemainders) {
  // WDIV 1, truncated: indices 0..5 have quotients 0,0,1,1,2,2 (one position each) and
  // remainders 0,1,0,1,0,1, sent after the chunk. DIROFS 2 shifts them to values 2..7.
  Bits b;
  b.header(6, 6, 1, true, true).palette(2, {}, 3);
  b.put(0b111100, 12).put(0b1100, 4);
  for (int r : {0, 1, 0, 1, 0, 1}) {
    b.put(r, 1);
  }
  b.end();
  EXPECT_EQ(decode_mlw(b.bytes()), (Values{1, -1, 2, -2, 3, -3}));
}

// One slice with a palette and zero runs: palette {4 (+2), 3 (-1)}, DIROFS 2, weight indices
// 0, 1, 2 (2 is past the palette: 2 - 2 + 2 = sign-magnitude 2 = +1), zero runs 1, 0, 2, 0 (a
// slice defining a palette starts with a run). WDIV 0 codes: 0 | 1 | 2,0 in four positions;
// ZDIV 0 codes the runs as 10 0 110 0 in unary.
Bits palette_and_runs_slice() {
  Bits b;
  b.header(0, 3, 0, false, true).palette(2, {4, 3}, 3);
  b.put(0b0110, 12);   // WUNARY0
  b.put(0b11001, 12);  // ZUNARY
  b.put(0b10, 2);      // WUNARY1
  return b;            // remainders are all 0 bits wide
}

TEST(MlwDecoder, DecodesPaletteDirectValuesAndZeroRuns) {
  Bits b = palette_and_runs_slice();
  b.end();
  EXPECT_EQ(decode_mlw(b.bytes()), (Values{0, 2, -1, 0, 0, 1}));
}

TEST(MlwDecoder, LaterSliceKeepsPaletteAndCodesRunsAfterEachWeight) {
  Bits b = palette_and_runs_slice();
  // No new palette: one weight (index 0 = +2) and one run (1) after it.
  b.header(0, 1, 0, false, false);
  b.put(0, 12).put(0b01, 12).put(0, 0);
  b.end();
  EXPECT_EQ(decode_mlw(b.bytes()), (Values{0, 2, -1, 0, 0, 1, 2, 0}));
}

TEST(MlwDecoder, ReportsSliceHeaders) {
  Bits b = palette_and_runs_slice();
  b.end();
  const MlwStream stream = decode_mlw_stream(b.bytes());
  ASSERT_EQ(stream.slices.size(), 1u);
  const MlwSliceInfo& s = stream.slices[0];
  EXPECT_EQ(s.bit_offset, 0u);
  EXPECT_EQ(s.zdiv, 0);
  EXPECT_EQ(s.wdiv, 0);
  EXPECT_TRUE(s.new_palette);
  EXPECT_EQ(s.weight_count, 3);
  EXPECT_EQ(s.palette_size, 2);
  EXPECT_EQ(s.palette_bits, 3);
  EXPECT_EQ(s.direct_offset, 2);
  EXPECT_EQ(s.value_count, 6u);
}

TEST(MlwDecoder, StreamEndsAtTheByteHoldingTheEndMarker) {
  Bits b;
  b.header(6, 3, 7, false, true).palette(0, {}, 3).put(2, 3).put(3, 3).put(7, 3);
  const std::size_t end_bit = b.size() + 3;
  b.end();
  const auto bytes = b.bytes();
  EXPECT_EQ(decode_mlw_stream(bytes).size_bytes, (end_bit + 7) / 8);
}

TEST(MlwDecoder, DecodesStreamsBackToBack) {
  const Values a = {1, 2, 3, 0, 0, -7};
  const Values b = {-255, 255, 0, 4};
  auto bytes = encode_mlw(a);
  const auto second = encode_mlw(b);
  bytes.insert(bytes.end(), second.begin(), second.end());
  Values both = a;
  both.insert(both.end(), b.begin(), b.end());
  EXPECT_EQ(decode_mlw(bytes), both);
}

TEST(MlwDecoder, PaddingAloneDecodesToNothing) {
  EXPECT_TRUE(decode_mlw(std::vector<std::uint8_t>(16, 0xFF)).empty());
}

// ---- malformed streams ----

TEST(MlwDecoder, RejectsEmptyBuffer) {
  EXPECT_NE(decode_error({}).find("no end-of-stream marker"), std::string::npos);
}

TEST(MlwDecoder, RejectsStreamWithoutEndMarker) {
  // A complete slice of 23 + 13 + 4 bits ending on a byte boundary, then nothing.
  Bits b;
  b.header(6, 1, 7, false, true).palette(0, {}, 4).put(2, 4);
  ASSERT_EQ(b.size(), 40u);
  const std::string error = decode_error(b.bytes());
  EXPECT_NE(error.find("missing end-of-stream marker"), std::string::npos) << error;
  EXPECT_NE(error.find("at bit 40"), std::string::npos) << error;
}

TEST(MlwDecoder, RejectsTruncatedSliceHeader) {
  Bits b;
  b.put(0, 3).put(5, 10);  // ZDIV 0 and only 10 of SLICELEN's 15 bits, then the byte ends
  const std::string error = decode_error(b.bytes());
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  EXPECT_NE(error.find("SLICELEN"), std::string::npos) << error;
}

TEST(MlwDecoder, RejectsReservedZdiv) {
  Bits b;
  b.header(4, 1, 0, false, true).palette(0, {}, 2).put(0, 12).end();
  const std::string error = decode_error(b.bytes());
  EXPECT_NE(error.find("reserved ZDIV value 4"), std::string::npos) << error;
  EXPECT_NE(error.find("at bit 0"), std::string::npos) << error;
}

TEST(MlwDecoder, RejectsReservedWdiv) {
  Bits b;
  b.header(6, 1, 6, false, true).palette(0, {}, 2).put(0, 12).end();
  EXPECT_NE(decode_error(b.bytes()).find("reserved WDIV value 6"), std::string::npos);
}

TEST(MlwDecoder, RejectsFirstSliceWithoutPalette) {
  Bits b;
  b.header(6, 1, 0, false, false).put(0, 12).end();
  EXPECT_NE(decode_error(b.bytes()).find("does not define a palette"), std::string::npos);
}

TEST(MlwDecoder, RejectsZeroRunModeChangeWithoutPalette) {
  Bits b = palette_and_runs_slice();
  const std::size_t second = b.size();
  b.header(6, 1, 0, false, false).put(0, 12).end();  // ZDIV 6 = no zero runs, same palette
  const std::string error = decode_error(b.bytes());
  EXPECT_NE(error.find("zero-run mode"), std::string::npos) << error;
  EXPECT_NE(error.find("at bit " + std::to_string(second)), std::string::npos) << error;
}

TEST(MlwDecoder, RejectsWeightIndexAbove511) {
  // WDIV 5: quotient 16 (8 positions worth 2, then 0) with remainder 0 is index 512.
  Bits b;
  b.header(6, 1, 5, false, true).palette(0, {}, 2);
  b.put(0xFF, 12).put(0xFF, 8);
  b.put(0, 5);  // the remainder, after the next (empty) chunk
  b.end();
  EXPECT_NE(decode_error(b.bytes()).find("weight index 512 exceeds 511"), std::string::npos);
}

TEST(MlwDecoder, RejectsDirectValueAbove511) {
  // Uncompressed 9-bit index 500 with DIROFS 31 is sign-magnitude 531.
  Bits b;
  b.header(6, 1, 7, false, true).palette(31, {}, 9).put(500, 9).end();
  EXPECT_NE(decode_error(b.bytes()).find("direct weight value 531"), std::string::npos);
}

TEST(MlwDecoder, RejectsOutputBeyondLimit) {
  const auto bytes = encode_mlw(Values(5000, 0));
  EXPECT_NO_THROW(decode_mlw(bytes, {5000}));
  EXPECT_NE(decode_error(bytes, {4999}).find("limit of 4999 values"), std::string::npos);
}

TEST(MlwDecoder, RejectsUnboundedUnaryCode) {
  // Non-truncated unary positions of 2 that never end: the quotient passes 511 long before the
  // stream does.
  Bits b;
  b.header(6, 1, 0, false, true).palette(0, {}, 2);
  for (int i = 0; i < 40; ++i) {
    b.put(0xFFF, 12).put(0xFFF, 12);
  }
  EXPECT_NE(decode_error(b.bytes()).find("quotient"), std::string::npos);
}

// Every prefix of a valid stream is either an error or, once the end marker is in, the whole
// result: never a crash, never different values.
TEST(MlwDecoder, TruncationAtEveryLengthIsAnErrorOrTheFullResult) {
  std::mt19937 rng(11);
  std::normal_distribution<double> normal(0, 12);
  std::bernoulli_distribution zero(0.5);
  Values weights(3000);
  for (auto& w : weights) {
    w = zero(rng)
            ? 0
            : static_cast<std::int16_t>(std::clamp<long>(std::lround(normal(rng)), -255, 255));
  }
  const auto bytes = encode_mlw(weights);
  const std::size_t marker_end = decode_mlw_stream(bytes).size_bytes;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(n));
    try {
      EXPECT_EQ(decode_mlw(prefix), weights) << "prefix of " << n << " bytes";
      EXPECT_GE(n, marker_end);
    } catch (const Error&) {
      EXPECT_LT(n, marker_end) << "prefix of " << n << " bytes";
    }
  }
}

TEST(MlwDecoder, SurvivesEverySingleBitFlip) {
  const Values weights = {0, 0, 5, -3, 0, 100, -255, 255, 1, 0, 0, 0, 0, 7, 7, 7, 7, -1, 2};
  const auto bytes = encode_mlw(weights);
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    auto flipped = bytes;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    try {
      const auto values = decode_mlw(flipped, {1u << 20});
      for (std::int16_t v : values) {
        ASSERT_TRUE(v >= -255 && v <= 255);
      }
    } catch (const Error&) {
    }
  }
}

}  // namespace
}  // namespace euc::weights

// euc's codec against the weight streams of models compiled by Arm's Vela
// (<shared>/reference/vela_outputs): the decoder must read every stream Arm's encoder wrote,
// and euc's encoder must not need more bytes for the same weights.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/test_paths.hpp"
#include "vela_weight_streams.hpp"
#include "weights/mlw_decoder.hpp"
#include "weights/mlw_encoder.hpp"

namespace euc::weights {
namespace {

std::vector<euc::test::VelaWeightStream> streams_of(const std::string& relative) {
  const auto path = euc::test::shared_dir() / "reference" / "vela_outputs" / relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)), {});
  return euc::test::vela_weight_streams(file);
}

class VelaStreams : public ::testing::TestWithParam<const char*> {};

TEST_P(VelaStreams, DecodesEveryStreamAndReencodesNoLarger) {
  EUC_REQUIRE_SHARED();
  const auto streams = streams_of(GetParam());
  ASSERT_FALSE(streams.empty());
  std::size_t vela_bytes = 0;
  std::size_t euc_bytes = 0;
  for (const auto& s : streams) {
    // Vela pads each stream to 16 bytes with 0xFF, which reads as empty streams.
    const MlwStream first = decode_mlw_stream(s.bytes);
    const std::vector<std::int16_t> weights = decode_mlw(s.bytes);
    ASSERT_EQ(weights, first.values) << "stream at flash offset " << s.flash_offset;
    ASSERT_FALSE(weights.empty());
    const auto encoded = encode_mlw(weights);
    ASSERT_EQ(decode_mlw(encoded), weights);
    EXPECT_LE(encoded.size(), s.bytes.size()) << "stream at flash offset " << s.flash_offset;
    vela_bytes += s.bytes.size();
    euc_bytes += encoded.size();
  }
  EXPECT_LE(euc_bytes, vela_bytes);
  RecordProperty("vela_bytes", std::to_string(vela_bytes));
  RecordProperty("euc_bytes", std::to_string(euc_bytes));
}

INSTANTIATE_TEST_SUITE_P(Models, VelaStreams,
                         ::testing::Values("vela3.10/a/person_detect_vela.tflite",
                                           "vela3.10/a/micro_speech_quantized_vela.tflite",
                                           "vela3.10/a/keyword_scrambled_8bit_vela.tflite",
                                           "vela3.10/d/person_detect_vela.tflite",
                                           "vela5.1/a/person_detect_vela.tflite",
                                           "vela5.1/a/mnist_lstm_int8_vela.tflite"));

}  // namespace
}  // namespace euc::weights

// The seanet 16x8 layers: each *_input<k>_int16.csv (one line of comma-separated int16 values
// in the input tensor's NHWC order) must give exactly *_golden_int16.csv.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "golden_support.hpp"
#include "refinterp/interpreter.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::test {
namespace {

namespace fs = std::filesystem;

std::vector<int16_t> read_csv(const fs::path& path) {
  std::ifstream in(path);
  std::vector<int16_t> values;
  std::string field;
  while (std::getline(in, field, ','))
    values.push_back(static_cast<int16_t>(std::stoi(field)));
  return values;
}

std::vector<std::string> seanet_layers() {
  std::vector<std::string> layers;
  std::error_code ec;
  const fs::path dir = shared_dir() / "models" / "seanet";
  if (!fs::is_directory(dir, ec))
    return layers;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const std::string suffix = "_golden_int16.csv";
    if (name.size() > suffix.size() && name.ends_with(suffix))
      layers.push_back(name.substr(0, name.size() - suffix.size()));
  }
  std::sort(layers.begin(), layers.end());
  return layers;
}

class SeanetTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SeanetTest, LayerReproducesGoldenCsv) {
  EUC_REQUIRE_SHARED();
  const fs::path dir = shared_dir() / "models" / "seanet";
  const std::string layer = GetParam();
  refinterp::Interpreter interp(tfl::read_model_file(dir / (layer + ".tflite")));
  for (size_t k = 0; k < interp.input_count(); ++k) {
    const auto values = read_csv(dir / (layer + "_input" + std::to_string(k) + "_int16.csv"));
    ASSERT_EQ(interp.input_tensor(k).type, ir::DataType::kInt16);
    std::vector<uint8_t> bytes(values.size() * 2);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    interp.set_input(k, bytes);
  }
  interp.invoke();
  const auto expected = read_csv(dir / (layer + "_golden_int16.csv"));
  const auto out = interp.output(0);
  ASSERT_EQ(out.size(), expected.size() * 2);
  std::vector<int16_t> got(expected.size());
  std::memcpy(got.data(), out.data(), out.size());
  EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(Layers, SeanetTest, ::testing::ValuesIn(seanet_layers()));
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SeanetTest);

// Without ../shared the suite above has no cases; this says so as a skipped test.
TEST(SeanetSuite, HasItsCases) {
  EUC_REQUIRE_SHARED();
  EXPECT_FALSE(seanet_layers().empty());
}

TEST(SeanetCorpus, HasElevenLayersWithCsvs) {
  EUC_REQUIRE_SHARED();
  EXPECT_EQ(seanet_layers().size(), 11u);
}

}  // namespace
}  // namespace euc::test

// The MLW encoder: every stream it writes must decode to its input, follow the stream layout
// (slice limits, end marker, padding) and pick the modes the format offers for the data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "support/test_paths.hpp"
#include "weights/mlw_decoder.hpp"
#include "weights/mlw_encoder.hpp"
#include "weights/mlw_format.hpp"
#include "weights/mlw_section.hpp"

namespace euc::weights {
namespace {

using Values = std::vector<std::int16_t>;

constexpr MlwEffort kEfforts[] = {MlwEffort::kFast, MlwEffort::kDefault, MlwEffort::kBest};

// Encodes at every effort, checks the stream layout and that it decodes back, and returns the
// default-effort stream.
std::vector<std::uint8_t> check_round_trip(const Values& weights) {
  std::vector<std::uint8_t> result;
  for (MlwEffort effort : kEfforts) {
    const auto bytes = encode_mlw(weights, {effort});
    EXPECT_EQ(bytes.size() % 16, 0u);
    const MlwStream stream = decode_mlw_stream(bytes);
    EXPECT_EQ(stream.values, weights) << "effort " << static_cast<int>(effort);
    for (std::size_t i = stream.size_bytes; i < bytes.size(); ++i) {
      EXPECT_EQ(bytes[i], 0xFF);
    }
    // The padding must not hold anything but whole padding bytes.
    EXPECT_GT(stream.size_bytes + 16, bytes.size());
    for (const MlwSliceInfo& slice : stream.slices) {
      EXPECT_LE(slice.weight_count, mlw::kMaxSliceWeights);
    }
    if (effort == MlwEffort::kDefault) {
      result = bytes;
    }
  }
  return result;
}

Values clamp_to_weights(const std::vector<double>& xs) {
  Values w;
  for (double x : xs) {
    w.push_back(static_cast<std::int16_t>(std::clamp<long>(std::lround(x), -255, 255)));
  }
  return w;
}

TEST(MlwEncoder, RoundTripsRandomWeightsOfManySizesAndDistributions) {
  std::mt19937 rng(1234);
  const std::size_t sizes[] = {1, 2, 3, 7, 12, 13, 31, 100, 257, 1000, 4096, 20000};
  for (std::size_t n : sizes) {
    for (double sigma : {0.5, 3.0, 20.0, 90.0, 400.0}) {
      std::normal_distribution<double> normal(0, sigma);
      std::vector<double> xs(n);
      for (auto& x : xs) {
        x = normal(rng);
      }
      check_round_trip(clamp_to_weights(xs));
    }
    std::uniform_int_distribution<int> uniform(-255, 255);
    Values w(n);
    for (auto& v : w) {
      v = static_cast<std::int16_t>(uniform(rng));
    }
    check_round_trip(w);
    // Sparse: mostly zeros.
    std::bernoulli_distribution zero(0.9);
    for (auto& v : w) {
      v = zero(rng) ? 0 : static_cast<std::int16_t>(uniform(rng));
    }
    check_round_trip(w);
  }
}

TEST(MlwEncoder, RoundTripsConstantAndExtremeStreams) {
  for (std::size_t n : {1u, 2u, 100u, 5000u, 40000u}) {
    check_round_trip(Values(n, 0));
    check_round_trip(Values(n, 255));
    check_round_trip(Values(n, -255));
    check_round_trip(Values(n, 1));
    check_round_trip(Values(n, -1));
    Values alternating(n);
    for (std::size_t i = 0; i < n; ++i) {
      alternating[i] = i % 2 ? 255 : -255;
    }
    check_round_trip(alternating);
  }
}

TEST(MlwEncoder, RoundTripsLongZeroRuns) {
  Values w(100000, 0);
  w[0] = 3;
  w[70000] = -9;
  w[70001] = 1;
  check_round_trip(w);
  Values leading(50000, 0);
  leading.push_back(42);
  check_round_trip(leading);
  Values trailing = {42};
  trailing.resize(50000, 0);
  check_round_trip(trailing);
}

TEST(MlwEncoder, SplitsMoreThan32767WeightsIntoSlices) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> uniform(-255, 255);
  Values w(100000);
  for (auto& v : w) {
    v = static_cast<std::int16_t>(uniform(rng));
  }
  const auto bytes = check_round_trip(w);
  const MlwStream stream = decode_mlw_stream(bytes);
  EXPECT_GE(stream.slices.size(), 4u);  // 100000 > 3 * 32767
}

TEST(MlwEncoder, RoundTripsPiecewiseStatistics) {
  // Changes of distribution along the stream, where new palettes pay off.
  std::mt19937 rng(8);
  std::normal_distribution<double> narrow(0, 2);
  std::uniform_int_distribution<int> wide(-127, 127);
  std::uniform_int_distribution<int> four(0, 3);
  Values w;
  for (int block = 0; block < 40; ++block) {
    for (int i = 0; i < 700; ++i) {
      switch (block % 3) {
        case 0:
          w.push_back(static_cast<std::int16_t>(std::lround(narrow(rng))));
          break;
        case 1:
          w.push_back(static_cast<std::int16_t>(wide(rng)));
          break;
        default:
          w.push_back(static_cast<std::int16_t>((four(rng) - 2) * 60));
          break;
      }
    }
  }
  check_round_trip(w);
  MlwEncodeStats stats;
  encode_mlw(w, {MlwEffort::kBest}, &stats);
  EXPECT_GT(stats.sections, 1u);
}

TEST(MlwEncoder, EmptyInputIsJustTheEndMarker) {
  const auto bytes = encode_mlw(Values{});
  EXPECT_EQ(bytes, std::vector<std::uint8_t>(16, 0xFF));
  EXPECT_TRUE(decode_mlw(bytes).empty());
}

TEST(MlwEncoder, OutputIsDeterministic) {
  std::mt19937 rng(99);
  std::normal_distribution<double> normal(0, 30);
  std::vector<double> xs(30000);
  for (auto& x : xs) {
    x = normal(rng);
  }
  const Values w = clamp_to_weights(xs);
  for (MlwEffort effort : kEfforts) {
    EXPECT_EQ(encode_mlw(w, {effort}), encode_mlw(w, {effort}));
  }
}

TEST(MlwEncoder, RejectsWeightsOutsideNineBitRange) {
  for (std::int16_t bad : {256, -256, 1000}) {
    try {
      encode_mlw(Values{0, 1, bad});
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("index 2"), std::string::npos) << e.what();
    }
  }
}

TEST(MlwEncoder, UsesZeroRunsWhenZerosDominate) {
  Values w(4000, 0);
  for (std::size_t i = 0; i < w.size(); i += 37) {
    w[i] = static_cast<std::int16_t>(i % 11) - 5;
  }
  const MlwStream stream = decode_mlw_stream(encode_mlw(w));
  ASSERT_FALSE(stream.slices.empty());
  EXPECT_NE(stream.slices[0].zdiv, mlw::kZdivNoZeroRuns);
}

TEST(MlwEncoder, UsesPaletteForFewDistinctValues) {
  std::mt19937 rng(4);
  const std::int16_t levels[] = {-200, -67, 67, 200};
  std::uniform_int_distribution<int> pick(0, 3);
  Values w(2000);
  for (auto& v : w) {
    v = levels[pick(rng)];
  }
  const auto bytes = encode_mlw(w);
  const MlwStream stream = decode_mlw_stream(bytes);
  EXPECT_EQ(stream.slices[0].palette_size, 4);
  // Four equally likely values cost 2 bits each.
  EXPECT_LE(bytes.size(), 2000u * 2 / 8 + 32);
}

TEST(MlwEncoder, StatsCountSectionsAndSlices) {
  MlwEncodeStats stats;
  const auto bytes = encode_mlw(Values(70000, 3), {MlwEffort::kFast}, &stats);
  EXPECT_EQ(stats.sections, 1u);
  EXPECT_EQ(stats.slices, decode_mlw_stream(bytes).slices.size());
  EXPECT_GT(stats.payload_bits, 70000u);  // at least a bit per weight without zero runs
}

// Pseudo-random int8 data with a realistic spread: byte runs of the shared TFLite models.
TEST(MlwEncoder, RoundTripsBytesOfRealModels) {
  EUC_REQUIRE_SHARED();
  const auto models = euc::test::shared_dir() / "models";
  int checked = 0;
  for (const char* name :
       {"person_detect.tflite", "mobilenet_v2_224_int8.tflite", "micro_speech_quantized.tflite"}) {
    std::ifstream in(models / name, std::ios::binary);
    if (!in) {
      continue;
    }
    const std::vector<char> file((std::istreambuf_iterator<char>(in)), {});
    for (std::size_t offset : {file.size() / 7, file.size() / 3, file.size() / 2}) {
      Values w;
      for (std::size_t i = offset; i < file.size() && w.size() < 50000; ++i) {
        const auto v = static_cast<std::int8_t>(file[i]);
        if (v != 0) {
          w.push_back(v);
        }
      }
      check_round_trip(w);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace euc::weights

namespace euc::weights {
namespace {

TEST(MlwSection, ZeroRunBitsFromValuesEqualThoseOfTheSymbols) {
  // The encoder estimates zero-run costs straight from the values; they must be the costs of
  // the runs a zero-run coding actually forms, edge cases included.
  std::mt19937 rng(5);
  std::vector<std::vector<std::int16_t>> cases = {{}, {0}, {0, 0, 0}, {3}, {0, 5, 0, 0}, {7, 0}};
  for (int t = 0; t < 50; ++t) {
    std::vector<std::int16_t> v(1 + rng() % 300);
    for (auto& x : v)
      x = rng() % 3 == 0 ? static_cast<std::int16_t>(static_cast<int>(rng() % 511) - 255) : 0;
    cases.push_back(v);
  }
  for (const auto& v : cases) {
    MlwSectionCoding zero_runs;
    zero_runs.zero_runs = true;
    EXPECT_EQ(zero_run_bits_of(v), zero_run_bits(section_symbols(v, zero_runs).runs)) << v.size();
  }
}

}  // namespace
}  // namespace euc::weights

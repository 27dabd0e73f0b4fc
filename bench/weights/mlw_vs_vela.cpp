// Compares euc's MLW encoder with the weight streams in models compiled by Arm's Vela.
//
// Usage: mlw_vs_vela [vela.tflite ...]   (default: every *_vela.tflite under
// $EUC_SHARED_DIR/reference/vela_outputs, default ../shared)
//
// Each weight stream the model's command stream reads is decoded with euc's decoder (which also
// checks euc's decoder against Arm's encoder), re-encoded with euc's encoder at each effort,
// checked to decode to the same values, and the sizes are compared per model ("worst" is the
// largest default-effort/Vela size ratio of a single stream).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "vela_weight_streams.hpp"
#include "weights/mlw_decoder.hpp"
#include "weights/mlw_encoder.hpp"

namespace fs = std::filesystem;

namespace {

fs::path shared_dir() {
  const char* env = std::getenv("EUC_SHARED_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::path(EUC_DEFAULT_SHARED_DIR);
}

std::vector<fs::path> default_models() {
  std::vector<fs::path> models;
  const fs::path root = shared_dir() / "reference" / "vela_outputs";
  if (!fs::exists(root)) {
    return models;
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().filename().string().ends_with("_vela.tflite")) {
      models.push_back(entry.path());
    }
  }
  std::sort(models.begin(), models.end());
  return models;
}

}  // namespace

int main(int argc, char** argv) {
  using euc::weights::MlwEffort;
  constexpr std::array<MlwEffort, 3> kEfforts = {MlwEffort::kFast, MlwEffort::kDefault,
                                                 MlwEffort::kBest};
  std::vector<fs::path> models;
  for (int i = 1; i < argc; ++i) {
    models.emplace_back(argv[i]);
  }
  if (models.empty()) {
    models = default_models();
  }
  std::size_t total_vela = 0, total_values = 0;
  std::array<std::size_t, 3> total_euc{};
  std::array<double, 3> seconds{};
  std::printf("%-44s %7s %9s %9s %9s %9s %9s %8s %8s\n", "model", "streams", "weights", "vela_B",
              "fast_B", "default_B", "best_B", "def/vela", "worst");
  for (const auto& model : models) {
    std::ifstream in(model, std::ios::binary);
    const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)), {});
    std::size_t vela = 0, values = 0;
    std::array<std::size_t, 3> euc{};
    double worst = 0;
    std::vector<euc::test::VelaWeightStream> streams;
    try {
      streams = euc::test::vela_weight_streams(file);
    } catch (const euc::Error& e) {
      std::printf("%-44s skipped: %s\n", model.filename().c_str(), e.what());
      continue;
    }
    for (const auto& s : streams) {
      const auto weights = euc::weights::decode_mlw(s.bytes);
      for (std::size_t e = 0; e < kEfforts.size(); ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto encoded = euc::weights::encode_mlw(weights, {kEfforts[e]});
        seconds[e] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (euc::weights::decode_mlw(encoded) != weights) {
          std::printf("ROUND TRIP FAILURE: stream at flash offset %zu of %s\n", s.flash_offset,
                      model.c_str());
          return 1;
        }
        euc[e] += encoded.size();
        if (kEfforts[e] == MlwEffort::kDefault) {
          worst = std::max(worst, double(encoded.size()) / double(s.bytes.size()));
        }
      }
      vela += s.bytes.size();
      values += weights.size();
    }
    const std::string name = model.parent_path().parent_path().filename().string() + "/" +
                             model.parent_path().filename().string() + "/" +
                             model.filename().string();
    std::printf("%-44s %7zu %9zu %9zu %9zu %9zu %9zu %8.4f %8.4f\n", name.c_str(), streams.size(),
                values, vela, euc[0], euc[1], euc[2], vela ? double(euc[1]) / double(vela) : 0.0,
                worst);
    total_vela += vela;
    total_values += values;
    for (std::size_t e = 0; e < euc.size(); ++e) {
      total_euc[e] += euc[e];
    }
  }
  if (total_values == 0) {
    return 0;
  }
  std::printf("total: %zu weights; vela %zu B = %.4f B/weight\n", total_values, total_vela,
              double(total_vela) / double(total_values));
  const char* names[] = {"fast", "default", "best"};
  for (std::size_t e = 0; e < kEfforts.size(); ++e) {
    std::printf("  euc %-8s %zu B = %.4f B/weight, euc/vela %.4f, encode %.2f s (%.3f us/weight)\n",
                names[e], total_euc[e], double(total_euc[e]) / double(total_values),
                double(total_euc[e]) / double(total_vela), seconds[e],
                1e6 * seconds[e] / double(total_values));
  }
  return 0;
}

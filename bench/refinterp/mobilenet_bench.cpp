// Time of one MobileNetV2 (224x224, int8) inference in the reference interpreter.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "refinterp/interpreter.hpp"
#include "tflite/reader.hpp"

namespace {

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("EUC_SHARED_DIR"); env != nullptr && *env != '\0')
    return env;
  return EUC_DEFAULT_SHARED_DIR;
}

void BM_MobileNetV2Inference(benchmark::State& state) {
  const auto path = shared_dir() / "models" / "mobilenet_v2_224_int8.tflite";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("mobilenet_v2_224_int8.tflite not found (set EUC_SHARED_DIR)");
    return;
  }
  euc::refinterp::Interpreter interp(euc::tfl::read_model_file(path));
  std::vector<uint8_t> input(interp.input_tensor(0).num_elements());
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<uint8_t>(i * 2654435761u >> 24);
  interp.set_input(0, input);
  for (auto _ : state) {
    interp.invoke();
    benchmark::DoNotOptimize(interp.output(0).data());
  }
}
BENCHMARK(BM_MobileNetV2Inference)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();

// Time of one MobileNetV2 (224x224, int8) inference as Vela 3.10 compiled it (config a,
// ethos-u55-256), on the functional model of the NPU.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "refinterp/interpreter.hpp"
#include "runner/ethosu_kernel.hpp"
#include "tflite/reader.hpp"

namespace {

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("EUC_SHARED_DIR"); env != nullptr && *env != '\0')
    return env;
  return EUC_DEFAULT_SHARED_DIR;
}

void run_compiled(benchmark::State& state, const char* version, const char* config) {
  const auto path = shared_dir() / "reference" / "vela_outputs" / version / config /
                    "mobilenet_v2_224_int8_vela.tflite";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("mobilenet_v2_224_int8_vela.tflite not found (set EUC_SHARED_DIR)");
    return;
  }
  euc::refinterp::Interpreter interp(euc::tfl::read_model_file(path),
                                     euc::runner::ethosu_kernel_factory(path.string()));
  std::vector<uint8_t> input(static_cast<size_t>(interp.input_tensor(0).num_elements()));
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<uint8_t>(i * 2654435761u >> 24);
  interp.set_input(0, input);
  for (auto _ : state) {
    interp.invoke();
    benchmark::DoNotOptimize(interp.output(0).data());
  }
}

// A fresh interpreter per iteration: reading the model and decoding every weight stream
// (the first inference) included.
void BM_MobileNetV2OnNpuColdVela310A(benchmark::State& state) {
  const auto path = shared_dir() / "reference" / "vela_outputs" / "vela3.10" / "a" /
                    "mobilenet_v2_224_int8_vela.tflite";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("mobilenet_v2_224_int8_vela.tflite not found (set EUC_SHARED_DIR)");
    return;
  }
  const euc::ir::Model model = euc::tfl::read_model_file(path);
  for (auto _ : state) {
    euc::refinterp::Interpreter interp(model, euc::runner::ethosu_kernel_factory(path.string()));
    std::vector<uint8_t> input(static_cast<size_t>(interp.input_tensor(0).num_elements()), 0);
    interp.set_input(0, input);
    interp.invoke();
    benchmark::DoNotOptimize(interp.output(0).data());
  }
}
BENCHMARK(BM_MobileNetV2OnNpuColdVela310A)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Later inferences reuse the decoded weights.
void BM_MobileNetV2OnNpuVela310A(benchmark::State& state) {
  run_compiled(state, "vela3.10", "a");
}
void BM_MobileNetV2OnNpuVela51D(benchmark::State& state) {
  run_compiled(state, "vela5.1", "d");
}
BENCHMARK(BM_MobileNetV2OnNpuVela310A)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_MobileNetV2OnNpuVela51D)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();

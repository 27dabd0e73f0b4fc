// Prints, per model, euc's compile time (read + compile + write, median of 5 runs) for the
// default ethos-u55-256 configuration, and the peak resident memory of compiling it (each model
// is compiled in a child process of its own, so the figure is that model's alone).
// Besides the shared models it compiles the stress cases in bench/compiler/data.
// Vela's figures on this machine are in shared/reference/vela_figures.csv (MobileNetV2: Vela 5.1
// 1.37 s, Vela 3.10 5.8 s).
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "arch/config_file.hpp"
#include "driver/compiler.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(EUC_DEFAULT_SHARED_DIR);
  std::vector<fs::path> models;
  if (fs::is_directory(shared / "models")) {
    for (const auto& e : fs::directory_iterator(shared / "models")) {
      if (e.path().extension() == ".tflite" &&
          e.path().stem().string().find("_vela") == std::string::npos) {
        models.push_back(e.path());
      }
    }
  } else {
    models.push_back(fs::path(EUC_SOURCE_DIR) / "models" / "person_detect.tflite");
  }
  std::sort(models.begin(), models.end());
  // Shipped stress cases: a random graph of graph_fuzz (seed 4000000, 40% int16) with two
  // batch-major LSTMs unrolled over 80 and 54 steps, 2,298 NPU operations and about 2,200 live
  // ranges per allocation (it took 3.3 s before the allocator bounded its work).
  for (const auto& e :
       fs::directory_iterator(fs::path(EUC_SOURCE_DIR) / "bench" / "compiler" / "data")) {
    if (e.path().extension() == ".tflite")
      models.push_back(e.path());
  }
  auto system = euc::arch::resolve_system_config(euc::arch::builtin_config_library(), {});
  fmt::print("{:<28} {:>12} {:>14} {:>14}\n", "model", "compile ms", "output bytes",
             "peak RSS MiB");
  std::fflush(stdout);
  int failures = 0;
  for (const fs::path& m : models) {
    const pid_t child = fork();
    if (child < 0) {
      fmt::print(stderr, "fork failed\n");
      return 1;
    }
    if (child > 0) {
      int status = 0;
      waitpid(child, &status, 0);
      failures += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
      continue;
    }
    std::vector<double> times;
    size_t bytes = 0;
    for (int run = 0; run < 5; ++run) {
      auto start = std::chrono::steady_clock::now();
      euc::ir::Model in = euc::tfl::read_model_file(m);
      auto result = euc::driver::compile_model(in, system, {});
      bytes = euc::tfl::write_model(result.model).size();
      times.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(times.begin(), times.end());
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    fmt::print("{:<28} {:>12.1f} {:>14} {:>14.1f}\n", m.stem().string(), times[times.size() / 2],
               bytes, static_cast<double>(usage.ru_maxrss) / 1024.0);
    std::fflush(stdout);
    _exit(0);
  }
  return failures == 0 ? 0 : 1;
}

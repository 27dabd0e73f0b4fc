// libFuzzer target for the whole compile: model bytes -> reader -> compile_model -> writer. Any
// bytes must end in a compiled model or an input/usage error that names the problem; an
// internal error, any other exception, a crash or a sanitizer report is a bug. The compiled
// model must also pass the reader's checks when read back.
//
// An input is a .tflite file as it is (compiled with the default options), or one option byte
// followed by a .tflite file; the byte picks the accelerator, system configuration, memory mode
// and strategy (kVariants). A bare file has the identifier "TFL3" at offset 4.
//
// Half of the mutations are libFuzzer's own on the bytes; the other half read the model, change
// its structure (model_mutator.hpp) and write it back, now and then with another option byte.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "arch/system_config.hpp"
#include "core/error.hpp"
#include "driver/compiler.hpp"
#include "model_mutator.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace {

using namespace euc;

struct Variant {
  const char* accelerator;
  const char* system_config;
  const char* memory_mode;
  scheduler::Strategy strategy;
};

// The defaults first; then --optimise Size, a U65 with its SRAM as a cache for DRAM
// (Dedicated_Sram), and the smallest U55 on an embedded system optimised for size.
constexpr Variant kVariants[] = {
    {"ethos-u55-256", "internal-default", "internal-default", scheduler::Strategy::kPerformance},
    {"ethos-u55-256", "internal-default", "internal-default", scheduler::Strategy::kSize},
    {"ethos-u65-512", "Ethos_U65_High_End", "Dedicated_Sram", scheduler::Strategy::kPerformance},
    {"ethos-u55-32", "Ethos_U55_High_End_Embedded", "Shared_Sram", scheduler::Strategy::kSize},
};
constexpr size_t kVariantCount = sizeof(kVariants) / sizeof(kVariants[0]);

const std::vector<arch::SystemConfig>& systems() {
  static const std::vector<arch::SystemConfig> all = [] {
    std::vector<arch::SystemConfig> out;
    const arch::ConfigLibrary library = arch::builtin_config_library();
    for (const Variant& v : kVariants) {
      arch::SystemConfigOptions so;
      so.accelerator = arch::parse_accelerator(v.accelerator);
      so.system_config = v.system_config;
      so.memory_mode = v.memory_mode;
      out.push_back(arch::resolve_system_config(library, so));
    }
    return out;
  }();
  return all;
}

[[noreturn]] void report(const char* what, const char* message) {
  std::fprintf(stderr, "fuzz_compile: %s: %s\n", what, message);
  std::abort();
}

void compile(std::span<const uint8_t> model_bytes, size_t variant) {
  // The reader expects the alignment a file read into a std::vector has.
  std::vector<uint8_t> bytes(model_bytes.begin(), model_bytes.end());
  ir::Model model;
  try {
    model = tfl::read_model(bytes, "fuzz.tflite");
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal)
      report("internal error reading the model", e.what());
    return;
  }
  driver::CompileOptions options;
  options.plan.strategy = kVariants[variant].strategy;
  driver::CompileResult result;
  try {
    result = driver::compile_model(model, systems()[variant], options);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal)
      report("internal error", e.what());
    return;
  }
  // The output must be a model the reader accepts: any error from here on is the compiler's.
  try {
    std::vector<uint8_t> written = tfl::write_model(result.model);
    (void)tfl::read_model(written, "fuzz_vela.tflite");
  } catch (const Error& e) {
    report("the compiled model does not read back", e.what());
  }
}

struct Input {
  std::span<const uint8_t> model;
  size_t variant = 0;
  bool bare = true;
};

Input split(const uint8_t* data, size_t size) {
  Input in{{data, size}};
  in.bare = size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0;
  if (!in.bare && size > 0) {
    in.variant = data[0] % kVariantCount;
    in.model = in.model.subspan(1);
  }
  return in;
}

}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  std::mt19937 rng(seed);
  if (rng() % 2 == 0)
    return LLVMFuzzerMutate(data, size, max_size);
  const Input in = split(data, size);
  std::vector<uint8_t> bytes(in.model.begin(), in.model.end());
  std::vector<uint8_t> written;
  try {
    ir::Model model = tfl::read_model(bytes, "mutate");
    const unsigned count = 1 + rng() % 3;
    for (unsigned i = 0; i < count; ++i)
      fuzz::mutate_model(model, rng);
    written = tfl::write_model(model);
  } catch (const Error&) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  const bool prefix = !in.bare || rng() % 8 == 0;
  if (written.size() + (prefix ? 1 : 0) > max_size)
    return LLVMFuzzerMutate(data, size, max_size);
  size_t at = 0;
  if (prefix) {
    data[0] = static_cast<uint8_t>(rng() % 8 == 0 ? rng() : in.variant);
    at = 1;
  }
  std::memcpy(data + at, written.data(), written.size());
  return at + written.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Input in = split(data, size);
  const std::span<const uint8_t> input = in.model;
  const size_t variant = in.variant;
  try {
    compile(input, variant);
  } catch (const std::exception& e) {
    report("exception", e.what());
  } catch (...) {
    report("exception", "not a std::exception");
  }
  return 0;
}

#pragma once
// One differential check of the graph fuzzer: compile a model under one configuration and run
// the result against the original (runner::compare_models), classified by what went wrong.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arch/system_config.hpp"
#include "driver/compiler.hpp"
#include "ir/model.hpp"

namespace euc::graphgen {

struct FuzzConfig {
  std::string flags;  // the euc command-line flags it stands for
  arch::SystemConfigOptions system;
  driver::CompileOptions compile;
};

// The six configurations the fuzzer compiles every graph for (numbered from 1 in reports).
const std::vector<FuzzConfig>& fuzz_configs();

enum class Outcome {
  kOk,
  kMismatch,      // outputs differ from the reference interpreter's
  kCompileError,  // compile_model threw euc::Error on a valid graph
  kRunError,      // the functional model rejected the compiled model
  kInternal,      // internal error, another exception, a crash or a timeout
};
const char* outcome_name(Outcome o);

struct CheckResult {
  Outcome outcome = Outcome::kOk;
  std::string message;
  int segments = 0;  // ethos-u operators
  int npu_ops = 0;   // network operators placed on the NPU
  int cpu_ops = 0;   // network operators left on the CPU
};

// The reference interpreter's verdict on a generated model: nullopt when it runs, else why not.
// `saturated`, if given, receives the share of output values at their type's limits (a check
// that the generated quantisation is realistic).
std::optional<std::string> reference_rejects(const ir::Model& model,
                                             std::span<const std::vector<uint8_t>> inputs,
                                             double* saturated = nullptr);

// Compiles `model` under `config` and compares the compiled model with it on `inputs`.
CheckResult check_config(const ir::Model& model, const FuzzConfig& config,
                         std::span<const std::vector<uint8_t>> inputs);

// Runs checks in a worker process, so a crash or a hang (no result after `timeout_seconds`)
// becomes an internal error instead of ending the fuzzer. The worker lives across checks (it
// keeps the compiler's lazily built tables) and is started again after a crash.
class CheckWorker {
 public:
  explicit CheckWorker(int timeout_seconds) : timeout_seconds_(timeout_seconds) {}
  ~CheckWorker();
  CheckWorker(const CheckWorker&) = delete;
  CheckWorker& operator=(const CheckWorker&) = delete;

  // Checks `model` under configuration `config` (1-based) on runner::random_inputs(model, seed).
  CheckResult check(const ir::Model& model, int config, uint64_t seed);

 private:
  bool start();
  void stop();
  CheckResult died();

  int timeout_seconds_;
  int pid_ = -1;
  int to_worker_ = -1;
  int from_worker_ = -1;
};

// What identifies a failure across shrinking: its class, and for errors the message with
// numbers and quoted names blanked out.
std::string failure_signature(const CheckResult& r);

}  // namespace euc::graphgen

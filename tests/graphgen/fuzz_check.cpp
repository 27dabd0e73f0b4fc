#include "fuzz_check.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "arch/config_file.hpp"
#include "core/error.hpp"
#include "npuhazard/hazard_check.hpp"
#include "refinterp/interpreter.hpp"
#include "runner/differential.hpp"
#include "scheduler/allocator.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc::graphgen {
namespace {

FuzzConfig config(std::string flags, const char* accelerator, const char* system,
                  const char* memory) {
  FuzzConfig c;
  c.flags = std::move(flags);
  c.system.accelerator = arch::parse_accelerator(accelerator);
  c.system.system_config = system;
  c.system.memory_mode = memory;
  c.compile.description = "euc graph_fuzz";
  return c;
}

}  // namespace

const std::vector<FuzzConfig>& fuzz_configs() {
  static const std::vector<FuzzConfig> kConfigs = [] {
    const char* kDefault = "internal-default";
    std::vector<FuzzConfig> c;
    c.push_back(config("(defaults)", "ethos-u55-256", kDefault, kDefault));
    c.push_back(config("--optimise Size", "ethos-u55-256", kDefault, kDefault));
    c.back().compile.plan.strategy = scheduler::Strategy::kSize;
    c.push_back(
        config("--accelerator-config ethos-u55-32 --system-config Ethos_U55_High_End_Embedded "
               "--memory-mode Shared_Sram",
               "ethos-u55-32", "Ethos_U55_High_End_Embedded", "Shared_Sram"));
    c.push_back(
        config("--accelerator-config ethos-u65-512 --system-config Ethos_U65_High_End "
               "--memory-mode Dedicated_Sram",
               "ethos-u65-512", "Ethos_U65_High_End", "Dedicated_Sram"));
    c.push_back(
        config("--accelerator-config ethos-u65-256 --system-config Ethos_U65_High_End "
               "--memory-mode Dedicated_Sram --arena-cache-size 2048",
               "ethos-u65-256", "Ethos_U65_High_End", "Dedicated_Sram"));
    // --arena-cache-size sets the cache of the system config and the planner's limit, as the
    // euc command line does (tools/euc).
    c.back().system.arena_cache_size = 2048;
    c.back().compile.plan.arena_limit = 2048;
    c.push_back(
        config("--accelerator-config ethos-u55-128 --tensor-allocator Greedy --disable-cascading",
               "ethos-u55-128", kDefault, kDefault));
    c.back().compile.plan.allocator = scheduler::parse_allocator("Greedy");
    c.back().compile.plan.cascading = false;
    return c;
  }();
  return kConfigs;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kMismatch:
      return "mismatch";
    case Outcome::kCompileError:
      return "compile error";
    case Outcome::kRunError:
      return "run error";
    case Outcome::kInternal:
      return "internal error";
  }
  return "?";
}

std::optional<std::string> reference_rejects(const ir::Model& model,
                                             std::span<const std::vector<uint8_t>> inputs,
                                             double* saturated) {
  try {
    refinterp::Interpreter interp(model);
    for (size_t k = 0; k < inputs.size(); ++k)
      interp.set_input(k, inputs[k]);
    interp.invoke();
    if (saturated != nullptr) {
      int64_t at_limit = 0, total = 0;
      for (size_t k = 0; k < interp.output_count(); ++k) {
        const ir::Tensor& t = interp.output_tensor(k);
        const auto bytes = interp.output(k);
        const auto [lo, hi] = ir::integer_range(t.type);
        // A value at the zero point is a real 0 (e.g. after RELU), not a saturated one.
        const int64_t zp = t.quantization && !t.quantization->zero_point.empty()
                               ? t.quantization->zero_point[0]
                               : 0;
        for (size_t e = 0; t.type == ir::DataType::kInt16 && e + 1 < bytes.size(); e += 2) {
          const int v = static_cast<int16_t>(bytes[e] | bytes[e + 1] << 8);
          at_limit += (v == lo || v == hi) && v != zp ? 1 : 0;
          ++total;
        }
        for (size_t e = 0; t.type == ir::DataType::kInt8 && e < bytes.size(); ++e) {
          const int v = static_cast<int8_t>(bytes[e]);
          at_limit += (v == lo || v == hi) && v != zp ? 1 : 0;
          ++total;
        }
      }
      *saturated = total > 0 ? static_cast<double>(at_limit) / static_cast<double>(total) : 0.0;
    }
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

CheckResult check_config(const ir::Model& model, const FuzzConfig& config,
                         std::span<const std::vector<uint8_t>> inputs) {
  CheckResult r;
  ir::Model compiled;
  try {
    arch::SystemConfig system =
        arch::resolve_system_config(arch::builtin_config_library(), config.system);
    driver::CompileResult result = driver::compile_model(model, system, config.compile);
    r.segments = static_cast<int>(result.report.segments.size());
    r.npu_ops = result.report.npu_network_ops;
    r.cpu_ops = result.report.cpu_ops;
    try {
      compiled = tfl::read_model(tfl::write_model(result.model), "compiled");
    } catch (const Error& e) {
      // A malformed output model: TensorFlow Lite would refuse to load it.
      r.outcome = Outcome::kRunError;
      r.message = fmt::format("the compiled model does not read back: {}", e.what());
      return r;
    }
    // Races the functional model cannot see (it runs commands one after another).
    const std::string hazards =
        npuhazard::format_hazards(npuhazard::check_model(compiled, "compiled"), "compiled");
    if (!hazards.empty()) {
      r.outcome = Outcome::kRunError;
      r.message = fmt::format("hazards in the command stream:\n{}", hazards);
      return r;
    }
  } catch (const Error& e) {
    r.outcome = e.kind() == ErrorKind::kInternal ? Outcome::kInternal : Outcome::kCompileError;
    r.message = e.what();
    return r;
  } catch (const std::exception& e) {
    r.outcome = Outcome::kInternal;
    r.message = fmt::format("compile: {}", e.what());
    return r;
  }
  runner::Comparison cmp;
  try {
    cmp = runner::compare_models(model, compiled, inputs);
  } catch (const Error& e) {
    r.outcome = e.kind() == ErrorKind::kInternal ? Outcome::kInternal : Outcome::kRunError;
    r.message = e.what();
    return r;
  } catch (const std::exception& e) {
    r.outcome = Outcome::kInternal;
    r.message = fmt::format("run: {}", e.what());
    return r;
  }
  if (!cmp.equal()) {
    const runner::OutputDifference& d = *cmp.first;
    const ir::Subgraph& sg = model.subgraphs[0];
    const int64_t total = sg.tensors[sg.outputs[d.output]].num_elements();
    r.outcome = Outcome::kMismatch;
    r.message =
        fmt::format("output {} '{}': {} of {} elements differ, first at {}: want {}, got {}",
                    d.output, d.tensor, d.differing, total, d.element, d.want, d.got);
  }
  return r;
}

namespace {

bool write_all(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, size_t size) {
  auto* p = static_cast<uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads `size` bytes before `deadline`; false on end of file, error or timeout (`timed_out`).
bool read_until(int fd, void* data, size_t size, std::chrono::steady_clock::time_point deadline,
                bool& timed_out) {
  auto* p = static_cast<uint8_t*>(data);
  while (size > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      return false;
    }
    pollfd pfd{fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (ready < 0 && errno != EINTR)
      return false;
    if (ready <= 0)
      continue;
    const ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

struct Request {
  uint32_t config = 0;
  uint64_t seed = 0;
  uint64_t size = 0;
};

// The worker: requests in, one result per request out, until its input closes.
[[noreturn]] void worker_loop(int in, int out) {
  for (;;) {
    Request req;
    if (!read_all(in, &req, sizeof req))
      _exit(0);
    std::vector<uint8_t> bytes(req.size);
    if (!read_all(in, bytes.data(), bytes.size()))
      _exit(0);
    CheckResult r;
    try {
      const ir::Model model = tfl::read_model(bytes, "graph");
      const auto inputs = runner::random_inputs(model, req.seed);
      r = check_config(model, fuzz_configs().at(req.config - 1), inputs);
    } catch (const std::exception& e) {
      r.outcome = Outcome::kInternal;
      r.message = e.what();
    }
    const std::string text = fmt::format("{} {} {} {}\n{}", static_cast<int>(r.outcome), r.segments,
                                         r.npu_ops, r.cpu_ops, r.message);
    const uint64_t size = text.size();
    if (!write_all(out, &size, sizeof size) || !write_all(out, text.data(), text.size()))
      _exit(0);
  }
}

}  // namespace

CheckWorker::~CheckWorker() {
  stop();
}

bool CheckWorker::start() {
  int requests[2], results[2];
  if (pipe(requests) != 0)
    return false;
  if (pipe(results) != 0) {
    close(requests[0]);
    close(requests[1]);
    return false;
  }
  // A worker that dies must not kill the fuzzer through a write to its pipe.
  signal(SIGPIPE, SIG_IGN);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {requests[0], requests[1], results[0], results[1]})
      close(fd);
    return false;
  }
  if (pid == 0) {
    close(requests[1]);
    close(results[0]);
    worker_loop(requests[0], results[1]);
  }
  close(requests[0]);
  close(results[1]);
  pid_ = pid;
  to_worker_ = requests[1];
  from_worker_ = results[0];
  return true;
}

void CheckWorker::stop() {
  if (pid_ < 0)
    return;
  close(to_worker_);
  close(from_worker_);
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = to_worker_ = from_worker_ = -1;
}

// The worker ended without a result: why, as an internal error.
CheckResult CheckWorker::died() {
  CheckResult r;
  r.outcome = Outcome::kInternal;
  if (pid_ < 0) {
    r.message = "no worker process could be started";
    return r;
  }
  close(to_worker_);
  close(from_worker_);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = to_worker_ = from_worker_ = -1;
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    r.message = fmt::format("crash: signal {} ({})", sig, strsignal(sig));
  } else {
    r.message = fmt::format("crash: the check exited with status {}", WEXITSTATUS(status));
  }
  return r;
}

CheckResult CheckWorker::check(const ir::Model& model, int config, uint64_t seed) {
  const std::vector<uint8_t> bytes = tfl::write_model(model);
  if (pid_ < 0 && !start()) {
    const auto inputs = runner::random_inputs(model, seed);
    return check_config(model, fuzz_configs().at(static_cast<size_t>(config - 1)), inputs);
  }
  const Request req{static_cast<uint32_t>(config), seed, bytes.size()};
  auto send = [&] {
    return write_all(to_worker_, &req, sizeof req) &&
           write_all(to_worker_, bytes.data(), bytes.size());
  };
  if (!send()) {
    // It died after its last result: one more worker.
    died();
    if (!start() || !send())
      return died();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds_);
  bool timed_out = false;
  uint64_t size = 0;
  std::string text;
  bool ok = read_until(from_worker_, &size, sizeof size, deadline, timed_out);
  if (ok) {
    text.resize(size);
    ok = read_until(from_worker_, text.data(), text.size(), deadline, timed_out);
  }
  if (!ok) {
    if (timed_out) {
      stop();
      CheckResult r;
      r.outcome = Outcome::kInternal;
      r.message = fmt::format("timeout: no result after {} s", timeout_seconds_);
      return r;
    }
    return died();
  }
  CheckResult r;
  std::istringstream in(text);
  int outcome = 0;
  in >> outcome >> r.segments >> r.npu_ops >> r.cpu_ops;
  in.get();
  std::getline(in, r.message, '\0');
  r.outcome = static_cast<Outcome>(outcome);
  return r;
}

std::string failure_signature(const CheckResult& r) {
  std::string s = outcome_name(r.outcome);
  if (r.outcome == Outcome::kOk || r.outcome == Outcome::kMismatch)
    return s;
  s += ": ";
  bool quoted = false;
  bool digits = false;
  for (char c : r.message) {
    if (c == '\'') {
      quoted = !quoted;
      if (quoted)
        s += "'*'";
      continue;
    }
    if (quoted)
      continue;
    // A number (decimal or hex) is one '#'.
    const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (digit || (digits && std::isalnum(static_cast<unsigned char>(c)) != 0)) {
      if (!digits)
        s += '#';
      digits = true;
      continue;
    }
    digits = false;
    s += c;
  }
  return s;
}

}  // namespace euc::graphgen

// euc-run: runs a TFLite model on given inputs with the reference interpreter and writes the
// outputs as .npy files, so compiled models can be checked against it bit for bit. Models
// compiled for the NPU run their ethos-u operators on the functional model (npusim).
// With --timing it instead times every ethos-u operator's command stream on the timing model
// (nputiming) and prints cycles per NPU operation, in total, and bytes per memory. With
// --check-hazards it checks every command stream for races between commands that may run at the
// same time (npuhazard) and fails when it finds one.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "arch/config_file.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/tool_main.hpp"
#include "npuhazard/hazard_check.hpp"
#include "nputiming/model_timing.hpp"
#include "refinterp/interpreter.hpp"
#include "refinterp/npy.hpp"
#include "runner/ethosu_kernel.hpp"
#include "tflite/reader.hpp"

namespace fs = std::filesystem;
using euc::refinterp::Interpreter;

namespace {

std::string describe(euc::ir::DataType type, std::span<const int32_t> shape) {
  std::string s = fmt::format("{} [", euc::ir::data_type_name(type));
  for (size_t i = 0; i < shape.size(); ++i)
    s += fmt::format("{}{}", i ? "," : "", shape[i]);
  return s + "]";
}

std::string describe(euc::ir::DataType type, std::span<const int64_t> shape) {
  std::vector<int32_t> dims(shape.begin(), shape.end());
  return describe(type, dims);
}

// Reads input k from a .npy file (dtype and shape must match) or a raw file of the exact size.
std::vector<uint8_t> load_input(const Interpreter& interp, size_t k, const fs::path& path) {
  const auto& t = interp.input_tensor(k);
  const std::string label = fmt::format("input {} ('{}')", k, t.name);
  const auto bytes = euc::read_file_bytes(path);
  if (path.extension() == ".npy") {
    auto array = euc::refinterp::parse_npy(bytes, path.string());
    const std::vector<int64_t> expected(t.shape.begin(), t.shape.end());
    if (array.type != t.type || array.shape != expected)
      euc::throw_input(fmt::format("{}: expected {}, {} holds {}", label, describe(t.type, t.shape),
                                   path.string(), describe(array.type, array.shape)));
    return std::move(array.data);
  }
  const size_t expected = static_cast<size_t>(t.num_elements()) *
                          static_cast<size_t>(euc::ir::element_size(t.type).value_or(0));
  if (bytes.size() != expected)
    euc::throw_input(fmt::format("{}: expected {} ({} bytes), {} has {} bytes", label,
                                 describe(t.type, t.shape), expected, path.string(), bytes.size()));
  return bytes;
}

std::vector<uint8_t> random_input(const Interpreter& interp, size_t k, std::mt19937_64& rng) {
  const auto& t = interp.input_tensor(k);
  const size_t size = static_cast<size_t>(t.num_elements()) *
                      static_cast<size_t>(euc::ir::element_size(t.type).value_or(0));
  if (t.type == euc::ir::DataType::kFloat32 || t.type == euc::ir::DataType::kFloat64)
    euc::throw_input(fmt::format("input {} ('{}'): random inputs need an integer type", k, t.name));
  std::vector<uint8_t> bytes(size);
  for (auto& b : bytes)
    b = static_cast<uint8_t>(rng() & 0xff);  // uniform bytes: uniform over any integer type
  return bytes;
}

void write_npy(const fs::path& path, const euc::ir::Tensor& t, std::span<const uint8_t> data) {
  const std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
  euc::write_file_atomically(path, euc::refinterp::format_npy(t.type, shape, data));
}

// The dtype of an NPU feature map element type.
euc::ir::DataType npu_data_type(const euc::npu::ElementType& type) {
  using euc::ir::DataType;
  switch (type.bits) {
    case 8:
      return type.is_signed ? DataType::kInt8 : DataType::kUInt8;
    case 16:
      return type.is_signed ? DataType::kInt16 : DataType::kUInt16;
    default:
      return DataType::kInt32;
  }
}

// Writes the OFM of every NPU block operation as npu<k>_op<NNN>_<KIND>.npy, shape [1, H, W, C].
void write_npu_ofm(const std::string& dir, std::size_t ethosu_index,
                   const euc::npusim::OperationEvent& event) {
  if (event.ofm == nullptr)
    return;
  const euc::npu::FeatureMap& fm = event.operation->block->ofm;
  const euc::ir::DataType type = npu_data_type(fm.type);
  std::vector<uint8_t> bytes(event.ofm->values.size() * static_cast<size_t>(fm.type.bytes()));
  for (size_t i = 0; i < event.ofm->values.size(); ++i)
    for (int b = 0; b < fm.type.bytes(); ++b)
      bytes[i * static_cast<size_t>(fm.type.bytes()) + static_cast<size_t>(b)] =
          static_cast<uint8_t>(static_cast<uint32_t>(event.ofm->values[i]) >> (8 * b));
  const std::vector<int64_t> shape{1, fm.shape.height, fm.shape.width, fm.shape.depth};
  const std::string name = fmt::format("npu{}_op{:03}_{}.npy", ethosu_index, event.index,
                                       euc::npu::operation_kind_name(event.operation->kind));
  euc::write_file_atomically(fs::path(dir) / name, euc::refinterp::format_npy(type, shape, bytes));
}

std::string file_safe(std::string_view name) {
  std::string s;
  for (char c : name)
    s.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_');
  return s.substr(0, 80);
}

int run(int argc, char** argv) {
  CLI::App app{"Runs a TFLite model with the reference interpreter (TFLite Micro arithmetic)",
               "euc-run"};
  std::string model_path;
  std::vector<std::string> inputs;
  std::string output_dir;
  std::optional<uint64_t> seed;
  std::string dump_dir;
  app.add_option("model", model_path, "TFLite model file")->required();
  app.add_option("--input", inputs, "Input k as .npy (dtype and shape must match) or raw .bin");
  CLI::Option* output_option =
      app.add_option("--output-dir", output_dir, "Folder for output<k>.npy");
  bool timing = false;
  bool timing_summary = false;
  std::string system_config{euc::arch::kInternalDefault};
  std::string memory_mode{euc::arch::kInternalDefault};
  std::vector<std::string> config_files;
  app.add_flag("--timing", timing,
               "Time every ethos-u operator on the timing model instead of running the model: "
               "cycles per NPU operation and in total, bytes per memory");
  app.add_flag("--timing-summary", timing_summary,
               "With --timing: print the totals only, not every NPU operation");
  app.add_option("--system-config", system_config,
                 "With --timing: the system config the model runs on (default internal-default)");
  app.add_option("--memory-mode", memory_mode,
                 "With --timing: the memory mode (default internal-default)");
  app.add_option("--config", config_files, "With --timing: vela.ini configuration file");
  bool check_hazards = false;
  bool strict_hazards = false;
  app.add_flag("--check-hazards", check_hazards,
               "Check every ethos-u command stream for races (DMAs and kernels that may run at "
               "the same time touching the same bytes, BLOCKDEP too large) instead of running "
               "the model; exits non-zero when one is found");
  app.add_flag("--strict-hazards", strict_hazards,
               "With --check-hazards: also check a kernel's OFM writes against the previous "
               "kernel's last blocks (BLOCKDEP above 0)");
  app.add_option("--random-inputs", seed, "Fill every input with uniform random values");
  app.add_option("--dump-intermediates", dump_dir,
                 "Also write every non-constant tensor and the OFM of every NPU operation here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    euc::throw_usage(e.what());
  }
  if (check_hazards || strict_hazards) {
    const auto result = euc::npuhazard::check_model(euc::tfl::read_model_file(model_path),
                                                    model_path, strict_hazards);
    const std::string report = euc::npuhazard::format_hazards(result, model_path);
    if (!report.empty())
      euc::throw_input(fmt::format("hazards found:\n{}", report));
    std::size_t operations = 0;
    for (const auto& r : result)
      operations += r.operations;
    fmt::print("{}: no hazard in {} ethos-u operators ({} NPU operations)\n", model_path,
               result.size(), operations);
    return 0;
  }
  if (timing || timing_summary) {
    std::vector<fs::path> files(config_files.begin(), config_files.end());
    const auto library =
        files.empty() ? euc::arch::builtin_config_library() : euc::arch::load_config_library(files);
    euc::arch::SystemConfigOptions options;
    options.system_config = system_config;
    options.memory_mode = memory_mode;
    const auto result = euc::nputiming::time_model(euc::tfl::read_model_file(model_path),
                                                   model_path, library, options);
    if (result.operators.empty()) {
      fmt::print("{}: no ethos-u operator to time\n", model_path);
      return 0;
    }
    std::fputs(euc::nputiming::format_model_timing(result, !timing_summary).c_str(), stdout);
    return 0;
  }
  if (output_option->count() == 0)
    euc::throw_usage("--output-dir is required (unless --timing)");
  if (seed && !inputs.empty())
    euc::throw_usage("--random-inputs and --input cannot be combined");

  if (!dump_dir.empty()) {
    std::error_code ec;
    fs::create_directories(dump_dir, ec);
    if (ec)
      euc::throw_usage(fmt::format("cannot create folder {}: {}", dump_dir, ec.message()));
  }
  euc::runner::NpuObserver npu_observer;
  if (!dump_dir.empty()) {
    npu_observer = [&dump_dir](size_t k, const euc::npusim::EthosuRunner&,
                               const euc::npusim::OperationEvent& event) {
      write_npu_ofm(dump_dir, k, event);
    };
  }
  Interpreter interp(euc::tfl::read_model_file(model_path),
                     euc::runner::ethosu_kernel_factory(model_path, npu_observer));
  if (seed) {
    std::mt19937_64 rng(*seed);
    for (size_t k = 0; k < interp.input_count(); ++k)
      interp.set_input(k, random_input(interp, k, rng));
  } else {
    if (inputs.size() != interp.input_count()) {
      std::string expected;
      for (size_t k = 0; k < interp.input_count(); ++k)
        expected +=
            fmt::format("{}{}", k ? ", " : "",
                        describe(interp.input_tensor(k).type, interp.input_tensor(k).shape));
      euc::throw_input(fmt::format("model has {} inputs ({}), {} given with --input",
                                   interp.input_count(), expected, inputs.size()));
    }
    for (size_t k = 0; k < inputs.size(); ++k)
      interp.set_input(k, load_input(interp, k, inputs[k]));
  }
  interp.invoke();

  std::error_code ec;
  fs::create_directories(output_dir, ec);
  if (ec)
    euc::throw_usage(fmt::format("cannot create output folder {}: {}", output_dir, ec.message()));
  for (size_t k = 0; k < interp.output_count(); ++k)
    write_npy(fs::path(output_dir) / fmt::format("output{}.npy", k), interp.output_tensor(k),
              interp.output(k));
  if (!dump_dir.empty()) {
    const auto& g = interp.graph();
    for (size_t i = 0; i < g.tensors.size(); ++i) {
      const auto& t = g.tensors[i];
      if (!interp.model().tensor_data(t).empty() || !euc::ir::element_size(t.type))
        continue;
      write_npy(fs::path(dump_dir) / fmt::format("t{:04}_{}.npy", i, file_safe(t.name)), t,
                interp.tensor_bytes(static_cast<int>(i)));
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return euc::run_tool_main("euc-run", [&] { return run(argc, argv); });
}

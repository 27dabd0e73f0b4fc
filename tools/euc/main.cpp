// euc: the command-line driver. Parses options, resolves the system configuration, reads the
// network and runs the pipeline. Errors are thrown as euc::Error; the caller (euc_main.cpp, the
// Python module) catches them once, prints "euc: error: ..." and chooses the exit code.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <new>

#include "arch/config_file.hpp"
#include "arch/config_report.hpp"
#include "arch/system_config.hpp"
#include "cli.hpp"
#include "compile_command.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "frontend/supported/supported_ops.hpp"
#include "options.hpp"
#include "output/cop_format.hpp"
#include "tflite/reader.hpp"

namespace euc {
namespace {

using Clock = std::chrono::steady_clock;

// --cop-format COP2 cannot be written: no public fact defines its layout.
void reject_unimplemented(const cli::Options& o) {
  if (o.cop_format == "COP2")
    throw_usage(output::cop2_unavailable_reason());
}

// --config NAME: an existing path, else NAME inside the config files folder (Vela looks up
// "Dir/file.ini" in its config_files folder the same way).
std::filesystem::path locate_config(const std::string& name, const std::filesystem::path& dir) {
  std::filesystem::path p(name);
  std::error_code ec;
  if (std::filesystem::exists(p, ec) || p.is_absolute())
    return p;
  if (std::filesystem::exists(dir / p, ec))
    return dir / p;
  return p;  // the reader reports the missing file by the name given
}

void list_config_files(const std::filesystem::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
      if (e.is_regular_file() && e.path().extension() == ".ini") {
        found.push_back(std::filesystem::relative(e.path(), dir).string());
      }
    }
  }
  std::sort(found.begin(), found.end());
  fmt::print("Available config files ({}):\n", dir.string());
  for (const auto& f : found)
    fmt::print("  {}\n", f);
  if (found.empty())
    fmt::print("  (none; the standard configurations are built in)\n");
}

std::string subgraph_io_summary(const ir::Model& model) {
  std::string out;
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    const ir::Subgraph& sg = model.subgraphs[s];
    out += fmt::format("Subgraph {} '{}':\n", s, sg.name);
    for (const char* what : {"Input", "Output"}) {
      const auto& list = std::string_view(what) == "Input" ? sg.inputs : sg.outputs;
      for (int32_t t : list) {
        const ir::Tensor& tensor = sg.tensors[t];
        out +=
            fmt::format("  {:<6} tensor {:>4} {:<8} [{}] '{}'\n", what, t,
                        ir::data_type_name(tensor.type), fmt::join(tensor.shape, ","), tensor.name);
      }
    }
  }
  return out;
}

std::string operator_list(const ir::Model& model) {
  std::string out;
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    const ir::Subgraph& sg = model.subgraphs[s];
    for (size_t i = 0; i < sg.operators.size(); ++i) {
      const ir::Operator& op = sg.operators[i];
      std::string name =
          op.outputs.empty() || op.outputs[0] < 0 ? "" : sg.tensors[op.outputs[0]].name;
      out += fmt::format("{:>3} {:>4} {:<28} {}\n", s, i, ir::operator_display_name(op), name);
    }
  }
  return out;
}

}  // namespace

arch::SystemConfig cli::resolve_system(const cli::Options& o,
                                       const std::filesystem::path& config_dir) {
  reject_unimplemented(o);
  std::vector<std::filesystem::path> configs;
  for (const auto& c : o.config_files)
    configs.push_back(locate_config(c, config_dir));
  arch::ConfigLibrary library = arch::load_config_library(configs);
  arch::SystemConfigOptions sys_options;
  sys_options.accelerator = arch::parse_accelerator(o.accelerator);
  sys_options.system_config = o.system_config;
  sys_options.memory_mode = o.memory_mode;
  sys_options.arena_cache_size = o.arena_cache_size;
  return arch::resolve_system_config(library, sys_options);
}

int cli::run(int argc, char** argv, const std::filesystem::path& config_dir) {
  auto start = Clock::now();
  std::optional<cli::Options> parsed = cli::parse_options(argc, argv);
  if (!parsed)
    return 0;
  const cli::Options& o = *parsed;
  if (o.version) {
    fmt::print("euc {}\n", EUC_VERSION);
    return 0;
  }
  if (o.api_version) {
    fmt::print("{}\n", EUC_API_VERSION);
    return 0;
  }
  if (o.supported_ops_report) {
    // Like Vela: SUPPORTED_OPS.md in the current folder, no network needed.
    std::filesystem::path path = std::filesystem::current_path() / "SUPPORTED_OPS.md";
    write_file_atomically(path, frontend::supported_ops_report());
    fmt::print("Report file: {}\n", path.string());
    return 0;
  }
  if (o.list_config_files) {
    list_config_files(config_dir);
    return 0;
  }
  if (o.list_configs) {
    std::vector<std::filesystem::path> configs;
    for (const auto& c : o.config_files)
      configs.push_back(locate_config(c, config_dir));
    if (!o.list_configs_file.empty())
      configs.push_back(locate_config(o.list_configs_file, config_dir));
    fmt::print("{}", arch::list_configs(arch::load_config_library(configs)));
    return 0;
  }
  arch::SystemConfig system = resolve_system(o, config_dir);
  if (o.verbose.config)
    fmt::print("{}", arch::format_verbose_config(system));
  auto configured = Clock::now();

  ir::Model model = tfl::read_model_file(o.network);
  auto read = Clock::now();

  if (o.verbose.operators)
    fmt::print("{}", operator_list(model));
  if (o.show_subgraph_io_summary)
    fmt::print("{}", subgraph_io_summary(model));
  cli::run_compile(o, model, system);
  auto done = Clock::now();
  if (o.timing) {
    auto ms = [](auto a, auto b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    fmt::print(
        "Timing: configuration {:.2f} ms, read model {:.2f} ms, compile {:.2f} ms, "
        "total {:.2f} ms\n",
        ms(start, configured), ms(configured, read), ms(read, done), ms(start, done));
  }
  return 0;
}

}  // namespace euc

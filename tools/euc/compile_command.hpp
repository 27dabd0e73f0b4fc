#pragma once
// `euc MODEL`: compile the network and write OUTDIR/<stem>_vela.tflite with a console summary.
// The steps are separate so the Python module runs the same ones: compile() (and --verify),
// write_outputs() (every file the options ask for), and run_compile() which adds the console
// report.
#include <filesystem>
#include <optional>
#include <string>

#include "arch/system_config.hpp"
#include "driver/compiler.hpp"
#include "ir/model.hpp"
#include "options.hpp"
#include "output/summary_csv.hpp"

namespace euc::cli {

// The compiler's options as the command line sets them (throws a usage error for an unknown
// --ignore-ops operator).
driver::CompileOptions compile_options(const Options& options);

struct Compilation {
  driver::CompileResult result;
  std::string stem;                // the network's file name without extension
  output::SummaryFigures figures;  // the summary CSV's figures
  int npu_ops = 0;                 // NPU operations over every segment
  int64_t command_stream_bytes = 0;
  std::optional<int64_t> simulated_cycles;    // the timing model's total for the output
  std::optional<std::string> timing_warning;  // why the timing model gave no figure
  ir::Model source;                           // the input model (for the debug database)
};

// Compiles `model` (and runs --verify, throwing an internal error on a difference).
Compilation compile(const Options& options, const ir::Model& model,
                    const arch::SystemConfig& system);

struct OutputFiles {
  std::filesystem::path model;                     // <stem>_vela.tflite (or .npz, raw)
  std::filesystem::path summary;                   // <stem>_summary_<system config>.csv
  std::optional<std::filesystem::path> per_layer;  // <stem>_per-layer.csv (--verbose-performance)
  std::optional<std::filesystem::path> debug_db;   // <stem>_debug.xml (--enable-debug-db)
};

// Writes every output file of the compile into `out_dir` (created if missing).
OutputFiles write_outputs(const Options& options, const Compilation& compilation,
                          const arch::SystemConfig& system, const std::filesystem::path& out_dir);

// compile(), write_outputs() into --output-dir, and the console report.
void run_compile(const Options& options, const ir::Model& model, const arch::SystemConfig& system);

}  // namespace euc::cli

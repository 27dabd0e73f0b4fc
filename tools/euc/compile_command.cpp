#include "compile_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "driver/compiler.hpp"
#include "output/debug_database.hpp"
#include "output/performance_report.hpp"
#include "output/progress_line.hpp"
#include "output/raw_output.hpp"
#include "output/summary_csv.hpp"
#include "output/verbose_report.hpp"
#include "runner/differential.hpp"
#include "scheduler/allocator.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc::cli {

namespace {

// --show-cpu-operations: every operator that stays on the CPU, with the reasons.
std::string cpu_operations(const ir::Model& model, const driver::CompileReport& report) {
  std::string lines;
  for (const driver::CpuOperator& cpu : report.cpu_operators) {
    const ir::Subgraph& sg = model.subgraphs[cpu.subgraph];
    const ir::Operator& op = sg.operators[cpu.index];
    std::string name =
        op.outputs.empty() || op.outputs[0] < 0 ? "" : sg.tensors[op.outputs[0]].name;
    std::string where = model.subgraphs.size() > 1 ? fmt::format("subgraph {} ", cpu.subgraph) : "";
    std::string output = name.empty() ? "" : fmt::format(" '{}'", name);
    lines +=
        fmt::format("  {}op {:>3} {}{}\n", where, cpu.index, ir::operator_display_name(op), output);
    for (const std::string& reason : cpu.reasons)
      lines += fmt::format("      - {}\n", reason);
  }
  double share = report.network_ops == 0
                     ? 0.0
                     : 100.0 * static_cast<double>(report.cpu_operators.size()) /
                           static_cast<double>(report.network_ops);
  return fmt::format("CPU operators = {} of {} ({:.1f}%)\n{}", report.cpu_operators.size(),
                     report.network_ops, share, lines);
}

// --verify: the compiled model (as a runtime reads it back) against the original on random
// inputs. A difference is a compiler error: nothing is written.
void verify(const ir::Model& model, const driver::CompileResult& result, int runs) {
  const ir::Model compiled = tfl::read_model(tfl::write_model(result.model), "compiled model");
  for (int run = 1; run <= runs; ++run) {
    runner::Comparison c;
    try {
      const auto inputs = runner::random_inputs(model, static_cast<uint64_t>(run));
      c = runner::compare_models(model, compiled, inputs, [&](size_t ethosu, size_t block) {
        const auto& segments = result.report.segments;
        if (ethosu >= segments.size() || block >= segments[ethosu].block_ofm_tensors.size())
          return std::string();
        return segments[ethosu].block_ofm_tensors[block];
      });
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kInternal)
        throw;
      throw Error(e.kind(), fmt::format("--verify cannot run the model: {}", e.what()));
    }
    if (c.equal())
      continue;
    const runner::OutputDifference& d = *c.first;
    std::string writer = "no tensor an ethos-u operator wrote differs";
    if (c.first_npu_tensor) {
      const runner::OutputDifference& t = *c.first_npu_tensor;
      writer = fmt::format(
          "the first NPU-written tensor that differs is '{}' at element {} ({} "
          "instead of {})",
          t.tensor, t.element, t.got, t.want);
    }
    if (c.culprit) {
      const runner::Culprit& w = *c.culprit;
      std::string name = w.kind;
      if (w.ethosu_operator < result.report.segments.size() &&
          w.block_operation < result.report.segments[w.ethosu_operator].block_operations.size())
        name = result.report.segments[w.ethosu_operator].block_operations[w.block_operation];
      writer += fmt::format(
          ", written by NPU operation {} of ethos-u operator {} ({}, command stream byte "
          "offset {:#x})",
          w.operation, w.ethosu_operator, name, w.command_offset);
    }
    throw Error(
        ErrorKind::kInternal,
        fmt::format("--verify: random input {} of {}: output {} ('{}') differs from the "
                    "reference interpreter at element {}: {} instead of {} ({} elements "
                    "differ); {}; no output written",
                    run, runs, d.output, d.tensor, d.element, d.got, d.want, d.differing, writer));
  }
  fmt::print("Verified: {} random input{} give the reference interpreter's outputs byte for byte\n",
             runs, runs == 1 ? "" : "s");
}

// EUC_PROGRESS_DELAY_MS: when the progress line appears (tests shorten it).
std::chrono::milliseconds progress_delay() {
  const char* env = std::getenv("EUC_PROGRESS_DELAY_MS");
  if (env == nullptr || *env == '\0')
    return std::chrono::milliseconds(1000);
  return std::chrono::milliseconds(std::strtol(env, nullptr, 10));
}

}  // namespace

void run_compile(const Options& options, const ir::Model& model, const arch::SystemConfig& system) {
  namespace fs = std::filesystem;
  driver::CompileOptions compile;
  compile.plan.allocator = scheduler::parse_allocator(options.tensor_allocator);
  if (options.arena_cache_size)
    compile.plan.arena_limit = *options.arena_cache_size;
  compile.force_symmetric_int_weights = options.force_symmetric_int_weights;
  compile.separate_io_regions = options.separate_io_regions;
  compile.plan.cpu_tensor_alignment = options.cpu_tensor_alignment;
  compile.plan.strategy =
      options.optimise == "Size" ? scheduler::Strategy::kSize : scheduler::Strategy::kPerformance;
  compile.plan.weight_buffering = !options.disable_buffering;
  compile.plan.cascading = !options.disable_cascading;
  compile.plan.hill_climb_iterations =
      static_cast<int>(std::min<int64_t>(options.hillclimb_max_iterations, INT32_MAX));
  for (const std::string& op : options.ignore_ops) {
    std::string upper = op;
    for (char& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    bool known = false;
    for (int code = 0; code <= ir::kMaxBuiltinOp; ++code) {
      known |= ir::kBuiltinOpNames[code] == upper;
    }
    if (!known)
      throw_usage(fmt::format("option --ignore-ops: unknown operator '{}'", op));
    compile.ignore_ops.push_back(upper);
  }
  compile.description = fmt::format("euc {}", EUC_VERSION);
  compile.describe_plans = options.verbose.schedule || options.verbose.allocation;
  const Verbose& v = options.verbose;
  compile.verbose = {.graph = v.graph,
                     .quantization = v.quantization,
                     .packing = v.packing,
                     .tensor_purpose = v.tensor_purpose,
                     .tensor_format = v.tensor_format,
                     .high_level_command_stream = v.high_level_command_stream,
                     .register_command_stream = v.register_command_stream,
                     .weights = v.weights};
  compile.corrupt_one_weight = options.debug_corrupt_weight;
  // A progress line on a terminal when the compile takes more than a second (never in a pipe).
  std::optional<output::ProgressLine> progress;
  progress.emplace(stderr, fs::path(options.network).stem().string(),
                   output::ProgressLine::terminal(stderr) && output::ProgressLine::terminal(stdout),
                   progress_delay());
  compile.progress = [&](std::string stage) {
    if (options.verbose.progress)
      fmt::print("Progress: {}\n", stage);  // --verbose-progress: every stage, in order
    progress->set_stage(std::move(stage));
  };
  driver::CompileResult result = driver::compile_model(model, system, compile);
  progress.reset();
  if (options.verify_runs > 0)
    verify(model, result, options.verify_runs);

  fs::path out_dir(options.output_dir);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec)
    throw_usage(fmt::format("{}: cannot create output folder: {}", out_dir.string(), ec.message()));
  const std::string stem = fs::path(options.network).stem().string();
  fs::path out;
  std::vector<uint8_t> bytes;
  if (options.output_format == "raw") {
    out = out_dir / (stem + "_vela.npz");
    output::RawOutputOptions raw;
    raw.fast_scratch_region = system.spilling_enabled();
    raw.separate_io_regions = options.separate_io_regions;
    bytes = output::raw_output_npz(result.model, raw, options.network);
  } else {
    out = out_dir / (stem + "_vela.tflite");
    bytes = tfl::write_model(result.model);
  }
  write_file_atomically(out, bytes);
  if (options.enable_debug_db) {
    std::vector<output::DebugSegment> segments;
    for (const driver::SegmentReport& s : result.report.segments)
      segments.push_back(s.debug);
    write_file_atomically(out_dir / (stem + "_debug.xml"),
                          output::format_debug_database(
                              model, segments, output::command_stream_file_offsets(segments, bytes),
                              options.network, out.string()));
  }

  const driver::CompileReport& r = result.report;
  for (const driver::SegmentReport& s : r.segments) {
    fmt::print("{}", s.verbose);
    if (options.verbose.schedule)
      fmt::print("{}\n", s.schedule);
    if (options.verbose.allocation)
      fmt::print("{}\n", s.allocation);
  }
  if (options.verbose.cycle_estimate && !r.layers.empty())
    fmt::print("{}\n", output::format_cycle_estimate(r.layers, system));
  if (options.show_cpu_operations)
    fmt::print("{}", cpu_operations(model, r));
  int npu_ops = 0;
  int64_t original = 0, encoded = 0, command_bytes = 0;
  for (const auto& s : r.segments) {
    npu_ops += s.npu_ops;
    original += s.original_weight_bytes;
    encoded += s.encoded_weight_bytes;
    command_bytes += s.command_stream_bytes;
  }
  fmt::print("Network summary for {}\n", fs::path(options.network).stem().string());
  fmt::print("Accelerator configuration               {:>20}\n", system.accelerator_config().name);
  fmt::print("System configuration                    {:>20}\n", system.system_config_name);
  fmt::print("Memory mode                             {:>20}\n", system.memory_mode_name);
  fmt::print("Accelerator clock                       {:>20} MHz\n",
             static_cast<int64_t>(system.core_clock / 1e6));
  fmt::print("\n");
  if (r.fast_arena_size > 0) {
    fmt::print("Total SRAM used (cache)                 {:>20.2f} KiB\n",
               r.fast_arena_size / 1024.0);
    fmt::print("Total DRAM used (arena)                 {:>20.2f} KiB\n", r.arena_size / 1024.0);
  } else {
    fmt::print("Total SRAM used (arena)                 {:>20.2f} KiB\n", r.arena_size / 1024.0);
  }
  fmt::print("Total read-only (flash) used            {:>20.2f} KiB\n", r.flash_size / 1024.0);
  fmt::print("Command stream size                     {:>20} bytes\n", command_bytes);
  fmt::print("\n");
  fmt::print("CPU operators                           {:>20}\n", r.cpu_ops);
  fmt::print("NPU operators (network)                 {:>20}\n", r.npu_network_ops);
  fmt::print("NPU operations (lowered)                {:>20}\n", npu_ops);
  fmt::print("NPU segments (ethos-u operators)        {:>20}\n", r.segments.size());
  fmt::print("Original weights                        {:>20.2f} KiB\n", original / 1024.0);
  fmt::print("NPU encoded weights                     {:>20.2f} KiB\n", encoded / 1024.0);
  output::SummaryFigures figures;
  figures.network = fs::path(options.network).stem().string();
  figures.passes_before_fusing = r.network_ops;
  figures.passes_after_fusing = npu_ops + r.cpu_ops;
  figures.arena_bytes = r.arena_size;
  figures.fast_arena_bytes = r.fast_arena_size;
  figures.read_only_bytes = r.flash_size + command_bytes;
  figures.original_weight_bytes = original;
  figures.encoded_weight_bytes = encoded;
  figures.macs = r.macs;
  figures.performance = r.performance;
  if (options.verbose.performance && r.performance) {
    fmt::print("\n{}\nPerformance for NPU operations of {}\n", std::string(80, '#'), stem);
    fmt::print("{}",
               output::format_per_layer(r.layers, *r.performance, system, r.arena_size, false));
    write_file_atomically(
        out_dir / (stem + "_per-layer.csv"),
        output::format_per_layer(r.layers, *r.performance, system, r.arena_size, true));
  }
  fs::path csv =
      out_dir / fmt::format("{}_summary_{}.csv", figures.network, system.system_config_name);
  write_file_atomically(csv, output::format_summary_csv(system, figures));
  fmt::print("Total MACs                              {:>20}\n", r.macs);
  if (r.performance)
    fmt::print("\n{}", output::format_performance_summary(*r.performance, system));
  fmt::print("\nOutput written to {} and {}\n", out.string(), csv.string());
}

}  // namespace euc::cli

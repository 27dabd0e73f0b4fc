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
#include "nputiming/model_timing.hpp"
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
}

// EUC_PROGRESS_DELAY_MS: when the progress line appears (tests shorten it).
std::chrono::milliseconds progress_delay() {
  const char* env = std::getenv("EUC_PROGRESS_DELAY_MS");
  if (env == nullptr || *env == '\0')
    return std::chrono::milliseconds(1000);
  return std::chrono::milliseconds(std::strtol(env, nullptr, 10));
}

}  // namespace

driver::CompileOptions compile_options(const Options& options) {
  driver::CompileOptions compile;
  compile.plan.allocator = scheduler::parse_allocator(options.tensor_allocator);
  if (options.arena_cache_size)
    compile.plan.arena_limit = *options.arena_cache_size;
  compile.force_symmetric_int_weights = options.force_symmetric_int_weights;
  compile.separate_io_regions = options.separate_io_regions;
  compile.max_block_dependency = options.max_block_dependency;
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
  return compile;
}

Compilation compile(const Options& options, const ir::Model& model,
                    const arch::SystemConfig& system) {
  namespace fs = std::filesystem;
  driver::CompileOptions compile = compile_options(options);
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
  Compilation c{driver::compile_model(model, system, compile), {}, {}, 0, 0, {}, {}, model};
  progress.reset();
  if (options.verify_runs > 0)
    verify(model, c.result, options.verify_runs);
  const driver::CompileReport& r = c.result.report;
  c.stem = std::filesystem::path(options.network).stem().string();
  int64_t original = 0, encoded = 0;
  for (const auto& s : r.segments) {
    c.npu_ops += s.npu_ops;
    original += s.original_weight_bytes;
    encoded += s.encoded_weight_bytes;
    c.command_stream_bytes += s.command_stream_bytes;
  }
  output::SummaryFigures& figures = c.figures;
  figures.network = c.stem;
  figures.passes_before_fusing = r.network_ops;
  figures.passes_after_fusing = c.npu_ops + r.cpu_ops;
  figures.arena_bytes = r.arena_size;
  figures.fast_arena_bytes = r.fast_arena_size;
  figures.read_only_bytes = r.flash_size + c.command_stream_bytes;
  figures.original_weight_bytes = original;
  figures.encoded_weight_bytes = encoded;
  figures.macs = r.macs;
  figures.performance = r.performance;
  // The timing model on the output itself: an independent check of the static estimate.
  if (r.performance) {
    try {
      c.simulated_cycles =
          nputiming::time_model(c.result.model, c.stem + "_vela.tflite", system).total_cycles;
      figures.simulated_cycles = c.simulated_cycles;
    } catch (const Error& e) {
      // A report figure only: the compiled model stands; say why the figure is missing.
      c.timing_warning = fmt::format("no simulated cycles: {}", e.what());
    }
  }
  return c;
}

OutputFiles write_outputs(const Options& options, const Compilation& c,
                          const arch::SystemConfig& system, const std::filesystem::path& out_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec)
    throw_usage(fmt::format("{}: cannot create output folder: {}", out_dir.string(), ec.message()));
  OutputFiles files;
  std::vector<uint8_t> bytes;
  if (options.output_format == "raw") {
    files.model = out_dir / (c.stem + "_vela.npz");
    output::RawOutputOptions raw;
    raw.fast_scratch_region = system.spilling_enabled();
    raw.separate_io_regions = options.separate_io_regions;
    bytes = output::raw_output_npz(c.result.model, raw, options.network);
  } else {
    files.model = out_dir / (c.stem + "_vela.tflite");
    bytes = tfl::write_model(c.result.model);
  }
  write_file_atomically(files.model, bytes);
  const driver::CompileReport& r = c.result.report;
  if (options.enable_debug_db) {
    std::vector<output::DebugSegment> segments;
    for (const driver::SegmentReport& s : r.segments)
      segments.push_back(s.debug);
    files.debug_db = out_dir / (c.stem + "_debug.xml");
    write_file_atomically(*files.debug_db, output::format_debug_database(
                                               c.source, segments,
                                               output::command_stream_file_offsets(segments, bytes),
                                               options.network, files.model.string()));
  }
  if (options.verbose.performance && r.performance) {
    files.per_layer = out_dir / (c.stem + "_per-layer.csv");
    write_file_atomically(*files.per_layer, output::format_per_layer(r.layers, *r.performance,
                                                                     system, r.arena_size, true));
  }
  files.summary =
      out_dir / fmt::format("{}_summary_{}.csv", c.figures.network, system.system_config_name);
  write_file_atomically(files.summary, output::format_summary_csv(system, c.figures));
  return files;
}

void run_compile(const Options& options, const ir::Model& model, const arch::SystemConfig& system) {
  const Compilation c = compile(options, model, system);
  if (options.verify_runs > 0) {
    fmt::print(
        "Verified: {} random input{} give the reference interpreter's outputs byte for byte\n",
        options.verify_runs, options.verify_runs == 1 ? "" : "s");
  }
  const OutputFiles files = write_outputs(options, c, system, options.output_dir);
  if (c.timing_warning)
    fmt::print(stderr, "euc: warning: {}\n", *c.timing_warning);

  const driver::CompileReport& r = c.result.report;
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
  fmt::print("Network summary for {}\n", c.stem);
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
  fmt::print("Command stream size                     {:>20} bytes\n", c.command_stream_bytes);
  fmt::print("\n");
  fmt::print("CPU operators                           {:>20}\n", r.cpu_ops);
  fmt::print("NPU operators (network)                 {:>20}\n", r.npu_network_ops);
  fmt::print("NPU operations (lowered)                {:>20}\n", c.npu_ops);
  fmt::print("NPU segments (ethos-u operators)        {:>20}\n", r.segments.size());
  fmt::print("Original weights                        {:>20.2f} KiB\n",
             c.figures.original_weight_bytes / 1024.0);
  fmt::print("NPU encoded weights                     {:>20.2f} KiB\n",
             c.figures.encoded_weight_bytes / 1024.0);
  if (options.verbose.performance && r.performance) {
    fmt::print("\n{}\nPerformance for NPU operations of {}\n", std::string(80, '#'), c.stem);
    fmt::print("{}",
               output::format_per_layer(r.layers, *r.performance, system, r.arena_size, false));
  }
  fmt::print("Total MACs                              {:>20}\n", r.macs);
  if (r.performance)
    fmt::print("\n{}", output::format_performance_summary(*r.performance, system));
  if (c.simulated_cycles) {
    fmt::print("{:<40}{:>20} cycles/batch (timing model, the command streams run)\n",
               "Simulated cycles", *c.simulated_cycles);
  }
  fmt::print("\nOutput written to {} and {}\n", files.model.string(), files.summary.string());
}

}  // namespace euc::cli

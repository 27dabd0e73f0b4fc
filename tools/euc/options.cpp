#include "options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <iostream>

#include "core/error.hpp"

namespace euc::cli {
namespace {

template <class Allowed>
void check_choice(std::string_view option, const std::string& value, const Allowed& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end())
    return;
  throw_usage(fmt::format("option {}: invalid value '{}' (allowed: {})", option, value,
                          fmt::join(allowed, ", ")));
}

// Vela's own list of accelerators, U85 included, so that its names get a precise message.
constexpr std::array<std::string_view, 6> kAcceleratorNames = {"ethos-u55-32",  "ethos-u55-64",
                                                               "ethos-u55-128", "ethos-u55-256",
                                                               "ethos-u65-256", "ethos-u65-512"};

void check_options(Options& o) {
  std::string acc = o.accelerator;
  std::transform(acc.begin(), acc.end(), acc.begin(), ::tolower);
  if (acc.rfind("ethos-u85-", 0) == 0) {
    throw_usage(
        fmt::format("option --accelerator-config: '{}' (Ethos-U85) is not supported yet "
                    "(supported: {})",
                    o.accelerator, fmt::join(kAcceleratorNames, ", ")));
  }
  check_choice("--accelerator-config", acc, kAcceleratorNames);
  o.accelerator = acc;
  check_choice("--optimise", o.optimise, std::array<std::string_view, 2>{"Performance", "Size"});
  check_choice("--tensor-allocator", o.tensor_allocator,
               std::array<std::string_view, 3>{"HillClimb", "Greedy", "LinearAlloc"});
  check_choice("--output-format", o.output_format,
               std::array<std::string_view, 2>{"tflite", "raw"});
  check_choice("--cop-format", o.cop_format, std::array<std::string_view, 2>{"COP1", "COP2"});
  if (o.max_block_dependency < 0 || o.max_block_dependency > 3) {
    throw_usage(fmt::format("option --max-block-dependency: invalid value {} (allowed: 0 to 3)",
                            o.max_block_dependency));
  }
  int64_t a = o.cpu_tensor_alignment;
  if (a < 16 || (a & (a - 1)) != 0) {
    throw_usage(fmt::format(
        "option --cpu-tensor-alignment: invalid value {} (must be a power of two, at least 16)",
        a));
  }
  if (o.arena_cache_size && *o.arena_cache_size < 0) {
    throw_usage(fmt::format("option --arena-cache-size: invalid value {} (must be >= 0)",
                            *o.arena_cache_size));
  }
  if (o.hillclimb_max_iterations < 1) {
    throw_usage(fmt::format("option --hillclimb-max-iterations: invalid value {} (must be >= 1)",
                            o.hillclimb_max_iterations));
  }
  // (CLI11 reads --verify=0 as a negated flag: any value outside 1-1000 is refused alike.)
  if (o.verify_runs < 0 || o.verify_runs > 1000)
    throw_usage("option --verify: the number of random inputs must be 1 to 1000");
  if (o.recursion_limit < 1) {
    throw_usage(fmt::format("option --recursion-limit: invalid value {} (must be >= 1)",
                            o.recursion_limit));
  }
  bool informational =
      o.version || o.api_version || o.supported_ops_report || o.list_config_files || o.list_configs;
  if (o.network.empty() && !informational) {
    throw_usage("no network given: usage: euc NETWORK.tflite [options] (see --help)");
  }
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{"euc: compiles TensorFlow Lite models for Arm Ethos-U microNPUs", "euc"};
  app.get_formatter()->column_width(44);
  app.add_option("network", o.network, "Filename of the input TensorFlow Lite network");
  app.add_flag("--version", o.version, "Print the version and exit");
  app.add_flag("--api-version", o.api_version, "Print the public API version and exit");
  app.add_flag("--supported-ops-report", o.supported_ops_report,
               "Write SUPPORTED_OPS.md describing the supported operators and exit");
  app.add_flag("--list-config-files", o.list_config_files,
               "List the configuration files found in the config folder and exit");
  CLI::Option* list_configs =
      app.add_option("--list-configs", o.list_configs_file,
                     "List the system configs and memory modes (built-in, or of a file)")
          ->expected(0, 1);
  app.add_option("--output-dir", o.output_dir, "Output folder (default: output)");
  app.add_option("--output-format", o.output_format, "Output format: tflite or raw");
  app.add_flag("--enable-debug-db", o.enable_debug_db, "Write a debug database (<name>_debug.xml)");
  app.add_option("--config", o.config_files, "vela.ini configuration file (repeatable)");

  bool verbose_all = false;
  app.add_flag("--verbose-all", verbose_all, "Enable all verbose options");
  Verbose& v = o.verbose;
  app.add_flag("--verbose-config", v.config, "Print the resolved system configuration");
  app.add_flag("--verbose-graph", v.graph, "Print the graph after each rewrite");
  app.add_flag("--verbose-quantization", v.quantization, "Print quantization details");
  app.add_flag("--verbose-packing", v.packing, "Print the pass packing");
  app.add_flag("--verbose-tensor-purpose", v.tensor_purpose, "Print tensor purposes");
  app.add_flag("--verbose-tensor-format", v.tensor_format, "Print tensor formats");
  app.add_flag("--verbose-schedule", v.schedule, "Print the chosen schedule");
  app.add_flag("--verbose-allocation", v.allocation, "Print the tensor allocation");
  app.add_flag("--verbose-high-level-command-stream", v.high_level_command_stream,
               "Print the high-level command stream");
  app.add_flag("--verbose-register-command-stream", v.register_command_stream,
               "Print the register command stream");
  app.add_flag("--verbose-operators", v.operators, "Print the operator list");
  app.add_flag("--verbose-weights", v.weights, "Print weight information");
  app.add_flag("--verbose-cycle-estimate", v.cycle_estimate, "Print cycle estimate details");
  app.add_flag("--verbose-performance", v.performance, "Print per-layer performance");
  app.add_flag("--verbose-progress", v.progress, "Print compilation progress");

  app.add_flag("--show-cpu-operations", o.show_cpu_operations,
               "Show the operations that fall back to the CPU");
  app.add_flag("--show-subgraph-io-summary", o.show_subgraph_io_summary,
               "Show a summary of all subgraphs and their inputs and outputs");
  app.add_option("--ignore-ops", o.ignore_ops,
                 "Force these builtin operator types onto the CPU: OP[,OP...] (repeatable)")
      ->delimiter(',');
  app.add_flag("--timing", o.timing, "Time the compiler's stages");
  app.add_flag("--force-symmetric-int-weights", o.force_symmetric_int_weights,
               "Force int weights to a zero point of 0");
  app.add_option("--accelerator-config", o.accelerator,
                 "Accelerator: ethos-u55-32|64|128|256, ethos-u65-256|512 (default ethos-u55-256)");
  app.add_option("--system-config", o.system_config,
                 "System configuration name (default internal-default)");
  app.add_option("--memory-mode", o.memory_mode, "Memory mode name (default internal-default)");
  app.add_option("--tensor-allocator", o.tensor_allocator,
                 "Arena allocator: HillClimb (default), Greedy or LinearAlloc");
  app.add_option("--max-block-dependency", o.max_block_dependency,
                 "Largest block dependency between NPU kernels, 0-3 (default 3)");
  app.add_option("--optimise", o.optimise, "Optimisation strategy: Performance (default) or Size");
  app.add_option("--arena-cache-size", o.arena_cache_size,
                 "Arena (or SRAM cache) size limit in bytes");
  app.add_option("--cpu-tensor-alignment", o.cpu_tensor_alignment,
                 "Alignment of CPU tensors in bytes, a power of two >= 16 (default 16)");
  app.add_option("--recursion-limit", o.recursion_limit,
                 "Accepted for Vela compatibility; euc does not recurse over graphs");
  app.add_option("--hillclimb-max-iterations", o.hillclimb_max_iterations,
                 "Iteration limit of the HillClimb allocator (default 99999)");
  app.add_option(
      "--cop-format", o.cop_format,
      "Driver payload format: COP1 (default); COP2 is refused: its layout is not public");
  app.add_flag(
      "--separate-io-regions", o.separate_io_regions,
      "Address each ethos-u operator's inputs and outputs in their own regions (3, 4, ...)");
  app.add_option("--experimental-softmax-int16-neg-exp-range", o.softmax_int16_neg_exp_range,
                 "Negative exponent range of the int16 softmax LUT");
  app.add_flag("--disable-chaining", o.disable_chaining, "Disable operator chaining (U85)");
  app.add_flag("--disable-fwd", o.disable_fwd, "Disable the fast weight decoder (U85)");
  app.add_flag("--disable-cascading", o.disable_cascading, "Disable cascading");
  app.add_flag("--disable-buffering", o.disable_buffering, "Disable weight buffering");
  app.add_flag("--verify{3}", o.verify_runs,
               "After compiling, run N random inputs (default 3) through the original model on "
               "the reference interpreter and the compiled one on the functional NPU model and "
               "compare every output; nothing is written unless all agree");
  // A test hook: flips one weight of the first weighted NPU operation so --verify has a wrong
  // compile to find. Not in --help.
  app.add_flag("--debug-corrupt-weight", o.debug_corrupt_weight)->group("");
  app.add_flag("--disable-ifm-reuse", o.disable_ifm_reuse, "Disable IFM reuse");
  app.add_flag("--debug-force-legacy-core", o.debug_force_legacy_core,
               "Accepted for Vela compatibility; euc has a single core");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    throw_usage(fmt::format("{} (see --help)", e.what()));
  }
  o.list_configs = list_configs->count() > 0;
  if (verbose_all) {
    v = Verbose{true, true, true, true, true, true, true, true,
                true, true, true, true, true, true, true};
  }
  check_options(o);
  return o;
}

}  // namespace euc::cli

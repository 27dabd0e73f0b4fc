#pragma once
// The euc command line: every option of Vela 3.10 and 5.1, parsed and checked into one struct.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace euc::cli {

struct Verbose {
  bool config = false;
  bool graph = false;
  bool quantization = false;
  bool packing = false;
  bool tensor_purpose = false;
  bool tensor_format = false;
  bool schedule = false;
  bool allocation = false;
  bool high_level_command_stream = false;
  bool register_command_stream = false;
  bool operators = false;
  bool weights = false;
  bool cycle_estimate = false;
  bool performance = false;
  bool progress = false;
};

struct Options {
  std::string network;  // NETWORK positional argument
  std::string output_dir = "output";
  std::string output_format = "tflite";
  std::vector<std::string> config_files;
  std::string accelerator = "ethos-u55-256";
  std::string system_config = "internal-default";
  std::string memory_mode = "internal-default";
  std::string optimise = "Performance";
  std::optional<int64_t> arena_cache_size;
  std::string tensor_allocator = "HillClimb";
  int max_block_dependency = 3;
  int64_t cpu_tensor_alignment = 16;
  int64_t hillclimb_max_iterations = 99999;
  int64_t recursion_limit = 1000;
  std::string cop_format = "COP1";
  std::vector<std::string> ignore_ops;
  std::optional<int> softmax_int16_neg_exp_range;
  bool force_symmetric_int_weights = false;
  bool enable_debug_db = false;
  bool timing = false;
  bool show_cpu_operations = false;
  bool show_subgraph_io_summary = false;
  bool separate_io_regions = false;
  bool disable_chaining = false;
  bool disable_fwd = false;
  bool disable_cascading = false;
  bool disable_buffering = false;
  bool disable_ifm_reuse = false;
  bool debug_force_legacy_core = false;
  int verify_runs = 0;  // --verify[=N]
  bool debug_corrupt_weight = false;
  Verbose verbose;

  // Informational commands that need no network.
  bool version = false;
  bool api_version = false;
  bool supported_ops_report = false;
  bool list_config_files = false;
  bool list_configs = false;
  std::string list_configs_file;  // optional value of --list-configs
};

// Parses argv. Returns nullopt when help was printed (exit 0). Throws euc::Error (usage) with a
// message naming the option and the allowed values on any wrong usage.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace euc::cli

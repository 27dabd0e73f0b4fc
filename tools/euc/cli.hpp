#pragma once
// The euc command line as a library: the `euc` executable (euc_main.cpp) and the Python module
// (python/) run the same code, so both accept the same options and give the same messages.
#include <cstdlib>
#include <filesystem>

#include "arch/system_config.hpp"
#include "options.hpp"

namespace euc::cli {

// Runs `euc argv...` and returns the exit code; throws euc::Error (run_tool_main prints it).
// `config_dir` is the folder `--config NAME` and `--list-config-files` look in.
int run(int argc, char** argv, const std::filesystem::path& config_dir);

// The system configuration a compile with these options uses: the options no release of euc
// implements yet are refused first, then `--config` files are looked up (an existing path, else
// inside `config_dir`) and the accelerator, system config and memory mode resolved.
arch::SystemConfig resolve_system(const Options& options, const std::filesystem::path& config_dir);

// The config files folder: $EUC_CONFIG_FILES when set, else `fallback`.
inline std::filesystem::path config_files_dir(const std::filesystem::path& fallback) {
  if (const char* env = std::getenv("EUC_CONFIG_FILES"); env != nullptr && *env != '\0')
    return env;
  return fallback;
}

}  // namespace euc::cli

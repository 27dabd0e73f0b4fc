// euc: the command-line program. Everything but finding the config files folder next to the
// executable is the euc_cli library (cli.hpp), which the Python module runs too.
#include <filesystem>

#include "cli.hpp"
#include "core/tool_main.hpp"

int main(int argc, char** argv) {
  return euc::run_tool_main("euc", [&] {
    // build/bin/euc -> <project>/config_files
    std::error_code ec;
    std::filesystem::path exe = std::filesystem::canonical("/proc/self/exe", ec);
    if (ec)
      exe = argv[0];
    return euc::cli::run(
        argc, argv,
        euc::cli::config_files_dir(exe.parent_path().parent_path().parent_path() / "config_files"));
  });
}

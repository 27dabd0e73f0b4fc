#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace euc::test {

// The project's source root (for models/ and tests/data shipped with the project).
std::filesystem::path source_dir();
// The shared folder next to the project (models, goldens, Vela references). Tests that need it
// call GTEST_SKIP() when it is absent, as on a user's fresh clone.
std::filesystem::path shared_dir();
bool have_shared();
// The build tree's bin/ folder, where the command-line tools are.
std::filesystem::path bin_dir();
// A fresh, empty temporary folder unique to the running test.
std::filesystem::path temp_dir();
// Sorted names of the sub-folders of `dir` (empty when it does not exist): golden case folders.
std::vector<std::string> subfolders(const std::filesystem::path& dir);

}  // namespace euc::test

#define EUC_REQUIRE_SHARED()          \
  do {                                \
    if (!::euc::test::have_shared())  \
      GTEST_SKIP() << "no ../shared"; \
  } while (0)

#include <string>
#include <vector>

namespace euc::test {

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

// Runs a program from bin_dir() with arguments (no shell quoting needed) and captures its output.
CommandResult run_tool(const std::string& tool, const std::vector<std::string>& args);

}  // namespace euc::test

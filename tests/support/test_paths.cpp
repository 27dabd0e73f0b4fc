#include "support/test_paths.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace euc::test {

std::filesystem::path source_dir() {
  return EUC_SOURCE_DIR;
}

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("EUC_SHARED_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return EUC_DEFAULT_SHARED_DIR;
}

bool have_shared() {
  return std::filesystem::is_directory(shared_dir() / "models");
}

std::filesystem::path bin_dir() {
  return std::filesystem::path(EUC_BINARY_DIR) / "bin";
}

std::filesystem::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "euc_test";
  if (info != nullptr) {
    name += std::string("_") + info->test_suite_name() + "_" + info->name();
  }
  for (char& c : name) {
    if (c == '/')
      c = '_';
  }
  auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace euc::test

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace euc::test {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

CommandResult run_tool(const std::string& tool, const std::vector<std::string>& args) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("euc_run_tool_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  auto out_path = dir / "stdout";
  auto err_path = dir / "stderr";
  std::string exe = (bin_dir() / tool).string();
  std::vector<std::string> argv_store{exe};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* o = std::freopen(out_path.c_str(), "w", stdout);
    FILE* e = std::freopen(err_path.c_str(), "w", stderr);
    if (o == nullptr || e == nullptr)
      ::_exit(127);
    std::vector<char*> argv;
    for (auto& a : argv_store)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace euc::test

namespace euc::test {

std::vector<std::string> subfolders(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_directory())
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace euc::test

#include "support/test_paths.hpp"

#include <gtest/gtest.h>

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

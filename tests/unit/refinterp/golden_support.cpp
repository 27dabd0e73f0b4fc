#include "golden_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/file_io.hpp"
#include "refinterp/npy.hpp"

namespace euc::test {

namespace fs = std::filesystem;

std::string golden_model_file(const fs::path& golden_folder) {
  std::ifstream in(golden_folder / "model.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::string key = "\"model\": \"";
  const size_t start = text.find(key);
  if (start == std::string::npos)
    return {};
  const size_t end = text.find('"', start + key.size());
  return text.substr(start + key.size(), end - start - key.size());
}

void load_case_inputs(refinterp::Interpreter& interp, const fs::path& case_dir) {
  for (size_t k = 0; k < interp.input_count(); ++k) {
    const fs::path file = case_dir / ("input" + std::to_string(k) + ".npy");
    const auto array = refinterp::parse_npy(read_file_bytes(file), file.string());
    const auto& t = interp.input_tensor(k);
    ASSERT_EQ(array.type, t.type) << file;
    ASSERT_EQ(array.shape, std::vector<int64_t>(t.shape.begin(), t.shape.end())) << file;
    interp.set_input(k, array.data);
  }
}

std::vector<uint8_t> output_npy(const refinterp::Interpreter& interp, size_t k) {
  const auto& t = interp.output_tensor(k);
  const std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
  return refinterp::format_npy(t.type, shape, interp.output(k));
}

}  // namespace euc::test

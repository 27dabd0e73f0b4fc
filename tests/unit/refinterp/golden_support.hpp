#pragma once
// Helpers shared by the golden-vector tests of the reference interpreter.
#include <filesystem>
#include <string>
#include <vector>

#include "refinterp/interpreter.hpp"
#include "support/test_paths.hpp"

namespace euc::test {

// The "model" file name recorded in a golden folder's model.json.
std::string golden_model_file(const std::filesystem::path& golden_folder);
// Loads input<k>.npy of a case folder into the interpreter (dtype and shape checked).
void load_case_inputs(refinterp::Interpreter& interp, const std::filesystem::path& case_dir);
// Output k serialised as .npy, as euc-run writes it.
std::vector<uint8_t> output_npy(const refinterp::Interpreter& interp, size_t k);

}  // namespace euc::test

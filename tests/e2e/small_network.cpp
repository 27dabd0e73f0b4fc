#include "small_network.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "arch/config_file.hpp"
#include "refinterp/interpreter.hpp"
#include "runner/ethosu_kernel.hpp"

namespace euc::test {

// Runs the original on the reference interpreter and the compiled model on the functional
// model with the same random inputs; every output must be identical.
driver::CompileResult compile_and_compare(const ir::Model& original, const std::string& accelerator,
                                          const driver::CompileOptions& options) {
  arch::SystemConfigOptions so;
  so.accelerator = arch::parse_accelerator(accelerator);
  arch::SystemConfig system = arch::resolve_system_config(arch::builtin_config_library(), so);
  driver::CompileResult result = driver::compile_model(original, system, options);
  refinterp::Interpreter want(original);
  refinterp::Interpreter got(tfl::read_model(tfl::write_model(result.model), "compiled"),
                             runner::ethosu_kernel_factory("compiled"));
  std::mt19937 rng(7);
  for (int run = 0; run < 3; ++run) {
    for (size_t k = 0; k < want.input_count(); ++k) {
      // Random bytes fill every element of any width (int16 inputs take two per element).
      const ir::Tensor& input = want.input_tensor(k);
      std::vector<uint8_t> bytes(static_cast<size_t>(input.num_elements()) *
                                 static_cast<size_t>(ir::element_size(input.type).value_or(1)));
      for (uint8_t& v : bytes)
        v = static_cast<uint8_t>(rng());
      want.set_input(k, bytes);
      got.set_input(k, bytes);
    }
    want.invoke();
    got.invoke();
    if (got.output_count() != want.output_count()) {
      ADD_FAILURE() << got.output_count() << " outputs, " << want.output_count() << " expected";
      return result;
    }
    for (size_t k = 0; k < want.output_count(); ++k) {
      auto a = want.output(k);
      auto b = got.output(k);
      if (a.size() != b.size()) {
        ADD_FAILURE() << "output " << k << ": " << b.size() << " bytes, " << a.size()
                      << " expected";
        continue;
      }
      EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()))
          << accelerator << " run " << run << " output " << k;
    }
  }
  return result;
}

ir::Model expect_same_outputs(const ir::Model& original, const std::string& accelerator,
                              const driver::CompileOptions& options) {
  driver::CompileResult result = compile_and_compare(original, accelerator, options);
  EXPECT_EQ(result.model.subgraphs[0].operators.size(), 1u) << "one ethos-u operator expected";
  return std::move(result.model);
}

}  // namespace euc::test

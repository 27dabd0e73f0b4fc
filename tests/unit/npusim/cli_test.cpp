// euc-run on a model compiled by Vela: the ethos-u operator runs on the functional model, the
// outputs equal the golden ones and --dump-intermediates writes every NPU operation's OFM.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_io.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc::npusim {
namespace {

namespace fs = std::filesystem;

TEST(EucRun, RunsAVelaCompiledModelAndDumpsNpuOperations) {
  EUC_REQUIRE_SHARED();
  const fs::path model = test::shared_dir() / "reference" / "vela_outputs" / "vela3.10" / "a" /
                         "person_detect_vela.tflite";
  const fs::path golden = test::shared_dir() / "models" / "golden" / "person_detect" / "person";
  const fs::path out = test::temp_dir();
  const auto r = test::run_tool(
      "euc-run", {model.string(), "--input", (golden / "input0.npy").string(), "--output-dir",
                  (out / "out").string(), "--dump-intermediates", (out / "dump").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file_bytes(out / "out" / "output0.npy"), read_file_bytes(golden / "output0.npy"));
  EXPECT_TRUE(fs::exists(out / "dump" / "npu0_op001_CONV.npy"));
  EXPECT_TRUE(fs::exists(out / "dump" / "npu0_op108_POOL.npy"));
  EXPECT_TRUE(fs::exists(out / "dump" / "npu0_op141_ELEMENTWISE.npy"));
}

TEST(EucRun, NpuErrorsNameTheOperatorAndTheCommand) {
  EUC_REQUIRE_SHARED();
  // hello_world as Vela compiled it, with the first CONV's OFM moved past the 32-byte arena:
  // NPU_SET_OFM_BASE0 is the cmd1 command at byte 0x6c of the command words, which start at byte
  // 0x20 of the COP1 payload, so its payload word is at byte 0x90.
  const fs::path source = test::shared_dir() / "reference" / "vela_outputs" / "vela3.10" / "a" /
                          "hello_world_int8_vela.tflite";
  ir::Model model = tfl::read_model_file(source);
  const ir::Operator& op = model.subgraphs[0].operators[0];
  ASSERT_EQ(op.custom_code, "ethos-u");
  const uint32_t buffer = model.subgraphs[0].tensors[static_cast<std::size_t>(op.inputs[0])].buffer;
  auto bytes = *model.buffers[buffer].data;
  ASSERT_EQ(bytes[0x90], 0x10);
  bytes[0x90] = 0x00;
  bytes[0x91] = 0x10;
  model.buffers[buffer].data = std::make_shared<const ir::Bytes>(bytes);
  const fs::path out = test::temp_dir();
  const fs::path broken = out / "broken_vela.tflite";
  tfl::write_model_file(broken, model);
  const auto r = test::run_tool(
      "euc-run", {broken.string(), "--random-inputs", "1", "--output-dir", (out / "out").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("euc-run: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("subgraph 0 operator 0 (ethos-u)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("command stream byte offset"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CONV (operation 0)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run past the end of scratch"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace euc::npusim

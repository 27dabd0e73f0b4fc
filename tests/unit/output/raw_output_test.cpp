// `euc --output-format raw`: the .npz read back must carry exactly the command stream, read-only
// data, scratch sizes and I/O placement of the `_vela.tflite` the same options write (its
// ethos-u operator and OfflineMemoryAllocation metadata).
#include "output/raw_output.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "npu/ethosu_op.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::output {
namespace {

std::string person_detect() {
  return (test::source_dir() / "models/person_detect.tflite").string();
}

std::map<std::string, NpyArray> by_key(const NpzArrays& arrays) {
  std::map<std::string, NpyArray> out;
  for (const auto& [key, array] : arrays)
    EXPECT_TRUE(out.emplace(key, array).second) << "duplicate key " << key;
  return out;
}

int64_t scalar(const std::map<std::string, NpyArray>& npz, const std::string& key) {
  const NpyArray& a = npz.at(key);
  EXPECT_TRUE(a.shape.empty()) << key;
  return a.int64_values().at(0);
}

TEST(RawOutput, PersonDetectNpzAgreesWithTheTfliteOfTheSameCompile) {
  const auto dir = test::temp_dir();
  const auto tflite_run = test::run_tool("euc", {person_detect(), "--output-dir", dir.string()});
  ASSERT_EQ(tflite_run.exit_code, 0) << tflite_run.err;
  const auto raw_run = test::run_tool(
      "euc", {person_detect(), "--output-dir", dir.string(), "--output-format", "raw"});
  ASSERT_EQ(raw_run.exit_code, 0) << raw_run.err;
  EXPECT_NE(raw_run.out.find("person_detect_vela.npz"), std::string::npos) << raw_run.out;

  const ir::Model model = tfl::read_model_file(dir / "person_detect_vela.tflite");
  const auto ops = npu::read_ethosu_operators(model, "tflite");
  ASSERT_EQ(ops.size(), 1u);
  const npu::EthosuOperator& op = ops[0];
  const ir::Subgraph& sg = model.subgraphs[0];
  auto tensor = [&](const npu::EthosuTensor& t) -> const ir::Tensor& {
    return sg.tensors.at(static_cast<size_t>(t.index));
  };
  const auto npz =
      by_key(read_npz(read_file_bytes(dir / "person_detect_vela.npz"), "person_detect_vela.npz"));

  // Every key ExecuTorch's Arm backend and Vela's raw writer use, with NumPy's dtypes.
  for (const char* key :
       {"cmd_data",          "weight_data",    "weight_region",      "scratch_shape",
        "scratch_region",    "scratch_size",   "scratch_fast_shape", "scratch_fast_region",
        "scratch_fast_size", "input_shape",    "input_elem_size",    "input_region",
        "input_offset",      "output_shape",   "output_elem_size",   "output_region",
        "output_offset",     "variable_shape", "variable_elem_size", "variable_region",
        "variable_offset"}) {
    ASSERT_TRUE(npz.count(key)) << key;
    EXPECT_EQ(npz.at(key).descr, std::string(key).ends_with("_data") ? "|u1" : "<i8") << key;
  }
  EXPECT_EQ(npz.size(), 21u);

  // Command stream and read-only data: byte for byte the tensors of the ethos-u operator.
  const auto cmd = model.tensor_data(tensor(op.command_stream));
  ASSERT_GT(cmd.size(), 4u);
  EXPECT_EQ(npz.at("cmd_data").data, std::vector<uint8_t>(cmd.begin(), cmd.end()));
  EXPECT_EQ(std::string(cmd.begin(), cmd.begin() + 4), "COP1");
  const auto flash = model.tensor_data(tensor(op.flash));
  EXPECT_EQ(npz.at("weight_data").data, std::vector<uint8_t>(flash.begin(), flash.end()));
  EXPECT_EQ(scalar(npz, "weight_region"), 0);

  // Scratch: the tensor's shape and byte size, region 1 (no spilling: scratch_fast is region 1).
  const ir::Tensor& scratch = tensor(op.scratch);
  EXPECT_EQ(npz.at("scratch_shape").int64_values(),
            std::vector<int64_t>(scratch.shape.begin(), scratch.shape.end()));
  EXPECT_EQ(scalar(npz, "scratch_size"), scratch.num_elements());
  EXPECT_EQ(scalar(npz, "scratch_region"), 1);
  EXPECT_EQ(scalar(npz, "scratch_fast_size"), tensor(op.scratch_fast).num_elements());
  EXPECT_EQ(scalar(npz, "scratch_fast_region"), 1);

  // Inputs and outputs: offsets are the OfflineMemoryAllocation offsets relative to scratch's.
  const auto plan = npu::read_offline_memory_allocation(model, "tflite");
  ASSERT_TRUE(plan);
  const int32_t base = *plan->offset(0, op.scratch.index);
  auto check_io = [&](const std::vector<npu::EthosuTensor>& list, const std::string& prefix) {
    SCOPED_TRACE(prefix);
    const NpyArray& shapes = npz.at(prefix + "_shape");
    ASSERT_EQ(shapes.shape, (std::vector<int64_t>{static_cast<int64_t>(list.size()), 6}));
    const auto shape_values = shapes.int64_values();
    const auto offsets = npz.at(prefix + "_offset").int64_values();
    const auto regions = npz.at(prefix + "_region").int64_values();
    const auto sizes = npz.at(prefix + "_elem_size").int64_values();
    ASSERT_EQ(offsets.size(), list.size());
    for (size_t k = 0; k < list.size(); ++k) {
      const ir::Tensor& t = tensor(list[k]);
      std::vector<int64_t> want(6 - t.shape.size(), 1);
      want.insert(want.end(), t.shape.begin(), t.shape.end());
      EXPECT_EQ(std::vector<int64_t>(shape_values.begin() + 6 * static_cast<long>(k),
                                     shape_values.begin() + 6 * static_cast<long>(k + 1)),
                want);
      EXPECT_EQ(offsets[k], *plan->offset(0, list[k].index) - base);
      EXPECT_EQ(regions[k], 1);
      EXPECT_EQ(sizes[k], 1);  // int8
      EXPECT_LE(offsets[k] + t.num_elements(), scalar(npz, "scratch_size"));
    }
  };
  check_io(op.ifms, "input");
  check_io(op.ofms, "output");
  EXPECT_EQ(npz.at("variable_shape").shape, (std::vector<int64_t>{0, 6}));
  EXPECT_EQ(npz.at("variable_offset").num_elements(), 0);

  // The library call gives the same bytes from the compiled model.
  EXPECT_EQ(raw_output_npz(model, {}, "tflite"), read_file_bytes(dir / "person_detect_vela.npz"));
}

TEST(RawOutput, DedicatedSramPutsScratchFastInRegionTwo) {
  const auto dir = test::temp_dir();
  const auto r =
      test::run_tool("euc", {person_detect(), "--output-dir", dir.string(), "--output-format",
                             "raw", "--system-config", "Ethos_U65_High_End", "--memory-mode",
                             "Dedicated_Sram", "--accelerator-config", "ethos-u65-256"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto npz =
      by_key(read_npz(read_file_bytes(dir / "person_detect_vela.npz"), "person_detect_vela.npz"));
  EXPECT_EQ(scalar(npz, "scratch_region"), 1);
  EXPECT_EQ(scalar(npz, "scratch_fast_region"), 2);
}

TEST(RawOutput, ANetworkThatIsNotOneEthosuOperatorIsRefused) {
  const auto dir = test::temp_dir();
  const auto r =
      test::run_tool("euc", {person_detect(), "--output-dir", dir.string(), "--output-format",
                             "raw", "--ignore-ops", "DEPTHWISE_CONV_2D"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("--output-format raw: the raw format holds one command stream"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "person_detect_vela.npz"));
}

}  // namespace
}  // namespace euc::output

// --separate-io-regions: the ethos-u operator's inputs and outputs in their own regions (3, 4,
// ...: the base pointers TensorFlow Lite Micro's ethos-u kernel gives its IFMs and OFMs), placed
// by the runtime (OfflineMemoryAllocation -1), and the compiled model still byte-exact on the
// functional model (--verify runs it against the reference interpreter).
#include <gtest/gtest.h>

#include <map>

#include "core/file_io.hpp"
#include "npu/command.hpp"
#include "npu/ethosu_op.hpp"
#include "npu/operation.hpp"
#include "output/npz.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc {
namespace {

void check_separate_regions(const std::filesystem::path& model_path,
                            const std::vector<std::string>& setup) {
  const auto dir = test::temp_dir();
  std::vector<std::string> args{model_path.string(), "--output-dir", dir.string(),
                                "--separate-io-regions", "--verify=3"};
  args.insert(args.end(), setup.begin(), setup.end());
  const auto r = test::run_tool("euc", args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Verified: 3 random inputs"), std::string::npos) << r.out;

  const ir::Model out = tfl::read_model_file(dir / (model_path.stem().string() + "_vela.tflite"));
  const auto ops = npu::read_ethosu_operators(out, "output");
  ASSERT_FALSE(ops.empty());
  for (const npu::EthosuOperator& op : ops) {
    // The runtime places every input and output: no arena offset.
    for (const auto& t : op.ifms)
      EXPECT_FALSE(t.arena_offset) << "IFM tensor " << t.index;
    for (const auto& t : op.ofms)
      EXPECT_FALSE(t.arena_offset) << "OFM tensor " << t.index;
    // Every feature map in region 1 (scratch), 2 or in the I/O regions; the I/O regions used.
    const int first_ofm_region = 3 + static_cast<int>(op.ifms.size());
    const int end_region = first_ofm_region + static_cast<int>(op.ofms.size());
    std::map<int, int> reads, writes;
    const auto commands = npu::decode_stream(op.payload.command_words);
    for (const npu::NpuOperation& o : npu::extract_operations(commands)) {
      if (o.dma) {  // a staged input is read by a DMA into the SRAM cache
        ++reads[o.dma->source.region];
        if (!o.dma->destination.internal)  // not a LUT into SHRAM
          ++writes[o.dma->destination.region];
        continue;
      }
      if (!o.block)
        continue;
      ++reads[o.block->ifm.region];
      if (o.block->ifm2)
        ++reads[o.block->ifm2->region];
      ++writes[o.block->ofm.region];
    }
    for (int region = 3; region < first_ofm_region; ++region)
      EXPECT_GT(reads[region], 0) << "input region " << region << " never read";
    for (int region = first_ofm_region; region < end_region; ++region)
      EXPECT_GT(writes[region], 0) << "output region " << region << " never written";
    for (const auto& [region, n] : writes) {
      EXPECT_TRUE(region == 1 || region == 2 || (region >= first_ofm_region && region < end_region))
          << "an OFM in region " << region;
    }
  }
}

TEST(SeparateIoRegions, PersonDetectRunsByteExactWithItsIoInRegions3And4) {
  check_separate_regions(test::source_dir() / "models/person_detect.tflite", {});
  // The raw output says so too.
  const auto dir = test::temp_dir();
  const auto r = test::run_tool(
      "euc", {(test::source_dir() / "models/person_detect.tflite").string(), "--output-dir",
              dir.string(), "--separate-io-regions", "--output-format", "raw"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, output::NpyArray> npz;
  for (auto& [k, v] : output::read_npz(read_file_bytes(dir / "person_detect_vela.npz"), "npz"))
    npz[k] = v;
  EXPECT_EQ(npz.at("input_region").int64_values(), std::vector<int64_t>{3});
  EXPECT_EQ(npz.at("input_offset").int64_values(), std::vector<int64_t>{0});
  EXPECT_EQ(npz.at("output_region").int64_values(), std::vector<int64_t>{4});
  EXPECT_EQ(npz.at("output_offset").int64_values(), std::vector<int64_t>{0});
}

// Random graphs (tests/graphgen, seeds 9131 and 9082) whose segment output is a reshape of what an
// operation writes: the region belongs to the storage, not to the tensor.
TEST(SeparateIoRegions, OutputsStoredThroughAReshapeLiveInTheirRegion) {
  for (const char* model :
       {"separate_io_reshape_output.tflite", "separate_io_reshape_output_2.tflite"}) {
    SCOPED_TRACE(model);
    check_separate_regions(test::source_dir() / "tests/data/models" / model, {});
  }
}

TEST(SeparateIoRegions, IoTensorsSharingStorageAreRefusedByName) {
  const auto dir = test::temp_dir();
  const auto r = test::run_tool(
      "euc", {(test::source_dir() / "tests/data/models/separate_io_shared_storage.tflite").string(),
              "--output-dir", dir.string(), "--separate-io-regions"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("--separate-io-regions: tensor 's1_reshape' shares its storage"),
            std::string::npos)
      << r.err;
}

// keyword_scrambled's seven SVDF states are inputs and outputs of its ethos-u operator too: 16 in
// all, past the 5 base pointers of regions 3 to 7, so it is refused by name.
TEST(SeparateIoRegions, MoreInputsAndOutputsThanBasePointersIsAnError) {
  EUC_REQUIRE_SHARED();
  const auto dir = test::temp_dir();
  const auto r =
      test::run_tool("euc", {(test::shared_dir() / "models/keyword_scrambled_8bit.tflite").string(),
                             "--output-dir", dir.string(), "--separate-io-regions"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("16 inputs and outputs; the ethos-u operator has base pointers for at "
                       "most 5 (regions 3 to 7)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "keyword_scrambled_8bit_vela.tflite"));
}

TEST(SeparateIoRegions, SharedModelsRunByteExactUnderDedicatedSram) {
  EUC_REQUIRE_SHARED();
  const std::vector<std::string> dedicated = {"--accelerator-config", "ethos-u65-256",
                                              "--system-config",      "Ethos_U65_High_End",
                                              "--memory-mode",        "Dedicated_Sram"};
  for (const char* model : {"models/mobilenet_v2_224_int8.tflite", "models/person_detect.tflite",
                            "models/micro_speech_quantized.tflite"}) {
    SCOPED_TRACE(model);
    check_separate_regions(test::shared_dir() / model, dedicated);
  }
}

}  // namespace
}  // namespace euc

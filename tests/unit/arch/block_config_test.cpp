// Block config search checked against the block configs Vela 3.10 chose for the same operations
// (reference/vela_perlayer/*/*_schedule.txt), plus hand-derived SHRAM layouts.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "arch/block_config.hpp"
#include "support/test_paths.hpp"

namespace euc::arch {
namespace {

// One operation of a Vela schedule listing.
struct ScheduledOp {
  std::string name;
  std::string type;
  ir::Kernel kernel;
  Hwc ifm, ofm;
  std::optional<Hwc> ifm2;
  std::vector<int> block_config;  // [ofm h, ofm w, ifm depth, ofm depth]
};

Hwc parse_shape4d(const std::string& text) {
  std::smatch m;
  static const std::regex re(R"(\[1, (\d+), (\d+), (\d+)\])");
  if (!std::regex_search(text, m, re))
    return {};
  return {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
}

// The first schedule in the file (Vela's max schedule, whole-tensor stripes).
std::vector<ScheduledOp> parse_first_schedule(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<ScheduledOp> ops;
  int schedules = 0;
  static const std::regex op_re(R"(^\t\d+: Operation (.*)  - OFM)");
  static const std::regex kernel_re(
      R"(Kernel: w=(\d+), h=(\d+), stride=\((\d+), (\d+)\), dilation=\((\d+), (\d+)\))");
  static const std::regex block_re(R"(Block Config = \[(\d+), (\d+), (\d+), (\d+)\])");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("Schedule:", 0) == 0 && ++schedules > 1)
      break;
    if (std::regex_search(line, m, op_re)) {
      ops.push_back({});
      ops.back().name = m[1];
      ops.back().ofm = parse_shape4d(line);
    } else if (ops.empty()) {
      continue;
    } else if (line.find("Type: ") != std::string::npos) {
      ops.back().type = line.substr(line.find("Type: ") + 6);
    } else if (std::regex_search(line, m, kernel_re)) {
      ops.back().kernel = {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]),
                           std::stoi(m[4]), std::stoi(m[5]), std::stoi(m[6])};
    } else if (std::regex_search(line, m, block_re)) {
      ops.back().block_config = {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]),
                                 std::stoi(m[4])};
    } else if (line.find("OFM Stripe") != std::string::npos) {
      // Vela sizes blocks for the stripe an op runs in, not the whole OFM.
      ops.back().ofm = parse_shape4d(line);
    } else if (line.find("IFM Stripe") != std::string::npos) {
      ops.back().ifm = parse_shape4d(line);
    } else if (line.find("IFM2 Stripe") != std::string::npos &&
               line.find("None") == std::string::npos) {
      ops.back().ifm2 = parse_shape4d(line);
    }
  }
  return ops;
}

std::optional<BlockKind> kind_of(const std::string& type) {
  if (type == "Conv2DBias")
    return BlockKind::kConvolution;
  if (type == "DepthwiseConv2DBias")
    return BlockKind::kDepthwise;
  if (type == "FullyConnected")
    return BlockKind::kVectorProduct;
  if (type == "AvgPool" || type == "MaxPool")
    return BlockKind::kPooling;
  if (type == "Add")
    return BlockKind::kElementwise;
  return std::nullopt;  // softmax internals: 32-bit and LUT operands the listing does not show
}

TEST(BlockConfig, MatchesVelasChoiceForEveryConvPoolAndAddLayer) {
  EUC_REQUIRE_SHARED();
  struct Config {
    std::string dir;
    Accelerator acc;
  };
  // vela_outputs/README.md: a and b use the default ethos-u55-256, c ethos-u55-128, d
  // ethos-u65-256.
  std::vector<Config> configs = {{"a", Accelerator::kEthosU55_256},
                                 {"b", Accelerator::kEthosU55_256},
                                 {"c", Accelerator::kEthosU55_128},
                                 {"d", Accelerator::kEthosU65_256}};
  int compared = 0, matched = 0;
  for (const auto& c : configs) {
    for (const char* model : {"person_detect", "mobilenet_v2_224_int8", "micro_speech_quantized"}) {
      auto path = test::shared_dir() / "reference/vela_perlayer" / c.dir /
                  (std::string(model) + "_schedule.txt");
      auto ops = parse_first_schedule(path);
      ASSERT_FALSE(ops.empty()) << path;
      for (const ScheduledOp& op : ops) {
        auto kind = kind_of(op.type);
        if (!kind || op.block_config.size() != 4)
          continue;
        if (std::string(model) == "micro_speech_quantized" && *kind == BlockKind::kElementwise) {
          continue;
        }
        BlockConfigRequest r;
        r.kind = *kind;
        r.ifm = op.ifm;
        r.ifm2 = op.ifm2;
        r.ofm = op.ofm;
        r.kernel = op.kernel;
        auto found = find_block_config(accelerator_config(c.acc), r);
        ++compared;
        ASSERT_TRUE(found.has_value()) << op.name;
        std::vector<int> ours = {found->ofm_block.height, found->ofm_block.width,
                                 found->ifm_block.depth, found->ofm_block.depth};
        if (ours == op.block_config) {
          ++matched;
        } else {
          ADD_FAILURE() << c.dir << " " << model << " " << op.name << " (" << op.type << "): euc ["
                        << ours[0] << "," << ours[1] << "," << ours[2] << "," << ours[3]
                        << "] Vela [" << op.block_config[0] << "," << op.block_config[1] << ","
                        << op.block_config[2] << "," << op.block_config[3] << "]";
        }
      }
    }
  }
  EXPECT_GT(compared, 250);
  RecordProperty("matched", matched);
  RecordProperty("compared", compared);
}

TEST(BlockConfig, ShramLayoutOfAHandSizedConvolution) {
  // ethos-u55-256: 48 banks, 2 output banks, 2 reserved end banks. An 8x8x16 int8 OFM block
  // with a 10x10x32 IFM block: IFM 10*10*32 = 3200 B -> 4 banks, x2 = 8 (granule 8);
  // accumulators 8*8*16*4 = 4096 B -> 4 banks, x2 = 8 (granule 16 -> 16).
  const auto& acc = accelerator_config(Accelerator::kEthosU55_256);
  BlockConfigRequest r;
  r.kind = BlockKind::kConvolution;
  auto layout = shram_layout_for(acc, r, Hwc{8, 8, 16}, Hwc{10, 10, 32});
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->ifm_start, 2);
  EXPECT_EQ(layout->ifm_end, 10);
  EXPECT_EQ(layout->lut_start, 46);
  EXPECT_EQ(layout->acc_start, 30);
}

TEST(BlockConfig, ElementwiseIfmAreaRunsToTheAccumulatorStart) {
  const auto& acc = accelerator_config(Accelerator::kEthosU55_256);
  BlockConfigRequest r;
  r.kind = BlockKind::kElementwise;
  auto layout = shram_layout_for(acc, r, Hwc{16, 16, 16}, Hwc{16, 16, 16});
  ASSERT_TRUE(layout.has_value());
  // 16*16*16 = 4096 B -> 4 banks, x2 = 8: IFM2 starts at 2 + 8.
  EXPECT_EQ(layout->ifm2_start, 10);
  EXPECT_EQ(layout->ifm_end, layout->acc_start);
  EXPECT_EQ(layout->acc_start, 46);
}

TEST(BlockConfig, BlocksThatOverflowShramAreRejected) {
  const auto& acc = accelerator_config(Accelerator::kEthosU55_32);  // 16 banks
  BlockConfigRequest r;
  r.kind = BlockKind::kConvolution;
  EXPECT_FALSE(shram_layout_for(acc, r, Hwc{32, 64, 128}, Hwc{34, 66, 32}).has_value());
}

TEST(BlockConfig, PartKernelFirstForShallowInputs) {
  EXPECT_TRUE(prefers_part_kernel_first(3, 8, ir::Kernel{3, 3}));
  // 64 channels with a 1x1 kernel: depth-first uses every slot (64/64) while part-kernel wastes
  // 3 of 4 kernel slots.
  EXPECT_FALSE(prefers_part_kernel_first(64, 8, ir::Kernel{1, 1}));
}

TEST(BlockConfig, SixteenBitScaledConvolutionsAccumulateIn40Bits) {
  const auto& acc = accelerator_config(Accelerator::kEthosU55_256);
  BlockConfigRequest r;
  r.kind = BlockKind::kConvolution;
  r.ifm = {16, 16, 8};
  r.ofm = {16, 16, 8};
  r.ifm_bits = 16;
  EXPECT_EQ(find_block_config(acc, r)->accumulator, AccumulatorType::kInt40);
  r.kind = BlockKind::kPooling;
  EXPECT_EQ(find_block_config(acc, r)->accumulator, AccumulatorType::kInt32);
}

}  // namespace
}  // namespace euc::arch

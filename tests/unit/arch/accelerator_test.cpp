#include "arch/accelerator.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace euc::arch {
namespace {

// Facts from docs/npu_architecture.md §Accelerators and Vela 3.10 architecture_features.py.
struct Expected {
  std::string_view name;
  int macs;
  int cores;
  BlockShape ofm_ublock;
  BlockShape ifm_ublock;
  int shram_banks;
  int axi_bytes;
  int address_bits;
  NpuProduct product;
};

constexpr Expected kExpected[] = {
    {"ethos-u55-32", 32, 1, {1, 1, 4}, {1, 1, 8}, 16, 8, 32, NpuProduct::kEthosU55},
    {"ethos-u55-64", 64, 1, {1, 1, 8}, {1, 1, 8}, 16, 8, 32, NpuProduct::kEthosU55},
    {"ethos-u55-128", 128, 1, {2, 1, 8}, {2, 1, 8}, 24, 8, 32, NpuProduct::kEthosU55},
    {"ethos-u55-256", 256, 1, {2, 2, 8}, {2, 2, 8}, 48, 8, 32, NpuProduct::kEthosU55},
    {"ethos-u65-256", 256, 1, {2, 2, 8}, {2, 2, 8}, 48, 16, 40, NpuProduct::kEthosU65},
    {"ethos-u65-512", 256, 2, {2, 2, 8}, {2, 2, 8}, 48, 16, 40, NpuProduct::kEthosU65},
};

TEST(Accelerator, TableMatchesDocumentedFacts) {
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(e.name);
    const AcceleratorConfig& config = accelerator_config(parse_accelerator(e.name));
    EXPECT_EQ(config.name, e.name);
    EXPECT_EQ(config.macs, e.macs);
    EXPECT_EQ(config.cores, e.cores);
    EXPECT_EQ(config.ofm_ublock, e.ofm_ublock);
    EXPECT_EQ(config.ifm_ublock, e.ifm_ublock);
    EXPECT_EQ(config.shram_banks, e.shram_banks);
    EXPECT_EQ(config.axi_data_width_bytes, e.axi_bytes);
    EXPECT_EQ(config.address_bits, e.address_bits);
    EXPECT_EQ(config.product, e.product);
  }
}

TEST(Accelerator, ParseIsCaseInsensitiveAndRoundTripsNames) {
  EXPECT_EQ(parse_accelerator("ETHOS-U65-512"), Accelerator::kEthosU65_512);
  for (Accelerator accelerator : kAllAccelerators) {
    EXPECT_EQ(parse_accelerator(accelerator_name(accelerator)), accelerator);
  }
}

TEST(Accelerator, UnknownNameIsUsageErrorListingAllowedValues) {
  try {
    parse_accelerator("ethos-u85-256");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    const std::string message = error.what();
    EXPECT_NE(message.find("ethos-u85-256"), std::string::npos) << message;
    for (const Expected& e : kExpected) {
      EXPECT_NE(message.find(e.name), std::string::npos) << message;
    }
  }
}

TEST(Accelerator, DefaultIsEthosU55With256Macs) {
  EXPECT_EQ(kDefaultAccelerator, Accelerator::kEthosU55_256);
}

TEST(Accelerator, SharedLimitsMatchVela) {
  EXPECT_EQ(kOfmBlockMax, (BlockShape{64, 32, 128}));
  EXPECT_EQ(kOfmSplitDepth, 16);
  EXPECT_EQ(kShramBankBytes, 1024);
  EXPECT_EQ(kShramReservedOutputBanks, 2);
}

TEST(Accelerator, ReservedEndBanksOnlyAbove16Banks) {
  EXPECT_EQ(shram_reserved_end_banks(accelerator_config(Accelerator::kEthosU55_32)), 0);
  EXPECT_EQ(shram_reserved_end_banks(accelerator_config(Accelerator::kEthosU55_64)), 0);
  EXPECT_EQ(shram_reserved_end_banks(accelerator_config(Accelerator::kEthosU55_128)), 2);
  EXPECT_EQ(shram_reserved_end_banks(accelerator_config(Accelerator::kEthosU65_512)), 2);
}

TEST(Accelerator, LutTakesTwoOrdinaryBanksOnlyOnSmallCores) {
  const auto& u55_64 = accelerator_config(Accelerator::kEthosU55_64);
  EXPECT_EQ(shram_available_banks(u55_64, false), 16);
  EXPECT_EQ(shram_available_banks(u55_64, true), 14);
  EXPECT_EQ(shram_lut_address(u55_64), 14 * 1024);
  const auto& u55_256 = accelerator_config(Accelerator::kEthosU55_256);
  EXPECT_EQ(shram_available_banks(u55_256, false), 46);
  EXPECT_EQ(shram_available_banks(u55_256, true), 46);
  EXPECT_EQ(shram_lut_address(u55_256), 46 * 1024);
}

TEST(Accelerator, BankGranulesMatchVela) {
  EXPECT_EQ(accelerator_config(Accelerator::kEthosU55_256).shram_granules,
            (ShramGranules{8, 8, 8, 8, 16, 8, 16, 20}));
  EXPECT_EQ(accelerator_config(Accelerator::kEthosU55_128).shram_granules,
            (ShramGranules{4, 4, 4, 4, 8, 4, 8, 12}));
  EXPECT_EQ(accelerator_config(Accelerator::kEthosU55_64).shram_granules,
            (ShramGranules{2, 2, 2, 2, 4, 4, 4, 8}));
  EXPECT_EQ(accelerator_config(Accelerator::kEthosU55_32).shram_granules,
            (ShramGranules{2, 2, 2, 2, 4, 4, 4, 4}));
}

TEST(Accelerator, MaxAddressOffsetFollowsAddressWidth) {
  EXPECT_EQ(max_address_offset(accelerator_config(Accelerator::kEthosU55_32)), int64_t{1} << 32);
  EXPECT_EQ(max_address_offset(accelerator_config(Accelerator::kEthosU65_256)), int64_t{1} << 40);
}

TEST(Accelerator, OnlyU65IsU65) {
  EXPECT_FALSE(is_ethos_u65(Accelerator::kEthosU55_256));
  EXPECT_TRUE(is_ethos_u65(Accelerator::kEthosU65_256));
  EXPECT_TRUE(is_ethos_u65(Accelerator::kEthosU65_512));
}

// U65 streams set PARALLEL_MODE; only the U55 needs 16-byte DMA alignment on the AXI side
// (docs/npu_architecture.md §Command stream, §Memory and alignment).
TEST(Accelerator, ParallelModeAndDmaAlignmentFollowTheProduct) {
  for (Accelerator accelerator : kAllAccelerators) {
    SCOPED_TRACE(accelerator_name(accelerator));
    const AcceleratorConfig& config = accelerator_config(accelerator);
    const bool u65 = accelerator_name(accelerator).starts_with("ethos-u65");
    EXPECT_EQ(sets_parallel_mode(config), u65);
    EXPECT_EQ(dma_aligns_axi_side(config), !u65);
  }
}

}  // namespace
}  // namespace euc::arch

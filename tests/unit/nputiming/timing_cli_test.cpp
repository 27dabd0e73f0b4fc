// The simulated figure where users meet it: euc's summary CSV keeps Vela's columns and adds
// cycles_simulated last, the console summary prints it, and euc-run --timing on the output
// prints the same total.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/test_paths.hpp"

namespace euc {
namespace {

std::string strip_cr(std::string s) {
  if (!s.empty() && s.back() == '\r')
    s.pop_back();
  return s;
}

std::string last_cell(const std::string& line) {
  return line.substr(line.rfind(',') + 1);
}

TEST(TimingCli, SummaryCsvAddsCyclesSimulatedAfterVelasColumns) {
  const auto dir = test::temp_dir();
  const std::string model = (test::source_dir() / "models" / "person_detect.tflite").string();
  const auto r = test::run_tool("euc", {model, "--output-dir", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(dir / "person_detect_summary_internal-default.csv");
  std::string header, row;
  ASSERT_TRUE(std::getline(in, header));
  ASSERT_TRUE(std::getline(in, row));
  const std::string suffix = ",cycles_total,cycles_simulated";
  ASSERT_TRUE(header.ends_with(suffix)) << header;
  const std::string simulated = last_cell(row);
  ASSERT_FALSE(simulated.empty());
  EXPECT_GT(std::stoll(simulated), 0);
  const auto at = r.out.find("Simulated cycles");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_EQ(std::stoll(r.out.substr(at + std::string("Simulated cycles").size())),
            std::stoll(simulated));

  // euc-run --timing on the output (same default system) prints the same total.
  const auto t =
      test::run_tool("euc-run", {(dir / "person_detect_vela.tflite").string(), "--timing-summary"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("Simulated NPU cycles " + simulated + " "), std::string::npos) << t.out;

  if (!test::have_shared())
    return;
  // Every other column is Vela 3.10's, in Vela's order.
  std::ifstream vela(test::shared_dir() / "reference" / "vela_outputs" / "vela3.10" / "a" /
                     "person_detect_summary_internal-default.csv");
  std::string vela_header;
  ASSERT_TRUE(std::getline(vela, vela_header));
  EXPECT_EQ(header.substr(0, header.size() - std::string(",cycles_simulated").size()),
            strip_cr(vela_header));
}

TEST(TimingCli, EucRunTimingPrintsOperationsAndMemories) {
  const std::string model = (test::source_dir() / "models" / "person_detect.tflite").string();
  const auto dir = test::temp_dir();
  ASSERT_EQ(test::run_tool("euc", {model, "--output-dir", dir.string()}).exit_code, 0);
  const auto t = test::run_tool(
      "euc-run", {(dir / "person_detect_vela.tflite").string(), "--timing", "--system-config",
                  "Ethos_U55_High_End_Embedded", "--memory-mode", "Shared_Sram"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("CONV"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("memory mode Shared_Sram"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("OffChipFlash  read"), std::string::npos) << t.out;
  // Without --timing the output folder is still required.
  const auto u = test::run_tool("euc-run", {(dir / "person_detect_vela.tflite").string()});
  EXPECT_NE(u.exit_code, 0);
  // A model without ethos-u operators has nothing to time.
  const auto v = test::run_tool("euc-run", {model, "--timing"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("no ethos-u operator to time"), std::string::npos) << v.out;
}

}  // namespace
}  // namespace euc

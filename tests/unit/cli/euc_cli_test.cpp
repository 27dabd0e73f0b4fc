// The euc command line as a user meets it: exit codes, one-line errors, the model summary and
// --verbose-config checked against the standard vela.ini.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "support/test_paths.hpp"

namespace euc {
namespace {

using test::run_tool;

std::string person_detect() {
  return (test::source_dir() / "models/person_detect.tflite").string();
}

// An error is exactly one line on stderr starting "euc: error: ".
void expect_one_line_error(const test::CommandResult& r, int code, std::string_view needle) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(r.err.rfind("euc: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(EucCli, CompilesTheShippedModelAndWritesVelasOutputFiles) {
  auto dir = test::temp_dir();
  auto r = run_tool("euc", {person_detect(), "--output-dir", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "person_detect_vela.tflite"));
  // Vela names the summary after the system config.
  EXPECT_TRUE(std::filesystem::exists(dir / "person_detect_summary_internal-default.csv"));
  EXPECT_NE(r.out.find("Network summary for person_detect"), std::string::npos) << r.out;
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            2);
}

TEST(EucCli, VersionPrintsTheVersion) {
  auto r = run_tool("euc", {"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("euc ", 0), 0u);
}

TEST(EucCli, UnknownOptionIsAUsageError) {
  expect_one_line_error(run_tool("euc", {person_detect(), "--frobnicate"}), 2, "--frobnicate");
}

TEST(EucCli, MissingNetworkIsAUsageError) {
  expect_one_line_error(run_tool("euc", {}), 2, "no network given");
}

TEST(EucCli, MissingFileIsAUsageError) {
  expect_one_line_error(run_tool("euc", {"/no/such/model.tflite"}), 2,
                        "/no/such/model.tflite: no such file");
}

TEST(EucCli, MalformedModelIsAnInputErrorNamingTheFile) {
  auto dir = test::temp_dir();
  auto bad = dir / "bad.tflite";
  std::ofstream(bad) << "this is not a flatbuffer at all";
  expect_one_line_error(run_tool("euc", {bad.string()}), 1, bad.string() + ": not a TFLite model");
}

TEST(EucCli, BadOptionValuesNameTheOptionAndTheAllowedValues) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  };
  std::vector<Case> cases = {
      {{"--accelerator-config", "ethos-u55-512"}, "allowed: ethos-u55-32, ethos-u55-64"},
      {{"--accelerator-config", "ethos-u85-256"}, "not supported yet"},
      {{"--optimise", "Speed"},
       "option --optimise: invalid value 'Speed' (allowed: Performance, Size)"},
      {{"--tensor-allocator", "Best"}, "allowed: HillClimb, Greedy, LinearAlloc"},
      {{"--max-block-dependency", "4"}, "allowed: 0 to 3"},
      {{"--cpu-tensor-alignment", "24"}, "power of two"},
      {{"--arena-cache-size", "-1"}, "--arena-cache-size"},
      {{"--arena-cache-size", "lots"}, "--arena-cache-size"},
      {{"--system-config", "Nope"}, "Nope"},
      {{"--memory-mode", "Nope"}, "Nope"},
      {{"--output-format", "onnx"}, "allowed: tflite, raw"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{person_detect()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    SCOPED_TRACE(c.args[0] + " " + c.args[1]);
    expect_one_line_error(run_tool("euc", args), 2, c.needle);
  }
}

TEST(EucCli, NoOptionOfVelaSaysNotImplemented) {
  for (std::string opt :
       {"--verbose-graph", "--verbose-quantization", "--verbose-packing",
        "--verbose-tensor-purpose", "--verbose-tensor-format",
        "--verbose-high-level-command-stream", "--verbose-register-command-stream",
        "--verbose-weights", "--verbose-cycle-estimate", "--verbose-all", "--enable-debug-db",
        "--verbose-progress"}) {
    auto dir = test::temp_dir();
    auto r = run_tool("euc", {person_detect(), opt, "--output-dir", dir.string()});
    EXPECT_EQ(r.exit_code, 0) << opt << ": " << r.err;
    EXPECT_EQ(r.err.find("not implemented"), std::string::npos) << opt << ": " << r.err;
  }
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

TEST(EucCli, VerbosePerformanceWritesVelasPerLayerTable) {
  auto dir = test::temp_dir();
  auto r =
      run_tool("euc", {person_detect(), "--output-dir", dir.string(), "--verbose-performance"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(dir / "person_detect_per-layer.csv");
  ASSERT_TRUE(in.good());
  std::string header, line;
  std::getline(in, header);
  // Vela 3.10's columns (npu_performance.py print_performance), in order.
  EXPECT_EQ(header,
            "TFLite_operator,NNG Operator,SRAM Usage,Peak%,Op Cycles,Network%,NPU,SRAM AC,DRAM AC,"
            "OnFlash AC,OffFlash AC,MAC Count,Network%,Util%,Name");
  // person_detect lowers to 57 NPU operations (28 convolutions, the average pool and SOFTMAX's
  // 28).
  int rows = 0;
  double op_cycles = 0;
  while (std::getline(in, line)) {
    ++rows;
    std::stringstream ss(line);
    std::string cell;
    for (int k = 0; k <= 4; ++k)
      std::getline(ss, cell, ',');
    op_cycles += std::stod(cell);
  }
  EXPECT_EQ(rows, 57);
  EXPECT_NE(r.out.find("TFLite_operator      NNG Operator"), std::string::npos) << r.out;
  // The console summary's total is the sum of the layers' cycles.
  const size_t at = r.out.find("Total cycles");
  ASSERT_NE(at, std::string::npos) << r.out;
  const double total = std::stod(r.out.substr(at + std::string("Total cycles").size()));
  EXPECT_NEAR(total, op_cycles, 1.0 * rows);
}

TEST(EucCli, VerboseScheduleAndAllocationDescribeThePlan) {
  auto dir = test::temp_dir();
  auto r = run_tool("euc", {person_detect(), "--output-dir", dir.string(), "--verbose-schedule",
                            "--verbose-allocation"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, "Schedule: '"), 1u) << r.out;
  EXPECT_EQ(count_of(r.out, "\t\tBlock Config = ["), 57u) << r.out;
  EXPECT_NE(r.out.find("\t0: Operation MobilenetV1/MobilenetV1/Conv2d_0/Relu6  - OFM <Shape4D "
                       "[1, 48, 48, 8]>"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Tensor Allocation for mem_area Sram"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Allocation Peak Memory Usage:"), std::string::npos) << r.out;
}

// Parses "[Kind.Name]" sections of an ini text into name -> key -> value, independently of the
// code under test.
using IniMap = std::map<std::string, std::map<std::string, std::string>>;
IniMap parse_ini_independently(const std::string& text) {
  IniMap out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ';' || line[0] == '#')
      continue;
    if (line[0] == '[') {
      section = line.substr(1, line.find(']') - 1);
      continue;
    }
    auto eq = line.find('=');
    out[section][line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// "   key = value ..." lines of --verbose-config output, first word of the value.
std::map<std::string, std::string> parse_report(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find(" = ");
    if (eq == std::string::npos)
      continue;
    std::string key = line.substr(line.find_first_not_of(' '));
    key = key.substr(0, key.find(" = "));
    std::string value = line.substr(eq + 3);
    out[key] = value.substr(0, value.find(' '));
  }
  return out;
}

TEST(EucCli, VerboseConfigEqualsTheStandardVelaIni) {
  EUC_REQUIRE_SHARED();
  std::ifstream f(test::shared_dir() / "reference/system_configs.ini");
  std::stringstream ss;
  ss << f.rdbuf();
  IniMap ini = parse_ini_independently(ss.str());
  ASSERT_GE(ini.size(), 10u);
  for (const auto& [section, keys] : ini) {
    bool is_system = section.rfind("System_Config.", 0) == 0;
    std::string name = section.substr(section.find('.') + 1);
    // Memory modes are shown with a U65 Dram system, where every standard mode is valid.
    bool u65 = !is_system || name.find("U65") != std::string::npos;
    std::vector<std::string> args{person_detect(), "--verbose-config", "--accelerator-config",
                                  u65 ? "ethos-u65-256" : "ethos-u55-256"};
    if (is_system) {
      args.insert(args.end(), {"--system-config", name, "--memory-mode", "Shared_Sram"});
    } else {
      args.insert(args.end(), {"--system-config", "Ethos_U65_High_End", "--memory-mode", name});
    }
    auto r = run_tool("euc", args);
    ASSERT_EQ(r.exit_code, 0) << section << ": " << r.err;
    auto report = parse_report(r.out);
    // Inherited sections: the parent's keys, overridden by the child's.
    std::map<std::string, std::string> expected;
    if (keys.count("inherit")) {
      expected = ini.at(keys.at("inherit"));
    }
    for (const auto& [k, v] : keys)
      expected[k] = v;
    expected.erase("inherit");
    // docs/scheduling.md §Memory modes: when constants, arena and cache share one port (Sram_Only),
    // constants move to the other port, relabelled OnChipFlash with SRAM timing.
    if (!is_system && expected["const_mem_area"] == expected["arena_mem_area"] &&
        expected["arena_mem_area"] == expected["cache_mem_area"]) {
      expected["const_mem_area"] = expected["const_mem_area"] == "Axi0" ? "Axi1" : "Axi0";
    }
    for (const auto& [key, value] : expected) {
      SCOPED_TRACE(section + " " + key);
      ASSERT_TRUE(report.count(key)) << r.out;
      if (key.find("_port") != std::string::npos || key.find("_mem_area") != std::string::npos) {
        EXPECT_EQ(report[key], value);
      } else {
        EXPECT_DOUBLE_EQ(std::stod(report[key]), std::stod(value));
      }
    }
  }
}

TEST(EucCli, ConfigFileAddsASystemConfigAndReportsBadLines) {
  auto dir = test::temp_dir();
  auto ini = dir / "my.ini";
  std::ofstream(ini)
      << "[System_Config.Mine]\ncore_clock=250e6\naxi0_port=Sram\naxi1_port=OffChipFlash\n"
         "Sram_clock_scale=0.5\nOffChipFlash_clock_scale=0.25\n";
  auto r = run_tool("euc", {person_detect(), "--config", ini.string(), "--system-config", "Mine",
                            "--verbose-config"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = parse_report(r.out);
  EXPECT_DOUBLE_EQ(std::stod(report["core_clock"]), 250e6);
  EXPECT_DOUBLE_EQ(std::stod(report["Sram_clock_scale"]), 0.5);

  auto bad = dir / "bad.ini";
  std::ofstream(bad) << "[System_Config.Bad]\ncore_clock=1e9\nsram_speed=3\n";
  expect_one_line_error(run_tool("euc", {person_detect(), "--config", bad.string()}), 2,
                        bad.string() + ":3:");
}

TEST(EucCli, ListConfigsNamesTheStandardConfigs) {
  auto r = run_tool("euc", {"--list-configs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"Ethos_U55_High_End_Embedded", "Ethos_U65_Client_Server", "Shared_Sram",
                           "Dedicated_Sram_512KB", "internal-default"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
}

TEST(EucCli, SubgraphIoSummaryListsInputsAndOutputs) {
  auto r = run_tool("euc", {person_detect(), "--show-subgraph-io-summary"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Input  tensor"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Output tensor"), std::string::npos) << r.out;
}

TEST(EucCli, VerifyReportsEquality) {
  const auto dir = test::temp_dir();
  auto r = run_tool("euc", {person_detect(), "--verify=2", "--output-dir", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Verified: 2 random inputs"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "person_detect_vela.tflite"));
}

// A compile made wrong on purpose (one weight of the first convolution changed after lowering):
// --verify names the first differing output element and the NPU operation where the difference
// starts, and writes nothing.
TEST(EucCli, VerifyNamesTheFirstDifferenceAndItsOperation) {
  const auto dir = test::temp_dir();
  auto r = run_tool(
      "euc", {person_detect(), "--verify", "--debug-corrupt-weight", "--output-dir", dir.string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("output 0 ('MobilenetV1/Predictions/Reshape_1') differs"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("at element"), std::string::npos) << r.err;
  // The corrupted weight belongs to the first convolution: the first NPU operation.
  EXPECT_NE(r.err.find("written by NPU operation 0 of ethos-u operator 0 (Conv2D "
                       "'MobilenetV1/MobilenetV1/Conv2d_0/Relu6'"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "person_detect_vela.tflite"));
}

TEST(EucCli, VerifyRejectsABadCount) {
  expect_one_line_error(run_tool("euc", {person_detect(), "--verify=0"}), 2, "--verify");
}

}  // namespace
}  // namespace euc

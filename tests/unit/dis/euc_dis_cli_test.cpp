// euc-dis as a user meets it: every Vela output decoded with the independently counted figures,
// the payload header and tensors shown, --json carrying the same, and one-line errors with the
// documented exit codes for bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "support/test_paths.hpp"
#include "unit/npu/vela_outputs_table.hpp"

namespace euc {
namespace {

using test::run_tool;

std::string vela_output(std::string_view file) {
  return (test::shared_dir() / "reference" / "vela_outputs" / file).string();
}

// An error is exactly one line on stderr starting "euc-dis: error: ", and nothing on stdout.
void expect_one_line_error(const test::CommandResult& r, int code, std::string_view needle) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(r.err.rfind("euc-dis: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out.substr(0, 200);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string write_bytes(const std::vector<uint8_t>& bytes, const std::string& name) {
  const auto path = test::temp_dir() / name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

// Byte offset of the first COP1 payload in a model file.
std::size_t payload_offset(const std::vector<uint8_t>& bytes) {
  const std::string cop1 = "COP1";
  const auto it = std::search(bytes.begin(), bytes.end(), cop1.begin(), cop1.end());
  EXPECT_NE(it, bytes.end());
  return static_cast<std::size_t>(it - bytes.begin());
}

int sum_of(const std::string& text, const std::regex& pattern) {
  int total = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator(); ++it)
    total += std::stoi((*it)[1].str());
  return total;
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

TEST(EucDis, DecodesEveryVelaOutputToTheCountedFigures) {
  EUC_REQUIRE_SHARED();
  const std::regex ethosu_line(R"(: (\d+) ethos-u operators?\n)");
  const std::regex commands_line(R"(\n  commands: (\d+) \()");
  const std::regex block_line(R"(operations: \d+ \((\d+) block)");
  const std::regex dma_line(R"(block, (\d+) DMA\))");
  const std::regex outside_enumeration(R"(=\d+\?)");
  for (const test::VelaOutputFigures& row : test::kVelaOutputFigures) {
    SCOPED_TRACE(std::string(row.file));
    const auto r = run_tool("euc-dis", {vela_output(row.file)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_EQ(sum_of(r.out, ethosu_line), row.ethosu_operators);
    EXPECT_EQ(sum_of(r.out, commands_line), row.commands);
    EXPECT_EQ(sum_of(r.out, block_line), row.block_operations);
    EXPECT_EQ(sum_of(r.out, dma_line), row.dma_operations);
    // One listing line per command, one summary per launched operation.
    EXPECT_EQ(count_of(r.out, "\n    0x"), row.commands);
    EXPECT_EQ(count_of(r.out, "  -> op "), row.block_operations + row.dma_operations);
    EXPECT_FALSE(std::regex_search(r.out, outside_enumeration));
    EXPECT_EQ(r.out.find("never written"), std::string::npos);
  }
}

TEST(EucDis, ShowsHeaderTensorsAndTheStemOperation) {
  EUC_REQUIRE_SHARED();
  const auto r = run_tool("euc-dis", {vela_output("vela5.1/d/person_detect_vela.tflite")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("config 0x10003008: Ethos-U65, 256 MACs/cycle (macs_per_cc 8), SHRAM 48 "
                       "KiB, command stream version 0"),
            std::string::npos)
      << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("id 0x10066001: architecture 1.0.6"), std::string::npos);
  EXPECT_NE(r.out.find("actions: CONFIG@0x4 NOP@0x10 NOP@0x14 NOP@0x18 CMDSTRM@0x1c"),
            std::string::npos);
  EXPECT_NE(r.out.find("ifm0           t4    int8     [1,96,96,1]           9216 bytes  arena "
                       "offset 0"),
            std::string::npos)
      << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("scratch_fast   t3    uint8"), std::string::npos);
  EXPECT_NE(r.out.find("NPU_SET_IFM_PRECISION precision=S8 format=NHWC"), std::string::npos);
  EXPECT_NE(r.out.find("CONV ifm 96x96x1 int8 NHWC r1@0x0 -> ofm 48x48x8 int8 NHCWB16"),
            std::string::npos);
  EXPECT_NE(r.out.find("kernel 3x3 stride 2x2 pad t0 l0 b1 r1"), std::string::npos);
}

TEST(EucDis, JsonCarriesTheSameCommandsAndOperations) {
  EUC_REQUIRE_SHARED();
  for (std::string_view file :
       {"vela3.10/a/person_detect_vela.tflite", "vela5.1/a/keyword_scrambled_8bit_vela.tflite"}) {
    SCOPED_TRACE(std::string(file));
    const auto row =
        std::find_if(std::begin(test::kVelaOutputFigures), std::end(test::kVelaOutputFigures),
                     [&](const auto& r) { return r.file == file; });
    ASSERT_NE(row, std::end(test::kVelaOutputFigures));
    const auto r = run_tool("euc-dis", {"--json", vela_output(file)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    ASSERT_EQ(static_cast<int>(j["operators"].size()), row->ethosu_operators);
    int commands = 0;
    int block = 0;
    int dma = 0;
    for (const auto& op : j["operators"]) {
      EXPECT_EQ(op["payload"]["config"]["product"], "Ethos-U55");
      EXPECT_EQ(op["payload"]["config"]["macs_per_cycle"], 256);
      commands += static_cast<int>(op["commands"].size());
      for (const auto& npu_op : op["operations"])
        ++(npu_op["kind"] == "DMA" ? dma : block);
      EXPECT_EQ(op["commands"].back()["opcode"], "NPU_OP_STOP");
      EXPECT_EQ(op["tensors"][0]["role"], "command_stream");
    }
    EXPECT_EQ(commands, row->commands);
    EXPECT_EQ(block, row->block_operations);
    EXPECT_EQ(dma, row->dma_operations);
  }
}

TEST(EucDis, JsonOperationHasFieldsByName) {
  EUC_REQUIRE_SHARED();
  const auto r =
      run_tool("euc-dis", {"--json", vela_output("vela5.1/a/person_detect_vela.tflite")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const nlohmann::json& stem = j["operators"][0]["operations"][1];
  EXPECT_EQ(stem["kind"], "CONV");
  EXPECT_EQ(stem["kernel"]["width"], 3);
  EXPECT_EQ(stem["kernel"]["stride_y"], 2);
  EXPECT_EQ(stem["ofm"]["shape"]["depth"], 8);
  EXPECT_EQ(stem["ifm"]["zero_point"], -1);
  EXPECT_EQ(stem["ifm"]["format"], "NHWC");
  EXPECT_EQ(stem["padding"]["bottom"], 1);
  const nlohmann::json& first = j["operators"][0]["commands"][0];
  EXPECT_EQ(first["opcode"], "NPU_SET_DMA0_SRC_REGION");
  EXPECT_EQ(first["fields"]["stride_mode"], "STRIDE_MODE_1D");
}

TEST(EucDis, ModelWithoutNpuOperatorsListsNone) {
  const auto r =
      run_tool("euc-dis", {(test::source_dir() / "models/person_detect.tflite").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": 0 ethos-u operators\n"), std::string::npos) << r.out;
}

TEST(EucDis, HelpExitsZero) {
  const auto r = run_tool("euc-dis", {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--json"), std::string::npos);
}

TEST(EucDis, MissingArgumentIsAUsageError) {
  expect_one_line_error(run_tool("euc-dis", {}), 2, "model is required");
}

TEST(EucDis, UnknownOptionIsAUsageError) {
  expect_one_line_error(run_tool("euc-dis", {"x.tflite", "--frobnicate"}), 2, "--frobnicate");
}

TEST(EucDis, MissingFileIsAUsageError) {
  expect_one_line_error(run_tool("euc-dis", {"/no/such/model_vela.tflite"}), 2,
                        "/no/such/model_vela.tflite: no such file");
}

TEST(EucDis, NotAModelIsAnInputError) {
  const std::string path =
      write_bytes({'n', 'o', 't', ' ', 'a', ' ', 'm', 'o', 'd', 'e', 'l'}, "bad.tflite");
  expect_one_line_error(run_tool("euc-dis", {path}), 1, path + ": ");
}

TEST(EucDis, CorruptFourCcIsAnInputErrorNamingTheOperator) {
  EUC_REQUIRE_SHARED();
  auto bytes = read_bytes(vela_output("vela3.10/a/hello_world_int8_vela.tflite"));
  bytes[payload_offset(bytes) + 3] = '9';
  const std::string path = write_bytes(bytes, "fourcc_vela.tflite");
  expect_one_line_error(run_tool("euc-dis", {path}), 1,
                        path +
                            ": subgraph 0 operator 0 (ethos-u): driver payload: bad FourCC "
                            "'COP9'");
}

TEST(EucDis, UnknownOpcodeIsAnInputErrorWithItsOffset) {
  EUC_REQUIRE_SHARED();
  auto bytes = read_bytes(vela_output("vela3.10/a/hello_world_int8_vela.tflite"));
  // The first command word (payload byte 32) becomes cmd0 code 0x3FF, which the facts do not
  // define.
  const std::size_t at = payload_offset(bytes) + 32;
  bytes[at] = 0xFF;
  bytes[at + 1] = 0x03;
  bytes[at + 2] = 0;
  bytes[at + 3] = 0;
  const std::string path = write_bytes(bytes, "opcode_vela.tflite");
  expect_one_line_error(run_tool("euc-dis", {path}), 1,
                        "subgraph 0 operator 0 (ethos-u): command stream byte offset 0 (0x0): "
                        "unknown cmd0 opcode 0x3ff");
}

TEST(EucDis, TruncatedStreamLengthIsAnInputError) {
  EUC_REQUIRE_SHARED();
  auto bytes = read_bytes(vela_output("vela3.10/a/hello_world_int8_vela.tflite"));
  // CMDSTRM tag param (length low half) at payload byte 30: claim one word more than present.
  const std::size_t at = payload_offset(bytes) + 30;
  const int length = bytes[at] | (bytes[at + 1] << 8);
  bytes[at] = static_cast<uint8_t>((length + 1) & 0xFF);
  bytes[at + 1] = static_cast<uint8_t>((length + 1) >> 8);
  const std::string path = write_bytes(bytes, "length_vela.tflite");
  expect_one_line_error(run_tool("euc-dis", {path}), 1, "runs past the end of the payload");
}

}  // namespace
}  // namespace euc

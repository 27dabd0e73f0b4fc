// Every output of reference/vela_outputs_ops (Vela 3.10 and 5.1 compiled each single-operator
// model of models/ops and models/ops51), run with its NPU parts on the functional model and its
// CPU parts in the reference interpreter, reproduces TensorFlow Lite Micro's golden outputs byte
// for byte on every golden case of its model. The exceptions are the cases
// tests/data/vela_inexact.txt records, each with why Vela's lowering differs from TFLite Micro;
// a recorded case must still differ the way the table says, so that a case becoming exact (or
// failing differently) shows up here too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "refinterp/interpreter.hpp"
#include "refinterp/npy.hpp"
#include "runner/ethosu_kernel.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::npusim {
namespace {

namespace fs = std::filesystem;

// How one golden case came out.
enum class Outcome { kExact, kValues, kShape, kError };

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kExact:
      return "exact";
    case Outcome::kValues:
      return "values";
    case Outcome::kShape:
      return "shape";
    case Outcome::kError:
      return "error";
  }
  return "?";
}

// A line of the table: "<version> <model> <case or *> <values|shape|error> <reason>".
struct Recorded {
  std::string kind;
  std::string reason;
  bool used = false;
};

using Table = std::map<std::string, Recorded>;  // key "version model case"

Table read_table() {
  std::ifstream in(test::source_dir() / "tests" / "data" / "vela_inexact.txt");
  Table table;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream s(line);
    std::string version, model, name, kind, reason;
    s >> version >> model >> name >> kind;
    std::getline(s, reason);
    table[version + " " + model + " " + name] = {kind, reason};
  }
  return table;
}

fs::path golden_folder(const std::string& model) {
  for (const char* corpus : {"ops", "ops51"}) {
    const fs::path dir = test::shared_dir() / "models" / corpus / "golden" / model;
    if (fs::is_directory(dir))
      return dir;
  }
  return {};
}

struct CaseResult {
  Outcome outcome = Outcome::kExact;
  std::string detail;
};

// Runs every case of `golden` through the compiled model; one result per case folder.
std::map<std::string, CaseResult> run_model(const fs::path& compiled, const fs::path& golden) {
  std::map<std::string, CaseResult> results;
  const std::vector<std::string> cases = test::subfolders(golden);
  std::unique_ptr<refinterp::Interpreter> interp;
  try {
    interp = std::make_unique<refinterp::Interpreter>(
        tfl::read_model_file(compiled), runner::ethosu_kernel_factory(compiled.string()));
  } catch (const Error& e) {
    for (const std::string& name : cases)
      results[name] = {Outcome::kError, e.what()};
    return results;
  }
  for (const std::string& name : cases) {
    const fs::path dir = golden / name;
    CaseResult& r = results[name];
    try {
      for (std::size_t k = 0; k < interp->input_count(); ++k) {
        const fs::path file = dir / ("input" + std::to_string(k) + ".npy");
        interp->set_input(k, refinterp::parse_npy(read_file_bytes(file), file.string()).data);
      }
      interp->invoke();
    } catch (const Error& e) {
      r = {Outcome::kError, e.what()};
      continue;
    }
    for (std::size_t k = 0; k < interp->output_count(); ++k) {
      const fs::path file = dir / ("output" + std::to_string(k) + ".npy");
      const auto want = refinterp::parse_npy(read_file_bytes(file), file.string());
      const auto got = interp->output(k);
      const auto& shape = interp->output_tensor(k).shape;
      if (got.size() != want.data.size()) {
        r = {Outcome::kValues, "output " + std::to_string(k) + " has " +
                                   std::to_string(got.size()) + " bytes, the golden " +
                                   std::to_string(want.data.size())};
        break;
      }
      // Elements compared as the golden's integer type; the first difference is reported.
      const std::size_t es = static_cast<std::size_t>(ir::element_size(want.type).value_or(1));
      const auto element = [&](std::span<const uint8_t> bytes, std::size_t i) {
        int64_t v = 0;
        std::memcpy(&v, bytes.data() + i * es, es);
        const int shift = static_cast<int>(64 - 8 * es);
        const bool is_unsigned = want.type == ir::DataType::kUInt8 ||
                                 want.type == ir::DataType::kUInt16 ||
                                 want.type == ir::DataType::kUInt32;
        return is_unsigned || es == 8 ? v : (v << shift) >> shift;
      };
      std::size_t differ = 0;
      std::string first;
      for (std::size_t i = 0; i < got.size() / es; ++i) {
        if (element(got, i) == element(want.data, i))
          continue;
        if (differ++ == 0)
          first = "element " + std::to_string(i) + " is " + std::to_string(element(got, i)) +
                  ", TFLite Micro " + std::to_string(element(want.data, i));
      }
      if (differ != 0) {
        r = {Outcome::kValues, "output " + std::to_string(k) + ": " + std::to_string(differ) +
                                   " of " + std::to_string(got.size() / es) +
                                   " elements differ; first " + first};
        break;
      }
      if (std::vector<int64_t>(shape.begin(), shape.end()) != want.shape) {
        r = {Outcome::kShape, "output " + std::to_string(k) + " has another shape"};
        break;
      }
    }
  }
  return results;
}

class VelaOpsGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VelaOpsGoldenTest, EveryCaseExactOrRecordedInexact) {
  EUC_REQUIRE_SHARED();
  const std::string version = GetParam();
  const fs::path dir = test::shared_dir() / "reference" / "vela_outputs_ops" / ("vela" + version);
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  Table table = read_table();
  std::vector<fs::path> models;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".tflite")
      models.push_back(e.path());
  std::sort(models.begin(), models.end());
  ASSERT_EQ(models.size(), 114u) << "90 models of models/ops and 24 of models/ops51";
  int total = 0, exact = 0, recorded = 0;
  for (const fs::path& compiled : models) {
    std::string model = compiled.stem().string();
    model = model.substr(0, model.size() - std::string("_vela").size());
    const fs::path golden = golden_folder(model);
    ASSERT_FALSE(golden.empty()) << "no golden cases for " << model;
    for (const auto& [name, result] : run_model(compiled, golden)) {
      ++total;
      exact += result.outcome == Outcome::kExact ? 1 : 0;
      auto it = table.find(version + " " + model + " " + name);
      if (it == table.end())
        it = table.find(version + " " + model + " *");
      if (it == table.end()) {
        EXPECT_EQ(result.outcome, Outcome::kExact)
            << "vela" << version << " " << model << " " << name << ": "
            << outcome_name(result.outcome) << ": " << result.detail;
        continue;
      }
      ++recorded;
      it->second.used = true;
      EXPECT_EQ(outcome_name(result.outcome), it->second.kind)
          << "vela" << version << " " << model << " " << name << " is recorded as "
          << it->second.kind << " (" << it->second.reason << ") but is "
          << outcome_name(result.outcome) << (result.detail.empty() ? "" : ": ") << result.detail;
    }
  }
  for (const auto& [key, entry] : table) {
    if (key.rfind(version + " ", 0) == 0) {
      EXPECT_TRUE(entry.used) << "table entry '" << key << "' matches no case";
    }
  }
  std::cout << "Vela " << version << ": " << exact << "/" << total
            << " golden cases byte-identical, " << recorded << " recorded as inexact\n";
}

INSTANTIATE_TEST_SUITE_P(Versions, VelaOpsGoldenTest, ::testing::Values("3.10", "5.1"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = "vela" + info.param;
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

}  // namespace
}  // namespace euc::npusim

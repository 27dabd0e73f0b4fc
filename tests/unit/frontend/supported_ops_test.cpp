// Which operators run on the NPU, checked against what Vela 3.10 did with the same models:
// the placement column of the conformance corpus' README, the CPU operators left in Vela's
// compiled outputs and the CPU operator counts of vela_figures.csv.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "e2e/small_network.hpp"
#include "frontend/lowering/lowering.hpp"
#include "frontend/lowering/operator_table.hpp"
#include "frontend/lowering/unlowered.hpp"
#include "frontend/supported/supported_ops.hpp"
#include "model_mutation.hpp"
#include "support/test_paths.hpp"
#include "tflite/reader.hpp"

namespace euc::frontend {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, sep))
    out.push_back(trim(cell));
  return out;
}

// Types of the operators the checks leave on the CPU, in order.
std::vector<std::string> cpu_operator_types(const ir::Model& model) {
  std::vector<std::string> out;
  auto verdicts = check_model(model);
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    for (size_t i = 0; i < verdicts[s].size(); ++i) {
      if (!verdicts[s][i].meets_rules)
        out.push_back(ir::operator_display_name(model.subgraphs[s].operators[i]));
    }
  }
  return out;
}

bool has_failed(const SupportVerdict& v, std::string_view id) {
  return std::find(v.failed.begin(), v.failed.end(), id) != v.failed.end();
}

// Vela 3.10's 43 types and the 10 Vela 5.1 adds for the Ethos-U55: BATCH_MATMUL, the reductions
// (REDUCE_MAX, REDUCE_MIN, SUM), data movement (MIRROR_PAD, PADV2, REVERSE_V2), LOG, RELU_0_TO_1
// and TILE.
TEST(NpuOperators, VelaPlacesFiftyThreeTypesInNameOrder) {
  auto ops = vela_operator_types();
  EXPECT_EQ(ops.size(), 53u);
  for (ir::BuiltinOp op : {ir::BuiltinOp::BATCH_MATMUL, ir::BuiltinOp::REDUCE_MAX,
                           ir::BuiltinOp::REDUCE_MIN, ir::BuiltinOp::SUM, ir::BuiltinOp::MIRROR_PAD,
                           ir::BuiltinOp::PADV2, ir::BuiltinOp::REVERSE_V2, ir::BuiltinOp::LOG,
                           ir::BuiltinOp::RELU_0_TO_1, ir::BuiltinOp::TILE})
    EXPECT_TRUE(is_vela_operator_type(op)) << ir::builtin_op_name(op);
  std::vector<std::string_view> names;
  for (ir::BuiltinOp op : ops)
    names.push_back(ir::builtin_op_name(op));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_TRUE(is_vela_operator_type(ir::BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM));
  EXPECT_FALSE(is_vela_operator_type(ir::BuiltinOp::SVDF));
  EXPECT_FALSE(is_vela_operator_type(ir::BuiltinOp::CUSTOM));
}

// What euc places on the NPU is exactly what its lowering table lowers: Vela's types and SVDF,
// which neither Vela version places.
TEST(NpuOperators, AreTheLoweredTypesInNameOrder) {
  auto ops = npu_operator_types();
  auto lowered = operator_lowerings();
  ASSERT_EQ(ops.size(), lowered.size());
  std::vector<std::string_view> names;
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i], lowered[i].type);
    EXPECT_TRUE(is_vela_operator_type(ops[i]) || ops[i] == ir::BuiltinOp::SVDF)
        << ir::builtin_op_name(ops[i]);
    names.push_back(ir::builtin_op_name(ops[i]));
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_TRUE(is_npu_operator_type(ir::BuiltinOp::CONV_2D));
  EXPECT_TRUE(is_npu_operator_type(ir::BuiltinOp::SOFTMAX));
  EXPECT_TRUE(is_npu_operator_type(ir::BuiltinOp::SQUARED_DIFFERENCE));
  EXPECT_TRUE(is_npu_operator_type(ir::BuiltinOp::RESIZE_BILINEAR));
  EXPECT_TRUE(is_npu_operator_type(ir::BuiltinOp::ARG_MAX));
  EXPECT_FALSE(is_npu_operator_type(ir::BuiltinOp::EXP));  // TFLite Micro: float32 only
}

// A type Vela places but euc does not lower meets the rules and still stays on the CPU, saying
// why: int8 and int16 EXP (Vela 3.10 places them; TensorFlow Lite Micro's EXP kernel computes
// float32 only, so no integer result exists to reproduce), likewise LOG (Vela 5.1).
TEST(SupportedOps, RulesMetButNotLoweredStaysOnTheCpu) {
  for (ir::BuiltinOp type : {ir::BuiltinOp::EXP, ir::BuiltinOp::LOG}) {
    for (ir::DataType dt : {ir::DataType::kInt8, ir::DataType::kInt16}) {
      const bool int8 = dt == ir::DataType::kInt8;
      test::Net n;
      const int in = n.tensor("input", {1, 8, 8, 16}, 0.05f, int8 ? -3 : 0, dt);
      const int out = n.tensor("output", {1, 8, 8, 16}, 0.2f, int8 ? -128 : 0, dt);
      n.op(type, {in}, {out});
      n.io({in}, {out});
      ir::Model model = n.model();
      auto verdicts = check_model(model)[0];
      ASSERT_EQ(verdicts.size(), 1u);
      const SupportVerdict& verdict = verdicts[0];
      const std::string name(ir::builtin_op_name(type));
      EXPECT_TRUE(verdict.meets_rules) << name;
      EXPECT_FALSE(verdict.on_npu) << name;
      EXPECT_TRUE(verdict.reasons.empty()) << name;
      std::optional<std::string> why = why_not_lowered(model, 0, 0);
      ASSERT_TRUE(why.has_value());
      EXPECT_EQ(why->rfind("TensorFlow Lite Micro's " + name + " kernel computes float32", 0), 0u)
          << *why;
    }
  }
}

// Every type Vela places that euc does not lower has its own reason, and the lowered ones none.
TEST(SupportedOps, EveryUnloweredVelaTypeSaysWhy) {
  int unlowered = 0;
  for (ir::BuiltinOp op : vela_operator_types()) {
    EXPECT_EQ(unlowered_reason(op).has_value(), !is_npu_operator_type(op))
        << ir::builtin_op_name(op);
    unlowered += is_npu_operator_type(op) ? 0 : 1;
  }
  // EXP, LOG, RELU_0_TO_1, SHAPE and TILE.
  EXPECT_EQ(unlowered, 5);
}

// A SHAPE whose output is a subgraph output is not folded into a constant: it stays on the CPU
// and says on what conditions a SHAPE is folded (the folded case: e2e/constant_folding_test).
TEST(SupportedOps, UnfoldedShapeStaysOnTheCpuSayingWhy) {
  {
    test::Net n;
    const int in = n.tensor("input", {1, 8, 8, 16}, 0.05f, -3);
    const int out = n.tensor("shape", {4}, 1.0f, 0, ir::DataType::kInt32);
    n.op(ir::BuiltinOp::SHAPE, {in}, {out});
    n.io({in}, {out});
    ir::Model model = n.model();
    std::optional<std::string> why = why_not_lowered(model, 0, 0);
    ASSERT_TRUE(why.has_value());
    EXPECT_NE(why->find("not a subgraph input or output"), std::string::npos) << *why;
  }
}

TEST(ConstraintTable, IdsAreUniqueAndEveryRuleNamesOnlyVelaOperators) {
  std::set<std::string> ids;
  for (const Constraint& c : constraint_table()) {
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate id " << c.id;
    EXPECT_FALSE(c.description.empty()) << c.id;
    EXPECT_NE(c.check, nullptr) << c.id;
    if (c.scope == ConstraintScope::kSpecific) {
      EXPECT_FALSE(c.ops.empty()) << c.id;
    }
    for (ir::BuiltinOp op : c.ops)
      EXPECT_TRUE(is_vela_operator_type(op)) << c.id << " names " << ir::builtin_op_name(op);
    EXPECT_EQ(find_constraint(c.id), &c);
  }
  EXPECT_EQ(find_constraint("no_such_rule"), nullptr);
}

TEST(ConstraintTable, GenericRulesComeFirst) {
  const auto& table = constraint_table();
  auto first_specific = std::find_if(table.begin(), table.end(), [](const Constraint& c) {
    return c.scope == ConstraintScope::kSpecific;
  });
  EXPECT_TRUE(std::all_of(first_specific, table.end(), [](const Constraint& c) {
    return c.scope == ConstraintScope::kSpecific;
  }));
}

TEST(SupportedOps, ProjectModelsRunEntirelyOnTheNpu) {
  for (const char* file :
       {"tests/data/models/hello_world_int8.tflite",
        "tests/data/models/micro_speech_quantized.tflite",
        "tests/data/models/simple_add_model.tflite", "models/person_detect.tflite"}) {
    ir::Model model = test::load_project_model(file);
    EXPECT_EQ(cpu_operator_types(model), std::vector<std::string>{}) << file;
  }
}

TEST(SupportedOps, SharedModelsThatVelaPutsWhollyOnTheNpuPassEveryOperator) {
  EUC_REQUIRE_SHARED();
  // vela_figures.csv: cpu_ops = 0 for these under every configuration.
  for (const char* file :
       {"person_detect.tflite", "mobilenet_v2_224_int8.tflite", "micro_speech_quantized.tflite",
        "hello_world_int8.tflite", "mnist_lstm_int8.tflite", "simple_add_model.tflite"}) {
    ir::Model model = test::load_shared_model(file);
    auto verdicts = check_model(model);
    for (size_t i = 0; i < verdicts[0].size(); ++i) {
      const SupportVerdict& v = verdicts[0][i];
      EXPECT_TRUE(v.meets_rules) << file << " op " << i << ": "
                                 << (v.reasons.empty() ? "" : v.reasons[0]);
    }
  }
}

TEST(SupportedOps, KeywordSpotterPlacesSvdfAndKeepsTheFinalQuantizeOnTheCpu) {
  EUC_REQUIRE_SHARED();
  ir::Model model = test::load_shared_model("keyword_scrambled_8bit.tflite");
  auto verdicts = check_model(model)[0];
  ASSERT_EQ(verdicts.size(), 15u);
  int svdf = 0;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const ir::Operator& op = model.subgraphs[0].operators[i];
    if (op.type == ir::BuiltinOp::SVDF) {
      // Beyond both Velas' operator lists, euc's own lowering (svdf.cpp).
      EXPECT_TRUE(verdicts[i].meets_rules) << i;
      EXPECT_TRUE(verdicts[i].on_npu) << i;
      ++svdf;
    }
  }
  EXPECT_EQ(svdf, 7);
  // SOFTMAX int8 -> int16 meets Vela 5.1's type rule (3.10's asks for equal types);
  // QUANTIZE int16 -> int32 fails.
  EXPECT_TRUE(verdicts[13].meets_rules);
  EXPECT_TRUE(has_failed(verdicts[14], "no_int32"));
  EXPECT_TRUE(verdicts[0].meets_rules);  // QUANTIZE int16 -> int8
  for (int fc : {2, 4, 6, 8, 12})
    EXPECT_TRUE(verdicts[fc].meets_rules) << fc;
}

// Where euc follows Vela 5.1's wider rules: an int8 -> int16 SOFTMAX runs on the NPU (Vela
// 3.10 leaves it on the CPU), and so do transposes, strided slices with a stride other than 1
// and pads of the batch or channel axis (5.1 lifts 3.10's permutation, stride and padding
// rules); SVDF runs on the NPU, which neither Vela version does.
bool wider_than_vela310(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op) {
  auto ints = [&](size_t input) {
    return input < op.inputs.size() && op.inputs[input] >= 0
               ? model.constant_ints(sg.tensors.at(op.inputs[input]))
               : std::nullopt;
  };
  switch (op.type) {
    case ir::BuiltinOp::TRANSPOSE:
    case ir::BuiltinOp::SVDF:  // beyond both Velas (svdf.cpp)
      return true;
    case ir::BuiltinOp::STRIDED_SLICE: {
      auto s = ints(3);
      return s && std::any_of(s->begin(), s->end(), [](int64_t v) { return v != 1; });
    }
    case ir::BuiltinOp::PAD: {
      auto p = ints(1);
      return p && p->size() == 8 && ((*p)[0] | (*p)[1] | (*p)[6] | (*p)[7]) != 0;
    }
    case ir::BuiltinOp::SOFTMAX:
      return !op.inputs.empty() && !op.outputs.empty() &&
             sg.tensors.at(op.inputs[0]).type == ir::DataType::kInt8 &&
             sg.tensors.at(op.outputs[0]).type == ir::DataType::kInt16;
    default:
      return false;
  }
}

// Vela's compiled output keeps the CPU operators and replaces each NPU run by one ethos-u
// operator: the operators left are what Vela placed on the CPU, in order.
TEST(SupportedOps, CpuOperatorsMatchThoseVelaLeftInItsOutputs) {
  EUC_REQUIRE_SHARED();
  auto dir = test::shared_dir() / "reference/vela_outputs/vela3.10/a";
  int compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string file = entry.path().filename().string();
    const std::string suffix = "_vela.tflite";
    if (file.size() <= suffix.size() ||
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string stem = file.substr(0, file.size() - suffix.size());
    ir::Model vela = tfl::read_model_file(entry.path());
    std::vector<std::string> vela_cpu;
    for (const ir::Operator& op : vela.subgraphs[0].operators) {
      if (op.type != ir::BuiltinOp::CUSTOM && !wider_than_vela310(vela, vela.subgraphs[0], op))
        vela_cpu.push_back(ir::operator_display_name(op));
    }
    ir::Model model = test::load_shared_model(stem + ".tflite");
    EXPECT_EQ(cpu_operator_types(model), vela_cpu) << stem;
    ++compared;
  }
  EXPECT_EQ(compared, 6);
}

TEST(SupportedOps, CpuOperatorCountsMatchVelaFigures) {
  EUC_REQUIRE_SHARED();
  std::istringstream csv(read_text(test::shared_dir() / "reference/vela_figures.csv"));
  std::string line;
  std::getline(csv, line);
  auto header = split(line, ',');
  auto column = [&](std::string_view name) {
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  auto version = column("version"), model_col = column("model"), cpu = column("cpu_ops");
  int rows = 0;
  while (std::getline(csv, line)) {
    auto cells = split(line, ',');
    if (cells.size() != header.size() || cells[version] != "vela3.10")
      continue;
    ir::Model model = test::load_shared_model(cells[model_col] + ".tflite");
    size_t wider = 0;
    for (const ir::Operator& op : model.subgraphs[0].operators)
      wider += wider_than_vela310(model, model.subgraphs[0], op);
    EXPECT_EQ(cpu_operator_types(model).size() + wider, std::stoul(cells[cpu])) << cells[model_col];
    ++rows;
  }
  EXPECT_GE(rows, 24);
}

// The conformance corpus README records where Vela 3.10 placed each single-operator model.
TEST(SupportedOps, OpsCorpusPlacementMatchesVelaColumnOfItsReadme) {
  EUC_REQUIRE_SHARED();
  auto dir = test::shared_dir() / "models/ops";
  std::istringstream readme(read_text(dir / "README.md"));
  // The README's reasons for CPU placement, by the constraint that expresses them. Per-channel
  // FC weights follow Vela 5.1's wider rule: they meet the rules (an empty constraint id).
  const std::map<std::string, std::string> reason_to_rule = {
      {"per-channel FC weights not supported", ""},
  };
  // Vela 3.10's reasons that Vela 5.1 (and euc) lift: those models meet the rules.
  const std::set<std::string> lifted = {"strides must be 1", "permutation not supported"};
  std::set<std::string> listed;
  std::string line;
  int npu = 0, cpu = 0;
  while (std::getline(readme, line)) {
    auto cells = split(line, '|');
    if (cells.size() < 7 || cells[1].find(".tflite") == std::string::npos)
      continue;
    const std::string& file = cells[1];
    const std::string& placement = cells[6];
    listed.insert(file);
    ir::Model model = tfl::read_model_file(dir / file);
    ASSERT_EQ(model.subgraphs[0].operators.size(), 1u) << file;
    SupportVerdict v = check_operator(model, 0, 0);
    if (placement == "NPU" || lifted.count(placement.substr(std::min<size_t>(5, placement.size()),
                                                            placement.size() - 6)) != 0) {
      ++npu;
      EXPECT_TRUE(v.meets_rules) << file << ": " << (v.reasons.empty() ? "" : v.reasons[0]);
    } else {
      ++cpu;
      ASSERT_EQ(placement.rfind("CPU (", 0), 0u) << file;
      std::string reason = placement.substr(5, placement.size() - 6);
      ASSERT_TRUE(reason_to_rule.count(reason)) << reason;
      if (reason_to_rule.at(reason).empty()) {
        EXPECT_TRUE(v.meets_rules) << file;
        continue;
      }
      EXPECT_FALSE(v.meets_rules) << file;
      EXPECT_EQ(v.failed, std::vector<std::string>{reason_to_rule.at(reason)}) << file;
    }
  }
  EXPECT_EQ(npu, 86);
  EXPECT_EQ(cpu, 4);
  // Every model of the corpus is listed.
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".tflite") {
      EXPECT_TRUE(listed.count(entry.path().filename().string())) << entry.path();
    }
  }
}

// Checks run on any IR, also one that breaks many rules at once: degraded copies of every
// model must give verdicts (the sanitizer build turns any out-of-range access into a failure).
TEST(SupportedOps, ChecksSurviveModelsWithMissingTensorsOptionsAndShapes) {
  EUC_REQUIRE_SHARED();
  std::vector<std::filesystem::path> files;
  for (const auto& dir : {test::shared_dir() / "models/ops", test::shared_dir() / "models"}) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".tflite")
        files.push_back(e.path());
    }
  }
  using Edit = std::function<void(ir::Model&)>;
  auto each_op = [](auto f) {
    return [f](ir::Model& m) {
      for (ir::Subgraph& sg : m.subgraphs)
        for (ir::Operator& op : sg.operators)
          f(op);
    };
  };
  auto each_tensor = [](auto f) {
    return [f](ir::Model& m) {
      for (ir::Subgraph& sg : m.subgraphs)
        for (ir::Tensor& t : sg.tensors)
          f(t);
    };
  };
  const std::vector<Edit> edits = {
      each_op([](ir::Operator& op) { op.builtin_options = {}; }),
      each_op([](ir::Operator& op) { std::fill(op.inputs.begin(), op.inputs.end(), -1); }),
      each_op([](ir::Operator& op) {
        op.inputs.clear();
        op.outputs.clear();
        op.intermediates.clear();
      }),
      each_tensor([](ir::Tensor& t) { t.shape.clear(); }),
      each_tensor([](ir::Tensor& t) { t.shape = {3, 5, 7, 9, 11, 13}; }),
      each_tensor([](ir::Tensor& t) { t.shape.assign(t.shape.size(), 0); }),
      each_tensor([](ir::Tensor& t) {
        t.quantization.reset();
        t.type = ir::DataType::kFloat32;
      }),
      [](ir::Model& m) {
        for (ir::Buffer& b : m.buffers)
          b.data.reset();
      },
  };
  for (const auto& file : files) {
    ir::Model original = tfl::read_model_file(file);
    for (size_t e = 0; e < edits.size(); ++e) {
      ir::Model model = original;
      edits[e](model);
      auto verdicts = check_model(model);
      ASSERT_EQ(verdicts.size(), model.subgraphs.size()) << file << " edit " << e;
    }
  }
}

TEST(SupportedOps, CheckOperatorAgreesWithCheckModel) {
  ir::Model model = test::load_project_model("tests/data/models/micro_speech_quantized.tflite");
  auto all = check_model(model);
  for (size_t i = 0; i < all[0].size(); ++i) {
    SupportVerdict one = check_operator(model, 0, static_cast<int>(i));
    EXPECT_EQ(one.meets_rules, all[0][i].meets_rules);
    EXPECT_EQ(one.reasons, all[0][i].reasons);
  }
}

// The committed SUPPORTED_OPS.md is what `euc --supported-ops-report` writes today: regenerate it
// (from the repository root) whenever the lowering or constraint table changes.
TEST(SupportedOpsReport, CommittedFileIsUpToDate) {
  std::ifstream file(test::source_dir() / "SUPPORTED_OPS.md", std::ios::binary);
  ASSERT_TRUE(file.good());
  std::stringstream committed;
  committed << file.rdbuf();
  EXPECT_TRUE(committed.str() == supported_ops_report())
      << "SUPPORTED_OPS.md is stale: run `build/bin/euc --supported-ops-report` in the "
         "repository root";
}

// Every Vela type euc keeps on the CPU is listed with its reason.
TEST(SupportedOpsReport, ListsTheVelaTypesKeptOnTheCpuWithTheirReason) {
  std::string md = supported_ops_report();
  for (ir::BuiltinOp op : {ir::BuiltinOp::EXP, ir::BuiltinOp::LOG, ir::BuiltinOp::RELU_0_TO_1,
                           ir::BuiltinOp::SHAPE, ir::BuiltinOp::TILE}) {
    const std::string line =
        "- " + std::string(ir::builtin_op_name(op)) + ": " + std::string(*unlowered_reason(op));
    EXPECT_NE(md.find(line), std::string::npos) << line;
    EXPECT_EQ(md.find("| " + std::string(ir::builtin_op_name(op)) + " |"), std::string::npos);
  }
}

TEST(SupportedOpsReport, MentionsEveryConstraintAndOperator) {
  std::string md = supported_ops_report();
  for (const Constraint& c : constraint_table()) {
    // Specific rules of operators euc does not lower yet are not listed.
    if (c.scope == ConstraintScope::kSpecific &&
        std::none_of(c.ops.begin(), c.ops.end(), is_npu_operator_type))
      continue;
    EXPECT_NE(md.find(c.description), std::string::npos) << c.id;
    EXPECT_NE(md.find("(`" + c.id + "`)"), std::string::npos) << c.id;
    for (const std::string& d : c.details)
      EXPECT_NE(md.find(d), std::string::npos) << c.id;
  }
  for (ir::BuiltinOp op : npu_operator_types())
    EXPECT_NE(md.find("| " + std::string(ir::builtin_op_name(op)) + " |"), std::string::npos);
  EXPECT_EQ(md.find("| CUSTOM |"), std::string::npos);
}

TEST(SupportedOpsReport, ListsGenericExceptionsAndLinksOnlyToExistingSections) {
  std::string md = supported_ops_report();
  // The exceptions name only operators euc lowers (Vela 3.10's lists: ADD, ARG_MAX, MUL, SHAPE,
  // SUB, TRANSPOSE and CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV; FULLY_CONNECTED from Vela
  // 5.1's).
  EXPECT_NE(md.find("(`no_int32`) [except ADD, ARG_MAX, MUL, SUB, TRANSPOSE]"), std::string::npos);
  EXPECT_NE(md.find("(`per_tensor_quantization`) [except CONV_2D, DEPTHWISE_CONV_2D, "
                    "FULLY_CONNECTED, TRANSPOSE_CONV]"),
            std::string::npos);
  // Operators without specific rules link only to the generic section.
  EXPECT_NE(md.find("| PACK | [Generic](#generic-constraints) |"), std::string::npos);
  EXPECT_NE(
      md.find("| CONV_2D | [Generic](#generic-constraints), [Specific](#conv_2d-constraints) |"),
      std::string::npos);
  // Every link target is a heading.
  size_t pos = 0;
  int links = 0;
  while ((pos = md.find("](#", pos)) != std::string::npos) {
    size_t end = md.find(')', pos);
    std::string target = md.substr(pos + 3, end - pos - 3);
    std::string heading = target;
    std::replace(heading.begin(), heading.end(), '-', ' ');
    // Headings are "## <OP> constraints" or "## Generic constraints".
    bool found = false;
    std::istringstream lines(md);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("## ", 0) != 0)
        continue;
      std::string h = line.substr(3);
      std::transform(h.begin(), h.end(), h.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (h == heading)
        found = true;
    }
    EXPECT_TRUE(found) << target;
    ++links;
    pos = end;
  }
  // One generic link per lowered operator, one specific link for each that has specific rules.
  int with_specific = 0;
  for (ir::BuiltinOp op : npu_operator_types()) {
    with_specific +=
        std::any_of(constraint_table().begin(), constraint_table().end(), [&](const Constraint& c) {
          return c.scope == ConstraintScope::kSpecific && c.applies_to(op);
        });
  }
  EXPECT_EQ(links, static_cast<int>(npu_operator_types().size()) + with_specific);
}

}  // namespace
}  // namespace euc::frontend

// graph_fuzz: random-graph differential fuzzing of the compiler. For each seed it generates a
// valid TFLite model (graphgen), compiles it under six configurations and compares every
// compiled model with the original (reference interpreter vs. ethos-u operators on the
// functional NPU model). Failures are classified, optionally written to a folder and minimised.
//
//   graph_fuzz --seed 1 --count 200                    # a fixed sample; exit 1 on any failure
//   graph_fuzz --seconds 600 --out DIR --minimise      # a time budget, failures kept in DIR
//   graph_fuzz --seed 123 --count 1 --config 3 -v      # one graph, one configuration
//   graph_fuzz --model DIR/seed123_cfg3_min.tflite --seed 123   # re-check a written model
//                                                    # (on the random inputs of seed 123)
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "builder.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/tool_main.hpp"
#include "fuzz_check.hpp"
#include "generator.hpp"
#include "minimise.hpp"
#include "runner/differential.hpp"
#include "tflite/reader.hpp"
#include "tflite/writer.hpp"

namespace euc::graphgen {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Settings {
  uint64_t seed = 1;
  std::optional<uint64_t> count;
  std::optional<double> seconds;
  std::string out;
  bool minimise = false;
  std::vector<int> configs;  // 1-based; empty: all
  std::string model;
  std::string dump;  // every generated model goes here
  bool no_fork = false;
  int timeout = 120;
  int max_minimised = 10;  // per failure signature
  double minimise_seconds = 180;
  bool verbose = false;
  GenOptions gen;
};

struct Tally {
  int64_t graphs = 0, checks = 0, passed = 0, invalid = 0;
  std::map<Outcome, int64_t> by_outcome;
  int64_t npu_ops = 0, cpu_ops = 0, segments = 0, placed_graphs = 0;
  std::map<std::string, int> minimised;  // by failure signature
  std::map<std::string, int64_t> signatures;
  // Minimised failures grouped by failure signature and operators: how many, and the smallest.
  struct Group {
    int count = 0;
    size_t steps = SIZE_MAX;
    std::string line;
  };
  std::map<std::string, Group> reproducers;
  double saturated = 0;  // sum over graphs of the share of saturated outputs
};

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Checks run in a worker process unless --no-fork.
class Checker {
 public:
  explicit Checker(const Settings& st) : st_(st), worker_(st.timeout) {}
  CheckResult operator()(const ir::Model& model, int config, uint64_t seed) {
    if (!st_.no_fork)
      return worker_.check(model, config, seed);
    return check_config(model, fuzz_configs()[static_cast<size_t>(config - 1)],
                        runner::random_inputs(model, seed));
  }

 private:
  const Settings& st_;
  CheckWorker worker_;
};

std::string report_text(uint64_t seed, int config, const CheckResult& r,
                        const std::string& recipe_text) {
  return fmt::format(
      "seed {} configuration {} ({})\n{}: {}\nreproduce: graph_fuzz --seed {} --count 1 "
      "--config {}\n\ngraph:\n{}",
      seed, config, fuzz_configs()[static_cast<size_t>(config - 1)].flags, outcome_name(r.outcome),
      r.message, seed, config, recipe_text);
}

// The operators of a model, in order: "CONV_2D,ADD".
std::string operator_list(const ir::Model& m) {
  std::string out;
  for (const ir::Operator& op : m.subgraphs[0].operators)
    out += fmt::format("{}{}", out.empty() ? "" : ",", ir::builtin_op_name(op.type));
  return out;
}

struct Minimised {
  std::string key;   // failure signature and operators of the smallest graph
  std::string line;  // file, operators, failure
  size_t steps = 0;
};

// Shrinks the failing recipe, writes the smallest model and appends to the text file.
std::optional<Minimised> minimise_failure(const Settings& st, Checker& check, const Recipe& recipe,
                                          int config, const CheckResult& failure,
                                          const fs::path& text_path, double budget) {
  const std::string want = failure_signature(failure);
  auto fails = [&](const ir::Model& m) {
    if (reference_rejects(m, runner::random_inputs(m, recipe.seed)))
      return false;
    return failure_signature(check(m, config, recipe.seed)) == want;
  };
  MinimiseOptions mo;
  mo.max_seconds = budget;
  const auto start = Clock::now();
  MinimiseResult m = minimise(recipe, fails, mo);
  auto model = build(m.recipe);
  if (!model)
    return std::nullopt;
  const fs::path min_path =
      fs::path(st.out) / fmt::format("seed{}_cfg{}_min.tflite", recipe.seed, config);
  tfl::write_model_file(min_path, *model);
  // The failure of the smallest model, checked again (the last accepted candidate).
  CheckResult r = check(*model, config, recipe.seed);
  const std::string text = fmt::format(
      "\nminimised ({} steps, {} checks, {:.1f} s): {}\n{}: {}\nreproduce: graph_fuzz "
      "--model {} --seed {} --config {}\ngraph:\n{}",
      m.recipe.steps.size(), m.checks, since(start), min_path.filename().string(),
      outcome_name(r.outcome), r.message, min_path.string(), recipe.seed, config,
      describe(m.recipe));
  std::FILE* f = std::fopen(text_path.c_str(), "a");
  if (f != nullptr) {
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  fmt::print("  minimised seed {} configuration {}: {} -> {} steps ({} checks, {:.1f} s): {}\n",
             recipe.seed, config, recipe.steps.size(), m.recipe.steps.size(), m.checks,
             since(start), min_path.string());
  std::fflush(stdout);
  const std::string ops = operator_list(*model);
  return Minimised{
      fmt::format("{} [{}]", failure_signature(r), ops),
      fmt::format("{} [{}] {}: {}", min_path.string(), ops, outcome_name(r.outcome), r.message),
      m.recipe.steps.size()};
}

std::vector<int> selected_configs(const Settings& st) {
  if (!st.configs.empty())
    return st.configs;
  std::vector<int> all;
  for (size_t k = 1; k <= fuzz_configs().size(); ++k)
    all.push_back(static_cast<int>(k));
  return all;
}

// Builds the compiler's lazily made tables once in this process, so the forked checks inherit
// them instead of each building them again.
void warm_up(const std::vector<int>& configs) {
  const ir::Model model = generate(1);
  const auto inputs = runner::random_inputs(model, 1);
  for (int c : configs)
    check_config(model, fuzz_configs()[static_cast<size_t>(c - 1)], inputs);
}

void count_result(Tally& t, const CheckResult& r) {
  ++t.checks;
  ++t.by_outcome[r.outcome];
  if (r.outcome == Outcome::kOk)
    ++t.passed;
  else
    ++t.signatures[failure_signature(r)];
}

int check_model_file(const Settings& st) {
  ir::Model model = tfl::read_model_file(st.model);
  auto inputs = runner::random_inputs(model, st.seed);
  if (auto why = reference_rejects(model, inputs))
    throw_input(fmt::format("{}: the reference interpreter rejects it: {}", st.model, *why));
  Tally t;
  Checker check(st);
  for (int c : selected_configs(st)) {
    CheckResult r = check(model, c, st.seed);
    count_result(t, r);
    fmt::print("configuration {} ({}): {}{}{} [{} ethos-u, {} NPU / {} CPU operators]\n", c,
               fuzz_configs()[static_cast<size_t>(c - 1)].flags, outcome_name(r.outcome),
               r.message.empty() ? "" : ": ", r.message, r.segments, r.npu_ops, r.cpu_ops);
  }
  fmt::print("{} passed, {} failed\n", t.passed, t.checks - t.passed);
  return t.passed == t.checks ? 0 : 1;
}

int run(int argc, char** argv) {
  Settings st;
  CLI::App app{
      "Random-graph differential fuzzer: generated TFLite graphs compiled under six "
      "configurations, checked on the functional NPU model against the reference "
      "interpreter",
      "graph_fuzz"};
  app.add_option("--seed", st.seed,
                 "First seed (default 1); with --model, the seed of the random inputs");
  app.add_option("--count", st.count, "Number of graphs (default 100, unlimited with --seconds)");
  app.add_option("--seconds", st.seconds, "Time budget: no new graph after this many seconds");
  app.add_option("--out", st.out, "Folder for failing models, their minimised versions and notes");
  app.add_flag("--minimise", st.minimise, "Shrink each new kind of failure (needs --out)");
  app.add_option("--config", st.configs, "Check only these configurations (1-6; repeatable)")
      ->check(CLI::Range(1, static_cast<int>(fuzz_configs().size())));
  app.add_option("--model", st.model, "Check this .tflite instead of generated graphs");
  app.add_option("--dump", st.dump, "Write every generated model here as seed<S>.tflite");
  app.add_flag("--no-fork", st.no_fork, "Check in this process (a crash ends the run)");
  app.add_option("--timeout", st.timeout, "Seconds one check may take (default 120)");
  app.add_option("--max-minimised", st.max_minimised,
                 "Failures minimised per failure signature (default 10)");
  app.add_option("--minimise-seconds", st.minimise_seconds,
                 "Time budget of one minimisation (default 180)");
  app.add_option("--max-steps", st.gen.max_steps, "Operators per graph at most (default 14)");
  app.add_option("--int16-share", st.gen.int16_share, "Share of int16 graphs (default 0.2)");
  std::vector<std::string> excluded;
  app.add_option("--exclude", excluded, "Operators never generated (TFLite names, repeatable)")
      ->delimiter(',');
  app.add_option("--max-dilation", st.gen.max_dilation, "Largest dilation drawn (default 3)");
  app.add_option("--wild-scale-share", st.gen.wild_scale_share,
                 "Share of steps with an extreme output scale (default 0.05)");
  app.add_flag("-v,--verbose", st.verbose, "Print every graph and check");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    throw_usage(e.what());
  }
  for (const std::string& name : excluded) {
    auto op = op_from_name(name);
    if (!op)
      throw_usage(fmt::format("--exclude: '{}' is not an operator the generator draws", name));
    st.gen.excluded.push_back(*op);
  }
  if (!st.model.empty())
    return check_model_file(st);
  if (st.minimise && st.out.empty())
    throw_usage("--minimise needs --out");
  if (!st.out.empty()) {
    std::error_code ec;
    fs::create_directories(st.out, ec);
    if (ec)
      throw_usage(fmt::format("cannot create folder {}: {}", st.out, ec.message()));
  }
  const uint64_t count = st.count.value_or(st.seconds ? UINT64_MAX : 100);
  const auto start = Clock::now();
  const std::vector<int> configs = selected_configs(st);
  warm_up(configs);
  Checker check(st);
  Tally t;
  for (uint64_t seed = st.seed; seed - st.seed < count; ++seed) {
    if (st.seconds && since(start) >= *st.seconds)
      break;
    const Recipe recipe = generate_recipe(seed, st.gen);
    auto model = build(recipe);
    std::vector<std::vector<uint8_t>> inputs;
    std::optional<std::string> invalid;
    if (!model)
      invalid = "the recipe does not build";
    else {
      inputs = runner::random_inputs(*model, seed);
      double saturated = 0;
      invalid = reference_rejects(*model, inputs, &saturated);
      t.saturated += saturated;
    }
    if (invalid) {
      // A generator bug: the graph is not valid TFLite.
      ++t.invalid;
      fmt::print("seed {}: INVALID GRAPH (generator bug): {}\n", seed, *invalid);
      if (!st.out.empty() && model) {
        tfl::write_model_file(fs::path(st.out) / fmt::format("seed{}_invalid.tflite", seed),
                              *model);
        write_file_atomically(fs::path(st.out) / fmt::format("seed{}_invalid.txt", seed),
                              fmt::format("{}\n\n{}", *invalid, describe(recipe)));
      }
      continue;
    }
    ++t.graphs;
    if (!st.dump.empty()) {
      std::error_code ec;
      fs::create_directories(st.dump, ec);
      tfl::write_model_file(fs::path(st.dump) / fmt::format("seed{}.tflite", seed), *model);
    }
    if (st.verbose)
      fmt::print("seed {}: {} steps, {} inputs, {} outputs\n{}", seed, recipe.steps.size(),
                 model->subgraphs[0].inputs.size(), model->subgraphs[0].outputs.size(),
                 describe(recipe));
    std::set<std::string> minimised_here;  // one minimisation per seed and failure kind
    for (int c : configs) {
      const CheckResult r = check(*model, c, seed);
      count_result(t, r);
      if (c == configs.front() && r.outcome != Outcome::kCompileError &&
          r.outcome != Outcome::kInternal) {
        t.npu_ops += r.npu_ops;
        t.cpu_ops += r.cpu_ops;
        t.segments += r.segments;
        ++t.placed_graphs;
      }
      if (st.verbose)
        fmt::print("  configuration {}: {}{}{} [{} ethos-u, {} NPU / {} CPU operators]\n", c,
                   outcome_name(r.outcome), r.message.empty() ? "" : ": ", r.message, r.segments,
                   r.npu_ops, r.cpu_ops);
      if (r.outcome == Outcome::kOk)
        continue;
      if (!st.verbose)
        fmt::print("seed {} configuration {}: {}: {}\n", seed, c, outcome_name(r.outcome),
                   r.message);
      std::fflush(stdout);
      if (st.out.empty())
        continue;
      const std::string stem = fmt::format("seed{}_cfg{}", seed, c);
      const fs::path text_path = fs::path(st.out) / (stem + ".txt");
      tfl::write_model_file(fs::path(st.out) / (stem + ".tflite"), *model);
      write_file_atomically(text_path, report_text(seed, c, r, describe(recipe)));
      int& done = t.minimised[failure_signature(r)];
      if (st.minimise && done < st.max_minimised &&
          minimised_here.insert(failure_signature(r)).second) {
        ++done;
        double budget = st.minimise_seconds;
        if (st.seconds)
          budget = std::max(10.0, std::min(budget, *st.seconds - since(start)));
        if (auto m = minimise_failure(st, check, recipe, c, r, text_path, budget)) {
          Tally::Group& g = t.reproducers[m->key];
          ++g.count;
          if (m->steps < g.steps) {
            g.steps = m->steps;
            g.line = m->line;
          }
        }
      }
    }
  }
  const double elapsed = since(start);
  if (!t.reproducers.empty()) {
    fmt::print("\nminimised failures (how many minimised to the same operators, the smallest):\n");
    for (const auto& [key, g] : t.reproducers)
      fmt::print("  {:>4}  {}\n", g.count, g.line);
  }
  fmt::print("\nfailure kinds:\n");
  for (const auto& [sig, n] : t.signatures)
    fmt::print("  {:>6}  {}\n", n, sig);
  if (t.placed_graphs > 0) {
    const double ops = static_cast<double>(t.npu_ops + t.cpu_ops);
    fmt::print(
        "placement (configuration {}): {:.1f}% of operators on the NPU, {:.2f} ethos-u "
        "operators per graph\n",
        configs.front(), ops > 0 ? 100.0 * static_cast<double>(t.npu_ops) / ops : 0.0,
        static_cast<double>(t.segments) / static_cast<double>(t.placed_graphs));
  }
  if (t.graphs > 0) {
    fmt::print("outputs at their type's limits (reference interpreter): {:.1f}% on average\n",
               100.0 * t.saturated / static_cast<double>(t.graphs));
  }
  fmt::print("{:.1f} s, {:.2f} graphs/s, {:.2f} checks/s; invalid graphs (generator bugs): {}\n",
             elapsed, static_cast<double>(t.graphs) / elapsed,
             static_cast<double>(t.checks) / elapsed, t.invalid);
  fmt::print(
      "graphs: {}, configurations: {}, mismatches: {}, compile errors: {}, run errors: {}, "
      "internal errors: {}\n",
      t.graphs, t.checks, t.by_outcome[Outcome::kMismatch], t.by_outcome[Outcome::kCompileError],
      t.by_outcome[Outcome::kRunError], t.by_outcome[Outcome::kInternal]);
  const int64_t failed = t.checks - t.passed + t.invalid;
  fmt::print("{} passed, {} failed\n", t.passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace euc::graphgen

int main(int argc, char** argv) {
  return euc::run_tool_main("graph_fuzz", [&] { return euc::graphgen::run(argc, argv); });
}

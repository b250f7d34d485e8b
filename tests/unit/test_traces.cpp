// Traces: the JSON format against its schema, the round trip, the text's mail rules, replay,
// minimisation (checked against brute force), the scenario writer, and the graph printers.
#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "checker/minimise.hpp"
#include "checker/run.hpp"
#include "helpers.hpp"
#include "model/ops.hpp"
#include "traces/json.hpp"
#include "traces/replay.hpp"
#include "traces/state_graph.hpp"

using namespace pagecheck;
using nlohmann::json;

namespace {

checker::CheckOutcome check(const std::string& scenario, const std::string& variant, bool minimise = true) {
  checker::CheckRequest req;
  req.scenario = scenario;
  req.variant = variant;
  req.bounds.progress = false;
  req.minimise = minimise;
  req.reduce_scenario = minimise;
  return checker::run_check(req);
}

const std::vector<std::string> kRaces = {"isolate-expand", "isolate-expand-3block",
                                         "isolate-expand-all-layouts"};

// The part of JSON Schema (2020-12) that docs/trace-format.schema.json uses.
std::string validate(const json& schema, const json& v, const std::string& path) {
  if (schema.contains("const") && v != schema["const"])
    return path + ": not the constant " + schema["const"].dump();
  if (schema.contains("enum")) {
    bool ok = false;
    for (const auto& e : schema["enum"]) ok = ok || e == v;
    if (!ok) return path + ": " + v.dump() + " is not in the enum";
  }
  if (schema.contains("type")) {
    std::string t = schema["type"];
    bool ok = (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
              (t == "string" && v.is_string()) || (t == "integer" && v.is_number_integer()) ||
              (t == "boolean" && v.is_boolean());
    if (!ok) return path + ": expected " + t + ", got " + v.dump().substr(0, 40);
  }
  if (v.is_number_integer()) {
    if (schema.contains("minimum") && v.get<long>() < schema["minimum"].get<long>())
      return path + ": below minimum";
    if (schema.contains("maximum") && v.get<long>() > schema["maximum"].get<long>())
      return path + ": above maximum";
  }
  if (v.is_object()) {
    if (schema.contains("required"))
      for (const auto& k : schema["required"])
        if (!v.contains(k.get<std::string>())) return path + ": missing " + k.get<std::string>();
    for (auto it = v.begin(); it != v.end(); ++it) {
      const json* sub = nullptr;
      if (schema.contains("properties") && schema["properties"].contains(it.key()))
        sub = &schema["properties"][it.key()];
      else if (schema.contains("additionalProperties")) {
        const json& ap = schema["additionalProperties"];
        if (ap.is_boolean()) {
          if (!ap.get<bool>()) return path + ": unexpected key " + it.key();
        } else {
          sub = &ap;
        }
      }
      if (sub)
        if (auto e = validate(*sub, *it, path + "." + it.key()); !e.empty()) return e;
    }
  }
  if (v.is_array() && schema.contains("items"))
    for (size_t i = 0; i < v.size(); ++i)
      if (auto e = validate(schema["items"], v[i], path + "[" + std::to_string(i) + "]"); !e.empty())
        return e;
  return {};
}

}  // namespace

TEST_CASE("trace JSON beyond the buddy core: hugetlb objects, the worker thread, a lasso, memmap PMDs") {
  json schema =
      json::parse(std::ifstream(std::string(PAGECHECK_SOURCE_DIR) + "/docs/trace-format.schema.json"));
  const std::pair<const char*, const char*> cases[] = {
      {"hugetlb-free-dissolve", "v6.12 -7ffddd499ba6"},
      {"hugetlb-hvo-free-fail", "v6.12 -52ccdde16b65 -32c877191e02"},
      {"hugetlb-deferred-contig", "v6.12"},
      {"hugetlb-offline-last-section", "v6.12 +vmemmap-retry-forever"},
      {"memmap-on-memory-56", "v6.12 +no-pmd-gate"},
      {"nommu-alloc-exact", "v6.12"}};
  for (const auto& [name, variant] : cases) {
    auto o = check(name, variant);
    REQUIRE_MESSAGE(o.trace, name);
    json j = traces::trace_json(*o.trace);
    CHECK_MESSAGE(validate(schema, j, "trace") == "", name);
    traces::Trace back = traces::trace_from_json(j, name);
    CHECK_MESSAGE(traces::trace_json(back) == j, name);
    CHECK(traces::replay_trace(back, name).outcome == traces::ReplayOutcome::Reproduced);
  }
}

TEST_CASE("trace JSON: matches docs/trace-format.schema.json and reads back to the same trace and text") {
  json schema =
      json::parse(std::ifstream(std::string(PAGECHECK_SOURCE_DIR) + "/docs/trace-format.schema.json"));
  for (const auto& name : kRaces) {
    auto o = check(name, "hygiene-v2");
    REQUIRE(o.trace);
    json j = traces::trace_json(*o.trace);
    CHECK_MESSAGE(validate(schema, j, "trace") == "", name);
    CHECK(j["format"] == "pagecheck-trace");
    CHECK(j["version"] == 1);
    traces::Trace back = traces::trace_from_json(j, name);
    CHECK(traces::trace_json(back) == j);
    CHECK(traces::format_text(back) == traces::format_text(*o.trace));
    // The embedded scenario is the file itself.
    CHECK(back.scenario.toml == checker::read_text_file(o.scenario.file));
  }
  // A schema violation is caught by the validator (it can fail).
  json bad = traces::trace_json(*check("isolate-expand", "hygiene-v2").trace);
  bad["steps"][0]["cpu"] = "zero";
  CHECK(validate(schema, bad, "trace") != "");
}

TEST_CASE("trace text: ASCII, at most 80 columns, quotable, colour only when asked, deterministic") {
  for (const auto& name : kRaces) {
    auto o = check(name, "hygiene-v2");
    std::string text = traces::format_text(*o.trace);
    CHECK(text == traces::format_text(*check(name, "hygiene-v2").trace));
    std::istringstream in(text);
    int n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      CHECK_MESSAGE(line.size() <= 80, line);
      CHECK_MESSAGE(("> " + line).size() <= 82, line);
      for (unsigned char c : line) CHECK_MESSAGE((c >= 0x20 && c < 0x7f), line);  // no tab, no escape
      CHECK_MESSAGE((line.empty() || line.back() != ' '), "trailing space: " << line);
      CHECK_MESSAGE(!line.starts_with(">"), line);      // would read as a quote
      CHECK_MESSAGE(!line.starts_with("From "), line);  // mbox would mangle it
    }
    CHECK(n > 20);
    std::string coloured = traces::format_text(*o.trace, {true});
    CHECK(coloured.find("\033[") != std::string::npos);
    CHECK(text.find("\033[") == std::string::npos);
  }
}

TEST_CASE("isolate/expand: no longer than Johannes Weiner's diagram of 20 Sep 2023, one preemption") {
  // His diagram has three atomic sections (CPU0's zone->lock section, CPU1's allocation, CPU0's
  // later split) and two switches of CPU.
  auto o = check("isolate-expand", "hygiene-v2");
  REQUIRE(o.trace);
  const auto& m = o.trace->minimisation;
  CHECK(m.ran);
  CHECK(o.trace->steps.size() <= 3);
  CHECK(m.steps == 2);
  CHECK(m.preemptions <= 1);
  CHECK(m.context_switches <= 2);
  CHECK(o.trace->steps[0].cpu == 0);
  CHECK(o.trace->steps[1].cpu == 1);
  CHECK(o.trace->steps[1].preemption);
  auto b = check("isolate-expand-3block", "hygiene-v2");
  CHECK(b.trace->minimisation.preemptions == 1);
}

namespace {
// The fewest preemptions of any counterexample of `steps` steps, by brute force over every path.
int brute_force_preemptions(const std::string& scenario, const std::string& variant, int steps) {
  auto sc = model::load_scenario_file(model::resolve_scenario(scenario));
  auto var = model::resolve_variant(variant);
  model::Layout L(sc.geo);
  model::TransitionSystem ts(L, var.kernel, sc.programs);
  auto init = model::initial_states(ts, sc);
  auto props = props::select(sc.properties, var.kernel, "");
  int best = 1000;
  std::vector<uint8_t> scratch(static_cast<size_t>(L.size));
  std::function<void(const model::State&, std::vector<checker::PathStep>&, const model::State&)> dfs =
      [&](const model::State& s, std::vector<checker::PathStep>& path, const model::State& s0) {
        for (int c = 0; c < ts.nr_cpus(); ++c) {
          std::vector<std::pair<int, model::State>> next;
          std::vector<bool> raised;
          ts.for_each_outcome(s.bytes(), c, scratch.data(), &props,
                              [&](int k, model::StateRef nx, const std::optional<model::Violation>& r) {
                                next.emplace_back(k, model::State(L, nx.bytes()));
                                raised.push_back(r.has_value());
                              });
          for (size_t i = 0; i < next.size(); ++i) {
            path.push_back({c, next[i].first});
            bool bad = raised[i] || props.check_state(ts, next[i].second.ref()).has_value();
            if (static_cast<int>(path.size()) == steps && bad)
              best = std::min(best, traces::count_preemptions(ts, s0, path));
            if (static_cast<int>(path.size()) < steps && !bad) dfs(next[i].second, path, s0);
            path.pop_back();
          }
        }
      };
  for (const auto& s0 : init) {
    std::vector<checker::PathStep> path;
    dfs(s0, path, s0);
  }
  return best;
}
}  // namespace

TEST_CASE("fewest preemptions: the Dijkstra search agrees with brute force over every path") {
  for (const auto& name : {"isolate-expand", "isolate-expand-3block"}) {
    auto o = check(name, "hygiene-v2");
    REQUIRE(o.trace);
    int steps = o.trace->minimisation.steps;
    CHECK(o.trace->minimisation.preemptions == brute_force_preemptions(name, "hygiene-v2", steps));
    CHECK(o.trace->minimisation.preemptions <= o.trace->minimisation.bfs_preemptions);
  }
}

TEST_CASE("replay: every catalogue race reproduces; on the fixed kernel the same steps do not") {
  for (const auto& name : kRaces) {
    auto o = check(name, "hygiene-v2");
    auto r = traces::replay_trace(*o.trace, name);
    CHECK(r.outcome == traces::ReplayOutcome::Reproduced);
    CHECK(r.steps == static_cast<int>(o.trace->steps.size()));
    // Unminimised traces too.
    auto plain = check(name, "hygiene-v2", false);
    CHECK(traces::replay_trace(*plain.trace, name).outcome == traces::ReplayOutcome::Reproduced);
  }
  auto o = check("isolate-expand", "hygiene-v2");
  auto fixed = traces::replay_trace(*o.trace, "t", "v6.10");
  CHECK(fixed.outcome == traces::ReplayOutcome::NotReproduced);
  // A recorded memory change that did not happen.
  traces::Trace t = *o.trace;
  t.steps[0].after.pageblocks[1] = "MOVABLE";
  CHECK_THROWS_WITH_AS(traces::replay_trace(t, "t"),
                       doctest::Contains("step 1 (cpu0): after the step pageblock 1"), InputError);
  // A choice the step does not have.
  t = *o.trace;
  t.steps[1].choices = {3};
  CHECK_THROWS_WITH_AS(traces::replay_trace(t, "t"), doctest::Contains("step 2 (cpu1): the recorded choices"),
                       InputError);
}

TEST_CASE("scenario reduction: every layout of a 4-block zone shrinks to the two-block isolate-expand") {
  auto o = check("isolate-expand-all-layouts", "hygiene-v2");
  const auto& r = o.trace->minimisation.scenario;
  REQUIRE(r.reduced);
  auto small = model::load_scenario_text(r.toml, "min.toml");
  CHECK(small.geo.pageblocks == 2);
  CHECK(small.geo.cpus == 2);
  CHECK(small.free.size() == 1);
  CHECK(small.programs[0][0].text == "isolate_range(start=2, end=4, migratetype=MOVABLE)");
  // It runs, and breaks the same property.
  std::string path = test::write_temp("min.toml", r.toml);
  auto again = check(path, "hygiene-v2");
  CHECK(again.result.verdict == model::Verdict::Violated);
  CHECK(again.result.violation->property == "freelist-hygiene");
  CHECK(!again.trace->minimisation.scenario.reduced);  // already minimal
  // The TOML fits a mail.
  std::istringstream in(r.toml);
  for (std::string line; std::getline(in, line);) CHECK_MESSAGE(line.size() <= 76, line);
}

TEST_CASE("scenario writer: what it writes reads back as the same scenario") {
  for (const auto& name : model::catalogue()) {
    auto sc = model::load_scenario_file(model::resolve_scenario(name));
    auto back = model::load_scenario_text(model::scenario_to_toml(sc), name);
    CHECK(back.geo.describe() == sc.geo.describe());
    CHECK(back.all_layouts == sc.all_layouts);
    CHECK(back.pageblock_mt == sc.pageblock_mt);
    CHECK(back.free.size() == sc.free.size());
    REQUIRE(back.programs.size() == sc.programs.size());
    for (size_t c = 0; c < sc.programs.size(); ++c)
      for (size_t i = 0; i < sc.programs[c].size(); ++i) {
        CHECK(back.programs[c][i].args == sc.programs[c][i].args);
        CHECK(model::format_op(back.programs[c][i]) == model::format_op(sc.programs[c][i]));
      }
    CHECK(back.properties == sc.properties);
    CHECK(back.expect.size() == sc.expect.size());
  }
}

TEST_CASE("DOT: swimlanes per CPU; the state graph has one node per reachable state") {
  auto o = check("isolate-expand", "hygiene-v2");
  std::string dot = traces::format_dot(*o.trace);
  CHECK(dot.find("subgraph cluster_cpu0") != std::string::npos);
  CHECK(dot.find("subgraph cluster_cpu1") != std::string::npos);
  CHECK(dot.find("s1 -> s2 [style=dashed, label=\"preempt\"]") != std::string::npos);
  CHECK(dot.find("-> violation [color=red]") != std::string::npos);

  // v6.10 holds with 12 states: its full graph has 12 nodes.
  auto good = check("isolate-expand", "v6.10");
  model::Layout L(good.scenario.geo);
  model::TransitionSystem ts(L, good.variant.kernel, good.scenario.programs);
  auto props = props::select(good.properties, good.variant.kernel, "");
  std::string g = traces::format_state_graph(ts, model::initial_states(ts, good.scenario), props, nullptr);
  std::regex node("^[0-9]+\\[label=");
  int nodes = 0;
  std::istringstream in(g);
  for (std::string line; std::getline(in, line);) nodes += std::regex_search(line, node);
  CHECK(nodes == good.result.stats.states);
  CHECK(g.find("fillcolor=\"#ffcdd2\"") == std::string::npos);  // nothing breaks
  // On hygiene-v2, with the trace's path highlighted.
  model::TransitionSystem bad_ts(L, o.variant.kernel, o.scenario.programs);
  std::string bg =
      traces::format_state_graph(bad_ts, model::initial_states(bad_ts, o.scenario), props, &*o.trace);
  CHECK(bg.find("penwidth=3") != std::string::npos);
  CHECK(bg.find("fillcolor=\"#ffcdd2\"") != std::string::npos);
  CHECK_THROWS_AS(
      traces::format_state_graph(bad_ts, model::initial_states(bad_ts, o.scenario), props, nullptr, 3),
      InputError);
}

TEST_CASE("HTML: one self-contained page with the trace inside") {
  auto o = check("isolate-expand", "hygiene-v2");
  std::string html = traces::format_html(*o.trace);
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.find("/*PAGECHECK_DATA*/") == std::string::npos);
  CHECK(html.find("\"property\":\"freelist-hygiene\"") != std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("default-src 'none'") != std::string::npos);
  // The data block cannot close its <script> early.
  size_t data = html.find("id=\"trace-data\"");
  size_t end = html.find("</script>", data);
  CHECK(html.substr(data, end - data).find('<') == std::string::npos);
}

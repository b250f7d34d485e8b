// pagecheck compare SCENARIO... --base V --patched V [--json]: every scenario and property on two
// kernels, and what the patch changes: introduced (violated only with the patch), closed
// (violated only without it), unchanged. Each property is checked on its own so that one
// violation does not hide another; a property a kernel does not have is "not comparable".
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "checker/cli/commands.hpp"
#include "checker/run.hpp"
#include "model/variants/variants.hpp"
#include "properties/property.hpp"
#include "traces/json.hpp"

namespace pc = pagecheck;
using nlohmann::json;

namespace pagecheck::cli {

namespace {

struct CompareArgs {
  std::vector<std::string> scenarios;
  std::string base, patched;
  std::vector<std::string> properties;
  pc::checker::Bounds bounds;
  bool as_json = false;
};

enum class Change { Introduced, Closed, Unchanged, NotComparable, Incomplete };
const char* change_name(Change c) {
  switch (c) {
    case Change::Introduced: return "introduced";
    case Change::Closed: return "closed";
    case Change::Unchanged: return "unchanged";
    case Change::NotComparable: return "not comparable";
    case Change::Incomplete: return "incomplete";
  }
  return "?";
}

struct Side {
  bool applies = false;
  std::optional<pc::checker::CheckOutcome> outcome;
  std::string verdict() const {
    if (!applies) return "n/a";
    return pc::model::verdict_name(outcome->result.verdict);
  }
};

Side run_side(const std::string& scenario, const std::string& variant, const std::string& property,
              const pc::checker::Bounds& bounds) {
  Side s;
  auto v = pc::model::resolve_variant(variant);
  const pc::props::Property* p = pc::props::find(property);
  s.applies = p && p->applies(v.kernel);
  if (!s.applies) return s;
  pc::checker::CheckRequest req;
  req.scenario = scenario;
  req.variant = variant;
  req.properties = {property};
  req.bounds = bounds;
  s.outcome = pc::checker::run_check(req);
  return s;
}

int cmd_compare(CompareArgs& a) {
  a.bounds.progress = false;
  // Resolve both specs first so that a bad one is one clear error.
  auto base_v = pc::model::resolve_variant(a.base);
  auto patched_v = pc::model::resolve_variant(a.patched);
  json results = json::array();
  int introduced = 0, closed = 0, incomplete = 0;
  std::string table, traces;
  table +=
      fmt::format("{:<28} {:<26} {:<10} {:<10} {}\n", "scenario", "property", "base", "patched", "change");
  for (const auto& name : a.scenarios) {
    auto sc = pc::model::load_scenario_file(pc::model::resolve_scenario(name));
    std::vector<std::string> props = a.properties.empty() ? sc.properties : a.properties;
    if (props.empty())
      for (const auto& p : pc::props::registry())
        if (p.applies(base_v.kernel) || p.applies(patched_v.kernel)) props.emplace_back(p.name);
    for (const auto& prop : props) {
      if (!pc::props::find(prop))
        throw pc::InputError(
            fmt::format("{}: unknown property '{}' (pagecheck list properties)", sc.file, prop));
      Side b = run_side(name, base_v.spec, prop, a.bounds);
      Side p = run_side(name, patched_v.spec, prop, a.bounds);
      Change ch;
      if (!b.applies || !p.applies) {
        ch = Change::NotComparable;
      } else {
        auto bv = b.outcome->result.verdict, pv = p.outcome->result.verdict;
        using pc::model::Verdict;
        if (bv == Verdict::Incomplete || pv == Verdict::Incomplete)
          ch = Change::Incomplete;
        else if (bv == Verdict::Holds && pv == Verdict::Violated)
          ch = Change::Introduced;
        else if (bv == Verdict::Violated && pv == Verdict::Holds)
          ch = Change::Closed;
        else
          ch = Change::Unchanged;
      }
      introduced += ch == Change::Introduced;
      closed += ch == Change::Closed;
      incomplete += ch == Change::Incomplete;
      table += fmt::format("{:<28} {:<26} {:<10} {:<10} {}\n", sc.name, prop, b.verdict(), p.verdict(),
                           change_name(ch));
      json r = {{"scenario", sc.name}, {"property", prop}, {"change", change_name(ch)}};
      auto side_json = [](const Side& s) {
        json j = {{"verdict", s.verdict()}};
        if (s.outcome) j["states"] = s.outcome->result.stats.states;
        return j;
      };
      r["base"] = side_json(b);
      r["patched"] = side_json(p);
      // The distinguishing trace: the violation on the side that has it.
      const Side* witness = ch == Change::Introduced ? &p : ch == Change::Closed ? &b : nullptr;
      if (witness && witness->outcome && witness->outcome->trace) {
        r["trace"] = pc::traces::trace_json(*witness->outcome->trace);
        traces += fmt::format("\n=== {} / {}: {} by {} (the trace on {})\n\n", sc.name, prop, change_name(ch),
                              patched_v.spec, ch == Change::Introduced ? patched_v.spec : base_v.spec);
        traces += pc::traces::format_text(*witness->outcome->trace);
      }
      results.push_back(r);
    }
  }
  if (a.as_json) {
    json j = {{"base", base_v.spec},      {"patched", patched_v.spec}, {"results", results},
              {"introduced", introduced}, {"closed", closed},          {"incomplete", incomplete}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("compare: base {} -> patched {}\n\n{}", base_v.spec, patched_v.spec, table);
    fmt::print("\n{} introduced, {} closed{}.\n", introduced, closed,
               incomplete ? fmt::format(", {} incomplete (a bound stopped a search)", incomplete) : "");
    fmt::print("{}", traces);
  }
  if (introduced) return kViolated;
  if (incomplete) return kIncomplete;
  return kHolds;
}

}  // namespace

Runner add_compare(CLI::App& app) {
  auto ca = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand(
      "compare",
      "Check scenarios on a base and a patched kernel; report what the patch introduces and closes");
  cmd->add_option("scenarios", ca->scenarios, "Catalogue names or paths of scenario files")->required();
  cmd->add_option("--base", ca->base, "Variant spec without the patch, e.g. hygiene-v2")->required();
  cmd->add_option("--patched", ca->patched, "Variant spec with the patch, e.g. v6.10 or \"hygiene-v2 +X\"")
      ->required();
  cmd->add_option("--property", ca->properties, "Property to compare (repeatable; default: each scenario's)");
  cmd->add_option("--max-states", ca->bounds.max_states, "Stop each search after this many distinct states")
      ->check(CLI::Range(1L, 4000000000L));
  cmd->add_option("--time-limit", ca->bounds.time_limit, "Stop each search after this many seconds")
      ->check(CLI::Range(0.001, 1e7));
  cmd->add_flag("--json", ca->as_json, "Print one JSON object");
  return [cmd, ca]() -> int { return cmd->parsed() ? cmd_compare(*ca) : -1; };
}

}  // namespace pagecheck::cli

// pagecheck: the command line. The only place that maps results and errors to exit codes:
// 0 holds within the bounds, 1 violated, 2 bad usage or input, 3 incomplete.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checker/run.hpp"
#include "model/ops.hpp"
#include "model/variants/variants.hpp"
#include "properties/property.hpp"
#include "traces/json.hpp"

namespace pc = pagecheck;
using nlohmann::json;

namespace {

constexpr int kHolds = 0, kViolated = 1, kBadInput = 2, kIncomplete = 3;

int exit_code(pc::model::Verdict v) {
  switch (v) {
    case pc::model::Verdict::Holds: return kHolds;
    case pc::model::Verdict::Violated: return kViolated;
    case pc::model::Verdict::Incomplete: return kIncomplete;
  }
  return kBadInput;
}

int cmd_list(const std::string& what, bool as_json) {
  json j = json::array();
  if (what == "scenarios") {
    for (const auto& name : pc::model::catalogue()) {
      auto sc = pc::model::load_scenario_file(pc::model::resolve_scenario(name));
      json e = {{"name", name}, {"summary", sc.summary}, {"reference", sc.reference}};
      json ex = json::object();
      for (const auto& x : sc.expect) ex[x.variant_spec] = pc::model::verdict_name(x.verdict);
      e["expect"] = ex;
      j.push_back(e);
      if (!as_json) fmt::print("{:<28} {}\n", name, sc.summary);
    }
  } else if (what == "variants") {
    for (const auto& v : pc::model::variants()) {
      json stack = json::array();
      for (auto id : v.commits) {
        const auto* c = pc::model::find_commit(id);
        stack.push_back({{"id", c->id}, {"title", c->title}, {"release", c->release}, {"change", c->change}});
      }
      j.push_back({{"name", v.name}, {"description", v.description}, {"baseline", v.baseline}, {"commits", stack}});
      if (!as_json) {
        fmt::print("{}: {}\n  baseline: {}\n", v.name, v.description, v.baseline);
        for (auto id : v.commits) {
          const auto* c = pc::model::find_commit(id);
          fmt::print("  + {} {} ({})\n", c->id, c->title, c->release);
        }
      }
    }
  } else if (what == "properties") {
    for (const auto& p : pc::props::registry()) {
      j.push_back({{"name", p.name},
                   {"kind", pc::props::kind_name(p.kind)},
                   {"statement", p.statement},
                   {"kernel_check", p.kernel_check},
                   {"applies", p.applies_text}});
      if (!as_json)
        fmt::print("{} ({}): {}\n  kernel: {}\n  applies: {}\n", p.name, pc::props::kind_name(p.kind), p.statement,
                   p.kernel_check, p.applies_text);
    }
  } else if (what == "operations") {
    for (const auto& o : pc::model::op_registry()) {
      json params = json::array();
      std::string sig;
      for (const auto& p : o.params) {
        params.push_back({{"name", p.name}, {"help", p.help}});
        sig += (sig.empty() ? "" : ", ") + std::string(p.name);
      }
      j.push_back({{"name", o.name}, {"summary", o.summary}, {"params", params}});
      if (!as_json) fmt::print("{}({})\n  {}\n", o.name, sig, o.summary);
    }
  } else {
    throw pc::InputError(
        fmt::format("list: unknown kind '{}'; expected scenarios, variants, properties or operations", what));
  }
  if (as_json) fmt::print("{}\n", j.dump(2));
  return 0;
}

json stats_json(const pc::checker::Stats& s) {
  return {{"states", s.states},           {"transitions", s.transitions},       {"max_depth", s.max_depth},
          {"complete_depth", s.complete_depth}, {"seconds", s.seconds},         {"initial_states", s.initial_states},
          {"memory_bytes", s.memory_bytes}};
}

std::string stats_line(const pc::checker::Stats& s) {
  return fmt::format("{} distinct states from {} initial state{}, {} transitions, depth {}, {:.3f} s", s.states,
                     s.initial_states, s.initial_states == 1 ? "" : "s", s.transitions, s.max_depth, s.seconds);
}

struct CheckArgs {
  pc::checker::CheckRequest req;
  bool as_json = false;
  bool no_progress = false;
  std::string trace_out;
  std::string format = "text";
};

int cmd_check(CheckArgs& a) {
  a.req.bounds.progress = !a.no_progress;
  pc::checker::CheckOutcome o = pc::checker::run_check(a.req);
  const auto& r = o.result;
  if (!a.trace_out.empty()) {
    if (!o.trace) throw pc::InputError(fmt::format("--trace-out {}: no violation, so no trace was written", a.trace_out));
    std::ofstream f(a.trace_out);
    if (!f) throw pc::InputError(fmt::format("--trace-out {}: cannot write the file", a.trace_out));
    f << pc::traces::trace_json(*o.trace).dump(2) << "\n";
  }
  if (a.as_json || a.format == "json") {
    json j = {{"verdict", pc::model::verdict_name(r.verdict)},
              {"scenario", o.scenario.name},
              {"variant", o.variant.spec},
              {"engine", "explicit"},
              {"properties", o.properties},
              {"stats", stats_json(r.stats)}};
    if (r.violation)
      j["violation"] = {{"property", r.violation->property},
                        {"message", r.violation->message},
                        {"pfns", r.violation->pfns},
                        {"pageblocks", r.violation->pageblocks}};
    if (o.trace) j["trace"] = pc::traces::trace_json(*o.trace);
    if (r.verdict == pc::model::Verdict::Incomplete) j["incomplete_reason"] = r.incomplete_reason;
    fmt::print("{}\n", j.dump(2));
    return exit_code(r.verdict);
  }
  std::string props;
  for (const auto& p : o.properties) props += (props.empty() ? "" : ", ") + p;
  switch (r.verdict) {
    case pc::model::Verdict::Holds:
      fmt::print("{} on {}: holds ({}).\nExhausted the state space: {}.\n", o.scenario.name, o.variant.spec, props,
                 stats_line(r.stats));
      break;
    case pc::model::Verdict::Violated:
      fmt::print("{}", pc::traces::format_text(*o.trace));
      fmt::print("\nSearch: {}.\n", stats_line(r.stats));
      break;
    case pc::model::Verdict::Incomplete:
      fmt::print("{} on {}: incomplete, {}; no violation in what was explored ({}).\nExplored: {}; levels "
                 "0..{} complete.\n",
                 o.scenario.name, o.variant.spec, r.incomplete_reason, props, stats_line(r.stats),
                 r.stats.complete_depth);
      break;
  }
  return exit_code(r.verdict);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pagecheck: a model checker for the concurrency of the Linux page allocator"};
  app.set_version_flag("--version", std::string("pagecheck ") + PAGECHECK_VERSION);
  app.require_subcommand(1);

  std::string list_what;
  bool list_json = false;
  auto* list = app.add_subcommand("list", "List scenarios, variants, properties or operations");
  list->add_option("what", list_what, "scenarios | variants | properties | operations")->required();
  list->add_flag("--json", list_json, "Print JSON");

  CheckArgs ca;
  auto* check = app.add_subcommand("check", "Check a scenario against a variant: every interleaving, every layout");
  check->add_option("scenario", ca.req.scenario, "Catalogue name or path of a scenario file")->required();
  check->add_option("--variant", ca.req.variant,
                    "Variant spec, e.g. \"v6.10\" or \"v6.10 -fd919a85cd55\" (default: the newest modelled "
                    "kernel, " + pc::checker::default_variant() + ")");
  check->add_option("--apply", ca.req.apply, "Add a modelled commit to the variant's stack");
  check->add_option("--revert", ca.req.revert, "Drop a modelled commit from the variant's stack");
  check->add_option("--property", ca.req.properties, "Property to check (repeatable; default: the scenario's)");
  check->add_option("--max-depth", ca.req.bounds.max_depth, "Stop after this many steps (verdict: incomplete)")
      ->check(CLI::Range(0L, 1000000L));
  check->add_option("--max-states", ca.req.bounds.max_states, "Stop after this many distinct states")
      ->check(CLI::Range(1L, 4000000000L));
  check->add_option("--time-limit", ca.req.bounds.time_limit, "Stop after this many seconds")
      ->check(CLI::Range(0.001, 1e7));
  check->add_option("--memory-limit", ca.req.bounds.memory_limit_mb, "Stop when the search holds this many MB")
      ->check(CLI::Range(1L, 1L << 22));
  check->add_flag("--json", ca.as_json, "Print one JSON object");
  check->add_option("--format", ca.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  check->add_option("--trace-out", ca.trace_out, "Write the counterexample trace (JSON) to this file");
  check->add_flag("--no-progress", ca.no_progress, "No progress lines on stderr");

  try {
    app.parse(argc, argv);
    if (list->parsed()) return cmd_list(list_what, list_json);
    if (check->parsed()) return cmd_check(ca);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "pagecheck: error: {} (see pagecheck --help)\n", e.what());
    return kBadInput;
  } catch (const pc::InputError& e) {
    fmt::print(stderr, "pagecheck: error: {}\n", e.what());
    return kBadInput;
  } catch (const pc::ModelError& e) {
    fmt::print(stderr, "pagecheck: the model cannot run this: {}\n", e.what());
    return kBadInput;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "pagecheck: out of memory; the search is incomplete (use --memory-limit)\n");
    return kIncomplete;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pagecheck: error: {}\n", e.what());
    return kBadInput;
  }
  return kBadInput;
}

// pagecheck check SCENARIO [--variant V] ...
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "checker/cli/commands.hpp"
#include "checker/cli/output.hpp"
#include "checker/run.hpp"
#include "traces/json.hpp"
#include "traces/state_graph.hpp"

namespace pc = pagecheck;
using nlohmann::json;

namespace pagecheck::cli {

int exit_code(model::Verdict v) {
  switch (v) {
    case pc::model::Verdict::Holds: return kHolds;
    case pc::model::Verdict::Violated: return kViolated;
    case pc::model::Verdict::Incomplete: return kIncomplete;
  }
  return kBadInput;
}

namespace {

json stats_json(const pc::checker::Stats& s) {
  return {{"states", s.states},
          {"transitions", s.transitions},
          {"max_depth", s.max_depth},
          {"complete_depth", s.complete_depth},
          {"seconds", s.seconds},
          {"initial_states", s.initial_states},
          {"memory_bytes", s.memory_bytes}};
}

std::string stats_line(const pc::checker::Stats& s) {
  return fmt::format("{} distinct states from {} initial state{}, {} transitions, depth {}, {:.3f} s",
                     s.states, s.initial_states, s.initial_states == 1 ? "" : "s", s.transitions, s.max_depth,
                     s.seconds);
}

json smt_json(const pc::smt::SmtStats& s) {
  return {{"queries", s.queries},
          {"solver_seconds", s.solver_seconds},
          {"encode_seconds", s.encode_seconds},
          {"depth", s.depth},
          {"exhausted", s.exhausted},
          {"initial", s.layouts == 0 ? "every well-formed layout" : "one layout"},
          {"state_variables", s.variables}};
}

std::string smt_line(const pc::checker::Stats& st, const pc::smt::SmtStats& s) {
  return fmt::format("Z3, {}, depths 0..{} checked, {} queries, {:.3f} s ({:.3f} s solving)",
                     s.layouts == 0 ? "every well-formed layout at once" : "one layout", st.complete_depth,
                     s.queries, st.seconds, s.solver_seconds);
}

struct CheckArgs {
  pc::checker::CheckRequest req;
  bool as_json = false;
  bool no_progress = false;
  std::string trace_out;
  std::string format = "text";
  std::string out;  // -o
  bool state_graph = false;
  bool no_minimise = false;
  std::string min_scenario_out;
};

// The reachable state graph of the scenario (dot --state-graph), with the trace in red.
std::string state_graph(const pc::checker::CheckOutcome& o) {
  pc::model::Layout layout(o.scenario.geo);
  pc::model::TransitionSystem ts(layout, o.variant.kernel, o.scenario.programs);
  auto props = pc::props::select(o.properties, o.variant.kernel, "");
  return pc::traces::format_state_graph(ts, pc::model::initial_states(ts, o.scenario), props,
                                        o.trace ? &*o.trace : nullptr);
}

int cmd_check(CheckArgs& a) {
  a.req.bounds.progress = !a.no_progress;
  a.req.minimise = !a.no_minimise;
  a.req.reduce_scenario = !a.no_minimise;
  if (a.state_graph && a.format != "dot") throw pc::InputError("--state-graph needs --format dot");
  if (a.req.engine == "smt" && a.state_graph)
    throw pc::InputError("--state-graph explores the states explicitly: use --engine explicit");
  if (a.req.engine == "smt" && !a.min_scenario_out.empty())
    throw pc::InputError(
        "--min-scenario-out needs the explicit engine's minimisation: use --engine explicit");
  if (!a.min_scenario_out.empty() && a.no_minimise)
    throw pc::InputError("--min-scenario-out needs minimisation (drop --no-minimise)");
  pc::checker::CheckOutcome o = pc::checker::run_check(a.req);
  const auto& r = o.result;
  if (!a.trace_out.empty()) {
    if (!o.trace)
      throw pc::InputError(fmt::format("--trace-out {}: no violation, so no trace was written", a.trace_out));
    emit(pc::traces::trace_json(*o.trace).dump(2) + "\n", a.trace_out);
  }
  if (!a.min_scenario_out.empty() && o.trace) {
    const auto& red = o.trace->minimisation.scenario;
    if (red.reduced)
      emit(red.toml, a.min_scenario_out);
    else
      fmt::print(stderr, "pagecheck: the scenario is already minimal; {} not written\n", a.min_scenario_out);
  }
  if (a.format == "dot" || a.format == "html") {
    if (a.state_graph) {
      emit(state_graph(o), a.out);
      return exit_code(r.verdict);
    }
    if (o.trace) {
      emit(render_trace(*o.trace, a.format, false), a.out);
      return exit_code(r.verdict);
    }
    // Nothing to draw: the verdict in words, as the text format gives it.
  }
  if (a.as_json || a.format == "json") {
    json j = {{"verdict", pc::model::verdict_name(r.verdict)},
              {"scenario", o.scenario.name},
              {"variant", o.variant.spec},
              {"engine", o.engine},
              {"properties", o.properties},
              {"not_applicable", o.not_applicable},
              {"stats", stats_json(r.stats)}};
    if (r.violation)
      j["violation"] = {{"property", r.violation->property},
                        {"message", r.violation->message},
                        {"pfns", r.violation->pfns},
                        {"pageblocks", r.violation->pageblocks}};
    if (o.trace) j["trace"] = pc::traces::trace_json(*o.trace);
    if (r.verdict == pc::model::Verdict::Incomplete) j["incomplete_reason"] = r.incomplete_reason;
    if (o.smt) j["smt"] = smt_json(*o.smt);
    emit(j.dump(2) + "\n", a.format == "json" ? a.out : "");
    return exit_code(r.verdict);
  }
  std::string props;
  for (const auto& p : o.properties) props += (props.empty() ? "" : ", ") + p;
  if (!o.not_applicable.empty()) {
    std::string na;
    for (const auto& p : o.not_applicable) na += (na.empty() ? "" : ", ") + p;
    props += "; not applicable to this kernel: " + na;
  }
  std::string text;
  const bool to_file = !a.out.empty() && a.out != "-" && a.format == "text";
  if (o.smt) {
    switch (r.verdict) {
      case pc::model::Verdict::Holds:
        text = fmt::format(
            "{} on {}: holds ({}).\nEvery execution ends within {} steps and none breaks a property: {}.\n",
            o.scenario.name, o.variant.spec, props, o.smt->depth - 1, smt_line(r.stats, *o.smt));
        break;
      case pc::model::Verdict::Violated:
        text = pc::traces::format_text(*o.trace, {!to_file && colour_stdout()});
        text += fmt::format("\nSearch: {}; the trace was replayed on the explicit model.\n",
                            smt_line(r.stats, *o.smt));
        break;
      case pc::model::Verdict::Incomplete:
        text = fmt::format("{} on {}: incomplete, {}; no violation within depth {} ({}).\nSearch: {}.\n",
                           o.scenario.name, o.variant.spec, r.incomplete_reason, r.stats.complete_depth,
                           props, smt_line(r.stats, *o.smt));
        break;
    }
    emit(text, a.format == "text" ? a.out : "");
    return exit_code(r.verdict);
  }
  switch (r.verdict) {
    case pc::model::Verdict::Holds:
      text = fmt::format("{} on {}: holds ({}).\nExhausted the state space: {}.\n", o.scenario.name,
                         o.variant.spec, props, stats_line(r.stats));
      break;
    case pc::model::Verdict::Violated:
      text = pc::traces::format_text(*o.trace, {!to_file && colour_stdout()});
      text += fmt::format("\nSearch: {}.\n", stats_line(r.stats));
      break;
    case pc::model::Verdict::Incomplete:
      text = fmt::format(
          "{} on {}: incomplete, {}; no violation in what was explored ({}).\nExplored: {}; levels "
          "0..{} complete.\n",
          o.scenario.name, o.variant.spec, r.incomplete_reason, props, stats_line(r.stats),
          r.stats.complete_depth);
      break;
  }
  emit(text, a.format == "text" ? a.out : "");
  return exit_code(r.verdict);
}

}  // namespace

Runner add_check(CLI::App& app) {
  auto ca = std::make_shared<CheckArgs>();
  auto* check =
      app.add_subcommand("check", "Check a scenario against a variant: every interleaving, every layout");
  check->add_option("scenario", ca->req.scenario, "Catalogue name or path of a scenario file")->required();
  check->add_option("--variant", ca->req.variant,
                    "Variant spec, e.g. \"v6.10\" or \"v6.10 -fd919a85cd55\" (default: the newest modelled "
                    "kernel, " +
                        pc::checker::default_variant() + ")");
  check->add_option("--apply", ca->req.apply, "Add a modelled commit to the variant's stack");
  check->add_option("--revert", ca->req.revert, "Drop a modelled commit from the variant's stack");
  check->add_option("--property", ca->req.properties,
                    "Property to check (repeatable; default: the scenario's)");
  check
      ->add_option("--max-depth", ca->req.bounds.max_depth,
                   "Stop after this many steps (verdict: incomplete)")
      ->check(CLI::Range(0L, 1000000L));
  check->add_option("--max-states", ca->req.bounds.max_states, "Stop after this many distinct states")
      ->check(CLI::Range(1L, 4000000000L));
  check->add_option("--time-limit", ca->req.bounds.time_limit, "Stop after this many seconds")
      ->check(CLI::Range(0.001, 1e7));
  check
      ->add_option("--memory-limit", ca->req.bounds.memory_limit_mb,
                   "Stop when the search holds this many MB")
      ->check(CLI::Range(1L, 1L << 22));
  check->add_flag("--json", ca->as_json, "Print one JSON object");
  check
      ->add_option("--format", ca->format,
                   "Output format: text (default), json (the result object), dot (the trace as per-CPU "
                   "swimlanes), html (a self-contained trace viewer)")
      ->check(CLI::IsMember({"text", "json", "dot", "html"}));
  check->add_option("-o,--output", ca->out, "Write the output to this file instead of stdout");
  check->add_flag("--state-graph", ca->state_graph,
                  "With --format dot: the reachable state graph (small scenarios), the trace in red");
  check->add_option("--trace-out", ca->trace_out, "Write the counterexample trace (JSON) to this file");
  check->add_flag("--no-minimise", ca->no_minimise,
                  "Show the explorer's first shortest trace: no preemption minimisation, no scenario "
                  "reduction");
  check->add_option("--min-scenario-out", ca->min_scenario_out,
                    "Write the smallest scenario that still breaks the property (TOML) to this file");
  check->add_flag("--no-progress", ca->no_progress, "No progress lines on stderr");
  check
      ->add_option("--engine", ca->req.engine,
                   "explicit (breadth-first search) or smt (Z3 bounded model checking)")
      ->check(CLI::IsMember({"explicit", "smt"}));
  check->add_option("--smt-timeout", ca->req.smt.query_timeout, "With --engine smt: seconds per Z3 query")
      ->check(CLI::Range(0.001, 1e7));
  check->add_option("--smt-dump", ca->req.smt.dump_file,
                    "With --engine smt: write the SMT-LIB of the last Z3 query to this file");
  check->add_flag("--smt-log", ca->req.smt.log, "With --engine smt: one line per Z3 query on stderr");
  return [check, ca]() -> int { return check->parsed() ? cmd_check(*ca) : -1; };
}

}  // namespace pagecheck::cli

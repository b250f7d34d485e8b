// pagecheck check SCENARIO [--variant V] ...
#include <fmt/format.h>

#include <csignal>
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

double bytes_per_state(const pc::checker::Stats& s) {
  return s.states > 0 ? static_cast<double>(s.store_bytes) / static_cast<double>(s.states) : 0;
}

json stats_json(const pc::checker::Stats& s) {
  return {{"states", s.states},
          {"transitions", s.transitions},
          {"max_depth", s.max_depth},
          {"complete_depth", s.complete_depth},
          {"seconds", s.seconds},
          {"initial_states", s.initial_states},
          {"memory_bytes", s.memory_bytes},
          {"store_bytes", s.store_bytes},
          {"bytes_per_state", bytes_per_state(s)},
          {"collision_probability", s.collision_probability},
          {"revisits", s.revisits},
          {"pruned", s.pruned},
          {"footprint_checks", s.footprint_checks}};
}

json search_json(const pc::checker::SearchOptions& o) {
  return {{"strategy", pc::checker::strategy_name(o.strategy)},
          {"por", pc::checker::por_name(o.por)},
          {"threads", o.threads},
          {"symmetry", o.symmetry},
          {"preemption_bound", o.preemption_bound},
          {"store", o.full_states ? "full-states" : "fingerprints"},
          {"check_footprints", o.check_footprints}};
}

std::string store_line(const pc::checker::Stats& s, const pc::checker::SearchOptions& o) {
  if (s.states == 0 || o.strategy == pc::checker::Strategy::Foundation) return {};
  // Below a few thousand states the store's fixed minimum is most of it: say the total.
  const std::string size = s.states >= 4096 ? fmt::format("{:.1f} bytes per state", bytes_per_state(s))
                                            : fmt::format("{} KB", (s.store_bytes + 1023) / 1024);
  if (o.full_states) return fmt::format("State store: whole states, {}.\n", size);
  return fmt::format(
      "State store: 64-bit fingerprints, {}; probability that a fingerprint collision hid a state: {:.1e}.\n",
      size, s.collision_probability);
}

// Ctrl-C: the first one asks the search to stop and report; a second one ends the process.
extern "C" void on_sigint(int) {
  pc::checker::request_interrupt();
  std::signal(SIGINT, SIG_DFL);
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
  std::string strategy, por = "none";
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
  auto& so = a.req.search;
  if (a.req.engine == "smt" && (!a.strategy.empty() || a.por != "none" || so.threads != 1 || so.symmetry ||
                                so.preemption_bound >= 0 || so.full_states || so.check_footprints))
    throw pc::InputError(
        "--strategy, --por, --threads, --symmetry, --preemption-bound, --full-states and "
        "--check-footprints steer the explicit explorer: drop them with --engine smt");
  if (a.req.engine == "smt" && (a.req.bounds.max_states >= 0 || a.req.bounds.memory_limit_mb > 0))
    throw pc::InputError(
        "--max-states and --memory-limit bound the explicit explorer's store; --engine smt takes "
        "--max-depth, --time-limit and --smt-timeout");
  so.por = a.por == "sleep"  ? pc::checker::Por::Sleep
           : a.por == "dpor" ? pc::checker::Por::Dpor
                             : pc::checker::Por::None;
  if (a.strategy.empty()) a.strategy = so.por == pc::checker::Por::Dpor ? "dfs" : "bfs";
  so.strategy = a.strategy == "dfs"          ? pc::checker::Strategy::Dfs
                : a.strategy == "foundation" ? pc::checker::Strategy::Foundation
                                             : pc::checker::Strategy::Bfs;
  pc::checker::clear_interrupt();
  auto old_handler = std::signal(SIGINT, on_sigint);
  pc::checker::CheckOutcome o = [&] {
    try {
      return pc::checker::run_check(a.req);
    } catch (...) {
      std::signal(SIGINT, old_handler);
      throw;
    }
  }();
  std::signal(SIGINT, old_handler);
  const auto& r = o.result;
  if (!a.trace_out.empty()) {
    if (o.trace)
      emit(pc::traces::trace_json(*o.trace).dump(2) + "\n", a.trace_out);
    else  // the verdict keeps its exit code: no violation is not an error
      fmt::print(stderr, "pagecheck: --trace-out {}: no violation, so no trace was written\n", a.trace_out);
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
    if (!o.smt) j["search"] = search_json(so);
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
      text = fmt::format("{} on {}: holds ({}).\nExhausted the state space: {}.\n{}", o.scenario.name,
                         o.variant.spec, props, stats_line(r.stats), store_line(r.stats, so));
      break;
    case pc::model::Verdict::Violated:
      text = pc::traces::format_text(*o.trace, {!to_file && colour_stdout()});
      text += fmt::format("\nSearch: {}.\n{}", stats_line(r.stats), store_line(r.stats, so));
      break;
    case pc::model::Verdict::Incomplete:
      if (so.strategy == pc::checker::Strategy::Dfs)
        text = fmt::format(
            "{} on {}: incomplete, {}; no violation in what was explored ({}).\nExplored: {} (depth first: "
            "no depth is complete before the search ends).\n",
            o.scenario.name, o.variant.spec, r.incomplete_reason, props, stats_line(r.stats));
      else
        text = fmt::format(
            "{} on {}: incomplete, {}; no violation in what was explored ({}).\nExplored: {}; levels "
            "0..{} complete.\n",
            o.scenario.name, o.variant.spec, r.incomplete_reason, props, stats_line(r.stats),
            r.stats.complete_depth);
      text += store_line(r.stats, so);
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
  check
      ->add_option("--strategy", ca->strategy,
                   "Search order: bfs (shortest counterexamples, parallel), dfs, or foundation (the "
                   "foundation's BFS, the benchmark baseline); default bfs, dfs with --por dpor")
      ->check(CLI::IsMember({"bfs", "dfs", "foundation"}));
  check
      ->add_option("--por", ca->por,
                   "Partial-order reduction: none, sleep (sleep sets: fewer transitions), dpor (dynamic "
                   "partial-order reduction from the steps' declared footprints: fewer states)")
      ->check(CLI::IsMember({"none", "sleep", "dpor"}));
  check->add_option("--threads", ca->req.search.threads, "Threads of the breadth-first search")
      ->check(CLI::Range(1, 256));
  check->add_flag("--symmetry", ca->req.search.symmetry,
                  "Treat CPUs that run identical programs as interchangeable");
  check
      ->add_option(
          "--preemption-bound", ca->req.search.preemption_bound,
          "Explore only interleavings with at most K preemptions (CHESS); incomplete if it left any out")
      ->check(CLI::Range(0, 255));
  check->add_flag("--full-states", ca->req.search.full_states,
                  "Store whole states instead of 64-bit fingerprints (exact; more memory)");
  check->add_flag("--check-footprints", ca->req.search.check_footprints,
                  "Verify that every step touches only what its declared footprint says");
  return [check, ca]() -> int { return check->parsed() ? cmd_check(*ca) : -1; };
}

}  // namespace pagecheck::cli

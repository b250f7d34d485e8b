#include "checker/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "checker/explorer.hpp"
#include "checker/liveness.hpp"
#include "checker/minimise.hpp"
#include "checker/smt/bmc.hpp"

namespace pagecheck::checker {

std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

traces::TraceMeta trace_meta(const model::Scenario& scenario, const model::ResolvedVariant& variant,
                             std::vector<std::string> properties, int initial_count) {
  traces::TraceMeta meta;
  meta.scenario = {scenario.name, scenario.file, scenario.summary, scenario.reference,
                   read_text_file(scenario.file)};
  meta.variant = variant.spec;
  meta.baseline = variant.baseline ? std::string(variant.baseline->name) : std::string();
  for (const auto* c : variant.stack)
    meta.stack.push_back({std::string(c->id), std::string(c->title), std::string(c->release)});
  meta.properties = std::move(properties);
  meta.initial_count = initial_count;
  return meta;
}

std::string default_variant() {
  return std::string(model::variants().back().name);
}

CheckOutcome run_check(const CheckRequest& req) {
  CheckOutcome out;
  out.scenario = model::load_scenario_file(model::resolve_scenario(req.scenario));
  out.variant =
      model::resolve_variant(req.variant.empty() ? default_variant() : req.variant, req.apply, req.revert);
  const auto& names = req.properties.empty() ? out.scenario.properties : req.properties;
  const bool from_scenario = req.properties.empty();
  props::PropertySet props =
      props::select(names, out.variant.kernel, from_scenario ? out.scenario.file + ": [check] " : "",
                    from_scenario ? &out.not_applicable : nullptr);
  for (const auto* p : props.all()) out.properties.emplace_back(p->name);

  model::Layout layout(out.scenario.geo);
  model::TransitionSystem ts(layout, out.variant.kernel, out.scenario.programs);
  out.engine = req.engine;
  if (req.engine == "smt") {
    smt::SmtEngine eng(out.scenario, ts, props, out.variant.spec, req.smt);
    out.result = eng.check(req.bounds);
    out.smt = eng.stats();
    if (out.result.verdict == Verdict::Violated && eng.counterexample_initial()) {
      traces::TraceMeta meta = trace_meta(out.scenario, out.variant, out.properties, eng.initial_count());
      out.trace = traces::build_trace(ts, *eng.counterexample_initial(), out.result.initial_index,
                                      out.result.path, *out.result.violation, props, meta);
    }
    return out;
  }
  if (req.engine != "explicit")
    throw InputError(fmt::format("unknown engine '{}'; expected explicit or smt", req.engine));
  std::vector<model::State> initial = model::initial_states(ts, out.scenario);
  std::vector<model::State> initial_copy = initial;  // the explorer consumes its copy
  Explorer ex(ts, std::move(initial), props, req.search);
  out.result = ex.check(req.bounds);
  // Progress properties need the whole graph: checker/liveness.cpp builds its own, after the
  // safety search found nothing (an incomplete safety search leaves the verdict incomplete).
  int loop_start = -1;
  if (out.result.verdict == Verdict::Holds && props.has_progress()) {
    // --time-limit covers both searches: the graph gets what the safety search left.
    const double left =
        req.bounds.time_limit > 0 ? std::max(req.bounds.time_limit - out.result.stats.seconds, 1e-3) : 0;
    LivenessResult lr =
        check_progress(ts, initial_copy, req.bounds.max_states, left, req.bounds.memory_limit_mb);
    // The states and transitions are the graph's; what the safety search measured of itself stays.
    lr.result.stats.seconds += out.result.stats.seconds;
    lr.result.stats.collision_probability = out.result.stats.collision_probability;
    lr.result.stats.footprint_checks = out.result.stats.footprint_checks;
    lr.result.stats.revisits = out.result.stats.revisits;
    lr.result.stats.pruned = out.result.stats.pruned;
    lr.result.stats.store_bytes = out.result.stats.store_bytes;
    lr.result.stats.memory_bytes = std::max(lr.result.stats.memory_bytes, out.result.stats.memory_bytes);
    lr.result.stats.max_depth = out.result.stats.max_depth;
    lr.result.stats.complete_depth = out.result.stats.complete_depth;
    out.result = std::move(lr.result);
    loop_start = lr.loop_start;
  }
  if (out.result.verdict == Verdict::Violated && out.result.initial_index >= 0 && loop_start >= 0) {
    traces::TraceMeta meta =
        trace_meta(out.scenario, out.variant, out.properties, static_cast<int>(initial_copy.size()));
    const model::State& init = initial_copy[static_cast<size_t>(out.result.initial_index)];
    out.trace = traces::build_trace(ts, init, out.result.initial_index, out.result.path,
                                    *out.result.violation, props, meta);
    out.trace->loop_start = loop_start;
    return out;
  }
  if (out.result.verdict == Verdict::Violated && out.result.initial_index >= 0) {
    traces::TraceMeta meta =
        trace_meta(out.scenario, out.variant, out.properties, static_cast<int>(initial_copy.size()));
    const std::string& property = out.result.violation->property;
    const int bfs_steps = static_cast<int>(out.result.path.size());
    const model::State& bfs_initial = initial_copy[static_cast<size_t>(out.result.initial_index)];
    traces::Minimisation min;
    int index = out.result.initial_index;
    std::vector<PathStep> path = out.result.path;
    model::Violation violation = *out.result.violation;
    if (req.minimise) {
      min.ran = true;
      min.bfs_steps = bfs_steps;
      min.bfs_preemptions = traces::count_preemptions(ts, bfs_initial, out.result.path);
      FewestPreemptions fp = fewest_preemptions(ts, initial_copy, property, bfs_steps);
      min.states = fp.states;
      if (fp.found && fp.preemptions <= min.bfs_preemptions) {
        index = fp.initial_index;
        path = fp.path;
        violation = fp.violation;
      } else if (!fp.found) {
        min.note = fp.note;
      }
    }
    const model::State& init = initial_copy[static_cast<size_t>(index)];
    out.trace = traces::build_trace(ts, init, index, path, violation, props, meta);
    if (req.minimise) {
      min.steps = static_cast<int>(path.size());
      min.preemptions = traces::count_preemptions(ts, init, path);
      min.context_switches = traces::count_context_switches(path);
      if (req.reduce_scenario)
        min.scenario = reduce_scenario(out.scenario, out.trace->initial.layout, meta.initial_count,
                                       out.variant, property);
      out.trace->minimisation = min;
    }
  }
  if (out.result.verdict == Verdict::Violated && !out.trace)  // every printer needs the trace
    throw ModelError("the search reported a violation without the path to it");
  return out;
}

}  // namespace pagecheck::checker

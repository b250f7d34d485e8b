#include "checker/run.hpp"

#include <fmt/format.h>

#include "checker/explorer.hpp"
#include "checker/smt/bmc.hpp"

namespace pagecheck::checker {

std::string default_variant() {
  return std::string(model::variants().back().name);
}

CheckOutcome run_check(const CheckRequest& req) {
  CheckOutcome out;
  out.scenario = model::load_scenario_file(model::resolve_scenario(req.scenario));
  out.variant =
      model::resolve_variant(req.variant.empty() ? default_variant() : req.variant, req.apply, req.revert);
  const auto& names = req.properties.empty() ? out.scenario.properties : req.properties;
  props::PropertySet props = props::select(names, out.variant.kernel,
                                           req.properties.empty() ? out.scenario.file + ": [check] " : "");
  for (const auto* p : props.all()) out.properties.emplace_back(p->name);

  model::Layout layout(out.scenario.geo);
  model::TransitionSystem ts(layout, out.variant.kernel, out.scenario.programs);
  traces::TraceMeta meta{out.scenario.name, out.scenario.file, out.scenario.summary, out.variant.spec, {}};
  for (const auto* c : out.variant.stack)
    meta.stack.push_back({std::string(c->id), std::string(c->title), std::string(c->release)});
  out.engine = req.engine;
  if (req.engine == "smt") {
    smt::SmtEngine eng(out.scenario, ts, props, out.variant.spec, req.smt);
    out.result = eng.check(req.bounds);
    out.smt = eng.stats();
    if (out.result.verdict == Verdict::Violated && eng.counterexample_initial())
      out.trace = traces::build_trace(ts, *eng.counterexample_initial(), out.result, props, meta);
    return out;
  }
  if (req.engine != "explicit")
    throw InputError(fmt::format("unknown engine '{}'; expected explicit or smt", req.engine));
  std::vector<model::State> initial = model::initial_states(ts, out.scenario);
  std::vector<model::State> initial_copy = initial;  // the explorer consumes its copy
  Explorer ex(ts, std::move(initial), props);
  out.result = ex.check(req.bounds);
  if (out.result.verdict == Verdict::Violated && out.result.initial_index >= 0)
    out.trace = traces::build_trace(ts, initial_copy[static_cast<size_t>(out.result.initial_index)],
                                    out.result, props, meta);
  return out;
}

}  // namespace pagecheck::checker

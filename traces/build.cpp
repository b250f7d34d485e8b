#include <fmt/format.h>

#include "traces/trace.hpp"

namespace pagecheck::traces {

using model::NIL;

InitialMemory describe_memory(const model::TransitionSystem& ts, model::StateRef s) {
  const model::Layout& L = ts.layout();
  InitialMemory m;
  for (int pb = 0; pb < L.nr_pb; ++pb)
    m.pageblock_mt.emplace_back(model::mt_name(model::pageblock_type(s, pb)));
  for (int list = 0; list < L.nr_lists; ++list) {
    auto pfns = s.list_pfns(list);
    if (!pfns.empty()) m.free_lists.emplace_back(model::list_name(L, list), std::move(pfns));
  }
  for (int p = 0; p < L.nr_pages;) {
    if (s.owner(p) == model::OWNER_NONE) {
      ++p;
      continue;
    }
    int q = p;
    while (q < L.nr_pages && s.owner(q) != model::OWNER_NONE) ++q;
    m.allocated.emplace_back(p, q - p);
    p = q;
  }
  return m;
}

Trace build_trace(const model::TransitionSystem& ts, const model::State& initial, const checker::Result& r,
                  props::PropertySet& props, const TraceMeta& meta) {
  Trace t;
  t.scenario = meta.scenario;
  t.scenario_file = meta.scenario_file;
  t.summary = meta.summary;
  t.variant = meta.variant;
  t.stack = meta.stack;
  t.geo = ts.layout().geo;
  for (const auto& prog : ts.programs()) {
    std::vector<std::string> ops;
    for (const auto& op : prog) ops.push_back(op.text);
    t.programs.push_back(std::move(ops));
  }
  t.initial = describe_memory(ts, initial.ref());
  t.initial_index = r.initial_index;
  if (r.violation) t.violation = *r.violation;
  if (const props::Property* p = props::find(t.violation.property)) {
    t.property_statement = p->statement;
    t.kernel_check = p->kernel_check;
  } else if (t.violation.property == "deadlock-free") {
    t.property_statement = "some CPU can always take a step until every CPU has finished";
  }

  model::State s = initial;
  for (size_t i = 0; i < r.path.size(); ++i) {
    const checker::PathStep& ps = r.path[i];
    TraceStep step;
    step.cpu = ps.cpu;
    step.outcome = ps.outcome;
    for (const model::ProcDef* d : ts.call_path(s.ref(), ps.cpu)) step.call_path.emplace_back(d->name);
    model::VectorRecorder rec;
    model::StepResult sr = ts.replay(s.ref(), ps.cpu, ps.outcome, &rec, &props);
    if (sr.status != model::StepStatus::Ok)
      throw ModelError(fmt::format("counterexample step {} (cpu{}) is not enabled on replay", i + 1, ps.cpu));
    step.events = std::move(rec.events);
    t.steps.push_back(std::move(step));
  }
  return t;
}

}  // namespace pagecheck::traces

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "traces/trace.hpp"

namespace pagecheck::traces {

using model::NIL;

std::string lock_name(const model::Layout& L, int lock) {
  if (lock == model::LOCK_ZONE) return "zone->lock";
  if (lock >= 1 && lock <= L.nr_cpus) return fmt::format("pcp[cpu{}]->lock", lock - 1);
  if (lock == L.lock_drain_mutex) return "pcpu_drain_mutex";
  if (lock == L.lock_pcp_batch_high) return "pcp_batch_high_lock";
  return fmt::format("lock {}", lock);
}

std::string owner_name(int o) {
  if (o == model::OWNER_NONE) return "nobody";
  if (o == model::OWNER_EXTERNAL) return "earlier owner";
  if (o == model::OWNER_OFFLINE) return "offline";
  if (o == model::OWNER_OTHER_ZONE) return "another zone";
  return fmt::format("cpu{}", o - 1);
}

MemorySnapshot snapshot(const model::Layout& L, model::StateRef s) {
  MemorySnapshot m;
  for (int pb = 0; pb < L.nr_pb; ++pb)
    m.pageblocks.emplace_back(model::mt_name(model::pageblock_type(s, pb)));
  for (int list = 0; list < L.nr_lists; ++list) {
    auto pfns = s.list_pfns(list);
    if (!pfns.empty()) m.lists.emplace_back(model::list_name(L, list), std::move(pfns));
  }
  for (int p = 0; p < L.nr_pages;) {
    int o = s.owner(p);
    if (o == model::OWNER_NONE) {
      ++p;
      continue;
    }
    bool mov = (s.flags(p) & model::PG_lru) != 0;
    int q = p;
    while (q < L.nr_pages && s.owner(q) == o && ((s.flags(q) & model::PG_lru) != 0) == mov) ++q;
    m.in_use.push_back({p, q - p, owner_name(o), mov});
    p = q;
  }
  for (int c = 0; c < L.nr_counters; ++c) m.counters.emplace_back(model::counter_name(L, c), s.counter(c));
  for (int l = 0; l < L.nr_locks; ++l)
    if (int o = s.lock_owner(l)) m.locks.emplace_back(lock_name(L, l), owner_name(o));
  // By name, as JSON objects keep them, so that a snapshot read back compares equal.
  std::sort(m.lists.begin(), m.lists.end());
  std::sort(m.counters.begin(), m.counters.end());
  std::sort(m.locks.begin(), m.locks.end());
  return m;
}

model::MemoryLayout layout_of(const model::Layout& L, model::StateRef s) {
  model::MemoryLayout ml;
  for (int pb = 0; pb < L.nr_pb; ++pb) ml.pageblock_mt.push_back(model::pageblock_type(s, pb));
  for (int list = 0; list < L.nr_buddy_lists; ++list)
    for (int p : s.list_pfns(list)) ml.free.push_back({p, L.list_order(list), L.list_mt(list)});
  // build_state() derives the movability of pages in use from their pageblock; list only the
  // pages that differ, as order-0 allocations.
  for (int list = L.nr_buddy_lists; list < L.nr_lists; ++list)
    for (int p : s.list_pfns(list))
      ml.pcp.push_back({L.pcp_list_cpu(list), p, L.pcp_pindex_order(L.pcp_list_pindex(list))});
  for (int p = 0; p < L.nr_pages; ++p) {
    if (s.owner(p) == model::OWNER_NONE || s.owner(p) == model::OWNER_OTHER_ZONE) continue;
    model::Mt mt = ml.pageblock_mt[static_cast<size_t>(L.geo.pageblock_of(p))];
    bool block_movable = mt == model::Mt::MOVABLE || mt == model::Mt::CMA;
    bool mov = (s.flags(p) & model::PG_lru) != 0;
    if (mov != block_movable) ml.allocated.push_back({p, 0, mov});
  }
  return ml;
}

StepChanges summarise_changes(const model::Layout& L, const std::vector<model::Event>& events) {
  std::set<int> pfns, pbs;
  std::vector<std::string> lists;
  StepChanges ch;
  auto add_list = [&](int list) {
    std::string n = model::list_name(L, list);
    if (std::find(lists.begin(), lists.end(), n) == lists.end()) lists.push_back(n);
  };
  auto add_pages = [&](int first, int n) {
    for (int p = first; p < first + n; ++p) pfns.insert(p);
  };
  for (const auto& e : events) {
    if (e.kind != model::EventKind::Delta) continue;
    const model::Delta& d = e.delta;
    switch (d.kind) {
      case model::DeltaKind::SetPageBuddy:
      case model::DeltaKind::ClearPageBuddy:
      case model::DeltaKind::PageFlags:
      case model::DeltaKind::PcpMigratetype: pfns.insert(d.a); break;
      case model::DeltaKind::ListAdd:
      case model::DeltaKind::ListDel:
        add_list(d.a);
        pfns.insert(d.b);
        break;
      case model::DeltaKind::PageblockBits: pbs.insert(d.a); break;
      case model::DeltaKind::ZoneByte: break;  // pcp high/batch: shown in the step's text
      case model::DeltaKind::Counter: {
        std::string n = model::counter_name(L, d.a);
        auto it = std::find_if(ch.counters.begin(), ch.counters.end(), [&](auto& c) { return c.first == n; });
        if (it == ch.counters.end())
          ch.counters.push_back({n, {d.old_v, d.new_v}});
        else
          it->second.second = d.new_v;
        break;
      }
      case model::DeltaKind::Owner: add_pages(d.a, d.b); break;
      case model::DeltaKind::LockAcquire: ch.locks_taken.push_back(lock_name(L, d.a)); break;
      case model::DeltaKind::LockRelease: ch.locks_released.push_back(lock_name(L, d.a)); break;
    }
  }
  std::erase_if(ch.counters, [](auto& c) { return c.second.first == c.second.second; });
  ch.pfns.assign(pfns.begin(), pfns.end());
  ch.pageblocks.assign(pbs.begin(), pbs.end());
  ch.lists = std::move(lists);
  return ch;
}

std::string step_label(const model::TransitionSystem& ts, model::StateRef s, int cpu) {
  const uint8_t* a = s.cpu(cpu);
  if (a[model::cpuoff::depth] == 0) return {};
  const uint8_t* f = a + model::cpuoff::stack + a[model::cpuoff::top];
  const model::ProcDef* d = ts.kernel().procs[f[0]];
  return fmt::format("{}@{}", d ? d->name : "?", f[1]);
}

std::string step_title(const std::vector<model::Event>& events, const std::vector<std::string>& call_path) {
  if (!events.empty() && events.front().kind == model::EventKind::Enter && events.front().depth == 0)
    return events.front().text;
  if (!call_path.empty()) return call_path.back() + "() continues";
  return "(no procedure)";
}

namespace {
bool can_step(const model::TransitionSystem& ts, const model::State& s, int cpu) {
  std::vector<uint8_t> scratch(static_cast<size_t>(ts.layout().size));
  return ts.for_each_outcome(s.bytes(), cpu, scratch.data(), nullptr,
                             [](int, model::StateRef, const std::optional<model::Violation>&) {}) > 0;
}
}  // namespace

int count_preemptions(const model::TransitionSystem& ts, const model::State& initial,
                      const std::vector<checker::PathStep>& path, std::vector<bool>* marks) {
  model::State s = initial;
  int n = 0;
  if (marks) marks->assign(path.size(), false);
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0 && path[i].cpu != path[i - 1].cpu && can_step(ts, s, path[i - 1].cpu)) {
      ++n;
      if (marks) (*marks)[i] = true;
    }
    model::StepResult r = ts.replay(s.ref(), path[i].cpu, path[i].outcome, nullptr, nullptr);
    if (r.status != model::StepStatus::Ok)
      throw ModelError(fmt::format("counterexample step {} (cpu{}) is not enabled", i + 1, path[i].cpu));
  }
  return n;
}

int count_context_switches(const std::vector<checker::PathStep>& path) {
  int n = 0;
  for (size_t i = 1; i < path.size(); ++i) n += path[i].cpu != path[i - 1].cpu;
  return n;
}

Trace build_trace(const model::TransitionSystem& ts, const model::State& initial, int initial_index,
                  const std::vector<checker::PathStep>& path, const model::Violation& violation,
                  props::PropertySet& props, const TraceMeta& meta) {
  const model::Layout& L = ts.layout();
  Trace t;
  t.scenario = meta.scenario;
  t.variant = meta.variant;
  t.baseline = meta.baseline;
  t.stack = meta.stack;
  t.properties = meta.properties;
  t.geo = L.geo;
  for (const auto& prog : ts.programs()) {
    std::vector<std::string> ops;
    for (const auto& op : prog) ops.push_back(op.text);
    t.programs.push_back(std::move(ops));
  }
  t.initial.index = initial_index;
  t.initial.count = meta.initial_count;
  t.initial.layout = layout_of(L, initial.ref());
  t.initial.memory = snapshot(L, initial.ref());
  t.violation.property = violation.property;
  t.violation.message = violation.message;
  t.violation.pfns = violation.pfns;
  t.violation.pageblocks = violation.pageblocks;
  t.violation.lists = violation.lists;
  if (const props::Property* p = props::find(violation.property)) {
    t.violation.statement = p->statement;
    t.violation.kernel_check = p->kernel_check;
  } else if (violation.property == "deadlock-free") {
    t.violation.statement = "some CPU can always take a step until every CPU has finished";
  }

  std::vector<bool> preempt;
  count_preemptions(ts, initial, path, &preempt);
  model::State s = initial;
  std::vector<uint8_t> scratch(static_cast<size_t>(L.size));
  for (size_t i = 0; i < path.size(); ++i) {
    const checker::PathStep& ps = path[i];
    TraceStep step;
    step.cpu = ps.cpu;
    step.outcome = ps.outcome;
    step.preemption = preempt[i];
    step.label = step_label(ts, s.ref(), ps.cpu);
    for (const model::ProcDef* d : ts.call_path(s.ref(), ps.cpu)) step.call_path.emplace_back(d->name);
    if (!ts.call_path(s.ref(), ps.cpu).empty()) step.source = ts.call_path(s.ref(), ps.cpu).back()->source;
    ts.enumerate(
        s.bytes(), ps.cpu, scratch.data(), nullptr,
        [&](int n, const std::vector<int>& script, model::StateRef, const std::optional<model::Violation>&) {
          if (n == ps.outcome) step.choices = script;
        });
    model::VectorRecorder rec;
    model::StepResult sr = ts.replay(s.ref(), ps.cpu, ps.outcome, &rec, &props);
    if (sr.status != model::StepStatus::Ok)
      throw ModelError(fmt::format("counterexample step {} (cpu{}) is not enabled on replay", i + 1, ps.cpu));
    step.events = std::move(rec.events);
    step.title = step_title(step.events, step.call_path);
    step.changes = summarise_changes(L, step.events);
    step.after = snapshot(L, s.ref());
    t.steps.push_back(std::move(step));
  }
  return t;
}

}  // namespace pagecheck::traces

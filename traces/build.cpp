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
  if (lock == L.lock_hugetlb) return "hugetlb_lock";
  return fmt::format("lock {}", lock);
}

std::string owner_name(int o) {
  if (o == model::OWNER_NONE) return "nobody";
  if (o == model::OWNER_EXTERNAL) return "earlier owner";
  if (o == model::OWNER_OFFLINE) return "offline";
  if (o == model::OWNER_OTHER_ZONE) return "another zone";
  if (o == model::OWNER_HUGETLB) return "hugetlb";
  if (o == model::OWNER_VMEMMAP) return "vmemmap";
  return fmt::format("cpu{}", o - 1);
}

std::string thread_name(const model::Geometry& g, int thread) {
  return thread < g.cpus ? fmt::format("CPU{}", thread) : std::string("kworker");
}

namespace {
std::string folio_state(const model::Layout& L, model::StateRef s, int slot) {
  uint8_t f = s.folio_flags(slot);
  std::string t;
  auto add = [&](uint8_t bit, const char* n) {
    if (f & bit) t += (t.empty() ? "" : " ") + std::string(n);
  };
  add(model::FOLIO_hugetlb, "hugetlb");
  add(model::FOLIO_freed, "freed");
  add(model::FOLIO_vmemmap_optimized, "vmemmap_optimized");
  add(model::FOLIO_temporary, "temporary");
  t += fmt::format("{}refcount {}", t.empty() ? "" : ", ", s.folio_ref(slot));
  std::string vm;
  for (int i = 0; i < L.geo.hugetlb_vmemmap_pages; ++i)
    if (s.folio_vmemmap(slot, i) != model::NIL)
      vm += (vm.empty() ? "" : " ") + std::to_string(s.folio_vmemmap(slot, i));
  if (!vm.empty()) t += ", vmemmap pfn " + vm;
  return t;
}
}  // namespace

// The objects beyond the buddy core a snapshot shows, in words (empty for buddy-only scenarios).
std::vector<std::pair<std::string, std::string>> snapshot_objects(const model::Layout& L, model::StateRef s) {
  std::vector<std::pair<std::string, std::string>> v;
  for (int slot = 0; slot < L.nr_slots; ++slot)
    if (s.folio_flags(slot) || s.folio_ref(slot))
      v.emplace_back(fmt::format("folio pfn {}", L.slot_pfn(slot)), folio_state(L, s, slot));
  if (L.geo.has_hugetlb() && s.work_pending()) v.emplace_back("free_hpage_work", "pending");
  static const char* states[] = {"absent", "offline", "online"};
  for (int b = 0; b < L.geo.memory_blocks; ++b) {
    if (s.block_state(b) == model::MB_ABSENT && !s.altmap_alloc(b)) continue;
    v.emplace_back(
        fmt::format("memory block {}", b),
        fmt::format("{}, memmap {}, altmap->alloc {}", states[s.block_state(b)],
                    s.block_altmap(b) ? "on its altmap" : "in ordinary memory", s.altmap_alloc(b)));
  }
  for (int c = 0; c < L.nr_chunks; ++c) {
    int b = s.pmd_backing(c);
    if (b == model::PMD_UNMAPPED) continue;
    std::string users;
    for (int k = 0; k < L.geo.memory_blocks; ++k)
      if (s.pmd_users(c) & (1 << k)) users += (users.empty() ? "" : " ") + std::to_string(k);
    v.emplace_back(
        fmt::format("vmemmap PMD {}", c),
        fmt::format("{}, struct pages of block{} {}",
                    b == model::PMD_SYSTEM ? std::string("in ordinary memory")
                                           : fmt::format("on the altmap of block {}", b),
                    users.find(' ') != std::string::npos ? "s" : "", users.empty() ? "none" : users));
  }
  std::sort(v.begin(), v.end());
  return v;
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
  m.objects = snapshot_objects(L, s);
  return m;
}

model::MemoryLayout layout_of(const model::Layout& L, model::StateRef s) {
  model::MemoryLayout ml;
  for (int pb = 0; pb < L.nr_pb; ++pb) ml.pageblock_mt.push_back(model::pageblock_type(s, pb));
  for (int list = 0; list < L.nr_buddy_lists; ++list)
    for (int p : s.list_pfns(list)) ml.free.push_back({p, L.list_order(list), L.list_mt(list)});
  // build_state() derives the movability of pages in use from their pageblock; list only the
  // pages that differ, as order-0 allocations.
  for (int list = L.nr_buddy_lists; list < L.first_hugetlb_list; ++list)
    for (int p : s.list_pfns(list))
      ml.pcp.push_back({L.pcp_list_cpu(list), p, L.pcp_pindex_order(L.pcp_list_pindex(list))});
  for (int slot = 0; slot < L.nr_slots; ++slot) {
    const int pfn = L.slot_pfn(slot);
    const int list = s.list_of(pfn);
    if (list == model::NIL || !L.is_hugetlb_list(list)) continue;
    uint8_t f = s.folio_flags(slot);
    model::HugeFolio hf;
    hf.pfn = pfn;
    hf.in_use = list == L.hugetlb_list(model::HL_ACTIVELIST);
    hf.optimized = f & model::FOLIO_vmemmap_optimized;
    hf.temporary = f & model::FOLIO_temporary;
    for (int i = 0; i < L.geo.hugetlb_vmemmap_pages; ++i)
      if (s.folio_vmemmap(slot, i) != model::NIL) hf.vmemmap.push_back(s.folio_vmemmap(slot, i));
    ml.hugetlb.folios.push_back(hf);
  }
  if (L.geo.has_hugetlb()) {
    std::stable_partition(ml.hugetlb.folios.begin(), ml.hugetlb.folios.end(),
                          [](const model::HugeFolio& f) { return !f.in_use; });
    // the free list in its order, head first
    std::vector<int> order = s.list_pfns(L.hugetlb_list(model::HL_FREELIST));
    std::stable_sort(ml.hugetlb.folios.begin(), ml.hugetlb.folios.end(), [&](const auto& a, const auto& b) {
      auto pos = [&](int pfn) {
        auto it = std::find(order.begin(), order.end(), pfn);
        return it == order.end() ? static_cast<long>(order.size()) : it - order.begin();
      };
      return pos(a.pfn) < pos(b.pfn);
    });
    ml.hugetlb.surplus = s.counter(L.counter_hugetlb(model::HC_surplus_huge_pages));
    ml.hugetlb.resv = s.counter(L.counter_hugetlb(model::HC_resv_huge_pages));
    ml.hugetlb.max = s.counter(L.counter_hugetlb(model::HC_max_huge_pages));
  }
  for (int p = 0; p < L.nr_pages; ++p) {
    if (s.owner(p) == model::OWNER_NONE || s.owner(p) == model::OWNER_OTHER_ZONE) continue;
    if (s.owner(p) == model::OWNER_HUGETLB || s.owner(p) == model::OWNER_VMEMMAP) continue;
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
      case model::DeltaKind::FolioFlags:
      case model::DeltaKind::FolioRef:
      case model::DeltaKind::FolioVmemmap: pfns.insert(d.a); break;
      case model::DeltaKind::WorkPending:
      case model::DeltaKind::MemoryBlock:
      case model::DeltaKind::VmemmapPmd: break;  // shown in the step's text and the snapshot
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

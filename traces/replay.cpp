#include "traces/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "model/layouts.hpp"
#include "model/ops.hpp"
#include "model/variants/variants.hpp"

namespace pagecheck::traces {

namespace {

std::string event_text(const model::Layout& L, const model::Event& e) {
  switch (e.kind) {
    case model::EventKind::Enter: return fmt::format("enter {}", e.text);
    case model::EventKind::Leave:
      return e.detail.empty() ? fmt::format("leave {}", e.text)
                              : fmt::format("leave {} = {}", e.text, e.detail);
    case model::EventKind::Delta: return format_delta(L, e.delta);
    case model::EventKind::Note: return fmt::format("note '{}'", e.text);
    case model::EventKind::Choice: return fmt::format("choice {}", e.text);
  }
  return "?";
}

bool same_event(const model::Event& a, const model::Event& b) {
  if (a.kind != b.kind || a.depth != b.depth) return false;
  if (a.kind == model::EventKind::Delta) return a.delta == b.delta;
  return a.text == b.text && a.cite == b.cite && a.detail == b.detail;
}

template <class T>
std::string join(const std::vector<T>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + fmt::format("{}", x);
  return s;
}

// The first difference between two snapshots, in words.
std::string snapshot_diff(const MemorySnapshot& want, const MemorySnapshot& got) {
  for (size_t b = 0; b < std::max(want.pageblocks.size(), got.pageblocks.size()); ++b) {
    std::string w = b < want.pageblocks.size() ? want.pageblocks[b] : "-",
                g = b < got.pageblocks.size() ? got.pageblocks[b] : "-";
    if (w != g) return fmt::format("pageblock {} is {}, the trace records {}", b, g, w);
  }
  auto lists = [](const MemorySnapshot& m) {
    std::map<std::string, std::vector<int>> x(m.lists.begin(), m.lists.end());
    return x;
  };
  auto wl = lists(want), gl = lists(got);
  std::set<std::string> names;
  for (auto& [n, v] : wl) names.insert(n);
  for (auto& [n, v] : gl) names.insert(n);
  for (const auto& n : names)
    if (wl[n] != gl[n])
      return fmt::format("{} holds pfns [{}], the trace records [{}]", n, join(gl[n]), join(wl[n]));
  if (want.in_use != got.in_use) return "the pages in use differ from what the trace records";
  std::map<std::string, int> wc(want.counters.begin(), want.counters.end()),
      gc(got.counters.begin(), got.counters.end());
  for (auto& [n, v] : gc)
    if (!wc.count(n) || wc[n] != v)
      return fmt::format("{} is {}, the trace records {}", n, v,
                         wc.count(n) ? std::to_string(wc[n]) : "nothing");
  if (wc.size() != gc.size()) return "the trace records counters this geometry does not have";
  if (want.locks != got.locks) return "the locks held differ from what the trace records";
  std::map<std::string, std::string> wo(want.objects.begin(), want.objects.end()),
      go(got.objects.begin(), got.objects.end());
  for (auto& [n, v] : go)
    if (!wo.count(n) || wo[n] != v)
      return fmt::format("{} is '{}', the trace records '{}'", n, v, wo.count(n) ? wo[n] : "nothing");
  if (wo.size() != go.size()) return "the trace records hugetlb or hotplug objects this state does not have";
  return {};
}

// A layout read from a file must be one build_state() can lay out.
void check_layout(const model::MemoryLayout& ml, const model::Geometry& g, const std::string& where) {
  std::vector<int> used(static_cast<size_t>(g.nr_pages()), 0);
  auto claim = [&](int pfn, int order, const char* what) {
    if (pfn < g.zone_start_pfn || pfn + (1 << order) > g.nr_pages() || (pfn & ((1 << order) - 1)))
      throw InputError(fmt::format("{}: initial: {} at pfn {} order {} is misaligned or outside the zone",
                                   where, what, pfn, order));
    for (int p = pfn; p < pfn + (1 << order); ++p)
      if (used[static_cast<size_t>(p)]++)
        throw InputError(fmt::format("{}: initial: {} at pfn {} overlaps another entry", where, what, pfn));
  };
  for (const auto& b : ml.free) claim(b.pfn, b.order, "free buddy");
  for (const auto& a : ml.allocated) claim(a.pfn, a.order, "allocation");
  for (const auto& pp : ml.pcp) {
    if (!g.pcp_enabled())
      throw InputError(
          fmt::format("{}: initial: a pcp page at pfn {} but the geometry has no pcp lists", where, pp.pfn));
    claim(pp.pfn, pp.order, "pcp page");
  }
  for (const auto& f : ml.hugetlb.folios) {
    if (!g.has_hugetlb())
      throw InputError(fmt::format("{}: initial: a hugetlb folio but the geometry has no hugetlb", where));
    claim(f.pfn, g.hugetlb_order, "hugetlb folio");
    if (static_cast<int>(f.vmemmap.size()) > g.hugetlb_vmemmap_pages)
      throw InputError(fmt::format("{}: initial: folio pfn {} lists more vmemmap pages than the geometry has",
                                   where, f.pfn));
    for (int p : f.vmemmap) claim(p, 0, "vmemmap page");
  }
}

}  // namespace

ReplayReport replay_trace(const Trace& t, const std::string& where, const std::string& variant_override) {
  ReplayReport rep;
  const bool strict = variant_override.empty();
  auto fail = [&](const std::string& msg) -> void { throw InputError(fmt::format("{}: {}", where, msg)); };

  // The kernel: the trace's variant, whose commit stack must be the one recorded.
  model::ResolvedVariant var;
  try {
    var = model::resolve_variant(strict ? t.variant : variant_override);
  } catch (const InputError& e) {
    fail(fmt::format("variant: {}", e.what()));
  }
  rep.variant = var.spec;
  if (strict) {
    std::vector<std::string> want, got;
    for (const auto& c : t.stack) want.push_back(c.id);
    for (const auto* c : var.stack) got.emplace_back(c->id);
    if (want != got)
      fail(fmt::format("variant {}: its commit stack here is [{}], the trace records [{}]", t.variant,
                       join(got), join(want)));
  }

  // The transition system, from the trace alone.
  model::Layout L(t.geo);
  std::vector<model::Program> programs;
  for (size_t c = 0; c < t.programs.size(); ++c) {
    model::Program p;
    for (const auto& text : t.programs[c]) {
      try {
        p.push_back(model::parse_op(text, t.geo));
      } catch (const InputError& e) {
        fail(fmt::format("programs[{}]: {}", c, e.what()));
      }
    }
    programs.push_back(std::move(p));
  }
  model::TransitionSystem ts(L, var.kernel, programs);
  check_layout(t.initial.layout, t.geo, where);
  model::State s = model::build_state(ts, t.initial.layout);
  if (strict)
    if (std::string d = snapshot_diff(t.initial.memory, snapshot(L, s.ref())); !d.empty())
      fail("initial memory: the layout builds a state where " + d);

  // The properties: the violated one, which the run must have checked.
  const std::string& property = t.violation.property;
  if (property != "deadlock-free" &&
      std::find(t.properties.begin(), t.properties.end(), property) == t.properties.end())
    fail(fmt::format("violation: property '{}' is not among the properties the trace checked", property));
  props::PropertySet props;
  if (property != "deadlock-free") {
    try {
      props = props::select({property}, var.kernel, "");
    } catch (const InputError& e) {
      fail(fmt::format("violation: {}", e.what()));
    }
  }

  std::vector<uint8_t> scratch(static_cast<size_t>(L.size));
  std::optional<model::Violation> last_raised;
  int preemptions = 0;
  const bool lasso = t.loop_start >= 0;
  if (lasso != (property == "operations-finish"))
    fail(lasso ? "a cycle (loop_start) is recorded for a property that is not a progress property"
               : "a progress violation needs its cycle (loop_start)");
  std::vector<uint8_t> loop_state;
  std::vector<bool> busy_throughout(static_cast<size_t>(L.nr_threads), true);
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const TraceStep& st = t.steps[i];
    if (lasso && static_cast<int>(i) == t.loop_start) loop_state.assign(s.bytes().begin(), s.bytes().end());
    if (lasso && static_cast<int>(i) >= t.loop_start)
      for (int c = 0; c < L.nr_threads; ++c)
        busy_throughout[static_cast<size_t>(c)] =
            busy_throughout[static_cast<size_t>(c)] && !ts.cpu_done(s.ref(), c);
    const std::string at = fmt::format("step {} (cpu{})", i + 1, st.cpu);
    if (st.cpu < 0 || st.cpu >= L.nr_threads) fail(fmt::format("{}: there is no cpu{}", at, st.cpu));
    if (ts.cpu_done(s.ref(), st.cpu))
      fail(fmt::format("{}: cpu{} has finished its operations; it cannot take a step", at, st.cpu));
    if (strict) {
      std::string label = step_label(ts, s.ref(), st.cpu);
      if (label != st.label)
        fail(fmt::format("{}: cpu{} is at {}, the trace says the step starts at {}", at, st.cpu, label,
                         st.label));
      std::vector<std::string> path;
      for (const auto* d : ts.call_path(s.ref(), st.cpu)) path.emplace_back(d->name);
      if (path != st.call_path)
        fail(fmt::format("{}: the call path is [{}], the trace records [{}]", at, join(path),
                         join(st.call_path)));
    }
    // Enabled, with these choices among its outcomes?
    std::vector<std::vector<int>> scripts;
    ts.enumerate(s.bytes(), st.cpu, scratch.data(), nullptr,
                 [&](int, const std::vector<int>& script, model::StateRef,
                     const std::optional<model::Violation>&) { scripts.push_back(script); });
    if (scripts.empty()) {
      std::string held;
      for (int l = 0; l < L.nr_locks; ++l)
        if (int o = s.ref().lock_owner(l); o && o != model::owner_of_cpu(st.cpu))
          held += fmt::format("{}{} is held by {}", held.empty() ? "" : ", ", lock_name(L, l), owner_name(o));
      fail(fmt::format("{}: the step is not enabled{}", at, held.empty() ? "" : " (" + held + ")"));
    }
    const auto found = std::find(scripts.begin(), scripts.end(), st.choices);
    if (found == scripts.end())
      fail(fmt::format("{}: the recorded choices [{}] are not an outcome of this step ({} outcome{})", at,
                       join(st.choices), scripts.size(), scripts.size() == 1 ? "" : "s"));
    if (const long index = found - scripts.begin(); index != st.outcome)
      fail(fmt::format("{}: \"outcome\" is {}, but the recorded choices [{}] are outcome {} of this step", at,
                       st.outcome, join(st.choices), index));
    if (i > 0 && st.cpu != t.steps[i - 1].cpu) {
      bool could =
          ts.for_each_outcome(s.bytes(), t.steps[i - 1].cpu, scratch.data(), nullptr,
                              [](int, model::StateRef, const std::optional<model::Violation>&) {}) > 0;
      preemptions += could;
      if (strict && could != st.preemption)
        fail(fmt::format("{}: the trace marks it as {}a preemption, but cpu{} {} have gone on", at,
                         st.preemption ? "" : "not ", t.steps[i - 1].cpu, could ? "could" : "could not"));
    } else if (strict && st.preemption) {
      fail(fmt::format("{}: marked as a preemption, but it does not switch CPUs", at));
    }
    // Re-execute and compare.
    model::VectorRecorder rec;
    std::vector<int> arity;
    model::StepResult r = ts.run_step(s.ref(), st.cpu, &st.choices, &arity, &rec, &props);
    if (r.status != model::StepStatus::Ok) fail(fmt::format("{}: the step did not run on replay", at));
    if (strict) {
      const auto& got = rec.events;
      const auto& want = st.events;
      for (size_t k = 0; k < std::max(got.size(), want.size()); ++k) {
        if (k < got.size() && k < want.size() && same_event(got[k], want[k])) continue;
        std::string g = k < got.size() ? "'" + event_text(L, got[k]) + "'" : "nothing more";
        std::string w = k < want.size() ? "'" + event_text(L, want[k]) + "'" : "nothing more";
        bool delta = (k < got.size() && got[k].kind == model::EventKind::Delta) ||
                     (k < want.size() && want[k].kind == model::EventKind::Delta);
        fail(fmt::format("{}: {} {} differs: the model gives {}, the trace records {}", at,
                         delta ? "delta" : "event", k + 1, g, w));
      }
      if (std::string d = snapshot_diff(st.after, snapshot(L, s.ref())); !d.empty())
        fail(fmt::format("{}: after the step {}", at, d));
    }
    if (r.raised && r.raised->property == property && i + 1 < t.steps.size())
      rep.notes.push_back(fmt::format("{} already breaks {}: {}", at, property, r.raised->message));
    last_raised = r.raised;
  }
  rep.steps = static_cast<int>(t.steps.size());
  rep.preemptions = preemptions;

  // The violation, re-checked on the final state (or raised by the last step).
  std::optional<model::Violation> v;
  if (lasso) {
    // The cycle must come back to the state it started from, with a thread that never finished in it.
    bool back = std::equal(loop_state.begin(), loop_state.end(), s.bytes().begin(), s.bytes().end());
    int stuck = -1;
    for (int c = 0; c < L.nr_threads && stuck < 0; ++c)
      if (busy_throughout[static_cast<size_t>(c)]) stuck = c;
    if (!back || stuck < 0) {
      rep.outcome = ReplayOutcome::NotReproduced;
      rep.message = !back
                        ? fmt::format("the steps from step {} do not come back to the state they start from",
                                      t.loop_start + 1)
                        : "every thread finishes its operation within the cycle";
      return rep;
    }
    rep.outcome = ReplayOutcome::Reproduced;
    rep.message = fmt::format(
        "steps {}-{} form a cycle that {} never leaves without finishing", t.loop_start + 1, t.steps.size(),
        model::Geometry(t.geo).cpus > stuck ? fmt::format("cpu{}", stuck) : std::string("the worker"));
    return rep;
  }
  if (last_raised && last_raised->property == property) v = last_raised;
  if (!v && property != "deadlock-free") {
    if (auto x = props.check_state(ts, s.ref()); x && x->property == property) v = x;
    if (!v && ts.all_done(s.ref()))
      if (auto x = props.check_end(ts, s.ref()); x && x->property == property) v = x;
  }
  if (!v && property == "deadlock-free") {
    bool any = false;
    for (int c = 0; c < L.nr_threads; ++c)
      any =
          any || ts.for_each_outcome(s.bytes(), c, scratch.data(), nullptr,
                                     [](int, model::StateRef, const std::optional<model::Violation>&) {}) > 0;
    if (!any && !ts.all_done(s.ref())) {
      v = model::Violation{};
      v->property = property;
      v->message = "no CPU can take a step but not every CPU has finished its operations";
    }
  }
  if (!v) {
    rep.outcome = ReplayOutcome::NotReproduced;
    rep.message = fmt::format("{} holds after the last step", property);
    return rep;
  }
  if (strict && (v->message != t.violation.message || v->pfns != t.violation.pfns ||
                 v->pageblocks != t.violation.pageblocks || v->lists != t.violation.lists))
    fail(fmt::format("violation: the model reports '{}' (pfns [{}]), the trace records '{}' (pfns [{}])",
                     v->message, join(v->pfns), t.violation.message, join(t.violation.pfns)));
  rep.outcome = ReplayOutcome::Reproduced;
  rep.message = v->message;
  return rep;
}

}  // namespace pagecheck::traces

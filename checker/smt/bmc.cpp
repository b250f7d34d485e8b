#include "checker/smt/bmc.hpp"

#include <fmt/format.h>

#include <chrono>

#include "checker/smt/encoder.hpp"
#include "checker/smt/worker.hpp"
#include "model/ops.hpp"

namespace pagecheck::smt {

using checker::Result;
using model::Verdict;

InitSpec init_spec(const model::Scenario& sc, const Encoder& enc, bool all_layouts) {
  InitSpec init;
  if (sc.all_layouts || all_layouts) {
    init.symbolic = true;
    init.types = sc.all_layouts ? sc.layout_migratetypes
                                : std::vector<model::Mt>{model::Mt::UNMOVABLE, model::Mt::MOVABLE,
                                                         model::Mt::RECLAIMABLE};
  } else {
    init.values = encode_values(enc, model::build_state(enc.ts, model::explicit_layout(sc)).ref());
  }
  return init;
}

model::MemoryLayout layout_of(const model::Scenario& sc, const model::TransitionSystem& ts,
                              model::StateRef s) {
  const model::Layout& L = ts.layout();
  model::MemoryLayout ml;
  for (int b = 0; b < L.nr_pb; ++b) ml.pageblock_mt.push_back(model::pageblock_type(s, b));
  for (int l = 0; l < L.nr_buddy_lists; ++l)
    for (int p : s.list_pfns(l)) ml.free.push_back({p, L.list_order(l), L.list_mt(l)});
  if (!sc.all_layouts) {
    ml.allocated = sc.allocated;
    return ml;
  }
  // layouts = "all": the pages free_pages operations free, as one movable allocation each.
  std::vector<bool> seen(static_cast<size_t>(L.nr_pages), false);
  for (const auto& prog : ts.programs())
    for (const auto& op : prog)
      if (std::string_view(model::op_registry()[static_cast<size_t>(op.def)].name) == "free_pages") {
        int pfn = model::op_arg(op, "pfn"), order = model::op_arg(op, "order");
        bool dup = false;
        for (int p = pfn; p < pfn + (1 << order); ++p) {
          dup = dup || seen[static_cast<size_t>(p)];
          seen[static_cast<size_t>(p)] = true;
        }
        if (!dup) ml.allocated.push_back({pfn, order, true});
      }
  return ml;
}

int initial_index_of(const model::Scenario& sc, const model::TransitionSystem& ts, const model::State& s) {
  if (!sc.all_layouts) {
    return model::build_state(ts, model::explicit_layout(sc)) == s ? 0 : -1;
  }
  if (sc.geo.nr_pages() > 20) return -1;
  int index = -1, i = 0;
  model::for_each_layout(sc, [&](const model::MemoryLayout& ml) {
    if (index < 0 && model::build_state(ts, ml) == s) index = i;
    ++i;
  });
  return index;
}

namespace {

std::string first_difference(const SymLayout& S, const std::vector<int>& a, const std::vector<int>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i])
      return fmt::format("{}: explicit {}, encoding {}", S.name(static_cast<int>(i)), a[i], b[i]);
  return "no difference";
}

}  // namespace

std::optional<model::Violation> replay_explicit(const Encoder& enc, const model::State& initial,
                                                const std::vector<int>& cpus,
                                                const std::vector<std::vector<int>>& expected,
                                                props::PropertySet& props, model::State* final_state) {
  const model::TransitionSystem& ts = enc.ts;
  model::State cur = initial;
  std::optional<model::Violation> v = props.check_state(ts, cur.ref());
  if (v && !cpus.empty())
    throw ModelError(fmt::format("the SMT counterexample's initial state already violates {}", v->property));
  for (size_t i = 0; i < cpus.size() && !v; ++i) {
    std::vector<int> arity;
    model::StepResult r = ts.run_step(cur.ref(), cpus[i], nullptr, &arity, nullptr, &props);
    if (r.status != model::StepStatus::Ok)
      throw ModelError(fmt::format("SMT counterexample step {} (cpu{}) is not enabled on the explicit model",
                                   i + 1, cpus[i]));
    if (!arity.empty())
      throw ModelError("the SMT engine does not encode steps with nondeterministic choices");
    if (i < expected.size()) {
      model::State want = to_state(enc.S, expected[i], enc.k);
      if (!(want == cur))
        throw ModelError(fmt::format("SMT encoding and explicit model disagree after step {} (cpu{}): {}",
                                     i + 1, cpus[i],
                                     first_difference(enc.S, values_of(enc.S, cur.ref(), enc.k),
                                                      values_of(enc.S, want.ref(), enc.k))));
    }
    if (r.raised) {
      if (i + 1 != cpus.size())
        throw ModelError(fmt::format("the explicit model raises {} at step {} of {}", r.raised->property,
                                     i + 1, cpus.size()));
      v = r.raised;
    }
  }
  if (!v) v = props.check_state(ts, cur.ref());
  if (!v && ts.all_done(cur.ref())) v = props.check_end(ts, cur.ref());
  if (final_state) *final_state = cur;
  return v;
}

SmtEngine::SmtEngine(const model::Scenario& sc, const model::TransitionSystem& ts, props::PropertySet props,
                     std::string variant, SmtOptions opt)
    : sc_(sc), ts_(ts), props_(std::move(props)), variant_(std::move(variant)), opt_(std::move(opt)) {}

Result SmtEngine::check(const checker::Bounds& b) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  Result res;
  Worker w(opt_, b.time_limit, stats_);  // the one context of this run, created first
  auto te = clock::now();
  Encoder enc(w.ctx, ts_, variant_, props_.all());
  const InitSpec init = init_spec(sc_, enc, opt_.all_layouts);
  stats_.layouts = init.symbolic ? 0 : 1;
  stats_.variables = enc.S.size;
  std::vector<SymState> st{fresh_state(w.ctx, enc.S, "s0")};
  std::vector<z3::expr> sched;
  std::vector<std::vector<z3::expr>> events;
  w.solver.add(enc.initial(st[0], init));
  stats_.encode_seconds += since(te);

  auto incomplete = [&](std::string why) {
    res.verdict = Verdict::Incomplete;
    res.incomplete_reason = std::move(why);
  };
  auto unknown = [&](int d) {
    incomplete(fmt::format("Z3 returned unknown at depth {} ({})", d, w.reason()));
  };
  for (int d = 0;; ++d) {
    if (checker::interrupt_requested()) {  // Ctrl-C: stop between queries (a second one kills)
      incomplete(fmt::format("interrupted (Ctrl-C) before depth {}", d));
      break;
    }
    stats_.depth = d;
    res.stats.max_depth = d;
    if (d > 0) {
      te = clock::now();
      st.push_back(fresh_state(w.ctx, enc.S, fmt::format("s{}", d)));
      sched.push_back(w.ctx.bv_const(fmt::format("cpu@{}", d - 1).c_str(), kByteBits));
      std::vector<z3::expr> viol;
      z3::expr unsup = w.ctx.bool_val(false);
      w.solver.add(enc.transition(st[static_cast<size_t>(d - 1)], st[static_cast<size_t>(d)], sched.back(),
                                  d - 1, viol, unsup));
      events.push_back(viol);
      stats_.encode_seconds += since(te);
      // A step into code the encoding does not model: is one reachable (along modelled steps)?
      // Its successor means nothing, so from here on the search follows modelled steps only.
      if (!unsup.is_false()) {
        if (unsupported_depth_ < 0) {
          z3::expr lit = w.ctx.bool_const(fmt::format("unsupported@{}", d).c_str());
          w.solver.add(z3::implies(lit, unsup));
          z3::check_result u = w.check(lit, fmt::format("an unencoded path at step {}?", d));
          if (u == z3::unknown) {
            unknown(d);
            break;
          }
          if (u == z3::sat) unsupported_depth_ = d;
        }
        w.solver.add(lnot(unsup));
      }
    }
    // Is there an execution with d steps (from some initial state) at all? The control states
    // bound it when they form no cycle; otherwise ask.
    const int bound = enc.max_steps();
    const bool at_limit = b.max_depth >= 0 && d > b.max_depth;
    // Never "holds" where an unencoded path was reachable: the executions past it are unchecked.
    auto holds_or_incomplete = [&] {
      if (unsupported_depth_ < 0) return;
      incomplete(
          fmt::format("step {} of some execution reaches {}, which the SMT engine does not encode; "
                      "no violation along the encoded executions (use --engine explicit)",
                      unsupported_depth_, kUnsupportedPaths));
    };
    if (bound >= 0 && d > bound) {
      stats_.exhausted = true;
      res.verdict = Verdict::Holds;
      holds_or_incomplete();
      break;
    }
    if (bound < 0 || at_limit) {
      z3::check_result any = w.check(z3::expr_vector(w.ctx), fmt::format("an execution of {} steps?", d));
      if (any == z3::unknown) {
        unknown(d);
        break;
      }
      if (any == z3::unsat) {
        stats_.exhausted = true;
        res.verdict = Verdict::Holds;
        holds_or_incomplete();
        break;
      }
    }
    if (at_limit) {
      incomplete(fmt::format("--max-depth {} reached with executions left to explore", b.max_depth));
      if (unsupported_depth_ >= 0)
        res.incomplete_reason += fmt::format(
            ", and step {} of some execution reaches {}, which the SMT engine "
            "does not encode",
            unsupported_depth_, kUnsupportedPaths);
      break;
    }
    z3::expr bad = lnot(enc.state_ok(st[static_cast<size_t>(d)]));
    if (d > 0)
      for (const z3::expr& e : events.back()) bad = lor(bad, e);
    z3::expr lit = w.ctx.bool_const(fmt::format("bad@{}", d).c_str());
    w.solver.add(z3::implies(lit, bad));
    z3::check_result r = w.check(lit, fmt::format("a violation at depth {}?", d));
    if (r == z3::unknown) {
      unknown(d);
      break;
    }
    if (r == z3::sat) {
      z3::model m = w.solver.get_model();
      std::vector<int> cpus;
      std::vector<std::vector<int>> expected;
      for (int i = 0; i < d; ++i) {
        cpus.push_back(static_cast<int>(m.eval(sched[static_cast<size_t>(i)], true).get_numeral_uint64()));
        expected.push_back(model_values(m, st[static_cast<size_t>(i + 1)]));
      }
      model::State initial = to_state(enc.S, model_values(m, st[0]), enc.k);
      // The layout must be one build_state() makes (so a replay can rebuild it).
      model::State rebuilt = model::build_state(ts_, layout_of(sc_, ts_, initial.ref()));
      if (!(rebuilt == initial))
        throw ModelError(
            fmt::format("the SMT counterexample's initial state is not a layout of the scenario ({})",
                        first_difference(enc.S, values_of(enc.S, rebuilt.ref(), enc.k),
                                         values_of(enc.S, initial.ref(), enc.k))));
      props::PropertySet props = props_;
      auto v = replay_explicit(enc, initial, cpus, expected, props);
      if (!v)
        throw ModelError(
            fmt::format("the SMT counterexample ({} steps) does not reproduce on the explicit model", d));
      res.verdict = Verdict::Violated;
      res.violation = std::move(*v);
      for (int cpu : cpus) res.path.push_back({cpu, 0});
      res.initial_index = initial_index_of(sc_, ts_, initial);
      // Where the enumeration is small enough to place the layout, say which of how many it is.
      if (res.initial_index >= 0 && sc_.all_layouts)
        initial_count_ = static_cast<int>(model::for_each_layout(sc_, [](const model::MemoryLayout&) {}));
      if (res.initial_index < 0) res.initial_index = 0;
      cex_initial_ = std::move(initial);
      break;
    }
    // No state at depth d is bad: say so, which spares the solver rediscovering it deeper.
    w.solver.add(lnot(bad));
    res.stats.complete_depth = d;
  }
  res.stats.states = 0;
  res.stats.initial_states = stats_.layouts;
  res.stats.seconds = since(t0);
  return res;
}

}  // namespace pagecheck::smt

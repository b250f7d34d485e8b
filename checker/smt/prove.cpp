#include "checker/smt/prove.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "checker/run.hpp"
#include "checker/smt/bmc.hpp"
#include "checker/smt/encoder.hpp"
#include "checker/smt/worker.hpp"
#include "model/layouts.hpp"
#include "properties/smt/smt.hpp"

namespace pagecheck::smt {

const char* proof_verdict_name(ProofVerdict v) {
  switch (v) {
    case ProofVerdict::Proved: return "proved";
    case ProofVerdict::Violated: return "violated";
    case ProofVerdict::Unknown: return "unknown";
  }
  return "?";
}

namespace {

using clock = std::chrono::steady_clock;

// The properties an encoder carries for a proof: every one with an SMT form that applies.
std::vector<const props::Property*> provable(const model::Kernel& k) {
  std::vector<const props::Property*> v;
  for (const auto& p : props::registry())
    if (p.applies(k) && find_smt(p.name)) v.push_back(&p);
  return v;
}

// One invariant (a goal or a candidate) as seen by one encoder.
struct Inv {
  Invariant def;
  bool goal = false;
  bool active = true;
  int event = -1;  // index in the encoder's event properties
};

std::vector<Inv> invariants(const Encoder& enc, const std::vector<std::string>& goals,
                            const std::vector<std::string>& strengthen) {
  std::vector<Inv> out;
  for (const auto& g : goals) {
    Inv i;
    i.def.name = g;
    i.def.is_property = true;
    i.def.prop = find_smt(g);
    i.goal = true;
    out.push_back(i);
  }
  const bool none = strengthen.size() == 1 && strengthen.front() == "none";
  for (const Invariant& c : enc.candidates(goals)) {
    if (none) continue;
    if (!strengthen.empty() && std::find(strengthen.begin(), strengthen.end(), c.name) == strengthen.end())
      continue;
    Inv i;
    i.def = c;
    out.push_back(i);
  }
  for (Inv& i : out)
    if (i.def.prop && i.def.prop->on_observe) i.event = enc.event_index(i.def.name);
  return out;
}

// "X breaks at state s (or in the step into it)".
z3::expr bad(const Encoder& enc, const Inv& inv, const SymState& s, const std::vector<z3::expr>* events) {
  z3::expr b = lnot(enc.holds(inv.def, s));
  if (inv.event >= 0 && events) b = lor(b, (*events)[static_cast<size_t>(inv.event)]);
  return b;
}

bool is_true(const z3::model& m, const z3::expr& e) {
  return m.eval(e, true).is_true();
}

std::string describe_state(const Encoder& enc, const std::vector<int>& vals) {
  const SymLayout& S = enc.S;
  const model::Layout& L = *S.L;
  std::string out;
  for (int cpu = 0; cpu < S.ncpus; ++cpu) {
    const Ctrl c = ctrl_of(S, vals, cpu);
    const model::Program& prog = enc.ts.programs()[static_cast<size_t>(cpu)];
    if (c.depth == 0) {
      out += fmt::format("  CPU{}: done ({} operation{})\n", cpu, prog.size(), prog.size() == 1 ? "" : "s");
      continue;
    }
    std::string line = fmt::format("  CPU{}: ", cpu);
    if (c.depth > kFrames || c.op >= static_cast<int>(prog.size())) {
      out += line + fmt::format("operation {}, {} frames (no control state of its program)\n", c.op, c.depth);
      continue;
    }
    line += prog[static_cast<size_t>(c.op)].text;
    for (int f = 0; f < c.depth; ++f) {
      const model::ProcDef* d =
          c.proc[f] < model::kMaxProcs ? enc.k.procs[static_cast<size_t>(c.proc[f])] : nullptr;
      if (!d) {
        line += fmt::format("{}procedure {} (not modelled)", f ? " > " : ": ", c.proc[f]);
        continue;
      }
      std::string locals;
      for (int i = 0; i < d->nlocals; ++i) locals += (i ? "," : "") + std::to_string(c.loc[f][i]);
      line += fmt::format("{}{} at pc {} (locals {})", f ? " > " : ": ", d->name, c.pc[f], locals);
    }
    out += line + "\n";
  }
  std::string pbs;
  for (int b = 0; b < S.nb; ++b) {
    int bits = vals[static_cast<size_t>(S.pb + b)];
    pbs += fmt::format(" {}:{}", b,
                       bits < model::MIGRATE_TYPES ? std::string(model::mt_name(static_cast<model::Mt>(bits)))
                                                   : fmt::format("bits {:#x}", bits));
  }
  out += "  pageblocks" + pbs + "\n";
  for (int l = 0; l < S.nlists; ++l) {
    std::vector<std::pair<int, int>> members;
    for (int p = 0; p < S.np; ++p)
      if (vals[static_cast<size_t>(S.list_of + p)] == l)
        members.emplace_back(vals[static_cast<size_t>(S.rank + p)], p);
    if (members.empty()) continue;
    std::sort(members.begin(), members.end());
    std::string s;
    for (auto [r, p] : members) s += (s.empty() ? "" : ", ") + std::to_string(p);
    out += fmt::format("  {}: pfn {}\n", model::list_name(L, l), s);
  }
  std::string pages;
  for (int p = 0; p < S.np; ++p) {
    int f = vals[static_cast<size_t>(S.flags + p)], o = vals[static_cast<size_t>(S.owner + p)];
    std::string who = o == model::OWNER_NONE       ? "free"
                      : o == model::OWNER_EXTERNAL ? "used"
                                                   : fmt::format("cpu{}", o - 1);
    if (f & model::PG_buddy) who += fmt::format(" buddy order {}", vals[static_cast<size_t>(S.priv + p)]);
    int list = vals[static_cast<size_t>(S.list_of + p)];
    if (list != model::NIL && !(f & model::PG_buddy)) who += " (on a list, not PageBuddy)";
    pages += fmt::format("{}{}: {}", pages.empty() ? "" : "; ", p, who);
  }
  out += "  pages " + pages + "\n";
  std::string ctr;
  for (int i = 0; i < S.ncounters; ++i)
    ctr += fmt::format("{}{}={}", ctr.empty() ? "" : ", ", model::counter_name(L, i),
                       vals[static_cast<size_t>(S.counter + i)]);
  out += "  " + ctr + "\n";
  return out;
}

// Whether the explicit model can run from a state of the encoding: every index it holds stays
// inside the zone's tables, and each CPU is at one of its control states.
bool replayable(const Encoder& enc, const std::vector<int>& v, std::string& why) {
  const SymLayout& S = enc.S;
  auto at = [&](int i) { return v[static_cast<size_t>(i)]; };
  for (int b = 0; b < S.nb; ++b)
    if (at(S.pb + b) >= model::MIGRATE_TYPES)
      return why = fmt::format("pageblock {} has no migratetype", b), false;
  for (int p = 0; p < S.np; ++p) {
    if (at(S.priv + p) > S.L->geo.max_order)
      return why = fmt::format("pfn {} has order {}", p, at(S.priv + p)), false;
    int l = at(S.list_of + p);
    if (l != model::NIL && l >= S.nlists) return why = fmt::format("pfn {} is on list {}", p, l), false;
    int o = at(S.owner + p);
    if (o != model::OWNER_NONE && o != model::OWNER_EXTERNAL && o > S.ncpus)
      return why = fmt::format("pfn {} has owner {}", p, o), false;
  }
  for (int cpu = 0; cpu < S.ncpus; ++cpu) {
    const Ctrl c = ctrl_of(S, v, cpu);
    bool known = false;
    for (const auto& [cfg, dist] : enc.configs(cpu)) {
      bool same = cfg.op == c.op && cfg.depth == c.depth;
      for (int f = 0; same && f < kFrames; ++f) {
        same = cfg.proc[f] == c.proc[f] && cfg.pc[f] == c.pc[f];
        for (int i = 0; same && i < kLocals; ++i)
          same = cfg.loc[f][i] == kSymbolic || cfg.loc[f][i] == c.loc[f][i];
      }
      known = known || same;
    }
    if (!known) return why = fmt::format("CPU{} is at no control state its program reaches", cpu), false;
  }
  return true;
}

// The counterexample to induction: the first state, then the steps as the explicit model runs
// them from it (two columns), and what breaks.
std::string render_cti(const Encoder& enc, const model::Scenario& sc, const model::ResolvedVariant& var,
                       const std::vector<std::vector<int>>& states, const std::vector<int>& cpus,
                       const std::vector<std::string>& goals, const std::vector<std::string>& assumed,
                       const std::vector<std::string>& broken) {
  std::string out;
  std::string as;
  for (const auto& a : assumed) as += (as.empty() ? "" : ", ") + a;
  std::string br;
  for (const auto& b : broken) br += (br.empty() ? "" : ", ") + b;
  out += fmt::format(
      "Counterexample to induction (k = {}): a state where {} hold, from which {} step{} reach a state that "
      "breaks {}. It need not be reachable: the missing strengthening is an invariant that excludes it.\n\n",
      cpus.size(), as, cpus.size(), cpus.size() == 1 ? "" : "s", br);
  out += "State before the steps:\n" + describe_state(enc, states.front());
  out += "State after them:\n" + describe_state(enc, states.back());
  std::string why;
  if (!replayable(enc, states.front(), why)) {
    out += fmt::format("\n(The explicit model cannot run from this state: {}.)\n", why);
    return out;
  }
  try {
    props::PropertySet ps = props::select(goals, var.kernel, "");
    const model::Layout& L = enc.ts.layout();
    // A padded buffer: a state no run reaches may hold pfns the explicit model would index
    // past the state's bytes with.
    std::vector<uint8_t> buf(static_cast<size_t>(L.size) + 1024, 0);
    model::State s0 = to_state(enc.S, states.front(), enc.k);
    std::copy(s0.bytes().begin(), s0.bytes().end(), buf.begin());
    model::StateRef cur(buf.data(), &L);
    std::optional<model::Violation> v;
    std::vector<checker::PathStep> path;
    for (size_t i = 0; i < cpus.size() && !v; ++i) {
      std::vector<int> arity;
      model::StepResult r = enc.ts.run_step(cur, cpus[i], nullptr, &arity, nullptr, &ps);
      if (r.status != model::StepStatus::Ok) throw ModelError(fmt::format("step {} is not enabled", i + 1));
      path.push_back({cpus[i], 0});
      v = r.raised;
    }
    if (!v) v = ps.check_state(enc.ts, cur);
    if (v) {
      const traces::TraceMeta meta = checker::trace_meta(sc, var, goals, 1);
      props::PropertySet ps2 = props::select(goals, var.kernel, "");
      const traces::Trace t = traces::build_trace(enc.ts, s0, 0, path, *v, ps2, meta);
      out += "\nThe steps, run by the explicit model from that state:\n\n" + traces::format_text(t);
    } else {
      out += "\nThe explicit model, stepping from this state, breaks nothing.\n";
    }
    model::State want = to_state(enc.S, states.back(), enc.k);
    if (!std::equal(want.bytes().begin(), want.bytes().end(), buf.begin()))
      out +=
          "\nNote: from this unreachable state the explicit model reaches another state than the encoding.\n";
  } catch (const std::exception& e) {
    out += fmt::format("\n(The explicit model cannot run from this state: {}.)\n", e.what());
  }
  return out;
}

}  // namespace

ProveOutcome run_prove(const ProveRequest& req) {
  const auto t0 = clock::now();
  ProveOutcome out;
  out.scenario = model::load_scenario_file(model::resolve_scenario(req.scenario));
  if (req.variant.empty()) throw InputError("prove needs --variant");
  out.variant = model::resolve_variant(req.variant, req.apply, req.revert);
  if (req.properties.empty()) throw InputError("prove needs --property (one or more)");
  if (req.max_k < 1 || req.max_k > 64) throw InputError(fmt::format("--k must be 1..64, got {}", req.max_k));
  props::PropertySet goal_set = props::select(req.properties, out.variant.kernel, "");
  for (const auto* p : goal_set.all()) out.goals.emplace_back(p->name);
  for (const auto& s : req.strengthen) {
    if (s == "none" && req.strengthen.size() == 1) continue;
    if (s == "none") throw InputError("--strengthen none cannot be combined with other names");
  }

  model::Layout layout(out.scenario.geo);
  model::TransitionSystem ts(layout, out.variant.kernel, out.scenario.programs);
  const auto carried = provable(out.variant.kernel);
  for (const auto& g : out.goals)
    if (std::find_if(carried.begin(), carried.end(), [&](auto* p) { return g == p->name; }) == carried.end())
      throw InputError(fmt::format("the SMT engine has no encoding of property '{}'", g));

  // One context per worker, created up front: the base case and the inductive step.
  Worker base(req.smt, req.time_limit, out.stats), step(req.smt, req.time_limit, out.stats);
  auto te = clock::now();
  Encoder eb(base.ctx, ts, out.variant.spec, carried), es(step.ctx, ts, out.variant.spec, carried);
  const InitSpec init = init_spec(out.scenario, eb, req.all_layouts);
  out.initial = init.symbolic ? "every well-formed layout of the geometry" : "the scenario's layout";
  std::vector<Inv> ib = invariants(eb, out.goals, req.strengthen),
                   is = invariants(es, out.goals, req.strengthen);
  for (const auto& name : req.strengthen)
    if (name != "none" &&
        std::find_if(ib.begin(), ib.end(), [&](const Inv& i) { return i.def.name == name; }) == ib.end())
      throw InputError(fmt::format("--strengthen: unknown candidate '{}'", name));
  for (const Inv& i : ib)
    if (!i.goal) out.candidates.push_back(i.def.name);
  out.stats.variables = eb.S.size;
  out.stats.layouts = init.symbolic ? 0 : 1;

  auto drop = [&](size_t idx, std::string why) {
    ib[idx].active = is[idx].active = false;
    out.dropped.emplace_back(ib[idx].def.name, std::move(why));
  };
  auto finish = [&]() {
    for (const Inv& i : ib)
      if (!i.goal && i.active) out.lemmas.push_back(i.def.name);
    out.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    return out;
  };
  auto unknown = [&](const std::string& where, const Worker& w) {
    out.verdict = ProofVerdict::Unknown;
    out.reason = fmt::format("Z3 returned unknown in the {} ({})", where, w.reason());
    return finish();
  };

  int unsupported_depth = -1;  // the first base-case step that reaches an unencoded path
  // Base case state: s0 .. s_d from the initial states.
  std::vector<SymState> bs{fresh_state(base.ctx, eb.S, "b0")};
  std::vector<z3::expr> bsel;
  std::vector<std::vector<z3::expr>> bev;
  base.solver.add(eb.initial(bs[0], init));
  // Inductive step: t0 .. t_k, arbitrary.
  std::vector<SymState> st{fresh_state(step.ctx, es.S, "t0")};
  std::vector<z3::expr> ssel;
  std::vector<std::vector<z3::expr>> sev;
  std::vector<z3::expr> act;
  for (const Inv& i : is) act.push_back(step.ctx.bool_const(("act:" + i.def.name).c_str()));
  // Assumes every invariant (under its activation literal) on state t_i and the step into it.
  auto assume_prefix = [&](size_t i) {
    for (size_t x = 0; x < is.size(); ++x)
      step.solver.add(z3::implies(act[x], lnot(bad(es, is[x], st[i], i > 0 ? &sev[i - 1] : nullptr))));
  };
  out.stats.encode_seconds += std::chrono::duration<double>(clock::now() - te).count();

  for (int k = 1; k <= req.max_k; ++k) {
    out.k = k;
    // ---- base case: depth k-1 -------------------------------------------------------------
    const int d = k - 1;
    te = clock::now();
    if (d > 0) {
      bs.push_back(fresh_state(base.ctx, eb.S, fmt::format("b{}", d)));
      bsel.push_back(base.ctx.bv_const(fmt::format("bcpu@{}", d - 1).c_str(), kByteBits));
      std::vector<z3::expr> viol;
      z3::expr unsup = base.ctx.bool_val(false);
      base.solver.add(eb.transition(bs[static_cast<size_t>(d - 1)], bs[static_cast<size_t>(d)], bsel.back(),
                                    d - 1, viol, unsup));
      bev.push_back(viol);
      // A reachable step into code the encoding does not model leaves the proof unknown (after
      // the base case at this depth has looked for a real violation along modelled steps).
      if (!unsup.is_false()) {
        z3::expr lit = base.ctx.bool_const(fmt::format("unsupported@{}", d).c_str());
        base.solver.add(z3::implies(lit, unsup));
        z3::check_result u = base.check(lit, fmt::format("base case: an unencoded path at step {}?", d));
        if (u == z3::unknown) return unknown(fmt::format("base case at depth {}", d), base);
        if (u == z3::sat && unsupported_depth < 0) unsupported_depth = d;
        base.solver.add(lnot(unsup));
      }
    }
    out.stats.encode_seconds += std::chrono::duration<double>(clock::now() - te).count();
    out.stats.depth = d;
    if (eb.max_steps() >= 0 && d > eb.max_steps()) {
      out.verdict = ProofVerdict::Proved;
      out.by_exhaustion = true;
      out.stats.exhausted = true;
      return finish();
    }
    const std::vector<z3::expr>* events = d > 0 ? &bev.back() : nullptr;
    {
      z3::expr goal_bad = base.ctx.bool_val(false);
      for (const Inv& i : ib)
        if (i.goal) goal_bad = lor(goal_bad, bad(eb, i, bs[static_cast<size_t>(d)], events));
      z3::expr lit = base.ctx.bool_const(fmt::format("goal@{}", d).c_str());
      base.solver.add(z3::implies(lit, goal_bad));
      z3::check_result r = base.check(lit, fmt::format("base case: the goal at depth {}", d));
      if (r == z3::unknown) return unknown(fmt::format("base case at depth {}", d), base);
      if (r == z3::sat) {
        z3::model m = base.solver.get_model();
        std::vector<int> cpus;
        std::vector<std::vector<int>> expected;
        for (int i = 0; i < d; ++i) {
          cpus.push_back(static_cast<int>(m.eval(bsel[static_cast<size_t>(i)], true).get_numeral_uint64()));
          expected.push_back(model_values(m, bs[static_cast<size_t>(i + 1)]));
        }
        model::State initial = to_state(eb.S, model_values(m, bs[0]), eb.k);
        props::PropertySet ps = goal_set;
        auto v = replay_explicit(eb, initial, cpus, expected, ps);
        if (!v)
          throw ModelError(fmt::format(
              "the base-case counterexample ({} steps) does not reproduce on the explicit model", d));
        out.verdict = ProofVerdict::Violated;
        out.result.verdict = model::Verdict::Violated;
        out.result.violation = *v;
        for (int c : cpus) out.result.path.push_back({c, 0});
        out.result.initial_index = std::max(0, initial_index_of(out.scenario, ts, initial));
        traces::TraceMeta meta = checker::trace_meta(out.scenario, out.variant, out.goals, 1);
        if (out.scenario.all_layouts && initial_index_of(out.scenario, ts, initial) >= 0)
          meta.initial_count =
              static_cast<int>(model::for_each_layout(out.scenario, [](const model::MemoryLayout&) {}));
        props::PropertySet ps2 = goal_set;
        out.trace = traces::build_trace(ts, initial, out.result.initial_index, out.result.path,
                                        *out.result.violation, ps2, meta);
        return finish();
      }
      base.solver.add(lnot(goal_bad));
    }
    if (unsupported_depth >= 0) {
      out.verdict = ProofVerdict::Unknown;
      out.reason = fmt::format(
          "step {} of some execution reaches {}, which the SMT engine does not encode; "
          "the base case holds along the encoded executions to depth {}",
          unsupported_depth, kUnsupportedPaths, d);
      return finish();
    }
    // Candidates false in a reachable state are dropped.
    for (;;) {
      z3::expr any = base.ctx.bool_val(false);
      std::vector<std::pair<size_t, z3::expr>> checks;
      for (size_t x = 0; x < ib.size(); ++x)
        if (!ib[x].goal && ib[x].active) {
          z3::expr b = bad(eb, ib[x], bs[static_cast<size_t>(d)], events);
          checks.emplace_back(x, b);
          any = lor(any, b);
        }
      if (checks.empty()) break;
      z3::expr lit = base.ctx.bool_const(fmt::format("cand@{}#{}", d, out.stats.queries).c_str());
      base.solver.add(z3::implies(lit, any));
      z3::check_result r = base.check(lit, fmt::format("base case: the candidates at depth {}", d));
      if (r == z3::unknown) return unknown(fmt::format("base case of the candidates at depth {}", d), base);
      if (r == z3::unsat) {
        base.solver.add(lnot(any));
        break;
      }
      z3::model m = base.solver.get_model();
      for (auto& [x, b] : checks)
        if (is_true(m, b)) drop(x, fmt::format("false in a reachable state at depth {}", d));
    }

    // ---- inductive step with k steps ------------------------------------------------------
    te = clock::now();
    assume_prefix(static_cast<size_t>(k - 1));
    st.push_back(fresh_state(step.ctx, es.S, fmt::format("t{}", k)));
    ssel.push_back(step.ctx.bv_const(fmt::format("tcpu@{}", k - 1).c_str(), kByteBits));
    // The step into t_k may reach code the encoding does not model: that breaks the induction as
    // a goal would (the steps before it are modelled ones, asserted once they are in the prefix).
    z3::expr step_unsup = step.ctx.bool_val(false);
    {
      std::vector<z3::expr> viol;
      step.solver.add(es.transition(st[static_cast<size_t>(k - 1)], st[static_cast<size_t>(k)], ssel.back(),
                                    std::numeric_limits<int>::max(), viol, step_unsup));
      sev.push_back(viol);
    }
    out.stats.encode_seconds += std::chrono::duration<double>(clock::now() - te).count();
    for (;;) {
      z3::expr_vector assumptions(step.ctx);
      z3::expr any = step.ctx.bool_val(false);
      std::vector<std::pair<size_t, z3::expr>> checks;
      for (size_t x = 0; x < is.size(); ++x) {
        if (!is[x].active) continue;
        assumptions.push_back(act[x]);
        z3::expr b = bad(es, is[x], st[static_cast<size_t>(k)], &sev.back());
        checks.emplace_back(x, b);
        any = lor(any, b);
      }
      any = lor(any, step_unsup);
      z3::expr lit = step.ctx.bool_const(fmt::format("step@{}#{}", k, out.stats.queries).c_str());
      step.solver.add(z3::implies(lit, any));
      assumptions.push_back(lit);
      z3::check_result r = step.check(assumptions, fmt::format("inductive step, k = {}", k));
      if (r == z3::unknown) return unknown(fmt::format("inductive step at k = {}", k), step);
      if (r == z3::unsat) {
        out.verdict = ProofVerdict::Proved;
        return finish();
      }
      z3::model m = step.solver.get_model();
      std::vector<std::string> broken_goals;
      bool dropped_any = false;
      if (is_true(m, step_unsup))
        broken_goals.push_back(std::string("(a step into ") + kUnsupportedPaths + ")");
      for (auto& [x, b] : checks) {
        if (!is_true(m, b)) continue;
        if (is[x].goal) {
          broken_goals.push_back(is[x].def.name);
        } else {
          drop(x, fmt::format("not preserved by a step (inductive step, k = {})", k));
          dropped_any = true;
        }
      }
      if (dropped_any) continue;
      // Only the goal breaks: a counterexample to induction at this k.
      std::vector<std::vector<int>> states;
      for (const SymState& s : st) states.push_back(model_values(m, s));
      std::vector<int> cpus;
      for (const z3::expr& s : ssel) cpus.push_back(static_cast<int>(m.eval(s, true).get_numeral_uint64()));
      std::vector<std::string> assumed;
      for (const Inv& i : is)
        if (i.active) assumed.push_back(i.def.name);
      out.cti = render_cti(es, out.scenario, out.variant, states, cpus, out.goals, assumed, broken_goals);
      out.cti_broken = broken_goals;
      break;
    }
    if (!step_unsup.is_false()) step.solver.add(lnot(step_unsup));
  }
  out.verdict = ProofVerdict::Unknown;
  out.reason = fmt::format(
      "the inductive step fails up to k = {} (counterexample to induction below); the base case "
      "holds to depth {}",
      req.max_k, req.max_k - 1);
  return finish();
}

}  // namespace pagecheck::smt

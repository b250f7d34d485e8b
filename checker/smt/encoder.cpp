#include "checker/smt/encoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>

#include "model/ops.hpp"
#include "properties/smt/smt.hpp"

namespace pagecheck::smt {

namespace {

// The operations whose entry procedures the encoding covers.
constexpr std::string_view kEncodedOps[] = {"alloc_pages", "free_pages", "isolate_range",
                                            "undo_isolate_range"};

// Runs one step of the CPU from the Exec's control state until the code yields, as
// TransitionSystem::run_step() does.
void run_body(Exec& x) {
  const model::Program& prog = x.program();
  for (;;) {
    SymRun run = x.K.procs[static_cast<size_t>(x.proc())];
    if (!run) throw ModelError(fmt::format("SMT encoding: no step function for procedure {}", x.proc()));
    model::Flow f = run(x);
    if (f == model::Flow::Blocked) throw ModelError("SMT encoding: a step blocked");
    if (f == model::Flow::Yield) {
      if (x.pc() == 0) throw ModelError("SMT encoding: a procedure yields back to its entry pc");
      break;
    }
    if (f == model::Flow::Call) continue;
    x.pop_frame();
    if (x.ctrl.depth == 0) {
      const int next = x.ctrl.op + 1;
      x.ctrl.op = next;
      if (next < static_cast<int>(prog.size())) {
        const model::Op& op = prog[static_cast<size_t>(next)];
        std::vector<z3::expr> args;
        for (int i = 0; i < op.nargs; ++i) args.push_back(x.I(op.args[static_cast<size_t>(i)]));
        x.push_frame(op.proc, args);
      }
      break;  // a new operation starts in a step of its own
    }
  }
  x.store_ctrl();
}

}  // namespace

Encoder::Encoder(z3::context& ctx, const model::TransitionSystem& t, const std::string& variant,
                 const std::vector<const props::Property*>& selected)
    : c(ctx), ts(t), k(t.kernel()), S(t.layout()), K(build_sym_kernel(t.kernel(), variant)), props(selected) {
  for (const auto& prog : ts.programs())
    for (const auto& op : prog) {
      std::string_view name = model::op_registry()[static_cast<size_t>(op.def)].name;
      if (std::find(std::begin(kEncodedOps), std::end(kEncodedOps), name) == std::end(kEncodedOps))
        throw InputError(
            fmt::format("the SMT engine does not encode operation '{}'; use --engine explicit", op.text));
      if (name == "alloc_pages" && model::op_arg(op, "highatomic") && model::op_arg(op, "order") > 0)
        throw InputError(fmt::format(
            "the SMT engine does not encode the highatomic reserve of '{}'; use --engine explicit", op.text));
    }
  // The geometry: what the encoded state has room for.
  const model::Geometry& g = ts.layout().geo;
  auto refuse = [](const char* what) {
    throw InputError(fmt::format("the SMT engine does not encode {}; use --engine explicit", what));
  };
  if (g.pcp_enabled()) refuse("per-cpu page lists (geometry pcp_batch > 0)");
  if (g.zone_start_pfn != 0) refuse("a zone that starts above pfn 0 (geometry zone_start_pfn)");
  if (g.has_hugetlb()) refuse("hugetlb (geometry hugetlb_order)");
  if (g.memory_blocks > 0) refuse("memory hotplug (geometry memory_blocks)");
  env.k = &k;
  env.K = &K;
  env.S = &S;
  env.programs = &ts.programs();
  for (const props::Property* p : props) {
    const SmtProperty* f = find_smt(p->name);
    if (!f || (p->check && !f->holds) || (p->observe && !f->on_observe))
      throw InputError(
          fmt::format("the SMT engine has no encoding of property '{}'; use --engine explicit", p->name));
    if (p->check && p->kind == props::Kind::State) state_props.push_back(f);
    if (p->check && p->kind == props::Kind::EndState) end_props.push_back(f);
    if (p->observe) {
      env.events.push_back(f);
      event_props.push_back(p);
    }
  }
}

std::vector<int> encode_values(const Encoder& e, model::StateRef s) {
  return values_of(e.S, s, e.k);
}

Ctrl Encoder::start_ctrl(int cpu) const {
  Ctrl r;
  const model::Program& prog = ts.programs()[static_cast<size_t>(cpu)];
  if (prog.empty()) return r;
  r.depth = 1;
  r.proc[0] = prog[0].proc;
  for (int i = 0; i < prog[0].nargs; ++i) r.loc[0][i] = prog[0].args[static_cast<size_t>(i)];
  return r;
}

std::vector<PathResult> Encoder::paths(const SymState& s, int cpu, const Ctrl& from) const {
  std::vector<PathResult> out;
  std::vector<std::vector<bool>> pending{{}};
  while (!pending.empty()) {
    std::vector<bool> script = std::move(pending.back());
    pending.pop_back();
    Exec x(c, env, s, cpu, from, script);
    run_body(x);
    out.push_back(PathResult{from, x.ctrl, x.path, x.s, x.viol, x.unsup});
    const auto& taken = x.taken();
    for (size_t j = script.size(); j < taken.size(); ++j) {
      std::vector<bool> sib(taken.begin(), taken.begin() + static_cast<long>(j));
      sib.push_back(!taken[j]);
      pending.push_back(std::move(sib));
    }
  }
  return out;
}

void Encoder::explore_configs() const {
  if (explored_) return;
  explored_ = true;
  SymState probe = fresh_state(c, S, "probe");
  configs_.resize(static_cast<size_t>(S.ncpus));
  max_steps_ = 0;
  for (int cpu = 0; cpu < S.ncpus; ++cpu) {
    auto& m = configs_[static_cast<size_t>(cpu)];
    std::map<Ctrl, std::vector<Ctrl>> edges;
    std::deque<Ctrl> queue{start_ctrl(cpu)};
    m[queue.front()] = 0;
    while (!queue.empty()) {
      Ctrl from = queue.front();
      queue.pop_front();
      if (from.depth == 0) continue;
      const int d = m[from];
      for (const PathResult& p : paths(probe, cpu, from)) {
        edges[from].push_back(p.to);
        if (m.emplace(p.to, d + 1).second) queue.push_back(p.to);
      }
    }
    // Longest path from the start (depth-first, with cycle detection).
    std::map<Ctrl, int> longest;  // -2: on the stack
    bool cyclic = false;
    std::function<int(const Ctrl&)> dfs = [&](const Ctrl& c) -> int {
      auto it = longest.find(c);
      if (it != longest.end()) {
        if (it->second == -2) cyclic = true;
        return std::max(it->second, 0);
      }
      longest[c] = -2;
      int best = 0;
      for (const Ctrl& n : edges[c]) best = std::max(best, 1 + dfs(n));
      longest[c] = best;
      return best;
    };
    int steps = dfs(start_ctrl(cpu));
    if (cyclic || max_steps_ < 0)
      max_steps_ = -1;
    else
      max_steps_ += steps;
  }
}

StepEnc Encoder::step(const SymState& s, int cpu, int max_dist) const {
  StepEnc r{c.bool_val(false), s, std::vector<z3::expr>(env.events.size(), c.bool_val(false)),
            c.bool_val(false)};
  std::vector<std::pair<z3::expr, const PathResult*>> conds;
  std::vector<PathResult> all;
  for (const auto& [ctrl, dist] : configs(cpu)) {
    if (ctrl.depth == 0 || dist > max_dist) continue;
    const z3::expr here = ctrl_is(s, cpu, ctrl);
    r.enabled = lor(r.enabled, here);
    for (PathResult& p : paths(s, cpu, ctrl)) {
      p.cond = land(here, p.cond);
      all.push_back(std::move(p));
    }
  }
  for (size_t v = 0; v < s.v.size(); ++v) {
    z3::expr val = s.v[v];
    for (auto it = all.rbegin(); it != all.rend(); ++it) val = cond(it->cond, it->next.v[v], val);
    r.next.v[v] = val;
  }
  for (const PathResult& p : all) {
    for (size_t i = 0; i < r.viol.size(); ++i) r.viol[i] = lor(r.viol[i], land(p.cond, p.viol[i]));
    r.unsup = lor(r.unsup, land(p.cond, p.unsup));
  }
  return r;
}

z3::expr Encoder::transition(const SymState& s, const SymState& t, const z3::expr& sel, int max_dist,
                             std::vector<z3::expr>& viol, z3::expr& unsup) const {
  std::vector<StepEnc> steps;
  for (int cpu = 0; cpu < S.ncpus; ++cpu) steps.push_back(step(s, cpu, max_dist));
  auto is = [&](int cpu) { return eq(sel, num(c, cpu, kByteBits)); };
  z3::expr r = c.bool_val(false);
  for (int cpu = 0; cpu < S.ncpus; ++cpu) r = lor(r, land(is(cpu), steps[static_cast<size_t>(cpu)].enabled));
  for (size_t v = 0; v < s.v.size(); ++v) {
    z3::expr val = steps.back().next.v[v];
    for (int cpu = S.ncpus - 2; cpu >= 0; --cpu)
      val = cond(is(cpu), steps[static_cast<size_t>(cpu)].next.v[v], val);
    r = land(r, eq(t.v[v], val));
  }
  viol.assign(env.events.size(), c.bool_val(false));
  unsup = c.bool_val(false);
  for (int cpu = 0; cpu < S.ncpus; ++cpu) {
    for (size_t i = 0; i < viol.size(); ++i)
      viol[i] = lor(viol[i], land(is(cpu), steps[static_cast<size_t>(cpu)].viol[i]));
    unsup = lor(unsup, land(is(cpu), steps[static_cast<size_t>(cpu)].unsup));
  }
  return r;
}

z3::expr Encoder::state_ok(const SymState& s) const {
  SymView v(s);
  z3::expr ok = c.bool_val(true);
  for (const SmtProperty* p : state_props) ok = land(ok, p->holds(v));
  if (!end_props.empty()) {
    z3::expr end = c.bool_val(true);
    for (const SmtProperty* p : end_props) end = land(end, p->holds(v));
    ok = land(ok, lor(lnot(v.all_done()), end));
  }
  return ok;
}

z3::expr Encoder::initial(const SymState& s0, const InitSpec& init) const {
  if (init.symbolic) return layouts(s0, init.types);
  return states_equal(s0, const_state(c, S, init.values));
}

int Encoder::event_index(const std::string& name) const {
  for (size_t i = 0; i < event_props.size(); ++i)
    if (name == event_props[i]->name) return static_cast<int>(i);
  return -1;
}

// ----- lemmas ---------------------------------------------------------------------------------

z3::expr Encoder::control_ok(const SymView& v) const {
  z3::expr ok = c.bool_val(true);
  for (int cpu = 0; cpu < S.ncpus; ++cpu) {
    z3::expr any = c.bool_val(false);
    for (const auto& [ctrl, dist] : configs(cpu)) {
      // The control state fixes the locals it knows, and zero for unused ones.
      z3::expr here = ctrl_is(v.s, cpu, ctrl);
      any = lor(any, here);
    }
    ok = land(ok, any);
  }
  return ok;
}

namespace {

z3::expr lemma_control(const Encoder& e, const SymView& v) {
  return e.control_ok(v);
}

z3::expr lemma_pageblock_types(const Encoder&, const SymView& v) {
  z3::expr ok = v.T();
  for (int b = 0; b < v.S.nb; ++b) ok = land(ok, lt(v.var(v.S.pb + b), v.I(model::MIGRATE_TYPES)));
  return ok;
}

// Every pageblock a free buddy covers has its list's type (not only the head's block).
z3::expr lemma_span_hygiene(const Encoder&, const SymView& v) {
  const model::Layout& L = v.L;
  z3::expr ok = v.T();
  for (int p = 0; p < v.S.np; ++p)
    for (int l = 0; l < v.S.nlists; ++l) {
      const int o = L.list_order(l);
      if (o <= L.geo.pageblock_order || p + (1 << o) > v.S.np) continue;
      z3::expr span = v.T();
      for (int q = p; q < p + (1 << o); q += L.geo.pageblock_nr_pages())
        span = land(span, eq(v.pb_type(L.geo.pageblock_of(q)), v.I(static_cast<int>(L.list_mt(l)))));
      ok = land(ok, lor(lnot(v.on(p, l)), span));
    }
  return ok;
}

}  // namespace

std::vector<Invariant> Encoder::candidates(const std::vector<std::string>& except) const {
  std::vector<Invariant> out;
  auto skip = [&](const std::string& n) {
    return std::find(except.begin(), except.end(), n) != except.end();
  };
  for (const props::Property* p : props) {
    if (skip(p->name)) continue;
    Invariant inv;
    inv.name = p->name;
    inv.statement = p->statement;
    inv.is_property = true;
    inv.prop = find_smt(p->name);
    out.push_back(inv);
  }
  const Invariant lemmas[] = {
      {"control", "each CPU is at a control point its program reaches, with the locals that point fixes",
       false, nullptr, lemma_control},
      {"pageblock-types-valid", "every pageblock's type bits name a migratetype", false, nullptr,
       lemma_pageblock_types},
      {"buddy-span-hygiene",
       "every pageblock a free buddy spans (not only its head's) has the type of the buddy's list", false,
       nullptr, lemma_span_hygiene},
  };
  for (const Invariant& l : lemmas)
    if (!skip(l.name)) out.push_back(l);
  return out;
}

z3::expr Encoder::holds(const Invariant& inv, const SymState& s) const {
  SymView v(s);
  if (inv.lemma) return inv.lemma(*this, v);
  if (inv.prop && inv.prop->holds) {
    const props::Property* p = props::find(inv.name);
    if (p && p->kind == props::Kind::EndState) return lor(lnot(v.all_done()), inv.prop->holds(v));
    return inv.prop->holds(v);
  }
  return c.bool_val(true);
}

}  // namespace pagecheck::smt

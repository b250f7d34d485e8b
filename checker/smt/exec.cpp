#include "checker/smt/exec.hpp"

#include <fmt/format.h>

#include "checker/smt/kernel.hpp"
#include "properties/smt/smt.hpp"

namespace pagecheck::smt {

using model::NIL;

Exec::Exec(z3::context& ctx, const ExecEnv& e, const SymState& pre, int cpu_, const Ctrl& start,
           const std::vector<bool>& script)
    : c(ctx),
      env(e),
      k(*e.k),
      K(*e.K),
      S(*e.S),
      L(*e.S->L),
      s(pre),
      g(ctx.bool_val(true)),
      path(ctx.bool_val(true)),
      cpu(cpu_),
      ctrl(start),
      retval(smt::I(ctx, 0)),
      unsup(ctx.bool_val(false)),
      script_(script) {
  viol.assign(env.events.size(), F());
  // The locals the control state fixes are constants here (its guard says the state has them).
  for (int f = 0; f < kFrames; ++f)
    for (int i = 0; i < kLocals; ++i)
      if (start.loc[f][i] != kSymbolic) s[S.cpu_var(cpu, c_loc(f, i))] = num(c, start.loc[f][i], kByteBits);
}

bool Exec::decide(const z3::expr& cond) {
  if (!g.is_true()) throw ModelError("SMT encoding: a control decision inside predicated code");
  if (cond.is_true()) return true;
  if (cond.is_false()) return false;
  bool v = taken_.size() < script_.size() ? script_[taken_.size()] : true;
  taken_.push_back(v);
  path = land(path, v ? cond : lnot(cond));
  return v;
}

z3::expr read_at(const SymState& s, int base, int n, const z3::expr& idx) {
  z3::context& c = idx.ctx();
  int64_t i;
  if (numeral(idx, i)) {
    if (i < 0 || i >= n) return smt::I(c, 0);
    const z3::expr& v = s[base + static_cast<int>(i)];
    return v.get_sort().bv_size() == kIntBits ? v : widen(v);
  }
  z3::expr r = smt::I(c, 0);
  for (int j = n - 1; j >= 0; --j) {
    const z3::expr& v = s[base + j];
    r = cond(eq(idx, smt::I(c, j)), v.get_sort().bv_size() == kIntBits ? v : widen(v), r);
  }
  return r;
}

z3::expr Exec::rd(int base, int n, const z3::expr& idx) const {
  return read_at(s, base, n, idx);
}

z3::expr Exec::counter(const z3::expr& idx) const {
  return rd(S.counter, S.ncounters, idx);
}

void Exec::wr(int var, const z3::expr& value) {
  z3::expr v = S.width(var) == kIntBits ? value : narrow(value);
  s[var] = cond(g, v, s[var]);
}

void Exec::wr_at(int base, int n, const z3::expr& idx, const z3::expr& value) {
  int64_t i;
  if (numeral(idx, i)) {
    if (i >= 0 && i < n) wr(base + static_cast<int>(i), value);
    return;
  }
  for (int j = 0; j < n; ++j) {
    When w(*this, eq(idx, I(j)));
    wr(base + j, value);
  }
}

// set_buddy_order(): private = order, PageBuddy.
void Exec::set_buddy(const z3::expr& pfn, const z3::expr& order) {
  wr_at(S.priv, S.np, pfn, order);
  wr_at(S.flags, S.np, pfn, bor(flags(pfn), I(model::PG_buddy)));
}

// __ClearPageBuddy() + set_page_private(0).
void Exec::clear_buddy(const z3::expr& pfn) {
  wr_at(S.flags, S.np, pfn, band(flags(pfn), I(~model::PG_buddy & 0xff)));
  wr_at(S.priv, S.np, pfn, I(0));
}

// The first page of a list in (position, pfn) order, or NIL.
z3::expr Exec::head(const z3::expr& list) const {
  z3::expr best = I(NIL), best_rank = I(0);
  z3::expr found = F();
  for (int q = 0; q < S.np; ++q) {
    const z3::expr r = s[S.rank + q];
    const z3::expr take = land(eq(widen(s[S.list_of + q]), list), lor(lnot(found), lt(r, best_rank)));
    best = cond(take, I(q), best);
    best_rank = cond(take, r, best_rank);
    found = lor(found, take);
  }
  return best;
}

namespace {
// The lowest (or highest) position on a list, or `none` when it is empty.
z3::expr extreme_rank(const Exec& x, const z3::expr& list, bool lowest, const z3::expr& none) {
  z3::expr r = none, found = x.F();
  for (int q = 0; q < x.S.np; ++q) {
    const z3::expr rq = x.s[x.S.rank + q];
    const z3::expr take =
        land(eq(widen(x.s[x.S.list_of + q]), list), lor(lnot(found), lowest ? lt(rq, r) : gt(rq, r)));
    r = cond(take, rq, r);
    found = lor(found, take);
  }
  return r;
}
}  // namespace

// list_add(): before every page of the list.
void Exec::list_add(const z3::expr& list, const z3::expr& pfn) {
  wr_at(S.rank, S.np, pfn, sub(extreme_rank(*this, list, true, I(1)), I(1)));
  wr_at(S.list_of, S.np, pfn, list);
}

// list_add_tail(): after every page of the list.
void Exec::list_add_tail(const z3::expr& list, const z3::expr& pfn) {
  wr_at(S.rank, S.np, pfn, add(extreme_rank(*this, list, false, I(-1)), I(1)));
  wr_at(S.list_of, S.np, pfn, list);
}

// list_del(): off its list; the others keep their order.
void Exec::list_del(const z3::expr& pfn) {
  wr_at(S.rank, S.np, pfn, I(0));
  wr_at(S.list_of, S.np, pfn, I(NIL));
}

void Exec::set_pb_bits(const z3::expr& pb, const z3::expr& bits) {
  wr_at(S.pb, S.nb, pb, bits);
}

void Exec::mod_counter(const z3::expr& idx, const z3::expr& delta) {
  int64_t i;
  if (numeral(idx, i)) {
    if (i >= 0 && i < S.ncounters)
      wr(S.counter + static_cast<int>(i), add(s[S.counter + static_cast<int>(i)], delta));
    return;
  }
  for (int j = 0; j < S.ncounters; ++j) {
    When w(*this, eq(idx, I(j)));
    wr(S.counter + j, add(s[S.counter + j], delta));
  }
}

void Exec::set_owner(const z3::expr& pfn, const z3::expr& nr, const z3::expr& owner) {
  const z3::expr end = add(pfn, nr);
  for (int q = 0; q < S.np; ++q) {
    When w(*this, land(le(pfn, I(q)), lt(I(q), end)));
    wr(S.owner + q, owner);
  }
}

void Exec::set_page_flags(const z3::expr& pfn, const z3::expr& f) {
  wr_at(S.flags, S.np, pfn, f);
}

void Exec::set_pcpmt(const z3::expr& pfn, const z3::expr& mt) {
  wr_at(S.pcpmt, S.np, pfn, mt);
}

void Exec::spin_unlock_zone() {
  if (!g.is_true()) throw ModelError("SMT encoding: zone->lock dropped inside predicated code");
  ++regions;
}

void Exec::unlocked_read() {
  if (!g.is_true()) throw ModelError("SMT encoding: an unlocked read inside predicated code");
  ++regions;
}

z3::expr Exec::loc(int i) const {
  return widen(s[S.cpu_var(cpu, c_loc(ctrl.depth - 1, i))]);
}

void Exec::set_loc(int i, const z3::expr& v) {
  wr(S.cpu_var(cpu, c_loc(ctrl.depth - 1, i)), v);
}

void Exec::push_frame(int proc, const std::vector<z3::expr>& args) {
  const model::ProcDef* d = k.procs[static_cast<size_t>(proc)];
  if (!d) throw ModelError(fmt::format("procedure {} is not modelled by this variant", proc));
  if (ctrl.depth >= kFrames)
    throw InputError(
        fmt::format("the SMT engine does not encode call stacks deeper than {} frames", kFrames));
  if (static_cast<int>(args.size()) > d->nlocals)
    throw ModelError(fmt::format("{}: {} arguments for {} locals", d->name, args.size(), d->nlocals));
  const int f = ctrl.depth;
  ctrl.proc[f] = proc;
  ctrl.pc[f] = 0;
  ++ctrl.depth;
  for (int i = 0; i < kLocals; ++i)
    wr(S.cpu_var(cpu, c_loc(f, i)), i < static_cast<int>(args.size()) ? args[static_cast<size_t>(i)] : I(0));
}

void Exec::pop_frame() {
  const int f = ctrl.depth - 1;
  for (int i = 0; i < kLocals; ++i) wr(S.cpu_var(cpu, c_loc(f, i)), I(0));
  ctrl.proc[f] = 0;
  ctrl.pc[f] = 0;
  --ctrl.depth;
}

model::Flow Exec::call(int proc, std::vector<z3::expr> args, int return_pc) {
  if (must_yield())
    throw ModelError(fmt::format("cpu{} calls procedure {} after a region without yielding", cpu, proc));
  set_pc(return_pc);
  push_frame(proc, args);
  return model::Flow::Call;
}

void Exec::store_ctrl() {
  if (!g.is_true()) throw ModelError("SMT encoding: a step ends inside predicated code");
  wr(S.cpu_var(cpu, C_op), I(ctrl.op));
  wr(S.cpu_var(cpu, C_depth), I(ctrl.depth));
  for (int f = 0; f < kFrames; ++f) {
    wr(S.cpu_var(cpu, c_proc(f)), I(ctrl.proc[f]));
    wr(S.cpu_var(cpu, c_pc(f)), I(ctrl.pc[f]));
    for (int i = 0; i < kLocals; ++i) {
      int64_t v;
      ctrl.loc[f][i] = numeral(s[S.cpu_var(cpu, c_loc(f, i))], v) ? static_cast<int>(v & 0xff) : kSymbolic;
    }
  }
}

void Exec::observe(const SymObs& o) {
  for (size_t i = 0; i < env.events.size(); ++i) {
    const SmtProperty* p = env.events[i];
    if (!p->on_observe) continue;
    viol[i] = lor(viol[i], land(g, p->on_observe(*this, o)));
  }
}

// ----- kernel helpers ------------------------------------------------------------------------

z3::expr PageBuddy(const Exec& x, const z3::expr& pfn) {
  return ne(band(x.flags(pfn), x.I(model::PG_buddy)), x.I(0));
}
z3::expr buddy_order(const Exec& x, const z3::expr& pfn) {
  return x.priv(pfn);
}
z3::expr zone_spans_pfn(const Exec& x, const z3::expr& pfn) {
  return land(ge(pfn, x.I(0)), lt(pfn, x.I(x.S.np)));
}
z3::expr pageblock_of(const Exec& x, const z3::expr& pfn) {
  return shift_right(pfn, x.I(x.L.geo.pageblock_order));
}
z3::expr pageblock_start_pfn(const Exec& x, const z3::expr& pfn) {
  return band(pfn, x.I(~(x.L.geo.pageblock_nr_pages() - 1)));
}
z3::expr pageblock_end_pfn(const Exec& x, const z3::expr& pfn) {
  return add(pageblock_start_pfn(x, pfn), x.I(x.L.geo.pageblock_nr_pages()));
}
z3::expr pageblock_align(const Exec& x, const z3::expr& pfn) {
  const int n = x.L.geo.pageblock_nr_pages();
  return band(add(pfn, x.I(n - 1)), x.I(~(n - 1)));
}
z3::expr is_migrate_isolate(const Exec& x, const z3::expr& mt) {
  return eq(mt, x.I(static_cast<int>(model::Mt::ISOLATE)));
}
z3::expr is_migrate_cma(const Exec& x, const z3::expr& mt) {
  return eq(mt, x.I(static_cast<int>(model::Mt::CMA)));
}
z3::expr migratetype_is_mergeable(const Exec& x, const z3::expr& mt) {
  return lt(mt, x.I(model::MIGRATE_PCPTYPES));
}
z3::expr buddy_list(const Exec&, const z3::expr& order, const z3::expr& mt) {
  // order * MIGRATE_TYPES + mt, as Layout::buddy_list()
  z3::expr r = mt;
  for (int i = 0; i < model::MIGRATE_TYPES; ++i) r = add(r, order);
  return r;
}
z3::expr counter_nr_free(const Exec& x, const z3::expr& order) {
  return add(x.I(static_cast<int>(model::Counter::kFixed)), order);
}

void kernel_warn(Exec& x, model::KernelCheck check, const z3::expr& pfn, const z3::expr& a,
                 const z3::expr& b) {
  x.observe(SymObs{model::Obs::KernelCheck, check, pfn, x.I(0), a, b});
}
void kernel_warn(Exec& x, model::KernelCheck check, const z3::expr& pfn) {
  kernel_warn(x, check, pfn, x.I(0), x.I(0));
}

}  // namespace pagecheck::smt

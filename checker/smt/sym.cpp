#include "checker/smt/sym.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "checker/smt/expr.hpp"
#include "model/machine.hpp"

namespace pagecheck::smt {

using model::NIL;

void sort_error(const char* op, const z3::expr& a, const z3::expr& b) {
  std::ostringstream os;
  os << "SMT encoding: " << op << " on " << a.get_sort() << " and " << b.get_sort();
  throw ModelError(os.str());
}

SymLayout::SymLayout(const model::Layout& l) : L(&l) {
  np = l.nr_pages;
  nb = l.nr_pb;
  nlists = l.nr_buddy_lists;
  ncounters = static_cast<int>(model::Counter::kFixed) + l.nr_orders;
  ncpus = l.nr_cpus;
  int off = 0;
  flags = off, off += np;
  priv = off, off += np;
  list_of = off, off += np;
  rank = off, off += np;
  owner = off, off += np;
  pcpmt = off, off += np;
  pb = off, off += nb;
  counter = off, off += ncounters;
  cpu0 = off, off += ncpus * C_count;
  size = off;
}

unsigned SymLayout::width(int var) const {
  if (var >= counter && var < counter + ncounters) return kIntBits;
  if (var >= rank && var < rank + np) return kIntBits;
  return kByteBits;
}

std::string SymLayout::name(int var) const {
  auto in = [&](int base, int n) { return var >= base && var < base + n; };
  if (in(flags, np)) return fmt::format("flags[{}]", var - flags);
  if (in(priv, np)) return fmt::format("private[{}]", var - priv);
  if (in(list_of, np)) return fmt::format("list_of[{}]", var - list_of);
  if (in(rank, np)) return fmt::format("rank[{}]", var - rank);
  if (in(owner, np)) return fmt::format("owner[{}]", var - owner);
  if (in(pcpmt, np)) return fmt::format("pcpmt[{}]", var - pcpmt);
  if (in(pb, nb)) return fmt::format("pageblock[{}]", var - pb);
  if (in(counter, ncounters)) return model::counter_name(*L, var - counter);
  int c = (var - cpu0) / C_count, f = (var - cpu0) % C_count;
  static const char* names[] = {"op", "depth", "res_pfn", "res_order", "proc0", "pc0", "proc1", "pc1"};
  if (f < C_loc0) return fmt::format("cpu{}.{}", c, names[f]);
  if (f < C_loc1) return fmt::format("cpu{}.frame0.loc{}", c, f - C_loc0);
  return fmt::format("cpu{}.frame1.loc{}", c, f - C_loc1);
}

SymState fresh_state(z3::context& c, const SymLayout& S, const std::string& tag) {
  SymState s;
  s.S = &S;
  s.v.reserve(static_cast<size_t>(S.size));
  for (int i = 0; i < S.size; ++i) s.v.push_back(c.bv_const((tag + "." + S.name(i)).c_str(), S.width(i)));
  return s;
}

SymState const_state(z3::context& c, const SymLayout& S, const std::vector<int>& vals) {
  SymState s;
  s.S = &S;
  s.v.reserve(static_cast<size_t>(S.size));
  for (int i = 0; i < S.size; ++i) s.v.push_back(num(c, vals[static_cast<size_t>(i)], S.width(i)));
  return s;
}

z3::expr states_equal(const SymState& a, const SymState& b) {
  z3::expr r = a.v.front().ctx().bool_val(true);
  for (size_t i = 0; i < a.v.size(); ++i) r = land(r, eq(a.v[i], b.v[i]));
  return r;
}

std::vector<int> model_values(const z3::model& m, const SymState& s) {
  std::vector<int> out;
  out.reserve(s.v.size());
  for (size_t i = 0; i < s.v.size(); ++i) {
    z3::expr e = m.eval(s.v[i], true);
    int64_t x;
    if (!numeral(e, x)) throw ModelError("SMT model: a state variable has no value");
    unsigned w = s.S->width(static_cast<int>(i));
    out.push_back(w == kByteBits ? static_cast<int>(x & 0xff) : static_cast<int>(static_cast<int16_t>(x)));
  }
  return out;
}

namespace {

[[noreturn]] void unsupported(const std::string& what) {
  throw InputError("the SMT engine does not encode " + what + "; use --engine explicit");
}

int nlocals(const model::Kernel& k, int proc) {
  if (proc < 0 || proc >= model::kMaxProcs || !k.procs[static_cast<size_t>(proc)])
    throw ModelError(fmt::format("SMT state: no procedure {}", proc));
  return k.procs[static_cast<size_t>(proc)]->nlocals;
}

}  // namespace

std::vector<int> values_of(const SymLayout& S, model::StateRef s, const model::Kernel& k) {
  const model::Layout& L = *S.L;
  std::vector<int> v(static_cast<size_t>(S.size), 0);
  auto at = [&](int i) -> int& { return v[static_cast<size_t>(i)]; };
  for (int p = 0; p < S.np; ++p) {
    if (s.flags(p) & model::PG_pcp) unsupported(fmt::format("pages on pcp lists (pfn {})", p));
    if (s.list_of(p) != NIL && !L.is_buddy_list(s.list_of(p)))
      unsupported(fmt::format("pages on pcp lists (pfn {})", p));
    at(S.flags + p) = s.flags(p);
    at(S.priv + p) = s.priv(p);
    at(S.list_of + p) = s.list_of(p);
    at(S.owner + p) = s.owner(p);
    at(S.pcpmt + p) = s.pcpmt(p);
  }
  for (int b = 0; b < S.nb; ++b) at(S.pb + b) = s.pb_bits(b);
  for (int l = 0; l < L.nr_lists; ++l) {
    if (l >= S.nlists) {
      if (s.head(l) != NIL) unsupported(fmt::format("a non-empty {}", model::list_name(L, l)));
      continue;
    }
    int rank = 0, members = 0;
    for (int p = s.head(l); p != NIL; p = s.next(p)) {
      if (p >= S.np || s.list_of(p) != l || rank >= S.np)
        throw ModelError(fmt::format("SMT state: {} is not a well-formed list", model::list_name(L, l)));
      at(S.rank + p) = rank++;
    }
    for (int p = 0; p < S.np; ++p) members += s.list_of(p) == l;
    if (members != rank)
      throw ModelError(fmt::format("SMT state: {} does not link all its pages", model::list_name(L, l)));
  }
  for (int i = 0; i < L.nr_counters; ++i) {
    if (i < S.ncounters)
      at(S.counter + i) = s.counter(i);
    else if (s.counter(i) != 0)
      unsupported(fmt::format("a non-zero {}", model::counter_name(L, i)));
  }
  for (int l = 0; l < L.nr_locks; ++l)
    if (s.lock_owner(l) != 0) unsupported("a lock held between steps");
  for (int c = 0; c < S.ncpus; ++c) {
    const uint8_t* a = s.cpu(c);
    int depth = a[model::cpuoff::depth];
    if (depth > kFrames) unsupported(fmt::format("call stacks deeper than {} frames", kFrames));
    at(S.cpu_var(c, C_op)) = a[model::cpuoff::op];
    at(S.cpu_var(c, C_depth)) = depth;
    at(S.cpu_var(c, C_res_pfn)) = a[model::cpuoff::res_pfn];
    at(S.cpu_var(c, C_res_order)) = a[model::cpuoff::res_order];
    int off = 0;
    for (int f = 0; f < depth; ++f) {
      const uint8_t* fr = a + model::cpuoff::stack + off;
      int n = nlocals(k, fr[0]);
      if (n > kLocals) unsupported(fmt::format("procedures with more than {} locals", kLocals));
      at(S.cpu_var(c, c_proc(f))) = fr[0];
      at(S.cpu_var(c, c_pc(f))) = fr[1];
      for (int i = 0; i < n; ++i) at(S.cpu_var(c, c_loc(f, i))) = fr[2 + i];
      off += 2 + n;
    }
    // The rest of the stack is zero in every state the interpreter leaves.
    for (int i = off; i < model::Layout::kStackBytes; ++i)
      if (a[model::cpuoff::stack + i] != 0)
        throw ModelError(fmt::format("cpu{}: stack bytes beyond its frames", c));
  }
  return v;
}

model::State to_state(const SymLayout& S, const std::vector<int>& v, const model::Kernel& k) {
  const model::Layout& L = *S.L;
  model::State st(L);
  model::StateRef s = st.ref();
  auto at = [&](int i) { return v[static_cast<size_t>(i)]; };
  auto byte = [](int x) { return static_cast<uint8_t>(x); };
  for (int p = 0; p < S.np; ++p) {
    s.set_flags(p, byte(at(S.flags + p)));
    s.set_priv(p, byte(at(S.priv + p)));
    s.set_list_of(p, byte(at(S.list_of + p)));
    s.set_next(p, NIL);
    s.set_owner(p, byte(at(S.owner + p)));
    s.set_pcpmt(p, byte(at(S.pcpmt + p)));
  }
  for (int b = 0; b < S.nb; ++b) s.set_pb_bits(b, byte(at(S.pb + b)));
  // Each list links its pages in the order of (position, pfn).
  for (int l = 0; l < L.nr_lists; ++l) s.set_head(l, NIL);
  for (int l = 0; l < S.nlists; ++l) {
    std::vector<std::pair<int, int>> members;
    for (int p = 0; p < S.np; ++p)
      if (at(S.list_of + p) == l) members.emplace_back(at(S.rank + p), p);
    std::sort(members.begin(), members.end());
    for (size_t i = 0; i < members.size(); ++i) {
      int p = members[i].second;
      if (i == 0) s.set_head(l, byte(p));
      s.set_next(p, i + 1 < members.size() ? byte(members[i + 1].second) : NIL);
    }
  }
  for (int i = 0; i < S.ncounters; ++i) s.set_counter(i, at(S.counter + i));
  for (int c = 0; c < S.ncpus; ++c) {
    uint8_t* a = s.cpu(c);
    int depth = at(S.cpu_var(c, C_depth));
    if (depth < 0 || depth > kFrames)
      throw ModelError(fmt::format("SMT state: cpu{} has depth {}", c, depth));
    a[model::cpuoff::op] = byte(at(S.cpu_var(c, C_op)));
    a[model::cpuoff::depth] = byte(depth);
    a[model::cpuoff::res_pfn] = byte(at(S.cpu_var(c, C_res_pfn)));
    a[model::cpuoff::res_order] = byte(at(S.cpu_var(c, C_res_order)));
    int off = 0, top = 0;
    for (int f = 0; f < depth; ++f) {
      int proc = at(S.cpu_var(c, c_proc(f)));
      int n = nlocals(k, proc);
      uint8_t* fr = a + model::cpuoff::stack + off;
      fr[0] = byte(proc);
      fr[1] = byte(at(S.cpu_var(c, c_pc(f))));
      for (int i = 0; i < n; ++i) fr[2 + i] = byte(at(S.cpu_var(c, c_loc(f, i))));
      top = off;
      off += 2 + n;
    }
    a[model::cpuoff::top] = byte(top);
    a[model::cpuoff::used] = byte(off);
  }
  return st;
}

Ctrl ctrl_of(const SymLayout& S, const std::vector<int>& v, int cpu) {
  Ctrl c;
  auto at = [&](int f) { return v[static_cast<size_t>(S.cpu_var(cpu, f))]; };
  c.op = at(C_op);
  c.depth = at(C_depth);
  for (int f = 0; f < kFrames; ++f) {
    c.proc[f] = at(c_proc(f));
    c.pc[f] = at(c_pc(f));
    for (int i = 0; i < kLocals; ++i) c.loc[f][i] = at(c_loc(f, i));
  }
  return c;
}

z3::expr ctrl_is(const SymState& s, int cpu, const Ctrl& ctrl) {
  const SymLayout& S = *s.S;
  z3::context& c = s.v.front().ctx();
  z3::expr r = eq(s[S.cpu_var(cpu, C_op)], num(c, ctrl.op, kByteBits));
  r = land(r, eq(s[S.cpu_var(cpu, C_depth)], num(c, ctrl.depth, kByteBits)));
  for (int f = 0; f < kFrames; ++f) {
    r = land(r, eq(s[S.cpu_var(cpu, c_proc(f))], num(c, ctrl.proc[f], kByteBits)));
    r = land(r, eq(s[S.cpu_var(cpu, c_pc(f))], num(c, ctrl.pc[f], kByteBits)));
    for (int i = 0; i < kLocals; ++i)
      if (ctrl.loc[f][i] != kSymbolic)
        r = land(r, eq(s[S.cpu_var(cpu, c_loc(f, i))], num(c, ctrl.loc[f][i], kByteBits)));
  }
  return r;
}

std::string describe_ctrl(const model::Kernel& k, const Ctrl& ctrl) {
  if (ctrl.depth == 0) return fmt::format("op {}: done", ctrl.op);
  std::string s = fmt::format("op {}:", ctrl.op);
  for (int f = 0; f < ctrl.depth; ++f) {
    const model::ProcDef* d = k.procs[static_cast<size_t>(ctrl.proc[f])];
    s += fmt::format(" {}@pc{}(", d ? d->name : "?", ctrl.pc[f]);
    for (int i = 0; d && i < d->nlocals; ++i)
      s += (i ? "," : "") + (ctrl.loc[f][i] == kSymbolic ? std::string("?") : std::to_string(ctrl.loc[f][i]));
    s += ")";
  }
  return s;
}

}  // namespace pagecheck::smt

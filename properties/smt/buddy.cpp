// SMT forms of freelist-hygiene, buddy-structure, free-accounting and isolate-accounting
// (properties/buddy.cpp). Where the explicit checker walks a list from its head, the forms read
// the per-page list ids: in the encoding a list is the set of pages with its id, in the order of
// their positions (checker/smt/sym.hpp), so a walk visits exactly those pages.
#include "model/kernel/kernel.hpp"
#include "properties/smt/smt.hpp"

namespace pagecheck::smt {

using model::Mt;
using model::NIL;

namespace {

// list_of[p] names a buddy list of order o.
z3::expr in_order(const SymView& v, int p, int o) {
  const int lo = o * model::MIGRATE_TYPES;
  return land(ge(v.list_of(p), v.I(lo)), lt(v.list_of(p), v.I(lo + model::MIGRATE_TYPES)));
}

z3::expr freelist_hygiene(const SymView& v) {
  z3::expr ok = v.T();
  for (int p = 0; p < v.S.np; ++p) {
    const z3::expr type = v.pb_type(v.L.geo.pageblock_of(p));
    for (int l = 0; l < v.S.nlists; ++l)
      ok = land(ok, lor(lnot(v.on(p, l)), eq(type, v.I(static_cast<int>(v.L.list_mt(l))))));
  }
  return ok;
}

z3::expr buddy_structure(const SymView& v) {
  const int np = v.S.np;
  z3::expr ok = v.T();
  std::vector<std::vector<z3::expr>> covers(static_cast<size_t>(np));  // covers[q]: heads covering q
  for (int p = 0; p < np; ++p) {
    const z3::expr member = ne(v.list_of(p), v.I(NIL));
    ok = land(ok, lor(lnot(member), lt(v.list_of(p), v.I(v.S.nlists))));
    ok = land(ok, iff(member, v.page_buddy(p)));  // PageBuddy exactly on the free lists' heads
    for (int o = 0; o < v.L.nr_orders; ++o) {
      const z3::expr here = in_order(v, p, o);
      const bool fits = (p & ((1 << o) - 1)) == 0 && p + (1 << o) <= np;
      z3::expr sound = eq(v.priv(p), v.I(o));
      if (!fits) sound = v.F();
      for (int q = p; fits && q < p + (1 << o); ++q) {
        sound = land(sound, eq(v.owner(q), v.I(model::OWNER_NONE)));
        covers[static_cast<size_t>(q)].push_back(here);
      }
      ok = land(ok, lor(lnot(here), sound));
    }
  }
  for (int q = 0; q < np; ++q) {
    const auto& cv = covers[static_cast<size_t>(q)];
    z3::expr covered = v.F();
    for (size_t i = 0; i < cv.size(); ++i) {
      covered = lor(covered, cv[i]);
      for (size_t j = i + 1; j < cv.size(); ++j) ok = land(ok, lnot(land(cv[i], cv[j])));
    }
    ok = land(ok, lor(covered, ne(v.owner(q), v.I(model::OWNER_NONE))));  // nothing is lost
  }
  return ok;
}

z3::expr double_free(const Exec&, const SymObs& o) {
  return o.pfn.ctx().bool_val(o.kind == model::Obs::FreeNotAllocated);
}

// Sums of pages fit in a few bits (at most nr_pages); adding narrow is much cheaper for the
// solver than adding int16, and comparing the zero-extended sum with the counter is exact.
unsigned sum_bits(const SymView& v) {
  unsigned w = 1;
  while ((1 << w) <= v.S.np) ++w;
  return w + 1;
}

z3::expr equals_sum(const z3::expr& counter, const z3::expr& sum, unsigned w) {
  return eq(counter, zero_extend(sum, kIntBits - w));
}

z3::expr free_accounting(const SymView& v) {
  const int np = v.S.np;
  const unsigned w = sum_bits(v);
  auto n = [&](int x) { return num(v.c, x, w); };
  z3::expr ok = v.T();
  z3::expr free_pages = n(0), cma_pages = n(0);
  for (int o = 0; o < v.L.nr_orders; ++o) {
    z3::expr count = n(0);
    for (int p = 0; p < np; ++p) {
      const z3::expr here = in_order(v, p, o);
      count = add(count, cond(here, n(1), n(0)));
      const z3::expr isolate = v.on(p, v.L.buddy_list(o, Mt::ISOLATE));
      free_pages = add(free_pages, cond(land(here, lnot(isolate)), n(1 << o), n(0)));
      cma_pages = add(cma_pages, cond(v.on(p, v.L.buddy_list(o, Mt::CMA)), n(1 << o), n(0)));
    }
    ok = land(ok, equals_sum(v.counter(v.L.counter_nr_free(o)), count, w));
  }
  ok = land(ok, equals_sum(v.counter(static_cast<int>(model::Counter::NR_FREE_PAGES)), free_pages, w));
  ok = land(ok, equals_sum(v.counter(static_cast<int>(model::Counter::NR_FREE_CMA_PAGES)), cma_pages, w));
  return ok;
}

z3::expr isolate_accounting(const SymView& v) {
  z3::expr n = v.I(0);
  for (int b = 0; b < v.S.nb; ++b)
    n = add(n, cond(eq(v.pb_type(b), v.I(static_cast<int>(Mt::ISOLATE))), v.I(1), v.I(0)));
  return eq(v.counter(static_cast<int>(model::Counter::nr_isolate_pageblock)), n);
}

}  // namespace

void add_smt_buddy_properties(std::vector<SmtProperty>& v) {
  v.push_back({"freelist-hygiene", freelist_hygiene, nullptr});
  v.push_back({"buddy-structure", buddy_structure, double_free});
  v.push_back({"free-accounting", free_accounting, nullptr});
  v.push_back({"isolate-accounting", isolate_accounting, nullptr});
}

}  // namespace pagecheck::smt

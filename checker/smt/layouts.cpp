// Well-formed symbolic layouts: the constraints on an initial state that say it is one of the
// layouts `layouts = "all"` enumerates (model/layouts.cpp, for_each_layout + build_state), with
// the scenario's programs started. The buddy tree of each MAX_PAGE_ORDER chunk is spelled out:
// a node is a free buddy when all its pages are free, it lies in the zone, its pageblocks share
// one type, and its parent is not one; two free halves that stay apart must be ones
// __free_one_page() would not merge; every order of every free list is allowed (each
// assignment of positions 0..len-1 to a list's buddies). The unit test
// test_smt_layouts.cpp counts the models and compares them with the enumeration, state by
// state.
#include <fmt/format.h>

#include <map>

#include "checker/smt/encoder.hpp"
#include "model/layouts.hpp"
#include "model/ops.hpp"

namespace pagecheck::smt {

using model::Mt;
using model::NIL;

z3::expr Encoder::layouts(const SymState& s0, const std::vector<Mt>& types) const {
  const model::Layout& L = *S.L;
  const model::Geometry& g = L.geo;
  const int np = S.np, nb = S.nb, max = g.max_order;
  SymView v(s0);
  auto I = [&](int x) { return v.I(x); };
  z3::expr ok = c.bool_val(true);

  // Pages a free_pages operation frees start allocated (as for_each_layout).
  std::vector<bool> must_alloc(static_cast<size_t>(np), false);
  for (const auto& prog : ts.programs())
    for (const auto& op : prog)
      if (std::string_view(model::op_registry()[static_cast<size_t>(op.def)].name) == "free_pages") {
        int pfn = model::op_arg(op, "pfn"), order = model::op_arg(op, "order");
        for (int p = pfn; p < pfn + (1 << order) && p < np; ++p) must_alloc[static_cast<size_t>(p)] = true;
      }

  // Pageblock types.
  std::vector<z3::expr> type;
  for (int b = 0; b < nb; ++b) {
    z3::expr t = v.var(S.pb + b);
    z3::expr any = c.bool_val(false);
    for (Mt m : types) any = lor(any, eq(t, I(static_cast<int>(m))));
    ok = land(ok, any);
    type.push_back(t);
  }
  auto type_of_page = [&](int p) { return type[static_cast<size_t>(g.pageblock_of(p))]; };

  // Free pages: owned by nobody; the rest by someone outside the scenario.
  std::vector<z3::expr> free;
  for (int p = 0; p < np; ++p) {
    z3::expr f = eq(v.owner(p), I(model::OWNER_NONE));
    ok = land(ok, lor(f, eq(v.owner(p), I(model::OWNER_EXTERNAL))));
    if (must_alloc[static_cast<size_t>(p)]) ok = land(ok, lnot(f));
    free.push_back(f);
  }

  // full(pfn, o): the node could be one free buddy.
  std::map<std::pair<int, int>, z3::expr> full_memo;
  auto full = [&](int pfn, int o) -> z3::expr {
    auto key = std::make_pair(pfn, o);
    if (auto it = full_memo.find(key); it != full_memo.end()) return it->second;
    z3::expr r = c.bool_val(false);
    if (pfn + (1 << o) <= np) {
      r = c.bool_val(true);
      for (int p = pfn; p < pfn + (1 << o); ++p) r = land(r, free[static_cast<size_t>(p)]);
      for (int p = pfn; p < pfn + (1 << o); p += g.pageblock_nr_pages())
        r = land(r, eq(type_of_page(p), type_of_page(pfn)));
    }
    full_memo.emplace(key, r);
    return r;
  };
  // Heads of free buddies and their orders.
  std::vector<z3::expr> is_head(static_cast<size_t>(np), c.bool_val(false));
  std::vector<z3::expr> order(static_cast<size_t>(np), I(0));
  for (int o = 0; o <= max; ++o)
    for (int pfn = 0; pfn < np; pfn += 1 << o) {
      z3::expr buddy = full(pfn, o);
      if (o < max) buddy = land(buddy, lnot(full(pfn & ~((2 << o) - 1), o + 1)));
      is_head[static_cast<size_t>(pfn)] = lor(is_head[static_cast<size_t>(pfn)], buddy);
      order[static_cast<size_t>(pfn)] = cond(buddy, I(o), order[static_cast<size_t>(pfn)]);
      if (o >= 1) {
        // Two free halves that stay apart: only where __free_one_page() refuses to merge them.
        const int half = pfn + (1 << (o - 1));
        if (half < np) {
          z3::expr a = type_of_page(pfn), b = type_of_page(half);
          z3::expr blocked = c.bool_val(o - 1 >= g.pageblock_order);
          blocked = land(blocked, land(ne(a, b), lor(lnot(lt(a, I(model::MIGRATE_PCPTYPES))),
                                                     lnot(lt(b, I(model::MIGRATE_PCPTYPES))))));
          ok = land(ok,
                    lor(lnot(land(lnot(full(pfn, o)), land(full(pfn, o - 1), full(half, o - 1)))), blocked));
        }
      }
    }

  // Pages as build_state() lays them out.
  for (int p = 0; p < np; ++p) {
    const z3::expr f = free[static_cast<size_t>(p)], h = is_head[static_cast<size_t>(p)];
    const z3::expr o = order[static_cast<size_t>(p)], t = type_of_page(p);
    z3::expr used_flags =
        must_alloc[static_cast<size_t>(p)]
            ? I(model::PG_lru)
            : cond(lor(eq(t, I(static_cast<int>(Mt::MOVABLE))), eq(t, I(static_cast<int>(Mt::CMA)))),
                   I(model::PG_lru), I(0));
    ok = land(ok, eq(v.flags(p), cond(f, cond(h, I(model::PG_buddy), I(0)), used_flags)));
    ok = land(ok, eq(v.priv(p), cond(h, o, I(0))));
    ok = land(ok, eq(v.var(S.pcpmt + p), I(0)));
    z3::expr list = t;
    for (int i = 0; i < model::MIGRATE_TYPES; ++i) list = add(list, o);
    ok = land(ok, eq(v.list_of(p), cond(h, list, I(NIL))));
  }
  // Each list holds its buddies in some order: positions 0..len-1, each once.
  ok = land(ok, v.positions_canonical());
  // Counters from the lists and pageblocks.
  auto count = [&](auto&& weight) {
    z3::expr n = I(0);
    for (int p = 0; p < np; ++p) n = add(n, weight(p));
    return n;
  };
  for (int o = 0; o <= max; ++o)
    ok = land(ok, eq(v.counter(L.counter_nr_free(o)), count([&](int p) {
                       return cond(
                           land(is_head[static_cast<size_t>(p)], eq(order[static_cast<size_t>(p)], I(o))),
                           I(1), I(0));
                     })));
  auto pages_of = [&](int p, z3::expr when) {
    return cond(land(is_head[static_cast<size_t>(p)], when), shift_left(I(1), order[static_cast<size_t>(p)]),
                I(0));
  };
  auto mt_is = [&](int p, Mt m) { return eq(type_of_page(p), I(static_cast<int>(m))); };
  ok = land(ok, eq(v.counter(static_cast<int>(model::Counter::NR_FREE_PAGES)),
                   count([&](int p) { return pages_of(p, lnot(mt_is(p, Mt::ISOLATE))); })));
  ok = land(ok, eq(v.counter(static_cast<int>(model::Counter::NR_FREE_CMA_PAGES)),
                   count([&](int p) { return pages_of(p, mt_is(p, Mt::CMA)); })));
  // zone->nr_free_highatomic is kept from v6.12 (build_state() counts only then).
  ok = land(ok, eq(v.counter(static_cast<int>(model::Counter::nr_free_highatomic)),
                   ts.kernel().has(model::F_NR_FREE_HIGHATOMIC)
                       ? count([&](int p) { return pages_of(p, mt_is(p, Mt::HIGHATOMIC)); })
                       : I(0)));
  z3::expr isolated = I(0), highatomic = I(0);
  for (int b = 0; b < nb; ++b) {
    isolated =
        add(isolated, cond(eq(type[static_cast<size_t>(b)], I(static_cast<int>(Mt::ISOLATE))), I(1), I(0)));
    highatomic = add(highatomic, cond(eq(type[static_cast<size_t>(b)], I(static_cast<int>(Mt::HIGHATOMIC))),
                                      I(g.pageblock_nr_pages()), I(0)));
  }
  // zone->nr_isolate_pageblock exists from ad53f92eb416 (build_state() counts only then).
  if (!ts.kernel().has(model::F_ISOLATE_RECHECK_ON_FREE)) isolated = I(0);
  ok = land(ok, eq(v.counter(static_cast<int>(model::Counter::nr_isolate_pageblock)), isolated));
  ok = land(ok, eq(v.counter(static_cast<int>(model::Counter::nr_reserved_highatomic)), highatomic));

  // The CPUs: each program's first operation pushed, as start_programs() does.
  model::MemoryLayout empty;
  empty.pageblock_mt.assign(static_cast<size_t>(nb), types.front());
  const std::vector<int> started = values_of(S, build_state(ts, empty).ref(), k);
  for (int cpu = 0; cpu < S.ncpus; ++cpu)
    for (int f = 0; f < C_count; ++f) {
      const int var = S.cpu_var(cpu, f);
      ok = land(ok, eq(s0[var], num(c, started[static_cast<size_t>(var)], S.width(var))));
    }
  return ok;
}

}  // namespace pagecheck::smt

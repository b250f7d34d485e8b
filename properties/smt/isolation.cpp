// SMT form of isolation-exclusive (properties/isolation.cpp).
#include "model/kernel/kernel.hpp"
#include "properties/smt/smt.hpp"

namespace pagecheck::smt {

namespace {

// The blocks of an allocation from the buddy lists, read at the observation: none is isolated.
z3::expr isolated_allocation(const Exec& x, const SymObs& o) {
  if (o.kind != model::Obs::AllocFromBuddy) return x.F();
  const int pbn = x.L.geo.pageblock_nr_pages();
  z3::expr bad = x.F();
  for (int i = 0; i <= x.L.geo.max_order_nr_pages() / pbn; ++i) {
    const z3::expr inside = lt(x.I(i * pbn), shift_left(x.I(1), o.order));
    const z3::expr bits = x.pb_bits(pageblock_of(x, add(o.pfn, x.I(i * pbn))));
    const z3::expr isolated =
        lor(ne(band(bits, x.I(model::PB_migrate_isolate)), x.I(0)),
            eq(band(bits, x.I(model::PB_MIGRATETYPE_MASK)), x.I(static_cast<int>(model::Mt::ISOLATE))));
    bad = lor(bad, land(inside, isolated));
  }
  return bad;
}

}  // namespace

void add_smt_isolation_properties(std::vector<SmtProperty>& v) {
  v.push_back({"isolation-exclusive", nullptr, isolated_allocation});
}

}  // namespace pagecheck::smt

#include "checker/smt/view.hpp"

namespace pagecheck::smt {

z3::expr SymView::pb_type(int pb) const {
  const z3::expr bits = var(S.pb + pb);
  return cond(ne(band(bits, I(model::PB_migrate_isolate)), I(0)), I(static_cast<int>(model::Mt::ISOLATE)),
              band(bits, I(model::PB_MIGRATETYPE_MASK)));
}

z3::expr SymView::pb_type_at(const z3::expr& pb) const {
  z3::expr r = I(0);
  for (int b = S.nb - 1; b >= 0; --b) r = cond(eq(pb, I(b)), pb_type(b), r);
  return r;
}

z3::expr SymView::positions_canonical() const {
  const int np = S.np;
  z3::expr ok = T();
  for (int p = 0; p < np; ++p) {
    const z3::expr member = ne(list_of(p), I(model::NIL));
    ok = land(ok, lor(member, eq(rank(p), I(0))));
    // Position 0, or the position before it is taken on the same list...
    z3::expr pred = eq(rank(p), I(0));
    for (int q = 0; q < np; ++q)
      if (q != p) pred = lor(pred, land(eq(list_of(q), list_of(p)), eq(rank(q), sub(rank(p), I(1)))));
    ok = land(ok, lor(lnot(member), pred));
    // ...and by no other page of the list.
    for (int q = p + 1; q < np; ++q)
      ok = land(ok, lor(lnot(member), lor(ne(list_of(q), list_of(p)), ne(rank(q), rank(p)))));
  }
  return ok;
}

z3::expr SymView::all_done() const {
  z3::expr r = T();
  for (int c = 0; c < S.ncpus; ++c) r = land(r, eq(var(S.cpu_var(c, C_depth)), I(0)));
  return r;
}

}  // namespace pagecheck::smt

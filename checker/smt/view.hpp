// A read-only view of one symbolic state for the SMT forms of properties and lemmas: ints of
// its variables, pageblock types, free list well-formedness.
#pragma once

#include <vector>

#include "checker/smt/expr.hpp"
#include "checker/smt/sym.hpp"

namespace pagecheck::smt {

class SymView {
 public:
  explicit SymView(const SymState& s) : s(s), S(*s.S), L(*s.S->L), c(s.v.front().ctx()) {}
  const SymState& s;
  const SymLayout& S;
  const model::Layout& L;
  z3::context& c;

  z3::expr I(int64_t v) const { return smt::I(c, v); }
  z3::expr T() const { return c.bool_val(true); }
  z3::expr F() const { return c.bool_val(false); }
  z3::expr var(int i) const { return S.width(i) == kIntBits ? s[i] : widen(s[i]); }
  z3::expr flags(int p) const { return var(S.flags + p); }
  z3::expr priv(int p) const { return var(S.priv + p); }
  z3::expr list_of(int p) const { return var(S.list_of + p); }
  z3::expr rank(int p) const { return var(S.rank + p); }
  z3::expr owner(int p) const { return var(S.owner + p); }
  z3::expr counter(int i) const { return var(S.counter + i); }
  z3::expr page_buddy(int p) const { return ne(band(flags(p), I(model::PG_buddy)), I(0)); }
  // pageblock_type(): MIGRATE_ISOLATE when the standalone bit is set, else the type bits.
  z3::expr pb_type(int pb) const;
  z3::expr pb_type_at(const z3::expr& pb) const;  // a symbolic pageblock index
  // The positions are the ones values_of() gives: each list's pages have 0..len-1, each once,
  // and a page on no list has 0 (so each explicit state has one encoding).
  z3::expr positions_canonical() const;
  // "pfn p is on list l" as the per-page list id records it.
  z3::expr on(int p, int list) const { return eq(list_of(p), I(list)); }
  z3::expr all_done() const;  // every CPU has finished its operations
};

}  // namespace pagecheck::smt

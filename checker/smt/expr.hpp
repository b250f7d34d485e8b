// Typed helpers over z3::expr for the encoding. The model's ints are 16-bit bit-vectors (two's
// complement, as the explicit model's small C ints), its state bytes 8-bit ones. Every helper
// folds numerals, and the boolean ones short-circuit on literals, so a step run on a concrete
// state yields constants and a symbolic one stays small. z3++ operators on mixed sorts abort in
// debug builds and return null expressions otherwise (../shared/ecosystem.md): all arithmetic of
// the encoding goes through these functions, which check the widths.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <string>

namespace pagecheck::smt {

inline constexpr unsigned kIntBits = 16;
inline constexpr unsigned kByteBits = 8;

[[noreturn]] void sort_error(const char* op, const z3::expr& a, const z3::expr& b);

inline bool numeral(const z3::expr& e, int64_t& v) {
  if (!e.is_numeral()) return false;
  uint64_t u = e.get_numeral_uint64();
  unsigned w = e.get_sort().bv_size();
  // Two's complement reading of the bit pattern.
  if (w < 64 && (u >> (w - 1)) & 1) u |= ~((uint64_t{1} << w) - 1);
  v = static_cast<int64_t>(u);
  return true;
}

inline z3::expr num(z3::context& c, int64_t v, unsigned w) {
  uint64_t mask = w >= 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
  return c.bv_val(static_cast<uint64_t>(v) & mask, w);
}
inline z3::expr I(z3::context& c, int64_t v) {
  return num(c, v, kIntBits);
}

inline void same_bv(const char* op, const z3::expr& a, const z3::expr& b) {
  if (!a.is_bv() || !b.is_bv() || a.get_sort().bv_size() != b.get_sort().bv_size()) sort_error(op, a, b);
}

// --- booleans ------------------------------------------------------------------------------
inline z3::expr lnot(const z3::expr& a) {
  if (a.is_true()) return a.ctx().bool_val(false);
  if (a.is_false()) return a.ctx().bool_val(true);
  return !a;
}
inline z3::expr land(const z3::expr& a, const z3::expr& b) {
  if (a.is_false() || b.is_true()) return a;
  if (b.is_false() || a.is_true()) return b;
  if (z3::eq(a, b)) return a;
  return a && b;
}
inline z3::expr lor(const z3::expr& a, const z3::expr& b) {
  if (a.is_true() || b.is_false()) return a;
  if (b.is_true() || a.is_false()) return b;
  if (z3::eq(a, b)) return a;
  return a || b;
}
inline z3::expr cond(const z3::expr& c, const z3::expr& a, const z3::expr& b) {
  if (c.is_true()) return a;
  if (c.is_false()) return b;
  if (z3::eq(a, b)) return a;
  if (a.is_bool()) {
    if (a.is_true() && b.is_false()) return c;
    if (a.is_false() && b.is_true()) return lnot(c);
  } else {
    same_bv("ite", a, b);
  }
  return z3::ite(c, a, b);
}

// --- bit-vector arithmetic (both operands of one width) ---------------------------------------
#define PAGECHECK_SMT_FOLD2(name, zop, fold)                                               \
  inline z3::expr name(const z3::expr& a, const z3::expr& b) {                             \
    same_bv(#name, a, b);                                                                  \
    int64_t x, y;                                                                          \
    if (numeral(a, x) && numeral(b, y)) return num(a.ctx(), fold, a.get_sort().bv_size()); \
    return zop;                                                                            \
  }
PAGECHECK_SMT_FOLD2(add, a + b, x + y)
PAGECHECK_SMT_FOLD2(sub, a - b, x - y)
PAGECHECK_SMT_FOLD2(band, a& b, x& y)
PAGECHECK_SMT_FOLD2(bor, a | b, x | y)
PAGECHECK_SMT_FOLD2(bxor, a ^ b, x ^ y)
#undef PAGECHECK_SMT_FOLD2

// Signed division truncating toward zero, as C's int division (b a non-zero constant).
inline z3::expr sdiv(const z3::expr& a, const z3::expr& b) {
  same_bv("sdiv", a, b);
  int64_t x, y;
  if (numeral(a, x) && numeral(b, y) && y != 0) return num(a.ctx(), x / y, a.get_sort().bv_size());
  return z3::to_expr(a.ctx(), Z3_mk_bvsdiv(a.ctx(), a, b));
}
inline z3::expr bnot(const z3::expr& a) {
  int64_t x;
  if (numeral(a, x)) return num(a.ctx(), ~x, a.get_sort().bv_size());
  return ~a;
}
// Shifts by a non-negative amount below the width (the model's orders are 0..7).
inline z3::expr shift_left(const z3::expr& a, const z3::expr& b) {
  same_bv("shl", a, b);
  int64_t x, y;
  if (numeral(a, x) && numeral(b, y)) {
    unsigned w = a.get_sort().bv_size();
    if (y < 0 || y >= static_cast<int64_t>(w)) return num(a.ctx(), 0, w);
    return num(a.ctx(), static_cast<int64_t>(static_cast<uint64_t>(x) << y), w);
  }
  return z3::shl(a, b);
}
inline z3::expr shift_right(const z3::expr& a, const z3::expr& b) {
  same_bv("ashr", a, b);
  int64_t x, y;
  if (numeral(a, x) && numeral(b, y) && y >= 0 && y < 63) return num(a.ctx(), x >> y, a.get_sort().bv_size());
  return z3::ashr(a, b);
}

#define PAGECHECK_SMT_CMP(name, zop, fold)                             \
  inline z3::expr name(const z3::expr& a, const z3::expr& b) {         \
    same_bv(#name, a, b);                                              \
    int64_t x, y;                                                      \
    if (numeral(a, x) && numeral(b, y)) return a.ctx().bool_val(fold); \
    if (z3::eq(a, b)) return a.ctx().bool_val(fold_same);              \
    return zop;                                                        \
  }
// Boolean equivalence.
inline z3::expr iff(const z3::expr& a, const z3::expr& b) {
  if (a.is_true()) return b;
  if (b.is_true()) return a;
  if (a.is_false()) return lnot(b);
  if (b.is_false()) return lnot(a);
  if (z3::eq(a, b)) return a.ctx().bool_val(true);
  return a == b;
}

#define fold_same true
PAGECHECK_SMT_CMP(eq, a == b, x == y)
PAGECHECK_SMT_CMP(le, z3::sle(a, b), x <= y)
PAGECHECK_SMT_CMP(ge, z3::sge(a, b), x >= y)
#undef fold_same
#define fold_same false
PAGECHECK_SMT_CMP(ne, a != b, x != y)
PAGECHECK_SMT_CMP(lt, z3::slt(a, b), x < y)
PAGECHECK_SMT_CMP(gt, z3::sgt(a, b), x > y)
#undef fold_same
#undef PAGECHECK_SMT_CMP

inline z3::expr smin(const z3::expr& a, const z3::expr& b) {
  return cond(lt(a, b), a, b);
}
inline z3::expr smax(const z3::expr& a, const z3::expr& b) {
  return cond(gt(a, b), a, b);
}

// Widening a state byte to an int (zero extension, as uint8_t -> int) and back (truncation, as
// static_cast<uint8_t>).
inline z3::expr widen(const z3::expr& b8) {
  if (!b8.is_bv() || b8.get_sort().bv_size() != kByteBits) sort_error("widen", b8, b8);
  int64_t x;
  if (numeral(b8, x)) return num(b8.ctx(), x & 0xff, kIntBits);
  return z3::zext(b8, kIntBits - kByteBits);
}
inline z3::expr zero_extend(const z3::expr& a, unsigned extra) {
  int64_t x;
  if (numeral(a, x)) {
    unsigned w = a.get_sort().bv_size();
    return num(a.ctx(), x & ((int64_t{1} << w) - 1), w + extra);
  }
  return z3::zext(a, extra);
}
inline z3::expr narrow(const z3::expr& i16) {
  if (!i16.is_bv() || i16.get_sort().bv_size() != kIntBits) sort_error("narrow", i16, i16);
  int64_t x;
  if (numeral(i16, x)) return num(i16.ctx(), x & 0xff, kByteBits);
  return i16.extract(kByteBits - 1, 0);
}

}  // namespace pagecheck::smt

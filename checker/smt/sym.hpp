// The state of the model as Z3 bit-vectors, in a flat vector: per page its flags, private
// (order), list id, list position, owner and pcp migratetype cache bytes, per pageblock its flag
// bits, the zone counters (int16), and per CPU its operation, frames and locals.
//
// Free lists keep their order. Where the explicit state links a list through a head and
// per-page next pointers, the encoding gives each page on a list a position (an int16): the
// list's order is the order of (position, pfn). list_add gives the new page one less than the
// lowest position, list_add_tail one more than the highest, list_del just takes the page out.
// Every assignment of positions is a well-formed list this way, so no invariant about the
// links has to be proved step by step (walking next pointers, or keeping positions 0..len-1,
// is hard for the solver; comparing positions is not). values_of() gives the positions
// 0..len-1, to_state() links the pages by position; positions stay far from the int16 limits
// within any bounded run (a step adds a page to a list a few times at most).
//
// Locks and pcp lists are not variables: in the encoded scope every lock is taken and dropped
// inside one step and the pcp lists stay empty, which values_of() checks on every explicit
// state it converts.
#pragma once

#include <z3++.h>

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "model/kernel/kernel.hpp"
#include "model/state.hpp"

namespace pagecheck::smt {

inline constexpr int kFrames = 2;  // deepest call stack of the encoded operations
inline constexpr int kLocals = 8;  // most locals of an encoded procedure

// Per-CPU variables, in this order at SymLayout::cpu_var(cpu, field).
enum CpuField : int {
  C_op = 0,     // index of the running (or next) operation
  C_depth,      // frames on the stack
  C_res_pfn,    // pfn the last allocation returned (NIL if it failed)
  C_res_order,  // its order
  C_proc0,      // frame 0 (the operation's entry procedure): proc id, pc, locals
  C_pc0,
  C_proc1,  // frame 1 (a callee)
  C_pc1,
  C_loc0,                     // kLocals locals of frame 0
  C_loc1 = C_loc0 + kLocals,  // kLocals locals of frame 1
  C_count = C_loc1 + kLocals,
};
inline int c_proc(int frame) {
  return frame == 0 ? C_proc0 : C_proc1;
}
inline int c_pc(int frame) {
  return frame == 0 ? C_pc0 : C_pc1;
}
inline int c_loc(int frame, int i) {
  return (frame == 0 ? C_loc0 : C_loc1) + i;
}

struct SymLayout {
  explicit SymLayout(const model::Layout& L);
  const model::Layout* L;
  int np = 0, nb = 0, nlists = 0, ncounters = 0, ncpus = 0;
  // Offsets of the per-page arrays (np each), pageblocks, counters, CPUs.
  int flags = 0, priv = 0, list_of = 0, rank = 0, owner = 0, pcpmt = 0, pb = 0, counter = 0, cpu0 = 0;
  int size = 0;
  int cpu_var(int cpu, int field) const { return cpu0 + cpu * C_count + field; }
  unsigned width(int var) const;  // 8, or 16 for counters
  std::string name(int var) const;
};

// One state's variables (or values, as expressions).
struct SymState {
  const SymLayout* S = nullptr;
  std::vector<z3::expr> v;
  const z3::expr& operator[](int i) const { return v[static_cast<size_t>(i)]; }
  z3::expr& operator[](int i) { return v[static_cast<size_t>(i)]; }
};

SymState fresh_state(z3::context& c, const SymLayout& S, const std::string& tag);
SymState const_state(z3::context& c, const SymLayout& S, const std::vector<int>& vals);
z3::expr states_equal(const SymState& a, const SymState& b);
// The value of every variable in a model (as the explicit state stores it).
std::vector<int> model_values(const z3::model& m, const SymState& s);
// The variable at base + idx (an int expression) as an int; indices outside 0..n-1 read 0.
z3::expr read_at(const SymState& s, int base, int n, const z3::expr& idx);

// Explicit state <-> values. values_of() throws InputError for a state outside what the SMT
// engine encodes (a pcp list in use, a lock held between steps, a deeper call stack);
// to_state() lays the values out as the explicit engine would (frame offsets from the kernel's
// procedure table).
std::vector<int> values_of(const SymLayout& S, model::StateRef s, const model::Kernel& k);
model::State to_state(const SymLayout& S, const std::vector<int>& vals, const model::Kernel& k);

// A CPU's control state between steps: which operation, which procedures on its stack, at
// which program counters, and the locals whose value there does not depend on memory (the
// operation's arguments and what is computed from them; kSymbolic for the others, such as a
// value read from a page). The encoding runs each step from a concrete control state; memory
// and the other locals stay symbolic, so the constants fold through the step.
inline constexpr int kSymbolic = -1;
struct Ctrl {
  int op = 0, depth = 0;
  int proc[kFrames]{}, pc[kFrames]{};
  int loc[kFrames][kLocals]{};
  auto operator<=>(const Ctrl&) const = default;
  bool operator==(const Ctrl&) const = default;
};
Ctrl ctrl_of(const SymLayout& S, const std::vector<int>& vals, int cpu);  // every local concrete
z3::expr ctrl_is(const SymState& s, int cpu, const Ctrl& ctrl);
std::string describe_ctrl(const model::Kernel& k, const Ctrl& ctrl);

}  // namespace pagecheck::smt

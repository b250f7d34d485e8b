// Symbolic execution of one step of one CPU: the SMT counterpart of model::Ctx.
//
// The control state (operation, procedures on the stack, their program counters) is concrete;
// memory, locals and return values are expressions. Inside an atomic helper (a zone->lock
// section) both sides of a branch run one after the other under a guard (predicated
// execution): every write is `x := cond(guard, value, x)`, so the helper's effect is one
// expression per variable, whatever path the data takes. Where data decides the control flow of
// a procedure (which pc comes next, whether it returns) the step forks: decide() returns a
// concrete answer, and the step is run once per combination of answers (as the explicit
// interpreter enumerates choose() outcomes); each run is one path with its own condition.
#pragma once

#include <vector>

#include "checker/smt/expr.hpp"
#include "checker/smt/sym.hpp"
#include "model/machine.hpp"

namespace pagecheck::smt {

struct SymKernel;
struct SmtProperty;

// An observation a step reports to the event properties (model::Observation, symbolic).
struct SymObs {
  model::Obs kind;
  int check = 0;
  z3::expr pfn, order, a, b;  // ints
};

// What an Exec needs from the encoder: the kernel, its encoding, the programs, the event
// properties that listen.
struct ExecEnv {
  const model::Kernel* k = nullptr;
  const SymKernel* K = nullptr;
  const SymLayout* S = nullptr;
  const std::vector<model::Program>* programs = nullptr;
  std::vector<const SmtProperty*> events;  // event properties, in the encoder's order
};

class Exec {
 public:
  Exec(z3::context& c, const ExecEnv& env, const SymState& pre, int cpu, const Ctrl& start,
       const std::vector<bool>& script);

  z3::context& c;
  const ExecEnv& env;
  const model::Kernel& k;
  const SymKernel& K;
  const SymLayout& S;
  const model::Layout& L;
  SymState s;     // the state as the step has left it so far
  z3::expr g;     // predication guard of the code running now
  z3::expr path;  // this path's condition (the decisions taken)
  const int cpu;
  Ctrl ctrl;        // concrete control state
  int regions = 0;  // regions run in this step (a locked section, or one unlocked read)
  z3::expr retval;
  std::vector<z3::expr> viol;  // per event property: this step raised it
  // The step reached code the encoding does not model (unsupported()): its successor is
  // meaningless, so BMC and k-induction exclude such steps and report whether one is reachable.
  z3::expr unsup;
  void unsupported() { unsup = lor(unsup, g); }

  // --- ints ---------------------------------------------------------------------------------
  z3::expr I(int64_t v) const { return smt::I(c, v); }
  z3::expr T() const { return c.bool_val(true); }
  z3::expr F() const { return c.bool_val(false); }
  z3::expr bit(int64_t v) const { return shift_left(I(1), I(v)); }

  // --- predication --------------------------------------------------------------------------
  // Runs the enclosing code under `guard && cond` for the lifetime of the object.
  class When {
   public:
    When(Exec& x, const z3::expr& cond) : x_(x), saved_(x.g) { x.g = land(x.g, cond); }
    ~When() { x_.g = saved_; }
    When(const When&) = delete;
    When& operator=(const When&) = delete;

   private:
    Exec& x_;
    z3::expr saved_;
  };
  // A variable of helper code: assigned under the current guard.
  void assign(z3::expr& var, const z3::expr& value) const { var = cond(g, value, var); }

  // --- control decisions (procedure level only) ---------------------------------------------
  bool decide(const z3::expr& cond);
  const std::vector<bool>& taken() const { return taken_; }
  size_t script_size() const { return script_.size(); }

  // --- reads (ints; out-of-range indices read 0) --------------------------------------------
  z3::expr rd(int base, int n, const z3::expr& idx) const;
  z3::expr flags(const z3::expr& pfn) const { return rd(S.flags, S.np, pfn); }
  z3::expr priv(const z3::expr& pfn) const { return rd(S.priv, S.np, pfn); }
  z3::expr list_of(const z3::expr& pfn) const { return rd(S.list_of, S.np, pfn); }
  z3::expr rank(const z3::expr& pfn) const { return rd(S.rank, S.np, pfn); }
  z3::expr owner(const z3::expr& pfn) const { return rd(S.owner, S.np, pfn); }
  z3::expr pcpmt(const z3::expr& pfn) const { return rd(S.pcpmt, S.np, pfn); }
  z3::expr pb_bits(const z3::expr& pb) const { return rd(S.pb, S.nb, pb); }
  // The first page of a list (position 0), or NIL.
  z3::expr head(const z3::expr& list) const;
  z3::expr counter(const z3::expr& idx) const;
  z3::expr counter(model::Counter ctr) const { return counter(I(static_cast<int>(ctr))); }

  // --- recorded primitive writes, under the guard (model::Ctx's) -----------------------------
  void wr(int var, const z3::expr& value);  // value: an int, stored as the variable's width
  void wr_at(int base, int n, const z3::expr& idx, const z3::expr& value);
  void set_buddy(const z3::expr& pfn, const z3::expr& order);
  void clear_buddy(const z3::expr& pfn);
  void list_add(const z3::expr& list, const z3::expr& pfn);
  void list_add_tail(const z3::expr& list, const z3::expr& pfn);
  void list_del(const z3::expr& pfn);
  void set_pb_bits(const z3::expr& pb, const z3::expr& bits);
  void mod_counter(const z3::expr& idx, const z3::expr& delta);
  void mod_counter(model::Counter ctr, const z3::expr& delta) {
    mod_counter(I(static_cast<int>(ctr)), delta);
  }
  void set_owner(const z3::expr& pfn, const z3::expr& nr, const z3::expr& owner);
  void set_page_flags(const z3::expr& pfn, const z3::expr& flags);
  void set_pcpmt(const z3::expr& pfn, const z3::expr& mt);

  // --- locks and regions --------------------------------------------------------------------
  // zone->lock is free between steps in the encoded scope, so taking it never blocks; dropping
  // it ends the step's region. Must run unguarded: the region count is concrete.
  void spin_lock_zone() const {}
  void spin_unlock_zone();
  void unlocked_read();
  bool must_yield() const { return regions > 0; }

  // --- frames -------------------------------------------------------------------------------
  int pc() const { return ctrl.pc[ctrl.depth - 1]; }
  void set_pc(int pc) { ctrl.pc[ctrl.depth - 1] = pc; }
  int depth() const { return ctrl.depth; }
  int proc() const { return ctrl.proc[ctrl.depth - 1]; }
  z3::expr loc(int i) const;
  void set_loc(int i, const z3::expr& v);
  model::Flow call(int proc, std::vector<z3::expr> args, int return_pc);
  model::Flow ret(const z3::expr& v) {
    retval = v;
    return model::Flow::Return;
  }
  model::Flow ret() { return ret(I(0)); }
  model::Flow yield(int next_pc) {
    set_pc(next_pc);
    return model::Flow::Yield;
  }
  void push_frame(int proc, const std::vector<z3::expr>& args);
  void pop_frame();
  void set_cpu_field(int field, const z3::expr& v) { wr(S.cpu_var(cpu, field), v); }
  const model::Program& program() const { return (*env.programs)[static_cast<size_t>(cpu)]; }
  // Writes the concrete control state into the state's variables (at the end of a path).
  void store_ctrl();

  // --- properties ---------------------------------------------------------------------------
  void observe(const SymObs& o);

 private:
  std::vector<bool> script_, taken_;
};

// Kernel helpers every encoded function uses (mm/internal.h, include/linux/mm.h).
z3::expr PageBuddy(const Exec& x, const z3::expr& pfn);
z3::expr buddy_order(const Exec& x, const z3::expr& pfn);
z3::expr zone_spans_pfn(const Exec& x, const z3::expr& pfn);
z3::expr pageblock_of(const Exec& x, const z3::expr& pfn);
z3::expr pageblock_start_pfn(const Exec& x, const z3::expr& pfn);
z3::expr pageblock_end_pfn(const Exec& x, const z3::expr& pfn);
z3::expr pageblock_align(const Exec& x, const z3::expr& pfn);
z3::expr is_migrate_isolate(const Exec& x, const z3::expr& mt);
z3::expr is_migrate_cma(const Exec& x, const z3::expr& mt);
z3::expr migratetype_is_mergeable(const Exec& x, const z3::expr& mt);
z3::expr buddy_list(const Exec& x, const z3::expr& order, const z3::expr& mt);
z3::expr counter_nr_free(const Exec& x, const z3::expr& order);
void kernel_warn(Exec& x, model::KernelCheck check, const z3::expr& pfn, const z3::expr& a,
                 const z3::expr& b);
void kernel_warn(Exec& x, model::KernelCheck check, const z3::expr& pfn);

}  // namespace pagecheck::smt

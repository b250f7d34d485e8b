// The execution machinery: call frames, atomic steps, and the context a kernel function runs in.
//
// A CPU runs its operations one after another. Each modelled kernel function that spans more than
// one atomic region is a *procedure*: a small state machine over program counters with its own
// frame (proc id, pc, byte locals) on the CPU's stack in the state. A *step* runs the CPU from
// its current pc until the code yields; the code yields exactly where the kernel can be
// interleaved (after dropping a lock, between unlocked reads of shared memory). Functions that run
// entirely inside one critical section are plain C++ functions called within a step.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/events.hpp"
#include "model/state.hpp"
#include "model/types.hpp"

namespace pagecheck::model {

struct Kernel;
class Ctx;

// What a procedure's run function tells the interpreter.
enum class Flow : uint8_t {
  Yield,    // the atomic step ends here; the frame resumes at its pc in a later step
  Call,     // a callee frame was pushed; keep running (same step)
  Return,   // pop this frame; keep running the caller (same step)
  Blocked,  // a lock is held by another CPU: the step is not enabled (nothing may have changed)
};

using RunFn = Flow (*)(Ctx&);

class Footprint;  // model/footprint.hpp
// Declares what the next step of a frame of this procedure may touch, from the state before
// the step (model/footprint.hpp). Without one the step conflicts with everything.
using FootprintFn = void (*)(const Ctx&, Footprint&);

// How a trace shows a procedure's return value.
enum class RetKind : uint8_t { Void, Errno, Pfn, Count };

struct ProcDef {
  const char* name;    // the kernel function, e.g. "isolate_single_pageblock"
  const char* source;  // its citation: "mm/page_isolation.c, v6.5"
  uint8_t nlocals;     // byte locals; the first ones receive the call arguments
  RunFn run;
  // Arguments as a reader expects them in a trace, from the frame's locals.
  std::string (*describe)(const Ctx&) = nullptr;
  RetKind ret = RetKind::Void;
  FootprintFn footprint = nullptr;
};

// Return values travel as ints: an errno as its negative, a pfn as itself or -1 for NULL.
std::string format_ret(RetKind k, int v);

// A violation raised during a step (a kernel check that fired, or an event property).
struct Violation {
  std::string property;
  std::string message;
  std::vector<int> pfns;
  std::vector<int> pageblocks;
  std::vector<std::string> lists;
};

// Thrown by a step that has raised a violation after which the model cannot go on (a page
// added to a list while it is on another: the kernel corrupts both lists). The interpreter
// ends the step there; the state is a violating end state that the explorer never expands.
struct StepAborted {};

// Observations the model reports to the properties that listen.
enum class Obs : uint8_t {
  AllocFromBuddy,    // pfn, order: rmqueue handed out pages it took off a buddy list
  KernelCheck,       // check id (see properties), pfn, a, b: a kernel VM_WARN/VM_BUG_ON fired
  FreeNotAllocated,  // pfn, order: a free of pages the caller does not own
  RetryBound,        // check = which loop (0: offline_pages), a = iterations: a bounded retry hit its bound
  TestIsolatedBusy,  // pfn = start, a = end: test_pages_isolated() returns -EBUSY
};

struct Observation {
  Obs kind;
  int check = 0;
  int pfn = -1;
  int order = 0;
  int a = 0, b = 0;
};

class Observer {
 public:
  virtual ~Observer() = default;
  // May call ctx.raise(...).
  virtual void observe(Ctx& ctx, const Observation& o) = 0;
};

// One CPU's operation, resolved: the entry procedure and its arguments.
struct Op {
  int def = -1;  // index in op_registry()
  int proc = 0;  // ProcId of the entry procedure
  std::array<uint8_t, 8> args{};
  uint8_t nargs = 0;
  std::string text;  // as written in the scenario, for traces
};

using Program = std::vector<Op>;  // a CPU's operations in order

// Byte offsets inside the CPU area of the state.
namespace cpuoff {
inline constexpr int op = 0;           // index of the running (or next) operation
inline constexpr int depth = 1;        // number of frames
inline constexpr int top = 2;          // offset of the top frame in the stack
inline constexpr int used = 3;         // stack bytes in use
inline constexpr int res_pfn = 4;      // pfn the last allocation returned, NIL if it failed
inline constexpr int res_order = 5;    // order of the last allocation
inline constexpr int res_contig = 6;   // last alloc_contig_range(): 0 none, 1 succeeded, 2 failed
inline constexpr int res_offline = 7;  // last offline_pages(): 0 none, 1 succeeded, 2 failed
inline constexpr int stack = 8;
}  // namespace cpuoff

// The context of one step on one CPU.
class Ctx {
 public:
  Ctx(StateRef s, const Kernel& k, const std::vector<Program>& programs, int cpu)
      : s(s), L(s.layout()), k(k), cpu(cpu), programs_(programs) {}

  StateRef s;
  const Layout& L;
  const Kernel& k;

  // --- frames -------------------------------------------------------------------------------
  int pc() const { return frame()[1]; }
  void set_pc(int pc) { frame()[1] = static_cast<uint8_t>(pc); }
  uint8_t& loc(int i) { return frame()[2 + i]; }
  uint8_t loc(int i) const { return frame()[2 + i]; }
  int proc() const { return frame()[0]; }
  int depth() const { return cpu_area()[cpuoff::depth]; }

  // Step boundaries. A step runs one region that touches shared memory (a locked section, or
  // one unlocked read), then local computation until the next region. Code calls
  // must_yield() before every region and every call: true once this step has run a region.
  bool must_yield() const { return regions_ > 0; }
  // Ends a region that took no lock: an unlocked read of shared memory (PageBuddy() peeks,
  // a racy pageblock type read). spin_unlock() ends locked regions by itself.
  void unlocked_read() { ++regions_; }

  // Push a callee; the caller resumes at return_pc (in this same step) when the callee returns.
  Flow call(int proc_id, std::initializer_list<int> args, int return_pc);
  // Return value to the caller (readable there as retval()).
  Flow ret(int value = 0) {
    retval_ = value;
    return Flow::Return;
  }
  Flow yield(int next_pc) {
    set_pc(next_pc);
    return Flow::Yield;
  }
  int retval() const { return retval_; }

  // --- nondeterminism ----------------------------------------------------------------------
  // Returns one of 0..n-1; the explorer enumerates every outcome of every step.
  int choose(int n, const char* what);

  // --- locks --------------------------------------------------------------------------------
  // False when another CPU holds the lock: the caller must return Flow::Blocked before
  // changing anything in this step.
  [[nodiscard]] bool spin_lock(int lock);
  bool spin_trylock(int lock);
  void spin_unlock(int lock);
  bool lock_held_by_other(int lock) const {
    uint8_t o = s.lock_owner(lock);
    return o != 0 && o != owner_of_cpu(cpu);
  }

  // --- recorded primitive writes ----------------------------------------------------------
  void set_buddy(int pfn, int order);  // set_buddy_order(): private = order, PageBuddy
  void clear_buddy(int pfn);           // __ClearPageBuddy() + set_page_private(0)
  void list_add(int list, int pfn);    // at head
  void list_add_tail(int list, int pfn);
  [[noreturn]] void list_corruption(int list, int pfn);  // raises list-corruption, ends the step
  void list_del(int pfn);                                // from whatever list the page is on
  void set_pb_bits(int pb, uint8_t bits);
  void mod_counter(int idx, int delta);
  void mod_counter(Counter c, int delta) { mod_counter(static_cast<int>(c), delta); }
  void set_owner(int pfn, int nr, uint8_t owner);
  void set_page_flags(int pfn, uint8_t flags);  // PG_lru / PG_reserved and the like
  void set_pcpmt(int pfn, uint8_t mt);
  void set_zone_byte(ZoneByte b, uint8_t v);
  // hugetlb and memmap_on_memory state (model/state.hpp).
  void set_folio_flags(int slot, uint8_t flags);
  void set_folio_ref(int slot, int ref);
  void set_folio_vmemmap(int slot, int i, uint8_t pfn);
  void set_work_pending(bool pending);
  void set_block(int block, int field, int v);  // 0 state, 1 altmap in use, 2 altmap->alloc
  void set_pmd(int chunk, int field, int v);    // 0 backing, 1 users mask
  // Starts `proc` on another thread that has no frame (a worker woken by queue_work()).
  void wake_thread(int thread, int proc_id);

  // --- tracing ------------------------------------------------------------------------------
  bool recording() const { return rec_ != nullptr; }
  void note(std::string text);
  // Enter/leave a call-tree level; depth -1 means the current call_depth().
  void enter(std::string call, const char* cite, int at_depth = -1);
  void leave(const char* name, std::string result = {}, int at_depth = -1);
  // Events inside the running frame sit one level below its procedure's own line.
  int call_depth() const { return depth() + scope_depth_; }

  // --- properties ---------------------------------------------------------------------------
  void observe(const Observation& o) {
    if (observer_) observer_->observe(*this, o);
  }
  void raise(Violation v) {
    if (!raised_) raised_ = std::move(v);
  }
  const std::optional<Violation>& raised() const { return raised_; }

  const Program& program() const { return programs_[static_cast<size_t>(cpu)]; }
  uint8_t* cpu_area() const { return s.cpu(cpu); }

  // --- set up by the interpreter ------------------------------------------------------------
  void set_recorder(Recorder* r) { rec_ = r; }
  void set_observer(Observer* o) { observer_ = o; }
  void set_choices(const std::vector<int>* script, std::vector<int>* arity) {
    script_ = script;
    arity_ = arity;
  }
  bool changed() const { return changed_; }
  void push_frame(int proc_id, const uint8_t* args, int nargs);
  void pop_frame();
  int scope_depth_ = 0;

  const int cpu;

 private:
  uint8_t* frame() const { return cpu_area() + cpuoff::stack + cpu_area()[cpuoff::top]; }
  void rec(const Delta& d);

  const std::vector<Program>& programs_;
  Recorder* rec_ = nullptr;
  Observer* observer_ = nullptr;
  std::optional<Violation> raised_;
  const std::vector<int>* script_ = nullptr;
  std::vector<int>* arity_ = nullptr;
  size_t choice_pos_ = 0;
  int retval_ = 0;
  int regions_ = 0;
  bool changed_ = false;
};

// A call of an atomic helper, shown in traces as one level of the call tree.
class Scope {
 public:
  template <class F>
  Scope(Ctx& c, const char* name, const char* cite, F&& describe_args) : c_(c), name_(name) {
    if (c.recording()) c.enter(std::string(name) + "(" + describe_args() + ")", cite);
    ++c.scope_depth_;
  }
  Scope(Ctx& c, const char* name, const char* cite) : Scope(c, name, cite, [] { return std::string(); }) {}
  ~Scope() {
    --c_.scope_depth_;
    if (c_.recording()) c_.leave(name_, std::move(result_));
  }
  void result(std::string r) {
    if (c_.recording()) result_ = std::move(r);
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Ctx& c_;
  const char* name_;
  std::string result_;
};

}  // namespace pagecheck::model

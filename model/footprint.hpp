// Footprints: what one step of a CPU may read and write in the shared state, object by object
// (one page, one pageblock, one list head, one counter, one lock), so that the explorer can tell
// independent steps apart (checker/, docs/design.md "Reductions").
//
// A procedure declares the footprint of its next step with ProcDef::footprint, a function of the
// state before the step. A procedure that declares nothing gets Footprint::everything(): its
// steps are dependent with every other step, and the reductions leave them alone.
// --check-footprints records every primitive access of every step (AccessLog, hooked into
// StateRef and Ctx) and holds it to the declaration.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "model/state.hpp"

namespace pagecheck::model {

// Resource numbers of a layout: pages (flags, private, owner, which list the page is on: what
// PageBuddy() and friends read), the pages' next links (page->lru.next), pageblocks, list heads
// (buddy lists, then each CPU's pcp lists), counters, locks, the zone bytes (pcp high and
// batch), the CPU areas (private to their CPU unless another one touches them), and "other" for
// any byte of the state none of these names. A page's fields and its link are apart, as in struct page:
// relinking a neighbour on a list does not touch the flags another CPU peeks at.
inline int res_page(const Layout&, int pfn) {
  return pfn;
}
inline int res_link(const Layout& L, int pfn) {
  return L.nr_pages + pfn;
}
inline int res_pageblock(const Layout& L, int pb) {
  return 2 * L.nr_pages + pb;
}
inline int res_list(const Layout& L, int list) {
  return 2 * L.nr_pages + L.nr_pb + list;
}
inline int res_counter(const Layout& L, int idx) {
  return 2 * L.nr_pages + L.nr_pb + L.nr_lists + idx;
}
inline int res_lock(const Layout& L, int lock) {
  return 2 * L.nr_pages + L.nr_pb + L.nr_lists + L.nr_counters + lock;
}
inline int res_zone_byte(const Layout& L, ZoneByte b) {
  return 2 * L.nr_pages + L.nr_pb + L.nr_lists + L.nr_counters + L.nr_locks + static_cast<int>(b);
}
inline int res_cpu(const Layout& L, int cpu) {
  return 2 * L.nr_pages + L.nr_pb + L.nr_lists + L.nr_counters + L.nr_locks + ZB_COUNT + cpu;
}
// One CPU area per thread: the CPUs, then the hugetlb worker (Layout::nr_threads). The hugetlb
// and memmap_on_memory regions (folio slots, the work item, memory blocks, vmemmap PMDs) are
// "other": only undeclared procedures (footprint everything) and declarations that say
// everything touch them.
inline int res_other(const Layout& L) {
  return res_cpu(L, L.nr_threads);
}
inline int res_count(const Layout& L) {
  return res_other(L) + 1;
}
// "page 5", "pageblock 2", "free_list[1][MOVABLE]", "NR_FREE_PAGES", "zone->lock", ...
std::string res_name(const Layout& L, int r);
// The resource a byte of the state belongs to; -1 for the CPU area of `self`.
int res_of_offset(const Layout& L, int off, int self);

class ResourceSet {
 public:
  static constexpr int kWords = 8;
  static constexpr int kMax = kWords * 64;
  void set(int r) { w_[static_cast<size_t>(r >> 6)] |= uint64_t{1} << (r & 63); }
  bool test(int r) const { return (w_[static_cast<size_t>(r >> 6)] >> (r & 63)) & 1; }
  uint64_t word(int i) const { return w_[static_cast<size_t>(i)]; }
  void set_word(int i, uint64_t v) { w_[static_cast<size_t>(i)] = v; }
  ResourceSet operator&(const ResourceSet& o) const;
  void set_all(int n);
  bool any() const;
  ResourceSet& operator|=(const ResourceSet& o);
  ResourceSet operator|(const ResourceSet& o) const {
    ResourceSet r = *this;
    return r |= o;
  }
  // Members not in o.
  ResourceSet minus(const ResourceSet& o) const;
  bool operator==(const ResourceSet&) const = default;
  template <class F>
  void for_each(F&& f) const {
    for (int i = 0; i < kWords; ++i)
      for (uint64_t m = w_[static_cast<size_t>(i)]; m; m &= m - 1) f(i * 64 + __builtin_ctzll(m));
  }

 private:
  std::array<uint64_t, kWords> w_{};
};

// What a step may read, write, or add to (a counter update by the mod_counter() primitive: two
// adds commute, an add and a read do not).
class Footprint {
 public:
  Footprint() = default;
  explicit Footprint(const Layout* L) : L_(L), words_((res_count(*L) + 63) / 64) {}
  static Footprint everything() {
    Footprint f;
    f.all_ = true;
    return f;
  }

  // --- declaring -------------------------------------------------------------------------
  void read_page(int pfn) { read_.set(res_page(*L_, pfn)); }
  void write_page(int pfn) { write_.set(res_page(*L_, pfn)); }
  void read_link(int pfn) { read_.set(res_link(*L_, pfn)); }
  void write_link(int pfn) { write_.set(res_link(*L_, pfn)); }
  void read_pages(int lo, int hi);   // [lo, hi) clipped to the zone
  void write_pages(int lo, int hi);  // [lo, hi) clipped to the zone: their fields and links
  void read_pageblock(int pb) { read_.set(res_pageblock(*L_, pb)); }
  void write_pageblock(int pb) { write_.set(res_pageblock(*L_, pb)); }
  void read_list(int list) { read_.set(res_list(*L_, list)); }
  void write_list(int list) { write_.set(res_list(*L_, list)); }
  // Walking a list (list_add_tail, list_del of an inner entry): its head and every link on it.
  void read_chain(StateRef s, int list);
  void add_counter(int idx) { add_.set(res_counter(*L_, idx)); }
  void add_counter(Counter c) { add_counter(static_cast<int>(c)); }
  void read_counter(int idx) { read_.set(res_counter(*L_, idx)); }
  void read_counter(Counter c) { read_counter(static_cast<int>(c)); }
  void write_counter(int idx) { write_.set(res_counter(*L_, idx)); }
  void write_counter(Counter c) { write_counter(static_cast<int>(c)); }
  void read_zone_byte(ZoneByte b) { read_.set(res_zone_byte(*L_, b)); }
  void write_zone_byte(ZoneByte b) { write_.set(res_zone_byte(*L_, b)); }
  // A lock taken and dropped within the step: it reads that the lock is free, and leaves it so.
  void lock(int lock) { read_.set(res_lock(*L_, lock)); }
  // A lock taken or dropped across steps: the step changes its owner.
  void hold(int lock) { write_.set(res_lock(*L_, lock)); }
  void set_everything() { all_ = true; }

  // --- how the step goes on past this frame ------------------------------------------------
  // The step may return from this frame; the caller's code then runs on in the same step (the
  // explorer adds the caller's declaration at its return pc, model/footprint.hpp). With
  // `after_region`, every such return follows a region of this step: the caller then runs only
  // up to its next must_yield().
  void may_return(bool after_region = false) {
    returns_ = after_region && returns_ != Return::Any ? Return::AfterRegion : Return::Any;
  }
  // The step calls `proc` with `args` (before its region, as Ctx::call() must): the callee's
  // first step runs in this step, the caller resuming at `return_pc` with the locals given by
  // set_caller_loc() (what the caller's code set before calling). One call per declaration.
  void call(int proc, std::initializer_list<int> args, int return_pc);
  void set_caller_loc(int i, int v);
  // Set by the explorer for a caller's declaration at its return pc: continuation() says the
  // frame runs on after a callee returned in this step (its pc was set by the call, retval()
  // is that callee's and not known here); must_yield() that the callee returned after a region,
  // so the frame runs only up to its next must_yield() check.
  bool continuation() const { return continuation_; }
  bool must_yield() const { return must_yield_; }
  void set_context(bool continuation, bool must_yield) {
    continuation_ = continuation;
    must_yield_ = must_yield;
  }

  struct Call {
    int proc = -1;
    int return_pc = 0;
    int nargs = 0, nlocs = 0;
    std::array<uint8_t, 8> args{};
    std::array<uint8_t, 4> loc_index{}, loc_value{};
  };
  enum class Return : uint8_t { None, AfterRegion, Any };
  Return returns() const { return returns_; }
  const Call& pending_call() const { return call_; }

  // Resources only: the control parts above stay with the declaration they came from.
  Footprint& operator|=(const Footprint& o);

  // --- reading -----------------------------------------------------------------------------
  bool all() const { return all_; }
  const ResourceSet& reads() const { return read_; }
  const ResourceSet& writes() const { return write_; }
  const ResourceSet& adds() const { return add_; }
  ResourceSet& reads() { return read_; }
  ResourceSet& writes() { return write_; }
  ResourceSet& adds() { return add_; }
  const Layout* layout() const { return L_; }
  int words() const { return words_; }  // how many words of the sets the layout uses
  // Does the step change any shared resource?
  bool writes_anything() const { return all_ || write_.any() || add_.any(); }

  std::string describe() const;  // for footprint-check messages

 private:
  const Layout* L_ = nullptr;
  int words_ = ResourceSet::kWords;
  ResourceSet read_, write_, add_;
  bool all_ = false;
  Return returns_ = Return::None;
  bool continuation_ = false, must_yield_ = false;
  Call call_;
};

// Whether two steps' footprints conflict (the steps are dependent): a write against any access,
// or an add against a read.
inline bool conflicts(const Footprint& a, const Footprint& b) {
  if (a.all() || b.all()) return true;
  const int n = a.words() > b.words() ? a.words() : b.words();
  for (int i = 0; i < n; ++i) {
    const uint64_t ar = a.reads().word(i), aw = a.writes().word(i), aa = a.adds().word(i);
    const uint64_t br = b.reads().word(i), bw = b.writes().word(i), ba = b.adds().word(i);
    if ((aw & (br | bw | ba)) | (bw & (ar | aa)) | (aa & br) | (ba & ar)) return true;
  }
  return false;
}
// The objects on which they conflict (everything, if either declares nothing).
ResourceSet conflict_set(const Footprint& a, const Footprint& b, int nres);

// Records the primitive accesses of a step (--check-footprints). StateRef reports reads and
// writes of state bytes by offset; Ctx::mod_counter reports adds.
class AccessLog {
 public:
  virtual ~AccessLog() = default;
  virtual void on_read(int off, int len) = 0;
  virtual void on_write(int off, int len) = 0;
  virtual void on_add(int counter) = 0;
  virtual void on_cpu_area(int cpu) = 0;  // raw access to a CPU's area (StateRef::cpu)
};

}  // namespace pagecheck::model

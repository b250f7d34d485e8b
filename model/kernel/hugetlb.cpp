// mm/hugetlb.c, modelled: the pool of one hstate on one node, its lock and counters, the last
// folio_put() of a huge page, free_huge_folio(), the deferred free through free_hpage_work,
// dissolve_free_hugetlb_folio(s)(), and the fresh allocation of a surplus huge page from the buddy
// allocator. A huge page is a hugetlb_order-aligned range of the zone (a "slot"): its pages belong
// to hugetlb (OWNER_HUGETLB) while it is a hugetlb folio, and go back to the buddy lists when it is
// freed. docs/model.md, "hugetlb".
#include <fmt/format.h>

#include "model/kernel/hugetlb_internal.hpp"

namespace pagecheck::model {

std::string folio_text(int pfn) {
  return fmt::format("folio pfn {}", pfn);
}

// folio_set_hugetlb() and the other folio flag setters and clearers (PAGEFLAG/HPAGEFLAG),
// include/linux/page-flags.h and include/linux/hugetlb.h, v6.12.8
void folio_set(Ctx& c, int pfn, FolioFlag f) {
  int slot = folio_slot(c, pfn);
  c.set_folio_flags(slot, static_cast<uint8_t>(c.s.folio_flags(slot) | f));
}

void folio_clear(Ctx& c, int pfn, FolioFlag f) {
  int slot = folio_slot(c, pfn);
  c.set_folio_flags(slot, static_cast<uint8_t>(c.s.folio_flags(slot) & ~f));
}

bool free_hpage_work_idle(const Ctx& c) {
  const int worker = c.L.geo.worker_thread();
  return c.s.head(c.L.hugetlb_list(HL_HPAGE_LLIST)) == NIL && !c.s.work_pending() &&
         c.s.cpu(worker)[cpuoff::depth] == 0;
}

namespace {

std::string describe_pfn(const Ctx& c) {
  return folio_text(c.loc(0));
}

// available_huge_pages(), mm/hugetlb.c, v6.12.8
int available_huge_pages(const Ctx& c) {
  return hstate_counter(c, HC_free_huge_pages) - hstate_counter(c, HC_resv_huge_pages);
}

// enqueue_hugetlb_folio(), mm/hugetlb.c, v6.12.8 (HPG_freed from 7ffddd499ba6): under hugetlb_lock,
// list_move() onto the free list, whatever list folio->lru is on.
void enqueue_hugetlb_folio(Ctx& c, int pfn) {
  Scope sc(c, "enqueue_hugetlb_folio", kHT612, [&] { return folio_text(pfn); });
  if (folio_ref_count(c, pfn)) kernel_warn(c, KC_HUGETLB_ENQUEUE_REF, pfn, folio_ref_count(c, pfn));
  // On no list at all the kernel's list_move() would follow poisoned pointers; the model links it.
  if (c.s.list_of(pfn) != NIL) c.list_del(pfn);
  c.list_add(c.L.hugetlb_list(HL_FREELIST), pfn);
  mod_hstate_counter(c, HC_free_huge_pages, 1);
  if (c.k.has(F_HUGETLB_FREED_MARKER)) folio_set(c, pfn, FOLIO_freed);
}

// remove_hugetlb_folio(), mm/hugetlb.c, v6.12.8: under hugetlb_lock the folio leaves the lists
// and the counters; its hugetlb flag stays while its vmemmap is optimized (32c877191e02; before
// it, the flag -- then the compound destructor -- was cleared here unconditionally). Before
// 7ffddd499ba6 there was no HPG_freed: dissolve took a folio with no reference for a free one and
// decremented free_huge_pages itself (`assume_free`, v5.10's dissolve_free_huge_page()).
void remove_hugetlb_folio(Ctx& c, int pfn, bool adjust_surplus, bool assume_free = false) {
  Scope sc(c, "remove_hugetlb_folio", kHT612,
           [&] { return fmt::format("{}, adjust_surplus={}", folio_text(pfn), adjust_surplus); });
  if (c.s.list_of(pfn) != NIL) c.list_del(pfn);
  if (folio_test(c, pfn, FOLIO_freed)) {
    folio_clear(c, pfn, FOLIO_freed);
    mod_hstate_counter(c, HC_free_huge_pages, -1);
  } else if (assume_free) {
    mod_hstate_counter(c, HC_free_huge_pages, -1);
  }
  if (adjust_surplus) mod_hstate_counter(c, HC_surplus_huge_pages, -1);
  if (!c.k.has(F_HUGETLB_FLAG_AFTER_VMEMMAP) || !folio_test(c, pfn, FOLIO_vmemmap_optimized))
    folio_clear(c, pfn, FOLIO_hugetlb);
  mod_hstate_counter(c, HC_nr_huge_pages, -1);
}

// add_hugetlb_folio(), mm/hugetlb.c, v6.12.8 (ad2fa3717b74, v5.14): a folio whose vmemmap could
// not be restored goes back into the pool, counted again, optionally as surplus; its private
// flags are reset (folio_change_private()) except HPG_vmemmap_optimized.
void add_hugetlb_folio(Ctx& c, int pfn, bool adjust_surplus) {
  Scope sc(c, "add_hugetlb_folio", kHT612,
           [&] { return fmt::format("{}, adjust_surplus={}", folio_text(pfn), adjust_surplus); });
  if (!folio_test(c, pfn, FOLIO_vmemmap_optimized)) kernel_warn(c, KC_HUGETLB_ADD_NOT_OPTIMIZED, pfn);
  mod_hstate_counter(c, HC_nr_huge_pages, 1);
  if (adjust_surplus) mod_hstate_counter(c, HC_surplus_huge_pages, 1);
  c.set_folio_flags(folio_slot(c, pfn), FOLIO_hugetlb | FOLIO_vmemmap_optimized);
  enqueue_hugetlb_folio(c, pfn);
}

// ---- folio_put() -----------------------------------------------------------------------------

enum PutLoc : uint8_t { PUT_PFN, PUT_N };
enum PutPc : uint8_t { PUT_ENTRY = 0, PUT_TEST, PUT_HUGETLB, PUT_PAGES, PUT_DONE };

// folio_put() (include/linux/mm.h) and __folio_put(), mm/swap.c (mainline, read in a public
// mirror; v6.12 frees with free_unref_page() where later kernels call free_frozen_pages()): the
// atomic put_page_testzero(), then, with no lock, folio_test_hugetlb() decides between
// free_huge_folio() and the ordinary free of the folio's pages.
Flow run_folio_put(Ctx& c) {
  const int pfn = c.loc(PUT_PFN);
  for (;;) {
    switch (c.pc()) {
      case PUT_ENTRY: {
        int slot = folio_slot(c, pfn);
        int ref = c.s.folio_ref(slot);
        if (ref == 0) {
          kernel_warn(c, KC_PUT_ZERO_REF, pfn);
          c.unlocked_read();
          return c.ret();
        }
        c.set_folio_ref(slot, ref - 1);  // atomic_dec_and_test()
        c.unlocked_read();
        if (ref - 1) return c.ret();
        c.set_pc(PUT_TEST);
        break;
      }
      case PUT_TEST: {
        if (c.must_yield()) return c.yield(PUT_TEST);
        bool huge = folio_test_hugetlb(c, pfn);
        c.unlocked_read();
        if (c.recording()) c.note(fmt::format("folio_test_hugetlb({}) = {}", folio_text(pfn), huge));
        c.set_pc(huge ? PUT_HUGETLB : PUT_PAGES);
        break;
      }
      case PUT_HUGETLB:
        if (c.must_yield()) return c.yield(PUT_HUGETLB);
        return c.call(P_free_huge_folio, {pfn}, PUT_DONE);
      case PUT_PAGES:
        if (c.must_yield()) return c.yield(PUT_PAGES);
        return c.call(P_free_pages, {pfn, huge_page_order(c)}, PUT_DONE);
      case PUT_DONE: return c.ret();
      default: throw ModelError("folio_put: bad pc");
    }
  }
}
const ProcDef kFolioPut{"folio_put", "include/linux/mm.h, mm/swap.c (__folio_put)", PUT_N, run_folio_put,
                        describe_pfn};

// ---- free_huge_folio() -----------------------------------------------------------------------

enum FhfLoc : uint8_t { FHF_PFN, FHF_N };
enum FhfPc : uint8_t { FHF_ENTRY = 0, FHF_FREE, FHF_DONE };

// free_huge_folio(), mm/hugetlb.c, v6.12.8: with the refcount at zero, one hugetlb_lock section
// either removes a temporary or surplus folio (then frees it, deferred when its vmemmap must be
// restored) or puts it on the free list. Subpools, reservations and cgroups are not modelled
// (no HPG_restore_reserve: resv_huge_pages is not restored here).
Flow run_free_huge_folio(Ctx& c) {
  const int pfn = c.loc(FHF_PFN);
  switch (c.pc()) {
    case FHF_ENTRY: {
      if (!hugetlb_lock(c)) return Flow::Blocked;
      // folio_hstate() and the VM_BUG_ONs at the top, evaluated in the locked step
      if (!folio_test_hugetlb(c, pfn)) kernel_warn(c, KC_FOLIO_HSTATE, pfn);
      if (folio_ref_count(c, pfn)) kernel_warn(c, KC_HUGETLB_FREE_REF, pfn, folio_ref_count(c, pfn));
      if (folio_test(c, pfn, FOLIO_temporary)) {
        remove_hugetlb_folio(c, pfn, false);
      } else if (hstate_counter(c, HC_surplus_huge_pages)) {  // surplus_huge_pages_node[nid]
        remove_hugetlb_folio(c, pfn, true);
      } else {
        enqueue_hugetlb_folio(c, pfn);
        hugetlb_unlock(c);
        return c.ret();
      }
      hugetlb_unlock(c);
      return c.yield(FHF_FREE);
    }
    case FHF_FREE: return c.call(P_update_and_free_hugetlb_folio, {pfn, 1}, FHF_DONE);
    case FHF_DONE: return c.ret();
    default: throw ModelError("free_huge_folio: bad pc");
  }
}
const ProcDef kFreeHugeFolio{"free_huge_folio", kHT612, FHF_N, run_free_huge_folio, describe_pfn};

// ---- update_and_free_hugetlb_folio() ---------------------------------------------------------

enum UafLoc : uint8_t { UAF_PFN, UAF_ATOMIC, UAF_N };
enum UafPc : uint8_t { UAF_ENTRY = 0, UAF_SCHEDULE, UAF_DONE };

// update_and_free_hugetlb_folio(), mm/hugetlb.c, v6.12.8: an optimized folio freed from a context
// that may not sleep is pushed on hpage_freelist (llist_add()) and free_hpage_work is scheduled if
// the list was empty; anything else is freed right away.
Flow run_update_and_free(Ctx& c) {
  const int pfn = c.loc(UAF_PFN);
  switch (c.pc()) {
    case UAF_ENTRY: {
      if (!folio_test(c, pfn, FOLIO_vmemmap_optimized) || !c.loc(UAF_ATOMIC))
        return c.call(P___update_and_free_hugetlb_folio, {pfn}, UAF_DONE);
      if (c.must_yield()) return c.yield(UAF_ENTRY);
      const int llist = c.L.hugetlb_list(HL_HPAGE_LLIST);
      bool was_empty = c.s.head(llist) == NIL;
      c.list_add(llist, pfn);  // llist_add(): a cmpxchg on the list head
      c.unlocked_read();
      if (!was_empty) {
        if (c.recording()) c.note("hpage_freelist was not empty: the work is already scheduled");
        return c.ret();
      }
      c.set_pc(UAF_SCHEDULE);
      return c.yield(UAF_SCHEDULE);
    }
    case UAF_SCHEDULE: {
      // schedule_work() (documented semantics): WORK_STRUCT_PENDING is set unless it is set
      // already, and a worker runs the work (the model's worker thread, started if idle).
      if (!c.s.work_pending()) {
        c.set_work_pending(true);
        const int worker = c.L.geo.worker_thread();
        if (c.s.cpu(worker)[cpuoff::depth] == 0) c.wake_thread(worker, P_free_hpage_work);
      } else if (c.recording()) {
        c.note("free_hpage_work is already pending");
      }
      c.unlocked_read();
      return c.ret();
    }
    case UAF_DONE: return c.ret();
    default: throw ModelError("update_and_free_hugetlb_folio: bad pc");
  }
}
std::string describe_uaf(const Ctx& c) {
  return fmt::format("{}, atomic={}", folio_text(c.loc(UAF_PFN)), c.loc(UAF_ATOMIC) ? "true" : "false");
}
const ProcDef kUpdateAndFree{"update_and_free_hugetlb_folio", kHT612, UAF_N, run_update_and_free,
                             describe_uaf};

// ---- __update_and_free_hugetlb_folio() -------------------------------------------------------

enum UfLoc : uint8_t { UF_PFN, UF_CLEAR, UF_RC, UF_N };
enum UfPc : uint8_t { UF_ENTRY = 0, UF_RESTORED, UF_REFUSE, UF_CLEAR_FLAG, UF_PUT, UF_DONE };

// __update_and_free_hugetlb_folio(), mm/hugetlb.c, v6.12.8 (ad2fa3717b74, 32c877191e02,
// 52ccdde16b65): restore the vmemmap with no lock held; if that fails, refuse to free and put the
// folio back into the pool as a surplus page; else clear the hugetlb flag under hugetlb_lock and
// give the pages to the buddy allocator (folio_ref_unfreeze(), then hugetlb_free_folio(), which in
// v6.12 is folio_put()). 32c877191e02 as merged sampled clear_dtor on entry; 52ccdde16b65 tests
// the flag itself. Before 32c877191e02 remove_hugetlb_folio() had cleared the flag already.
Flow run___update_and_free(Ctx& c) {
  const int pfn = c.loc(UF_PFN);
  for (;;) {
    switch (c.pc()) {
      case UF_ENTRY:
        // The folio is private to this thread now: reading its own flags is no shared access.
        c.loc(UF_CLEAR) = folio_test(c, pfn, FOLIO_vmemmap_optimized);
        if (!c.loc(UF_CLEAR)) {
          c.set_pc(UF_CLEAR_FLAG);
          break;
        }
        if (c.must_yield()) return c.yield(UF_ENTRY);
        return c.call(P_hugetlb_vmemmap_restore_folio, {pfn}, UF_RESTORED);
      case UF_RESTORED:
        c.loc(UF_RC) = c.retval() != 0;
        c.set_pc(c.loc(UF_RC) ? UF_REFUSE : UF_CLEAR_FLAG);
        break;
      case UF_REFUSE:
        // "If we cannot allocate vmemmap pages, just refuse to free the page and put the page
        // back on the hugetlb free list and treat as a surplus page."
        if (c.must_yield()) return c.yield(UF_REFUSE);
        if (!hugetlb_lock(c)) return Flow::Blocked;
        add_hugetlb_folio(c, pfn, true);
        hugetlb_unlock(c);
        return c.ret();
      case UF_CLEAR_FLAG: {
        if (!c.k.has(F_HUGETLB_FLAG_AFTER_VMEMMAP)) {
          c.set_pc(UF_PUT);
          break;
        }
        bool clear = c.k.has(F_HUGETLB_CLEAR_IF_HUGETLB) ? folio_test_hugetlb(c, pfn) : c.loc(UF_CLEAR) != 0;
        if (!clear) {
          c.set_pc(UF_PUT);
          break;
        }
        if (c.must_yield()) return c.yield(UF_CLEAR_FLAG);
        if (!hugetlb_lock(c)) return Flow::Blocked;
        folio_clear(c, pfn, FOLIO_hugetlb);  // __folio_clear_hugetlb()
        hugetlb_unlock(c);
        c.set_pc(UF_PUT);
        break;
      }
      case UF_PUT:
        if (c.must_yield()) return c.yield(UF_PUT);
        c.set_folio_ref(folio_slot(c, pfn), 1);  // folio_ref_unfreeze(folio, 1)
        return c.call(P_folio_put, {pfn}, UF_DONE);
      case UF_DONE: return c.ret();
      default: throw ModelError("__update_and_free_hugetlb_folio: bad pc");
    }
  }
}
const ProcDef kUpdateAndFreeLocked{"__update_and_free_hugetlb_folio", kHT612, UF_N, run___update_and_free,
                                   describe_pfn};

// ---- the free_hpage_work worker --------------------------------------------------------------

enum WorkPc : uint8_t { W_ENTRY = 0, W_RUN, W_AGAIN };

// The worker thread running free_hpage_work, as the workqueue API documents it (kernel/workqueue.c
// is not among the trees read here): process_one_work() clears WORK_STRUCT_PENDING before the
// function runs, so a schedule_work() while it runs queues it again; the worker runs it again, or
// goes idle.
Flow run_free_hpage_work(Ctx& c) {
  for (;;) {
    switch (c.pc()) {
      case W_ENTRY:
        c.set_work_pending(false);
        c.unlocked_read();
        c.set_pc(W_RUN);
        break;
      case W_RUN:
        if (c.must_yield()) return c.yield(W_RUN);
        return c.call(P_free_hpage_workfn, {}, W_AGAIN);
      case W_AGAIN:
        if (c.must_yield()) return c.yield(W_AGAIN);
        if (c.s.work_pending()) {
          c.set_work_pending(false);
          c.unlocked_read();
          c.set_pc(W_RUN);
          break;
        }
        c.unlocked_read();
        return c.ret();
      default: throw ModelError("free_hpage_work: bad pc");
    }
  }
}
const ProcDef kFreeHpageWork{"process_one_work(free_hpage_work)", "kernel/workqueue.c", 0,
                             run_free_hpage_work};

enum WfnLoc : uint8_t { WF_PFN, WF_N };
enum WfnPc : uint8_t { WF_ENTRY = 0, WF_NEXT, WF_DONE };

// free_hpage_workfn(), mm/hugetlb.c, v6.12.8: llist_del_all() takes every queued folio at once,
// then each is freed with __update_and_free_hugetlb_folio(), head of the chain first.
Flow run_free_hpage_workfn(Ctx& c) {
  const int chain = c.L.hugetlb_list(HL_WORKFN);
  for (;;) {
    switch (c.pc()) {
      case WF_ENTRY: {
        const int llist = c.L.hugetlb_list(HL_HPAGE_LLIST);
        std::vector<int> pfns = c.s.list_pfns(llist);  // llist_del_all(): an xchg of the head
        for (int p : pfns) {
          c.list_del(p);
          c.list_add_tail(chain, p);
        }
        c.unlocked_read();
        c.set_pc(WF_NEXT);
        break;
      }
      case WF_NEXT: {
        int pfn = c.s.head(chain);  // the worker's own chain: no other thread touches it
        if (pfn == NIL) return c.ret();
        if (c.must_yield()) return c.yield(WF_NEXT);
        c.list_del(pfn);  // node = node->next; folio->mapping = NULL
        c.loc(WF_PFN) = static_cast<uint8_t>(pfn);
        return c.call(P___update_and_free_hugetlb_folio, {pfn}, WF_DONE);
      }
      case WF_DONE:  // cond_resched()
        c.set_pc(WF_NEXT);
        break;
      default: throw ModelError("free_hpage_workfn: bad pc");
    }
  }
}
const ProcDef kFreeHpageWorkfn{"free_hpage_workfn", kHT612, WF_N, run_free_hpage_workfn};

// ---- dissolve_free_hugetlb_folio() -----------------------------------------------------------

enum DisLoc : uint8_t { DIS_PFN, DIS_RC, DIS_SURPLUS, DIS_N };
enum DisPc : uint8_t {
  DIS_ENTRY = 0,
  DIS_RETRY,
  DIS_LOCKED,
  DIS_RESTORE,
  DIS_RESTORED,
  DIS_ADD_BACK,
  DIS_FREE,
  DIS_DONE
};

// dissolve_free_hugetlb_folio(), mm/hugetlb.c, v6.12.8: an unlocked look at the hugetlb flag, then
// one hugetlb_lock section that checks the folio is free -- no reference, an unreserved free page
// available, and (7ffddd499ba6) HPG_freed, else unlock and "goto retry" -- removes it and
// decrements max_huge_pages; then, with no lock, the vmemmap is restored (the
// folio_test_hugetlb() check before it is "hugetlb: check for hugetlb folio before
// vmemmap_restore", 2023); on failure the folio goes back into the pool with max_huge_pages
// restored and -ENOMEM is returned. The v6.14 fix passes adjust_surplus = surplus pages on the
// node to both remove and add (v7.1.8); v6.12.8 passes false.
Flow run_dissolve(Ctx& c) {
  const int pfn = c.loc(DIS_PFN);
  for (;;) {
    switch (c.pc()) {
      case DIS_ENTRY: c.set_pc(DIS_RETRY); break;
      case DIS_RETRY: {
        if (c.must_yield()) return c.yield(DIS_RETRY);
        bool huge =
            folio_test_hugetlb(c, pfn);  // "Not to disrupt normal path by vainly holding hugetlb_lock"
        c.unlocked_read();
        if (c.recording()) c.note(fmt::format("folio_test_hugetlb({}) = {}", folio_text(pfn), huge));
        if (!huge) return c.ret(0);
        c.set_pc(DIS_LOCKED);
        break;
      }
      case DIS_LOCKED: {
        if (c.must_yield()) return c.yield(DIS_LOCKED);
        if (!hugetlb_lock(c)) return Flow::Blocked;
        if (!folio_test_hugetlb(c, pfn)) {
          hugetlb_unlock(c);
          return c.ret(0);
        }
        if (folio_ref_count(c, pfn)) {
          hugetlb_unlock(c);
          if (c.recording()) c.note("the folio is in use");
          return c.ret(-kEBUSY);
        }
        if (!available_huge_pages(c)) {
          hugetlb_unlock(c);
          if (c.recording()) c.note("no unreserved free huge page: available_huge_pages() == 0");
          return c.ret(-kEBUSY);
        }
        if (c.k.has(F_HUGETLB_FREED_MARKER) && !folio_test(c, pfn, FOLIO_freed)) {
          // "We should make sure that the page is already on the free list when it is dissolved."
          hugetlb_unlock(c);
          if (c.recording()) c.note("no reference but not HPG_freed: cond_resched(); goto retry");
          return c.yield(DIS_RETRY);
        }
        bool adjust = c.k.has(F_DISSOLVE_ADJUST_SURPLUS) && hstate_counter(c, HC_surplus_huge_pages) != 0;
        c.loc(DIS_SURPLUS) = adjust;
        remove_hugetlb_folio(c, pfn, adjust, !c.k.has(F_HUGETLB_FREED_MARKER));
        mod_hstate_counter(c, HC_max_huge_pages, -1);
        hugetlb_unlock(c);
        c.set_pc(DIS_RESTORE);
        break;
      }
      case DIS_RESTORE:
        if (!folio_test_hugetlb(c, pfn)) {  // the folio is private now: a local read
          c.loc(DIS_RC) = 0;
          c.set_pc(DIS_FREE);
          break;
        }
        if (c.must_yield()) return c.yield(DIS_RESTORE);
        return c.call(P_hugetlb_vmemmap_restore_folio, {pfn}, DIS_RESTORED);
      case DIS_RESTORED:
        c.loc(DIS_RC) = static_cast<uint8_t>(-c.retval());
        c.set_pc(c.loc(DIS_RC) ? DIS_ADD_BACK : DIS_FREE);
        break;
      case DIS_ADD_BACK:
        if (c.must_yield()) return c.yield(DIS_ADD_BACK);
        if (!hugetlb_lock(c)) return Flow::Blocked;
        add_hugetlb_folio(c, pfn, c.loc(DIS_SURPLUS));
        mod_hstate_counter(c, HC_max_huge_pages, 1);
        hugetlb_unlock(c);
        return c.ret(-static_cast<int>(c.loc(DIS_RC)));
      case DIS_FREE:
        if (c.must_yield()) return c.yield(DIS_FREE);
        return c.call(P_update_and_free_hugetlb_folio, {pfn, 0}, DIS_DONE);
      case DIS_DONE: return c.ret(-static_cast<int>(c.loc(DIS_RC)));
      default: throw ModelError("dissolve_free_hugetlb_folio: bad pc");
    }
  }
}
const ProcDef kDissolve{
    "dissolve_free_hugetlb_folio", kHT612, DIS_N, run_dissolve, describe_pfn, RetKind::Errno};

enum DissLoc : uint8_t { DS_START, DS_END, DS_PFN, DS_N };
enum DissPc : uint8_t { DS_ENTRY = 0, DS_LOOP, DS_CHECK };

// dissolve_free_hugetlb_folios(), mm/hugetlb.c, v6.12.8: dissolve_free_hugetlb_folio() on every
// huge-page-sized step of the range, stopping at the first error ("all free hugetlb folios that
// were dissolved before that error are lost").
Flow run_dissolve_range(Ctx& c) {
  for (;;) {
    switch (c.pc()) {
      case DS_ENTRY:
        c.loc(DS_PFN) = c.loc(DS_START);
        c.set_pc(DS_LOOP);
        break;
      case DS_LOOP: {
        const int pfn = c.loc(DS_PFN);
        if (pfn >= c.loc(DS_END)) return c.ret(0);
        if (c.must_yield()) return c.yield(DS_LOOP);
        c.loc(DS_PFN) = static_cast<uint8_t>(pfn + (1 << huge_page_order(c)));
        return c.call(P_dissolve_free_hugetlb_folio, {pfn}, DS_CHECK);
      }
      case DS_CHECK:
        if (c.retval()) return c.ret(c.retval());
        c.set_pc(DS_LOOP);
        break;
      default: throw ModelError("dissolve_free_hugetlb_folios: bad pc");
    }
  }
}
std::string describe_dis_range(const Ctx& c) {
  return fmt::format("pfns {}-{}", c.loc(DS_START), c.loc(DS_END) - 1);
}
const ProcDef kDissolveRange{
    "dissolve_free_hugetlb_folios", kHT612, DS_N, run_dissolve_range, describe_dis_range, RetKind::Errno};

// ---- alloc_fresh_hugetlb_folio() -------------------------------------------------------------

enum FreshLoc : uint8_t { FR_PFN, FR_N };
enum FreshPc : uint8_t { FR_ENTRY = 0, FR_GOT, FR_SET_FLAG, FR_OPTIMIZE, FR_OPTIMIZED, FR_ACCOUNT };

// alloc_fresh_hugetlb_folio(), mm/hugetlb.c, v6.12.8: alloc_buddy_hugetlb_folio() -- a buddy
// allocation of huge_page_order with GFP_HIGHUSER_MOVABLE, then folio_ref_freeze(folio, 1) (a
// private folio: the "retry once" for an inflated refcount cannot happen here) -- then
// prep_new_hugetlb_folio(): init_new_hugetlb_folio() sets the hugetlb flag, the vmemmap is
// optimized, and nr_huge_pages is accounted under hugetlb_lock. Before d8f5f7e445f0 the flag was
// set after the optimization. Returns the folio frozen (refcount 0), or -1.
Flow run_alloc_fresh(Ctx& c) {
  const bool flag_first = c.k.has(F_HUGETLB_FLAG_BEFORE_OPTIMIZE);
  for (;;) {
    switch (c.pc()) {
      case FR_ENTRY:
        return c.call(P_alloc_pages, {huge_page_order(c), static_cast<int>(Mt::MOVABLE), 0}, FR_GOT);
      case FR_GOT: {
        int page = c.retval();
        if (page < 0) return c.ret(-1);
        c.loc(FR_PFN) = static_cast<uint8_t>(page);
        // folio_ref_freeze(folio, 1): the pages are hugetlb's from here on
        c.set_owner(page, 1 << huge_page_order(c), OWNER_HUGETLB);
        for (int p = page; p < page + (1 << huge_page_order(c)); ++p) c.set_page_flags(p, 0);
        c.set_folio_ref(folio_slot(c, page), 0);
        c.set_pc(flag_first ? FR_SET_FLAG : FR_OPTIMIZE);
        break;
      }
      case FR_SET_FLAG:
        if (c.must_yield()) return c.yield(FR_SET_FLAG);
        folio_set(c, c.loc(FR_PFN), FOLIO_hugetlb);  // init_new_hugetlb_folio(): __folio_set_hugetlb()
        c.unlocked_read();
        c.set_pc(flag_first ? FR_OPTIMIZE : FR_ACCOUNT);
        break;
      case FR_OPTIMIZE:
        if (c.must_yield()) return c.yield(FR_OPTIMIZE);
        return c.call(P_hugetlb_vmemmap_optimize_folio, {c.loc(FR_PFN)}, FR_OPTIMIZED);
      case FR_OPTIMIZED: c.set_pc(flag_first ? FR_ACCOUNT : FR_SET_FLAG); break;
      case FR_ACCOUNT:
        if (c.must_yield()) return c.yield(FR_ACCOUNT);
        if (!hugetlb_lock(c)) return Flow::Blocked;
        mod_hstate_counter(c, HC_nr_huge_pages, 1);  // __prep_account_new_huge_page()
        hugetlb_unlock(c);
        return c.ret(c.loc(FR_PFN));
      default: throw ModelError("alloc_fresh_hugetlb_folio: bad pc");
    }
  }
}
const ProcDef kAllocFresh{"alloc_fresh_hugetlb_folio", kHT612, FR_N, run_alloc_fresh, nullptr, RetKind::Pfn};

// ---- alloc_surplus_hugetlb_folio() -----------------------------------------------------------

enum SurLoc : uint8_t { SU_PFN, SU_N };
enum SurPc : uint8_t { SU_ENTRY = 0, SU_ALLOC, SU_GOT, SU_RECHECK, SU_GIVE_BACK, SU_ACTIVE, SU_FAILED };

// alloc_surplus_hugetlb_folio(), mm/hugetlb.c, v6.12.8, and the part of its caller
// alloc_hugetlb_folio() that hands the folio out: check nr_overcommit_hugepages under
// hugetlb_lock, allocate a fresh folio, re-check (a lost race frees it again as a temporary
// folio) and count it as surplus; then alloc_hugetlb_folio() puts it on hugepage_activelist and
// folio_ref_unfreeze(folio, 1): the CPU holds the page for its user.
Flow run_alloc_surplus(Ctx& c) {
  uint8_t* a = c.cpu_area();
  const int overcommit = c.L.geo.nr_overcommit_huge_pages;
  for (;;) {
    switch (c.pc()) {
      case SU_ENTRY:
        if (!hugetlb_lock(c)) return Flow::Blocked;
        if (hstate_counter(c, HC_surplus_huge_pages) >= overcommit) {
          hugetlb_unlock(c);
          if (c.recording()) c.note("surplus_huge_pages >= nr_overcommit_huge_pages");
          a[cpuoff::res_pfn] = NIL;
          return c.ret(-1);
        }
        hugetlb_unlock(c);
        c.set_pc(SU_ALLOC);
        break;
      case SU_ALLOC:
        if (c.must_yield()) return c.yield(SU_ALLOC);
        return c.call(P_alloc_fresh_hugetlb_folio, {}, SU_GOT);
      case SU_GOT:
        if (c.retval() < 0) {
          a[cpuoff::res_pfn] = NIL;
          return c.ret(-1);
        }
        c.loc(SU_PFN) = static_cast<uint8_t>(c.retval());
        c.set_pc(SU_RECHECK);
        break;
      case SU_RECHECK:
        if (c.must_yield()) return c.yield(SU_RECHECK);
        if (!hugetlb_lock(c)) return Flow::Blocked;
        if (hstate_counter(c, HC_surplus_huge_pages) >= overcommit) {
          // "We could have raced with the pool size change. ... Abuse temporary page to
          // workaround the nasty free_huge_folio codeflow"
          folio_set(c, c.loc(SU_PFN), FOLIO_temporary);
          hugetlb_unlock(c);
          c.set_pc(SU_GIVE_BACK);
          break;
        }
        mod_hstate_counter(c, HC_surplus_huge_pages, 1);
        hugetlb_unlock(c);
        c.set_pc(SU_ACTIVE);
        break;
      case SU_GIVE_BACK:
        if (c.must_yield()) return c.yield(SU_GIVE_BACK);
        return c.call(P_free_huge_folio, {c.loc(SU_PFN)}, SU_FAILED);
      case SU_FAILED: a[cpuoff::res_pfn] = NIL; return c.ret(-1);
      case SU_ACTIVE: {
        if (c.must_yield()) return c.yield(SU_ACTIVE);
        // alloc_hugetlb_folio(), mm/hugetlb.c, v6.12.8
        if (!hugetlb_lock(c)) return Flow::Blocked;
        const int pfn = c.loc(SU_PFN);
        c.list_add(c.L.hugetlb_list(HL_ACTIVELIST), pfn);
        c.set_folio_ref(folio_slot(c, pfn), 1);
        hugetlb_unlock(c);
        a[cpuoff::res_pfn] = static_cast<uint8_t>(pfn);
        a[cpuoff::res_order] = static_cast<uint8_t>(huge_page_order(c));
        return c.ret(pfn);
      }
      default: throw ModelError("alloc_surplus_hugetlb_folio: bad pc");
    }
  }
}
const ProcDef kAllocSurplus{
    "alloc_surplus_hugetlb_folio", kHT612, SU_N, run_alloc_surplus, nullptr, RetKind::Pfn};

}  // namespace

// Footprints (model/footprint.hpp): none of these procedures declares one, deliberately. Their
// steps read and write the folio slots, the hugetlb lists and counters, hugetlb_lock, the work
// item and the worker's stack, which the resource numbering does not name one by one, so they
// are "everything": dependent with every step (sound; the reductions leave hugetlb scenarios
// mostly unreduced). The declared procedures they call (alloc_pages, __free_pages) declare
// their own steps; a declaration that reaches a hugetlb procedure becomes everything.
void fill_hugetlb(Kernel& k) {
  k.procs[P_folio_put] = &kFolioPut;
  k.procs[P_free_huge_folio] = &kFreeHugeFolio;
  k.procs[P_update_and_free_hugetlb_folio] = &kUpdateAndFree;
  k.procs[P___update_and_free_hugetlb_folio] = &kUpdateAndFreeLocked;
  k.procs[P_free_hpage_work] = &kFreeHpageWork;
  k.procs[P_free_hpage_workfn] = &kFreeHpageWorkfn;
  k.procs[P_dissolve_free_hugetlb_folio] = &kDissolve;
  k.procs[P_dissolve_free_hugetlb_folios] = &kDissolveRange;
  k.procs[P_alloc_fresh_hugetlb_folio] = &kAllocFresh;
  k.procs[P_alloc_surplus_hugetlb_folio] = &kAllocSurplus;
}

}  // namespace pagecheck::model

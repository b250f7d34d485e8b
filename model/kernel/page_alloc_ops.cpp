// mm/page_alloc.c, the entry points the scenarios run as operations: __alloc_pages() down to
// rmqueue(), __free_pages() down to free_the_page(), drain_all_pages() and the
// highatomic unreserve of the allocation slow path. Each is a procedure: its steps are the
// regions it touches shared memory in (docs/model.md, "Atomicity").
#include <fmt/format.h>

#include "model/kernel/internal.hpp"

namespace pagecheck::model {

namespace {

// ---- alloc_pages ---------------------------------------------------------------------------

enum AllocLoc : uint8_t { A_ORDER, A_MT, A_HIGHATOMIC, A_PAGE, A_N };
enum AllocPc : uint8_t { A_ENTRY = 0, A_BUDDY, A_GOT, A_RESERVE_CHECK, A_RESERVE };

std::string describe_alloc(const Ctx& c) {
  return fmt::format("order={}, {}{}", c.loc(A_ORDER), mt_name(static_cast<Mt>(c.loc(A_MT))),
                     c.loc(A_HIGHATOMIC) ? ", highatomic" : "");
}

// __alloc_pages() -> get_page_from_freelist() -> rmqueue(), mm/page_alloc.c, v6.1.8.
// gfp_to_alloc_flags_cma() gives movable requests ALLOC_CMA; a high-order atomic request gets
// ALLOC_HIGHATOMIC and, once it has its page, may reserve the pageblock
// (reserve_highatomic_pageblock(): a racy limit check, then zone->lock). Watermarks are not
// modelled: every zone passes them, so the fast path is the whole allocation. rmqueue() takes
// the pcp list for pcp orders when the scenario has pcp lists, and the buddy when that gives
// nothing (an empty refill, or pcp_spin_trylock() failing during a drain).
Flow run_alloc_pages(Ctx& c) {
  const int order = c.loc(A_ORDER);
  const Mt mt = static_cast<Mt>(c.loc(A_MT));
  const bool highatomic = c.loc(A_HIGHATOMIC) && order > 0;
  const int alloc_flags = (mt == Mt::MOVABLE ? ALLOC_CMA : 0) | (highatomic ? ALLOC_HIGHATOMIC : 0);
  uint8_t* a = c.cpu_area();
  for (;;) {
    switch (c.pc()) {
      case A_ENTRY:
        if (pcp_enabled(c) && pcp_allowed_order(c, order)) {
          int page = rmqueue_pcplist(c, order, mt, alloc_flags);
          if (page >= 0) {
            c.loc(A_PAGE) = static_cast<uint8_t>(page);
            c.set_pc(A_GOT);
            break;
          }
        }
        c.set_pc(A_BUDDY);
        break;
      case A_BUDDY: {
        if (c.must_yield()) return c.yield(A_BUDDY);
        int page = c.k.fn.rmqueue_buddy(c, order, mt, alloc_flags);
        if (page < 0) {
          a[cpuoff::res_pfn] = NIL;
          return c.ret(-1);
        }
        c.loc(A_PAGE) = static_cast<uint8_t>(page);
        c.set_pc(A_GOT);
        break;
      }
      case A_GOT: {
        const int page = c.loc(A_PAGE);
        take_pages(c, page, order, mt);
        a[cpuoff::res_pfn] = static_cast<uint8_t>(page);
        a[cpuoff::res_order] = static_cast<uint8_t>(order);
        if (!highatomic) return c.ret(page);
        c.set_pc(A_RESERVE_CHECK);
        break;
      }
      case A_RESERVE_CHECK: {
        if (c.must_yield()) return c.yield(A_RESERVE_CHECK);
        // "Limit the number reserved ... Check is race-prone but harmless."
        bool below = highatomic_below_limit(c);
        c.unlocked_read();
        if (c.recording())
          c.note(fmt::format("nr_reserved_highatomic = {} (read without zone->lock): {}",
                             c.s.counter(Counter::nr_reserved_highatomic),
                             below ? "may reserve" : "at the limit"));
        if (!below) return c.ret(c.loc(A_PAGE));
        c.set_pc(A_RESERVE);
        break;
      }
      case A_RESERVE:
        if (c.must_yield()) return c.yield(A_RESERVE);
        c.k.fn.reserve_highatomic_pageblock(c, c.loc(A_PAGE), order);
        return c.ret(c.loc(A_PAGE));
      default: throw ModelError("alloc_pages: bad pc");
    }
  }
}
const ProcDef kAllocPages{"alloc_pages", kPA61, A_N, run_alloc_pages, describe_alloc, RetKind::Pfn};

// ---- free_pages ----------------------------------------------------------------------------

enum FreeLoc : uint8_t { F_PFN, F_ORDER, F_MT, F_N };
enum FreePc : uint8_t { FREE_ENTRY = 0, FREE_LOCKED, FREE_PCP, FREE_BYPASS };

// __free_pages() -> free_the_page(), mm/page_alloc.c, v6.1.8. Without pcp lists (or for an order
// that has none) __free_pages_ok(): the type is read without zone->lock, then free_one_page()
// takes the lock (and re-reads it when ad53f92eb416 says so; always from 55612e80e722). With pcp
// lists free_unref_page(): the lockless read (kept in page->index <= v6.9), then a pcp_spin_trylock()
// section that puts the page on this CPU's list -- HIGHATOMIC and CMA ride the MOVABLE list,
// ISOLATE goes straight to free_one_page() -- and, when the trylock fails because another CPU is
// draining this list, free_one_page() with the type the code has then: MOVABLE for a HIGHATOMIC or
// CMA page before 7b086755fb8c, the page's own type after it.
Flow run_free_pages(Ctx& c) {
  const int pfn = c.loc(F_PFN), order = c.loc(F_ORDER);
  for (;;) {
    switch (c.pc()) {
      case FREE_ENTRY: {
        // free_pages_prepare(): a page nobody holds is a double free.
        if (!pages_allocated(c, pfn, order)) {
          c.observe(Observation{Obs::FreeNotAllocated, 0, pfn, order});
          return c.ret();
        }
        const bool pcp = pcp_enabled(c) && pcp_allowed_order(c, order);
        if (pcp || !c.k.has(F_FREE_MT_UNDER_ZONE_LOCK)) {
          Mt mt = c.k.fn.get_pfnblock_migratetype(c, pfn);  // racy read
          c.loc(F_MT) = static_cast<uint8_t>(mt);
          c.unlocked_read();
          if (c.recording()) c.note(fmt::format("migratetype = {} (read without zone->lock)", mt_name(mt)));
          // free_unref_page_prepare(): set_pcppage_migratetype(), <= v6.9
          if (pcp && !c.k.has(F_NO_PCPPAGE_MT_CACHE)) set_pcppage_migratetype(c, pfn, mt);
        }
        c.set_pc(pcp ? FREE_PCP : FREE_LOCKED);
        break;
      }
      case FREE_LOCKED:
        if (c.must_yield()) return c.yield(FREE_LOCKED);
        if (!pages_allocated(c, pfn, order)) {  // a concurrent free got there first
          c.observe(Observation{Obs::FreeNotAllocated, 0, pfn, order});
          return c.ret();
        }
        release_pages(c, pfn, order);
        c.k.fn.free_one_page(c, pfn, order, static_cast<Mt>(c.loc(F_MT)), FPI_NONE);
        return c.ret();
      case FREE_PCP: {
        if (c.must_yield()) return c.yield(FREE_PCP);
        if (!pages_allocated(c, pfn, order)) {
          c.observe(Observation{Obs::FreeNotAllocated, 0, pfn, order});
          return c.ret();
        }
        // free_unref_page(), mm/page_alloc.c, v6.1.8; 7b086755fb8c (v6.6), 17edeb5d3f76 and
        // 55612e80e722 (v6.11): "We only track unmovable, reclaimable and movable on pcp lists."
        Mt mt =
            c.k.has(F_NO_PCPPAGE_MT_CACHE) ? static_cast<Mt>(c.loc(F_MT)) : get_pcppage_migratetype(c, pfn);
        Mt pcpmt = mt;
        if (static_cast<int>(mt) >= MIGRATE_PCPTYPES) {
          if (is_migrate_isolate(mt)) {
            release_pages(c, pfn, order);
            c.k.fn.free_one_page(c, pfn, order, mt, FPI_NONE);
            return c.ret();
          }
          pcpmt = Mt::MOVABLE;
          if (!c.k.has(F_PCP_BYPASS_TRUE_MT)) mt = Mt::MOVABLE;  // the one variable, before 7b086755fb8c
        }
        if (free_unref_page_commit_locked(c, pfn, order, pcpmt)) return c.ret();
        c.loc(F_MT) = static_cast<uint8_t>(mt);
        c.set_pc(FREE_BYPASS);
        break;
      }
      case FREE_BYPASS:
        if (c.must_yield()) return c.yield(FREE_BYPASS);
        release_pages(c, pfn, order);
        c.k.fn.free_one_page(c, pfn, order, static_cast<Mt>(c.loc(F_MT)), FPI_NONE);
        return c.ret();
      default: throw ModelError("free_pages: bad pc");
    }
  }
}
std::string describe_free(const Ctx& c) {
  return pfn_order(c.loc(F_PFN), c.loc(F_ORDER));
}
const ProcDef kFreePages{"__free_pages", kPA61, F_N, run_free_pages, describe_free};

// ---- drain_all_pages -------------------------------------------------------------------------

enum DrainLoc : uint8_t { D_ZONE, D_FORCE, D_CPU, D_MASK, D_N };
enum DrainPc : uint8_t { D_ENTRY = 0, D_SCAN, D_DRAIN };

std::string describe_drain(const Ctx& c) {
  return fmt::format("{}{}", c.loc(D_ZONE) ? "zone" : "NULL", c.loc(D_FORCE) ? ", force_all_cpus" : "");
}

// __drain_all_pages(), mm/page_alloc.c, v6.1.8: under pcpu_drain_mutex (a caller without a zone
// gives up when another drain runs, one with a zone waits), a racy read of each CPU's
// pcp->count unless force_all_cpus, then the draining CPU drains every CPU in the mask itself
// (drain_pages_zone(), under that CPU's pcp->lock). Taking the mutex is folded into the step
// after it: only other drainers contend for it.
Flow run_drain_all_pages(Ctx& c) {
  const int mutex = c.L.lock_drain_mutex;
  for (;;) {
    switch (c.pc()) {
      case D_ENTRY:
        if (c.lock_held_by_other(mutex)) {
          // "Do not drain if one is already in progress unless it's specific to a zone."
          if (!c.loc(D_ZONE)) {
            c.unlocked_read();
            if (c.recording()) c.note("mutex_trylock(&pcpu_drain_mutex) fails: a drain is in progress");
            return c.ret();
          }
          return Flow::Blocked;  // mutex_lock()
        }
        if (!c.spin_lock(mutex)) return Flow::Blocked;
        c.loc(D_CPU) = 0;
        c.loc(D_MASK) = 0;
        c.set_pc(D_SCAN);
        break;
      case D_SCAN: {
        const int cpu = c.loc(D_CPU);
        if (cpu >= c.L.nr_cpus) {
          c.loc(D_CPU) = 0;
          c.set_pc(D_DRAIN);
          break;
        }
        if (c.loc(D_FORCE)) {
          // "The pcp.count check is racy, some callers need a guarantee that no cpu is missed."
          c.loc(D_MASK) = static_cast<uint8_t>(c.loc(D_MASK) | (1 << cpu));
          c.loc(D_CPU) = static_cast<uint8_t>(cpu + 1);
          break;
        }
        if (c.must_yield()) return c.yield(D_SCAN);
        int count = pcp_count(c, cpu);
        c.unlocked_read();
        if (c.recording()) c.note(fmt::format("pcp[cpu{}]->count = {}", cpu, count));
        if (count) c.loc(D_MASK) = static_cast<uint8_t>(c.loc(D_MASK) | (1 << cpu));
        c.loc(D_CPU) = static_cast<uint8_t>(cpu + 1);
        break;
      }
      case D_DRAIN: {
        int cpu = c.loc(D_CPU);
        while (cpu < c.L.nr_cpus && !(c.loc(D_MASK) & (1 << cpu))) ++cpu;
        if (cpu >= c.L.nr_cpus) {
          c.spin_unlock(mutex);
          return c.ret();
        }
        if (c.must_yield()) return c.yield(D_DRAIN);
        c.loc(D_CPU) = static_cast<uint8_t>(cpu + 1);
        return c.call(P_drain_pages_zone, {cpu}, D_DRAIN);
      }
      default: throw ModelError("drain_all_pages: bad pc");
    }
  }
}
const ProcDef kDrainAllPages{"__drain_all_pages", kPA61, D_N, run_drain_all_pages, describe_drain};

enum DrainZoneLoc : uint8_t { Z_CPU, Z_COUNT, Z_N };
enum DrainZonePc : uint8_t { Z_ENTRY = 0, Z_LOCK, Z_BULK };

// drain_pages_zone(), mm/page_alloc.c, v6.1.8: a racy look at pcp->count, then the CPU's
// pcp->lock, then free_pcppages_bulk() of all of it. The lock is held across a step boundary:
// between taking it and the bulk free, the owning CPU's pcp_spin_trylock() fails. The 2024 form
// (v6.11: lock, read the count under it, drain at most batch << CONFIG_PCP_BATCH_SCALE_MAX, repeat)
// where F_DRAIN_ZONE_BATCHED says so.
Flow run_drain_pages_zone(Ctx& c) {
  const int cpu = c.loc(Z_CPU);
  const int lock = lock_pcp(cpu);
  const bool batched = c.k.has(F_DRAIN_ZONE_BATCHED);
  for (;;) {
    switch (c.pc()) {
      case Z_ENTRY:
        if (!batched) {
          int count = pcp_count(c, cpu);
          c.unlocked_read();
          if (c.recording()) c.note(fmt::format("pcp[cpu{}]->count = {}", cpu, count));
          if (!count) return c.ret();
        }
        c.set_pc(Z_LOCK);
        break;
      case Z_LOCK:
        if (c.must_yield()) return c.yield(Z_LOCK);
        if (!c.spin_lock(lock)) return Flow::Blocked;
        c.loc(Z_COUNT) = static_cast<uint8_t>(pcp_count(c, cpu));
        if (batched && !c.loc(Z_COUNT)) {
          c.spin_unlock(lock);
          return c.ret();
        }
        c.unlocked_read();  // the lock is visible to the owner's trylock from here on
        c.set_pc(Z_BULK);
        break;
      case Z_BULK: {
        if (c.must_yield()) return c.yield(Z_BULK);
        int count = batched ? c.loc(Z_COUNT) : pcp_count(c, cpu);
        int to_drain = batched ? std::min(count, c.s.zone_byte(ZB_PCP_BATCH) << 5) : count;
        c.k.fn.free_pcppages_bulk(c, cpu, to_drain, 0);
        c.spin_unlock(lock);
        if (batched && count - to_drain > 0) {
          c.set_pc(Z_LOCK);
          break;
        }
        return c.ret();
      }
      default: throw ModelError("drain_pages_zone: bad pc");
    }
  }
}
std::string describe_drain_zone(const Ctx& c) {
  return fmt::format("cpu{}", c.loc(Z_CPU));
}
const ProcDef kDrainPagesZone{"drain_pages_zone", kPA61, Z_N, run_drain_pages_zone, describe_drain_zone};

// ---- unreserve_highatomic --------------------------------------------------------------------

enum UnresLoc : uint8_t { R_MT, R_FORCE, R_N };

// unreserve_highatomic_pageblock(), mm/page_alloc.c, v6.1.8: called from the allocation slow
// path when an allocation of type ac->migratetype is about to fail. "Preserve at least one
// pageblock unless memory pressure is really high": a lockless look at nr_reserved_highatomic,
// then the zone->lock section.
Flow run_unreserve_highatomic(Ctx& c) {
  switch (c.pc()) {
    case 0: {
      const bool force = c.loc(R_FORCE);
      int nr = c.s.counter(Counter::nr_reserved_highatomic);
      c.unlocked_read();
      if (!force && nr <= pageblock_nr_pages(c)) {
        if (c.recording()) c.note(fmt::format("nr_reserved_highatomic = {}: kept", nr));
        return c.ret(0);
      }
      return c.yield(1);
    }
    case 1:
      return c.ret(c.k.fn.unreserve_highatomic_pageblock(c, static_cast<Mt>(c.loc(R_MT)), c.loc(R_FORCE)));
    default: throw ModelError("unreserve_highatomic_pageblock: bad pc");
  }
}
std::string describe_unreserve(const Ctx& c) {
  return fmt::format("{}, force={}", mt_name(static_cast<Mt>(c.loc(R_MT))),
                     c.loc(R_FORCE) ? "true" : "false");
}
const ProcDef kUnreserve{"unreserve_highatomic_pageblock",
                         kPA61,
                         R_N,
                         run_unreserve_highatomic,
                         describe_unreserve,
                         RetKind::Count};

// ---- __free_pages_ok() -----------------------------------------------------------------------

enum FokLoc : uint8_t { FO_PFN, FO_ORDER, FO_FPI, FO_MT, FO_N };
enum FokPc : uint8_t { FO_ENTRY = 0, FO_LOCKED };

// __free_pages_ok(page, order, fpi_flags), mm/page_alloc.c, v6.1.8 (v6.12.8: the type is read
// under zone->lock in free_one_page(), 55612e80e722): no pcp list, whatever the order.
Flow run___free_pages_ok(Ctx& c) {
  const int pfn = c.loc(FO_PFN), order = c.loc(FO_ORDER);
  switch (c.pc()) {
    case FO_ENTRY: {
      if (!pages_allocated(c, pfn, order)) {
        c.observe(Observation{Obs::FreeNotAllocated, 0, pfn, order});
        return c.ret();
      }
      if (c.k.has(F_FREE_MT_UNDER_ZONE_LOCK)) return c.yield(FO_LOCKED);
      Mt mt = c.k.fn.get_pfnblock_migratetype(c, pfn);  // racy read
      c.loc(FO_MT) = static_cast<uint8_t>(mt);
      c.unlocked_read();
      if (c.recording()) c.note(fmt::format("migratetype = {} (read without zone->lock)", mt_name(mt)));
      return c.yield(FO_LOCKED);
    }
    case FO_LOCKED:
      if (!pages_allocated(c, pfn, order)) {
        c.observe(Observation{Obs::FreeNotAllocated, 0, pfn, order});
        return c.ret();
      }
      release_pages(c, pfn, order);
      c.k.fn.free_one_page(c, pfn, order, static_cast<Mt>(c.loc(FO_MT)), c.loc(FO_FPI));
      return c.ret();
    default: throw ModelError("__free_pages_ok: bad pc");
  }
}
std::string describe_free_ok(const Ctx& c) {
  return pfn_order(c.loc(FO_PFN), c.loc(FO_ORDER)) + (c.loc(FO_FPI) & FPI_TO_TAIL ? ", FPI_TO_TAIL" : "");
}
const ProcDef kFreePagesOk{"__free_pages_ok", kPA61, FO_N, run___free_pages_ok, describe_free_ok};

// ---- alloc_pages_exact() / free_pages_exact() -------------------------------------------------

enum ExLoc : uint8_t { EX_NR, EX_ORDER, EX_PAGE, EX_NEXT, EX_N };
enum ExPc : uint8_t { EX_ENTRY = 0, EX_GOT, EX_TAIL };

int get_order_pages(int nr) {
  int order = 0;
  while ((1 << order) < nr) ++order;
  return order;
}

// alloc_pages_exact() -> make_alloc_exact(), mm/page_alloc.c, v6.12.8 (df48a5f7a3bb, v6.1): an
// allocation of get_order(size) (GFP_KERNEL: UNMOVABLE), then the pages past `size` are freed one
// by one with __free_pages_ok(page, 0, FPI_TO_TAIL): under zone->lock, to the tail of the free
// list. Before df48a5f7a3bb (the v6.0 body, from the commit's diff) split_page() and free_page()
// of each: onto this CPU's pcp list, at its head, where the next order-0 allocation of this CPU
// finds it first.
Flow run_alloc_pages_exact(Ctx& c) {
  uint8_t* a = c.cpu_area();
  for (;;) {
    switch (c.pc()) {
      case EX_ENTRY:
        c.loc(EX_ORDER) = static_cast<uint8_t>(get_order_pages(c.loc(EX_NR)));
        return c.call(P_alloc_pages, {c.loc(EX_ORDER), static_cast<int>(Mt::UNMOVABLE), 0}, EX_GOT);
      case EX_GOT: {
        int page = c.retval();
        if (page < 0) return c.ret(-1);
        c.loc(EX_PAGE) = static_cast<uint8_t>(page);
        c.loc(EX_NEXT) = static_cast<uint8_t>(page + c.loc(EX_NR));
        c.set_pc(EX_TAIL);
        break;
      }
      case EX_TAIL: {
        const int page = c.loc(EX_PAGE), next = c.loc(EX_NEXT);
        if (next >= page + (1 << c.loc(EX_ORDER))) {
          a[cpuoff::res_pfn] = static_cast<uint8_t>(page);
          return c.ret(page);
        }
        if (c.must_yield()) return c.yield(EX_TAIL);
        c.loc(EX_NEXT) = static_cast<uint8_t>(next + 1);
        if (c.k.has(F_ALLOC_EXACT_TO_TAIL)) return c.call(P___free_pages_ok, {next, 0, FPI_TO_TAIL}, EX_TAIL);
        return c.call(P_free_pages, {next, 0}, EX_TAIL);  // free_page()
      }
      default: throw ModelError("alloc_pages_exact: bad pc");
    }
  }
}
std::string describe_exact(const Ctx& c) {
  return fmt::format("{} pages", c.loc(EX_NR));
}
const ProcDef kAllocPagesExact{"alloc_pages_exact",   kPA61,          EX_N,
                               run_alloc_pages_exact, describe_exact, RetKind::Pfn};

enum FexLoc : uint8_t { FX_PFN, FX_NR, FX_I, FX_N };

// free_pages_exact(), mm/page_alloc.c, v6.12.8: free_page() of each page, lowest first.
Flow run_free_pages_exact(Ctx& c) {
  const int i = c.loc(FX_I);
  if (i >= c.loc(FX_NR)) return c.ret();
  if (c.must_yield()) return c.yield(1);
  c.loc(FX_I) = static_cast<uint8_t>(i + 1);
  return c.call(P_free_pages, {c.loc(FX_PFN) + i, 0}, 1);
}
std::string describe_free_exact(const Ctx& c) {
  return fmt::format("pfns {}-{}", c.loc(FX_PFN), c.loc(FX_PFN) + c.loc(FX_NR) - 1);
}
const ProcDef kFreePagesExact{"free_pages_exact", kPA61, FX_N, run_free_pages_exact, describe_free_exact};

}  // namespace

void fill_page_alloc_ops(Kernel& k) {
  k.procs[P___free_pages_ok] = &kFreePagesOk;
  k.procs[P_alloc_pages_exact] = &kAllocPagesExact;
  k.procs[P_free_pages_exact] = &kFreePagesExact;
  k.procs[P_alloc_pages] = &kAllocPages;
  k.procs[P_free_pages] = &kFreePages;
  k.procs[P_drain_all_pages] = &kDrainAllPages;
  k.procs[P_drain_pages_zone] = &kDrainPagesZone;
  k.procs[P_unreserve_highatomic] = &kUnreserve;
}

}  // namespace pagecheck::model

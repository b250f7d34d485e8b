// mm/page_alloc.c, contiguous ranges: alloc_contig_range() end to end, free_contig_range(),
// __offline_isolated_pages(), zone_pcp_disable()/zone_pcp_enable(); with compaction.c's strict
// isolate_freepages_range() inside alloc_contig_range(). Migration (__alloc_contig_migrate_range(),
// do_migrate_range()) is not modelled: a page in use in the range stays in use, and
// test_pages_isolated() then fails as it does when migration fails.
#include <fmt/format.h>

#include "model/kernel/internal.hpp"

namespace pagecheck::model {

namespace {

// ---- free_contig_range -----------------------------------------------------------------------

enum FcrLoc : uint8_t { FC_PFN, FC_END, FC_N };

// free_contig_range(), mm/page_alloc.c, v6.1.8: __free_page() of every page of the range.
Flow run_free_contig_range(Ctx& c) {
  const int pfn = c.loc(FC_PFN);
  if (pfn >= c.loc(FC_END)) return c.ret();
  if (c.must_yield()) return c.yield(1);
  c.loc(FC_PFN) = static_cast<uint8_t>(pfn + 1);
  return c.call(P_free_pages, {pfn, 0}, 1);
}
std::string describe_fcr(const Ctx& c) {
  return fmt::format("pfns {}-{}", c.loc(FC_PFN), c.loc(FC_END) - 1);
}
const ProcDef kFreeContigRange{"free_contig_range", kPA61, FC_N, run_free_contig_range, describe_fcr};

// ---- alloc_contig_range ----------------------------------------------------------------------

enum AcrLoc : uint8_t { AC_START, AC_END, AC_MT, AC_OUTER, AC_ORDER, AC_PFN, AC_RET, AC_N };
enum AcrPc : uint8_t {
  AC_ENTRY = 0,
  AC_ISOLATED,
  AC_DRAINED,
  AC_OUTER_PROBE,
  AC_OUTER_ORDER,
  AC_TEST,
  AC_TESTED,
  AC_TAKE_PEEK,
  AC_TAKE_LOCKED,
  AC_GIVE_HEAD,
  AC_GIVE_TAIL,
  AC_RELEASE,
  AC_UNDO,
  AC_DONE,
};

std::string describe_acr(const Ctx& c) {
  return fmt::format("start={}, end={}, {}", c.loc(AC_START), c.loc(AC_END),
                     mt_name(static_cast<Mt>(c.loc(AC_MT))));
}

// alloc_contig_range(), mm/page_alloc.c, v6.1.8 (the same steps in v6.11, where the search for
// outer_start is find_large_buddy()): isolate the range, drain the pcp lists, find the free buddy
// that starts before `start`, test that every page is free and isolated, take the free pages
// (isolate_freepages_range(), strict: per pageblock a lockless PageBuddy() look, then
// zone->lock), give back the pages outside [start, end), undo the isolation. The CPU then holds
// [start, end). When the strict take fails the pages taken so far are freed again page by page
// (release_freepages(); v6.12's release_free_list() frees each chunk with its order).
Flow run_alloc_contig_range(Ctx& c) {
  const int start = c.loc(AC_START), end = c.loc(AC_END);
  const Mt mt = static_cast<Mt>(c.loc(AC_MT));
  uint8_t* a = c.cpu_area();
  for (;;) {
    switch (c.pc()) {
      case AC_ENTRY:
        return c.call(P_start_isolate_page_range, {start, end, static_cast<int>(mt)}, AC_ISOLATED);
      case AC_ISOLATED:
        if (c.retval()) {
          c.loc(AC_RET) = 1;
          c.set_pc(AC_UNDO);
          break;
        }
        if (c.must_yield()) return c.yield(AC_ISOLATED);
        return c.call(P_drain_all_pages, {1, 0}, AC_DRAINED);  // drain_all_pages(cc.zone)
      case AC_DRAINED:
        c.loc(AC_OUTER) = static_cast<uint8_t>(start);
        c.loc(AC_ORDER) = 0;
        c.set_pc(AC_OUTER_PROBE);
        break;
      case AC_OUTER_PROBE: {
        if (c.must_yield()) return c.yield(AC_OUTER_PROBE);
        const int outer = c.loc(AC_OUTER);
        bool buddy = PageBuddy(c, outer);  // lockless
        c.unlocked_read();
        if (c.recording()) c.note(fmt::format("PageBuddy(pfn {}) = {}", outer, buddy ? "true" : "false"));
        if (buddy) {
          c.set_pc(outer != start ? AC_OUTER_ORDER : AC_TEST);
          break;
        }
        int order = c.loc(AC_ORDER) + 1;
        c.loc(AC_ORDER) = static_cast<uint8_t>(order);
        if (order > MAX_PAGE_ORDER(c)) {
          c.loc(AC_OUTER) = static_cast<uint8_t>(start);
          c.set_pc(AC_TEST);
          break;
        }
        c.loc(AC_OUTER) = static_cast<uint8_t>(outer & (~0 << order));
        break;
      }
      case AC_OUTER_ORDER: {
        if (c.must_yield()) return c.yield(AC_OUTER_ORDER);
        const int outer = c.loc(AC_OUTER);
        int order = buddy_order(c, outer);  // lockless
        c.unlocked_read();
        // "outer_start page could be small order buddy page and it doesn't include start page"
        if (outer + (1 << order) <= start) c.loc(AC_OUTER) = static_cast<uint8_t>(start);
        c.set_pc(AC_TEST);
        break;
      }
      case AC_TEST:
        if (c.must_yield()) return c.yield(AC_TEST);
        return c.call(P_test_pages_isolated, {c.loc(AC_OUTER), end, 0}, AC_TESTED);
      case AC_TESTED:
        if (c.retval()) {
          c.loc(AC_RET) = 1;
          c.set_pc(AC_UNDO);
          break;
        }
        c.loc(AC_PFN) = c.loc(AC_OUTER);
        c.set_pc(AC_TAKE_PEEK);
        break;
      case AC_TAKE_PEEK: {
        const int pfn = c.loc(AC_PFN);
        if (pfn >= end) {
          c.set_pc(AC_GIVE_HEAD);
          break;
        }
        if (c.must_yield()) return c.yield(AC_TAKE_PEEK);
        // isolate_freepages_block(strict): the first page is looked at before the lock
        bool buddy = PageBuddy(c, pfn);
        c.unlocked_read();
        if (!buddy) {
          if (c.recording()) c.note(fmt::format("isolate_freepages_block(): pfn {} is not free", pfn));
          c.set_pc(AC_RELEASE);
          break;
        }
        c.set_pc(AC_TAKE_LOCKED);
        break;
      }
      case AC_TAKE_LOCKED: {
        if (c.must_yield()) return c.yield(AC_TAKE_LOCKED);
        Scope sc(c, "isolate_freepages_block", "mm/compaction.c, v6.12.8 (strict)",
                 [&] { return fmt::format("pfn {}", c.loc(AC_PFN)); });
        int pfn = c.loc(AC_PFN);
        const int block_end = std::min(pageblock_end_pfn(c, pfn), end);
        take_zone_lock(c);
        bool ok = true;
        while (pfn < block_end) {
          if (!PageBuddy(c, pfn)) {
            ok = false;
            break;
          }
          int order = buddy_order(c, pfn);
          int isolated = c.k.fn.__isolate_free_page(c, pfn, order);
          if (!isolated) {
            ok = false;
            break;
          }
          c.set_owner(pfn, isolated, owner_of_cpu(c.cpu));
          pfn += isolated;
        }
        c.spin_unlock(LOCK_ZONE);
        c.loc(AC_PFN) = static_cast<uint8_t>(pfn);  // may pass block_end: a buddy above pageblock order
        c.set_pc(ok ? AC_TAKE_PEEK : AC_RELEASE);
        break;
      }
      case AC_GIVE_HEAD:  // "if (start != outer_start) free_contig_range(outer_start, start - outer_start)"
        if (c.loc(AC_OUTER) != start) {
          if (c.must_yield()) return c.yield(AC_GIVE_HEAD);
          return c.call(P_free_contig_range, {c.loc(AC_OUTER), start}, AC_GIVE_TAIL);
        }
        c.set_pc(AC_GIVE_TAIL);
        break;
      case AC_GIVE_TAIL:  // "if (end != outer_end) free_contig_range(end, outer_end - end)"
        c.loc(AC_RET) = 0;
        if (c.loc(AC_PFN) != end) {
          int outer_end = c.loc(AC_PFN);
          c.loc(AC_PFN) = static_cast<uint8_t>(end);
          if (c.must_yield()) return c.yield(AC_GIVE_TAIL);
          return c.call(P_free_contig_range, {end, outer_end}, AC_UNDO);
        }
        c.set_pc(AC_UNDO);
        break;
      case AC_RELEASE:
        c.loc(AC_RET) = 1;
        if (c.loc(AC_PFN) > c.loc(AC_OUTER)) {
          int upto = c.loc(AC_PFN);
          c.loc(AC_PFN) = c.loc(AC_OUTER);
          if (c.must_yield()) return c.yield(AC_RELEASE);
          return c.call(P_free_contig_range, {c.loc(AC_OUTER), upto}, AC_UNDO);
        }
        c.set_pc(AC_UNDO);
        break;
      case AC_UNDO:
        if (c.must_yield()) return c.yield(AC_UNDO);
        return c.call(P_undo_isolate_page_range, {start, end, static_cast<int>(mt)}, AC_DONE);
      case AC_DONE: a[cpuoff::res_contig] = c.loc(AC_RET) ? 2 : 1; return c.ret(c.loc(AC_RET) ? -kEBUSY : 0);
      default: throw ModelError("alloc_contig_range: bad pc");
    }
  }
}
const ProcDef kAllocContigRange{"alloc_contig_range",   kPA61,        AC_N,
                                run_alloc_contig_range, describe_acr, RetKind::Errno};

}  // namespace

// __offline_isolated_pages(), mm/page_alloc.c, v6.1.8 (v6.11: with VM_WARN_ON(type != ISOLATE)
// and the typed removal of e0932b6c1f94): under zone->lock every free buddy of the range leaves
// the zone; BUG_ON(page_count(page)) and BUG_ON(!PageBuddy(page)) for anything else.
void __offline_isolated_pages(Ctx& c, int start_pfn, int end_pfn) {
  Scope sc(c, "__offline_isolated_pages", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return fmt::format("pfns {}-{}", start_pfn, end_pfn - 1); });
  take_zone_lock(c);
  int pfn = start_pfn;
  while (pfn < end_pfn) {
    if (!PageBuddy(c, pfn)) {
      kernel_warn(c, KC_OFFLINE_PAGE_COUNT, pfn);  // BUG_ON(page_count(page)) / BUG_ON(!PageBuddy(page))
      pfn++;
      continue;
    }
    Mt block = c.k.fn.get_pfnblock_migratetype(c, pfn);
    if (c.k.has(F_ACCOUNT_FREEPAGES) && block != Mt::ISOLATE)
      kernel_warn(c, KC_OFFLINE_NOT_ISOLATED, pfn, static_cast<int>(block));
    int order = buddy_order(c, pfn);
    c.k.fn.del_page_from_free_list(c, pfn, order, Mt::ISOLATE);
    c.set_owner(pfn, 1 << order, OWNER_OFFLINE);
    pfn += 1 << order;
  }
  c.spin_unlock(LOCK_ZONE);
}

// zone_pcp_disable() / zone_pcp_enable(), mm/page_alloc.c, v6.1.8: under pcp_batch_high_lock
// every pageset gets high 0 and batch 1 (frees then go straight through to the buddy), and the
// drain is forced on every CPU; enable restores the zone's values and drops the mutex.
void zone_pcp_set_disabled(Ctx& c, bool disabled) {
  uint8_t high = disabled ? 0 : static_cast<uint8_t>(c.L.geo.pcp_high);
  uint8_t batch = disabled ? 1 : static_cast<uint8_t>(c.L.geo.pcp_batch);
  if (c.recording()) c.note(fmt::format("__zone_set_pageset_high_and_batch(zone, {}, {})", high, batch));
  c.set_zone_byte(ZB_PCP_HIGH, high);
  c.set_zone_byte(ZB_PCP_BATCH, batch);
}

void fill_page_alloc_contig(Kernel& k) {
  k.procs[P_free_contig_range] = &kFreeContigRange;
  k.procs[P_alloc_contig_range] = &kAllocContigRange;
}

}  // namespace pagecheck::model

// mm/page_alloc.c, the per-cpu page lists: the pcp part of rmqueue() and free_unref_page(),
// free_pcppages_bulk(). Only scenarios whose geometry sets pcp_batch use them.
//
// pcp->high and pcp->batch are fixed per scenario (zone_pcp_disable() sets 0/1). The kernel's
// sizing heuristics are not modelled: pcp->free_factor (v6.1), pcp->free_count, alloc_factor and
// the high auto-tuning (v6.7+). A refill takes max(batch >> order, 2) pages (batch when batch is
// 1); a free that brings pcp->count to high flushes min(batch, high - batch) pages, which is
// what both nr_pcp_free() versions compute for the first flush after an allocation.
#include <fmt/format.h>

#include <algorithm>

#include "model/kernel/internal.hpp"

namespace pagecheck::model {

// pcp_allowed_order(), mm/page_alloc.c, v6.1.8 (CONFIG_TRANSPARENT_HUGEPAGE: the THP order,
// pageblock_order, has a list of its own)
bool pcp_allowed_order(const Ctx& c, int order) {
  if (order <= PAGE_ALLOC_COSTLY_ORDER) return true;
  return order == c.L.geo.pageblock_order;
}

// order_to_pindex(), mm/page_alloc.c, v6.1.8 (one THP list, NR_LOWORDER_PCP_LISTS)
int order_to_pindex(const Ctx& c, Mt mt, int order) {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return c.L.nr_pcp_lists - 1;
  return MIGRATE_PCPTYPES * order + static_cast<int>(mt);
}

// pindex_to_order(), mm/page_alloc.c, v6.1.8
int pindex_to_order(const Ctx& c, int pindex) {
  return c.L.pcp_pindex_order(pindex);
}

int pcp_count(const Ctx& c, int cpu) {
  return c.s.counter(c.L.counter_pcp_count(cpu));
}

namespace {

// free_pcppages_bulk(), mm/page_alloc.c, v6.1.8: under zone->lock, round-robin over the lists
// from pindex, each page from the tail. <= v6.9 the cached type (page->index) picks the buddy
// list, checked with VM_BUG_ON_PAGE(is_migrate_isolate(mt)) and re-read from the block only if
// the zone has isolated blocks (51bb1a4093cc, with ad53f92eb416). 17edeb5d3f76 (v6.10, v6.11)
// reads the block's type for every page; the V2 posting (1/6) read it and kept the VM_BUG_ON.
// (v6.1.8 narrows the round-robin bounds as lists run dry; the order it visits lists is the same.)
void free_pcppages_bulk(Ctx& c, int pcp_cpu, int count, int pindex) {
  Scope sc(c, "free_pcppages_bulk", c.k.has(F_NO_PCPPAGE_MT_CACHE) ? kPA611 : kPA61,
           [&] { return fmt::format("pcp of cpu{}, count {}, pindex {}", pcp_cpu, count, pindex); });
  const int cnt_idx = c.L.counter_pcp_count(pcp_cpu);
  count = std::min(c.s.counter(cnt_idx), count);
  pindex = pindex - 1;
  take_zone_lock(c);
  const bool cache = !c.k.has(F_NO_PCPPAGE_MT_CACHE);
  const bool isolated_pageblocks = cache && c.k.has(F_ISOLATE_RECHECK_ON_FREE) && has_isolate_pageblock(c);
  int guard = 0;
  while (count > 0) {
    int list;
    do {
      if (++pindex > c.L.nr_pcp_lists - 1) pindex = 0;
      list = c.L.pcp_list(pcp_cpu, pindex);
      if (++guard > 4 * c.L.nr_pcp_lists + c.L.nr_pages)
        throw ModelError(fmt::format("pcp of cpu{}: count says pages but every list is empty", pcp_cpu));
    } while (c.s.head(list) == NIL);
    const int order = pindex_to_order(c, pindex);
    const int nr_pages = 1 << order;
    do {
      int page = c.s.list_tail(list);
      Mt mt = cache ? get_pcppage_migratetype(c, page) : c.k.fn.get_pfnblock_migratetype(c, page);
      c.list_del(page);  // "must delete to avoid corrupting pcp list"
      count -= nr_pages;
      c.mod_counter(cnt_idx, -nr_pages);
      // "MIGRATE_ISOLATE page should not go to pcplists"
      if ((cache || c.k.has(F_V2_KEEP_PCP_BULK_BUG_ON)) && is_migrate_isolate(mt))
        kernel_warn(c, KC_PCP_BULK_ISOLATE, page, static_cast<int>(mt));
      // "Pageblock could have been isolated meanwhile"
      if (isolated_pageblocks) mt = c.k.fn.get_pfnblock_migratetype(c, page);
      c.k.fn.__free_one_page(c, page, order, mt, FPI_NONE);
    } while (count > 0 && c.s.head(list) != NIL);
  }
  c.spin_unlock(LOCK_ZONE);
}

// rmqueue_bulk(), mm/page_alloc.c, v6.1.8: one zone->lock section for the whole batch, each
// page to the tail of the pcp list. v6.1.8 takes the pages off NR_FREE_PAGES here (and off
// NR_FREE_CMA_PAGES by the cached type; by the block's after 17edeb5d3f76); e0932b6c1f94 does it
// where pages leave the lists (v6.11). v6.15's rmqueue_mode memo travels in `mode`.
int rmqueue_bulk(Ctx& c, int order, int count, int list, Mt mt, int alloc_flags) {
  Scope sc(c, "rmqueue_bulk", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return fmt::format("order {}, count {}, {}", order, count, mt_name(mt)); });
  take_zone_lock(c);
  int mode = 0;  // RMQUEUE_NORMAL
  int i;
  for (i = 0; i < count; ++i) {
    int page = c.k.fn.__rmqueue(c, order, mt, alloc_flags, &mode);
    if (page < 0) break;
    c.observe(Observation{Obs::AllocFromBuddy, 0, page, order});
    c.list_add_tail(list, page);
    if (!c.k.has(F_ACCOUNT_FREEPAGES)) {
      Mt t = c.k.has(F_NO_PCPPAGE_MT_CACHE) ? c.k.fn.get_pfnblock_migratetype(c, page)
                                            : get_pcppage_migratetype(c, page);
      if (is_migrate_cma(t)) c.mod_counter(Counter::NR_FREE_CMA_PAGES, -(1 << order));
    }
  }
  if (!c.k.has(F_ACCOUNT_FREEPAGES)) c.mod_counter(Counter::NR_FREE_PAGES, -(i << order));
  c.spin_unlock(LOCK_ZONE);
  sc.result(std::to_string(i));
  return i;
}

// free_unref_page_commit(), mm/page_alloc.c, v6.1.8 (pcp->high and batch fixed: see the top)
void free_unref_page_commit(Ctx& c, int pfn, int order, Mt mt) {
  Scope sc(c, "free_unref_page_commit", kPA61,
           [&] { return fmt::format("{}, {}", pfn_order(pfn, order), mt_name(mt)); });
  const int pindex = order_to_pindex(c, mt, order);
  const int cnt_idx = c.L.counter_pcp_count(c.cpu);
  release_pages(c, pfn, order);
  c.list_add(c.L.pcp_list(c.cpu, pindex), pfn);
  c.mod_counter(cnt_idx, 1 << order);
  const int high = c.s.zone_byte(ZB_PCP_HIGH);  // nr_pcp_high(): ZONE_RECLAIM_ACTIVE not modelled
  const int batch = c.s.zone_byte(ZB_PCP_BATCH);
  if (c.s.counter(cnt_idx) >= high) {
    // nr_pcp_free(): "Check for PCP disabled or boot pageset", else leave at least batch
    int nr = high < batch ? 1 : std::min(batch, high - batch);
    free_pcppages_bulk(c, c.cpu, nr, pindex);
  }
}

}  // namespace

// rmqueue_pcplist() + __rmqueue_pcplist(), mm/page_alloc.c, v6.1.8 (pcp_spin_trylock: "may
// fail due to a parallel drain"); the refill batch as v6.1.8 scales it.
int rmqueue_pcplist(Ctx& c, int order, Mt mt, int alloc_flags) {
  Scope sc(c, "rmqueue_pcplist", kPA61, [&] { return fmt::format("order {}, {}", order, mt_name(mt)); });
  const int lock = lock_pcp(c.cpu);
  if (!c.spin_trylock(lock)) {
    c.unlocked_read();
    if (c.recording())
      c.note(fmt::format("pcp_spin_trylock() fails: cpu{} holds pcp[cpu{}]->lock", c.s.lock_owner(lock) - 1,
                         c.cpu));
    sc.result("NULL");
    return kPcpTrylockFailed;
  }
  const int list = c.L.pcp_list(c.cpu, order_to_pindex(c, mt, order));
  const int cnt_idx = c.L.counter_pcp_count(c.cpu);
  if (c.s.head(list) == NIL) {
    int batch = c.s.zone_byte(ZB_PCP_BATCH);
    // "Scale batch relative to order if batch implies free pages can be stored on the PCP."
    if (batch > 1) batch = std::max(batch >> order, 2);
    int alloced = rmqueue_bulk(c, order, batch, list, mt, alloc_flags);
    c.mod_counter(cnt_idx, alloced << order);
  }
  int page = c.s.head(list);
  if (page != NIL) {
    c.list_del(page);
    c.mod_counter(cnt_idx, -(1 << order));
  }
  c.spin_unlock(lock);
  sc.result(page == NIL ? "NULL" : fmt::format("pfn {}", page));
  return page == NIL ? -1 : page;
}

// The pcp part of free_unref_page(), mm/page_alloc.c, v6.1.8 (v6.11 the same): the caller has
// read the type and picked the list; pcp_spin_trylock() fails when another CPU is draining this
// CPU's list.
bool free_unref_page_commit_locked(Ctx& c, int pfn, int order, Mt pcpmt) {
  const int lock = lock_pcp(c.cpu);
  if (!c.spin_trylock(lock)) {
    c.unlocked_read();
    if (c.recording())
      c.note(fmt::format("pcp_spin_trylock() fails: cpu{} holds pcp[cpu{}]->lock", c.s.lock_owner(lock) - 1,
                         c.cpu));
    return false;
  }
  free_unref_page_commit(c, pfn, order, pcpmt);
  c.spin_unlock(lock);
  return true;
}

void fill_page_alloc_pcp(Kernel& k) {
  k.fn.free_pcppages_bulk = free_pcppages_bulk;
}

}  // namespace pagecheck::model

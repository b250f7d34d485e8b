// mm/page_alloc.c, modelled. Functions carry the version whose source was read; branches on
// Feature bits are the commits of the v6.10 hygiene series that changed them.
#include <fmt/format.h>

#include <algorithm>

#include "model/kernel/internal.hpp"

namespace pagecheck::model {

std::string pfn_order(int pfn, int order) {
  return fmt::format("pfn {}, order {}", pfn, order);
}

void release_pages(Ctx& c, int pfn, int order) {
  c.set_owner(pfn, 1 << order, OWNER_NONE);
  for (int p = pfn; p < pfn + (1 << order); ++p) c.set_page_flags(p, 0);
}

// prep_new_page() and the caller's reference: a movable allocation is migratable (PageLRU).
void take_pages(Ctx& c, int pfn, int order, Mt mt) {
  c.set_owner(pfn, 1 << order, owner_of_cpu(c.cpu));
  for (int p = pfn; p < pfn + (1 << order); ++p)
    c.set_page_flags(p, mt == Mt::MOVABLE || mt == Mt::CMA ? PG_lru : 0);
}

bool pages_allocated(const Ctx& c, int pfn, int order) {
  for (int p = pfn; p < pfn + (1 << order); ++p)
    if (c.s.owner(p) == OWNER_NONE) return false;
  return true;
}

void take_zone_lock(Ctx& c) {
  if (!c.spin_lock(LOCK_ZONE)) throw ModelError("zone->lock held across steps");
}

// get_pcppage_migratetype() / set_pcppage_migratetype(), mm/page_alloc.c, v6.1.8 (page->index;
// removed by 17edeb5d3f76)
Mt get_pcppage_migratetype(const Ctx& c, int pfn) {
  return static_cast<Mt>(c.s.pcpmt(pfn));
}
void set_pcppage_migratetype(Ctx& c, int pfn, Mt mt) {
  c.set_pcpmt(pfn, static_cast<uint8_t>(mt));
}

const char* kernel_check_name(int check) {
  switch (check) {
    case KC_ADD_TO_FREE_LIST_TYPE: return "__add_to_free_list";
    case KC_MOVE_TO_FREE_LIST_TYPE: return "move_to_free_list";
    case KC_DEL_FROM_FREE_LIST_TYPE: return "__del_page_from_free_list";
    case KC_SPLIT_LARGE_BUDDY: return "split_large_buddy";
    case KC_ISOLATE_SCAN_STRADDLE: return "isolate_single_pageblock";
    case KC_UNSET_ISOLATE_MOVE: return "unset_migratetype_isolate";
    case KC_UNSET_ISOLATE_FREE_PAGE: return "unset_migratetype_isolate";
    case KC_PCP_BULK_ISOLATE: return "free_pcppages_bulk";
    case KC_OFFLINE_NOT_ISOLATED: return "__offline_isolated_pages";
    case KC_OFFLINE_PAGE_COUNT: return "__offline_isolated_pages";
    case KC_UNRESERVE_HIGHATOMIC: return "unreserve_highatomic_pageblock";
    case KC_ISOLATE_STATE: return "__move_freepages_block_isolate";
    case KC_SET_PAGEBLOCK_ISOLATE: return "set_pageblock_migratetype";
    case KC_HUGETLB_ENQUEUE_REF: return "enqueue_hugetlb_folio";
    case KC_HUGETLB_ADD_NOT_OPTIMIZED: return "add_hugetlb_folio";
    case KC_HUGETLB_FREE_REF: return "free_huge_folio";
    case KC_FOLIO_HSTATE: return "folio_hstate";
    case KC_VMEMMAP_NOT_HUGETLB: return "hugetlb_vmemmap";
    case KC_VMEMMAP_REFCOUNT: return "hugetlb_vmemmap";
    case KC_PUT_ZERO_REF: return "put_page_testzero";
    case KC_ALTMAP_NOT_UNMAPPED: return "remove_memory_blocks_and_altmaps";
  }
  return "?";
}

// __ffs() / __fls(), include/asm-generic/bitops/__ffs.h and __fls.h, v6.1.8
int __ffs(int x) {
  return __builtin_ctz(static_cast<unsigned>(x));
}
int __fls(int x) {
  return 31 - __builtin_clz(static_cast<unsigned>(x));
}

void kernel_warn(Ctx& c, KernelCheck check, int pfn, int a, int b) {
  if (c.recording()) c.note(fmt::format("WARNING in {} (pfn {})", kernel_check_name(check), pfn));
  c.observe(Observation{Obs::KernelCheck, check, pfn, 0, a, b});
}

// __mod_zone_freepage_state(), include/linux/vmstat.h, v6.1.8
void __mod_zone_freepage_state(Ctx& c, int nr_pages, Mt mt) {
  c.mod_counter(Counter::NR_FREE_PAGES, nr_pages);
  if (is_migrate_cma(mt)) c.mod_counter(Counter::NR_FREE_CMA_PAGES, nr_pages);
}

// account_freepages(), mm/page_alloc.c, v6.11 (e0932b6c1f94); v6.12.8 adds nr_free_highatomic.
void account_freepages(Ctx& c, int nr_pages, Mt mt) {
  if (is_migrate_isolate(mt)) return;
  c.mod_counter(Counter::NR_FREE_PAGES, nr_pages);
  if (is_migrate_cma(mt))
    c.mod_counter(Counter::NR_FREE_CMA_PAGES, nr_pages);
  else if (mt == Mt::HIGHATOMIC && c.k.has(F_NR_FREE_HIGHATOMIC))
    c.mod_counter(Counter::nr_free_highatomic, nr_pages);
}

namespace {

// get_pfnblock_migratetype(), mm/page_alloc.c, v6.1.8: the three type bits.
Mt get_pfnblock_migratetype_v6_1(Ctx& c, int pfn) {
  return static_cast<Mt>(c.s.pb_bits(c.L.geo.pageblock_of(pfn)) & PB_MIGRATETYPE_MASK);
}

// set_pageblock_migratetype(), mm/page_alloc.c, v6.1.8
void set_pageblock_migratetype_v6_1(Ctx& c, int pfn, Mt mt) {
  int pb = c.L.geo.pageblock_of(pfn);
  c.set_pb_bits(pb,
                static_cast<uint8_t>((c.s.pb_bits(pb) & ~PB_MIGRATETYPE_MASK) | static_cast<uint8_t>(mt)));
}

// add_to_free_list() / add_to_free_list_tail(), mm/page_alloc.c, v6.1.8
void add_to_free_list_v6_1(Ctx& c, int pfn, int order, Mt mt, bool tail) {
  int list = c.L.buddy_list(order, mt);
  if (tail)
    c.list_add_tail(list, pfn);
  else
    c.list_add(list, pfn);
  c.mod_counter(c.L.counter_nr_free(order), 1);
}

// move_to_free_list(), mm/page_alloc.c, v6.1.8: list_move_tail, no accounting.
void move_to_free_list_v6_1(Ctx& c, int pfn, int order, Mt, Mt new_mt) {
  c.list_del(pfn);
  c.list_add_tail(c.L.buddy_list(order, new_mt), pfn);
}

// del_page_from_free_list(), mm/page_alloc.c, v6.1.8: no migratetype, no accounting.
void del_page_from_free_list_v6_1(Ctx& c, int pfn, int order, Mt) {
  c.list_del(pfn);
  c.clear_buddy(pfn);
  c.mod_counter(c.L.counter_nr_free(order), -1);
}

// page_is_buddy(), mm/internal.h, v6.11 (same in v6.1.8): a buddy outside the zone is not one
// (page_zone_id() differs).
bool page_is_buddy(Ctx& c, int buddy_pfn, int order) {
  if (!zone_spans_pfn(c, buddy_pfn)) return false;
  return PageBuddy(c, buddy_pfn) && buddy_order(c, buddy_pfn) == order;
}

// buddy_merge_likely(), mm/page_alloc.c, v6.11 (v6.1.8: the same test, as MAX_ORDER - 2)
bool buddy_merge_likely(Ctx& c, int pfn, int buddy_pfn, int order) {
  if (order >= MAX_PAGE_ORDER(c) - 1) return false;
  int higher_page_pfn = buddy_pfn & pfn;
  return find_buddy_page_pfn(c, higher_page_pfn, order + 1) >= 0;
}

// __free_one_page(), mm/page_alloc.c, v6.1.8; e6cf9e1c4cde and e0932b6c1f94 as in v6.11.
// Without d9dddbf55667 the merge rule is 3c605096d315's (v3.18, read in d9dddbf55667's diff): a
// page freed onto an ISOLATE list merges no further than pageblock_order, any other merges
// regardless of the buddy's block. The V2 posting (Sept 2023) retyped the buddy before taking
// it off its list (2/6) and read buddy_mt at every order (6/6). Compaction capture and page
// shuffling are not modelled (no compactor waits here; CONFIG_SHUFFLE_PAGE_ALLOCATOR off).
void __free_one_page(Ctx& c, int pfn, int order, Mt mt, int fpi) {
  Scope sc(c, "__free_one_page", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return fmt::format("{}, {}", pfn_order(pfn, order), mt_name(mt)); });
  const bool consolidated = c.k.has(F_ACCOUNT_FREEPAGES);
  int buddy_pfn = 0;
  if (consolidated)
    account_freepages(c, 1 << order, mt);
  else if (!is_migrate_isolate(mt))
    __mod_zone_freepage_state(c, 1 << order, mt);

  // 3c605096d315: "restrict max order of merging on isolated pageblock"
  const int max_order = !c.k.has(F_MERGE_CHECKS_BUDDY_TYPE) && is_migrate_isolate(mt)
                            ? std::min(MAX_PAGE_ORDER(c), pageblock_order(c))
                            : MAX_PAGE_ORDER(c);
  while (order < max_order) {
    Mt buddy_mt = mt;
    buddy_pfn = pfn ^ (1 << order);
    if (!page_is_buddy(c, buddy_pfn, order)) break;
    if (c.k.has(F_V2_BUDDY_MT_EVERY_ORDER)) buddy_mt = c.k.fn.get_pfnblock_migratetype(c, buddy_pfn);
    if (order >= pageblock_order(c) && c.k.has(F_MERGE_CHECKS_BUDDY_TYPE)) {
      // "prevent merge between freepages on pageblock without fallbacks and normal pageblock"
      buddy_mt = c.k.fn.get_pfnblock_migratetype(c, buddy_pfn);
      if (mt != buddy_mt && (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt))) {
        if (c.recording())
          c.note(fmt::format("no merge with pfn {}: {} and {} do not merge", buddy_pfn, mt_name(mt),
                             mt_name(buddy_mt)));
        break;
      }
      // V2 2/6: the buddy's block is retyped while the buddy is still on its list.
      if (c.k.has(F_V2_MERGE_RETYPE_BEFORE_DEL) && buddy_mt != mt)
        c.k.fn.set_pageblock_migratetype(c, buddy_pfn, mt);
    }
    c.k.fn.__del_page_from_free_list(c, buddy_pfn, order, buddy_mt);
    if (c.k.has(F_MERGE_FIXES_BLOCK_TYPE) && !c.k.has(F_V2_MERGE_RETYPE_BEFORE_DEL) && buddy_mt != mt) {
      // "Match buddy type. This ensures that an expand() down the line puts the sub-blocks on
      // the right freelists." (e6cf9e1c4cde, after the removal as e0932b6c1f94 has it)
      c.k.fn.set_pageblock_migratetype(c, buddy_pfn, mt);
    }
    pfn = buddy_pfn & pfn;
    order++;
  }
  c.set_buddy(pfn, order);
  bool to_tail = (fpi & FPI_TO_TAIL) != 0 || buddy_merge_likely(c, pfn, buddy_pfn, order);
  c.k.fn.__add_to_free_list(c, pfn, order, mt, to_tail);
}

// expand(), mm/page_alloc.c, v6.1.8; with e0932b6c1f94 and 883dd161e9a8 (v6.10) it accounts the
// pages it puts back in one account_freepages() call, as in v6.11. Guard pages
// (CONFIG_DEBUG_PAGEALLOC) are not modelled.
int expand(Ctx& c, int pfn, int low, int high, Mt mt) {
  Scope sc(c, "expand", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return fmt::format("pfn {}, low {}, high {}, {}", pfn, low, high, mt_name(mt)); });
  int size = 1 << high;
  int nr_added = 0;
  while (high > low) {
    high--;
    size >>= 1;
    c.k.fn.__add_to_free_list(c, pfn + size, high, mt, false);
    c.set_buddy(pfn + size, high);
    nr_added += size;
  }
  if (c.k.has(F_ACCOUNT_FREEPAGES)) account_freepages(c, nr_added, mt);
  return nr_added;
}

// __rmqueue_smallest(), mm/page_alloc.c, v6.1.8; 17edeb5d3f76 and e0932b6c1f94 as in v6.11.
int __rmqueue_smallest(Ctx& c, int order, Mt mt) {
  Scope sc(c, "__rmqueue_smallest", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return fmt::format("order {}, {}", order, mt_name(mt)); });
  for (int current_order = order; current_order <= MAX_PAGE_ORDER(c); ++current_order) {
    int page = c.s.head(c.L.buddy_list(current_order, mt));  // get_page_from_free_area()
    if (page == NIL) continue;
    c.k.fn.del_page_from_free_list(c, page, current_order, mt);
    c.k.fn.expand(c, page, order, current_order, mt);
    if (!c.k.has(F_NO_PCPPAGE_MT_CACHE)) set_pcppage_migratetype(c, page, mt);
    sc.result(fmt::format("pfn {}", page));
    return page;
  }
  sc.result("NULL");
  return -1;
}

// rmqueue_buddy(), mm/page_alloc.c, v6.1.8 (ALLOC_HARDER there; ALLOC_HIGHATOMIC from v6.3,
// which gfp_to_alloc_flags() sets only for order > 0); 17edeb5d3f76 and e0932b6c1f94 as in
// v6.11, whose ALLOC_OOM dip into the reserve is modelled too. The retry on check_new_pages()
// never runs: the model has no bad pages.
int rmqueue_buddy(Ctx& c, int order, Mt mt, int alloc_flags) {
  Scope sc(c, "rmqueue_buddy", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return fmt::format("order {}, {}", order, mt_name(mt)); });
  take_zone_lock(c);
  int page = -1;
  if (order > 0 && (alloc_flags & ALLOC_HIGHATOMIC))
    page = c.k.fn.__rmqueue_smallest(c, order, Mt::HIGHATOMIC);
  if (page < 0) {
    page = c.k.fn.__rmqueue(c, order, mt, alloc_flags, nullptr);
    if (page < 0 && (alloc_flags & ALLOC_OOM) && c.k.has(F_ACCOUNT_FREEPAGES))
      page = c.k.fn.__rmqueue_smallest(c, order, Mt::HIGHATOMIC);
    if (page < 0) {
      c.spin_unlock(LOCK_ZONE);
      return -1;
    }
  }
  c.observe(Observation{Obs::AllocFromBuddy, 0, page, order});
  if (!c.k.has(F_ACCOUNT_FREEPAGES)) {
    // v6.1.8 accounts with the cached type; without the cache (17edeb5d3f76) the block's.
    Mt acct = c.k.has(F_NO_PCPPAGE_MT_CACHE) ? c.k.fn.get_pfnblock_migratetype(c, page)
                                             : get_pcppage_migratetype(c, page);
    __mod_zone_freepage_state(c, -(1 << order), acct);
  }
  c.spin_unlock(LOCK_ZONE);
  return page;
}

// free_one_page(), mm/page_alloc.c, v6.1.8: the type read without the lock is re-read under it
// only if the zone has isolated blocks or the page's own was ISOLATE (ad53f92eb416; before it
// the caller's type was used as it was). 55612e80e722 (v6.10) always reads it under the lock;
// e98337d11bbd (v6.12) frees through split_large_buddy() (v6.12.8).
void free_one_page(Ctx& c, int pfn, int order, Mt mt, int fpi) {
  Scope sc(c, "free_one_page", c.k.has(F_FREE_MT_UNDER_ZONE_LOCK) ? kPA611 : kPA61,
           [&] { return pfn_order(pfn, order); });
  take_zone_lock(c);
  if (c.k.has(F_FREE_MT_UNDER_ZONE_LOCK)) {
    if (c.k.has(F_FREE_ONE_PAGE_SPLITS)) {
      c.k.fn.split_large_buddy(c, pfn, order, fpi);
      c.spin_unlock(LOCK_ZONE);
      return;
    }
    mt = c.k.fn.get_pfnblock_migratetype(c, pfn);
  } else if (c.k.has(F_ISOLATE_RECHECK_ON_FREE) && (has_isolate_pageblock(c) || is_migrate_isolate(mt))) {
    mt = c.k.fn.get_pfnblock_migratetype(c, pfn);
  }
  c.k.fn.__free_one_page(c, pfn, order, mt, fpi);
  c.spin_unlock(LOCK_ZONE);
}

}  // namespace

// find_buddy_page_pfn(), mm/internal.h, v6.1.8 (8170ac4700d2, v5.19)
int find_buddy_page_pfn(Ctx& c, int pfn, int order) {
  int buddy_pfn = pfn ^ (1 << order);
  return page_is_buddy(c, buddy_pfn, order) ? buddy_pfn : -1;
}

// find_large_buddy(), mm/page_alloc.c, v6.11 (fd919a85cd55; also the open-coded search of
// alloc_contig_range() before it): "Look for a buddy that straddles start_pfn".
int find_large_buddy(Ctx& c, int start_pfn) {
  int order = 0;
  int pfn = start_pfn;
  while (!PageBuddy(c, pfn)) {
    if (++order > MAX_PAGE_ORDER(c)) return start_pfn;  // Nothing found
    pfn &= ~0 << order;
  }
  if (pfn + (1 << buddy_order(c, pfn)) > start_pfn) return pfn;
  return start_pfn;
}

// change_pageblock_range(), mm/page_alloc.c, v6.1.8 (same in v6.11)
void change_pageblock_range(Ctx& c, int pfn, int start_order, Mt mt) {
  int nr_pageblocks = 1 << (start_order - pageblock_order(c));
  while (nr_pageblocks--) {
    c.k.fn.set_pageblock_migratetype(c, pfn, mt);
    pfn += pageblock_nr_pages(c);
  }
}

// prep_move_freepages_block(), mm/page_alloc.c, v6.11 (c0cd6f557b90): the block must lie in the
// zone; the V2 posting (5/6, with 4/6) clamped a block starting below the zone to
// zone_start_pfn instead. Counts free pages and movable (PageLRU) pages in use when asked.
bool prep_move_freepages_block(Ctx& c, int pfn, int* start_pfn, int* num_free, int* num_movable) {
  int start = pageblock_start_pfn(c, pfn);
  int end = pageblock_end_pfn(c, pfn);
  if (!zone_spans_pfn(c, start)) {
    if (!c.k.has(F_V2_MOVE_CLAMPS_ZONE_START)) return false;
    start = zone_start_pfn(c);
  }
  if (!zone_spans_pfn(c, end - 1)) return false;
  *start_pfn = start;
  if (num_free) {
    *num_free = 0;
    *num_movable = 0;
    for (int p = start; p < end;) {
      if (PageBuddy(c, p)) {
        int nr = 1 << buddy_order(c, p);
        *num_free += nr;
        p += nr;
        continue;
      }
      // "We assume that pages that could be isolated for migration are movable."
      if (c.s.flags(p) & PG_lru) (*num_movable)++;
      p++;
    }
  }
  return true;
}

// __move_freepages_block(), mm/page_alloc.c, v6.11 (f37c0f6876a8, e1f42a577f63): moves the
// buddies whose heads lie in the block, then sets the block's type (v6.17 leaves that to the
// callers, v7.1.8).
int __move_freepages_block(Ctx& c, int start_pfn, Mt old_mt, Mt new_mt) {
  int end_pfn = pageblock_end_pfn(c, start_pfn);
  int pages_moved = 0;
  for (int p = start_pfn; p < end_pfn;) {
    if (!PageBuddy(c, p)) {
      p++;
      continue;
    }
    int order = buddy_order(c, p);
    c.k.fn.move_to_free_list(c, p, order, old_mt, new_mt);
    p += 1 << order;
    pages_moved += 1 << order;
  }
  if (!c.k.has(F_PB_ISOLATE_BIT)) c.k.fn.set_pageblock_migratetype(c, start_pfn, new_mt);
  return pages_moved;
}

namespace {

// move_freepages() + move_freepages_block(), mm/page_alloc.c, v6.1.8: the range is the block, cut
// to start at the pivot page when the block starts outside the zone ("Do not cross zone
// boundaries"); 2dd482ba627d refuses such a block (0), V2 4/6 cut it at zone_start_pfn instead,
// c0cd6f557b90 fails it (-1, prep_move_freepages_block()), f37c0f6876a8 sets the block's type
// after moving, e0932b6c1f94 passes the old type for its check (all as in v6.11). Moves every
// free buddy whose head lies in the range; a buddy that starts in an earlier block is not seen.
// `num_movable` counts PageLRU pages in use over the range (v6.1.8's steal heuristic).
int move_freepages_block_v(Ctx& c, int pfn, Mt old_mt, Mt new_mt, int* num_movable) {
  Scope sc(c, "move_freepages_block", c.k.has(F_MOVE_FREEPAGES_SETS_TYPE) ? kPA611 : kPA61,
           [&] { return fmt::format("pfn {}, {} -> {}", pfn, mt_name(old_mt), mt_name(new_mt)); });
  if (num_movable) *num_movable = 0;
  int start_pfn = pageblock_start_pfn(c, pfn);
  int end_pfn = pageblock_end_pfn(c, pfn);
  if (c.k.has(F_BLOCK_CONVERSION_TXN)) {
    if (!prep_move_freepages_block(c, pfn, &start_pfn, nullptr, nullptr)) {
      sc.result("-1");
      return -1;
    }
  } else if (!zone_spans_pfn(c, start_pfn)) {
    if (c.k.has(F_MOVE_FREEPAGES_RANGE_FIX)) return 0;
    start_pfn = c.k.has(F_V2_MOVE_CLAMPS_ZONE_START) ? zone_start_pfn(c) : pfn;
  }
  if (!zone_spans_pfn(c, end_pfn - 1)) return c.k.has(F_BLOCK_CONVERSION_TXN) ? -1 : 0;
  int pages_moved = 0;
  for (int p = start_pfn; p < end_pfn;) {
    if (!PageBuddy(c, p)) {
      if (num_movable && (c.s.flags(p) & PG_lru)) (*num_movable)++;
      p++;
      continue;
    }
    int order = buddy_order(c, p);
    c.k.fn.move_to_free_list(c, p, order, old_mt, new_mt);
    p += 1 << order;
    pages_moved += 1 << order;
  }
  if (c.k.has(F_MOVE_FREEPAGES_SETS_TYPE)) c.k.fn.set_pageblock_migratetype(c, start_pfn, new_mt);
  sc.result(std::to_string(pages_moved));
  return pages_moved;
}

// move_freepages_block(), mm/page_alloc.c, v6.1.8 called with num_movable NULL, and v6.11 (no count)
int move_freepages_block(Ctx& c, int pfn, Mt old_mt, Mt new_mt) {
  return move_freepages_block_v(c, pfn, old_mt, new_mt, nullptr);
}

// __isolate_free_page(), mm/page_alloc.c, v6.1.8; b54ccd3c6bac, c0cd6f557b90, f37c0f6876a8 and
// e0932b6c1f94 as in v6.11. The watermark check for non-isolated blocks is taken to pass (a
// small zone has no watermarks to speak of).
int __isolate_free_page(Ctx& c, int pfn, int order) {
  Scope sc(c, "__isolate_free_page", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return pfn_order(pfn, order); });
  Mt mt = c.k.fn.get_pfnblock_migratetype(c, pfn);
  if (!c.k.has(F_ACCOUNT_FREEPAGES) && !is_migrate_isolate(mt))
    __mod_zone_freepage_state(c, -(1 << order), mt);
  c.k.fn.del_page_from_free_list(c, pfn, order, mt);
  // "Set the pageblock if the isolated page is at least half of a pageblock"
  if (order >= pageblock_order(c) - 1) {
    int endpage = pfn + (1 << order) - 1;
    for (int p = pfn; p < endpage; p += pageblock_nr_pages(c)) {
      Mt bmt = c.k.fn.get_pfnblock_migratetype(c, p);
      // "Only change normal pageblocks (i.e., they can merge with others)"
      if (!migratetype_is_mergeable(bmt)) continue;
      if (c.k.has(F_MOVE_FREEPAGES_SETS_TYPE)) {
        c.k.fn.move_freepages_block(c, p, bmt, Mt::MOVABLE);
      } else if (c.k.has(F_BLOCK_CONVERSION_TXN)) {
        if (c.k.fn.move_freepages_block(c, p, bmt, Mt::MOVABLE) != -1)
          c.k.fn.set_pageblock_migratetype(c, p, Mt::MOVABLE);
      } else {
        c.k.fn.set_pageblock_migratetype(c, p, Mt::MOVABLE);
        if (c.k.has(F_ISOLATE_FREE_PAGE_MOVES)) c.k.fn.move_freepages_block(c, p, bmt, Mt::MOVABLE);
      }
    }
  }
  return 1 << order;
}

// __putback_isolated_page(), mm/page_alloc.c, v6.1.8 (same in v6.11): back to the tail.
void __putback_isolated_page(Ctx& c, int pfn, int order, Mt mt) {
  c.k.fn.__free_one_page(c, pfn, order, mt, FPI_TO_TAIL);
}

// split_free_page(), mm/page_alloc.c, v6.1.8 (removed by fd919a85cd55): re-validates the
// buddy under zone->lock, then frees power-of-two chunks on either side of the split point,
// each with its own pageblock's type. Accounting as e0932b6c1f94 would have it when that is on.
int split_free_page(Ctx& c, int free_page_pfn, int order, int split_pfn_offset) {
  Scope sc(c, "split_free_page", kPA61, [&] {
    return fmt::format("pfn {}, order {}, split at +{}", free_page_pfn, order, split_pfn_offset);
  });
  if (split_pfn_offset == 0) return 0;
  take_zone_lock(c);
  int ret = 0;
  if (!PageBuddy(c, free_page_pfn) || buddy_order(c, free_page_pfn) != order) {
    ret = -kENOENT;  // "free page changed before split"
  } else {
    Mt mt = c.k.fn.get_pfnblock_migratetype(c, free_page_pfn);
    if (!c.k.has(F_ACCOUNT_FREEPAGES) && !is_migrate_isolate(mt))
      __mod_zone_freepage_state(c, -(1 << order), mt);
    c.k.fn.del_page_from_free_list(c, free_page_pfn, order, mt);
    for (int pfn = free_page_pfn; pfn < free_page_pfn + (1 << order);) {
      Mt chunk_mt = c.k.fn.get_pfnblock_migratetype(c, pfn);
      int free_page_order = std::min(pfn ? __ffs(pfn) : order, __fls(split_pfn_offset));
      c.k.fn.__free_one_page(c, pfn, free_page_order, chunk_mt, FPI_NONE);
      pfn += 1 << free_page_order;
      split_pfn_offset -= 1 << free_page_order;
      // "we have done the first part, now switch to second part"
      if (split_pfn_offset == 0) split_pfn_offset = (1 << order) - (pfn - free_page_pfn);
    }
  }
  c.spin_unlock(LOCK_ZONE);
  sc.result(ret ? "-ENOENT" : "0");
  return ret;
}

}  // namespace

// ----- v6.10 replacements (installed by the hygiene commits, model/variants/) ----------------
namespace hygiene {

// __add_to_free_list(), mm/page_alloc.c, v6.11 (e0932b6c1f94)
void __add_to_free_list(Ctx& c, int pfn, int order, Mt mt, bool tail) {
  Mt block = c.k.fn.get_pfnblock_migratetype(c, pfn);
  if (block != mt)
    kernel_warn(c, KC_ADD_TO_FREE_LIST_TYPE, pfn, static_cast<int>(block), static_cast<int>(mt));
  add_to_free_list_v6_1(c, pfn, order, mt, tail);
}

// move_to_free_list(), mm/page_alloc.c, v6.11 (e0932b6c1f94): "Free page moving can fail, so it happens
// before the type update".
void move_to_free_list(Ctx& c, int pfn, int order, Mt old_mt, Mt new_mt) {
  Mt block = c.k.fn.get_pfnblock_migratetype(c, pfn);
  if (block != old_mt)
    kernel_warn(c, KC_MOVE_TO_FREE_LIST_TYPE, pfn, static_cast<int>(block), static_cast<int>(old_mt));
  c.list_del(pfn);
  c.list_add_tail(c.L.buddy_list(order, new_mt), pfn);
  account_freepages(c, -(1 << order), old_mt);
  account_freepages(c, 1 << order, new_mt);
}

// __del_page_from_free_list(), mm/page_alloc.c, v6.11 (e0932b6c1f94)
void __del_page_from_free_list(Ctx& c, int pfn, int order, Mt mt) {
  Mt block = c.k.fn.get_pfnblock_migratetype(c, pfn);
  if (block != mt)
    kernel_warn(c, KC_DEL_FROM_FREE_LIST_TYPE, pfn, static_cast<int>(block), static_cast<int>(mt));
  del_page_from_free_list_v6_1(c, pfn, order, mt);
}

// del_page_from_free_list(), mm/page_alloc.c, v6.11 (e0932b6c1f94)
void del_page_from_free_list(Ctx& c, int pfn, int order, Mt mt) {
  __del_page_from_free_list(c, pfn, order, mt);
  account_freepages(c, -(1 << order), mt);
}

// split_large_buddy(), mm/page_alloc.c, v6.11 (fd919a85cd55): "Split a multi-block free page
// into its individual pageblocks", each freed with its own block's type.
void split_large_buddy(Ctx& c, int pfn, int order, int) {
  Scope sc(c, "split_large_buddy", kPA611, [&] { return pfn_order(pfn, order); });
  int end_pfn = pfn + (1 << order);
  if (order <= pageblock_order(c)) kernel_warn(c, KC_SPLIT_LARGE_BUDDY, pfn);
  if (pfn & (pageblock_nr_pages(c) - 1)) kernel_warn(c, KC_SPLIT_LARGE_BUDDY, pfn);
  // "Caller removed page from freelist, buddy info cleared!"
  if (PageBuddy(c, pfn)) kernel_warn(c, KC_SPLIT_LARGE_BUDDY, pfn);
  while (pfn != end_pfn) {
    Mt mt = c.k.fn.get_pfnblock_migratetype(c, pfn);
    c.k.fn.__free_one_page(c, pfn, pageblock_order(c), mt, FPI_NONE);
    pfn += pageblock_nr_pages(c);
  }
}

// move_freepages_block_isolate(), mm/page_alloc.c, v6.11 (fd919a85cd55): a straddling free
// buddy is taken off its list and split into pageblocks, each freed with its block's type,
// inside the same zone->lock section that changes the type.
bool move_freepages_block_isolate(Ctx& c, int page, Mt mt) {
  Scope sc(c, "move_freepages_block_isolate", kPA611,
           [&] { return fmt::format("pfn {}, {}", page, mt_name(mt)); });
  int start_pfn = 0;
  if (!prep_move_freepages_block(c, page, &start_pfn, nullptr, nullptr)) return false;
  if (pageblock_order(c) != MAX_PAGE_ORDER(c)) {  // "No splits needed if buddies can't span multiple blocks"
    int pfn = find_large_buddy(c, start_pfn);
    if (pfn != start_pfn) {  // "We're a tail block in a larger buddy"
      int order = buddy_order(c, pfn);
      c.k.fn.del_page_from_free_list(c, pfn, order, c.k.fn.get_pfnblock_migratetype(c, pfn));
      c.k.fn.set_pageblock_migratetype(c, page, mt);
      c.k.fn.split_large_buddy(c, pfn, order, FPI_NONE);
      return true;
    }
    if (PageBuddy(c, page) && buddy_order(c, page) > pageblock_order(c)) {  // "the starting block"
      int order = buddy_order(c, page);
      c.k.fn.del_page_from_free_list(c, page, order, c.k.fn.get_pfnblock_migratetype(c, pfn));
      c.k.fn.set_pageblock_migratetype(c, page, mt);
      c.k.fn.split_large_buddy(c, page, order, FPI_NONE);
      return true;
    }
  }
  __move_freepages_block(c, start_pfn, c.k.fn.get_pfnblock_migratetype(c, start_pfn), mt);
  return true;
}

}  // namespace hygiene

namespace v6_12 {

// split_large_buddy(), mm/page_alloc.c, v6.12.8 (e98337d11bbd; faeec8e23c10's do/while): any
// order, in chunks of at most pageblock_order, each freed with its own block's type.
void split_large_buddy(Ctx& c, int pfn, int order, int fpi) {
  Scope sc(c, "split_large_buddy", "mm/page_alloc.c, v6.12.8", [&] { return pfn_order(pfn, order); });
  int end = pfn + (1 << order);
  if (pfn & ((1 << order) - 1)) kernel_warn(c, KC_SPLIT_LARGE_BUDDY, pfn);
  // "Caller removed page from freelist, buddy info cleared!"
  if (PageBuddy(c, pfn)) kernel_warn(c, KC_SPLIT_LARGE_BUDDY, pfn);
  if (order > pageblock_order(c)) order = pageblock_order(c);
  do {
    Mt mt = c.k.fn.get_pfnblock_migratetype(c, pfn);
    c.k.fn.__free_one_page(c, pfn, order, mt, fpi);
    pfn += 1 << order;
  } while (pfn != end);
}

}  // namespace v6_12

namespace v6_17 {

// get_pfnblock_migratetype(), mm/page_alloc.c, v7.1.8 (v6.17): MIGRATE_ISOLATE when
// PB_migrate_isolate is set, else the type bits.
Mt get_pfnblock_migratetype(Ctx& c, int pfn) {
  return pageblock_type(c.s, c.L.geo.pageblock_of(pfn));
}

// set_pageblock_migratetype(), mm/page_alloc.c, v7.1.8: ISOLATE is no type any more, and a type
// write clears the isolate bit (MIGRATETYPE_AND_ISO_MASK) after warning about it.
void set_pageblock_migratetype(Ctx& c, int pfn, Mt mt) {
  int pb = c.L.geo.pageblock_of(pfn);
  if (mt == Mt::ISOLATE) {
    kernel_warn(c, KC_SET_PAGEBLOCK_ISOLATE, pfn,
                1);  // "Use set_pageblock_isolate() for pageblock isolation"
    return;
  }
  if (c.s.pb_bits(pb) & PB_migrate_isolate)
    kernel_warn(c, KC_SET_PAGEBLOCK_ISOLATE, pfn,
                0);  // "Use clear_pageblock_isolate() to unisolate pageblock"
  c.set_pb_bits(pb, static_cast<uint8_t>((c.s.pb_bits(pb) & ~(PB_MIGRATETYPE_MASK | PB_migrate_isolate)) |
                                         static_cast<uint8_t>(mt)));
}

namespace {
// toggle_pageblock_isolate(), mm/page_alloc.c, v7.1.8
void toggle_pageblock_isolate(Ctx& c, int pfn, bool isolate) {
  int pb = c.L.geo.pageblock_of(pfn);
  uint8_t bits = c.s.pb_bits(pb);
  c.set_pb_bits(pb, static_cast<uint8_t>(isolate ? bits | PB_migrate_isolate : bits & ~PB_migrate_isolate));
}
}  // namespace

// __move_freepages_block_isolate(), mm/page_alloc.c, v7.1.8 (pageblock_isolate_and_move_free_pages /
// pageblock_unisolate_and_move_free_pages): the block's own type stays in the type bits; a
// straddling free buddy is split with split_large_buddy() as from fd919a85cd55.
bool move_freepages_block_isolate(Ctx& c, int page, Mt mt) {
  const bool isolate = mt == Mt::ISOLATE;
  Scope sc(c, isolate ? "pageblock_isolate_and_move_free_pages" : "pageblock_unisolate_and_move_free_pages",
           kPA71, [&] { return fmt::format("pfn {}", page); });
  const int pb = c.L.geo.pageblock_of(page);
  if (isolate == ((c.s.pb_bits(pb) & PB_migrate_isolate) != 0)) {
    // "%s a pageblock that is already in that state"
    kernel_warn(c, KC_ISOLATE_STATE, page, isolate ? 1 : 0);
    return false;
  }
  int start_pfn = 0;
  if (!prep_move_freepages_block(c, page, &start_pfn, nullptr, nullptr)) return false;
  if (pageblock_order(c) != MAX_PAGE_ORDER(c)) {  // "No splits needed if buddies can't span multiple blocks"
    int buddy_pfn = find_large_buddy(c, start_pfn);
    // "We're a part of a larger buddy"
    if (PageBuddy(c, buddy_pfn) && buddy_order(c, buddy_pfn) > pageblock_order(c)) {
      int order = buddy_order(c, buddy_pfn);
      c.k.fn.del_page_from_free_list(c, buddy_pfn, order, c.k.fn.get_pfnblock_migratetype(c, buddy_pfn));
      toggle_pageblock_isolate(c, page, isolate);
      c.k.fn.split_large_buddy(c, buddy_pfn, order, FPI_NONE);
      return true;
    }
  }
  // "Use MIGRATETYPE_MASK to get non-isolate migratetype"
  const Mt type_bits = static_cast<Mt>(c.s.pb_bits(pb) & PB_MIGRATETYPE_MASK);
  const Mt from_mt = isolate ? type_bits : Mt::ISOLATE;
  const Mt to_mt = isolate ? Mt::ISOLATE : type_bits;
  __move_freepages_block(c, start_pfn, from_mt, to_mt);
  toggle_pageblock_isolate(c, start_pfn, isolate);
  return true;
}

}  // namespace v6_17

void fill_page_alloc(Kernel& k) {
  k.fn.get_pfnblock_migratetype = get_pfnblock_migratetype_v6_1;
  k.fn.set_pageblock_migratetype = set_pageblock_migratetype_v6_1;
  k.fn.__add_to_free_list = add_to_free_list_v6_1;
  k.fn.move_to_free_list = move_to_free_list_v6_1;
  k.fn.__del_page_from_free_list = del_page_from_free_list_v6_1;
  k.fn.del_page_from_free_list = del_page_from_free_list_v6_1;
  k.fn.expand = expand;
  k.fn.__rmqueue_smallest = __rmqueue_smallest;
  k.fn.rmqueue_buddy = rmqueue_buddy;
  k.fn.__free_one_page = __free_one_page;
  k.fn.free_one_page = free_one_page;
  k.fn.split_large_buddy = nullptr;  // does not exist before fd919a85cd55
  k.fn.move_freepages_block = move_freepages_block;
  k.fn.move_freepages_block_isolate = nullptr;  // does not exist before fd919a85cd55
  k.fn.__isolate_free_page = __isolate_free_page;
  k.fn.split_free_page = split_free_page;
  k.fn.__putback_isolated_page = __putback_isolated_page;
}

// v6.1.8's steal heuristic needs the movable count of the range move_freepages_block() moved.
int move_freepages_block_counting(Ctx& c, int pfn, Mt old_mt, Mt new_mt, int* num_movable) {
  return move_freepages_block_v(c, pfn, old_mt, new_mt, num_movable);
}

void fill_baseline(Kernel& k) {
  k = Kernel{};
  fill_page_alloc(k);
  fill_page_alloc_pcp(k);
  fill_page_alloc_fallback(k);
  fill_page_alloc_ops(k);
  fill_page_isolation(k);
  fill_compaction(k);
  fill_page_alloc_contig(k);
  fill_memory_hotplug(k);
  fill_hugetlb(k);
  fill_hugetlb_vmemmap(k);
}

}  // namespace pagecheck::model

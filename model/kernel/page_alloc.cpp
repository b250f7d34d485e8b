// mm/page_alloc.c, modelled. Functions carry the version whose source was read; branches on
// Feature bits are the commits of the v6.10 hygiene series that changed them.
#include <fmt/format.h>

#include <algorithm>

#include "model/kernel/footprints.hpp"
#include "model/kernel/kernel.hpp"

namespace pagecheck::model {

namespace {
constexpr const char* kPA61 = "mm/page_alloc.c, v6.1.8";
constexpr const char* kPA611 = "mm/page_alloc.c, v6.11 (v6.10 bodies)";

std::string pfn_order(int pfn, int order) {
  return fmt::format("pfn {}, order {}", pfn, order);
}
}  // namespace

const char* kernel_check_name(int check) {
  switch (check) {
    case KC_ADD_TO_FREE_LIST_TYPE: return "__add_to_free_list";
    case KC_MOVE_TO_FREE_LIST_TYPE: return "move_to_free_list";
    case KC_DEL_FROM_FREE_LIST_TYPE: return "__del_page_from_free_list";
    case KC_SPLIT_LARGE_BUDDY: return "split_large_buddy";
    case KC_ISOLATE_SCAN_STRADDLE: return "isolate_single_pageblock";
    case KC_UNSET_ISOLATE_MOVE: return "unset_migratetype_isolate";
    case KC_UNSET_ISOLATE_FREE_PAGE: return "unset_migratetype_isolate";
  }
  return "?";
}

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

// account_freepages(), mm/page_alloc.c, v6.11 (e0932b6c1f94); v6.12 adds nr_free_highatomic.
void account_freepages(Ctx& c, int nr_pages, Mt mt) {
  if (is_migrate_isolate(mt)) return;
  c.mod_counter(Counter::NR_FREE_PAGES, nr_pages);
  if (is_migrate_cma(mt)) c.mod_counter(Counter::NR_FREE_CMA_PAGES, nr_pages);
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

// page_is_buddy() + find_buddy_page_pfn(), mm/internal.h, v6.11 (same in v6.1.8)
bool page_is_buddy(Ctx& c, int buddy_pfn, int order) {
  if (!zone_spans_pfn(c, buddy_pfn)) return false;  // page_zone_id() differs: not in this zone
  return PageBuddy(c, buddy_pfn) && buddy_order(c, buddy_pfn) == order;
}
int find_buddy_page_pfn(Ctx& c, int pfn, int order) {
  int buddy_pfn = pfn ^ (1 << order);
  return page_is_buddy(c, buddy_pfn, order) ? buddy_pfn : -1;
}

// buddy_merge_likely(), mm/page_alloc.c, v6.11 (v6.1.8: the same test, as MAX_ORDER - 2)
bool buddy_merge_likely(Ctx& c, int pfn, int buddy_pfn, int order) {
  if (order >= MAX_PAGE_ORDER(c) - 1) return false;
  int higher_page_pfn = buddy_pfn & pfn;
  return find_buddy_page_pfn(c, higher_page_pfn, order + 1) >= 0;
}

// __free_one_page(), mm/page_alloc.c, v6.1.8; e6cf9e1c4cde and e0932b6c1f94 as in v6.11.
// Compaction capture and page shuffling are not modelled (no compactor waits here;
// CONFIG_SHUFFLE_PAGE_ALLOCATOR off).
void __free_one_page(Ctx& c, int pfn, int order, Mt mt, int fpi) {
  Scope sc(c, "__free_one_page", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return fmt::format("{}, {}", pfn_order(pfn, order), mt_name(mt)); });
  const bool consolidated = c.k.has(F_ACCOUNT_FREEPAGES);
  int buddy_pfn = 0;
  if (consolidated)
    account_freepages(c, 1 << order, mt);
  else if (!is_migrate_isolate(mt))
    __mod_zone_freepage_state(c, 1 << order, mt);

  while (order < MAX_PAGE_ORDER(c)) {
    Mt buddy_mt = mt;
    buddy_pfn = pfn ^ (1 << order);
    if (!page_is_buddy(c, buddy_pfn, order)) break;
    if (order >= pageblock_order(c)) {
      // "prevent merge between freepages on pageblock without fallbacks and normal pageblock"
      buddy_mt = c.k.fn.get_pfnblock_migratetype(c, buddy_pfn);
      if (mt != buddy_mt && (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt))) {
        if (c.recording())
          c.note(fmt::format("no merge with pfn {}: {} and {} do not merge", buddy_pfn, mt_name(mt),
                             mt_name(buddy_mt)));
        break;
      }
    }
    c.k.fn.__del_page_from_free_list(c, buddy_pfn, order, buddy_mt);
    if (c.k.has(F_MERGE_FIXES_BLOCK_TYPE) && buddy_mt != mt) {
      // "Match buddy type. This ensures that an expand() down the line puts the sub-blocks on
      // the right freelists." (e6cf9e1c4cde)
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
    if (!c.k.has(F_NO_PCPPAGE_MT_CACHE))
      c.set_pcpmt(page, static_cast<uint8_t>(mt));  // set_pcppage_migratetype()
    sc.result(fmt::format("pfn {}", page));
    return page;
  }
  sc.result("NULL");
  return -1;
}

// __rmqueue(), mm/page_alloc.c, v6.1.8: the allocation from the requested type's lists. Its
// CMA balancing and __rmqueue_fallback() belong to the full allocator model (issue #3); with
// them absent an allocation that finds no page of its type fails here.
int __rmqueue(Ctx& c, int order, Mt mt) {
  return c.k.fn.__rmqueue_smallest(c, order, mt);
}

// rmqueue_buddy(), mm/page_alloc.c, v6.1.8; 17edeb5d3f76 and e0932b6c1f94 as in v6.11.
// The retry on check_new_pages() never runs: the model has no bad pages.
int rmqueue_buddy(Ctx& c, int order, Mt mt) {
  Scope sc(c, "rmqueue_buddy", c.k.has(F_ACCOUNT_FREEPAGES) ? kPA611 : kPA61,
           [&] { return fmt::format("order {}, {}", order, mt_name(mt)); });
  if (!c.spin_lock(LOCK_ZONE)) throw ModelError("zone->lock held across steps");
  int page = c.k.fn.__rmqueue(c, order, mt);
  if (page < 0) {
    c.spin_unlock(LOCK_ZONE);
    return -1;
  }
  c.observe(Observation{Obs::AllocFromBuddy, 0, page, order});
  if (!c.k.has(F_ACCOUNT_FREEPAGES)) {
    // v6.1.8 accounts with the cached type; without the cache (17edeb5d3f76) the block's.
    Mt acct = c.k.has(F_NO_PCPPAGE_MT_CACHE) ? c.k.fn.get_pfnblock_migratetype(c, page)
                                             : static_cast<Mt>(c.s.pcpmt(page));
    __mod_zone_freepage_state(c, -(1 << order), acct);
  }
  c.spin_unlock(LOCK_ZONE);
  return page;
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
// into its individual pageblocks", each freed with its own block's type. (v6.12, e98337d11bbd,
// generalises it to any order and uses it in free_one_page().)
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

// find_large_buddy(), mm/page_alloc.c, v6.11 (fd919a85cd55): "Look for a buddy that
// straddles start_pfn".
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

// __move_freepages_block(), mm/page_alloc.c, v6.11 (f37c0f6876a8, e1f42a577f63): moves the
// buddies whose heads lie in the block, then sets the block's type.
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
  c.k.fn.set_pageblock_migratetype(c, start_pfn, new_mt);
  return pages_moved;
}

// move_freepages_block_isolate(), mm/page_alloc.c, v6.11 (fd919a85cd55): a straddling free
// buddy is taken off its list and split into pageblocks, each freed with its block's type,
// inside the same zone->lock section that changes the type.
bool move_freepages_block_isolate(Ctx& c, int page, Mt mt) {
  Scope sc(c, "move_freepages_block_isolate", kPA611,
           [&] { return fmt::format("pfn {}, {}", page, mt_name(mt)); });
  int start_pfn = pageblock_start_pfn(c, page);
  int end_pfn = pageblock_end_pfn(c, page);
  // prep_move_freepages_block()
  if (!zone_spans_pfn(c, start_pfn) || !zone_spans_pfn(c, end_pfn - 1)) return false;
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

namespace {

// move_freepages() + move_freepages_block(), mm/page_alloc.c, v6.1.8; 2dd482ba627d,
// c0cd6f557b90 and f37c0f6876a8 as in v6.11 (prep_move_freepages_block, __move_freepages_block). Moves every
// free buddy whose head lies in the block; a buddy that starts in an earlier block is not seen.
int move_freepages_block(Ctx& c, int pfn, Mt old_mt, Mt new_mt) {
  Scope sc(c, "move_freepages_block", c.k.has(F_MOVE_FREEPAGES_SETS_TYPE) ? kPA611 : kPA61,
           [&] { return fmt::format("pfn {}, {} -> {}", pfn, mt_name(old_mt), mt_name(new_mt)); });
  int start_pfn = pageblock_start_pfn(c, pfn);
  int end_pfn = pageblock_end_pfn(c, pfn);
  if (c.k.has(F_BLOCK_CONVERSION_TXN)) {
    // prep_move_freepages_block(): "don't touch ranges that straddle into other zones"
    if (!zone_spans_pfn(c, start_pfn) || !zone_spans_pfn(c, end_pfn - 1)) return -1;
  } else if (c.k.has(F_MOVE_FREEPAGES_RANGE_FIX)) {
    if (!zone_spans_pfn(c, start_pfn) || !zone_spans_pfn(c, end_pfn - 1)) return 0;
  } else {
    // "Do not cross zone boundaries"
    if (!zone_spans_pfn(c, start_pfn)) start_pfn = pfn;
    if (!zone_spans_pfn(c, end_pfn - 1)) return 0;
  }
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
  if (c.k.has(F_MOVE_FREEPAGES_SETS_TYPE)) c.k.fn.set_pageblock_migratetype(c, start_pfn, new_mt);
  sc.result(std::to_string(pages_moved));
  return pages_moved;
}

// __isolate_free_page(), mm/page_alloc.c, v6.1.8; e0932b6c1f94 as in v6.11. The watermark
// check for non-isolated blocks is taken to pass (a small zone has no watermarks to speak of).
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
      if (migratetype_is_mergeable(bmt)) c.k.fn.set_pageblock_migratetype(c, p, Mt::MOVABLE);
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
  if (!c.spin_lock(LOCK_ZONE)) throw ModelError("zone->lock held across steps");
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

// ---- operations ------------------------------------------------------------------------------

std::string describe_alloc(const Ctx& c) {
  return fmt::format("order={}, {}", c.loc(0), mt_name(static_cast<Mt>(c.loc(1))));
}

// __alloc_pages() -> get_page_from_freelist() -> rmqueue(), mm/page_alloc.c, v6.1.8. This
// model takes the buddy path (rmqueue_buddy), which rmqueue() uses for non-pcp orders and
// whenever rmqueue_pcplist() gives nothing; the pcp path is part of issue #3.
Flow run_alloc_pages(Ctx& c) {
  const int order = c.loc(0);
  const Mt mt = static_cast<Mt>(c.loc(1));
  int page = c.k.fn.rmqueue_buddy(c, order, mt);
  uint8_t* a = c.cpu_area();
  if (page < 0) {
    a[cpuoff::res_pfn] = NIL;
    return c.ret(-1);
  }
  // prep_new_page(): the caller owns the pages; a movable allocation is migratable.
  c.set_owner(page, 1 << order, owner_of_cpu(c.cpu));
  for (int p = page; p < page + (1 << order); ++p) c.set_page_flags(p, mt == Mt::MOVABLE ? PG_lru : 0);
  a[cpuoff::res_pfn] = static_cast<uint8_t>(page);
  a[cpuoff::res_order] = static_cast<uint8_t>(order);
  return c.ret(page);
}
// The one step of alloc_pages(): zone->lock, the heads of the type's lists up to the first
// non-empty one, whose head buddy it takes and splits (expand() puts the halves at the heads of
// the lower lists); the pages of that buddy and their pageblocks' types.
void fp_alloc_pages(const Ctx& c, Footprint& fp) {
  const int order = c.loc(0);
  const Mt mt = static_cast<Mt>(c.loc(1));
  fp.lock(LOCK_ZONE);
  for (int o = order; o <= MAX_PAGE_ORDER(c); ++o) {
    const int list = c.L.buddy_list(o, mt);
    fp.read_list(list);
    const int page = c.s.head(list);
    if (page == NIL) continue;
    for (int w = order; w <= o; ++w) {
      fp.write_list(c.L.buddy_list(w, mt));
      fp.add_counter(c.L.counter_nr_free(w));
    }
    fp.write_pages(page, page + (1 << o));
    for (int p = page; p < page + (1 << o); p += pageblock_nr_pages(c))
      fp.read_pageblock(c.L.geo.pageblock_of(p));
    fp.add_counter(Counter::NR_FREE_PAGES);
    fp.add_counter(Counter::NR_FREE_CMA_PAGES);
    return;
  }
}
const ProcDef kAllocPages{"alloc_pages", kPA61,         2, run_alloc_pages, describe_alloc,
                          RetKind::Pfn,  fp_alloc_pages};

bool pages_allocated(Ctx& c, int pfn, int order) {
  for (int p = pfn; p < pfn + (1 << order); ++p)
    if (c.s.owner(p) == OWNER_NONE) return false;
  return true;
}

// __free_pages() -> __free_pages_ok(), mm/page_alloc.c, v6.1.8: the migratetype is read
// without the lock and re-read under it only if the zone has isolated blocks. From
// 55612e80e722 (v6.10) free_one_page() reads it under zone->lock (v6.11).
enum FreePc : uint8_t { FREE_ENTRY = 0, FREE_LOCKED = 1 };
enum FreeLoc : uint8_t { F_PFN, F_ORDER, F_MT };
Flow run_free_pages(Ctx& c) {
  const int pfn = c.loc(F_PFN), order = c.loc(F_ORDER);
  switch (c.pc()) {
    case FREE_ENTRY:
      // free_pages_prepare(): a page nobody holds is a double free.
      if (!pages_allocated(c, pfn, order)) {
        c.observe(Observation{Obs::FreeNotAllocated, 0, pfn, order});
        return c.ret();
      }
      if (!c.k.has(F_FREE_MT_UNDER_ZONE_LOCK)) {
        c.loc(F_MT) = static_cast<uint8_t>(c.k.fn.get_pfnblock_migratetype(c, pfn));  // racy read
        c.unlocked_read();
        if (c.recording())
          c.note(fmt::format("migratetype = {} (read without zone->lock)",
                             mt_name(static_cast<Mt>(c.loc(F_MT)))));
      }
      [[fallthrough]];
    case FREE_LOCKED: {
      if (c.must_yield()) return c.yield(FREE_LOCKED);
      if (!c.spin_lock(LOCK_ZONE)) throw ModelError("zone->lock held across steps");
      if (!pages_allocated(c, pfn, order)) {  // a concurrent free got there first
        c.spin_unlock(LOCK_ZONE);
        c.observe(Observation{Obs::FreeNotAllocated, 0, pfn, order});
        return c.ret();
      }
      Mt mt = static_cast<Mt>(c.loc(F_MT));
      if (c.k.has(F_FREE_MT_UNDER_ZONE_LOCK)) {
        Scope sc(c, "free_one_page", kPA611, [&] { return pfn_order(pfn, order); });
        mt = c.k.fn.get_pfnblock_migratetype(c, pfn);
        c.set_owner(pfn, 1 << order, OWNER_NONE);
        for (int p = pfn; p < pfn + (1 << order); ++p) c.set_page_flags(p, 0);
        c.k.fn.__free_one_page(c, pfn, order, mt, FPI_NONE);
      } else {
        if (c.s.counter(Counter::nr_isolate_pageblock) != 0 ||
            is_migrate_isolate(mt))  // has_isolate_pageblock()
          mt = c.k.fn.get_pfnblock_migratetype(c, pfn);
        c.set_owner(pfn, 1 << order, OWNER_NONE);
        for (int p = pfn; p < pfn + (1 << order); ++p) c.set_page_flags(p, 0);
        c.k.fn.__free_one_page(c, pfn, order, mt, FPI_NONE);
      }
      c.spin_unlock(LOCK_ZONE);
      return c.ret();
    }
  }
  throw ModelError("free_pages: bad pc");
}
std::string describe_free(const Ctx& c) {
  return pfn_order(c.loc(0), c.loc(1));
}
// __free_pages(): the owners of the pages (free_pages_prepare()); before 55612e80e722 the
// unlocked pageblock type read is a step of its own; then the zone->lock section of
// __free_one_page(), which merges within the MAX_PAGE_ORDER block, on the lists of the type it
// frees with (read before the lock until 55612e80e722) and of that block's pageblocks.
void fp_free_pages(const Ctx& c, Footprint& fp) {
  const int pfn = c.loc(F_PFN), order = c.loc(F_ORDER);
  fp.read_pages(pfn, pfn + (1 << order));
  fp.may_return();  // a double free returns at once; the return is not shared
  if (c.pc() == FREE_ENTRY && !c.k.has(F_FREE_MT_UNDER_ZONE_LOCK)) {
    fp.read_pageblock(c.L.geo.pageblock_of(pfn));
    return;
  }
  if (c.k.has(F_FREE_MT_UNDER_ZONE_LOCK)) {
    fp_zone_section(c, fp, pfn, 0);
  } else {
    fp_zone_section(c, fp, pfn, mt_bit(static_cast<Mt>(c.loc(F_MT))));
    fp.read_counter(Counter::nr_isolate_pageblock);  // has_isolate_pageblock()
  }
}
const ProcDef kFreePages{"__free_pages", kPA61,        3, run_free_pages, describe_free,
                         RetKind::Void,  fp_free_pages};

}  // namespace

void fill_page_alloc_v6_6(Kernel& k) {
  k.fn.get_pfnblock_migratetype = get_pfnblock_migratetype_v6_1;
  k.fn.set_pageblock_migratetype = set_pageblock_migratetype_v6_1;
  k.fn.__add_to_free_list = add_to_free_list_v6_1;
  k.fn.move_to_free_list = move_to_free_list_v6_1;
  k.fn.__del_page_from_free_list = del_page_from_free_list_v6_1;
  k.fn.del_page_from_free_list = del_page_from_free_list_v6_1;
  k.fn.expand = expand;
  k.fn.__rmqueue_smallest = __rmqueue_smallest;
  k.fn.__rmqueue = __rmqueue;
  k.fn.rmqueue_buddy = rmqueue_buddy;
  k.fn.__free_one_page = __free_one_page;
  k.fn.split_large_buddy = nullptr;  // does not exist before fd919a85cd55
  k.fn.move_freepages_block = move_freepages_block;
  k.fn.move_freepages_block_isolate = nullptr;  // does not exist before fd919a85cd55
  k.fn.__isolate_free_page = __isolate_free_page;
  k.fn.split_free_page = split_free_page;
  k.fn.__putback_isolated_page = __putback_isolated_page;
  k.procs[P_alloc_pages] = &kAllocPages;
  k.procs[P_free_pages] = &kFreePages;
}

void fill_baseline_v6_6(Kernel& k) {
  k = Kernel{};
  fill_page_alloc_v6_6(k);
  fill_page_isolation_v6_6(k);
}

}  // namespace pagecheck::model

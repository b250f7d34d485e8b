// mm/page_alloc.c, allocation beyond the requested type's lists: __rmqueue() with CMA balancing,
// the fallback table and block stealing (__rmqueue_fallback / steal_suitable_fallback up to
// v6.14, __rmqueue_claim / __rmqueue_steal / try_to_claim_block from v6.15), and the highatomic
// reserve. boost_watermark() is left out: it only wakes kswapd, the lists do not change.
// ALLOC_NOFRAGMENT is never set: the model has one zone and no lower zone to fall back to.
#include <fmt/format.h>

#include <algorithm>

#include "model/kernel/internal.hpp"

namespace pagecheck::model {

namespace {

// fallbacks[], mm/page_alloc.c, v6.1.8 (same in v7.1.8): only the pcp types fall back.
constexpr Mt kFallbacks[MIGRATE_PCPTYPES][2] = {
    {Mt::RECLAIMABLE, Mt::MOVABLE},    // UNMOVABLE
    {Mt::RECLAIMABLE, Mt::UNMOVABLE},  // MOVABLE
    {Mt::UNMOVABLE, Mt::MOVABLE},      // RECLAIMABLE
};

// free_area_empty(), include/linux/mmzone.h, v6.1.8
bool free_area_empty(const Ctx& c, int order, Mt mt) {
  return c.s.head(c.L.buddy_list(order, mt)) == NIL;
}
int area_nr_free(const Ctx& c, int order) {
  return c.s.counter(c.L.counter_nr_free(order));
}
// "If at least half of the pages are free or compatible": 1 << (pageblock_order - 1).
int half_pageblock(const Ctx& c) {
  return pageblock_nr_pages(c) >> 1;
}

// __rmqueue_cma_fallback(), mm/page_alloc.c, v6.1.8 (CONFIG_CMA)
int __rmqueue_cma_fallback(Ctx& c, int order) {
  return c.k.fn.__rmqueue_smallest(c, order, Mt::CMA);
}

// can_steal_fallback(), mm/page_alloc.c, v6.1.8 (should_try_claim_block() in v7.1.8);
// page_group_by_mobility_disabled is false.
bool can_steal_fallback(const Ctx& c, int order, Mt start_mt) {
  if (order >= pageblock_order(c)) return true;
  return order >= pageblock_order(c) / 2 || start_mt == Mt::RECLAIMABLE || start_mt == Mt::UNMOVABLE;
}

// find_suitable_fallback(), mm/page_alloc.c, v6.1.8
int find_suitable_fallback(Ctx& c, int order, Mt mt, bool only_stealable, bool* can_steal) {
  if (area_nr_free(c, order) == 0) return -1;
  *can_steal = false;
  for (Mt fallback_mt : kFallbacks[static_cast<int>(mt)]) {
    if (free_area_empty(c, order, fallback_mt)) continue;
    if (can_steal_fallback(c, order, mt)) *can_steal = true;
    if (!only_stealable) return static_cast<int>(fallback_mt);
    if (*can_steal) return static_cast<int>(fallback_mt);
  }
  return -1;
}

// steal_suitable_fallback(), mm/page_alloc.c, v6.1.8: moves the block's free pages to the new
// type, then claims the block only if half of it is free or alike -- otherwise the moved pages
// sit on lists that do not match their block (what c0cd6f557b90 fixed). Returns nothing; the
// caller retries __rmqueue_smallest().
void steal_suitable_fallback_v6_1(Ctx& c, int page, Mt start_type, bool whole_block) {
  const int current_order = buddy_order(c, page);
  Scope sc(c, "steal_suitable_fallback", kPA61,
           [&] { return fmt::format("{}, {}", pfn_order(page, current_order), mt_name(start_type)); });
  const Mt old_block_type = c.k.fn.get_pfnblock_migratetype(c, page);
  int free_pages = 0, movable_pages = 0, alike_pages = 0;
  // "This can happen due to races and we want to prevent broken highatomic accounting."
  if (old_block_type == Mt::HIGHATOMIC) goto single_page;
  // "Take ownership for orders >= pageblock_order"
  if (current_order >= pageblock_order(c)) {
    change_pageblock_range(c, page, current_order, start_type);
    goto single_page;
  }
  if (!whole_block) goto single_page;
  free_pages = move_freepages_block_counting(c, page, old_block_type, start_type, &movable_pages);
  if (start_type == Mt::MOVABLE)
    alike_pages = movable_pages;
  else if (old_block_type == Mt::MOVABLE)
    alike_pages = pageblock_nr_pages(c) - (free_pages + movable_pages);
  // "moving whole block can fail due to zone boundary conditions"
  if (!free_pages) goto single_page;
  if (free_pages + alike_pages >= half_pageblock(c)) {
    c.k.fn.set_pageblock_migratetype(c, page, start_type);
  } else if (c.recording()) {
    c.note(fmt::format("{} free + {} alike < {}: block keeps its type", free_pages, alike_pages,
                       half_pageblock(c)));
  }
  return;
single_page:
  c.k.fn.move_to_free_list(c, page, current_order, old_block_type, start_type);
}

// steal_suitable_fallback(), mm/page_alloc.c: c0cd6f557b90 (check first, move, then retype),
// f37c0f6876a8 (the move retypes), e0932b6c1f94 (typed removal), as in v6.11; V2 5/6 let a
// claimed block fall through to the single-page path with block_type = start_type.
int steal_suitable_fallback_txn(Ctx& c, int page, int current_order, int order, Mt start_type,
                                bool whole_block) {
  Scope sc(c, "steal_suitable_fallback", kPA611,
           [&] { return fmt::format("{}, {}", pfn_order(page, current_order), mt_name(start_type)); });
  Mt block_type = c.k.fn.get_pfnblock_migratetype(c, page);
  int free_pages = 0, movable_pages = 0, alike_pages = 0, start_pfn = 0;
  if (block_type == Mt::HIGHATOMIC && !c.k.has(F_NO_RACY_MT_REMNANTS)) goto single_page;
  if (current_order >= pageblock_order(c)) {
    c.k.fn.del_page_from_free_list(c, page, current_order, block_type);
    change_pageblock_range(c, page, current_order, start_type);
    c.k.fn.expand(c, page, order, current_order, start_type);
    return page;
  }
  if (!whole_block) goto single_page;
  if (!prep_move_freepages_block(c, page, &start_pfn, &free_pages, &movable_pages)) goto single_page;
  if (start_type == Mt::MOVABLE)
    alike_pages = movable_pages;
  else if (block_type == Mt::MOVABLE)
    alike_pages = pageblock_nr_pages(c) - (free_pages + movable_pages);
  if (free_pages + alike_pages >= half_pageblock(c)) {
    if (c.k.has(F_MOVE_FREEPAGES_SETS_TYPE)) {
      __move_freepages_block(c, start_pfn, block_type, start_type);
    } else {
      // move_freepages() + set_pageblock_migratetype()
      for (int p = start_pfn; p < pageblock_end_pfn(c, start_pfn);) {
        if (!PageBuddy(c, p)) {
          p++;
          continue;
        }
        int o = buddy_order(c, p);
        c.k.fn.move_to_free_list(c, p, o, block_type, start_type);
        p += 1 << o;
      }
      c.k.fn.set_pageblock_migratetype(c, page, start_type);
    }
    if (!c.k.has(F_V2_STEAL_SHAPE)) return c.k.fn.__rmqueue_smallest(c, order, start_type);
    block_type = start_type;
  }
single_page:
  c.k.fn.del_page_from_free_list(c, page, current_order, block_type);
  c.k.fn.expand(c, page, order, current_order, block_type);
  return page;
}

// __rmqueue_fallback(), mm/page_alloc.c, v6.1.8: the largest fallback buddy, or the smallest
// for a movable request that cannot steal the block; v6.1.8 returns whether it moved one
// (found: 1), c0cd6f557b90 returns the page (v6.11).
int __rmqueue_fallback(Ctx& c, int order, Mt start_mt, int) {
  Scope sc(c, "__rmqueue_fallback", c.k.has(F_BLOCK_CONVERSION_TXN) ? kPA611 : kPA61,
           [&] { return fmt::format("order {}, {}", order, mt_name(start_mt)); });
  if (static_cast<int>(start_mt) >= MIGRATE_PCPTYPES)
    return -1;  // "other migratetypes do not have fallbacks"
  int current_order = MAX_PAGE_ORDER(c);
  int fallback_mt = -1;
  bool can_steal = false;
  for (; current_order >= order; --current_order) {
    fallback_mt = find_suitable_fallback(c, current_order, start_mt, false, &can_steal);
    if (fallback_mt == -1) continue;
    // "steal and split the smallest available page instead of the largest"
    if (!can_steal && start_mt == Mt::MOVABLE && current_order > order) {
      for (current_order = order; current_order <= MAX_PAGE_ORDER(c); current_order++) {
        fallback_mt = find_suitable_fallback(c, current_order, start_mt, false, &can_steal);
        if (fallback_mt != -1) break;
      }
    }
    break;
  }
  if (fallback_mt == -1 || current_order < order) {
    sc.result("none");
    return -1;
  }
  int page = c.s.head(c.L.buddy_list(current_order, static_cast<Mt>(fallback_mt)));
  if (c.recording())
    c.note(fmt::format("fallback to free_list[{}][{}], pfn {}", current_order,
                       mt_name(static_cast<Mt>(fallback_mt)), page));
  if (c.k.has(F_BLOCK_CONVERSION_TXN))
    return steal_suitable_fallback_txn(c, page, current_order, order, start_mt, can_steal);
  steal_suitable_fallback_v6_1(c, page, start_mt, can_steal);
  return 1;
}

// __rmqueue(), mm/page_alloc.c, v6.1.8: CMA balancing, then the requested type, then CMA and
// the fallback with a retry; c0cd6f557b90 drops the retry (v6.11, with Baolin Wang's fix folded
// in: the regular fallback also after a failed CMA one); the V2 posting (5/6) skipped the
// regular fallback whenever ALLOC_CMA was set.
int __rmqueue(Ctx& c, int order, Mt mt, int alloc_flags, int*) {
  // "Balance movable allocations between regular and CMA areas by allocating from CMA when
  // over half of the zone's free memory is in the CMA area."
  if ((alloc_flags & ALLOC_CMA) &&
      c.s.counter(Counter::NR_FREE_CMA_PAGES) > c.s.counter(Counter::NR_FREE_PAGES) / 2) {
    int page = __rmqueue_cma_fallback(c, order);
    if (page >= 0) return page;
  }
  if (c.k.has(F_BLOCK_CONVERSION_TXN)) {
    int page = c.k.fn.__rmqueue_smallest(c, order, mt);
    if (page < 0) {
      if (alloc_flags & ALLOC_CMA) page = __rmqueue_cma_fallback(c, order);
      if (page < 0 && !((alloc_flags & ALLOC_CMA) && c.k.has(F_V2_CMA_FALLBACK_ELSE)))
        page = c.k.fn.__rmqueue_fallback(c, order, mt, alloc_flags);
    }
    return page;
  }
  for (int guard = 0; guard < 4; ++guard) {  // retry:
    int page = c.k.fn.__rmqueue_smallest(c, order, mt);
    if (page >= 0) return page;
    if (alloc_flags & ALLOC_CMA) page = __rmqueue_cma_fallback(c, order);
    if (page >= 0) return page;
    if (c.k.fn.__rmqueue_fallback(c, order, mt, alloc_flags) < 0) return -1;
  }
  throw ModelError("__rmqueue: the fallback moved a page that __rmqueue_smallest() then did not find");
}

// The limit of reserve_highatomic_pageblock(), mm/page_alloc.c: v6.1.8 "1 pageblock or roughly
// 1% of a zone"; from v6.8 ALIGN(1%, pageblock) and none at all when 1% is below a pageblock.
int highatomic_max_managed(const Ctx& c) {
  int managed = c.L.geo.zone_managed_pages();
  if (c.k.has(F_HIGHATOMIC_SMALL_ZONE)) {
    if (managed / 100 < pageblock_nr_pages(c)) return 0;
    int pb = pageblock_nr_pages(c);
    return (managed / 100 + pb - 1) / pb * pb;
  }
  return managed / 100 + pageblock_nr_pages(c);
}

// reserve_highatomic_pageblock(), mm/page_alloc.c, the zone->lock part: v6.1.8 (retype, then
// move); c0cd6f557b90 (move first, retype only if that worked); f37c0f6876a8 (the move
// retypes); 7cc5a5d65011 (a buddy of pageblock order or more: change_pageblock_range() over
// all its blocks, 1 << order reserved), as in v6.11.
void reserve_highatomic_pageblock(Ctx& c, int page, int order) {
  Scope sc(c, "reserve_highatomic_pageblock", c.k.has(F_BLOCK_CONVERSION_TXN) ? kPA611 : kPA61,
           [&] { return pfn_order(page, order); });
  const int max_managed = highatomic_max_managed(c);
  take_zone_lock(c);
  // "Recheck the nr_reserved_highatomic limit under the lock"
  if (max_managed == 0 || c.s.counter(Counter::nr_reserved_highatomic) >= max_managed) {
    c.spin_unlock(LOCK_ZONE);
    return;
  }
  Mt mt = c.k.fn.get_pfnblock_migratetype(c, page);
  // "Only reserve normal pageblocks (i.e., they can merge with others)"
  if (migratetype_is_mergeable(mt)) {
    const int pb = pageblock_nr_pages(c);
    if (c.k.has(F_HIGHATOMIC_MULTIBLOCK) && order >= pageblock_order(c)) {
      change_pageblock_range(c, page, order, Mt::HIGHATOMIC);
      c.mod_counter(Counter::nr_reserved_highatomic, 1 << order);
    } else if (c.k.has(F_BLOCK_CONVERSION_TXN)) {
      if (c.k.fn.move_freepages_block(c, page, mt, Mt::HIGHATOMIC) != -1) {
        if (!c.k.has(F_MOVE_FREEPAGES_SETS_TYPE)) c.k.fn.set_pageblock_migratetype(c, page, Mt::HIGHATOMIC);
        c.mod_counter(Counter::nr_reserved_highatomic, pb);
      }
    } else {
      c.mod_counter(Counter::nr_reserved_highatomic, pb);
      c.k.fn.set_pageblock_migratetype(c, page, Mt::HIGHATOMIC);
      c.k.fn.move_freepages_block(c, page, Mt::HIGHATOMIC, Mt::HIGHATOMIC);
    }
  }
  c.spin_unlock(LOCK_ZONE);
}

// unreserve_highatomic_pageblock(), mm/page_alloc.c, the zone->lock part (the caller made the
// "preserve at least one pageblock" check): v6.1.8 decrements only for a block still
// HIGHATOMIC, then retypes and moves; c0cd6f557b90/f37c0f6876a8/7cc5a5d65011 as in v6.11; v6.15
// trusts the list type (v7.1.8). Returns what the kernel returns (pages moved, or 0).
int unreserve_highatomic_pageblock(Ctx& c, Mt ac_mt, bool) {
  Scope sc(c, "unreserve_highatomic_pageblock", c.k.has(F_BLOCK_CONVERSION_TXN) ? kPA611 : kPA61,
           [&] { return std::string(mt_name(ac_mt)); });
  const int pb = pageblock_nr_pages(c);
  take_zone_lock(c);
  for (int order = 0; order <= MAX_PAGE_ORDER(c); order++) {
    int page = c.s.head(c.L.buddy_list(order, Mt::HIGHATOMIC));
    if (page == NIL) continue;
    Mt mt = c.k.fn.get_pfnblock_migratetype(c, page);
    const int nr = c.s.counter(Counter::nr_reserved_highatomic);
    int ret;
    if (c.k.has(F_NO_RACY_MT_REMNANTS)) {
      int size = std::max(pb, 1 << order);
      if (size > nr) {
        kernel_warn(c, KC_UNRESERVE_HIGHATOMIC, page, size, nr);  // WARN_ON_ONCE(size > nr_reserved)
        size = nr;
      }
      c.mod_counter(Counter::nr_reserved_highatomic, -size);
      mt = Mt::HIGHATOMIC;
    } else if (mt == Mt::HIGHATOMIC) {
      // "In page freeing path, migratetype change is racy so we can counter several free pages
      // in a pageblock in this loop although we changed the pageblock type from highatomic to
      // ac->migratetype. So we should adjust the count once."
      int size = c.k.has(F_HIGHATOMIC_MULTIBLOCK) ? std::max(pb, 1 << order) : pb;
      c.mod_counter(Counter::nr_reserved_highatomic, -std::min(size, nr));
    }
    if (c.k.has(F_HIGHATOMIC_MULTIBLOCK) && order >= pageblock_order(c)) {
      c.k.fn.move_to_free_list(c, page, order, mt, ac_mt);
      change_pageblock_range(c, page, order, ac_mt);
      ret = 1;
    } else if (c.k.has(F_BLOCK_CONVERSION_TXN)) {
      ret = c.k.fn.move_freepages_block(c, page, mt, ac_mt);
      if (!c.k.has(F_MOVE_FREEPAGES_SETS_TYPE)) c.k.fn.set_pageblock_migratetype(c, page, ac_mt);
    } else {
      c.k.fn.set_pageblock_migratetype(c, page, ac_mt);
      ret = c.k.fn.move_freepages_block(c, page, ac_mt, ac_mt);
    }
    // "Reserving the block(s) already succeeded, so this should not fail on zone boundaries."
    if (ret == -1 && c.k.has(F_BLOCK_CONVERSION_TXN)) kernel_warn(c, KC_UNRESERVE_HIGHATOMIC, page);
    if (ret > 0) {
      c.spin_unlock(LOCK_ZONE);
      sc.result(std::to_string(ret));
      return ret;
    }
  }
  c.spin_unlock(LOCK_ZONE);
  sc.result("false");
  return 0;
}

}  // namespace

bool highatomic_below_limit(Ctx& c) {
  int max_managed = highatomic_max_managed(c);
  return max_managed > 0 && c.s.counter(Counter::nr_reserved_highatomic) < max_managed;
}

namespace v6_15 {

namespace {

// find_suitable_fallback(), mm/page_alloc.c, v7.1.8 (the v6.15 rework): -2 when the order is
// too low to claim a block.
int find_suitable_fallback(Ctx& c, int order, Mt mt, bool claimable) {
  if (claimable && !can_steal_fallback(c, order, mt)) return -2;  // should_try_claim_block()
  if (area_nr_free(c, order) == 0) return -1;
  for (Mt fallback_mt : kFallbacks[static_cast<int>(mt)])
    if (!free_area_empty(c, order, fallback_mt)) return static_cast<int>(fallback_mt);
  return -1;
}

// try_to_claim_block(), mm/page_alloc.c, v7.1.8 (v6.15; the set_pageblock_migratetype() after
// __move_freepages_block() is v6.17's, where the move no longer retypes)
int try_to_claim_block(Ctx& c, int page, int current_order, int order, Mt start_type, Mt block_type) {
  Scope sc(c, "try_to_claim_block", kPA71,
           [&] { return fmt::format("{}, {}", pfn_order(page, current_order), mt_name(start_type)); });
  if (current_order >= pageblock_order(c)) {  // "Take ownership for orders >= pageblock_order"
    c.k.fn.del_page_from_free_list(c, page, current_order, block_type);
    change_pageblock_range(c, page, current_order, start_type);
    c.k.fn.expand(c, page, order, current_order, start_type);
    return page;
  }
  int start_pfn = 0, free_pages = 0, movable_pages = 0, alike_pages = 0;
  // "moving whole block can fail due to zone boundary conditions"
  if (!prep_move_freepages_block(c, page, &start_pfn, &free_pages, &movable_pages)) return -1;
  if (start_type == Mt::MOVABLE)
    alike_pages = movable_pages;
  else if (block_type == Mt::MOVABLE)
    alike_pages = pageblock_nr_pages(c) - (free_pages + movable_pages);
  if (free_pages + alike_pages >= half_pageblock(c)) {
    __move_freepages_block(c, start_pfn, block_type, start_type);
    if (c.k.has(F_PB_ISOLATE_BIT)) c.k.fn.set_pageblock_migratetype(c, start_pfn, start_type);
    return c.k.fn.__rmqueue_smallest(c, order, start_type);
  }
  return -1;
}

// __rmqueue_claim(), mm/page_alloc.c, v7.1.8: largest first, claim the whole block or nothing.
int __rmqueue_claim(Ctx& c, int order, Mt start_mt) {
  Scope sc(c, "__rmqueue_claim", kPA71,
           [&] { return fmt::format("order {}, {}", order, mt_name(start_mt)); });
  for (int current_order = MAX_PAGE_ORDER(c); current_order >= order; --current_order) {
    int fallback_mt = find_suitable_fallback(c, current_order, start_mt, true);
    if (fallback_mt == -1) continue;  // "No block in that order"
    if (fallback_mt == -2) break;     // "Advanced into orders too low to claim, abort"
    int page = c.s.head(c.L.buddy_list(current_order, static_cast<Mt>(fallback_mt)));
    page = try_to_claim_block(c, page, current_order, order, start_mt, static_cast<Mt>(fallback_mt));
    if (page >= 0) return page;
  }
  return -1;
}

// __rmqueue_steal(), mm/page_alloc.c, v7.1.8: the smallest fallback buddy, its block untouched
// (page_del_and_expand() with the fallback type).
int __rmqueue_steal(Ctx& c, int order, Mt start_mt) {
  Scope sc(c, "__rmqueue_steal", kPA71,
           [&] { return fmt::format("order {}, {}", order, mt_name(start_mt)); });
  for (int current_order = order; current_order <= MAX_PAGE_ORDER(c); current_order++) {
    int fallback_mt = find_suitable_fallback(c, current_order, start_mt, false);
    if (fallback_mt == -1) continue;
    int page = c.s.head(c.L.buddy_list(current_order, static_cast<Mt>(fallback_mt)));
    c.k.fn.del_page_from_free_list(c, page, current_order, static_cast<Mt>(fallback_mt));
    c.k.fn.expand(c, page, order, current_order, static_cast<Mt>(fallback_mt));
    return page;
  }
  return -1;
}

}  // namespace

// __rmqueue(), mm/page_alloc.c, v7.1.8 (the v6.15 rework, c2f6ea38fc1b): the requested type, CMA,
// claiming a whole block, stealing a single page; with 90abee6d7895 rmqueue_bulk() remembers the
// mode that last worked across its batch.
int __rmqueue(Ctx& c, int order, Mt mt, int alloc_flags, int* mode) {
  enum { RMQUEUE_NORMAL, RMQUEUE_CMA, RMQUEUE_CLAIM, RMQUEUE_STEAL };
  int local = RMQUEUE_NORMAL;
  if (!mode || !c.k.has(F_RMQUEUE_MODE_MEMO)) mode = &local;  // c2f6ea38fc1b: no memo yet
  if ((alloc_flags & ALLOC_CMA) &&
      c.s.counter(Counter::NR_FREE_CMA_PAGES) > c.s.counter(Counter::NR_FREE_PAGES) / 2) {
    int page = __rmqueue_cma_fallback(c, order);
    if (page >= 0) return page;
  }
  int page = -1;
  switch (*mode) {
    case RMQUEUE_NORMAL:
      page = c.k.fn.__rmqueue_smallest(c, order, mt);
      if (page >= 0) return page;
      [[fallthrough]];
    case RMQUEUE_CMA:
      if (alloc_flags & ALLOC_CMA) {
        page = __rmqueue_cma_fallback(c, order);
        if (page >= 0) {
          *mode = RMQUEUE_CMA;
          return page;
        }
      }
      [[fallthrough]];
    case RMQUEUE_CLAIM:
      if (static_cast<int>(mt) < MIGRATE_PCPTYPES) page = __rmqueue_claim(c, order, mt);
      if (page >= 0) {
        *mode = RMQUEUE_NORMAL;  // "Replenished preferred freelist, back to normal mode."
        return page;
      }
      [[fallthrough]];
    case RMQUEUE_STEAL:
      if (static_cast<int>(mt) < MIGRATE_PCPTYPES) page = __rmqueue_steal(c, order, mt);
      if (page >= 0) {
        *mode = RMQUEUE_STEAL;
        return page;
      }
  }
  return -1;
}

}  // namespace v6_15

void fill_page_alloc_fallback(Kernel& k) {
  k.fn.__rmqueue = __rmqueue;
  k.fn.__rmqueue_fallback = __rmqueue_fallback;
  k.fn.reserve_highatomic_pageblock = reserve_highatomic_pageblock;
  k.fn.unreserve_highatomic_pageblock = unreserve_highatomic_pageblock;
}

}  // namespace pagecheck::model

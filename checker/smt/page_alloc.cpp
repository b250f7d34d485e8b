// mm/page_alloc.c, encoded for Z3. Each function encodes the explicit model's function of the
// same name (model/kernel/page_alloc.cpp) statement by statement, and cites the kernel source
// that one was modelled from; the differential test (tests/unit/test_smt_diff.cpp) holds the
// two to the same successor states. Loops are unrolled to the bound their kernel loop has in
// the geometry (noted at each); data-dependent branches are predicated (Exec::When).
#include <fmt/format.h>

#include "checker/smt/kernel.hpp"

namespace pagecheck::smt {

using model::Counter;
using model::Feature;
using model::Mt;
using model::NIL;

namespace {

Int mtv(const Exec& x, Mt mt) {
  return x.I(static_cast<int>(mt));
}
int MAX_PAGE_ORDER(const Exec& x) {
  return x.L.geo.max_order;
}
int pageblock_order(const Exec& x) {
  return x.L.geo.pageblock_order;
}
int pageblock_nr_pages(const Exec& x) {
  return x.L.geo.pageblock_nr_pages();
}

}  // namespace

// __ffs() / __fls() of a positive int below 2^15 (include/asm-generic/bitops).
Int enc_ffs(const Exec& x, const Int& v) {
  Int r = x.I(0);
  for (int b = 14; b >= 0; --b) r = cond(ne(band(v, x.I(1 << b)), x.I(0)), x.I(b), r);
  return r;
}
Int enc_fls(const Exec& x, const Int& v) {
  Int r = x.I(0);
  for (int b = 0; b <= 14; ++b) r = cond(ne(band(v, x.I(1 << b)), x.I(0)), x.I(b), r);
  return r;
}

// __mod_zone_freepage_state(), include/linux/vmstat.h, v6.1.8
void enc___mod_zone_freepage_state(Exec& x, const Int& nr_pages, const Int& mt) {
  x.mod_counter(Counter::NR_FREE_PAGES, nr_pages);
  Exec::When w(x, is_migrate_cma(x, mt));
  x.mod_counter(Counter::NR_FREE_CMA_PAGES, nr_pages);
}

// account_freepages(), mm/page_alloc.c, v6.11 (e0932b6c1f94); v6.12.8 adds nr_free_highatomic.
void enc_account_freepages(Exec& x, const Int& nr_pages, const Int& mt) {
  Exec::When w(x, lnot(is_migrate_isolate(x, mt)));
  enc___mod_zone_freepage_state(x, nr_pages, mt);
  if (x.k.has(model::F_NR_FREE_HIGHATOMIC)) {
    Exec::When h(x, eq(mt, x.I(static_cast<int>(Mt::HIGHATOMIC))));
    x.mod_counter(Counter::nr_free_highatomic, nr_pages);
  }
}

namespace {

// get_pfnblock_migratetype(), mm/page_alloc.c, v6.1.8: the three type bits.
Int get_pfnblock_migratetype_v6_1(Exec& x, const Int& pfn) {
  return band(x.pb_bits(pageblock_of(x, pfn)), x.I(model::PB_MIGRATETYPE_MASK));
}

// set_pageblock_migratetype(), mm/page_alloc.c, v6.1.8
void set_pageblock_migratetype_v6_1(Exec& x, const Int& pfn, const Int& mt) {
  Int pb = pageblock_of(x, pfn);
  x.set_pb_bits(pb, bor(band(x.pb_bits(pb), x.I(~model::PB_MIGRATETYPE_MASK)), mt));
}

// add_to_free_list() / add_to_free_list_tail(), mm/page_alloc.c, v6.1.8
void add_to_free_list_v6_1(Exec& x, const Int& pfn, const Int& order, const Int& mt, const Bool& tail) {
  Int list = buddy_list(x, order, mt);
  {
    Exec::When w(x, tail);
    x.list_add_tail(list, pfn);
  }
  {
    Exec::When w(x, lnot(tail));
    x.list_add(list, pfn);
  }
  x.mod_counter(counter_nr_free(x, order), x.I(1));
}

// move_to_free_list(), mm/page_alloc.c, v6.1.8: list_move_tail, no accounting.
void move_to_free_list_v6_1(Exec& x, const Int& pfn, const Int& order, const Int&, const Int& new_mt) {
  x.list_del(pfn);
  x.list_add_tail(buddy_list(x, order, new_mt), pfn);
}

// del_page_from_free_list(), mm/page_alloc.c, v6.1.8: no migratetype, no accounting.
void del_page_from_free_list_v6_1(Exec& x, const Int& pfn, const Int& order, const Int&) {
  x.list_del(pfn);
  x.clear_buddy(pfn);
  x.mod_counter(counter_nr_free(x, order), x.I(-1));
}

// page_is_buddy() + find_buddy_page_pfn(), mm/internal.h, v6.11 (same in v6.1.8)
Bool page_is_buddy(Exec& x, const Int& buddy_pfn, const Int& order) {
  return land(zone_spans_pfn(x, buddy_pfn),
              land(PageBuddy(x, buddy_pfn), eq(buddy_order(x, buddy_pfn), order)));
}
Int find_buddy_page_pfn(Exec& x, const Int& pfn, const Int& order) {
  Int buddy_pfn = bxor(pfn, shift_left(x.I(1), order));
  return cond(page_is_buddy(x, buddy_pfn, order), buddy_pfn, x.I(-1));
}

// buddy_merge_likely(), mm/page_alloc.c, v6.11 (v6.1.8: the same test, as MAX_ORDER - 2)
Bool buddy_merge_likely(Exec& x, const Int& pfn, const Int& buddy_pfn, const Int& order) {
  Int higher_page_pfn = band(buddy_pfn, pfn);
  return land(lt(order, x.I(MAX_PAGE_ORDER(x) - 1)),
              ge(find_buddy_page_pfn(x, higher_page_pfn, add(order, x.I(1))), x.I(0)));
}

// __free_one_page(), mm/page_alloc.c, v6.1.8; e6cf9e1c4cde and e0932b6c1f94 as in v6.11. Without
// d9dddbf55667 a page freed onto an ISOLATE list merges no further than pageblock_order (3c605096d315);
// the V2 posting retypes the buddy before taking it off its list (2/6) and reads buddy_mt at every
// order (6/6). The merge loop runs at most MAX_PAGE_ORDER times (order grows by one each time).
void __free_one_page(Exec& x, const Int& pfn0, const Int& order0, const Int& mt, int fpi) {
  using model::F_MERGE_CHECKS_BUDDY_TYPE, model::F_V2_BUDDY_MT_EVERY_ORDER,
      model::F_V2_MERGE_RETYPE_BEFORE_DEL;
  Int pfn = pfn0, order = order0;
  const int max = MAX_PAGE_ORDER(x);
  if (x.k.has(model::F_ACCOUNT_FREEPAGES)) {
    enc_account_freepages(x, shift_left(x.I(1), order), mt);
  } else {
    Exec::When w(x, lnot(is_migrate_isolate(x, mt)));
    enc___mod_zone_freepage_state(x, shift_left(x.I(1), order), mt);
  }
  // 3c605096d315: "restrict max order of merging on isolated pageblock"
  const Int max_order =
      x.k.has(F_MERGE_CHECKS_BUDDY_TYPE)
          ? x.I(max)
          : cond(is_migrate_isolate(x, mt), x.I(std::min(max, pageblock_order(x))), x.I(max));
  Int buddy_pfn = x.I(0);
  Bool live = x.T();
  for (int it = 0; it < max; ++it) {
    const Bool run = land(live, lt(order, max_order));
    Exec::When w(x, run);
    x.assign(buddy_pfn, bxor(pfn, shift_left(x.I(1), order)));
    const Bool is_buddy = page_is_buddy(x, buddy_pfn, order);
    Int buddy_mt = x.k.has(F_V2_BUDDY_MT_EVERY_ORDER) ? x.K.get_pfnblock_migratetype(x, buddy_pfn) : mt;
    Bool big = x.F(), stop = x.F();
    if (x.k.has(F_MERGE_CHECKS_BUDDY_TYPE)) {
      // "prevent merge between freepages on pageblock without fallbacks and normal pageblock"
      big = ge(order, x.I(pageblock_order(x)));
      buddy_mt = cond(big, x.K.get_pfnblock_migratetype(x, buddy_pfn), buddy_mt);
      stop = land(big, land(ne(mt, buddy_mt), lor(lnot(migratetype_is_mergeable(x, mt)),
                                                  lnot(migratetype_is_mergeable(x, buddy_mt)))));
    }
    const Bool merge = land(is_buddy, lnot(stop));
    live = land(run, merge);
    Exec::When m(x, merge);
    if (x.k.has(F_V2_MERGE_RETYPE_BEFORE_DEL)) {
      // V2 2/6: the buddy's block is retyped while the buddy is still on its list.
      Exec::When f(x, land(big, ne(buddy_mt, mt)));
      x.K.set_pageblock_migratetype(x, buddy_pfn, mt);
    }
    x.K.__del_page_from_free_list(x, buddy_pfn, order, buddy_mt);
    if (x.k.has(model::F_MERGE_FIXES_BLOCK_TYPE) && !x.k.has(F_V2_MERGE_RETYPE_BEFORE_DEL)) {
      Exec::When f(x, ne(buddy_mt, mt));
      x.K.set_pageblock_migratetype(x, buddy_pfn, mt);
    }
    x.assign(pfn, band(buddy_pfn, pfn));
    x.assign(order, add(order, x.I(1)));
  }
  x.set_buddy(pfn, order);
  Bool to_tail = (fpi & model::FPI_TO_TAIL) ? x.T() : buddy_merge_likely(x, pfn, buddy_pfn, order);
  x.K.__add_to_free_list(x, pfn, order, mt, to_tail);
}

// expand(), mm/page_alloc.c, v6.1.8; accounting of e0932b6c1f94 and 883dd161e9a8 as in v6.11.
// At most MAX_PAGE_ORDER halvings.
Int expand(Exec& x, const Int& pfn, const Int& low, const Int& high0, const Int& mt) {
  Int high = high0;
  Int size = shift_left(x.I(1), high);
  Int nr_added = x.I(0);
  for (int it = 0; it < MAX_PAGE_ORDER(x); ++it) {
    Exec::When w(x, gt(high, low));
    x.assign(high, sub(high, x.I(1)));
    x.assign(size, shift_right(size, x.I(1)));
    x.K.__add_to_free_list(x, add(pfn, size), high, mt, x.F());
    x.set_buddy(add(pfn, size), high);
    x.assign(nr_added, add(nr_added, size));
  }
  if (x.k.has(model::F_ACCOUNT_FREEPAGES)) enc_account_freepages(x, nr_added, mt);
  return nr_added;
}

// __rmqueue_smallest(), mm/page_alloc.c, v6.1.8; 17edeb5d3f76 and e0932b6c1f94 as in v6.11.
Int __rmqueue_smallest(Exec& x, const Int& order, const Int& mt) {
  Int page = x.I(-1);
  Bool found = x.F();
  for (int current_order = 0; current_order <= MAX_PAGE_ORDER(x); ++current_order) {
    const Int co = x.I(current_order);
    const Int head = x.head(buddy_list(x, co, mt));  // get_page_from_free_area()
    const Bool take = land(land(lnot(found), ge(co, order)), ne(head, x.I(NIL)));
    Exec::When w(x, take);
    x.K.del_page_from_free_list(x, head, co, mt);
    x.K.expand(x, head, order, co, mt);
    if (!x.k.has(model::F_NO_PCPPAGE_MT_CACHE)) x.set_pcpmt(head, mt);  // set_pcppage_migratetype()
    page = cond(take, head, page);
    found = lor(found, take);
  }
  return page;
}

Int rmqueue_fallback(Exec& x, const Int& order, const Int& mt);

// __rmqueue_smallest() on `mt`, run only where `when` holds: the page, or `page` elsewhere.
Int smallest_if(Exec& x, const Bool& when, const Int& order, Mt mt, const Int& page) {
  Exec::When w(x, when);
  return cond(when, x.K.__rmqueue_smallest(x, order, mtv(x, mt)), page);
}

// __rmqueue(), mm/page_alloc.c, v6.1.8 (CONFIG_CMA): CMA balancing, the requested type, CMA,
// then __rmqueue_fallback() and a retry; c0cd6f557b90 drops the retry (the fallback returns the
// page, v6.11); the V2 posting's 5/6 skips the regular fallback whenever ALLOC_CMA is set. The
// retry is encoded once: a second fallback (the explicit model's loop going round again, which
// a fallback that moved a page never needs) raises the "unsupported path" flag.
Int __rmqueue(Exec& x, const Int& order, const Int& mt, const Int& alloc_flags) {
  const Bool cma = ne(band(alloc_flags, x.I(model::ALLOC_CMA)), x.I(0));
  // "Balance movable allocations between regular and CMA areas by allocating from CMA when over
  // half of the zone's free memory is in the CMA area."
  const Bool balance =
      land(cma, gt(x.counter(Counter::NR_FREE_CMA_PAGES), sdiv(x.counter(Counter::NR_FREE_PAGES), x.I(2))));
  Int page = smallest_if(x, balance, order, Mt::CMA, x.I(-1));
  {
    const Bool need = lt(page, x.I(0));
    Exec::When w(x, need);
    page = cond(need, x.K.__rmqueue_smallest(x, order, mt), page);
  }
  page = smallest_if(x, land(lt(page, x.I(0)), cma), order, Mt::CMA, page);
  if (x.k.has(model::F_BLOCK_CONVERSION_TXN)) {
    Bool fallback = lt(page, x.I(0));
    if (x.k.has(model::F_V2_CMA_FALLBACK_ELSE)) fallback = land(fallback, lnot(cma));
    Exec::When w(x, fallback);
    return cond(fallback, x.K.__rmqueue_fallback(x, order, mt), page);
  }
  const Bool fallback = lt(page, x.I(0));
  Int found = x.I(-1);
  {
    Exec::When w(x, fallback);
    found = x.K.__rmqueue_fallback(x, order, mt);
  }
  // retry: once the fallback moved a page
  const Bool retry = land(fallback, ge(found, x.I(0)));
  {
    Exec::When w(x, retry);
    page = cond(retry, x.K.__rmqueue_smallest(x, order, mt), page);
  }
  page = smallest_if(x, land(retry, land(lt(page, x.I(0)), cma)), order, Mt::CMA, page);
  {
    Exec::When w(x, land(retry, lt(page, x.I(0))));
    x.unsupported();
  }
  return page;
}

// rmqueue_buddy(), mm/page_alloc.c, v6.1.8 (ALLOC_HIGHATOMIC from v6.3); 17edeb5d3f76 and
// e0932b6c1f94 as in v6.11, with the ALLOC_OOM dip into the reserve.
Int rmqueue_buddy(Exec& x, const Int& order, const Int& mt, const Int& alloc_flags) {
  x.spin_lock_zone();
  const Bool highatomic =
      land(gt(order, x.I(0)), ne(band(alloc_flags, x.I(model::ALLOC_HIGHATOMIC)), x.I(0)));
  Int page = smallest_if(x, highatomic, order, Mt::HIGHATOMIC, x.I(-1));
  {
    const Bool need = lt(page, x.I(0));
    Exec::When w(x, need);
    page = cond(need, x.K.__rmqueue(x, order, mt, alloc_flags), page);
  }
  if (x.k.has(model::F_ACCOUNT_FREEPAGES))
    page = smallest_if(x, land(lt(page, x.I(0)), ne(band(alloc_flags, x.I(model::ALLOC_OOM)), x.I(0))), order,
                       Mt::HIGHATOMIC, page);
  {
    Exec::When w(x, ge(page, x.I(0)));
    x.observe(SymObs{model::Obs::AllocFromBuddy, 0, page, order, x.I(0), x.I(0)});
    if (!x.k.has(model::F_ACCOUNT_FREEPAGES)) {
      // v6.1.8 accounts with the cached type; without the cache (17edeb5d3f76) the block's.
      Int acct =
          x.k.has(model::F_NO_PCPPAGE_MT_CACHE) ? x.K.get_pfnblock_migratetype(x, page) : x.pcpmt(page);
      enc___mod_zone_freepage_state(x, sub(x.I(0), shift_left(x.I(1), order)), acct);
    }
  }
  x.spin_unlock_zone();
  return page;
}

// free_one_page(), mm/page_alloc.c, v6.1.8: the type read without the lock is re-read under it
// if the zone has isolated blocks or the page's own was ISOLATE (ad53f92eb416); 55612e80e722
// (v6.10) always reads it under the lock (v6.11).
void free_one_page(Exec& x, const Int& pfn, const Int& order, const Int& mt0, int fpi) {
  x.spin_lock_zone();
  Int mt = mt0;
  if (x.k.has(model::F_FREE_MT_UNDER_ZONE_LOCK)) {
    if (x.k.has(model::F_FREE_ONE_PAGE_SPLITS)) {  // e98337d11bbd (v6.12)
      x.K.split_large_buddy(x, pfn, order, fpi);
      x.spin_unlock_zone();
      return;
    }
    mt = x.K.get_pfnblock_migratetype(x, pfn);
  } else if (x.k.has(model::F_ISOLATE_RECHECK_ON_FREE))
    mt = cond(lor(ne(x.counter(Counter::nr_isolate_pageblock), x.I(0)), is_migrate_isolate(x, mt)),
              x.K.get_pfnblock_migratetype(x, pfn), mt);
  x.K.__free_one_page(x, pfn, order, mt, fpi);
  x.spin_unlock_zone();
}

// move_freepages(), mm/page_alloc.c, v6.1.8 (the same scan in v6.11's __move_freepages_block()):
// every free buddy whose head lies in [start_pfn, end_pfn) moves to new_mt's list; at most
// pageblock_nr_pages pfns. Returns the pages moved.
Int move_freepages(Exec& x, const Int& start_pfn, const Int& end_pfn, const Int& old_mt, const Int& new_mt) {
  Int pages_moved = x.I(0);
  Int p = start_pfn;
  for (int it = 0; it < pageblock_nr_pages(x); ++it) {
    Exec::When r(x, lt(p, end_pfn));
    const Bool buddy = PageBuddy(x, p);
    const Int order = buddy_order(x, p);
    {
      Exec::When b(x, buddy);
      x.K.move_to_free_list(x, p, order, old_mt, new_mt);
    }
    x.assign(pages_moved, cond(buddy, add(pages_moved, shift_left(x.I(1), order)), pages_moved));
    x.assign(p, cond(buddy, add(p, shift_left(x.I(1), order)), add(p, x.I(1))));
  }
  return pages_moved;
}

// move_freepages() + move_freepages_block(), mm/page_alloc.c, v6.1.8; 2dd482ba627d,
// c0cd6f557b90 and f37c0f6876a8 as in v6.11. The scan visits at most pageblock_nr_pages pfns.
Int move_freepages_block(Exec& x, const Int& pfn, const Int& old_mt, const Int& new_mt) {
  Int start_pfn = pageblock_start_pfn(x, pfn);
  const Int end_pfn = pageblock_end_pfn(x, pfn);
  Bool ok = x.T();
  Int fail = x.I(0);
  if (x.k.has(model::F_BLOCK_CONVERSION_TXN)) {
    ok = land(zone_spans_pfn(x, start_pfn), zone_spans_pfn(x, sub(end_pfn, x.I(1))));
    fail = x.I(-1);
  } else if (x.k.has(model::F_MOVE_FREEPAGES_RANGE_FIX)) {
    ok = land(zone_spans_pfn(x, start_pfn), zone_spans_pfn(x, sub(end_pfn, x.I(1))));
  } else {
    start_pfn = cond(zone_spans_pfn(x, start_pfn), start_pfn, pfn);  // "Do not cross zone boundaries"
    ok = zone_spans_pfn(x, sub(end_pfn, x.I(1)));
  }
  Int pages_moved = x.I(0);
  {
    Exec::When w(x, ok);
    pages_moved = move_freepages(x, start_pfn, end_pfn, old_mt, new_mt);
    if (x.k.has(model::F_MOVE_FREEPAGES_SETS_TYPE)) x.K.set_pageblock_migratetype(x, start_pfn, new_mt);
  }
  return cond(ok, pages_moved, fail);
}

// __isolate_free_page(), mm/page_alloc.c, v6.1.8; b54ccd3c6bac, c0cd6f557b90, f37c0f6876a8 and
// e0932b6c1f94 as in v6.11 (watermark check
// taken to pass, as the model). The retyping loop visits at most 2^MAX_PAGE_ORDER /
// pageblock_nr_pages blocks.
Int __isolate_free_page(Exec& x, const Int& pfn, const Int& order) {
  const Int mt = x.K.get_pfnblock_migratetype(x, pfn);
  if (!x.k.has(model::F_ACCOUNT_FREEPAGES)) {
    Exec::When w(x, lnot(is_migrate_isolate(x, mt)));
    enc___mod_zone_freepage_state(x, sub(x.I(0), shift_left(x.I(1), order)), mt);
  }
  x.K.del_page_from_free_list(x, pfn, order, mt);
  {
    // "Set the pageblock if the isolated page is at least half of a pageblock"
    Exec::When w(x, ge(order, x.I(pageblock_order(x) - 1)));
    const Int endpage = sub(add(pfn, shift_left(x.I(1), order)), x.I(1));
    Int p = pfn;
    for (int it = 0; it <= x.L.geo.max_order_nr_pages() / pageblock_nr_pages(x); ++it) {
      Exec::When r(x, lt(p, endpage));
      const Int bmt = x.K.get_pfnblock_migratetype(x, p);
      {
        // "Only change normal pageblocks (i.e., they can merge with others)"; b54ccd3c6bac,
        // c0cd6f557b90 and f37c0f6876a8 move the block's free pages as well.
        Exec::When m(x, migratetype_is_mergeable(x, bmt));
        const Int movable = mtv(x, Mt::MOVABLE);
        if (x.k.has(model::F_MOVE_FREEPAGES_SETS_TYPE)) {
          x.K.move_freepages_block(x, p, bmt, movable);
        } else if (x.k.has(model::F_BLOCK_CONVERSION_TXN)) {
          const Int moved = x.K.move_freepages_block(x, p, bmt, movable);
          Exec::When ok(x, ne(moved, x.I(-1)));
          x.K.set_pageblock_migratetype(x, p, movable);
        } else {
          x.K.set_pageblock_migratetype(x, p, movable);
          if (x.k.has(model::F_ISOLATE_FREE_PAGE_MOVES)) x.K.move_freepages_block(x, p, bmt, movable);
        }
      }
      x.assign(p, add(p, x.I(pageblock_nr_pages(x))));
    }
  }
  return shift_left(x.I(1), order);
}

// __putback_isolated_page(), mm/page_alloc.c, v6.1.8 (same in v6.11): back to the tail.
void __putback_isolated_page(Exec& x, const Int& pfn, const Int& order, const Int& mt) {
  x.K.__free_one_page(x, pfn, order, mt, model::FPI_TO_TAIL);
}

// split_free_page(), mm/page_alloc.c, v6.1.8 (removed by fd919a85cd55). The chunk loop frees
// at most 2 * order chunks (the binary decompositions of both parts), and never more than
// 2^order.
Int split_free_page(Exec& x, const Int& free_page_pfn, const Int& order, const Int& split_off0) {
  if (x.decide(eq(split_off0, x.I(0)))) return x.I(0);
  x.spin_lock_zone();
  const Bool changed = lor(lnot(PageBuddy(x, free_page_pfn)), ne(buddy_order(x, free_page_pfn), order));
  {
    Exec::When w(x, lnot(changed));
    const Int mt = x.K.get_pfnblock_migratetype(x, free_page_pfn);
    if (!x.k.has(model::F_ACCOUNT_FREEPAGES)) {
      Exec::When n(x, lnot(is_migrate_isolate(x, mt)));
      enc___mod_zone_freepage_state(x, sub(x.I(0), shift_left(x.I(1), order)), mt);
    }
    x.K.del_page_from_free_list(x, free_page_pfn, order, mt);
    const int max = MAX_PAGE_ORDER(x);
    const int bound = std::min(1 << max, 2 * max + 2);
    const Int end = add(free_page_pfn, shift_left(x.I(1), order));
    Int pfn = free_page_pfn, split_off = split_off0;
    for (int it = 0; it < bound; ++it) {
      Exec::When r(x, lt(pfn, end));
      const Int chunk_mt = x.K.get_pfnblock_migratetype(x, pfn);
      const Int fpo = smin(cond(ne(pfn, x.I(0)), enc_ffs(x, pfn), order), enc_fls(x, split_off));
      x.K.__free_one_page(x, pfn, fpo, chunk_mt, model::FPI_NONE);
      x.assign(pfn, add(pfn, shift_left(x.I(1), fpo)));
      x.assign(split_off, sub(split_off, shift_left(x.I(1), fpo)));
      // "we have done the first part, now switch to second part"
      x.assign(split_off, cond(eq(split_off, x.I(0)), sub(shift_left(x.I(1), order), sub(pfn, free_page_pfn)),
                               split_off));
    }
  }
  x.spin_unlock_zone();
  return cond(changed, x.I(-model::kENOENT), x.I(0));
}

// ---- operations ------------------------------------------------------------------------------

// __alloc_pages() -> get_page_from_freelist() -> rmqueue(), mm/page_alloc.c, v6.1.8, without pcp
// lists (the encoder refuses a geometry with them) and without the highatomic reserve step (it
// refuses highatomic=1): entry, rmqueue_buddy() and prep_new_page() in one step, as the explicit
// procedure runs them. Locals and pcs are the explicit procedure's (model/kernel/page_alloc_ops.cpp).
enum AllocLoc : uint8_t { A_ORDER, A_MT, A_HIGHATOMIC, A_PAGE, A_N };
enum AllocPc : uint8_t { A_ENTRY = 0, A_BUDDY };
model::Flow run_alloc_pages(Exec& x) {
  if (x.pc() != A_ENTRY && x.pc() != A_BUDDY)
    throw ModelError(fmt::format("SMT encoding: alloc_pages at pc {} (pcp or highatomic path)", x.pc()));
  const Int order = x.loc(A_ORDER);
  const Int mt = x.loc(A_MT);
  const Bool highatomic = land(ne(x.loc(A_HIGHATOMIC), x.I(0)), gt(order, x.I(0)));
  const Int alloc_flags = bor(cond(eq(mt, mtv(x, Mt::MOVABLE)), x.I(model::ALLOC_CMA), x.I(0)),
                              cond(highatomic, x.I(model::ALLOC_HIGHATOMIC), x.I(0)));
  const Int page = x.K.rmqueue_buddy(x, order, mt, alloc_flags);
  const Bool failed = lt(page, x.I(0));
  {
    Exec::When w(x, failed);
    x.set_cpu_field(C_res_pfn, x.I(NIL));
  }
  {
    // prep_new_page() and the caller's reference: a movable allocation is migratable (PageLRU).
    Exec::When w(x, lnot(failed));
    x.set_loc(A_PAGE, page);
    const Int nr = shift_left(x.I(1), order);
    x.set_owner(page, nr, x.I(model::owner_of_cpu(x.cpu)));
    const Int flags =
        cond(lor(eq(mt, mtv(x, Mt::MOVABLE)), eq(mt, mtv(x, Mt::CMA))), x.I(model::PG_lru), x.I(0));
    for (int q = 0; q < x.S.np; ++q) {
      Exec::When in(x, land(le(page, x.I(q)), lt(x.I(q), add(page, nr))));
      x.set_page_flags(x.I(q), flags);
    }
    x.set_cpu_field(C_res_pfn, page);
    x.set_cpu_field(C_res_order, order);
  }
  return x.ret(cond(failed, x.I(-1), page));
}

Bool pages_allocated(Exec& x, const Int& pfn, const Int& order) {
  const Int end = add(pfn, shift_left(x.I(1), order));
  Bool all = x.T();
  for (int q = 0; q < x.S.np; ++q) {
    Bool in = land(le(pfn, x.I(q)), lt(x.I(q), end));
    all = land(all, lor(lnot(in), ne(x.owner(x.I(q)), x.I(model::OWNER_NONE))));
  }
  return all;
}

// __free_pages() -> free_the_page() -> __free_pages_ok(), mm/page_alloc.c, v6.1.8, without pcp
// lists: the type read without zone->lock (until 55612e80e722), then free_one_page() in a step of
// its own. Locals and pcs are the explicit procedure's (model/kernel/page_alloc_ops.cpp).
enum FreePc : uint8_t { FREE_ENTRY = 0, FREE_LOCKED = 1 };
enum FreeLoc : uint8_t { F_PFN, F_ORDER, F_MT };
model::Flow run_free_pages(Exec& x) {
  const Int pfn = x.loc(F_PFN), order = x.loc(F_ORDER);
  switch (x.pc()) {
    case FREE_ENTRY:
      // free_pages_prepare(): a page nobody holds is a double free.
      if (x.decide(lnot(pages_allocated(x, pfn, order)))) {
        x.observe(SymObs{model::Obs::FreeNotAllocated, 0, pfn, order, x.I(0), x.I(0)});
        return x.ret();
      }
      if (!x.k.has(model::F_FREE_MT_UNDER_ZONE_LOCK)) {
        x.set_loc(F_MT, x.K.get_pfnblock_migratetype(x, pfn));  // racy read
        x.unlocked_read();
      }
      [[fallthrough]];
    case FREE_LOCKED: {
      if (x.must_yield()) return x.yield(FREE_LOCKED);
      if (x.decide(lnot(pages_allocated(x, pfn, order)))) {  // a concurrent free got there first
        x.observe(SymObs{model::Obs::FreeNotAllocated, 0, pfn, order, x.I(0), x.I(0)});
        return x.ret();
      }
      {
        // release_pages()
        const Int nr = shift_left(x.I(1), order);
        x.set_owner(pfn, nr, x.I(model::OWNER_NONE));
        for (int q = 0; q < x.S.np; ++q) {
          Exec::When in(x, land(le(pfn, x.I(q)), lt(x.I(q), add(pfn, nr))));
          x.set_page_flags(x.I(q), x.I(0));
        }
      }
      x.K.free_one_page(x, pfn, order, x.loc(F_MT), model::FPI_NONE);
      return x.ret();
    }
  }
  throw ModelError(fmt::format("SMT encoding: __free_pages at pc {} (pcp path)", x.pc()));
}

}  // namespace

// ----- v6.10 replacements (installed by the hygiene commits) ----------------------------------
namespace hygiene {

// __add_to_free_list(), mm/page_alloc.c, v6.11 (e0932b6c1f94)
void __add_to_free_list(Exec& x, const Int& pfn, const Int& order, const Int& mt, const Bool& tail) {
  const Int block = x.K.get_pfnblock_migratetype(x, pfn);
  {
    Exec::When w(x, ne(block, mt));
    kernel_warn(x, model::KC_ADD_TO_FREE_LIST_TYPE, pfn, block, mt);
  }
  add_to_free_list_v6_1(x, pfn, order, mt, tail);
}

// move_to_free_list(), mm/page_alloc.c, v6.11 (e0932b6c1f94)
void move_to_free_list(Exec& x, const Int& pfn, const Int& order, const Int& old_mt, const Int& new_mt) {
  const Int block = x.K.get_pfnblock_migratetype(x, pfn);
  {
    Exec::When w(x, ne(block, old_mt));
    kernel_warn(x, model::KC_MOVE_TO_FREE_LIST_TYPE, pfn, block, old_mt);
  }
  x.list_del(pfn);
  x.list_add_tail(buddy_list(x, order, new_mt), pfn);
  enc_account_freepages(x, sub(x.I(0), shift_left(x.I(1), order)), old_mt);
  enc_account_freepages(x, shift_left(x.I(1), order), new_mt);
}

// __del_page_from_free_list(), mm/page_alloc.c, v6.11 (e0932b6c1f94)
void __del_page_from_free_list(Exec& x, const Int& pfn, const Int& order, const Int& mt) {
  const Int block = x.K.get_pfnblock_migratetype(x, pfn);
  {
    Exec::When w(x, ne(block, mt));
    kernel_warn(x, model::KC_DEL_FROM_FREE_LIST_TYPE, pfn, block, mt);
  }
  del_page_from_free_list_v6_1(x, pfn, order, mt);
}

// del_page_from_free_list(), mm/page_alloc.c, v6.11 (e0932b6c1f94)
void del_page_from_free_list(Exec& x, const Int& pfn, const Int& order, const Int& mt) {
  __del_page_from_free_list(x, pfn, order, mt);
  enc_account_freepages(x, sub(x.I(0), shift_left(x.I(1), order)), mt);
}

// split_large_buddy(), mm/page_alloc.c, v6.11 (fd919a85cd55): each pageblock freed with its own
// type. At most 2^(MAX_PAGE_ORDER - pageblock_order) blocks.
void split_large_buddy(Exec& x, const Int& pfn0, const Int& order, int) {
  Int pfn = pfn0;
  const Int end_pfn = add(pfn, shift_left(x.I(1), order));
  {
    Exec::When w(x, le(order, x.I(pageblock_order(x))));
    kernel_warn(x, model::KC_SPLIT_LARGE_BUDDY, pfn);
  }
  {
    Exec::When w(x, ne(band(pfn, x.I(pageblock_nr_pages(x) - 1)), x.I(0)));
    kernel_warn(x, model::KC_SPLIT_LARGE_BUDDY, pfn);
  }
  {
    // "Caller removed page from freelist, buddy info cleared!"
    Exec::When w(x, PageBuddy(x, pfn));
    kernel_warn(x, model::KC_SPLIT_LARGE_BUDDY, pfn);
  }
  const int blocks = 1 << (MAX_PAGE_ORDER(x) - pageblock_order(x));
  for (int it = 0; it < blocks; ++it) {
    Exec::When r(x, ne(pfn, end_pfn));
    const Int mt = x.K.get_pfnblock_migratetype(x, pfn);
    x.K.__free_one_page(x, pfn, x.I(pageblock_order(x)), mt, model::FPI_NONE);
    x.assign(pfn, add(pfn, x.I(pageblock_nr_pages(x))));
  }
}

}  // namespace hygiene

namespace v6_12 {

// split_large_buddy(), mm/page_alloc.c, v6.12.8 (e98337d11bbd; faeec8e23c10's do/while): any
// order, in chunks of at most pageblock_order, each freed with its own block's type. At most
// 2^(MAX_PAGE_ORDER - pageblock_order) chunks, and at least one.
void split_large_buddy(Exec& x, const Int& pfn0, const Int& order0, int fpi) {
  Int pfn = pfn0;
  const Int end = add(pfn, shift_left(x.I(1), order0));
  {
    Exec::When w(x, ne(band(pfn, sub(shift_left(x.I(1), order0), x.I(1))), x.I(0)));
    kernel_warn(x, model::KC_SPLIT_LARGE_BUDDY, pfn);
  }
  {
    // "Caller removed page from freelist, buddy info cleared!"
    Exec::When w(x, PageBuddy(x, pfn));
    kernel_warn(x, model::KC_SPLIT_LARGE_BUDDY, pfn);
  }
  const Int order = smin(order0, x.I(pageblock_order(x)));
  const int chunks = 1 << std::max(0, MAX_PAGE_ORDER(x) - pageblock_order(x));
  Bool run = x.T();
  for (int it = 0; it < chunks; ++it) {
    Exec::When r(x, run);
    const Int mt = x.K.get_pfnblock_migratetype(x, pfn);
    x.K.__free_one_page(x, pfn, order, mt, fpi);
    x.assign(pfn, add(pfn, shift_left(x.I(1), order)));
    run = land(run, ne(pfn, end));
  }
}

}  // namespace v6_12

namespace hygiene {

// find_large_buddy(), mm/page_alloc.c, v6.11 (fd919a85cd55): "Look for a buddy that straddles
// start_pfn"; the candidate heads are start_pfn aligned down to each order.
Int find_large_buddy(Exec& x, const Int& start_pfn) {
  Int result = start_pfn;
  Bool found = x.F();
  for (int order = 0; order <= MAX_PAGE_ORDER(x); ++order) {
    const Int pfn = band(start_pfn, x.I(~0 << order));
    const Bool hit = land(lnot(found), PageBuddy(x, pfn));
    const Int straddles = gt(add(pfn, shift_left(x.I(1), buddy_order(x, pfn))), start_pfn);
    result = cond(hit, cond(straddles, pfn, start_pfn), result);
    found = lor(found, hit);
  }
  return result;
}

// __move_freepages_block(), mm/page_alloc.c, v6.11 (f37c0f6876a8, e1f42a577f63). At most
// pageblock_nr_pages pfns.
Int __move_freepages_block(Exec& x, const Int& start_pfn, const Int& old_mt, const Int& new_mt) {
  const Int pages_moved = move_freepages(x, start_pfn, pageblock_end_pfn(x, start_pfn), old_mt, new_mt);
  x.K.set_pageblock_migratetype(x, start_pfn, new_mt);
  return pages_moved;
}

// move_freepages_block_isolate(), mm/page_alloc.c, v6.11 (fd919a85cd55)
Bool move_freepages_block_isolate(Exec& x, const Int& page, const Int& mt) {
  const Int start_pfn = pageblock_start_pfn(x, page);
  const Int end_pfn = pageblock_end_pfn(x, page);
  // prep_move_freepages_block()
  const Bool ok = land(zone_spans_pfn(x, start_pfn), zone_spans_pfn(x, sub(end_pfn, x.I(1))));
  Exec::When w(x, ok);
  Bool rest = x.T();
  if (pageblock_order(x) != MAX_PAGE_ORDER(x)) {
    const Int pfn = find_large_buddy(x, start_pfn);
    const Bool tail = ne(pfn, start_pfn);  // "We're a tail block in a larger buddy"
    {
      Exec::When t(x, tail);
      const Int order = buddy_order(x, pfn);
      x.K.del_page_from_free_list(x, pfn, order, x.K.get_pfnblock_migratetype(x, pfn));
      x.K.set_pageblock_migratetype(x, page, mt);
      x.K.split_large_buddy(x, pfn, order, model::FPI_NONE);
    }
    const Bool starting =
        land(lnot(tail), land(PageBuddy(x, page), gt(buddy_order(x, page), x.I(pageblock_order(x)))));
    {
      Exec::When s(x, starting);  // "the starting block"
      const Int order = buddy_order(x, page);
      x.K.del_page_from_free_list(x, page, order, x.K.get_pfnblock_migratetype(x, pfn));
      x.K.set_pageblock_migratetype(x, page, mt);
      x.K.split_large_buddy(x, page, order, model::FPI_NONE);
    }
    rest = land(lnot(tail), lnot(starting));
  }
  Exec::When r(x, rest);
  __move_freepages_block(x, start_pfn, x.K.get_pfnblock_migratetype(x, start_pfn), mt);
  return ok;
}

}  // namespace hygiene

// ---- the fallback path (model/kernel/page_alloc_fallback.cpp) --------------------------------

namespace {

int concrete(const Int& e, const char* what) {
  int64_t v = 0;
  if (!numeral(e, v)) throw ModelError(fmt::format("SMT encoding: {} is not a constant here", what));
  return static_cast<int>(v);
}

// fallbacks[], mm/page_alloc.c, v6.1.8 (same in v7.1.8): only the pcp types fall back.
constexpr Mt kFallbacks[model::MIGRATE_PCPTYPES][2] = {
    {Mt::RECLAIMABLE, Mt::MOVABLE},    // UNMOVABLE
    {Mt::RECLAIMABLE, Mt::UNMOVABLE},  // MOVABLE
    {Mt::UNMOVABLE, Mt::MOVABLE},      // RECLAIMABLE
};

// change_pageblock_range(), mm/page_alloc.c, v6.1.8 (same in v6.11): at most
// 2^(MAX_PAGE_ORDER - pageblock_order) blocks.
void change_pageblock_range(Exec& x, const Int& pfn, const Int& start_order, const Int& mt) {
  const Int n = shift_left(x.I(1), sub(start_order, x.I(pageblock_order(x))));
  for (int i = 0; i < (1 << (MAX_PAGE_ORDER(x) - pageblock_order(x))); ++i) {
    Exec::When w(x, lt(x.I(i), n));
    x.K.set_pageblock_migratetype(x, add(pfn, x.I(i * pageblock_nr_pages(x))), mt);
  }
}

// The free pages and the movable (PageLRU) pages in use of the block of `pfn`, as
// prep_move_freepages_block() (v6.11) and move_freepages() (v6.1.8) count them. At most
// pageblock_nr_pages pfns.
std::pair<Int, Int> count_block(Exec& x, const Int& pfn) {
  const Int end = pageblock_end_pfn(x, pfn);
  Int p = pageblock_start_pfn(x, pfn), free = x.I(0), movable = x.I(0);
  for (int it = 0; it < pageblock_nr_pages(x); ++it) {
    const Bool run = lt(p, end), buddy = PageBuddy(x, p);
    const Int nr = shift_left(x.I(1), buddy_order(x, p));
    free = cond(land(run, buddy), add(free, nr), free);
    movable = cond(land(run, land(lnot(buddy), ne(band(x.flags(p), x.I(model::PG_lru)), x.I(0)))),
                   add(movable, x.I(1)), movable);
    p = cond(run, cond(buddy, add(p, nr), add(p, x.I(1))), p);
  }
  return {free, movable};
}

// "If a sufficient number of pages in the block are either free or of compatible migratability
// as our allocation, claim the whole block": alike pages, v6.1.8 / v6.11.
Int alike_pages(Exec& x, Mt start_type, const Int& block_type, const Int& free, const Int& movable) {
  if (start_type == Mt::MOVABLE) return movable;
  return cond(eq(block_type, mtv(x, Mt::MOVABLE)), sub(x.I(pageblock_nr_pages(x)), add(free, movable)),
              x.I(0));
}

// steal_suitable_fallback(), mm/page_alloc.c, v6.1.8: moves the block's free pages, claims the
// block only if half of it is free or alike; otherwise (and for a HIGHATOMIC block, or a buddy
// of pageblock order, after retyping its blocks) the buddy alone goes to the new type's list.
void steal_suitable_fallback_v6_1(Exec& x, const Int& page, Mt start_type, const Bool& whole_block) {
  const Int st = mtv(x, start_type);
  const Int current_order = buddy_order(x, page);
  const Int old_block_type = x.K.get_pfnblock_migratetype(x, page);
  // "This can happen due to races and we want to prevent broken highatomic accounting."
  const Bool highatomic = eq(old_block_type, mtv(x, Mt::HIGHATOMIC));
  const Bool big =
      ge(current_order, x.I(pageblock_order(x)));  // "Take ownership for orders >= pageblock_order"
  {
    Exec::When w(x, land(lnot(highatomic), big));
    change_pageblock_range(x, page, current_order, st);
  }
  const Bool try_block = land(lnot(highatomic), land(lnot(big), whole_block));
  Int free_pages = x.I(0);
  {
    Exec::When w(x, try_block);
    const auto [unused, movable] = count_block(x, page);
    free_pages = x.K.move_freepages_block(x, page, old_block_type, st);
    const Int alike = alike_pages(x, start_type, old_block_type, free_pages, movable);
    Exec::When claim(
        x, land(ne(free_pages, x.I(0)), ge(add(free_pages, alike), x.I(pageblock_nr_pages(x) >> 1))));
    x.K.set_pageblock_migratetype(x, page, st);
  }
  // "moving whole block can fail due to zone boundary conditions"
  Exec::When single(x, lnot(land(try_block, ne(free_pages, x.I(0)))));
  x.K.move_to_free_list(x, page, current_order, old_block_type, st);
}

// steal_suitable_fallback(), mm/page_alloc.c: c0cd6f557b90 (check, move, then retype),
// f37c0f6876a8 (the move retypes), e0932b6c1f94 (typed removal), as in v6.11; the V2 posting's
// 5/6 lets a claimed block fall through to the single-page path. Returns the page.
Int steal_suitable_fallback_txn(Exec& x, const Int& page, const Int& current_order, const Int& order,
                                Mt start_type, const Bool& whole_block) {
  const Int st = mtv(x, start_type);
  const Int block_type0 = x.K.get_pfnblock_migratetype(x, page);
  const Bool skip = x.k.has(model::F_NO_RACY_MT_REMNANTS) ? x.F() : eq(block_type0, mtv(x, Mt::HIGHATOMIC));
  const Bool big = land(lnot(skip), ge(current_order, x.I(pageblock_order(x))));
  {
    Exec::When w(x, big);
    x.K.del_page_from_free_list(x, page, current_order, block_type0);
    change_pageblock_range(x, page, current_order, st);
    x.K.expand(x, page, order, current_order, st);
  }
  const Bool try_block = land(lnot(skip), land(lnot(big), whole_block));
  Bool claim = x.F();
  Int result = page;
  {
    Exec::When w(x, try_block);
    const auto [free_pages, movable] = count_block(x, page);
    const Int alike = alike_pages(x, start_type, block_type0, free_pages, movable);
    claim = land(try_block, ge(add(free_pages, alike), x.I(pageblock_nr_pages(x) >> 1)));
    Exec::When c(x, claim);
    const Int start_pfn = pageblock_start_pfn(x, page);
    if (x.k.has(model::F_MOVE_FREEPAGES_SETS_TYPE)) {
      hygiene::__move_freepages_block(x, start_pfn, block_type0, st);
    } else {
      // move_freepages() + set_pageblock_migratetype()
      const Int end = pageblock_end_pfn(x, start_pfn);
      Int p = start_pfn;
      for (int it = 0; it < pageblock_nr_pages(x); ++it) {
        Exec::When r(x, lt(p, end));
        const Bool buddy = PageBuddy(x, p);
        const Int o = buddy_order(x, p);
        {
          Exec::When b(x, buddy);
          x.K.move_to_free_list(x, p, o, block_type0, st);
        }
        x.assign(p, cond(buddy, add(p, shift_left(x.I(1), o)), add(p, x.I(1))));
      }
      x.K.set_pageblock_migratetype(x, page, st);
    }
    if (!x.k.has(model::F_V2_STEAL_SHAPE)) result = cond(claim, x.K.__rmqueue_smallest(x, order, st), result);
  }
  Bool single = land(lnot(big), lnot(claim));
  Int block_type = block_type0;
  if (x.k.has(model::F_V2_STEAL_SHAPE)) {
    single = lnot(big);
    block_type = cond(claim, st, block_type0);
  }
  Exec::When w(x, single);
  x.K.del_page_from_free_list(x, page, current_order, block_type);
  x.K.expand(x, page, order, current_order, block_type);
  return result;
}

// __rmqueue_fallback(), mm/page_alloc.c, v6.1.8: the largest fallback buddy, or the smallest for
// a movable request that cannot steal the block; v6.1.8 returns whether it moved one (1),
// c0cd6f557b90 returns the page (v6.11). The order and type are the operation's (constants), so
// the order loops unroll over MAX_PAGE_ORDER + 1 orders with the list checks symbolic.
Int rmqueue_fallback(Exec& x, const Int& order_e, const Int& mt_e) {
  const int order = concrete(order_e, "the order of __rmqueue_fallback()");
  const int start = concrete(mt_e, "the migratetype of __rmqueue_fallback()");
  if (start >= model::MIGRATE_PCPTYPES) return x.I(-1);  // "other migratetypes do not have fallbacks"
  const Mt start_mt = static_cast<Mt>(start);
  const int max = MAX_PAGE_ORDER(x);
  // find_suitable_fallback(), mm/page_alloc.c, v6.1.8, at each order: found, the type, can_steal
  std::vector<Bool> found;
  std::vector<Int> type;
  std::vector<bool> can_steal;
  for (int co = 0; co <= max; ++co) {
    const Bool any = ne(x.counter(x.I(x.L.counter_nr_free(co))), x.I(0));
    const Mt a = kFallbacks[start][0], b = kFallbacks[start][1];
    const Bool ha = ne(x.head(buddy_list(x, x.I(co), mtv(x, a))), x.I(NIL));
    const Bool hb = ne(x.head(buddy_list(x, x.I(co), mtv(x, b))), x.I(NIL));
    found.push_back(land(any, lor(ha, hb)));
    type.push_back(cond(ha, mtv(x, a), mtv(x, b)));
    // can_steal_fallback(), v6.1.8 (page_group_by_mobility_disabled is false)
    can_steal.push_back(co >= pageblock_order(x) || co >= pageblock_order(x) / 2 ||
                        start_mt == Mt::RECLAIMABLE || start_mt == Mt::UNMOVABLE);
  }
  auto steal_at = [&](const Int& co) {
    Bool r = x.F();
    for (int o = order; o <= max; ++o)
      if (can_steal[static_cast<size_t>(o)]) r = lor(r, eq(co, x.I(o)));
    return r;
  };
  // The largest order with a fallback buddy.
  Bool any = x.F();
  Int co1 = x.I(-1);
  for (int co = max; co >= order; --co) {
    co1 = cond(land(lnot(any), found[static_cast<size_t>(co)]), x.I(co), co1);
    any = lor(any, found[static_cast<size_t>(co)]);
  }
  // "steal and split the smallest available page instead of the largest"
  Int co2 = x.I(-1);
  for (int co = max; co >= order; --co) co2 = cond(found[static_cast<size_t>(co)], x.I(co), co2);
  const Bool smallest_instead =
      start_mt == Mt::MOVABLE ? land(any, land(lnot(steal_at(co1)), gt(co1, x.I(order)))) : x.F();
  const Int current_order = cond(smallest_instead, co2, co1);
  Int fallback_mt = x.I(-1);
  for (int co = order; co <= max; ++co)
    fallback_mt = cond(eq(current_order, x.I(co)), type[static_cast<size_t>(co)], fallback_mt);
  const Bool whole_block = steal_at(current_order);
  const Int page = x.head(buddy_list(x, current_order, fallback_mt));
  Exec::When w(x, any);
  if (x.k.has(model::F_BLOCK_CONVERSION_TXN))
    return cond(any, steal_suitable_fallback_txn(x, page, current_order, order_e, start_mt, whole_block),
                x.I(-1));
  steal_suitable_fallback_v6_1(x, page, start_mt, whole_block);
  return cond(any, x.I(1), x.I(-1));
}

}  // namespace

void fill_sym_page_alloc(SymKernel& K, const model::Kernel& k, const model::Kernel& base,
                         const std::string& v) {
  namespace mh = model::hygiene;
  using F = model::KernelFns;
  K.get_pfnblock_migratetype =
      pick<decltype(F::get_pfnblock_migratetype), decltype(K.get_pfnblock_migratetype)>(
          k.fn.get_pfnblock_migratetype, {{base.fn.get_pfnblock_migratetype, get_pfnblock_migratetype_v6_1}},
          "get_pfnblock_migratetype", v);
  K.set_pageblock_migratetype =
      pick<decltype(F::set_pageblock_migratetype), decltype(K.set_pageblock_migratetype)>(
          k.fn.set_pageblock_migratetype,
          {{base.fn.set_pageblock_migratetype, set_pageblock_migratetype_v6_1}}, "set_pageblock_migratetype",
          v);
  K.__add_to_free_list = pick<decltype(F::__add_to_free_list), decltype(K.__add_to_free_list)>(
      k.fn.__add_to_free_list,
      {{base.fn.__add_to_free_list, add_to_free_list_v6_1},
       {mh::__add_to_free_list, hygiene::__add_to_free_list}},
      "__add_to_free_list", v);
  K.move_to_free_list = pick<decltype(F::move_to_free_list), decltype(K.move_to_free_list)>(
      k.fn.move_to_free_list,
      {{base.fn.move_to_free_list, move_to_free_list_v6_1},
       {mh::move_to_free_list, hygiene::move_to_free_list}},
      "move_to_free_list", v);
  K.__del_page_from_free_list =
      pick<decltype(F::__del_page_from_free_list), decltype(K.__del_page_from_free_list)>(
          k.fn.__del_page_from_free_list,
          {{base.fn.__del_page_from_free_list, del_page_from_free_list_v6_1},
           {mh::__del_page_from_free_list, hygiene::__del_page_from_free_list}},
          "__del_page_from_free_list", v);
  K.del_page_from_free_list = pick<decltype(F::del_page_from_free_list), decltype(K.del_page_from_free_list)>(
      k.fn.del_page_from_free_list,
      {{base.fn.del_page_from_free_list, del_page_from_free_list_v6_1},
       {mh::del_page_from_free_list, hygiene::del_page_from_free_list}},
      "del_page_from_free_list", v);
  K.expand =
      pick<decltype(F::expand), decltype(K.expand)>(k.fn.expand, {{base.fn.expand, expand}}, "expand", v);
  K.__rmqueue_smallest = pick<decltype(F::__rmqueue_smallest), decltype(K.__rmqueue_smallest)>(
      k.fn.__rmqueue_smallest, {{base.fn.__rmqueue_smallest, __rmqueue_smallest}}, "__rmqueue_smallest", v);
  K.__rmqueue = pick<decltype(F::__rmqueue), decltype(K.__rmqueue)>(
      k.fn.__rmqueue, {{base.fn.__rmqueue, __rmqueue}}, "__rmqueue", v);
  K.__rmqueue_fallback = pick<decltype(F::__rmqueue_fallback), decltype(K.__rmqueue_fallback)>(
      k.fn.__rmqueue_fallback, {{base.fn.__rmqueue_fallback, rmqueue_fallback}}, "__rmqueue_fallback", v);
  K.free_one_page = pick<decltype(F::free_one_page), decltype(K.free_one_page)>(
      k.fn.free_one_page, {{base.fn.free_one_page, free_one_page}}, "free_one_page", v);
  K.rmqueue_buddy = pick<decltype(F::rmqueue_buddy), decltype(K.rmqueue_buddy)>(
      k.fn.rmqueue_buddy, {{base.fn.rmqueue_buddy, rmqueue_buddy}}, "rmqueue_buddy", v);
  K.__free_one_page = pick<decltype(F::__free_one_page), decltype(K.__free_one_page)>(
      k.fn.__free_one_page, {{base.fn.__free_one_page, __free_one_page}}, "__free_one_page", v);
  K.split_large_buddy = pick<decltype(F::split_large_buddy), decltype(K.split_large_buddy)>(
      k.fn.split_large_buddy,
      {{mh::split_large_buddy, hygiene::split_large_buddy},
       {model::v6_12::split_large_buddy, v6_12::split_large_buddy}},
      "split_large_buddy", v);
  K.move_freepages_block = pick<decltype(F::move_freepages_block), decltype(K.move_freepages_block)>(
      k.fn.move_freepages_block, {{base.fn.move_freepages_block, move_freepages_block}},
      "move_freepages_block", v);
  K.move_freepages_block_isolate =
      pick<decltype(F::move_freepages_block_isolate), decltype(K.move_freepages_block_isolate)>(
          k.fn.move_freepages_block_isolate,
          {{mh::move_freepages_block_isolate, hygiene::move_freepages_block_isolate}},
          "move_freepages_block_isolate", v);
  K.__isolate_free_page = pick<decltype(F::__isolate_free_page), decltype(K.__isolate_free_page)>(
      k.fn.__isolate_free_page, {{base.fn.__isolate_free_page, __isolate_free_page}}, "__isolate_free_page",
      v);
  K.__putback_isolated_page = pick<decltype(F::__putback_isolated_page), decltype(K.__putback_isolated_page)>(
      k.fn.__putback_isolated_page, {{base.fn.__putback_isolated_page, __putback_isolated_page}},
      "__putback_isolated_page", v);
  K.split_free_page = pick<decltype(F::split_free_page), decltype(K.split_free_page)>(
      k.fn.split_free_page, {{base.fn.split_free_page, split_free_page}}, "split_free_page", v);
  K.procs[model::P_alloc_pages] = pick<const model::ProcDef*, SymRun>(
      k.procs[model::P_alloc_pages], {{base.procs[model::P_alloc_pages], run_alloc_pages}}, "alloc_pages", v);
  K.procs[model::P_free_pages] = pick<const model::ProcDef*, SymRun>(
      k.procs[model::P_free_pages], {{base.procs[model::P_free_pages], run_free_pages}}, "__free_pages", v);
}

}  // namespace pagecheck::smt

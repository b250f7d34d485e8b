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

// account_freepages(), mm/page_alloc.c, v6.11 (e0932b6c1f94)
void enc_account_freepages(Exec& x, const Int& nr_pages, const Int& mt) {
  Exec::When w(x, lnot(is_migrate_isolate(x, mt)));
  enc___mod_zone_freepage_state(x, nr_pages, mt);
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

// __free_one_page(), mm/page_alloc.c, v6.1.8; e6cf9e1c4cde and e0932b6c1f94 as in v6.11.
// The merge loop runs at most MAX_PAGE_ORDER times (order grows by one each time from >= 0).
void __free_one_page(Exec& x, const Int& pfn0, const Int& order0, const Int& mt, int fpi) {
  Int pfn = pfn0, order = order0;
  const int max = MAX_PAGE_ORDER(x);
  if (x.k.has(model::F_ACCOUNT_FREEPAGES)) {
    enc_account_freepages(x, shift_left(x.I(1), order), mt);
  } else {
    Exec::When w(x, lnot(is_migrate_isolate(x, mt)));
    enc___mod_zone_freepage_state(x, shift_left(x.I(1), order), mt);
  }
  Int buddy_pfn = x.I(0);
  Bool live = x.T();
  for (int it = 0; it < max; ++it) {
    const Bool run = land(live, lt(order, x.I(max)));
    Exec::When w(x, run);
    x.assign(buddy_pfn, bxor(pfn, shift_left(x.I(1), order)));
    const Bool is_buddy = page_is_buddy(x, buddy_pfn, order);
    // "prevent merge between freepages on pageblock without fallbacks and normal pageblock"
    const Bool big = ge(order, x.I(pageblock_order(x)));
    const Int buddy_mt = cond(big, x.K.get_pfnblock_migratetype(x, buddy_pfn), mt);
    const Bool stop = land(big, land(ne(mt, buddy_mt), lor(lnot(migratetype_is_mergeable(x, mt)),
                                                           lnot(migratetype_is_mergeable(x, buddy_mt)))));
    const Bool merge = land(is_buddy, lnot(stop));
    live = land(run, merge);
    Exec::When m(x, merge);
    x.K.__del_page_from_free_list(x, buddy_pfn, order, buddy_mt);
    if (x.k.has(model::F_MERGE_FIXES_BLOCK_TYPE)) {
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

// __rmqueue(), mm/page_alloc.c, v6.1.8: the requested type's lists only (as the model).
Int __rmqueue(Exec& x, const Int& order, const Int& mt) {
  return x.K.__rmqueue_smallest(x, order, mt);
}

// rmqueue_buddy(), mm/page_alloc.c, v6.1.8; 17edeb5d3f76 and e0932b6c1f94 as in v6.11.
Int rmqueue_buddy(Exec& x, const Int& order, const Int& mt) {
  x.spin_lock_zone();
  Int page = x.K.__rmqueue(x, order, mt);
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
    if (x.k.has(model::F_MOVE_FREEPAGES_SETS_TYPE)) x.K.set_pageblock_migratetype(x, start_pfn, new_mt);
  }
  return cond(ok, pages_moved, fail);
}

// __isolate_free_page(), mm/page_alloc.c, v6.1.8; e0932b6c1f94 as in v6.11 (watermark check
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
        Exec::When m(x, migratetype_is_mergeable(x, bmt));
        x.K.set_pageblock_migratetype(x, p, mtv(x, Mt::MOVABLE));
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

// __alloc_pages() -> get_page_from_freelist() -> rmqueue() -> rmqueue_buddy(), mm/page_alloc.c,
// v6.1.8 (the model's buddy path). Locals: order, migratetype.
model::Flow run_alloc_pages(Exec& x) {
  const Int order = x.loc(0);
  const Int mt = x.loc(1);
  const Int page = x.K.rmqueue_buddy(x, order, mt);
  const Bool failed = lt(page, x.I(0));
  {
    Exec::When w(x, failed);
    x.set_cpu_field(C_res_pfn, x.I(NIL));
  }
  {
    // prep_new_page(): the caller owns the pages; a movable allocation is migratable.
    Exec::When w(x, lnot(failed));
    const Int nr = shift_left(x.I(1), order);
    x.set_owner(page, nr, x.I(model::owner_of_cpu(x.cpu)));
    const Int flags = cond(eq(mt, mtv(x, Mt::MOVABLE)), x.I(model::PG_lru), x.I(0));
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

// __free_pages() -> __free_pages_ok(), mm/page_alloc.c, v6.1.8; 55612e80e722 as in v6.11.
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
      x.spin_lock_zone();
      const Bool gone = lnot(pages_allocated(x, pfn, order));  // a concurrent free got there first
      {
        Exec::When w(x, gone);
        x.observe(SymObs{model::Obs::FreeNotAllocated, 0, pfn, order, x.I(0), x.I(0)});
      }
      {
        Exec::When w(x, lnot(gone));
        Int mt = x.loc(F_MT);
        if (x.k.has(model::F_FREE_MT_UNDER_ZONE_LOCK)) {
          mt = x.K.get_pfnblock_migratetype(x, pfn);
        } else {
          // has_isolate_pageblock()
          mt = cond(lor(ne(x.counter(Counter::nr_isolate_pageblock), x.I(0)), is_migrate_isolate(x, mt)),
                    x.K.get_pfnblock_migratetype(x, pfn), mt);
        }
        const Int nr = shift_left(x.I(1), order);
        x.set_owner(pfn, nr, x.I(model::OWNER_NONE));
        for (int q = 0; q < x.S.np; ++q) {
          Exec::When in(x, land(le(pfn, x.I(q)), lt(x.I(q), add(pfn, nr))));
          x.set_page_flags(x.I(q), x.I(0));
        }
        x.K.__free_one_page(x, pfn, order, mt, model::FPI_NONE);
      }
      x.spin_unlock_zone();
      return x.ret();
    }
  }
  throw ModelError("free_pages: bad pc");
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
  const Int end_pfn = pageblock_end_pfn(x, start_pfn);
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
  K.rmqueue_buddy = pick<decltype(F::rmqueue_buddy), decltype(K.rmqueue_buddy)>(
      k.fn.rmqueue_buddy, {{base.fn.rmqueue_buddy, rmqueue_buddy}}, "rmqueue_buddy", v);
  K.__free_one_page = pick<decltype(F::__free_one_page), decltype(K.__free_one_page)>(
      k.fn.__free_one_page, {{base.fn.__free_one_page, __free_one_page}}, "__free_one_page", v);
  K.split_large_buddy = pick<decltype(F::split_large_buddy), decltype(K.split_large_buddy)>(
      k.fn.split_large_buddy, {{mh::split_large_buddy, hygiene::split_large_buddy}}, "split_large_buddy", v);
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

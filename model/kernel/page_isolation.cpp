// mm/page_isolation.c, modelled.
#include <fmt/format.h>

#include <algorithm>

#include "model/kernel/footprints.hpp"
#include "model/kernel/hugetlb_internal.hpp"
#include "model/kernel/kernel.hpp"

namespace pagecheck::model {

namespace {

// zone->nr_isolate_pageblock exists from ad53f92eb416 (v3.18).
void mod_nr_isolate_pageblock(Ctx& c, int delta) {
  if (c.k.has(F_ISOLATE_RECHECK_ON_FREE)) c.mod_counter(Counter::nr_isolate_pageblock, delta);
}

// Footprints of the procedures below (defined after them).
void fp_isolate_single_pageblock(const Ctx& c, Footprint& fp);
void fp_start_isolate_page_range(const Ctx& c, Footprint& fp);
void fp_undo_isolate_page_range(const Ctx& c, Footprint& fp);

// has_unmovable_pages(), mm/page_isolation.c, v6.1.8 (same in v6.11). Compound pages are not
// modelled (no allocation here is __GFP_COMP), nor ZONE_MOVABLE or MEMORY_OFFLINE skips.
bool has_unmovable_pages(Ctx& c, int start_pfn, int end_pfn, Mt mt) {
  if (is_migrate_cma(c.k.fn.get_pfnblock_migratetype(c, start_pfn))) return !is_migrate_cma(mt);
  for (int pfn = start_pfn; pfn < end_pfn; pfn++) {
    uint8_t f = c.s.flags(pfn);
    if (f & PG_reserved) return true;
    // "Hugepages are not in LRU lists, but they're movable." (hugepage migration is supported
    // for the model's one hstate): skip the whole folio.
    if (has_hugetlb(c) && folio_test_hugetlb(c, pfn)) {
      pfn |= (1 << huge_page_order(c)) - 1;
      continue;
    }
    if (!page_ref_count(c, pfn)) {
      if (PageBuddy(c, pfn)) pfn += (1 << buddy_order(c, pfn)) - 1;
      continue;
    }
    if (f & PG_lru) continue;  // __PageMovable(page) || PageLRU(page)
    return true;
  }
  return false;
}

// set_migratetype_isolate(), mm/page_isolation.c, v6.1.8; with c0cd6f557b90 (move the free
// pages first, refuse a block crossing the zone, then retype), f37c0f6876a8 (the move retypes)
// and e0932b6c1f94 (no caller accounting) where they are on.
int set_migratetype_isolate(Ctx& c, int page, Mt mt, int start_pfn, int end_pfn) {
  Scope sc(c, "set_migratetype_isolate", kPI61, [&] { return fmt::format("pfn {}", page); });
  take_zone_lock(c);
  // "If it is already set, then someone else must have raced and set it before us."
  if (is_migrate_isolate_page(c, page)) {
    c.spin_unlock(LOCK_ZONE);
    sc.result("-EBUSY");
    return -kEBUSY;
  }
  int check_start = std::max(page, start_pfn);
  int check_end = std::min(pageblock_end_pfn(c, page), end_pfn);
  if (!c.k.fn.has_unmovable_pages(c, check_start, check_end, mt)) {
    Mt block_mt = c.k.fn.get_pfnblock_migratetype(c, page);
    int nr_pages;
    if (c.k.has(F_BLOCK_CONVERSION_TXN)) {
      nr_pages = c.k.fn.move_freepages_block(c, page, block_mt, Mt::ISOLATE);
      if (nr_pages == -1) {  // "Block spans zone boundaries?"
        c.spin_unlock(LOCK_ZONE);
        sc.result("-EBUSY");
        return -kEBUSY;
      }
      if (!c.k.has(F_ACCOUNT_FREEPAGES)) __mod_zone_freepage_state(c, -nr_pages, block_mt);
      if (!c.k.has(F_MOVE_FREEPAGES_SETS_TYPE)) c.k.fn.set_pageblock_migratetype(c, page, Mt::ISOLATE);
    } else {
      c.k.fn.set_pageblock_migratetype(c, page, Mt::ISOLATE);
      nr_pages = c.k.fn.move_freepages_block(c, page, Mt::ISOLATE, Mt::ISOLATE);
      __mod_zone_freepage_state(c, -nr_pages, block_mt);
    }
    mod_nr_isolate_pageblock(c, 1);
    c.spin_unlock(LOCK_ZONE);
    sc.result("0");
    return 0;
  }
  c.spin_unlock(LOCK_ZONE);
  if (c.recording()) c.note("has_unmovable_pages() found an unmovable page");
  sc.result("-EBUSY");
  return -kEBUSY;
}

// unset_migratetype_isolate(), mm/page_isolation.c, v6.1.8; c0cd6f557b90, f37c0f6876a8 and
// e0932b6c1f94 where they are on.
void unset_migratetype_isolate(Ctx& c, int page, Mt mt) {
  Scope sc(c, "unset_migratetype_isolate", kPI61,
           [&] { return fmt::format("pfn {}, {}", page, mt_name(mt)); });
  take_zone_lock(c);
  if (!is_migrate_isolate_page(c, page)) {
    c.spin_unlock(LOCK_ZONE);
    return;
  }
  bool isolated_page = false;
  int order = 0;
  if (PageBuddy(c, page)) {
    order = buddy_order(c, page);
    if (order >= pageblock_order(c) && order < MAX_PAGE_ORDER(c)) {
      int buddy = page ^ (1 << order);  // find_buddy_page_pfn()
      if (zone_spans_pfn(c, buddy) && PageBuddy(c, buddy) && buddy_order(c, buddy) == order &&
          !is_migrate_isolate_page(c, buddy)) {
        isolated_page = c.k.fn.__isolate_free_page(c, page, order) != 0;
        if (!isolated_page) kernel_warn(c, KC_UNSET_ISOLATE_FREE_PAGE, page);
      }
    }
  }
  if (!isolated_page) {
    int nr_pages = c.k.fn.move_freepages_block(c, page, Mt::ISOLATE, mt);
    // "Isolating this block already succeeded, so this should not fail on zone boundaries."
    if (nr_pages == -1) kernel_warn(c, KC_UNSET_ISOLATE_MOVE, page);
    if (!c.k.has(F_ACCOUNT_FREEPAGES)) __mod_zone_freepage_state(c, nr_pages, mt);
    if (!c.k.has(F_MOVE_FREEPAGES_SETS_TYPE)) c.k.fn.set_pageblock_migratetype(c, page, mt);
  } else {
    c.k.fn.set_pageblock_migratetype(c, page, mt);
    c.k.fn.__putback_isolated_page(c, page, order, mt);
  }
  mod_nr_isolate_pageblock(c, -1);
  c.spin_unlock(LOCK_ZONE);
}

// ---- isolate_single_pageblock(), both shapes -------------------------------------------------

enum IspLoc : uint8_t { I_BOUNDARY, I_BEFORE, I_SKIP, I_MT, I_ISOLATE_PB, I_PFN, I_ORDER, I_N };
enum IspPc : uint8_t { I_ENTRY = 0, I_SCAN, I_ORDER_READ, I_SPLIT, I_FAILED };

std::string describe_isp(const Ctx& c) {
  return fmt::format("boundary {}, isolate_before={}, skip_isolation={}", c.loc(I_BOUNDARY),
                     c.loc(I_BEFORE) ? "true" : "false", c.loc(I_SKIP) ? "true" : "false");
}

// The part both shapes share: pick the block, isolate it (one zone->lock section), bail out
// early when no page can straddle the boundary. Returns true when the scan must run.
bool isp_begin(Ctx& c, int& ret) {
  const int boundary = c.loc(I_BOUNDARY);
  const int isolate_pageblock = c.loc(I_BEFORE) ? boundary - pageblock_nr_pages(c) : boundary;
  c.loc(I_ISOLATE_PB) = static_cast<uint8_t>(isolate_pageblock);
  // "scan at the beginning of MAX_ORDER_NR_PAGES aligned range"
  const int start_pfn = std::max(isolate_pageblock & ~((1 << MAX_PAGE_ORDER(c)) - 1), zone_start_pfn(c));
  ret = 0;
  if (!c.loc(I_SKIP)) {
    ret = c.k.fn.set_migratetype_isolate(c, isolate_pageblock, static_cast<Mt>(c.loc(I_MT)),
                                         isolate_pageblock, isolate_pageblock + pageblock_nr_pages(c));
    if (ret) return false;
  }
  // "Bail out early when the to-be-isolated pageblock does not form a free or in-use page
  // across boundary_pfn"
  if (c.loc(I_BEFORE) ? !pfn_to_online_page(c, boundary) : !pfn_to_online_page(c, boundary - 1)) return false;
  c.loc(I_PFN) = static_cast<uint8_t>(start_pfn);
  return true;
}

// isolate_single_pageblock(), mm/page_isolation.c, v6.1.8: the type is set under zone->lock,
// then the range is scanned without the lock, one PageBuddy()/buddy_order() read per step, and
// a free page straddling the boundary is split by split_free_page() in a later zone->lock
// section. Compound pages are not modelled (their branch cannot be taken here).
Flow run_isp_v6_1(Ctx& c) {
  const int boundary = c.loc(I_BOUNDARY);
  for (;;) {
    switch (c.pc()) {
      case I_ENTRY: {
        int ret;
        if (!isp_begin(c, ret)) return c.ret(ret);
        c.set_pc(I_SCAN);
        break;
      }
      case I_SCAN: {
        const int pfn = c.loc(I_PFN);
        if (pfn >= boundary) return c.ret(0);
        if (c.must_yield()) return c.yield(I_SCAN);
        bool buddy = PageBuddy(c, pfn);  // unlocked read
        c.unlocked_read();
        if (c.recording()) c.note(fmt::format("PageBuddy(pfn {}) = {}", pfn, buddy ? "true" : "false"));
        if (buddy) {
          c.set_pc(I_ORDER_READ);
        } else {
          c.loc(I_PFN) = static_cast<uint8_t>(pfn + 1);
        }
        break;
      }
      case I_ORDER_READ: {
        if (c.must_yield()) return c.yield(I_ORDER_READ);
        const int pfn = c.loc(I_PFN);
        const int order = buddy_order(c, pfn);  // unlocked read, may be stale
        c.unlocked_read();
        c.loc(I_ORDER) = static_cast<uint8_t>(order);
        if (c.recording()) c.note(fmt::format("buddy_order(pfn {}) = {}", pfn, order));
        if (pfn + (1 << order) > boundary) {
          c.set_pc(I_SPLIT);
        } else {
          c.loc(I_PFN) = static_cast<uint8_t>(pfn + (1 << order));
          c.set_pc(I_SCAN);
        }
        break;
      }
      case I_SPLIT: {
        if (c.must_yield()) return c.yield(I_SPLIT);
        const int pfn = c.loc(I_PFN), order = c.loc(I_ORDER);
        // "free page changed before split, check it again"
        if (!c.k.fn.split_free_page(c, pfn, order, boundary - pfn))
          c.loc(I_PFN) = static_cast<uint8_t>(pfn + (1 << order));
        c.set_pc(I_SCAN);
        break;
      }
      default: throw ModelError("isolate_single_pageblock: bad pc");
    }
  }
}
const ProcDef kIspV6_1{"isolate_single_pageblock", kPI61, I_N, run_isp_v6_1, describe_isp, RetKind::Errno,
                       fp_isolate_single_pageblock};

// ---- start_isolate_page_range() / undo_isolate_page_range() ---------------------------------

enum SiprLoc : uint8_t { S_START, S_END, S_MT, S_ISTART, S_IEND, S_SKIP, S_PFN, S_RET, S_N };
enum SiprPc : uint8_t {
  S_ENTRY = 0,
  S_AFTER_FIRST,
  S_CALL_LAST,
  S_AFTER_LAST,
  S_UNSET_FIRST,
  S_MIDDLE,
  S_UNDO,
  S_AFTER_UNDO,
};

std::string describe_range(const Ctx& c) {
  return fmt::format("start={}, end={}, {}", c.loc(0), c.loc(1), mt_name(static_cast<Mt>(c.loc(2))));
}

// start_isolate_page_range(), mm/page_isolation.c, v6.1.8 (unchanged in v6.11): the first
// block, then the last block, then the ones in between, each in its own zone->lock section.
Flow run_start_isolate_page_range(Ctx& c) {
  const int pb = pageblock_nr_pages(c);
  for (;;) {
    switch (c.pc()) {
      case S_ENTRY:
        c.loc(S_ISTART) = static_cast<uint8_t>(pageblock_start_pfn(c, c.loc(S_START)));
        c.loc(S_IEND) = static_cast<uint8_t>(pageblock_align(c, c.loc(S_END)));
        return c.call(P_isolate_single_pageblock, {c.loc(S_ISTART), 0, 0, c.loc(S_MT)}, S_AFTER_FIRST);
      case S_AFTER_FIRST:
        if (c.retval()) return c.ret(c.retval());
        c.loc(S_SKIP) = c.loc(S_ISTART) == c.loc(S_IEND) - pb;
        c.set_pc(S_CALL_LAST);
        break;
      case S_CALL_LAST:
        if (c.must_yield()) return c.yield(S_CALL_LAST);
        return c.call(P_isolate_single_pageblock, {c.loc(S_IEND), 1, c.loc(S_SKIP), c.loc(S_MT)},
                      S_AFTER_LAST);
      case S_AFTER_LAST:
        if (c.retval()) {
          c.loc(S_RET) = static_cast<uint8_t>(-c.retval());
          c.set_pc(S_UNSET_FIRST);
          break;
        }
        c.loc(S_PFN) = static_cast<uint8_t>(c.loc(S_ISTART) + pb);
        c.set_pc(S_MIDDLE);
        break;
      case S_UNSET_FIRST:
        if (c.must_yield()) return c.yield(S_UNSET_FIRST);
        c.k.fn.unset_migratetype_isolate(c, c.loc(S_ISTART), static_cast<Mt>(c.loc(S_MT)));
        return c.ret(-static_cast<int>(c.loc(S_RET)));
      case S_MIDDLE: {
        // "skip isolated pageblocks at the beginning and end"
        const int pfn = c.loc(S_PFN);
        if (pfn >= c.loc(S_IEND) - pb) return c.ret(0);
        if (c.must_yield()) return c.yield(S_MIDDLE);
        if (c.k.fn.set_migratetype_isolate(c, pfn, static_cast<Mt>(c.loc(S_MT)), c.loc(S_START),
                                           c.loc(S_END))) {
          c.set_pc(S_UNDO);
        } else {
          c.loc(S_PFN) = static_cast<uint8_t>(pfn + pb);
        }
        break;
      }
      case S_UNDO:
        if (c.must_yield()) return c.yield(S_UNDO);
        return c.call(P_undo_isolate_page_range, {c.loc(S_ISTART), c.loc(S_PFN), c.loc(S_MT)}, S_AFTER_UNDO);
      case S_AFTER_UNDO:
        if (c.must_yield()) return c.yield(S_AFTER_UNDO);
        c.k.fn.unset_migratetype_isolate(c, c.loc(S_IEND) - pb, static_cast<Mt>(c.loc(S_MT)));
        return c.ret(-kEBUSY);
      default: throw ModelError("start_isolate_page_range: bad pc");
    }
  }
}
const ProcDef kStartIsolatePageRange{"start_isolate_page_range",   kPI61,          S_N,
                                     run_start_isolate_page_range, describe_range, RetKind::Errno,
                                     fp_start_isolate_page_range};

enum UndoLoc : uint8_t { U_START, U_END, U_MT, U_PFN, U_IEND, U_N };
enum UndoPc : uint8_t { U_ENTRY = 0, U_LOOP, U_UNSET };

// undo_isolate_page_range(), mm/page_isolation.c, v6.11 (same loop in v6.1.8): every block
// still isolated goes back to the given type; the check of each block is an unlocked read.
Flow run_undo_isolate_page_range(Ctx& c) {
  for (;;) {
    switch (c.pc()) {
      case U_ENTRY:
        c.loc(U_PFN) = static_cast<uint8_t>(pageblock_start_pfn(c, c.loc(U_START)));
        c.loc(U_IEND) = static_cast<uint8_t>(pageblock_align(c, c.loc(U_END)));
        c.set_pc(U_LOOP);
        break;
      case U_LOOP: {
        const int pfn = c.loc(U_PFN);
        if (pfn >= c.loc(U_IEND)) return c.ret();
        if (c.must_yield()) return c.yield(U_LOOP);
        bool isolated = is_migrate_isolate_page(c, pfn);  // unlocked read
        c.unlocked_read();
        if (isolated) {
          c.set_pc(U_UNSET);
        } else {
          c.loc(U_PFN) = static_cast<uint8_t>(pfn + pageblock_nr_pages(c));
        }
        break;
      }
      case U_UNSET:
        if (c.must_yield()) return c.yield(U_UNSET);
        c.k.fn.unset_migratetype_isolate(c, c.loc(U_PFN), static_cast<Mt>(c.loc(U_MT)));
        c.loc(U_PFN) = static_cast<uint8_t>(c.loc(U_PFN) + pageblock_nr_pages(c));
        c.set_pc(U_LOOP);
        break;
      default: throw ModelError("undo_isolate_page_range: bad pc");
    }
  }
}
const ProcDef kUndoIsolatePageRange{"undo_isolate_page_range",   kPI61,          U_N,
                                    run_undo_isolate_page_range, describe_range, RetKind::Void,
                                    fp_undo_isolate_page_range};

// ---- footprints (model/footprint.hpp) ---------------------------------------------------------
// Each function declares the next step of a frame at its pc: the code from that pc up to and
// including its first shared-memory region, through calls, and may_return() where the frame can
// return before any region (the caller's code then runs on in the same step).

// The zone->lock sections of set_migratetype_isolate() and unset_migratetype_isolate() (either
// shape) on the pageblock of pfn: the buddies of its MAX_PAGE_ORDER block, on the lists of its
// blocks' types, of MIGRATE_ISOLATE and of the type given back.
// With hugetlb, has_unmovable_pages() also reads the folio state of the block's hugetlb slots,
// which the resource numbering does not name (model/footprint.hpp): everything.
void fp_set_isolate(const Ctx& c, Footprint& fp, int pfn) {
  if (has_hugetlb(c)) return fp.set_everything();
  fp_zone_section(c, fp, pfn, mt_bit(Mt::ISOLATE), false);
}
void fp_unset_isolate(const Ctx& c, Footprint& fp, int pfn, Mt mt) {
  fp_zone_section(c, fp, pfn, mt_bit(Mt::ISOLATE) | mt_bit(mt) | mt_bit(Mt::MOVABLE), false);
}

// One read of the unlocked scan at pfn, or the return when the scan is over.
bool fp_isp_scan(Footprint& fp, int pfn, int boundary) {
  if (pfn >= boundary) return true;
  fp.read_page(pfn);
  return false;
}

// isolate_single_pageblock() from its entry; true if it can return before any region.
bool fp_isp_entry(const Ctx& c, Footprint& fp, int boundary, bool before, bool skip) {
  const int isolate_pageblock = before ? boundary - pageblock_nr_pages(c) : boundary;
  if (!skip) {
    fp_set_isolate(c, fp, isolate_pageblock);
    return false;
  }
  if (before ? !pfn_to_online_page(c, boundary) : !pfn_to_online_page(c, boundary - 1)) return true;
  return fp_isp_scan(fp, std::max(isolate_pageblock & ~((1 << MAX_PAGE_ORDER(c)) - 1), 0), boundary);
}

void fp_isolate_single_pageblock(const Ctx& c, Footprint& fp) {
  const int boundary = c.loc(I_BOUNDARY);
  switch (c.pc()) {
    case I_ENTRY:
      if (fp_isp_entry(c, fp, boundary, c.loc(I_BEFORE), c.loc(I_SKIP))) fp.may_return();
      return;
    case I_SCAN:
      if (fp_isp_scan(fp, c.loc(I_PFN), boundary)) fp.may_return();
      return;
    case I_ORDER_READ: fp.read_page(c.loc(I_PFN)); return;
    case I_SPLIT: fp_zone_section(c, fp, c.loc(I_PFN), 0, false); return;  // split_free_page()
    default: fp.set_everything(); return;
  }
}

// undo_isolate_page_range() at U_LOOP with pfn; true if it can return before any region.
bool fp_undo_loop(const Ctx& c, Footprint& fp, int pfn, int iend) {
  if (pfn >= iend) return true;
  fp.read_pageblock(c.L.geo.pageblock_of(pfn));  // is_migrate_isolate_page(), unlocked
  return false;
}

void fp_undo_isolate_page_range(const Ctx& c, Footprint& fp) {
  switch (c.pc()) {
    case U_ENTRY:
      if (fp_undo_loop(c, fp, pageblock_start_pfn(c, c.loc(U_START)), pageblock_align(c, c.loc(U_END))))
        fp.may_return();
      return;
    case U_LOOP:
      if (fp_undo_loop(c, fp, c.loc(U_PFN), c.loc(U_IEND))) fp.may_return();
      return;
    case U_UNSET: fp_unset_isolate(c, fp, c.loc(U_PFN), static_cast<Mt>(c.loc(U_MT))); return;
    default: fp.set_everything(); return;
  }
}

// start_isolate_page_range() from pc; true if it can return before any region.
bool fp_sipr_from(const Ctx& c, Footprint& fp, int pc) {
  const int pb = pageblock_nr_pages(c);
  const int istart = c.loc(S_ISTART), iend = c.loc(S_IEND);
  const Mt mt = static_cast<Mt>(c.loc(S_MT));
  switch (pc) {
    case S_ENTRY: return fp_isp_entry(c, fp, pageblock_start_pfn(c, c.loc(S_START)), false, false);
    case S_AFTER_FIRST:  // the retval decides: return it, or go on to the last block
      fp_sipr_from(c, fp, S_CALL_LAST);
      return true;
    case S_CALL_LAST: {
      const bool skip = istart == iend - pb;
      return fp_isp_entry(c, fp, iend, true, skip) && fp_sipr_from(c, fp, S_AFTER_LAST);
    }
    case S_AFTER_LAST: {  // the retval decides: unset the first block, or the middle loop
      fp_unset_isolate(c, fp, istart, mt);
      const int pfn = istart + pb;
      if (pfn >= iend - pb) return true;
      fp_set_isolate(c, fp, pfn);
      return false;
    }
    case S_UNSET_FIRST: fp_unset_isolate(c, fp, istart, mt); return false;
    case S_MIDDLE: {
      const int pfn = c.loc(S_PFN);
      if (pfn >= iend - pb) return true;
      fp_set_isolate(c, fp, pfn);
      return false;
    }
    case S_UNDO:
      if (fp_undo_loop(c, fp, pageblock_start_pfn(c, istart), pageblock_align(c, c.loc(S_PFN))))
        return fp_sipr_from(c, fp, S_AFTER_UNDO);
      return false;
    case S_AFTER_UNDO: fp_unset_isolate(c, fp, iend - pb, mt); return false;
    default: fp.set_everything(); return false;
  }
}

void fp_start_isolate_page_range(const Ctx& c, Footprint& fp) {
  if (fp_sipr_from(c, fp, c.pc())) fp.may_return();
}

// ---- test_pages_isolated() ---------------------------------------------------------------------

enum TestLoc : uint8_t { T_START, T_END, T_FLAGS, T_PFN, T_N };
enum TestPc : uint8_t { T_ENTRY = 0, T_BLOCKS, T_LOCKED, T_FLUSH };
inline constexpr int MEMORY_OFFLINE = 0x1;

std::string describe_test(const Ctx& c) {
  return fmt::format("pfns {}-{}{}", c.loc(T_START), c.loc(T_END) - 1,
                     c.loc(T_FLAGS) ? ", MEMORY_OFFLINE" : "");
}

// test_pages_isolated(), mm/page_isolation.c, v6.1.8 (the same in v7.1.8): a lockless look at
// each pageblock's type (one step each), then under zone->lock __test_page_isolated_in_pageblock()
// walks the range: every page must be in a free buddy ("If the page is on a free list, it has to
// be on the correct MIGRATE_ISOLATE freelist. There is no simple way to verify that as
// VM_BUG_ON(), though." -- the model's freelist-hygiene checks it). No page is PageHWPoison or
// PageOffline here.
// With 67bab13307c8 (v6.14; v7.1.8) it starts with wait_for_freed_hugetlb_folios()
// (mm/hugetlb.c, v7.1.8): when hpage_freelist is not empty, flush_work(&free_hpage_work) waits
// until the worker has freed what was queued (the model waits for the worker to go idle).
Flow run_test_pages_isolated(Ctx& c) {
  const int end = c.loc(T_END);
  for (;;) {
    switch (c.pc()) {
      case T_ENTRY:
        c.loc(T_PFN) = c.loc(T_START);
        if (c.k.has(F_WAIT_FREED_HUGETLB) && has_hugetlb(c)) {
          bool empty = c.s.head(c.L.hugetlb_list(HL_HPAGE_LLIST)) == NIL;  // llist_empty()
          c.unlocked_read();
          if (!empty) {
            c.set_pc(T_FLUSH);
            return c.yield(T_FLUSH);
          }
        }
        c.set_pc(T_BLOCKS);
        break;
      case T_FLUSH:
        if (!free_hpage_work_idle(c)) return Flow::Blocked;  // flush_work() sleeps
        c.unlocked_read();
        if (c.recording()) c.note("flush_work(&free_hpage_work) returns: the deferred frees are done");
        c.set_pc(T_BLOCKS);
        break;
      case T_BLOCKS: {
        const int pfn = c.loc(T_PFN);
        if (pfn >= end) {
          c.set_pc(T_LOCKED);
          break;
        }
        if (c.must_yield()) return c.yield(T_BLOCKS);
        bool isolated = is_migrate_isolate_page(c, pfn);  // lockless
        c.unlocked_read();
        if (!isolated) {
          if (c.recording()) c.note(fmt::format("pageblock {} is not isolated", c.L.geo.pageblock_of(pfn)));
          c.observe(Observation{Obs::TestIsolatedBusy, 0, c.loc(T_START), 0, end});
          return c.ret(-kEBUSY);
        }
        c.loc(T_PFN) = static_cast<uint8_t>(pageblock_start_pfn(c, pfn) + pageblock_nr_pages(c));
        break;
      }
      case T_LOCKED: {
        if (c.must_yield()) return c.yield(T_LOCKED);
        take_zone_lock(c);
        int pfn = c.loc(T_START);
        while (pfn < end) {
          if (PageBuddy(c, pfn))
            pfn += 1 << buddy_order(c, pfn);
          else
            break;
        }
        if (pfn < end) c.observe(Observation{Obs::TestIsolatedBusy, 0, c.loc(T_START), 0, end});
        c.spin_unlock(LOCK_ZONE);
        if (pfn < end && c.recording()) c.note(fmt::format("pfn {} is not free", pfn));
        return c.ret(pfn < end ? -kEBUSY : 0);
      }
      default: throw ModelError("test_pages_isolated: bad pc");
    }
  }
}
// Each step of test_pages_isolated(): one lockless look at a pageblock's type (a block not
// isolated returns -EBUSY at once), then the zone->lock walk over the range's pages.
void fp_test_pages_isolated(const Ctx& c, Footprint& fp) {
  const int end = c.loc(T_END);
  fp.may_return(true);
  // With hugetlb: wait_for_freed_hugetlb_folios() reads hpage_freelist and the worker's stack,
  // and the -EBUSY it returns is an event the deferred-free-isolated property judges by the
  // hugetlb lists and the worker (properties/hotplug.cpp): declared everything.
  if (has_hugetlb(c)) return fp.set_everything();
  switch (c.pc()) {
    case T_ENTRY:
    case T_BLOCKS: {
      const int pfn = c.pc() == T_ENTRY ? c.loc(T_START) : c.loc(T_PFN);
      if (pfn < end) {
        fp.read_pageblock(c.L.geo.pageblock_of(pfn));
        return;
      }
      [[fallthrough]];
    }
    case T_LOCKED:
      fp.lock(LOCK_ZONE);
      fp.read_pages(c.loc(T_START), end);
      return;
    default: fp.set_everything(); return;
  }
}
const ProcDef kTestPagesIsolated{"test_pages_isolated",   kPI61,         T_N,
                                 run_test_pages_isolated, describe_test, RetKind::Errno,
                                 fp_test_pages_isolated};

}  // namespace

// ---- v6.10 replacements (fd919a85cd55) --------------------------------------------------------
namespace hygiene {

// set_migratetype_isolate(), mm/page_isolation.c, v6.11 (fd919a85cd55): isolation and the
// split of a straddling free buddy in one zone->lock section. v6.17's body is the same (what
// changed is inside move_freepages_block_isolate()); `cite` names the source read.
int set_migratetype_isolate_cited(Ctx& c, const char* cite, int page, Mt mt, int start_pfn, int end_pfn) {
  Scope sc(c, "set_migratetype_isolate", cite, [&] { return fmt::format("pfn {}", page); });
  take_zone_lock(c);
  if (is_migrate_isolate_page(c, page)) {
    c.spin_unlock(LOCK_ZONE);
    sc.result("-EBUSY");
    return -kEBUSY;
  }
  int check_start = std::max(page, start_pfn);
  int check_end = std::min(pageblock_end_pfn(c, page), end_pfn);
  if (!c.k.fn.has_unmovable_pages(c, check_start, check_end, mt)) {
    if (!c.k.fn.move_freepages_block_isolate(c, page, Mt::ISOLATE)) {
      c.spin_unlock(LOCK_ZONE);
      sc.result("-EBUSY");
      return -kEBUSY;
    }
    mod_nr_isolate_pageblock(c, 1);
    c.spin_unlock(LOCK_ZONE);
    sc.result("0");
    return 0;
  }
  c.spin_unlock(LOCK_ZONE);
  if (c.recording()) c.note("has_unmovable_pages() found an unmovable page");
  sc.result("-EBUSY");
  return -kEBUSY;
}
int set_migratetype_isolate(Ctx& c, int page, Mt mt, int start_pfn, int end_pfn) {
  return set_migratetype_isolate_cited(c, kPI611, page, mt, start_pfn, end_pfn);
}

// unset_migratetype_isolate(), mm/page_isolation.c, v6.11 (fd919a85cd55)
void unset_migratetype_isolate(Ctx& c, int page, Mt mt) {
  Scope sc(c, "unset_migratetype_isolate", kPI611,
           [&] { return fmt::format("pfn {}, {}", page, mt_name(mt)); });
  take_zone_lock(c);
  if (!is_migrate_isolate_page(c, page)) {
    c.spin_unlock(LOCK_ZONE);
    return;
  }
  bool isolated_page = false;
  int order = 0;
  if (PageBuddy(c, page)) {
    order = buddy_order(c, page);
    if (order >= pageblock_order(c) && order < MAX_PAGE_ORDER(c)) {
      int buddy = page ^ (1 << order);  // find_buddy_page_pfn()
      if (zone_spans_pfn(c, buddy) && PageBuddy(c, buddy) && buddy_order(c, buddy) == order &&
          !is_migrate_isolate_page(c, buddy)) {
        isolated_page = c.k.fn.__isolate_free_page(c, page, order) != 0;
        if (!isolated_page) kernel_warn(c, KC_UNSET_ISOLATE_FREE_PAGE, page);
      }
    }
  }
  if (!isolated_page) {
    // "Isolating this block already succeeded, so this should not fail on zone boundaries."
    if (!c.k.fn.move_freepages_block_isolate(c, page, mt)) kernel_warn(c, KC_UNSET_ISOLATE_MOVE, page);
  } else {
    c.k.fn.set_pageblock_migratetype(c, page, mt);
    c.k.fn.__putback_isolated_page(c, page, order, mt);
  }
  mod_nr_isolate_pageblock(c, -1);
  c.spin_unlock(LOCK_ZONE);
}

namespace {
// isolate_single_pageblock(), mm/page_isolation.c, v6.11 (fd919a85cd55): straddling free
// buddies were split when the block was isolated, so the scan only skips over free pages and
// warns if one still crosses the boundary.
Flow run_isp_v6_10(Ctx& c) {
  const int boundary = c.loc(I_BOUNDARY);
  for (;;) {
    switch (c.pc()) {
      case I_ENTRY: {
        int ret;
        if (!isp_begin(c, ret)) return c.ret(ret);
        c.set_pc(I_SCAN);
        break;
      }
      case I_SCAN: {
        const int pfn = c.loc(I_PFN);
        if (pfn >= boundary) return c.ret(0);
        if (c.must_yield()) return c.yield(I_SCAN);
        bool buddy = PageBuddy(c, pfn);  // unlocked read
        c.unlocked_read();
        if (c.recording()) c.note(fmt::format("PageBuddy(pfn {}) = {}", pfn, buddy ? "true" : "false"));
        if (buddy) {
          c.set_pc(I_ORDER_READ);
        } else {
          c.loc(I_PFN) = static_cast<uint8_t>(pfn + 1);
        }
        break;
      }
      case I_ORDER_READ: {
        if (c.must_yield()) return c.yield(I_ORDER_READ);
        const int pfn = c.loc(I_PFN);
        const int order = buddy_order(c, pfn);  // unlocked read
        c.unlocked_read();
        if (c.recording()) c.note(fmt::format("buddy_order(pfn {}) = {}", pfn, order));
        // "move_freepages_block_isolate() handled this"
        if (pfn + (1 << order) > boundary) kernel_warn(c, KC_ISOLATE_SCAN_STRADDLE, pfn, order, boundary);
        c.loc(I_PFN) = static_cast<uint8_t>(std::min(pfn + (1 << order), 255));
        c.set_pc(I_SCAN);
        break;
      }
      default: throw ModelError("isolate_single_pageblock: bad pc");
    }
  }
}
}  // namespace

const ProcDef isolate_single_pageblock{
    "isolate_single_pageblock", kPI611, I_N, run_isp_v6_10, describe_isp, RetKind::Errno,
    fp_isolate_single_pageblock};

}  // namespace hygiene

namespace v6_17 {

// set_migratetype_isolate(), mm/page_isolation.c, v7.1.8 (v6.17: pageblock_isolate_and_move_free_pages();
// the migratetype argument has become a mode: CMA allocation or not).
int set_migratetype_isolate(Ctx& c, int page, Mt mt, int start_pfn, int end_pfn) {
  return hygiene::set_migratetype_isolate_cited(c, kPI71, page, mt, start_pfn, end_pfn);
}

// unset_migratetype_isolate(), mm/page_isolation.c, v7.1.8: no migratetype argument; the block
// gets back the type its bits kept.
void unset_migratetype_isolate(Ctx& c, int page, Mt) {
  Scope sc(c, "unset_migratetype_isolate", kPI71, [&] { return fmt::format("pfn {}", page); });
  take_zone_lock(c);
  if (!is_migrate_isolate_page(c, page)) {
    c.spin_unlock(LOCK_ZONE);
    return;
  }
  bool isolated_page = false;
  int order = 0;
  if (PageBuddy(c, page)) {
    order = buddy_order(c, page);
    if (order >= pageblock_order(c) && order < MAX_PAGE_ORDER(c)) {
      int buddy = find_buddy_page_pfn(c, page, order);
      if (buddy >= 0 && !is_migrate_isolate_page(c, buddy)) {
        isolated_page = c.k.fn.__isolate_free_page(c, page, order) != 0;
        if (!isolated_page) kernel_warn(c, KC_UNSET_ISOLATE_FREE_PAGE, page);
      }
    }
  }
  if (!isolated_page) {
    // "Isolating this block already succeeded, so this should not fail on zone boundaries."
    if (!c.k.fn.move_freepages_block_isolate(c, page, Mt::MOVABLE))
      kernel_warn(c, KC_UNSET_ISOLATE_MOVE, page);
  } else {
    int pb = c.L.geo.pageblock_of(page);
    c.set_pb_bits(pb,
                  static_cast<uint8_t>(c.s.pb_bits(pb) & ~PB_migrate_isolate));  // clear_pageblock_isolate()
    c.k.fn.__putback_isolated_page(c, page, order, c.k.fn.get_pfnblock_migratetype(c, page));
  }
  mod_nr_isolate_pageblock(c, -1);
  c.spin_unlock(LOCK_ZONE);
}

}  // namespace v6_17

void fill_page_isolation(Kernel& k) {
  k.fn.has_unmovable_pages = has_unmovable_pages;
  k.fn.set_migratetype_isolate = set_migratetype_isolate;
  k.fn.unset_migratetype_isolate = unset_migratetype_isolate;
  k.procs[P_start_isolate_page_range] = &kStartIsolatePageRange;
  k.procs[P_isolate_single_pageblock] = &kIspV6_1;
  k.procs[P_undo_isolate_page_range] = &kUndoIsolatePageRange;
  k.procs[P_test_pages_isolated] = &kTestPagesIsolated;
}

}  // namespace pagecheck::model

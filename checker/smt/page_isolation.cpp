// mm/page_isolation.c, encoded for Z3: the encoding of model/kernel/page_isolation.cpp, function
// by function, with the kernel sources that file cites. Program counters and local numbers are
// the explicit procedures' own (the state layout shares them); the differential test checks
// that they still are.
#include <fmt/format.h>

#include "checker/smt/kernel.hpp"

namespace pagecheck::smt {

using model::Counter;
using model::Mt;
using model::NIL;

namespace {

Int mtv(const Exec& x, Mt mt) {
  return x.I(static_cast<int>(mt));
}
int pb_pages(const Exec& x) {
  return x.L.geo.pageblock_nr_pages();
}
// is_migrate_isolate_page(), include/linux/page-isolation.h, v6.1.8
Bool is_migrate_isolate_page(Exec& x, const Int& pfn) {
  return is_migrate_isolate(x, x.K.get_pfnblock_migratetype(x, pfn));
}
// pfn_to_online_page(), mm/memory_hotplug.c, v6.1.8: the modelled zone is one online section.
Bool pfn_to_online_page(Exec& x, const Int& pfn) {
  return zone_spans_pfn(x, pfn);
}

// zone->nr_isolate_pageblock exists from ad53f92eb416 (v3.18).
void mod_nr_isolate_pageblock(Exec& x, int delta) {
  if (x.k.has(model::F_ISOLATE_RECHECK_ON_FREE)) x.mod_counter(Counter::nr_isolate_pageblock, x.I(delta));
}

}  // namespace

void enc___mod_zone_freepage_state(Exec& x, const Int& nr_pages, const Int& mt);

namespace {

// has_unmovable_pages(), mm/page_isolation.c, v6.1.8 (same in v6.11). The range lies in one
// pageblock: at most pageblock_nr_pages pfns.
Bool has_unmovable_pages(Exec& x, const Int& start_pfn, const Int& end_pfn, const Int& mt) {
  const Bool cma_block = is_migrate_cma(x, x.K.get_pfnblock_migratetype(x, start_pfn));
  Bool found = x.F(), done = x.F();
  Int pfn = start_pfn;
  for (int it = 0; it < pb_pages(x); ++it) {
    const Bool run = land(lnot(done), lt(pfn, end_pfn));
    const Int f = x.flags(pfn);
    const Bool reserved = ne(band(f, x.I(model::PG_reserved)), x.I(0));
    const Bool unused = eq(x.owner(pfn), x.I(model::OWNER_NONE));  // !page_ref_count(page)
    const Bool lru = ne(band(f, x.I(model::PG_lru)), x.I(0));      // __PageMovable || PageLRU
    const Bool unmovable = lor(reserved, land(lnot(unused), lnot(lru)));
    found = lor(found, land(run, unmovable));
    done = lor(done, land(run, unmovable));
    const Bool skip_buddy = land(lnot(reserved), land(unused, PageBuddy(x, pfn)));
    pfn = cond(skip_buddy, add(pfn, shift_left(x.I(1), buddy_order(x, pfn))), add(pfn, x.I(1)));
  }
  return cond(cma_block, lnot(is_migrate_cma(x, mt)), found);
}

// set_migratetype_isolate(), mm/page_isolation.c, v6.1.8; c0cd6f557b90, f37c0f6876a8 and
// e0932b6c1f94 where they are on. One zone->lock section.
Int set_migratetype_isolate(Exec& x, const Int& page, const Int& mt, const Int& start_pfn,
                            const Int& end_pfn) {
  x.spin_lock_zone();
  Int ret = x.I(-model::kEBUSY);
  // "If it is already set, then someone else must have raced and set it before us."
  const Bool already = is_migrate_isolate_page(x, page);
  {
    Exec::When w(x, lnot(already));
    const Int check_start = smax(page, start_pfn);
    const Int check_end = smin(pageblock_end_pfn(x, page), end_pfn);
    const Bool movable = lnot(x.K.has_unmovable_pages(x, check_start, check_end, mt));
    Exec::When m(x, movable);
    const Int block_mt = x.K.get_pfnblock_migratetype(x, page);
    if (x.k.has(model::F_BLOCK_CONVERSION_TXN)) {
      const Int nr_pages = x.K.move_freepages_block(x, page, block_mt, mtv(x, Mt::ISOLATE));
      const Bool spans = eq(nr_pages, x.I(-1));  // "Block spans zone boundaries?"
      Exec::When ok(x, lnot(spans));
      if (!x.k.has(model::F_ACCOUNT_FREEPAGES))
        enc___mod_zone_freepage_state(x, sub(x.I(0), nr_pages), block_mt);
      if (!x.k.has(model::F_MOVE_FREEPAGES_SETS_TYPE))
        x.K.set_pageblock_migratetype(x, page, mtv(x, Mt::ISOLATE));
      mod_nr_isolate_pageblock(x, 1);
      x.assign(ret, x.I(0));
    } else {
      x.K.set_pageblock_migratetype(x, page, mtv(x, Mt::ISOLATE));
      const Int nr_pages = x.K.move_freepages_block(x, page, mtv(x, Mt::ISOLATE), mtv(x, Mt::ISOLATE));
      enc___mod_zone_freepage_state(x, sub(x.I(0), nr_pages), block_mt);
      mod_nr_isolate_pageblock(x, 1);
      x.assign(ret, x.I(0));
    }
  }
  x.spin_unlock_zone();
  return ret;
}

// unset_migratetype_isolate(), mm/page_isolation.c, v6.1.8; c0cd6f557b90, f37c0f6876a8 and
// e0932b6c1f94 where they are on; with fd919a85cd55 (`hygienic`) the v6.11 body. One zone->lock
// section.
void unset_migratetype_isolate_common(Exec& x, const Int& page, const Int& mt, bool hygienic) {
  x.spin_lock_zone();
  {
    Exec::When w(x, is_migrate_isolate_page(x, page));
    const Bool buddy_page = PageBuddy(x, page);
    const Int order = cond(buddy_page, buddy_order(x, page), x.I(0));
    const Bool large =
        land(buddy_page, land(ge(order, x.I(x.L.geo.pageblock_order)), lt(order, x.I(x.L.geo.max_order))));
    const Int buddy = bxor(page, shift_left(x.I(1), order));  // find_buddy_page_pfn()
    const Bool take =
        land(large, land(land(zone_spans_pfn(x, buddy), PageBuddy(x, buddy)),
                         land(eq(buddy_order(x, buddy), order), lnot(is_migrate_isolate_page(x, buddy)))));
    Bool isolated_page = x.F();
    {
      Exec::When t(x, take);
      const Bool got = ne(x.K.__isolate_free_page(x, page, order), x.I(0));
      {
        Exec::When n(x, lnot(got));
        kernel_warn(x, model::KC_UNSET_ISOLATE_FREE_PAGE, page);
      }
      isolated_page = land(take, got);
    }
    {
      Exec::When n(x, lnot(isolated_page));
      if (hygienic) {
        // "Isolating this block already succeeded, so this should not fail on zone boundaries."
        const Bool moved = x.K.move_freepages_block_isolate(x, page, mt);
        Exec::When f(x, lnot(moved));
        kernel_warn(x, model::KC_UNSET_ISOLATE_MOVE, page);
      } else {
        const Int nr_pages = x.K.move_freepages_block(x, page, mtv(x, Mt::ISOLATE), mt);
        {
          Exec::When f(x, eq(nr_pages, x.I(-1)));
          kernel_warn(x, model::KC_UNSET_ISOLATE_MOVE, page);
        }
        if (!x.k.has(model::F_ACCOUNT_FREEPAGES)) enc___mod_zone_freepage_state(x, nr_pages, mt);
        if (!x.k.has(model::F_MOVE_FREEPAGES_SETS_TYPE)) x.K.set_pageblock_migratetype(x, page, mt);
      }
    }
    {
      Exec::When i(x, isolated_page);
      x.K.set_pageblock_migratetype(x, page, mt);
      x.K.__putback_isolated_page(x, page, order, mt);
    }
    mod_nr_isolate_pageblock(x, -1);
  }
  x.spin_unlock_zone();
}
// unset_migratetype_isolate(), mm/page_isolation.c, v6.1.8 (the body above, pre-fd919a85cd55 form)
void unset_migratetype_isolate(Exec& x, const Int& page, const Int& mt) {
  unset_migratetype_isolate_common(x, page, mt, false);
}

// ---- isolate_single_pageblock(), both shapes -------------------------------------------------

enum IspLoc : uint8_t { I_BOUNDARY, I_BEFORE, I_SKIP, I_MT, I_ISOLATE_PB, I_PFN, I_ORDER, I_N };
enum IspPc : uint8_t { I_ENTRY = 0, I_SCAN, I_ORDER_READ, I_SPLIT, I_FAILED };

// The part both shapes share (isp_begin in the model): returns true when the scan must run.
bool isp_begin(Exec& x, Int& ret) {
  const Int boundary = x.loc(I_BOUNDARY);
  const Bool before = ne(x.loc(I_BEFORE), x.I(0));
  const Int isolate_pageblock = cond(before, sub(boundary, x.I(pb_pages(x))), boundary);
  x.set_loc(I_ISOLATE_PB, isolate_pageblock);
  // "scan at the beginning of MAX_ORDER_NR_PAGES aligned range"
  const Int start_pfn = smax(band(isolate_pageblock, x.I(~((1 << x.L.geo.max_order) - 1))), x.I(0));
  ret = x.I(0);
  if (!x.decide(ne(x.loc(I_SKIP), x.I(0)))) {
    ret = x.K.set_migratetype_isolate(x, isolate_pageblock, x.loc(I_MT), isolate_pageblock,
                                      add(isolate_pageblock, x.I(pb_pages(x))));
    if (x.decide(ne(ret, x.I(0)))) return false;
  }
  // "Bail out early when the to-be-isolated pageblock does not form a free or in-use page
  // across boundary_pfn"
  const Bool bail =
      cond(before, lnot(pfn_to_online_page(x, boundary)), lnot(pfn_to_online_page(x, sub(boundary, x.I(1)))));
  if (x.decide(bail)) return false;
  x.set_loc(I_PFN, start_pfn);
  return true;
}

// isolate_single_pageblock(), mm/page_isolation.c, v6.1.8: unlocked scan, split_free_page().
model::Flow run_isp_v6_1(Exec& x) {
  const Int boundary = x.loc(I_BOUNDARY);
  for (;;) {
    switch (x.pc()) {
      case I_ENTRY: {
        Int ret = x.I(0);
        if (!isp_begin(x, ret)) return x.ret(ret);
        x.set_pc(I_SCAN);
        break;
      }
      case I_SCAN: {
        const Int pfn = x.loc(I_PFN);
        if (x.decide(ge(pfn, boundary))) return x.ret(x.I(0));
        if (x.must_yield()) return x.yield(I_SCAN);
        const Bool buddy = PageBuddy(x, pfn);  // unlocked read
        x.unlocked_read();
        if (x.decide(buddy))
          x.set_pc(I_ORDER_READ);
        else
          x.set_loc(I_PFN, add(pfn, x.I(1)));
        break;
      }
      case I_ORDER_READ: {
        if (x.must_yield()) return x.yield(I_ORDER_READ);
        const Int pfn = x.loc(I_PFN);
        const Int order = buddy_order(x, pfn);  // unlocked read, may be stale
        x.unlocked_read();
        x.set_loc(I_ORDER, order);
        if (x.decide(gt(add(pfn, shift_left(x.I(1), order)), boundary))) {
          x.set_pc(I_SPLIT);
        } else {
          x.set_loc(I_PFN, add(pfn, shift_left(x.I(1), order)));
          x.set_pc(I_SCAN);
        }
        break;
      }
      case I_SPLIT: {
        if (x.must_yield()) return x.yield(I_SPLIT);
        const Int pfn = x.loc(I_PFN), order = x.loc(I_ORDER);
        // "free page changed before split, check it again"
        const Int r = x.K.split_free_page(x, pfn, order, sub(boundary, pfn));
        {
          Exec::When w(x, eq(r, x.I(0)));
          x.set_loc(I_PFN, add(pfn, shift_left(x.I(1), order)));
        }
        x.set_pc(I_SCAN);
        break;
      }
      default: throw ModelError("isolate_single_pageblock: bad pc");
    }
  }
}

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

// start_isolate_page_range(), mm/page_isolation.c, v6.1.8 (unchanged in v6.11)
model::Flow run_start_isolate_page_range(Exec& x) {
  const int pb = pb_pages(x);
  for (;;) {
    switch (x.pc()) {
      case S_ENTRY:
        x.set_loc(S_ISTART, pageblock_start_pfn(x, x.loc(S_START)));
        x.set_loc(S_IEND, pageblock_align(x, x.loc(S_END)));
        return x.call(model::P_isolate_single_pageblock, {x.loc(S_ISTART), x.I(0), x.I(0), x.loc(S_MT)},
                      S_AFTER_FIRST);
      case S_AFTER_FIRST:
        if (x.decide(ne(x.retval, x.I(0)))) return x.ret(x.retval);
        x.set_loc(S_SKIP, cond(eq(x.loc(S_ISTART), sub(x.loc(S_IEND), x.I(pb))), x.I(1), x.I(0)));
        x.set_pc(S_CALL_LAST);
        break;
      case S_CALL_LAST:
        if (x.must_yield()) return x.yield(S_CALL_LAST);
        return x.call(model::P_isolate_single_pageblock, {x.loc(S_IEND), x.I(1), x.loc(S_SKIP), x.loc(S_MT)},
                      S_AFTER_LAST);
      case S_AFTER_LAST:
        if (x.decide(ne(x.retval, x.I(0)))) {
          x.set_loc(S_RET, sub(x.I(0), x.retval));
          x.set_pc(S_UNSET_FIRST);
          break;
        }
        x.set_loc(S_PFN, add(x.loc(S_ISTART), x.I(pb)));
        x.set_pc(S_MIDDLE);
        break;
      case S_UNSET_FIRST:
        if (x.must_yield()) return x.yield(S_UNSET_FIRST);
        x.K.unset_migratetype_isolate(x, x.loc(S_ISTART), x.loc(S_MT));
        return x.ret(sub(x.I(0), x.loc(S_RET)));
      case S_MIDDLE: {
        // "skip isolated pageblocks at the beginning and end"
        const Int pfn = x.loc(S_PFN);
        if (x.decide(ge(pfn, sub(x.loc(S_IEND), x.I(pb))))) return x.ret(x.I(0));
        if (x.must_yield()) return x.yield(S_MIDDLE);
        const Int r = x.K.set_migratetype_isolate(x, pfn, x.loc(S_MT), x.loc(S_START), x.loc(S_END));
        if (x.decide(ne(r, x.I(0))))
          x.set_pc(S_UNDO);
        else
          x.set_loc(S_PFN, add(pfn, x.I(pb)));
        break;
      }
      case S_UNDO:
        if (x.must_yield()) return x.yield(S_UNDO);
        return x.call(model::P_undo_isolate_page_range, {x.loc(S_ISTART), x.loc(S_PFN), x.loc(S_MT)},
                      S_AFTER_UNDO);
      case S_AFTER_UNDO:
        if (x.must_yield()) return x.yield(S_AFTER_UNDO);
        x.K.unset_migratetype_isolate(x, sub(x.loc(S_IEND), x.I(pb)), x.loc(S_MT));
        return x.ret(x.I(-model::kEBUSY));
      default: throw ModelError("start_isolate_page_range: bad pc");
    }
  }
}

enum UndoLoc : uint8_t { U_START, U_END, U_MT, U_PFN, U_IEND, U_N };
enum UndoPc : uint8_t { U_ENTRY = 0, U_LOOP, U_UNSET };

// undo_isolate_page_range(), mm/page_isolation.c, v6.11 (same loop in v6.1.8)
model::Flow run_undo_isolate_page_range(Exec& x) {
  for (;;) {
    switch (x.pc()) {
      case U_ENTRY:
        x.set_loc(U_PFN, pageblock_start_pfn(x, x.loc(U_START)));
        x.set_loc(U_IEND, pageblock_align(x, x.loc(U_END)));
        x.set_pc(U_LOOP);
        break;
      case U_LOOP: {
        const Int pfn = x.loc(U_PFN);
        if (x.decide(ge(pfn, x.loc(U_IEND)))) return x.ret();
        if (x.must_yield()) return x.yield(U_LOOP);
        const Bool isolated = is_migrate_isolate_page(x, pfn);  // unlocked read
        x.unlocked_read();
        if (x.decide(isolated))
          x.set_pc(U_UNSET);
        else
          x.set_loc(U_PFN, add(pfn, x.I(pb_pages(x))));
        break;
      }
      case U_UNSET:
        if (x.must_yield()) return x.yield(U_UNSET);
        x.K.unset_migratetype_isolate(x, x.loc(U_PFN), x.loc(U_MT));
        x.set_loc(U_PFN, add(x.loc(U_PFN), x.I(pb_pages(x))));
        x.set_pc(U_LOOP);
        break;
      default: throw ModelError("undo_isolate_page_range: bad pc");
    }
  }
}

}  // namespace

// ---- v6.10 replacements (fd919a85cd55) --------------------------------------------------------
namespace hygiene {

// set_migratetype_isolate(), mm/page_isolation.c, v6.11 (fd919a85cd55): isolation and the split
// of a straddling free buddy in one zone->lock section.
Int set_migratetype_isolate(Exec& x, const Int& page, const Int& mt, const Int& start_pfn,
                            const Int& end_pfn) {
  x.spin_lock_zone();
  Int ret = x.I(-model::kEBUSY);
  {
    Exec::When w(x, lnot(is_migrate_isolate_page(x, page)));
    const Int check_start = smax(page, start_pfn);
    const Int check_end = smin(pageblock_end_pfn(x, page), end_pfn);
    Exec::When m(x, lnot(x.K.has_unmovable_pages(x, check_start, check_end, mt)));
    const Bool moved = x.K.move_freepages_block_isolate(x, page, mtv(x, Mt::ISOLATE));
    Exec::When ok(x, moved);
    mod_nr_isolate_pageblock(x, 1);
    x.assign(ret, x.I(0));
  }
  x.spin_unlock_zone();
  return ret;
}

// unset_migratetype_isolate(), mm/page_isolation.c, v6.11 (fd919a85cd55)
void unset_migratetype_isolate(Exec& x, const Int& page, const Int& mt) {
  unset_migratetype_isolate_common(x, page, mt, true);
}

// isolate_single_pageblock(), mm/page_isolation.c, v6.11 (fd919a85cd55): the scan only skips
// over free pages and warns if one still crosses the boundary.
model::Flow run_isp_v6_10(Exec& x) {
  const Int boundary = x.loc(I_BOUNDARY);
  for (;;) {
    switch (x.pc()) {
      case I_ENTRY: {
        Int ret = x.I(0);
        if (!isp_begin(x, ret)) return x.ret(ret);
        x.set_pc(I_SCAN);
        break;
      }
      case I_SCAN: {
        const Int pfn = x.loc(I_PFN);
        if (x.decide(ge(pfn, boundary))) return x.ret(x.I(0));
        if (x.must_yield()) return x.yield(I_SCAN);
        const Bool buddy = PageBuddy(x, pfn);  // unlocked read
        x.unlocked_read();
        if (x.decide(buddy))
          x.set_pc(I_ORDER_READ);
        else
          x.set_loc(I_PFN, add(pfn, x.I(1)));
        break;
      }
      case I_ORDER_READ: {
        if (x.must_yield()) return x.yield(I_ORDER_READ);
        const Int pfn = x.loc(I_PFN);
        const Int order = buddy_order(x, pfn);  // unlocked read
        x.unlocked_read();
        const Int end = add(pfn, shift_left(x.I(1), order));
        {
          // "move_freepages_block_isolate() handled this"
          Exec::When w(x, gt(end, boundary));
          kernel_warn(x, model::KC_ISOLATE_SCAN_STRADDLE, pfn, order, boundary);
        }
        x.set_loc(I_PFN, smin(end, x.I(255)));
        x.set_pc(I_SCAN);
        break;
      }
      default: throw ModelError("isolate_single_pageblock: bad pc");
    }
  }
}

}  // namespace hygiene

void fill_sym_page_isolation(SymKernel& K, const model::Kernel& k, const model::Kernel& base,
                             const std::string& v) {
  namespace mh = model::hygiene;
  using F = model::KernelFns;
  K.has_unmovable_pages = pick<decltype(F::has_unmovable_pages), decltype(K.has_unmovable_pages)>(
      k.fn.has_unmovable_pages, {{base.fn.has_unmovable_pages, has_unmovable_pages}}, "has_unmovable_pages",
      v);
  K.set_migratetype_isolate = pick<decltype(F::set_migratetype_isolate), decltype(K.set_migratetype_isolate)>(
      k.fn.set_migratetype_isolate,
      {{base.fn.set_migratetype_isolate, set_migratetype_isolate},
       {mh::set_migratetype_isolate, hygiene::set_migratetype_isolate}},
      "set_migratetype_isolate", v);
  K.unset_migratetype_isolate =
      pick<decltype(F::unset_migratetype_isolate), decltype(K.unset_migratetype_isolate)>(
          k.fn.unset_migratetype_isolate,
          {{base.fn.unset_migratetype_isolate, unset_migratetype_isolate},
           {mh::unset_migratetype_isolate, hygiene::unset_migratetype_isolate}},
          "unset_migratetype_isolate", v);
  K.procs[model::P_start_isolate_page_range] = pick<const model::ProcDef*, SymRun>(
      k.procs[model::P_start_isolate_page_range],
      {{base.procs[model::P_start_isolate_page_range], run_start_isolate_page_range}},
      "start_isolate_page_range", v);
  K.procs[model::P_isolate_single_pageblock] =
      pick<const model::ProcDef*, SymRun>(k.procs[model::P_isolate_single_pageblock],
                                          {{base.procs[model::P_isolate_single_pageblock], run_isp_v6_1},
                                           {&mh::isolate_single_pageblock, hygiene::run_isp_v6_10}},
                                          "isolate_single_pageblock", v);
  K.procs[model::P_undo_isolate_page_range] = pick<const model::ProcDef*, SymRun>(
      k.procs[model::P_undo_isolate_page_range],
      {{base.procs[model::P_undo_isolate_page_range], run_undo_isolate_page_range}},
      "undo_isolate_page_range", v);
  // The frames' sizes are part of the state layout the encoding shares with the model.
  const std::pair<int, int> nlocals[] = {{model::P_start_isolate_page_range, S_N},
                                         {model::P_isolate_single_pageblock, I_N},
                                         {model::P_undo_isolate_page_range, U_N}};
  for (auto [proc, n] : nlocals)
    if (k.procs[static_cast<size_t>(proc)] && k.procs[static_cast<size_t>(proc)]->nlocals != n)
      throw InputError(fmt::format(
          "the SMT engine's encoding of {}() has {} locals, the model {}; use --engine explicit",
          k.procs[static_cast<size_t>(proc)]->name, n, k.procs[static_cast<size_t>(proc)]->nlocals));
}

SymKernel build_sym_kernel(const model::Kernel& k, const std::string& variant) {
  if (k.features & ~(kEncodedFeatures | kOutsideEncodedScope))
    throw InputError(
        fmt::format("the SMT engine does not encode every commit of variant '{}' (behaviour switches "
                    "{:#x} of model/kernel/kernel.hpp); use --engine explicit",
                    variant, k.features & ~(kEncodedFeatures | kOutsideEncodedScope)));
  model::Kernel base;
  model::fill_baseline(base);
  SymKernel K;
  fill_sym_page_alloc(K, k, base, variant);
  fill_sym_page_isolation(K, k, base, variant);
  // Procedures: the encoder refuses operations it does not encode, and the encoded operations
  // call only encoded procedures; run_body() refuses any other.
  return K;
}

}  // namespace pagecheck::smt

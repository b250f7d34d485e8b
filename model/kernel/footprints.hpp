// Helpers for declaring the footprints of kernel procedures (model/footprint.hpp). Each
// procedure's footprint function sits next to its run function in model/kernel/*.cpp.
#pragma once

#include <initializer_list>

#include "model/footprint.hpp"
#include "model/kernel/kernel.hpp"

namespace pagecheck::model {

// A set of migratetypes, one bit each.
using MtMask = uint32_t;
inline constexpr MtMask mt_bit(Mt mt) {
  return MtMask{1} << static_cast<int>(mt);
}
inline constexpr MtMask kAllMts = (MtMask{1} << MIGRATE_TYPES) - 1;

// A zone->lock section that may take, split, merge, move or free the buddies whose pages lie in
// the MAX_PAGE_ORDER-aligned block around `pfn` (no buddy crosses one), on the free lists of
// `mts`, of the types of that block's pageblocks (what get_pfnblock_migratetype() reads, and the
// type bits an isolated block keeps from v6.17) and of the lists its free pages are on now
// (every order; list_add_tail and list_del walk the lists), retype those pageblocks, and update
// the free page counters. With frees == false the section only moves the block's existing
// buddies: a block with none touches no list.
void fp_zone_section(const Ctx& c, Footprint& fp, int pfn, MtMask mts, bool frees = true);

// A zone->lock section that may touch anything zone->lock protects: every page, link, pageblock
// and buddy list, and the zone counters (the fallback and block-stealing paths, the highatomic
// unreserve).
void fp_zone_all(const Ctx& c, Footprint& fp);

// list_add(), list_add_tail() and list_del() of pages in [lo, hi) on `list`: its head, the
// links of the pages before them and of its tail; walking it reads every page on it.
void fp_list_ops(const Ctx& c, Footprint& fp, int list, int lo, int hi);

// The zone->lock section of rmqueue_buddy() (count == 1) or rmqueue_bulk() (count pages) for an
// order-`order` request of type `mt`: the buddy __rmqueue_smallest() takes when the requested
// type (or CMA, when the CMA balance sends it there) has one, and the whole zone when the
// request may fall back, steal, or is a high-order atomic or multi-page one.
void fp_rmqueue(const Ctx& c, Footprint& fp, int order, Mt mt, int alloc_flags, int count);

// free_one_page(pfn, order, mt): zone->lock, the type re-read under it (from 55612e80e722, or
// with ad53f92eb416 when the zone has isolated blocks), __free_one_page() in pfn's block.
void fp_free_one_page(const Ctx& c, Footprint& fp, int pfn, Mt mt);

// free_pcppages_bulk() of cpu's pcp lists (the page `extra`, about to be added, too, when >= 0):
// zone->lock, every page on them back to the buddy in its block with the type it carries or
// its block's, the lists and pcp->count of that CPU.
void fp_pcp_bulk(const Ctx& c, Footprint& fp, int cpu, int extra = -1);

// The first pfn of the MAX_PAGE_ORDER block around pfn.
inline int max_order_block_start(const Ctx& c, int pfn) {
  return pfn & ~(c.L.geo.max_order_nr_pages() - 1);
}

}  // namespace pagecheck::model

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

// A zone->lock section that may take, split, merge, move or free the buddies whose pages lie in
// the MAX_PAGE_ORDER-aligned block around `pfn` (no buddy crosses one), on the free lists of
// `mts` or of the types of that block's pageblocks (every order; list_add_tail and list_del
// walk the lists), retype those pageblocks, and update the free page counters. With
// frees == false the section only moves the block's existing buddies: a block with none
// touches no list.
void fp_zone_section(const Ctx& c, Footprint& fp, int pfn, MtMask mts, bool frees = true);

// list_add(), list_add_tail() and list_del() of pages in [lo, hi) on `list`: its head, the
// links of the pages before them and of its tail; walking it reads every page on it.
void fp_list_ops(const Ctx& c, Footprint& fp, int list, int lo, int hi);

// The first pfn of the MAX_PAGE_ORDER block around pfn.
inline int max_order_block_start(const Ctx& c, int pfn) {
  return pfn & ~(c.L.geo.max_order_nr_pages() - 1);
}

}  // namespace pagecheck::model

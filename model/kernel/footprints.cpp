#include "model/kernel/footprints.hpp"

#include <algorithm>

namespace pagecheck::model {

namespace {

MtMask mt_bit_of(int v) {
  return v >= 0 && v < MIGRATE_TYPES ? MtMask{1} << v : 0;
}

// What every free list change under zone->lock may add to: the free page counters.
void fp_free_counters(const Ctx& c, Footprint& fp) {
  fp.add_counter(Counter::NR_FREE_PAGES);
  fp.add_counter(Counter::NR_FREE_CMA_PAGES);
  fp.add_counter(Counter::nr_isolate_pageblock);
  fp.add_counter(Counter::nr_free_highatomic);
  for (int o = 0; o < c.L.nr_orders; ++o) fp.add_counter(c.L.counter_nr_free(o));
}

// __rmqueue_smallest(order, mt): the heads of mt's lists from `order` up to the first one that
// has a buddy, which it takes off and splits (expand() puts the halves at the heads of the
// lower lists); the pages of that buddy and their pageblocks' types. False when every list is
// empty.
bool fp_rmqueue_smallest(const Ctx& c, Footprint& fp, int order, Mt mt) {
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
    for (int p = page; p < std::min(page + (1 << o), c.L.nr_pages); p += pageblock_nr_pages(c))
      fp.read_pageblock(c.L.geo.pageblock_of(p));
    return true;
  }
  return false;
}

}  // namespace

void fp_list_ops(const Ctx& c, Footprint& fp, int list, int lo, int hi) {
  fp.write_list(list);
  int prev = -1;
  for (int p = c.s.head(list), n = 0; p != NIL && n <= c.L.nr_pages; p = c.s.next(p), ++n) {
    fp.read_link(p);
    if (p >= lo && p < hi && prev >= 0) fp.write_link(prev);  // list_del() relinks the one before
    prev = p;
  }
  if (prev >= 0) fp.write_link(prev);  // list_add_tail() links after the tail
}

void fp_zone_section(const Ctx& c, Footprint& fp, int pfn, MtMask mts, bool frees) {
  const Layout& L = c.L;
  fp.lock(LOCK_ZONE);
  fp_free_counters(c, fp);
  const int lo = std::max(max_order_block_start(c, pfn), 0);
  const int hi = std::min(lo + L.geo.max_order_nr_pages(), L.nr_pages);
  if (lo >= hi) return;
  fp.write_pages(lo, hi);
  for (int pb = L.geo.pageblock_of(lo); pb <= L.geo.pageblock_of(hi - 1); ++pb) {
    fp.write_pageblock(pb);
    mts |= mt_bit(pageblock_type(c.s, pb)) | mt_bit_of(c.s.pb_bits(pb) & PB_MIGRATETYPE_MASK);
  }
  bool buddies = frees;
  for (int p = lo; p < hi; ++p) {
    if (c.s.flags(p) & PG_buddy) buddies = true;
    const int list = c.s.list_of(p);
    // A free page on a list of another type (what the hygiene bugs leave) is taken off that one.
    if (list != NIL && L.is_buddy_list(list)) mts |= mt_bit(L.list_mt(list));
  }
  if (!buddies) return;
  for (int mt = 0; mt < MIGRATE_TYPES; ++mt) {
    if (!(mts & (MtMask{1} << mt))) continue;
    for (int o = 0; o < L.nr_orders; ++o) fp_list_ops(c, fp, L.buddy_list(o, static_cast<Mt>(mt)), lo, hi);
  }
}

void fp_zone_all(const Ctx& c, Footprint& fp) {
  const Layout& L = c.L;
  fp.lock(LOCK_ZONE);
  fp.write_pages(0, L.nr_pages);
  for (int pb = 0; pb < L.nr_pb; ++pb) fp.write_pageblock(pb);
  for (int list = 0; list < L.nr_buddy_lists; ++list) fp.write_list(list);
  for (int i = 0; i < static_cast<int>(Counter::kFixed); ++i) fp.write_counter(i);
  for (int o = 0; o < L.nr_orders; ++o) fp.write_counter(L.counter_nr_free(o));
}

void fp_rmqueue(const Ctx& c, Footprint& fp, int order, Mt mt, int alloc_flags, int count) {
  fp.lock(LOCK_ZONE);
  fp.add_counter(Counter::NR_FREE_PAGES);
  fp.add_counter(Counter::NR_FREE_CMA_PAGES);
  fp.add_counter(Counter::nr_free_highatomic);
  if (count != 1 || (order > 0 && (alloc_flags & ALLOC_HIGHATOMIC)) || (alloc_flags & ALLOC_OOM)) {
    fp_zone_all(c, fp);
    return;
  }
  // __rmqueue(): "Balance movable allocations between regular and CMA areas" reads the counters.
  if (alloc_flags & ALLOC_CMA) {
    fp.read_counter(Counter::NR_FREE_CMA_PAGES);
    fp.read_counter(Counter::NR_FREE_PAGES);
    if (c.s.counter(Counter::NR_FREE_CMA_PAGES) > c.s.counter(Counter::NR_FREE_PAGES) / 2 &&
        fp_rmqueue_smallest(c, fp, order, Mt::CMA))
      return;
  }
  if (fp_rmqueue_smallest(c, fp, order, mt)) return;
  fp_zone_all(c, fp);  // the CMA and regular fallbacks, block claiming and stealing
}

void fp_free_one_page(const Ctx& c, Footprint& fp, int pfn, Mt mt) {
  if (c.k.has(F_FREE_MT_UNDER_ZONE_LOCK)) {
    fp_zone_section(c, fp, pfn, 0);
    return;
  }
  if (c.k.has(F_ISOLATE_RECHECK_ON_FREE)) fp.read_counter(Counter::nr_isolate_pageblock);
  fp_zone_section(c, fp, pfn, mt_bit(mt));
}

void fp_pcp_bulk(const Ctx& c, Footprint& fp, int cpu, int extra) {
  const Layout& L = c.L;
  fp.lock(LOCK_ZONE);
  fp.write_counter(L.counter_pcp_count(cpu));
  fp.read_counter(Counter::nr_isolate_pageblock);
  for (int pindex = 0; pindex < L.nr_pcp_lists; ++pindex) {
    const int list = L.pcp_list(cpu, pindex);
    fp_list_ops(c, fp, list, 0, L.nr_pages);
    for (int p = c.s.head(list), n = 0; p != NIL && n <= L.nr_pages; p = c.s.next(p), ++n)
      fp_zone_section(c, fp, p, mt_bit_of(c.s.pcpmt(p)));
  }
  if (extra >= 0) fp_zone_section(c, fp, extra, mt_bit_of(c.s.pcpmt(extra)));
}

}  // namespace pagecheck::model

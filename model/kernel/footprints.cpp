#include "model/kernel/footprints.hpp"

namespace pagecheck::model {

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
  const int lo = max_order_block_start(c, pfn);
  const int hi = std::min(lo + L.geo.max_order_nr_pages(), L.nr_pages);
  fp.write_pages(lo, hi);
  for (int pb = L.geo.pageblock_of(lo); pb <= L.geo.pageblock_of(hi - 1); ++pb) {
    fp.write_pageblock(pb);
    mts |= mt_bit(pageblock_type(c.s, pb));
  }
  bool buddies = frees;
  for (int p = lo; p < hi && !buddies; ++p) buddies = (c.s.flags(p) & PG_buddy) != 0;
  if (!buddies) mts = 0;
  for (int mt = 0; mt < MIGRATE_TYPES; ++mt) {
    if (!(mts & (MtMask{1} << mt))) continue;
    for (int o = 0; o < L.nr_orders; ++o) {
      int list = L.buddy_list(o, static_cast<Mt>(mt));
      fp_list_ops(c, fp, list, lo, hi);
    }
  }
  fp.add_counter(Counter::NR_FREE_PAGES);
  fp.add_counter(Counter::NR_FREE_CMA_PAGES);
  fp.add_counter(Counter::nr_isolate_pageblock);
  for (int o = 0; o < L.nr_orders; ++o) fp.add_counter(L.counter_nr_free(o));
}

}  // namespace pagecheck::model

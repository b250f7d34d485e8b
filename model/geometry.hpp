// Memory geometry of a scenario: one zone of a few pageblocks, a few CPUs.
#pragma once

#include <string>

namespace pagecheck::model {

// The model's memory is pfns [0, nr_pages()), in whole pageblocks; the zone spans
// [zone_start_pfn, nr_pages()) (pfns below it belong to a neighbouring zone, as the first block of
// ZONE_DMA does when the zone starts at pfn 1). Orders run 0..max_order inclusive (MAX_PAGE_ORDER,
// v6.8+ spelling; before v6.4 the kernel's MAX_ORDER was exclusive). pageblock_order <= max_order;
// when it is smaller, one free buddy can straddle several pageblocks, which is where the races live.
struct Geometry {
  int pageblock_order = 1;
  int max_order = 2;
  int pageblocks = 2;
  int cpus = 2;
  int zone_start_pfn = 0;
  // Per-cpu pages: pcp->high and pcp->batch of every CPU. 0 and 0 (the default) leave the pcp
  // machinery out: rmqueue() goes to rmqueue_buddy() and frees to __free_pages_ok(), which is what
  // the kernel does for orders without pcp lists (docs/model.md, "Per-cpu pages").
  int pcp_high = 0;
  int pcp_batch = 0;
  // zone_managed_pages(): only the highatomic reserve limit reads it. 0: the zone's own size.
  int managed_pages = 0;

  static constexpr int kMaxPages = 128;  // pfns must stay below NIL in one byte
  static constexpr int kMaxCpus = 4;
  static constexpr int kMaxOrder = 7;

  int pageblock_nr_pages() const { return 1 << pageblock_order; }
  int nr_pages() const { return pageblocks << pageblock_order; }
  int nr_orders() const { return max_order + 1; }  // NR_PAGE_ORDERS
  int max_order_nr_pages() const { return 1 << max_order; }
  int pageblock_of(int pfn) const { return pfn >> pageblock_order; }
  int pageblock_start_pfn(int pfn) const { return pfn & ~(pageblock_nr_pages() - 1); }
  bool zone_spans_pfn(int pfn) const { return pfn >= zone_start_pfn && pfn < nr_pages(); }
  int zone_end_pfn() const { return nr_pages(); }
  bool pcp_enabled() const { return pcp_batch > 0; }
  int zone_managed_pages() const { return managed_pages ? managed_pages : nr_pages() - zone_start_pfn; }

  // Empty when valid, else what is wrong ("max_order must be ...").
  std::string validate() const;
  std::string describe() const;
};

}  // namespace pagecheck::model

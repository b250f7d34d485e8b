// Memory geometry of a scenario: one zone of a few pageblocks, a few CPUs.
#pragma once

#include <string>

namespace pagecheck::model {

// The zone spans pfns [0, nr_pages()). Orders run 0..max_order inclusive (MAX_PAGE_ORDER, v6.8+
// spelling; before v6.4 the kernel's MAX_ORDER was exclusive). pageblock_order <= max_order; when
// it is smaller, one free buddy can straddle several pageblocks, which is where the races live.
struct Geometry {
  int pageblock_order = 1;
  int max_order = 2;
  int pageblocks = 2;
  int cpus = 2;

  static constexpr int kMaxPages = 128;  // pfns must stay below NIL in one byte
  static constexpr int kMaxCpus = 4;
  static constexpr int kMaxOrder = 7;

  int pageblock_nr_pages() const { return 1 << pageblock_order; }
  int nr_pages() const { return pageblocks << pageblock_order; }
  int nr_orders() const { return max_order + 1; }  // NR_PAGE_ORDERS
  int max_order_nr_pages() const { return 1 << max_order; }
  int pageblock_of(int pfn) const { return pfn >> pageblock_order; }
  int pageblock_start_pfn(int pfn) const { return pfn & ~(pageblock_nr_pages() - 1); }
  bool zone_spans_pfn(int pfn) const { return pfn >= 0 && pfn < nr_pages(); }

  // Empty when valid, else what is wrong ("max_order must be ...").
  std::string validate() const;
  std::string describe() const;
};

}  // namespace pagecheck::model

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

  // hugetlb (one hstate, one node; docs/model.md, "hugetlb"). hugetlb_order < 0: the scenario has
  // no hugetlb pool, its state has no room for one and no free_hpage_work worker thread runs.
  int hugetlb_order = -1;
  // HVO: the vmemmap pages hugetlb_vmemmap_optimize_folio() frees per huge page and
  // hugetlb_vmemmap_restore_folio() must allocate again (the kernel's 7 for a 2 MiB page with a
  // 64-byte struct page); 0 leaves HVO off.
  int hugetlb_vmemmap_pages = 0;
  int nr_overcommit_huge_pages = 0;  // /proc/sys/vm/nr_overcommit_hugepages

  // memmap_on_memory (docs/model.md, "memmap_on_memory"): memory_blocks > 0 adds that many hot-pluggable
  // memory blocks, each memory_block_pages pages of 4 KiB, whose memmap may live at the block's
  // own start (an altmap). Sizes in bytes and pages, as the kernel computes them.
  int memory_blocks = 0;
  int struct_page_size = 64;       // sizeof(struct page)
  int memory_block_pages = 32768;  // memory_block_size_bytes() / PAGE_SIZE: 128 MiB
  int pmd_pages = 512;             // PMD_SIZE / PAGE_SIZE: 2 MiB
  int mhp_pageblock_pages = 512;   // pageblock_nr_pages of the hot-plugged memory (order 9)
  bool memmap_force = false;       // memmap_on_memory=force (2d1f649c7c08, v6.6), else =Y

  // What the capacity property asks of the end state ([check] capacity_order): a free buddy of at
  // least this order. Not part of the state.
  int capacity_order = -1;

  static constexpr int kMaxPages = 128;  // pfns must stay below NIL in one byte
  static constexpr int kMaxCpus = 4;
  static constexpr int kMaxOrder = 7;
  static constexpr int kMaxVmemmapPages = 2;
  static constexpr int kMaxMemoryBlocks = 4;
  static constexpr int kPageSize = 4096;

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
  bool has_hugetlb() const { return hugetlb_order >= 0; }
  int hugetlb_nr_slots() const { return has_hugetlb() ? nr_pages() >> hugetlb_order : 0; }
  // The threads the scheduler runs: the CPUs, then the free_hpage_work worker when there is hugetlb.
  int nr_threads() const { return cpus + (has_hugetlb() ? 1 : 0); }
  int worker_thread() const { return has_hugetlb() ? cpus : -1; }
  // vmemmap PMD chunks that the memmap of every memory block touches.
  long memmap_bytes_per_block() const { return static_cast<long>(memory_block_pages) * struct_page_size; }
  int memmap_chunks() const;

  // Empty when valid, else what is wrong ("max_order must be ...").
  std::string validate() const;
  std::string describe() const;
};

}  // namespace pagecheck::model

#include "model/state.hpp"

#include <xxhash.h>

#include <algorithm>

namespace pagecheck::model {

Layout::Layout(const Geometry& g) : geo(g) {
  nr_pages = g.nr_pages();
  nr_pb = g.pageblocks;
  nr_orders = g.nr_orders();
  nr_cpus = g.cpus;
  nr_threads = g.nr_threads();
  nr_buddy_lists = nr_orders * MIGRATE_TYPES;
  // order_to_pindex(): MIGRATE_PCPTYPES lists per order up to PAGE_ALLOC_COSTLY_ORDER, then
  // one list for the THP order (mm/page_alloc.c, v6.5).
  int low = std::min(g.max_order, PAGE_ALLOC_COSTLY_ORDER) + 1;
  nr_pcp_lists = MIGRATE_PCPTYPES * low + 1;
  first_hugetlb_list = nr_buddy_lists + nr_cpus * nr_pcp_lists;
  nr_lists = first_hugetlb_list + (g.has_hugetlb() ? HL_COUNT : 0);
  nr_counters = static_cast<int>(Counter::kFixed) + nr_orders + nr_cpus + (g.has_hugetlb() ? HC_COUNT : 0);
  nr_locks = 1 + nr_cpus + 2;
  lock_drain_mutex = 1 + nr_cpus;
  lock_pcp_batch_high = 2 + nr_cpus;
  if (g.has_hugetlb()) lock_hugetlb = nr_locks++;
  nr_slots = g.hugetlb_nr_slots();
  folio_stride = g.has_hugetlb() ? 2 + g.hugetlb_vmemmap_pages : 0;
  nr_chunks = g.memory_blocks ? g.memmap_chunks() : 0;

  int off = 0;
  off_flags = off, off += nr_pages;
  off_private = off, off += nr_pages;
  off_list = off, off += nr_pages;
  off_next = off, off += nr_pages;
  off_owner = off, off += nr_pages;
  off_pcpmt = off, off += nr_pages;
  off_pb = off, off += nr_pb;
  off_heads = off, off += nr_lists;
  off_zone = off, off += ZB_COUNT;
  off += off & 1;
  off_counters = off, off += 2 * nr_counters;
  off_locks = off, off += nr_locks;
  off_folios = off, off += nr_slots * folio_stride;
  off_work = off, off += g.has_hugetlb() ? 1 : 0;
  off_blocks = off, off += 4 * g.memory_blocks;
  off_chunks = off, off += 2 * nr_chunks;
  off_cpus = off;
  cpu_stride = kCpuHeader + kStackBytes;
  off += nr_threads * cpu_stride;
  size = off;
}

int StateRef::list_len(int list) const {
  int n = 0;
  for (int p = head(list); p != NIL; p = next(p)) ++n;
  return n;
}

int StateRef::list_tail(int list) const {
  int p = head(list);
  if (p == NIL) return -1;
  while (next(p) != NIL) p = next(p);
  return p;
}

std::vector<int> StateRef::list_pfns(int list) const {
  std::vector<int> v;
  for (int p = head(list); p != NIL; p = next(p)) v.push_back(p);
  return v;
}

uint64_t hash_state(std::span<const uint8_t> bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

}  // namespace pagecheck::model

namespace pagecheck::model {

std::string list_name(const Layout& L, int list) {
  if (L.is_hugetlb_list(list)) {
    static const char* names[] = {"hugepage_freelists[0]", "hugepage_activelist", "hpage_freelist",
                                  "free_hpage_workfn's list"};
    return names[list - L.first_hugetlb_list];
  }
  if (L.is_buddy_list(list))
    return "free_list[" + std::to_string(L.list_order(list)) + "][" + std::string(mt_name(L.list_mt(list))) +
           "]";
  return "pcp[cpu" + std::to_string(L.pcp_list_cpu(list)) + "].lists[" +
         std::to_string(L.pcp_list_pindex(list)) + "]";
}

std::string counter_name(const Layout& L, int idx) {
  static const char* fixed[] = {"NR_FREE_PAGES", "NR_FREE_CMA_PAGES", "nr_isolate_pageblock",
                                "nr_reserved_highatomic", "nr_free_highatomic"};
  int nf = static_cast<int>(Counter::kFixed);
  if (idx < nf) return fixed[idx];
  if (idx < nf + L.nr_orders) return "nr_free[" + std::to_string(idx - nf) + "]";
  if (idx < nf + L.nr_orders + L.nr_cpus)
    return "pcp[cpu" + std::to_string(idx - nf - L.nr_orders) + "].count";
  static const char* hc[] = {"nr_huge_pages", "free_huge_pages", "surplus_huge_pages", "resv_huge_pages",
                             "max_huge_pages"};
  return hc[idx - nf - L.nr_orders - L.nr_cpus];
}

}  // namespace pagecheck::model

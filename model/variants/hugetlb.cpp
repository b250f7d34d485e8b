// Commits and designs beyond the buddy core: hugetlb and HVO (mm/hugetlb.c, mm/hugetlb_vmemmap.c),
// make_alloc_exact() (mm/page_alloc.c) and memmap_on_memory (mm/memory_hotplug.c). The model's
// bodies are v6.12.8's (v7.1.8 for the v6.14 changes); each commit is a branch in them.
#include "model/variants/variants.hpp"

namespace pagecheck::model {

void register_hugetlb(std::vector<Commit>& v) {
  v.push_back({"df48a5f7a3bb",
               "mm/page_alloc: reduce potential fragmentation in make_alloc_exact()",
               "v6.1 (Liam R. Howlett, suggested by Matthew Wilcox; LKML 31 May 2022, "
               "<20220531185626.yvlmymbxyoe5vags@revolver>)",
               "make_alloc_exact() frees the unused tail pages with __free_pages_ok(page, 0, FPI_TO_TAIL) -- "
               "zone->lock, the tail of the free list, no pcp list -- instead of split_page() + free_page() "
               "onto this CPU's pcp list",
               {},
               [](Kernel& k) { k.features |= F_ALLOC_EXACT_TO_TAIL; }});
  v.push_back({"7ffddd499ba6",
               "mm: hugetlb: fix a race between freeing and dissolving the page",
               "v5.11 (Muchun Song, <20210115124942.46403-4-songmuchun@bytedance.com>)",
               "enqueue_hugetlb_folio() sets HPG_freed (PageHugeFreed then); dissolve_free_hugetlb_folio() "
               "retries while a folio with no reference is not marked freed, instead of taking a folio that "
               "free_huge_folio() is about to enqueue",
               {},
               [](Kernel& k) { k.features |= F_HUGETLB_FREED_MARKER; }});
  v.push_back({"32c877191e02",
               "hugetlb: do not clear hugetlb dtor until allocating vmemmap",
               "v6.5 (Mike Kravetz, <20230711220942.43706-2-mike.kravetz@oracle.com>)",
               "remove_hugetlb_folio() keeps the hugetlb flag of a folio whose vmemmap is optimized; "
               "__update_and_free_hugetlb_folio() clears it under hugetlb_lock after the restore (if "
               "clear_dtor, sampled on entry, until 52ccdde16b65)",
               {},
               [](Kernel& k) { k.features |= F_HUGETLB_FLAG_AFTER_VMEMMAP; }});
  v.push_back({"d8f5f7e445f0",
               "hugetlb: set hugetlb page flag before optimizing vmemmap",
               "v6.6 (Mike Kravetz, <20230829213734.69673-1-mike.kravetz@oracle.com>)",
               "__prep_new_hugetlb_folio() sets the hugetlb flag before hugetlb_vmemmap_optimize(), which "
               "(like the restore) warns with VM_WARN_ON_ONCE(!PageHuge)",
               {},
               [](Kernel& k) { k.features |= F_HUGETLB_FLAG_BEFORE_OPTIMIZE; }});
  v.push_back({"52ccdde16b65",
               "mm/hugetlb: fix DEBUG_LOCKS_WARN_ON(1) when dissolve_free_hugetlb_folio()",
               "v6.9 (Miaohe Lin, <20240419085819.1901645-1-linmiaohe@huawei.com>)",
               "__update_and_free_hugetlb_folio() clears the hugetlb flag if folio_test_hugetlb(), not if "
               "clear_dtor: dissolve restores the vmemmap itself before calling it",
               {"32c877191e02"},
               [](Kernel& k) { k.features |= F_HUGETLB_CLEAR_IF_HUGETLB; }});
  v.push_back(
      {"67bab13307c8",
       "mm/hugetlb: wait for hugetlb folios to be freed",
       "v6.14 (Ge Yang, <1739936804-18199-1-git-send-email-yangge1116@126.com>; not in v6.12.8)",
       "test_pages_isolated() starts with wait_for_freed_hugetlb_folios(): flush_work(&free_hpage_work) "
       "when hpage_freelist is not empty",
       {},
       [](Kernel& k) { k.features |= F_WAIT_FREED_HUGETLB; }});
  v.push_back(
      {"hugetlb-dissolve-surplus",
       "mm/hugetlb: fix surplus pages in dissolve_free_huge_page()",
       "v6.14 (mm hotfix, March 2025, in the v6.14-rc7 batch; mainline hash not established; the body "
       "read is v7.1.8's)",
       "dissolve_free_hugetlb_folio() passes adjust_surplus = (surplus_huge_pages_node[nid] != 0) to "
       "remove_hugetlb_folio() and add_hugetlb_folio(); v6.12.8 passes false",
       {},
       [](Kernel& k) { k.features |= F_DISSOLVE_ADJUST_SURPLUS; }});
  v.push_back(
      {"vmemmap-retry-forever",
       "mm: hugetlb: alloc the vmemmap pages associated with each HugeTLB page (RFC design)",
       "design posted in v6 10/16 of \"Free some vmemmap pages of HugeTLB page\" (Muchun Song, 24 Nov "
       "2020, <20201124095259.58755-11-songmuchun@bytedance.com>) and kept until v13 (17 Jan 2021); "
       "replaced before merging by ad2fa3717b74's \"refuse to free\" (v5.14)",
       "the vmemmap restore cannot fail: a failed page allocation is retried after msleep(100) until "
       "it succeeds (\"We should retry infinitely, because we cannot handle allocation failures\")",
       {},
       [](Kernel& k) { k.features |= F_VMEMMAP_RETRY_FOREVER; }});
  v.push_back(
      {"no-pmd-gate",
       "memmap_on_memory without the PMD check of mhp_supports_memmap_on_memory() (design)",
       "design: what the 2021 review of a08a2ae34613 (v5.13) asked to prevent (David Hildenbrand, 16-17 "
       "Mar 2021, <a03fcbb3-5b77-8671-6376-13c360f5ae25@redhat.com>); an "
       "arch_supports_memmap_on_memory() (85a2b4b08f20, v6.6) that returns true for any size",
       "arch_supports_memmap_on_memory() accepts a vmemmap that does not fill whole PMDs, while "
       "vmemmap_populate_hugepages() still maps whole PMDs from the altmap",
       {},
       [](Kernel& k) { k.features |= F_MHP_NO_PMD_GATE; }});
}

}  // namespace pagecheck::model

// The isolation fixes of 2014-2016 that the baseline leaves out so that a reviewer can revert
// them on v6.5: Joonsoo Kim's "fix incorrect isolation behavior by rechecking migratetype"
// (v3.18) and Vlastimil Babka's "prevent merging between isolated and other pageblocks" (v4.6).
#include "model/variants/variants.hpp"

namespace pagecheck::model {

void register_isolation_2014(std::vector<Commit>& v) {
  v.push_back(
      {"ad53f92eb416",
       "mm/page_alloc: fix incorrect isolation behavior by rechecking migratetype",
       "v3.18",
       "zone->nr_isolate_pageblock; free_one_page() re-reads the block type under zone->lock when the "
       "zone has isolated blocks or the type read was ISOLATE; with it, its series' 51bb1a4093cc "
       "(\"add freepage on isolate pageblock to correct buddy list\"), which does the same in "
       "free_pcppages_bulk() and cannot exist without the counter",
       {},
       [](Kernel& k) { k.features |= F_ISOLATE_RECHECK_ON_FREE; }});
  v.push_back({"d9dddbf55667",
               "mm/page_alloc: prevent merging between isolated and other pageblocks",
               "v4.6",
               "__free_one_page() checks the buddy's block type at pageblock order and above and does not "
               "merge an isolated block with another (v6.5 form: 1dd214b8f21c, v5.18, extended it to every "
               "type without fallbacks); without it 3c605096d315's rule: only a page freed as ISOLATE stops "
               "at pageblock order",
               {},
               [](Kernel& k) { k.features |= F_MERGE_CHECKS_BUDDY_TYPE; }});
  v.push_back(
      {"7b086755fb8c",
       "mm: page_alloc: fix CMA and HIGHATOMIC landing on the wrong buddy list",
       "v6.6",
       "free_unref_page() keeps the page's type for the pcp_spin_trylock() failure path; before it a "
       "HIGHATOMIC or CMA page freed during a drain of this CPU's list went to the MOVABLE buddy list",
       {},
       [](Kernel& k) { k.features |= F_PCP_BYPASS_TRUE_MT; }});
  v.push_back({"highatomic-small-zone",
               "mm/page_alloc: do not reserve highatomic pageblocks when 1% of the zone is below a pageblock",
               "v6.8 (Charan Teja Kalla, Nov 2023; mainline hash not established, present in v6.8.0)",
               "reserve_highatomic_pageblock() reserves up to ALIGN(managed / 100, pageblock_nr_pages), none "
               "when that is below a pageblock (v6.1.8: managed / 100 + pageblock_nr_pages)",
               {},
               [](Kernel& k) { k.features |= F_HIGHATOMIC_SMALL_ZONE; }});
}

}  // namespace pagecheck::model

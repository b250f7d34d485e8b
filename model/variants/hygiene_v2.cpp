// The September 2023 posting, "[PATCH V2 0/6] mm: page_alloc: freelist migratetype hygiene"
// (Johannes Weiner, 11 Sep 2023, <20230911195023.247694-1-hannes@cmpxchg.org>), on v6.6-rc1 plus
// the pcp bypass fix (7b086755fb8c). Each patch is a posted commit; where it differs from the
// mainline commit it became (notes: V2-2023-freelist-migratetype-hygiene.md), the difference is
// a switch of its own.
#include "model/variants/variants.hpp"

namespace pagecheck::model {

void register_hygiene_v2(std::vector<Commit>& v) {
  constexpr std::string_view kPosted = "posted 2023-09-11";
  v.push_back(
      {"V2-1/6",
       "mm: page_alloc: remove pcppage migratetype caching",
       kPosted,
       "as 17edeb5d3f76, but free_pcppages_bulk() keeps VM_BUG_ON_PAGE(is_migrate_isolate(mt)) on the "
       "type it now reads from the block (the BUG Mike Kravetz hit, removed in V3)",
       {},
       [](Kernel& k) { k.features |= F_NO_PCPPAGE_MT_CACHE | F_V2_KEEP_PCP_BULK_BUG_ON; }});
  v.push_back({"V2-2/6",
               "mm: page_alloc: fix up block types when merging compatible blocks",
               kPosted,
               "as e6cf9e1c4cde, but the buddy's block is retyped while the buddy is still on its list "
               "(V3/V4 10/10 retypes after the removal)",
               {},
               [](Kernel& k) { k.features |= F_MERGE_FIXES_BLOCK_TYPE | F_V2_MERGE_RETYPE_BEFORE_DEL; }});
  v.push_back({"V2-3/6",
               "mm: page_alloc: move free pages when converting block during isolation",
               kPosted,
               "as b54ccd3c6bac (identical)",
               {},
               [](Kernel& k) { k.features |= F_ISOLATE_FREE_PAGE_MOVES; }});
  v.push_back({"V2-4/6",
               "mm: page_alloc: fix move_freepages_block() range error",
               kPosted,
               "a block starting below the zone is moved from zone_start_pfn (2dd482ba627d refuses it)",
               {},
               [](Kernel& k) { k.features |= F_V2_MOVE_CLAMPS_ZONE_START; }});
  v.push_back(
      {"V2-5/6",
       "mm: page_alloc: fix freelist movement during block conversion",
       kPosted,
       "as c0cd6f557b90, but a claimed block falls through to the single-page path with the new type "
       "(no __rmqueue_smallest()), the range is still clamped to the zone start, and __rmqueue() "
       "skips the regular fallback whenever ALLOC_CMA is set (the bug Baolin Wang fixed in April 2024)",
       {"V2-4/6"},
       [](Kernel& k) { k.features |= F_BLOCK_CONVERSION_TXN | F_V2_STEAL_SHAPE | F_V2_CMA_FALLBACK_ELSE; }});
  v.push_back({"V2-6/6",
               "mm: page_alloc: consolidate free page accounting",
               kPosted,
               "as e0932b6c1f94 (account_freepages(), the \"page type is %lu, passed migratetype is %d\" "
               "VM_WARNs), but __free_one_page() reads buddy_mt at every order and removes the buddy with it",
               {"V2-5/6"},
               [](Kernel& k) {
                 k.features |= F_ACCOUNT_FREEPAGES | F_V2_BUDDY_MT_EVERY_ORDER;
                 k.fn.__add_to_free_list = hygiene::__add_to_free_list;
                 k.fn.move_to_free_list = hygiene::move_to_free_list;
                 k.fn.__del_page_from_free_list = hygiene::__del_page_from_free_list;
                 k.fn.del_page_from_free_list = hygiene::del_page_from_free_list;
               }});
}

}  // namespace pagecheck::model

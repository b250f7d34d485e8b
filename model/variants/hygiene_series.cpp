// The v6.10 "freelist migratetype hygiene" series (Johannes Weiner, V4 of 20 March 2024, merged
// for v6.10), as far as the model's functions are concerned. Each commit sets the switch of
// the branch it adds and installs the functions it introduces or rewrites. "requires" follows
// the series order where a later patch's code is written against an earlier one's.
#include "model/variants/variants.hpp"

namespace pagecheck::model {

void register_hygiene_series(std::vector<Commit>& v) {
  v.push_back({"17edeb5d3f76",
               "mm: page_alloc: remove pcppage migratetype caching",
               "v6.10",
               "no set_pcppage_migratetype() cache; rmqueue_buddy() accounts by the block's type",
               {},
               [](Kernel& k) { k.features |= F_NO_PCPPAGE_MT_CACHE; }});
  v.push_back({"9cbe97bad5cd",
               "mm: page_alloc: optimize free_unref_folios()",
               "v6.10",
               "free_unref_folios() checks for isolated blocks in its second, pcp-locked loop; the model has "
               "no batched free operation, so nothing it runs changes",
               {"17edeb5d3f76"},
               [](Kernel&) {}});
  v.push_back({"e6cf9e1c4cde",
               "mm: page_alloc: fix up block types when merging compatible blocks",
               "v6.10",
               "__free_one_page() sets the buddy's pageblock to the freed page's type when it merges",
               {},
               [](Kernel& k) { k.features |= F_MERGE_FIXES_BLOCK_TYPE; }});
  v.push_back({"b54ccd3c6bac",
               "mm: page_alloc: move free pages when converting block during isolation",
               "v6.10",
               "__isolate_free_page() that retypes a block to MOVABLE also moves the block's other free "
               "pages to the MOVABLE lists",
               {},
               [](Kernel& k) { k.features |= F_ISOLATE_FREE_PAGE_MOVES; }});
  v.push_back(
      {"2dd482ba627d",
       "mm: page_alloc: fix move_freepages_block() range error",
       "v6.10",
       "move_freepages_block() refuses (moves nothing from) a block that starts outside the zone instead "
       "of moving the part from the pivot page on",
       {},
       [](Kernel& k) { k.features |= F_MOVE_FREEPAGES_RANGE_FIX; }});
  v.push_back({"c0cd6f557b90",
               "mm: page_alloc: fix freelist movement during block conversion",
               "v6.10",
               "block conversion moves the free pages first and retypes only if that worked (fallback "
               "stealing, highatomic reserve and unreserve, isolation, __isolate_free_page()); "
               "move_freepages_block() fails (-1) on a block crossing the zone and set_migratetype_isolate() "
               "returns -EBUSY for it; steal_suitable_fallback() takes the page off the list itself and "
               "__rmqueue() no longer retries (with Baolin Wang's folded fix for CMA)",
               {"2dd482ba627d", "b54ccd3c6bac"},
               [](Kernel& k) { k.features |= F_BLOCK_CONVERSION_TXN; }});
  v.push_back({"55612e80e722",
               "mm: page_alloc: close migratetype race between freeing and stealing",
               "v6.10",
               "free_one_page() reads the pageblock type under zone->lock, not before taking it",
               {},
               [](Kernel& k) { k.features |= F_FREE_MT_UNDER_ZONE_LOCK; }});
  v.push_back({"f37c0f6876a8",
               "mm: page_alloc: set migratetype inside move_freepages()",
               "v6.10",
               "move_freepages_block(zone, page, old_mt, new_mt) sets the block type after moving",
               {"c0cd6f557b90"},
               [](Kernel& k) { k.features |= F_MOVE_FREEPAGES_SETS_TYPE; }});
  v.push_back({"fd919a85cd55",
               "mm: page_isolation: prepare for hygienic freelists",
               "v6.10",
               "set_migratetype_isolate() splits a straddling free buddy in the same zone->lock section "
               "(move_freepages_block_isolate, split_large_buddy); split_free_page() is gone",
               {"c0cd6f557b90", "f37c0f6876a8"},
               [](Kernel& k) {
                 k.features |= F_ISOLATE_SPLITS_UNDER_LOCK;
                 k.fn.move_freepages_block_isolate = hygiene::move_freepages_block_isolate;
                 k.fn.split_large_buddy = hygiene::split_large_buddy;
                 k.fn.set_migratetype_isolate = hygiene::set_migratetype_isolate;
                 k.fn.unset_migratetype_isolate = hygiene::unset_migratetype_isolate;
                 k.fn.split_free_page = nullptr;
                 k.procs[P_isolate_single_pageblock] = &hygiene::isolate_single_pageblock;
               }});
  v.push_back(
      {"e0932b6c1f94",
       "mm: page_alloc: consolidate free page accounting",
       "v6.10",
       "account_freepages() at every list insertion and removal; VM_WARN \"page type is %lu, "
       "passed migratetype is %d\" in __add_to_free_list, move_to_free_list, __del_page_from_free_list",
       {"c0cd6f557b90"},
       [](Kernel& k) {
         k.features |= F_ACCOUNT_FREEPAGES;
         k.fn.__add_to_free_list = hygiene::__add_to_free_list;
         k.fn.move_to_free_list = hygiene::move_to_free_list;
         k.fn.__del_page_from_free_list = hygiene::__del_page_from_free_list;
         k.fn.del_page_from_free_list = hygiene::del_page_from_free_list;
       }});
  v.push_back(
      {"e1f42a577f63",
       "mm: page_alloc: change move_freepages() to __move_freepages_block()",
       "v6.10",
       "refactor to exactly one pageblock with an exclusive end; no change in behaviour, and none the "
       "model can see",
       {"e0932b6c1f94"},
       [](Kernel&) {}});
  v.push_back({"883dd161e9a8",
               "mm: page_alloc: batch vmstat updates in expand()",
               "v6.10",
               "one account_freepages() per expand(); the counters end the step with the same values, so "
               "nothing the model can see",
               {"e0932b6c1f94"},
               [](Kernel&) {}});
  v.push_back(
      {"7cc5a5d65011",
       "mm: page_alloc: fix highatomic typing in multi-block buddies",
       "v6.10 (-rc4, inferred)",
       "reserve_highatomic_pageblock() of a buddy of pageblock order or more retypes all its blocks "
       "and reserves 1 << order; unreserve moves it back the same way (diff reconstructed from v6.11)",
       {"f37c0f6876a8", "e0932b6c1f94"},
       [](Kernel& k) { k.features |= F_HIGHATOMIC_MULTIBLOCK; }});
}

}  // namespace pagecheck::model

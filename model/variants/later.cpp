// Commits after v6.10 that change what the model runs: v6.11 to v6.17.
#include "model/variants/variants.hpp"

namespace pagecheck::model {

void register_later(std::vector<Commit>& v) {
  v.push_back({"zone-pcp-drain-latency",
               "mm: page_alloc: control latency caused by zone PCP draining",
               "v6.11 (Lucas Stach, 2024; backported to 6.1.y; mainline hash not established, in v6.11.0)",
               "drain_pages_zone() takes the pcp lock, reads pcp->count under it and drains at most "
               "batch << CONFIG_PCP_BATCH_SCALE_MAX pages per hold, repeating; no lockless count check first",
               {},
               [](Kernel& k) { k.features |= F_DRAIN_ZONE_BATCHED; }});
  v.push_back(
      {"e98337d11bbd",
       "mm/contig_alloc: support __GFP_COMP",
       "v6.12",
       "split_large_buddy() takes any order and frees in chunks of at most a pageblock, each with its "
       "block's type; free_one_page() frees through it",
       {"fd919a85cd55", "55612e80e722"},
       [](Kernel& k) {
         k.features |= F_FREE_ONE_PAGE_SPLITS;
         k.fn.split_large_buddy = v6_12::split_large_buddy;
       }});
  v.push_back({"c928807f6f6b",
               "mm/page_alloc: keep track of free highatomic",
               "v6.12",
               "account_freepages() keeps zone->nr_free_highatomic, the free pages on HIGHATOMIC lists",
               {"e0932b6c1f94"},
               [](Kernel& k) { k.features |= F_NR_FREE_HIGHATOMIC; }});
  v.push_back(
      {"remnants-of-unlocked-mt-updates",
       "mm: page_alloc: remove remnants of unlocked migratetype updates",
       "v6.15 (posted 24 Feb 2025, <20250225001023.1494422-3-hannes@cmpxchg.org>; mainline hash not "
       "established)",
       "unreserve_highatomic_pageblock() trusts the HIGHATOMIC list (no re-check of the block, "
       "WARN_ON_ONCE on an underflow); the fallback no longer skips HIGHATOMIC blocks \"due to races\"",
       {"e0932b6c1f94"},
       [](Kernel& k) { k.features |= F_NO_RACY_MT_REMNANTS; }});
  v.push_back({"c2f6ea38fc1b",
               "mm: page_alloc: don't steal single pages from biggest buddy",
               "v6.15",
               "__rmqueue() falls back by claiming a whole block (__rmqueue_claim(), try_to_claim_block(), "
               "largest first) and only then by stealing a single page (__rmqueue_steal(), smallest first)",
               {"remnants-of-unlocked-mt-updates"},
               [](Kernel& k) {
                 k.features |= F_RMQUEUE_CLAIM_STEAL;
                 k.fn.__rmqueue = v6_15::__rmqueue;
               }});
  v.push_back(
      {"90abee6d7895",
       "mm: page_alloc: speed up fallbacks in rmqueue_bulk()",
       "v6.15",
       "rmqueue_bulk() remembers in which mode (NORMAL, CMA, CLAIM, STEAL) __rmqueue() last found a page "
       "and starts the next one there",
       {"c2f6ea38fc1b"},
       [](Kernel& k) { k.features |= F_RMQUEUE_MODE_MEMO; }});
  v.push_back({"pb-isolate-bit",
               "mm/page_isolation: make page isolation a standalone bit",
               "v6.17 (Zi Yan, v6 of 30 May 2025, <20250530162227.715551-3-ziy@nvidia.com>, with its series' "
               "\"remove migratetype from move_freepages_block_isolate()\" and \"... from "
               "undo_isolate_page_range()\"; mainline hashes not established)",
               "PB_migrate_isolate is a pageblock bit of its own: isolation keeps the block's type, "
               "pageblock_(un)isolate_and_move_free_pages() replace move_freepages_block_isolate(), "
               "unset_migratetype_isolate() restores the kept type, set_pageblock_migratetype() refuses "
               "ISOLATE and warns on an isolated block, __move_freepages_block() no longer retypes",
               {"fd919a85cd55", "e98337d11bbd"},
               [](Kernel& k) {
                 k.features |= F_PB_ISOLATE_BIT;
                 k.fn.get_pfnblock_migratetype = v6_17::get_pfnblock_migratetype;
                 k.fn.set_pageblock_migratetype = v6_17::set_pageblock_migratetype;
                 k.fn.move_freepages_block_isolate = v6_17::move_freepages_block_isolate;
                 k.fn.set_migratetype_isolate = v6_17::set_migratetype_isolate;
                 k.fn.unset_migratetype_isolate = v6_17::unset_migratetype_isolate;
               }});
}

}  // namespace pagecheck::model

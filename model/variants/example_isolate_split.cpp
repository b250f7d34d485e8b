// The worked example of docs/writing-a-variant.md: fd919a85cd55 ("mm: page_isolation: prepare for
// hygienic freelists", V4 09/10, LKML 20 Mar 2024, <20240320180429.678181-10-hannes@cmpxchg.org>)
// modelled as if it were a new patch posted on top of the September 2023 V2 series, the way a
// reviewer models a patch from its diff. The mainline model of the same commit is in
// model/kernel/page_alloc.cpp and page_isolation.cpp (hygiene::); tests hold the two to the same
// verdicts.
#include <fmt/format.h>

#include "model/kernel/internal.hpp"
#include "model/variants/variants.hpp"

namespace pagecheck::model {

namespace example {

// move_freepages_block_isolate(), from the patch (mm/page_alloc.c): under the caller's zone->lock,
// a free buddy that straddles the block -- the block is its tail, or its head -- is taken off its
// list, the block retyped, and the buddy freed again pageblock by pageblock, each piece with its
// own block's type (split_large_buddy()); otherwise the block's free pages move and it is retyped.
bool move_freepages_block_isolate(Ctx& c, int page, Mt mt) {
  Scope sc(c, "move_freepages_block_isolate", "fd919a85cd55 as posted (V4 09/10)",
           [&] { return fmt::format("pfn {}, {}", page, mt_name(mt)); });
  int start_pfn = 0;
  if (!prep_move_freepages_block(c, page, &start_pfn, nullptr, nullptr)) return false;
  if (pageblock_order(c) != MAX_PAGE_ORDER(c)) {  // the folded -Warray-bounds fix: "goto move"
    // The block is the tail of a larger free buddy, or its head.
    int head = find_large_buddy(c, start_pfn);
    bool straddles = head != start_pfn;
    if (!straddles && PageBuddy(c, page) && buddy_order(c, page) > pageblock_order(c)) {
      head = page;
      straddles = true;
    }
    if (straddles) {
      int order = buddy_order(c, head);
      c.k.fn.del_page_from_free_list(c, head, order, c.k.fn.get_pfnblock_migratetype(c, head));
      c.k.fn.set_pageblock_migratetype(c, page, mt);
      c.k.fn.split_large_buddy(c, head, order, FPI_NONE);
      return true;
    }
  }
  __move_freepages_block(c, start_pfn, c.k.fn.get_pfnblock_migratetype(c, start_pfn), mt);
  return true;
}

}  // namespace example

void register_examples(std::vector<Commit>& v) {
  v.push_back(
      {"example-isolate-split",
       "mm: page_isolation: prepare for hygienic freelists (fd919a85cd55 modelled as a proposed patch)",
       "worked example (docs/writing-a-variant.md)",
       "set_migratetype_isolate() splits a straddling free buddy in the zone->lock section that isolates "
       "the block (move_freepages_block_isolate(), split_large_buddy()); isolate_single_pageblock() no "
       "longer splits, it warns if a free page still crosses the boundary; split_free_page() is gone",
       {"V2-5/6"},
       [](Kernel& k) {
         k.fn.move_freepages_block_isolate = example::move_freepages_block_isolate;
         // The rest of the patch is what the mainline model already has; a new patch
         // would bring its own functions here the same way.
         k.fn.split_large_buddy = hygiene::split_large_buddy;
         k.fn.set_migratetype_isolate = hygiene::set_migratetype_isolate;
         k.fn.unset_migratetype_isolate = hygiene::unset_migratetype_isolate;
         k.fn.split_free_page = nullptr;
         k.procs[P_isolate_single_pageblock] = &hygiene::isolate_single_pageblock;
         k.features |= F_ISOLATE_SPLITS_UNDER_LOCK;
       }});
}

}  // namespace pagecheck::model

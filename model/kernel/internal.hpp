// Helpers the modelled source files share (the model's mm/internal.h). Not part of the table:
// a commit that changes one of these changes it through a Feature branch.
#pragma once

#include <string>

#include "model/kernel/kernel.hpp"

namespace pagecheck::model {

// Citations used by several files.
inline constexpr const char* kPA61 = "mm/page_alloc.c, v6.1.8";
inline constexpr const char* kPA611 = "mm/page_alloc.c, v6.11 (v6.10 bodies)";
inline constexpr const char* kPA71 = "mm/page_alloc.c, v7.1.8";
inline constexpr const char* kPI61 = "mm/page_isolation.c, v6.1.8";
inline constexpr const char* kPI611 = "mm/page_isolation.c, v6.11 (v6.10 bodies)";
inline constexpr const char* kPI71 = "mm/page_isolation.c, v7.1.8";

std::string pfn_order(int pfn, int order);

// The pages the caller held become free: owner cleared, PageLRU and the like dropped.
void release_pages(Ctx& c, int pfn, int order);
// The pages become the CPU's (prep_new_page() and the caller's reference).
void take_pages(Ctx& c, int pfn, int order, Mt mt);
bool pages_allocated(const Ctx& c, int pfn, int order);

void take_zone_lock(Ctx& c);

// page_alloc.c helpers shared by the pcp, fallback and isolation code.
int find_buddy_page_pfn(Ctx& c, int pfn, int order);  // -1 when there is none
int find_large_buddy(Ctx& c, int start_pfn);
// prep_move_freepages_block(): false when the block crosses the zone; counts free and
// movable pages when asked.
bool prep_move_freepages_block(Ctx& c, int pfn, int* start_pfn, int* num_free, int* num_movable);
int __move_freepages_block(Ctx& c, int start_pfn, Mt old_mt, Mt new_mt);
int move_freepages_block_counting(Ctx& c, int pfn, Mt old_mt, Mt new_mt, int* num_movable);
void change_pageblock_range(Ctx& c, int pfn, int start_order, Mt mt);
Mt get_pcppage_migratetype(const Ctx& c, int pfn);  // page->index, <= v6.9
void set_pcppage_migratetype(Ctx& c, int pfn, Mt mt);

// pcp helpers (page_alloc_pcp.cpp).
bool pcp_allowed_order(const Ctx& c, int order);
int order_to_pindex(const Ctx& c, Mt mt, int order);
int pindex_to_order(const Ctx& c, int pindex);
inline constexpr int kPcpTrylockFailed = -2;
// rmqueue_pcplist(): a page off this CPU's pcp list (refilled by rmqueue_bulk() under
// zone->lock when empty), -1 when none, kPcpTrylockFailed when the pcp->lock is taken.
int rmqueue_pcplist(Ctx& c, int order, Mt mt, int alloc_flags);
// The part of free_unref_page() after the lockless type read: true when the page went on the
// pcp list (or to the buddy under the pcp lock), false when pcp_spin_trylock() failed.
bool free_unref_page_commit_locked(Ctx& c, int pfn, int order, Mt pcpmt);
int pcp_count(const Ctx& c, int cpu);

// page_alloc_contig.cpp
void __offline_isolated_pages(Ctx& c, int start_pfn, int end_pfn);
void zone_pcp_set_disabled(Ctx& c, bool disabled);

// Racy pre-check of reserve_highatomic_pageblock(): false when the limit says no.
bool highatomic_below_limit(Ctx& c);

}  // namespace pagecheck::model

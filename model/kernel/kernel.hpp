// The modelled kernel as a table: one entry per modelled function that a commit may replace,
// plus behaviour switches for commits whose change is a branch inside a shared function.
// A baseline fills the table; each modelled commit of a variant replaces entries and sets
// switches (model/variants/).
#pragma once

#include <array>
#include <cstdint>

#include "model/machine.hpp"
#include "model/types.hpp"

namespace pagecheck::model {

// Procedures: functions whose body spans more than one atomic step (they own a call frame).
enum ProcId : uint8_t {
  P_alloc_pages,               // operation: __alloc_pages -> get_page_from_freelist -> rmqueue
  P_free_pages,                // operation: __free_pages -> free_the_page
  P_start_isolate_page_range,  // operation entry (isolate_range)
  P_isolate_single_pageblock,
  P_undo_isolate_page_range,  // operation entry (undo_isolate_range)
  P_drain_all_pages,          // operation entry; also called by alloc_contig_range/offline
  P_drain_pages_zone,         // one CPU's pcp list, drained under its pcp->lock
  P_unreserve_highatomic,     // operation entry: unreserve_highatomic_pageblock()
  P_isolate_freepages_block,  // operation entry (compaction.c, the free scanner)
  P_test_pages_isolated,
  P_alloc_contig_range,  // operation entry
  P_offline_pages,       // operation entry (memory_hotplug.c)
  P_free_contig_range,
  // hugetlb and HVO (model/kernel/hugetlb.cpp, hugetlb_vmemmap.cpp)
  P_folio_put,  // operation entry: the last user drops its reference
  P_free_huge_folio,
  P_update_and_free_hugetlb_folio,
  P___update_and_free_hugetlb_folio,
  P_free_hpage_work,  // the worker thread running free_hpage_work
  P_free_hpage_workfn,
  P_dissolve_free_hugetlb_folio,  // operation entry
  P_dissolve_free_hugetlb_folios,
  P_alloc_fresh_hugetlb_folio,
  P_alloc_surplus_hugetlb_folio,  // operation entry
  P_hugetlb_vmemmap_optimize_folio,
  P_hugetlb_vmemmap_restore_folio,
  // alloc_pages_exact (model/kernel/page_alloc_ops.cpp)
  P_alloc_pages_exact,  // operation entry
  P_free_pages_exact,   // operation entry
  P___free_pages_ok,    // __free_pages_ok(page, order, fpi): no pcp
  // memmap_on_memory (model/kernel/memory_hotplug.cpp)
  P_add_memory,     // operation entry
  P_remove_memory,  // operation entry
  P_COUNT,
};
inline constexpr int kMaxProcs = 64;

// Behaviour switches, one per modelled commit whose change is a branch in a shared function.
enum Feature : uint64_t {
  // 17edeb5d3f76 mm: page_alloc: remove pcppage migratetype caching (v6.10)
  F_NO_PCPPAGE_MT_CACHE = 1ull << 0,
  // e6cf9e1c4cde mm: page_alloc: fix up block types when merging compatible blocks (v6.10)
  F_MERGE_FIXES_BLOCK_TYPE = 1ull << 1,
  // 2dd482ba627d mm: page_alloc: fix move_freepages_block() range error (v6.10)
  F_MOVE_FREEPAGES_RANGE_FIX = 1ull << 2,
  // 55612e80e722 mm: page_alloc: close migratetype race between freeing and stealing (v6.10)
  F_FREE_MT_UNDER_ZONE_LOCK = 1ull << 3,
  // f37c0f6876a8 mm: page_alloc: set migratetype inside move_freepages() (v6.10)
  F_MOVE_FREEPAGES_SETS_TYPE = 1ull << 4,
  // fd919a85cd55 mm: page_isolation: prepare for hygienic freelists (v6.10)
  F_ISOLATE_SPLITS_UNDER_LOCK = 1ull << 5,
  // e0932b6c1f94 mm: page_alloc: consolidate free page accounting (v6.10): account_freepages()
  // at list insertion and removal, and the VM_WARNs on list types.
  F_ACCOUNT_FREEPAGES = 1ull << 6,
  // c0cd6f557b90 mm: page_alloc: fix freelist movement during block conversion (v6.10): move the
  // free pages first, retype only if that worked; move_freepages_block() fails (-1) on a block
  // that crosses the zone.
  F_BLOCK_CONVERSION_TXN = 1ull << 7,
  // ad53f92eb416 mm/page_alloc: fix incorrect isolation behavior by rechecking migratetype
  // (v3.18), with its series' 51bb1a4093cc: zone->nr_isolate_pageblock, and the free paths
  // re-read the block type under zone->lock when the zone has isolated blocks.
  F_ISOLATE_RECHECK_ON_FREE = 1ull << 8,
  // d9dddbf55667 mm/page_alloc: prevent merging between isolated and other pageblocks (v4.6),
  // in its v6.5 form (1dd214b8f21c, v5.18, extended it to every type without fallbacks).
  F_MERGE_CHECKS_BUDDY_TYPE = 1ull << 9,
  // 7b086755fb8c mm: page_alloc: fix CMA and HIGHATOMIC landing on the wrong buddy list (v6.6)
  F_PCP_BYPASS_TRUE_MT = 1ull << 10,
  // b54ccd3c6bac mm: page_alloc: move free pages when converting block during isolation (v6.10)
  F_ISOLATE_FREE_PAGE_MOVES = 1ull << 11,
  // 7cc5a5d65011 mm: page_alloc: fix highatomic typing in multi-block buddies (v6.10)
  F_HIGHATOMIC_MULTIBLOCK = 1ull << 12,
  // the v6.8 highatomic limit: ALIGN(managed / 100, pageblock_nr_pages), none below 1%
  F_HIGHATOMIC_SMALL_ZONE = 1ull << 13,
  // the v6.7 drain_pages_zone(): lock, read count, drain at most batch << 5, repeat
  F_DRAIN_ZONE_BATCHED = 1ull << 14,
  // September 2023 V2 posting, where it differs from the mainline commits:
  F_V2_KEEP_PCP_BULK_BUG_ON = 1ull << 15,     // 1/6 keeps VM_BUG_ON_PAGE(is_migrate_isolate(mt))
  F_V2_MERGE_RETYPE_BEFORE_DEL = 1ull << 16,  // 2/6 retypes the buddy while it is on its list
  F_V2_MOVE_CLAMPS_ZONE_START = 1ull << 17,   // 4/6 clamps the range to zone_start_pfn
  F_V2_STEAL_SHAPE = 1ull << 18,              // 5/6: claimed block falls through to single_page
  F_V2_CMA_FALLBACK_ELSE = 1ull << 19,        // 5/6: no regular fallback when ALLOC_CMA is set
  F_V2_BUDDY_MT_EVERY_ORDER = 1ull << 20,     // 6/6 reads buddy_mt at every order
  // e98337d11bbd mm/contig_alloc: support __GFP_COMP (v6.12): free_one_page() frees through
  // split_large_buddy(), each pageblock with its own type
  F_FREE_ONE_PAGE_SPLITS = 1ull << 21,
  // v6.12: account_freepages() keeps zone->nr_free_highatomic
  F_NR_FREE_HIGHATOMIC = 1ull << 22,
  // v6.15 fallback rework: __rmqueue_claim() / __rmqueue_steal() / try_to_claim_block()
  F_RMQUEUE_CLAIM_STEAL = 1ull << 23,
  // v6.17: PB_migrate_isolate, a standalone pageblock bit
  F_PB_ISOLATE_BIT = 1ull << 24,
  // v6.15: "remove remnants of unlocked migratetype updates": unreserve_highatomic_pageblock()
  // trusts the list type (no block re-check), the fallback path no longer guards HIGHATOMIC
  F_NO_RACY_MT_REMNANTS = 1ull << 25,
  // 90abee6d7895 mm: page_alloc: speed up fallbacks in rmqueue_bulk() (v6.15): the rmqueue_mode memo
  F_RMQUEUE_MODE_MEMO = 1ull << 26,
  // 7ffddd499ba6 mm: hugetlb: fix a race between freeing and dissolving the page (v5.11): HPG_freed,
  // and dissolve_free_hugetlb_folio() retries while a folio with no reference is not on the free list
  F_HUGETLB_FREED_MARKER = 1ull << 27,
  // 32c877191e02 hugetlb: do not clear hugetlb dtor until allocating vmemmap (v6.5)
  F_HUGETLB_FLAG_AFTER_VMEMMAP = 1ull << 28,
  // d8f5f7e445f0 hugetlb: set hugetlb page flag before optimizing vmemmap (v6.6), with its
  // VM_WARN_ON_ONCE(!PageHuge) in hugetlb_vmemmap_optimize()/_restore()
  F_HUGETLB_FLAG_BEFORE_OPTIMIZE = 1ull << 29,
  // 52ccdde16b65 mm/hugetlb: fix DEBUG_LOCKS_WARN_ON(1) when dissolve_free_hugetlb_folio() (v6.9):
  // __update_and_free_hugetlb_folio() clears the flag if folio_test_hugetlb(), not if clear_dtor
  F_HUGETLB_CLEAR_IF_HUGETLB = 1ull << 30,
  // 67bab13307c8 mm/hugetlb: wait for hugetlb folios to be freed (v6.14): test_pages_isolated()
  // flushes free_hpage_work first
  F_WAIT_FREED_HUGETLB = 1ull << 31,
  // "mm/hugetlb: fix surplus pages in dissolve_free_huge_page()" (v6.14): dissolve adjusts
  // surplus_huge_pages when the node has surplus pages
  F_DISSOLVE_ADJUST_SURPLUS = 1ull << 32,
  // the RFC v6-v13 design of HVO (Nov 2020 - Jan 2021): vmemmap pages are allocated in a loop
  // with msleep(100) until it succeeds; freeing never fails
  F_VMEMMAP_RETRY_FOREVER = 1ull << 33,
  // df48a5f7a3bb mm/page_alloc: reduce potential fragmentation in make_alloc_exact() (v6.1)
  F_ALLOC_EXACT_TO_TAIL = 1ull << 34,
  // design: an arch_supports_memmap_on_memory() that accepts any vmemmap size (no PMD gate)
  F_MHP_NO_PMD_GATE = 1ull << 35,
};

// __free_one_page() flags (fpi_t) the model distinguishes.
inline constexpr int FPI_NONE = 0;
inline constexpr int FPI_TO_TAIL = 1 << 1;

// alloc_flags the model distinguishes (mm/internal.h).
inline constexpr int ALLOC_CMA = 1 << 0;         // gfp_to_alloc_flags_cma(): movable requests
inline constexpr int ALLOC_HIGHATOMIC = 1 << 1;  // high-order atomic (ALLOC_HARDER before v6.3)
inline constexpr int ALLOC_OOM = 1 << 2;

// The kernel's own checks the model evaluates (reported as Obs::KernelCheck).
enum KernelCheck : uint8_t {
  KC_ADD_TO_FREE_LIST_TYPE,      // VM_WARN_ONCE in __add_to_free_list (v6.10)
  KC_MOVE_TO_FREE_LIST_TYPE,     // VM_WARN_ONCE in move_to_free_list (v6.10)
  KC_DEL_FROM_FREE_LIST_TYPE,    // VM_WARN_ONCE in __del_page_from_free_list (v6.10)
  KC_SPLIT_LARGE_BUDDY,          // VM_WARN_ON_ONCE in split_large_buddy (v6.10)
  KC_ISOLATE_SCAN_STRADDLE,      // VM_WARN_ON_ONCE(pfn + (1 << order) > boundary_pfn) (v6.10)
  KC_UNSET_ISOLATE_MOVE,         // WARN_ON_ONCE(!move_freepages_block_isolate()) in unset (v6.10)
  KC_UNSET_ISOLATE_FREE_PAGE,    // VM_WARN_ON(!isolated_page) in unset_migratetype_isolate
  KC_PCP_BULK_ISOLATE,           // VM_BUG_ON_PAGE(is_migrate_isolate(mt)) in free_pcppages_bulk
  KC_OFFLINE_NOT_ISOLATED,       // VM_WARN_ON(type != MIGRATE_ISOLATE) in __offline_isolated_pages
  KC_OFFLINE_PAGE_COUNT,         // BUG_ON(page_count(page)) in __offline_isolated_pages
  KC_UNRESERVE_HIGHATOMIC,       // WARN_ON_ONCE(ret == -1) in unreserve_highatomic_pageblock
  KC_ISOLATE_STATE,              // VM_WARN_ONCE "%s a pageblock that is already in that state" (v6.17)
  KC_SET_PAGEBLOCK_ISOLATE,      // VM_WARN_ONCE in set_pageblock_migratetype (v6.17)
  KC_HUGETLB_ENQUEUE_REF,        // VM_BUG_ON_FOLIO(folio_ref_count(folio)) in enqueue_hugetlb_folio
  KC_HUGETLB_ADD_NOT_OPTIMIZED,  // VM_BUG_ON_FOLIO(!vmemmap_optimized) in add_hugetlb_folio
  KC_HUGETLB_FREE_REF,           // VM_BUG_ON_FOLIO(folio_ref_count(folio)) in free_huge_folio
  KC_FOLIO_HSTATE,               // VM_BUG_ON_FOLIO(!folio_test_hugetlb(folio)) in folio_hstate()
  KC_VMEMMAP_NOT_HUGETLB,        // VM_WARN_ON_ONCE_FOLIO(!folio_test_hugetlb) in HVO (d8f5f7e445f0)
  KC_VMEMMAP_REFCOUNT,           // VM_WARN_ON_ONCE_FOLIO(folio_ref_count(folio)) in HVO
  KC_PUT_ZERO_REF,               // VM_BUG_ON_PAGE(page_ref_count(page) == 0) in put_page_testzero
  KC_ALTMAP_NOT_UNMAPPED,        // WARN(altmap->alloc, "Altmap not fully unmapped") (v6.8+)
  KC_COUNT,
};
const char* kernel_check_name(int check);

// Functions a commit can replace. Each runs inside one step.
struct KernelFns {
  // include/linux/pageblock-flags.h, mm/page_alloc.c
  Mt (*get_pfnblock_migratetype)(Ctx&, int pfn);
  void (*set_pageblock_migratetype)(Ctx&, int pfn, Mt mt);
  // Free list primitives (mm/page_alloc.c). The plain forms account free pages only where
  // F_ACCOUNT_FREEPAGES says the kernel does.
  void (*__add_to_free_list)(Ctx&, int pfn, int order, Mt mt, bool tail);
  void (*move_to_free_list)(Ctx&, int pfn, int order, Mt old_mt, Mt new_mt);
  void (*__del_page_from_free_list)(Ctx&, int pfn, int order, Mt mt);
  void (*del_page_from_free_list)(Ctx&, int pfn, int order, Mt mt);
  // Allocation.
  int (*expand)(Ctx&, int pfn, int low, int high, Mt mt);  // pages added back
  int (*__rmqueue_smallest)(Ctx&, int order, Mt mt);       // pfn, or -1
  // pfn, or -1; `mode` is rmqueue_bulk()'s enum rmqueue_mode (v6.15+), nullptr elsewhere
  int (*__rmqueue)(Ctx&, int order, Mt mt, int alloc_flags, int* mode);
  int (*__rmqueue_fallback)(Ctx&, int order, Mt start_mt, int alloc_flags);  // pfn / found, or -1
  int (*rmqueue_buddy)(Ctx&, int order, Mt mt, int alloc_flags);             // takes zone->lock
  void (*reserve_highatomic_pageblock)(Ctx&, int pfn, int order);            // the locked part
  int (*unreserve_highatomic_pageblock)(Ctx&, Mt mt, bool force);            // takes zone->lock
  // Freeing.
  void (*__free_one_page)(Ctx&, int pfn, int order, Mt mt, int fpi);
  void (*split_large_buddy)(Ctx&, int pfn, int order, int fpi);
  void (*free_one_page)(Ctx&, int pfn, int order, Mt mt, int fpi);       // takes zone->lock
  void (*free_pcppages_bulk)(Ctx&, int pcp_cpu, int count, int pindex);  // takes zone->lock
  // Pageblock conversion and isolation.
  int (*move_freepages_block)(Ctx&, int pfn, Mt old_mt, Mt new_mt);  // pages moved, or -1
  bool (*move_freepages_block_isolate)(Ctx&, int pfn, Mt mt);
  bool (*has_unmovable_pages)(Ctx&, int start_pfn, int end_pfn, Mt mt);
  int (*set_migratetype_isolate)(Ctx&, int pfn, Mt mt, int start_pfn, int end_pfn);  // takes zone->lock
  void (*unset_migratetype_isolate)(Ctx&, int pfn, Mt mt);                           // takes zone->lock
  int (*split_free_page)(Ctx&, int pfn, int order, int split_pfn_offset);            // takes zone->lock
  int (*__isolate_free_page)(Ctx&, int pfn, int order);
  void (*__putback_isolated_page)(Ctx&, int pfn, int order, Mt mt);
};

struct Kernel {
  std::array<const ProcDef*, kMaxProcs> procs{};
  KernelFns fn{};
  uint64_t features = 0;
  bool has(Feature f) const { return (features & f) != 0; }
};

// Helpers every modelled function uses (mm/internal.h, include/linux/mm.h).
inline int pageblock_nr_pages(const Ctx& c) {
  return c.L.geo.pageblock_nr_pages();
}
inline int pageblock_order(const Ctx& c) {
  return c.L.geo.pageblock_order;
}
inline int MAX_PAGE_ORDER(const Ctx& c) {
  return c.L.geo.max_order;
}
// PageBuddy() and buddy_order(), include/linux/page-flags.h and mm/internal.h, v6.1.8
inline bool PageBuddy(const Ctx& c, int pfn) {
  return (c.s.flags(pfn) & PG_buddy) != 0;
}
inline int buddy_order(const Ctx& c, int pfn) {
  return c.s.priv(pfn);
}
// pageblock_start_pfn(), pageblock_end_pfn(), pageblock_align(), include/linux/pageblock-flags.h
// and mm/internal.h, v6.1.8; zone_spans_pfn(), include/linux/mmzone.h, v6.1.8
inline int pageblock_start_pfn(const Ctx& c, int pfn) {
  return c.L.geo.pageblock_start_pfn(pfn);
}
inline int pageblock_end_pfn(const Ctx& c, int pfn) {
  return pageblock_start_pfn(c, pfn) + pageblock_nr_pages(c);
}
inline int pageblock_align(const Ctx& c, int pfn) {
  return (pfn + pageblock_nr_pages(c) - 1) & ~(pageblock_nr_pages(c) - 1);
}
inline bool zone_spans_pfn(const Ctx& c, int pfn) {
  return c.L.geo.zone_spans_pfn(pfn);
}
inline int zone_start_pfn(const Ctx& c) {
  return c.L.geo.zone_start_pfn;
}
inline bool pcp_enabled(const Ctx& c) {
  return c.L.geo.pcp_enabled();
}
// has_isolate_pageblock(), include/linux/page-isolation.h (ad53f92eb416)
inline bool has_isolate_pageblock(const Ctx& c) {
  return c.s.counter(Counter::nr_isolate_pageblock) != 0;
}
// pfn_to_online_page(), mm/memory_hotplug.c, v6.1.8: the modelled zone is one online section.
inline bool pfn_to_online_page(const Ctx& c, int pfn) {
  return zone_spans_pfn(c, pfn);
}
// page_ref_count(), include/linux/page_ref.h, v6.1.8: one reference per owner here.
inline int page_ref_count(const Ctx& c, int pfn) {
  return c.s.owner(pfn) != OWNER_NONE ? 1 : 0;
}
// is_migrate_isolate_page(), include/linux/page-isolation.h, v6.1.8
inline bool is_migrate_isolate_page(Ctx& c, int pfn) {
  return is_migrate_isolate(c.k.fn.get_pfnblock_migratetype(c, pfn));
}
inline int get_pageblock_migratetype_int(Ctx& c, int pfn) {
  return static_cast<int>(c.k.fn.get_pfnblock_migratetype(c, pfn));
}
// __ffs() / __fls(), include/asm-generic/bitops/__ffs.h and __fls.h, v6.1.8
int __ffs(int x);
int __fls(int x);

// __mod_zone_freepage_state(), include/linux/vmstat.h, v6.1.8: the callers' own accounting
// before e0932b6c1f94.
void __mod_zone_freepage_state(Ctx& c, int nr_pages, Mt mt);
// account_freepages(), mm/page_alloc.c, v6.11 (from e0932b6c1f94, v6.10).
void account_freepages(Ctx& c, int nr_pages, Mt mt);
// A kernel check that fired (VM_WARN_ONCE and the like): reported to the properties.
void kernel_warn(Ctx& c, KernelCheck check, int pfn, int a = 0, int b = 0);

// The baseline table (model/variants/ names it): every entry filled.
void fill_baseline(Kernel& k);
// Parts of the table, by source file.
void fill_page_alloc(Kernel& k);
void fill_page_alloc_pcp(Kernel& k);
void fill_page_alloc_fallback(Kernel& k);
void fill_page_alloc_ops(Kernel& k);
void fill_page_isolation(Kernel& k);
void fill_compaction(Kernel& k);
void fill_page_alloc_contig(Kernel& k);
void fill_memory_hotplug(Kernel& k);
void fill_hugetlb(Kernel& k);
void fill_hugetlb_vmemmap(Kernel& k);

// Replacement functions that commits install (model/variants/ registers them).
namespace hygiene {
void __add_to_free_list(Ctx&, int pfn, int order, Mt mt, bool tail);
void move_to_free_list(Ctx&, int pfn, int order, Mt old_mt, Mt new_mt);
void __del_page_from_free_list(Ctx&, int pfn, int order, Mt mt);
void del_page_from_free_list(Ctx&, int pfn, int order, Mt mt);
bool move_freepages_block_isolate(Ctx&, int pfn, Mt mt);
void split_large_buddy(Ctx&, int pfn, int order, int fpi);
int set_migratetype_isolate(Ctx&, int pfn, Mt mt, int start_pfn, int end_pfn);
void unset_migratetype_isolate(Ctx&, int pfn, Mt mt);
extern const ProcDef isolate_single_pageblock;
}  // namespace hygiene

// v6.12 and later replacements.
namespace v6_12 {
void split_large_buddy(Ctx&, int pfn, int order, int fpi);
}
namespace v6_15 {
int __rmqueue(Ctx&, int order, Mt mt, int alloc_flags, int* mode);
}
namespace v6_17 {
Mt get_pfnblock_migratetype(Ctx&, int pfn);
void set_pageblock_migratetype(Ctx&, int pfn, Mt mt);
bool move_freepages_block_isolate(Ctx&, int pfn, Mt mt);
int set_migratetype_isolate(Ctx&, int pfn, Mt mt, int start_pfn, int end_pfn);
void unset_migratetype_isolate(Ctx&, int pfn, Mt mt);
}  // namespace v6_17

}  // namespace pagecheck::model

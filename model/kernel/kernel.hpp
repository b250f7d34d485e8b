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
  P_free_pages,                // operation: __free_pages -> __free_pages_ok
  P_start_isolate_page_range,  // operation entry (isolate_range)
  P_isolate_single_pageblock,
  P_undo_isolate_page_range,  // operation entry (undo_isolate_range)
  P_COUNT,
};
inline constexpr int kMaxProcs = 64;

// Behaviour switches, one per modelled commit whose change is a branch in a shared function.
enum Feature : uint32_t {
  // 17edeb5d3f76 mm: page_alloc: remove pcppage migratetype caching (v6.10)
  F_NO_PCPPAGE_MT_CACHE = 1u << 0,
  // e6cf9e1c4cde mm: page_alloc: fix up block types when merging compatible blocks (v6.10)
  F_MERGE_FIXES_BLOCK_TYPE = 1u << 1,
  // 2dd482ba627d mm: page_alloc: fix move_freepages_block() range error (v6.10)
  F_MOVE_FREEPAGES_RANGE_FIX = 1u << 2,
  // 55612e80e722 mm: page_alloc: close migratetype race between freeing and stealing (v6.10)
  F_FREE_MT_UNDER_ZONE_LOCK = 1u << 3,
  // f37c0f6876a8 mm: page_alloc: set migratetype inside move_freepages() (v6.10)
  F_MOVE_FREEPAGES_SETS_TYPE = 1u << 4,
  // fd919a85cd55 mm: page_isolation: prepare for hygienic freelists (v6.10)
  F_ISOLATE_SPLITS_UNDER_LOCK = 1u << 5,
  // e0932b6c1f94 mm: page_alloc: consolidate free page accounting (v6.10): account_freepages()
  // at list insertion and removal, and the VM_WARNs on list types.
  F_ACCOUNT_FREEPAGES = 1u << 6,
  // c0cd6f557b90 mm: page_alloc: fix freelist movement during block conversion (v6.10): move the
  // free pages first, retype only if that worked; move_freepages_block() fails (-1) on a block
  // that crosses the zone.
  F_BLOCK_CONVERSION_TXN = 1u << 7,
};

// __free_one_page() flags (fpi_t) the model distinguishes.
inline constexpr int FPI_NONE = 0;
inline constexpr int FPI_TO_TAIL = 1 << 1;

// The kernel's own checks the model evaluates (reported as Obs::KernelCheck).
enum KernelCheck : uint8_t {
  KC_ADD_TO_FREE_LIST_TYPE,    // VM_WARN_ONCE in __add_to_free_list (v6.10)
  KC_MOVE_TO_FREE_LIST_TYPE,   // VM_WARN_ONCE in move_to_free_list (v6.10)
  KC_DEL_FROM_FREE_LIST_TYPE,  // VM_WARN_ONCE in __del_page_from_free_list (v6.10)
  KC_SPLIT_LARGE_BUDDY,        // VM_WARN_ON_ONCE in split_large_buddy (v6.10)
  KC_ISOLATE_SCAN_STRADDLE,    // VM_WARN_ON_ONCE(pfn + (1 << order) > boundary_pfn) (v6.10)
  KC_UNSET_ISOLATE_MOVE,       // WARN_ON_ONCE(!move_freepages_block_isolate()) in unset (v6.10)
  KC_UNSET_ISOLATE_FREE_PAGE,  // VM_WARN_ON(!isolated_page) in unset_migratetype_isolate
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
  int (*__rmqueue)(Ctx&, int order, Mt mt);                // pfn, or -1
  int (*rmqueue_buddy)(Ctx&, int order, Mt mt);            // pfn, or -1; takes zone->lock
  // Freeing.
  void (*__free_one_page)(Ctx&, int pfn, int order, Mt mt, int fpi);
  void (*split_large_buddy)(Ctx&, int pfn, int order, int fpi);
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
  uint32_t features = 0;
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
inline bool PageBuddy(const Ctx& c, int pfn) {
  return (c.s.flags(pfn) & PG_buddy) != 0;
}
inline int buddy_order(const Ctx& c, int pfn) {
  return c.s.priv(pfn);
}
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
inline bool pfn_to_online_page(const Ctx& c, int pfn) {
  return zone_spans_pfn(c, pfn);
}
inline int page_ref_count(const Ctx& c, int pfn) {
  return c.s.owner(pfn) != OWNER_NONE ? 1 : 0;
}
inline bool is_migrate_isolate_page(Ctx& c, int pfn) {
  return is_migrate_isolate(c.k.fn.get_pfnblock_migratetype(c, pfn));
}
inline int get_pageblock_migratetype_int(Ctx& c, int pfn) {
  return static_cast<int>(c.k.fn.get_pfnblock_migratetype(c, pfn));
}
int __ffs(int x);
int __fls(int x);

// __mod_zone_freepage_state(), include/linux/vmstat.h, v6.1.8: the callers' own accounting
// before e0932b6c1f94.
void __mod_zone_freepage_state(Ctx& c, int nr_pages, Mt mt);
// account_freepages(), mm/page_alloc.c, v6.11 (from e0932b6c1f94, v6.10).
void account_freepages(Ctx& c, int nr_pages, Mt mt);
// A kernel check that fired (VM_WARN_ONCE and the like): reported to the properties.
void kernel_warn(Ctx& c, KernelCheck check, int pfn, int a = 0, int b = 0);

// The table of the pre-hygiene kernel (the v6.6 baseline): every entry filled.
void fill_baseline_v6_6(Kernel& k);
// Parts of the table, by source file.
void fill_page_alloc_v6_6(Kernel& k);
void fill_page_isolation_v6_6(Kernel& k);

// Replacement functions that commits install (model/variants/ registers them).
namespace hygiene {
void __add_to_free_list(Ctx&, int pfn, int order, Mt mt, bool tail);
void move_to_free_list(Ctx&, int pfn, int order, Mt old_mt, Mt new_mt);
void __del_page_from_free_list(Ctx&, int pfn, int order, Mt mt);
void del_page_from_free_list(Ctx&, int pfn, int order, Mt mt);
int move_freepages_block(Ctx&, int pfn, Mt old_mt, Mt new_mt);
bool move_freepages_block_isolate(Ctx&, int pfn, Mt mt);
void split_large_buddy(Ctx&, int pfn, int order, int fpi);
int set_migratetype_isolate(Ctx&, int pfn, Mt mt, int start_pfn, int end_pfn);
void unset_migratetype_isolate(Ctx&, int pfn, Mt mt);
extern const ProcDef isolate_single_pageblock;
}  // namespace hygiene

}  // namespace pagecheck::model

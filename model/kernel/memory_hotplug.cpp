// mm/memory_hotplug.c, modelled: offline_pages() of a range of the zone.
#include <fmt/format.h>

#include "model/kernel/hugetlb_internal.hpp"

namespace pagecheck::model {

namespace {

constexpr const char* kMH = "mm/memory_hotplug.c, v6.12.8";

enum OffLoc : uint8_t { O_START, O_END, O_RETRIES, O_RET, O_TRIES, O_N };
enum OffPc : uint8_t {
  O_ENTRY = 0,
  O_DRAIN,
  O_ISOLATE,
  O_ISOLATED,
  O_TEST,
  O_TESTED,
  O_OFFLINE,
  O_COUNT,
  O_ENABLE,
  O_DISSOLVE,
  O_DISSOLVED,
  O_UNDO,
};

std::string describe_offline(const Ctx& c) {
  return fmt::format("pfns {}-{}", c.loc(O_START), c.loc(O_END) - 1);
}

// offline_pages(), mm/memory_hotplug.c, v6.12.8 (the same steps since zone_pcp_disable(),
// ec6e8c7e0314, v5.11): zone_pcp_disable() (every pageset to high 0, batch 1 under
// pcp_batch_high_lock, then a forced drain of every CPU), start_isolate_page_range(MIGRATE_MOVABLE,
// MEMORY_OFFLINE), test_pages_isolated() until it succeeds -- the migration of movable pages in
// between is not modelled, so a page someone holds keeps the loop going, as the kernel's would
// until a signal -- __offline_isolated_pages(), the nr_isolate_pageblock adjustment in its own
// zone->lock section, zone_pcp_enable(). A failed isolation (start_isolate_page_range() undoes
// its own) re-enables the pcp lists and returns -EBUSY. Taking pcp_batch_high_lock is folded into
// the step after it: only other zone_pcp_disable() callers contend for it.
// With hugetlb, each round of the loop first dissolves the free huge pages of the range
// (dissolve_free_hugetlb_folios()); an error there ("failure to dissolve huge pages") undoes the
// isolation (failed_removal_isolated: undo_isolate_page_range()), re-enables the pcp lists and
// returns it. signal_pending() is not modelled; offline_pages(..., retries=N) bounds the loop for
// the retry-bound property instead. O_RET keeps the errno.
Flow run_offline_pages(Ctx& c) {
  const int start = c.loc(O_START), end = c.loc(O_END);
  for (;;) {
    switch (c.pc()) {
      case O_ENTRY:
        if (!c.spin_lock(c.L.lock_pcp_batch_high)) return Flow::Blocked;
        zone_pcp_set_disabled(c, true);  // __zone_set_pageset_high_and_batch(zone, 0, 1)
        c.unlocked_read();               // plain stores every CPU's pcp path reads
        c.set_pc(O_DRAIN);
        break;
      case O_DRAIN:
        if (c.must_yield()) return c.yield(O_DRAIN);
        return c.call(P_drain_all_pages, {1, 1}, O_ISOLATE);  // __drain_all_pages(zone, true)
      case O_ISOLATE:
        if (c.must_yield()) return c.yield(O_ISOLATE);
        return c.call(P_start_isolate_page_range, {start, end, static_cast<int>(Mt::MOVABLE)}, O_ISOLATED);
      case O_ISOLATED:
        if (c.retval()) {  // "failure to isolate range"
          c.loc(O_RET) = kEBUSY;
          c.set_pc(O_ENABLE);
          break;
        }
        c.set_pc(O_DISSOLVE);
        break;
      case O_DISSOLVE:
        // scan_movable_pages()/do_migrate_range() are not modelled (docs/model.md).
        if (!has_hugetlb(c)) {
          c.set_pc(O_TEST);
          break;
        }
        if (c.must_yield()) return c.yield(O_DISSOLVE);
        return c.call(P_dissolve_free_hugetlb_folios, {start, end}, O_DISSOLVED);
      case O_DISSOLVED:
        if (c.retval()) {  // "failure to dissolve huge pages"
          c.loc(O_RET) = static_cast<uint8_t>(-c.retval());
          c.set_pc(O_UNDO);
          break;
        }
        c.set_pc(O_TEST);
        break;
      case O_UNDO:  // failed_removal_isolated
        if (c.must_yield()) return c.yield(O_UNDO);
        return c.call(P_undo_isolate_page_range, {start, end, static_cast<int>(Mt::MOVABLE)}, O_ENABLE);
      case O_TEST:
        if (c.must_yield()) return c.yield(O_TEST);
        return c.call(P_test_pages_isolated, {start, end, 1}, O_TESTED);  // MEMORY_OFFLINE
      case O_TESTED:
        if (!c.retval()) {
          c.set_pc(O_OFFLINE);
          break;
        }
        // "} while (ret);"
        if (c.loc(O_RETRIES)) {
          if (c.loc(O_TRIES) < c.loc(O_RETRIES)) c.loc(O_TRIES) = static_cast<uint8_t>(c.loc(O_TRIES) + 1);
          if (c.loc(O_TRIES) >= c.loc(O_RETRIES))
            c.observe(Observation{Obs::RetryBound, 0, -1, 0, c.loc(O_TRIES)});
        }
        c.set_pc(O_DISSOLVE);
        break;
      case O_OFFLINE:
        if (c.must_yield()) return c.yield(O_OFFLINE);
        __offline_isolated_pages(c, start, end);
        c.set_pc(O_COUNT);
        break;
      case O_COUNT:
        if (c.must_yield()) return c.yield(O_COUNT);
        take_zone_lock(c);
        if (c.k.has(F_ISOLATE_RECHECK_ON_FREE))
          c.mod_counter(Counter::nr_isolate_pageblock, -((end - start) / pageblock_nr_pages(c)));
        c.spin_unlock(LOCK_ZONE);
        c.loc(O_RET) = 0;
        c.set_pc(O_ENABLE);
        break;
      case O_ENABLE:  // zone_pcp_enable()
        if (c.must_yield()) return c.yield(O_ENABLE);
        zone_pcp_set_disabled(c, false);
        c.spin_unlock(c.L.lock_pcp_batch_high);
        c.cpu_area()[cpuoff::res_offline] = c.loc(O_RET) ? 2 : 1;
        return c.ret(-static_cast<int>(c.loc(O_RET)));
      default: throw ModelError("offline_pages: bad pc");
    }
  }
}
const ProcDef kOfflinePages{"offline_pages", kMH, O_N, run_offline_pages, describe_offline, RetKind::Errno};

// ---- memmap_on_memory ------------------------------------------------------------------------

struct MemmapGeometry {
  long memmap_bytes;  // memory_block_memmap_size()
  long memmap_pages;  // memory_block_memmap_on_memory_pages()
  long pmd_bytes;
};

MemmapGeometry memmap_geometry(const Ctx& c) {
  const Geometry& g = c.L.geo;
  MemmapGeometry m;
  m.memmap_bytes = g.memmap_bytes_per_block();
  m.memmap_pages = (m.memmap_bytes + Geometry::kPageSize - 1) / Geometry::kPageSize;  // PFN_UP()
  // "In "forced" memmap_on_memory mode, we add extra pages to align the vmemmap size to cover
  // full pageblocks."
  if (g.memmap_force)
    m.memmap_pages =
        (m.memmap_pages + g.mhp_pageblock_pages - 1) / g.mhp_pageblock_pages * g.mhp_pageblock_pages;
  m.pmd_bytes = static_cast<long>(g.pmd_pages) * Geometry::kPageSize;
  return m;
}

// mhp_supports_memmap_on_memory() and the default arch_supports_memmap_on_memory(),
// mm/memory_hotplug.c, v6.12.8 (the same in v7.1.8): the vmemmap must be whole pages, the
// reservation whole pageblocks and less than the block, and -- the gate of the 2021 review,
// 85a2b4b08f20's default since v6.6 -- the vmemmap must fill whole PMDs.
bool mhp_supports_memmap_on_memory(Ctx& c, std::string* why) {
  const Geometry& g = c.L.geo;
  const MemmapGeometry m = memmap_geometry(c);
  if (m.memmap_bytes % Geometry::kPageSize) return *why = "the vmemmap is not whole pages", false;
  if (m.memmap_pages % g.mhp_pageblock_pages)
    return *why = fmt::format("{} vmemmap pages are not whole pageblocks of {}", m.memmap_pages,
                              g.mhp_pageblock_pages),
           false;
  if (m.memmap_pages == g.memory_block_pages) return *why = "the memmap would fill the block", false;
  if (c.k.has(F_MHP_NO_PMD_GATE)) return true;
  if (m.memmap_bytes % m.pmd_bytes)
    return *why =
               fmt::format("IS_ALIGNED(vmemmap_size = {}, PMD_SIZE = {}) fails", m.memmap_bytes, m.pmd_bytes),
           false;
  return true;
}

// The vmemmap PMDs a block's struct pages touch: [first, last].
std::pair<int, int> block_pmds(const Ctx& c, int block) {
  const MemmapGeometry m = memmap_geometry(c);
  long start = block * m.memmap_bytes, end = (block + 1) * m.memmap_bytes;
  return {static_cast<int>(start / m.pmd_bytes), static_cast<int>((end - 1) / m.pmd_bytes)};
}

// True when the block's struct pages fill PMD `chunk` from its start to its end.
bool covers_whole_pmd(const Ctx& c, int block, int chunk) {
  const MemmapGeometry m = memmap_geometry(c);
  long start = block * m.memmap_bytes, end = (block + 1) * m.memmap_bytes;
  return start <= chunk * m.pmd_bytes && end >= (chunk + 1) * m.pmd_bytes;
}

enum BlkLoc : uint8_t { B_BLOCK, B_N };

std::string describe_block(const Ctx& c) {
  return fmt::format("memory block {}", c.loc(B_BLOCK));
}

// add_memory_resource() with MHP_MEMMAP_ON_MEMORY, mm/memory_hotplug.c, v6.12.8:
// create_altmaps_and_memory_blocks() gives the block an altmap of
// memory_block_memmap_on_memory_pages() when mhp_supports_memmap_on_memory(), else
// arch_add_memory() takes the memmap from ordinary memory. vmemmap_populate_hugepages()
// (arch/x86/mm/init_64.c, from "x86/vmemmap: Handle unpopulated sub-pmd ranges", Oscar Salvador,
// <20210129064045.18471-1-osalvador@suse.de>) maps each PMD of the block's vmemmap: an unmapped one
// with a whole PMD_SIZE from the altmap -- "no fallback" to base pages when the altmap has too
// little (that altmap_alloc_block_buf() refuses a request larger than what is left is from memory,
// not read) -- a mapped one is reused (vmemmap_use_sub_pmd()). A failed add unmaps what it mapped
// and returns -ENOMEM. mem_hotplug_lock serialises adds and removes: each is one step here.
Flow run_add_memory(Ctx& c) {
  const int b = c.loc(B_BLOCK);
  if (c.s.block_state(b) != MB_ABSENT) {
    if (c.recording()) c.note("the block is present already: -EEXIST");
    c.unlocked_read();
    return c.ret(-kEBUSY);
  }
  std::string why;
  const bool altmap = mhp_supports_memmap_on_memory(c, &why);
  if (c.recording())
    c.note(altmap
               ? fmt::format("mhp_supports_memmap_on_memory(): yes, an altmap of {} pages",
                             memmap_geometry(c).memmap_pages)
               : "mhp_supports_memmap_on_memory(): no (" + why + "): the memmap comes from ordinary memory");
  const long reserve = altmap ? memmap_geometry(c).memmap_pages : 0;
  const int pmd = c.L.geo.pmd_pages;
  auto [first, last] = block_pmds(c, b);
  std::vector<int> mapped_now;
  int alloc = 0;
  for (int chunk = first; chunk <= last; ++chunk) {
    if (c.s.pmd_backing(chunk) == PMD_UNMAPPED) {
      if (altmap) {
        if (alloc + pmd > reserve) {  // altmap_alloc_block_buf() fails: "no fallback"
          if (c.recording())
            c.note(
                fmt::format("vmemmap PMD {}: the altmap has {} pages left: -ENOMEM", chunk, reserve - alloc));
          for (int m2 : mapped_now) {
            c.set_pmd(m2, 0, PMD_UNMAPPED);
            c.set_pmd(m2, 1, 0);
          }
          for (int ch = first; ch <= last; ++ch) c.set_pmd(ch, 1, c.s.pmd_users(ch) & ~(1 << b));
          c.unlocked_read();
          return c.ret(-kENOMEM);
        }
        alloc += pmd;
        c.set_pmd(chunk, 0, b);
      } else {
        c.set_pmd(chunk, 0, PMD_SYSTEM);
      }
      mapped_now.push_back(chunk);
    }
    c.set_pmd(chunk, 1, c.s.pmd_users(chunk) | (1 << b));
  }
  c.set_block(b, 1, altmap ? 1 : 0);
  c.set_block(b, 2, alloc);
  c.set_block(b, 0, MB_OFFLINE);
  c.unlocked_read();
  return c.ret(0);
}
const ProcDef kAddMemory{"add_memory", kMH, B_N, run_add_memory, describe_block, RetKind::Errno};

// offline_and_remove_memory() -> try_remove_memory() -> remove_memory_blocks_and_altmaps(),
// mm/memory_hotplug.c, v6.12.8: arch_remove_memory() with the block's altmap unmaps its vmemmap
// (remove_pmd_table(), arch/x86/mm/init_64.c, the same 2021 patch): a PMD the block's range covers
// whole is freed -- to the altmap passed in, whoever's memory it is -- and a partial one is marked
// unused and freed only when nothing of it is used any more; then WARN(altmap->alloc, "Altmap not
// fully unmapped") (v6.8+). The block is offline here (nothing onlines it in the model).
Flow run_remove_memory(Ctx& c) {
  const int b = c.loc(B_BLOCK);
  if (c.s.block_state(b) == MB_ABSENT) {
    if (c.recording()) c.note("no such memory block: -EINVAL");
    c.unlocked_read();
    return c.ret(-kEBUSY);
  }
  const bool altmap = c.s.block_altmap(b);
  const int pmd = c.L.geo.pmd_pages;
  int alloc = c.s.altmap_alloc(b);
  auto [first, last] = block_pmds(c, b);
  for (int chunk = first; chunk <= last; ++chunk) {
    int users = c.s.pmd_users(chunk) & ~(1 << b);
    c.set_pmd(chunk, 1, users);
    if (!covers_whole_pmd(c, b, chunk) && users) {
      if (c.recording())
        c.note(fmt::format("vmemmap PMD {} is still partly used: vmemmap_unuse_sub_pmd() keeps it", chunk));
      continue;
    }
    if (c.s.pmd_backing(chunk) != PMD_SYSTEM && altmap) alloc -= pmd;  // vmem_altmap_free(altmap, ...)
    c.set_pmd(chunk, 0, PMD_UNMAPPED);
  }
  c.set_block(b, 2, alloc);
  if (altmap && alloc) kernel_warn(c, KC_ALTMAP_NOT_UNMAPPED, b, alloc);
  c.set_block(b, 0, MB_ABSENT);
  c.set_block(b, 1, 0);
  c.set_block(b, 2, 0);
  c.unlocked_read();
  return c.ret(0);
}
const ProcDef kRemoveMemory{"remove_memory", kMH, B_N, run_remove_memory, describe_block, RetKind::Errno};

}  // namespace

void fill_memory_hotplug(Kernel& k) {
  k.procs[P_offline_pages] = &kOfflinePages;
  k.procs[P_add_memory] = &kAddMemory;
  k.procs[P_remove_memory] = &kRemoveMemory;
}

}  // namespace pagecheck::model

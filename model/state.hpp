// The compact, hashable state: one flat byte vector per state, its layout fixed per scenario
// (PINS style). Free lists keep their order through per-page next links, so list_add and
// list_add_tail give different states, as in the kernel.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "model/geometry.hpp"
#include "model/types.hpp"

namespace pagecheck::model {

// Page flag bits (the part of struct page the model needs).
enum PageFlag : uint8_t {
  PG_buddy = 1 << 0,     // PageBuddy(): head of a free buddy on a zone free list
  PG_lru = 1 << 1,       // an allocated page that migration can move (LRU or __PageMovable)
  PG_reserved = 1 << 2,  // PageReserved(): never movable
  PG_pcp = 1 << 3,       // on a per-cpu pages list (not a kernel flag: page->pcp_list linkage)
};

// Pageblock flag bits: the migratetype in bits 0-2 (PB_migrate_0..2), and from v6.17 a
// standalone PB_migrate_isolate bit (include/linux/pageblock-flags.h). Before v6.17 an isolated
// block stores MIGRATE_ISOLATE in the type bits.
inline constexpr uint8_t PB_MIGRATETYPE_MASK = 0x7;
inline constexpr uint8_t PB_migrate_isolate = 1 << 4;

// Page owner: who holds an allocated page.
inline constexpr uint8_t OWNER_NONE = 0;           // free (buddy or pcp) or not yet handed out
inline constexpr uint8_t OWNER_EXTERNAL = 0xFE;    // allocated before the scenario starts
inline constexpr uint8_t OWNER_OFFLINE = 0xFD;     // taken out of the zone by __offline_isolated_pages()
inline constexpr uint8_t OWNER_OTHER_ZONE = 0xFC;  // below zone_start_pfn: a neighbouring zone's page
inline constexpr uint8_t OWNER_HUGETLB = 0xFB;     // a hugetlb folio's pages (its refcount is the folio's)
inline constexpr uint8_t OWNER_VMEMMAP = 0xFA;     // a page backing struct pages (restored vmemmap)
inline constexpr uint8_t owner_of_cpu(int cpu) {
  return static_cast<uint8_t>(cpu + 1);
}

// Zone counters, all int16 in the state. The per-order nr_free and the per-cpu pcp->count
// follow these fixed ones.
enum class Counter : uint8_t {
  NR_FREE_PAGES = 0,       // vm_stat[NR_FREE_PAGES]: free pages on non-ISOLATE buddy lists
  NR_FREE_CMA_PAGES,       // vm_stat[NR_FREE_CMA_PAGES]
  nr_isolate_pageblock,    // zone->nr_isolate_pageblock
  nr_reserved_highatomic,  // zone->nr_reserved_highatomic
  nr_free_highatomic,      // zone->nr_free_highatomic (v6.12+)
  kFixed,
};

// Lock ids: the zone lock, then each CPU's pcp->lock, then the two mutexes the pcp machinery
// takes (pcpu_drain_mutex in __drain_all_pages(), pcp_batch_high_lock in zone_pcp_disable()).
inline constexpr int LOCK_ZONE = 0;
inline constexpr int lock_pcp(int cpu) {
  return 1 + cpu;
}

// Zone bytes besides the lists and counters: the pcp high/batch every CPU's pageset has now
// (zone_pcp_disable() sets 0/1, zone_pcp_enable() restores the geometry's values).
enum ZoneByte : uint8_t { ZB_PCP_HIGH = 0, ZB_PCP_BATCH, ZB_COUNT };

// Per-cpu pages lists: order_to_pindex() for the low orders, plus one THP list (v6.5 shape).
inline constexpr int PAGE_ALLOC_COSTLY_ORDER = 3;

// hugetlb lists, after the pcp lists when the geometry has hugetlb. A folio is linked through its
// head page's list bytes (folio->lru; the llist uses folio->mapping in the kernel, but a folio on
// it is on no lru list).
enum HugetlbList : uint8_t {
  HL_FREELIST = 0,  // h->hugepage_freelists[0] (one node)
  HL_ACTIVELIST,    // h->hugepage_activelist
  HL_HPAGE_LLIST,   // hpage_freelist, the llist of folios whose free is deferred to the worker
  HL_WORKFN,        // the chain free_hpage_workfn() took with llist_del_all() and walks
  HL_COUNT,
};

// hugetlb counters of the hstate, after the zone's counters when the geometry has hugetlb.
enum HugetlbCounter : uint8_t {
  HC_nr_huge_pages = 0,
  HC_free_huge_pages,
  HC_surplus_huge_pages,
  HC_resv_huge_pages,
  HC_max_huge_pages,
  HC_COUNT,
};

// Per-folio bits (a hugetlb slot is a hugetlb_order-aligned range): the page type and the
// HPG_* flags of folio->private (include/linux/hugetlb.h, v6.12).
enum FolioFlag : uint8_t {
  FOLIO_hugetlb = 1 << 0,            // folio_test_hugetlb(): the hugetlb page type
  FOLIO_freed = 1 << 1,              // HPG_freed: on the hugetlb free list
  FOLIO_vmemmap_optimized = 1 << 2,  // HPG_vmemmap_optimized: its tail struct pages are read-only
  FOLIO_temporary = 1 << 3,          // HPG_temporary: freed straight to the buddy
};

// memmap_on_memory: per memory block, its state and its altmap; per vmemmap PMD, what backs it
// and whose struct pages it holds.
enum MemoryBlockState : uint8_t { MB_ABSENT = 0, MB_OFFLINE, MB_ONLINE };
inline constexpr uint8_t PMD_UNMAPPED = 0xFF;
inline constexpr uint8_t PMD_SYSTEM = 0xFE;  // memmap from ordinary memory (no altmap)

struct Layout {
  Geometry geo;
  int nr_pages = 0, nr_pb = 0, nr_orders = 0, nr_cpus = 0;
  int nr_threads = 0;          // the CPUs, then the hugetlb worker (Geometry::nr_threads())
  int nr_buddy_lists = 0;      // nr_orders * MIGRATE_TYPES
  int nr_pcp_lists = 0;        // per CPU
  int first_hugetlb_list = 0;  // after each CPU's pcp lists
  int nr_lists = 0;            // buddy lists, then each CPU's pcp lists, then the hugetlb lists
  int nr_counters = 0;         // kFixed + nr_orders (nr_free) + nr_cpus (pcp->count) [+ HC_COUNT]
  int nr_locks = 0;
  int lock_drain_mutex = 0, lock_pcp_batch_high = 0;
  int lock_hugetlb = -1;                  // hugetlb_lock, when the geometry has hugetlb
  int nr_slots = 0, folio_stride = 0;     // hugetlb slots: flags, refcount, vmemmap pfns
  int nr_chunks = 0;                      // memmap_on_memory: vmemmap PMDs
  static constexpr int kStackBytes = 64;  // a CPU's call stack of frames
  static constexpr int kCpuHeader = 8;    // see cpuoff in machine.hpp

  // Byte offsets.
  int off_flags = 0, off_private = 0, off_list = 0, off_next = 0, off_owner = 0, off_pcpmt = 0;
  int off_pb = 0, off_heads = 0, off_zone = 0, off_counters = 0, off_locks = 0, off_cpus = 0, cpu_stride = 0;
  int off_folios = 0, off_work = 0, off_blocks = 0, off_chunks = 0;  // zero-sized unless configured
  int size = 0;

  explicit Layout(const Geometry& g);
  Layout() = default;

  int buddy_list(int order, Mt mt) const { return order * MIGRATE_TYPES + static_cast<int>(mt); }
  bool is_buddy_list(int id) const { return id < nr_buddy_lists; }
  bool is_pcp_list(int id) const { return id >= nr_buddy_lists && id < first_hugetlb_list; }
  bool is_hugetlb_list(int id) const { return id >= first_hugetlb_list && id < nr_lists; }
  int hugetlb_list(HugetlbList l) const { return first_hugetlb_list + l; }
  int counter_hugetlb(HugetlbCounter c) const {
    return static_cast<int>(Counter::kFixed) + nr_orders + nr_cpus + c;
  }
  int slot_of(int pfn) const { return pfn >> geo.hugetlb_order; }
  int slot_pfn(int slot) const { return slot << geo.hugetlb_order; }
  int list_order(int id) const { return id / MIGRATE_TYPES; }               // buddy lists only
  Mt list_mt(int id) const { return static_cast<Mt>(id % MIGRATE_TYPES); }  // buddy lists only
  int pcp_list(int cpu, int pindex) const { return nr_buddy_lists + cpu * nr_pcp_lists + pindex; }
  int pcp_list_cpu(int id) const { return (id - nr_buddy_lists) / nr_pcp_lists; }
  int pcp_list_pindex(int id) const { return (id - nr_buddy_lists) % nr_pcp_lists; }
  // pindex_to_order(): the low lists by order, the last one for the THP order
  // (HPAGE_PMD_ORDER, which is pageblock_order).
  int pcp_pindex_order(int pindex) const {
    return pindex < nr_pcp_lists - 1 ? pindex / MIGRATE_PCPTYPES : geo.pageblock_order;
  }
  int counter_nr_free(int order) const { return static_cast<int>(Counter::kFixed) + order; }
  int counter_pcp_count(int cpu) const { return static_cast<int>(Counter::kFixed) + nr_orders + cpu; }
};

// Non-owning view of one state. All accessors are primitive reads and writes; the kernel model
// in model/kernel/ builds its functions from them through Ctx, which can record every write.
class StateRef {
 public:
  StateRef(uint8_t* data, const Layout* layout) : p_(data), L_(layout) {}
  const Layout& layout() const { return *L_; }
  uint8_t* data() const { return p_; }
  std::span<const uint8_t> bytes() const { return {p_, static_cast<size_t>(L_->size)}; }

  uint8_t flags(int pfn) const { return p_[L_->off_flags + pfn]; }
  void set_flags(int pfn, uint8_t v) { p_[L_->off_flags + pfn] = v; }
  uint8_t priv(int pfn) const { return p_[L_->off_private + pfn]; }
  void set_priv(int pfn, uint8_t v) { p_[L_->off_private + pfn] = v; }
  uint8_t list_of(int pfn) const { return p_[L_->off_list + pfn]; }
  void set_list_of(int pfn, uint8_t v) { p_[L_->off_list + pfn] = v; }
  uint8_t next(int pfn) const { return p_[L_->off_next + pfn]; }
  void set_next(int pfn, uint8_t v) { p_[L_->off_next + pfn] = v; }
  uint8_t owner(int pfn) const { return p_[L_->off_owner + pfn]; }
  void set_owner(int pfn, uint8_t v) { p_[L_->off_owner + pfn] = v; }
  uint8_t pcpmt(int pfn) const { return p_[L_->off_pcpmt + pfn]; }
  void set_pcpmt(int pfn, uint8_t v) { p_[L_->off_pcpmt + pfn] = v; }

  uint8_t pb_bits(int pb) const { return p_[L_->off_pb + pb]; }
  void set_pb_bits(int pb, uint8_t v) { p_[L_->off_pb + pb] = v; }

  uint8_t head(int list) const { return p_[L_->off_heads + list]; }
  void set_head(int list, uint8_t v) { p_[L_->off_heads + list] = v; }

  int counter(int idx) const {
    int16_t v;
    std::memcpy(&v, p_ + L_->off_counters + 2 * idx, 2);
    return v;
  }
  void set_counter(int idx, int v) {
    auto w = static_cast<int16_t>(v);
    std::memcpy(p_ + L_->off_counters + 2 * idx, &w, 2);
  }
  int counter(Counter c) const { return counter(static_cast<int>(c)); }
  void set_counter(Counter c, int v) { set_counter(static_cast<int>(c), v); }

  uint8_t zone_byte(ZoneByte b) const { return p_[L_->off_zone + b]; }
  void set_zone_byte(ZoneByte b, uint8_t v) { p_[L_->off_zone + b] = v; }

  uint8_t lock_owner(int lock) const { return p_[L_->off_locks + lock]; }
  void set_lock_owner(int lock, uint8_t v) { p_[L_->off_locks + lock] = v; }

  uint8_t* cpu(int c) const { return p_ + L_->off_cpus + c * L_->cpu_stride; }

  // hugetlb slots and the free_hpage_work item.
  uint8_t folio_flags(int slot) const { return p_[L_->off_folios + slot * L_->folio_stride]; }
  void set_folio_flags(int slot, uint8_t v) { p_[L_->off_folios + slot * L_->folio_stride] = v; }
  uint8_t folio_ref(int slot) const { return p_[L_->off_folios + slot * L_->folio_stride + 1]; }
  void set_folio_ref(int slot, uint8_t v) { p_[L_->off_folios + slot * L_->folio_stride + 1] = v; }
  uint8_t folio_vmemmap(int slot, int i) const {
    return p_[L_->off_folios + slot * L_->folio_stride + 2 + i];
  }
  void set_folio_vmemmap(int slot, int i, uint8_t v) {
    p_[L_->off_folios + slot * L_->folio_stride + 2 + i] = v;
  }
  uint8_t work_pending() const { return p_[L_->off_work]; }
  void set_work_pending(uint8_t v) { p_[L_->off_work] = v; }

  // memmap_on_memory: per block state, whether its memmap came from its altmap, altmap->alloc;
  // per vmemmap PMD the block backing it (or PMD_SYSTEM / PMD_UNMAPPED) and a mask of the blocks
  // whose struct pages it holds (the kernel marks the rest PAGE_UNUSED).
  uint8_t block_state(int b) const { return p_[L_->off_blocks + 4 * b]; }
  void set_block_state(int b, uint8_t v) { p_[L_->off_blocks + 4 * b] = v; }
  uint8_t block_altmap(int b) const { return p_[L_->off_blocks + 4 * b + 1]; }
  void set_block_altmap(int b, uint8_t v) { p_[L_->off_blocks + 4 * b + 1] = v; }
  int altmap_alloc(int b) const {
    int16_t v;
    std::memcpy(&v, p_ + L_->off_blocks + 4 * b + 2, 2);
    return v;
  }
  void set_altmap_alloc(int b, int v) {
    auto w = static_cast<int16_t>(v);
    std::memcpy(p_ + L_->off_blocks + 4 * b + 2, &w, 2);
  }
  uint8_t pmd_backing(int chunk) const { return p_[L_->off_chunks + 2 * chunk]; }
  void set_pmd_backing(int chunk, uint8_t v) { p_[L_->off_chunks + 2 * chunk] = v; }
  uint8_t pmd_users(int chunk) const { return p_[L_->off_chunks + 2 * chunk + 1]; }
  void set_pmd_users(int chunk, uint8_t v) { p_[L_->off_chunks + 2 * chunk + 1] = v; }

  // List helpers over the next links (lists are tiny: at most nr_pages entries).
  int list_len(int list) const;
  int list_tail(int list) const;
  std::vector<int> list_pfns(int list) const;

 private:
  uint8_t* p_;
  const Layout* L_;
};

// An owning state buffer.
class State {
 public:
  explicit State(const Layout& L) : L_(&L), bytes_(static_cast<size_t>(L.size), 0) {}
  State(const Layout& L, std::span<const uint8_t> b) : L_(&L), bytes_(b.begin(), b.end()) {}
  StateRef ref() { return {bytes_.data(), L_}; }
  StateRef ref() const { return {const_cast<uint8_t*>(bytes_.data()), L_}; }
  const Layout& layout() const { return *L_; }
  std::span<const uint8_t> bytes() const { return bytes_; }
  bool operator==(const State& o) const { return bytes_ == o.bytes_; }

 private:
  const Layout* L_;
  std::vector<uint8_t> bytes_;
};

uint64_t hash_state(std::span<const uint8_t> bytes);

// What get_pfnblock_migratetype() would return for a pageblock, under either encoding.
inline Mt pageblock_type(StateRef s, int pb) {
  uint8_t b = s.pb_bits(pb);
  if (b & PB_migrate_isolate) return Mt::ISOLATE;
  return static_cast<Mt>(b & PB_MIGRATETYPE_MASK);
}

// "free_list[1][MOVABLE]" or "pcp[cpu0].lists[1]".
std::string list_name(const Layout& L, int list);
// "NR_FREE_PAGES", "nr_free[2]", "pcp[cpu1].count".
std::string counter_name(const Layout& L, int idx);

}  // namespace pagecheck::model

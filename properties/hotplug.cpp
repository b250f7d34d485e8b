// Memory hotplug and capacity: what offlining, memmap_on_memory and the allocations of a scenario
// promise at the end.
#include <fmt/format.h>

#include "model/kernel/kernel.hpp"
#include "model/ops.hpp"
#include "properties/all.hpp"

namespace pagecheck::props {

using model::Layout;
using model::StateRef;
using model::Violation;

namespace {

bool has_op(const model::Program& prog, std::string_view name, const model::Op** op) {
  for (const auto& o : prog)
    if (name == model::op_registry()[static_cast<size_t>(o.def)].name) {
      *op = &o;
      return true;
    }
  return false;
}

// offline_pages() either took every page of its range out of the zone, or failed cleanly: its
// pageblocks are no longer isolated and the pcp lists run again.
std::optional<Violation> check_offline_outcome(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  Violation v;
  v.property = "offline-outcome";
  for (int cpu = 0; cpu < L.nr_cpus; ++cpu) {
    const model::Op* op = nullptr;
    if (!has_op(ts.programs()[static_cast<size_t>(cpu)], "offline_pages", &op)) continue;
    const int start = model::op_arg(*op, "start"), end = model::op_arg(*op, "end");
    const int res = s.cpu(cpu)[model::cpuoff::res_offline];
    if (res == 1) {
      for (int p = start; p < end; ++p)
        if (s.owner(p) != model::OWNER_OFFLINE) {
          v.message = fmt::format("offline_pages({}, {}) on cpu{} succeeded but pfn {} is not offline", start,
                                  end, cpu, p);
          v.pfns = {p};
          return v;
        }
      continue;
    }
    for (int pb = L.geo.pageblock_of(start); pb < L.geo.pageblock_of(end - 1) + 1; ++pb)
      if (model::pageblock_type(s, pb) == model::Mt::ISOLATE) {
        v.message = fmt::format("offline_pages({}, {}) on cpu{} failed but pageblock {} is still isolated",
                                start, end, cpu, pb);
        v.pageblocks = {pb};
        return v;
      }
    if (s.zone_byte(model::ZB_PCP_HIGH) != L.geo.pcp_high ||
        s.zone_byte(model::ZB_PCP_BATCH) != L.geo.pcp_batch) {
      v.message = fmt::format(
          "offline_pages({}, {}) on cpu{} failed but the pcp lists are still disabled "
          "(high {}, batch {})",
          start, end, cpu, s.zone_byte(model::ZB_PCP_HIGH), s.zone_byte(model::ZB_PCP_BATCH));
      return v;
    }
  }
  return std::nullopt;
}

// At the end an allocation of [check] capacity_order can succeed: some aligned range of that order
// has every page free, in the buddy lists (not ISOLATE) or on a pcp list (the allocator drains the
// pcp lists before it gives up: __alloc_pages_direct_reclaim() -> drain_all_pages()).
std::optional<Violation> check_capacity(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  const int want = L.geo.capacity_order;
  if (want < 0) return std::nullopt;
  std::vector<bool> free(static_cast<size_t>(L.nr_pages), false);
  for (int list = 0; list < L.first_hugetlb_list; ++list) {
    if (L.is_buddy_list(list) && L.list_mt(list) == model::Mt::ISOLATE) continue;
    int order = L.is_buddy_list(list) ? L.list_order(list) : L.pcp_pindex_order(L.pcp_list_pindex(list));
    for (int p : s.list_pfns(list))
      for (int q = p; q < p + (1 << order); ++q) free[static_cast<size_t>(q)] = true;
  }
  int best = -1;
  for (int order = 0; order <= L.geo.max_order; ++order)
    for (int p = L.geo.zone_start_pfn; p + (1 << order) <= L.nr_pages; p += 1 << order) {
      if (p & ((1 << order) - 1)) continue;
      bool all = true;
      for (int q = p; q < p + (1 << order) && all; ++q) all = free[static_cast<size_t>(q)];
      if (all) best = std::max(best, order);
    }
  if (best >= want) return std::nullopt;
  Violation v;
  v.property = "capacity";
  std::string list;
  for (int p = 0; p < L.nr_pages; ++p)
    if (free[static_cast<size_t>(p)]) list += (list.empty() ? "" : ", ") + std::to_string(p);
  v.message = best < 0 ? fmt::format("no page is free at the end; an order-{} allocation would fail", want)
                       : fmt::format(
                             "the largest free aligned range at the end is order {} (free pfns: {}); an "
                             "order-{} allocation would fail",
                             best, list, want);
  return v;
}

std::string block_name(int b) {
  return fmt::format("memory block {}", b);
}

// memmap_on_memory: the struct pages of a present block live in ordinary memory or in the block
// itself, never in another block's altmap; no vmemmap PMD maps memory of a removed block.
std::optional<Violation> check_memmap_self_hosted(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  Violation v;
  v.property = "memmap-self-hosted";
  for (int c = 0; c < L.nr_chunks; ++c) {
    const int back = s.pmd_backing(c);
    if (back == model::PMD_UNMAPPED || back == model::PMD_SYSTEM) continue;
    if (s.block_state(back) == model::MB_ABSENT) {
      v.message = fmt::format(
          "vmemmap PMD {} is still mapped onto the altmap of {}, which has been removed: "
          "the struct pages it holds{} live in memory that is gone",
          c, block_name(back), s.pmd_users(c) ? " (still in use)" : "");
      return v;
    }
    for (int b = 0; b < L.geo.memory_blocks; ++b) {
      if (b == back || !(s.pmd_users(c) & (1 << b)) || s.block_state(b) == model::MB_ABSENT) continue;
      v.message = fmt::format(
          "struct pages of {} live in vmemmap PMD {}, which is backed by the altmap of {}: "
          "removing {} frees metadata {} still uses",
          block_name(b), c, block_name(back), block_name(back), block_name(b));
      return v;
    }
  }
  return std::nullopt;
}

// test_pages_isolated() must not fail on a range whose only pages in use are hugetlb folios whose
// free is deferred to free_hpage_work (queued on hpage_freelist or being freed by the worker).
void observe_deferred_isolated(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::TestIsolatedBusy || !c.L.geo.has_hugetlb()) return;
  const int worker = c.L.geo.worker_thread();
  const bool queued = c.s.head(c.L.hugetlb_list(model::HL_HPAGE_LLIST)) != model::NIL;
  const bool running = c.s.head(c.L.hugetlb_list(model::HL_WORKFN)) != model::NIL || c.s.work_pending() ||
                       c.s.cpu(worker)[model::cpuoff::depth] != 0;
  if (!queued && !running) return;
  std::vector<int> held;
  for (int p = o.pfn; p < o.a;) {
    if (c.s.flags(p) & model::PG_buddy) {
      p += 1 << c.s.priv(p);
      continue;
    }
    if (c.s.owner(p) != model::OWNER_HUGETLB) return;  // a page in use for another reason
    held.push_back(p++);
  }
  if (held.empty()) return;
  Violation v;
  v.property = "deferred-free-isolated";
  v.message = fmt::format(
      "cpu{}: test_pages_isolated({}, {}) fails with -EBUSY, but the only pages not free are "
      "those of a hugetlb folio whose free to the buddy is deferred to free_hpage_work "
      "(pfn {}; {})",
      c.cpu, o.pfn, o.a, held.front(),
      queued ? "queued on hpage_freelist"
             : "hpage_freelist is empty: the worker took the folio with llist_del_all() and "
               "has not freed it yet");
  v.pfns = held;
  c.raise(std::move(v));
}

void observe_altmap(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck || o.check != model::KC_ALTMAP_NOT_UNMAPPED) return;
  Violation v;
  v.property = "warn-altmap-unmapped";
  v.message = fmt::format(
      "cpu{}: WARNING in remove_memory_blocks_and_altmaps: \"Altmap not fully unmapped\" "
      "({}: altmap->alloc is {} after arch_remove_memory())",
      c.cpu, block_name(o.pfn), o.a);
  c.raise(std::move(v));
}

}  // namespace

void add_hotplug_properties(std::vector<Property>& v) {
  v.push_back({"offline-outcome", Kind::EndState,
               "offline_pages() either took every page of its range out of the zone, or failed cleanly: no "
               "pageblock of the range is left isolated and the pcp lists run again",
               "the failure paths of offline_pages() (failed_removal_isolated: undo_isolate_page_range(); "
               "failed_removal_pcplists_disabled: zone_pcp_enable()), mm/memory_hotplug.c, v6.12",
               "scenarios with offline_pages", applies_everywhere, check_offline_outcome});
  v.push_back(
      {"capacity", Kind::EndState,
       "when every thread has finished, an allocation of [check] capacity_order would succeed: an aligned "
       "range of that order is all free (buddy or pcp lists; the allocator drains the pcp lists before it "
       "fails)",
       "what a later high-order allocation needs (the order-7 alloc_pages_exact() that failed on nommu in "
       "2022); unchecked in the kernel",
       "scenarios with [check] capacity_order", applies_everywhere, check_capacity});
  v.push_back(
      {"deferred-free-isolated", Kind::Event,
       "test_pages_isolated() does not fail on a range whose only pages in use are hugetlb folios waiting "
       "for free_hpage_work to free them",
       "what 67bab13307c8 establishes with wait_for_freed_hugetlb_folios() (\"due to the deferred freeing "
       "of hugetlb pages, the PageBuddy() check fails, ultimately leading to the failure of cma_alloc()\")",
       "scenarios with [hugetlb] and test_pages_isolated callers", applies_everywhere, nullptr,
       observe_deferred_isolated});
  v.push_back(
      {"memmap-self-hosted", Kind::State,
       "no memory block's struct pages live in memory another block owns, and no vmemmap PMD stays mapped "
       "onto a removed block",
       "the gate of mhp_supports_memmap_on_memory() (\"We don't want vmemmap code to populate memory from "
       "the altmap for unrelated parts (i.e., other memory blocks)\"), mm/memory_hotplug.c, v6.12",
       "scenarios with [memmap_on_memory]", applies_everywhere, check_memmap_self_hosted});
  v.push_back({"warn-altmap-unmapped", Kind::Event,
               "removing a memory block gives back every page of its altmap",
               "WARN(altmap->alloc, \"Altmap not fully unmapped\") in remove_memory_blocks_and_altmaps(), "
               "mm/memory_hotplug.c (v6.8+)",
               "scenarios with [memmap_on_memory]", applies_everywhere, nullptr, observe_altmap});
}

}  // namespace pagecheck::props

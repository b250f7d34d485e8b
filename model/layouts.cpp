#include "model/layouts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "model/kernel/kernel.hpp"
#include "model/ops.hpp"

namespace pagecheck::model {

State build_state(const TransitionSystem& ts, const MemoryLayout& ml) {
  const Layout& L = ts.layout();
  const Geometry& g = L.geo;
  State st(L);
  StateRef s = st.ref();
  for (int p = 0; p < L.nr_pages; ++p) {
    s.set_list_of(p, NIL);
    s.set_next(p, NIL);
    s.set_owner(p, g.zone_spans_pfn(p) ? OWNER_EXTERNAL : OWNER_OTHER_ZONE);
  }
  for (int l = 0; l < L.nr_lists; ++l) s.set_head(l, NIL);
  s.set_zone_byte(ZB_PCP_HIGH, static_cast<uint8_t>(g.pcp_high));
  s.set_zone_byte(ZB_PCP_BATCH, static_cast<uint8_t>(g.pcp_batch));
  for (int pb = 0; pb < L.nr_pb; ++pb) {
    Mt mt = ml.pageblock_mt.at(static_cast<size_t>(pb));
    s.set_pb_bits(pb, static_cast<uint8_t>(mt));
    if (mt == Mt::ISOLATE && ts.kernel().has(F_ISOLATE_RECHECK_ON_FREE))
      s.set_counter(Counter::nr_isolate_pageblock, s.counter(Counter::nr_isolate_pageblock) + 1);
    if (mt == Mt::HIGHATOMIC)
      s.set_counter(Counter::nr_reserved_highatomic,
                    s.counter(Counter::nr_reserved_highatomic) + g.pageblock_nr_pages());
  }
  // Movability of pages in use: by the layout's entry, else by their pageblock's type.
  for (int p = 0; p < L.nr_pages; ++p) {
    Mt mt = ml.pageblock_mt[static_cast<size_t>(g.pageblock_of(p))];
    if (mt == Mt::MOVABLE || mt == Mt::CMA) s.set_flags(p, PG_lru);
  }
  for (const auto& a : ml.allocated)
    for (int p = a.pfn; p < a.pfn + (1 << a.order); ++p) s.set_flags(p, a.movable ? PG_lru : 0);
  for (const auto& b : ml.free) {
    for (int p = b.pfn; p < b.pfn + (1 << b.order); ++p) {
      s.set_owner(p, OWNER_NONE);
      s.set_flags(p, 0);
    }
    s.set_flags(b.pfn, PG_buddy);
    s.set_priv(b.pfn, static_cast<uint8_t>(b.order));
    int list = L.buddy_list(b.order, b.mt);
    int tail = s.list_tail(list);
    if (tail < 0)
      s.set_head(list, static_cast<uint8_t>(b.pfn));
    else
      s.set_next(tail, static_cast<uint8_t>(b.pfn));
    s.set_list_of(b.pfn, static_cast<uint8_t>(list));
    int n = 1 << b.order;
    s.set_counter(L.counter_nr_free(b.order), s.counter(L.counter_nr_free(b.order)) + 1);
    if (b.mt != Mt::ISOLATE) s.set_counter(Counter::NR_FREE_PAGES, s.counter(Counter::NR_FREE_PAGES) + n);
    if (b.mt == Mt::CMA) s.set_counter(Counter::NR_FREE_CMA_PAGES, s.counter(Counter::NR_FREE_CMA_PAGES) + n);
    if (b.mt == Mt::HIGHATOMIC && ts.kernel().has(F_NR_FREE_HIGHATOMIC))
      s.set_counter(Counter::nr_free_highatomic, s.counter(Counter::nr_free_highatomic) + n);
  }
  // Pages on pcp lists: the list free_unref_page() picks for the block's type (HIGHATOMIC and CMA
  // ride MOVABLE), added at the tail so the entries read head first; page->index caches the type.
  for (const auto& pp : ml.pcp) {
    Mt mt = ml.pageblock_mt[static_cast<size_t>(g.pageblock_of(pp.pfn))];
    Mt list_mt = static_cast<int>(mt) >= MIGRATE_PCPTYPES ? Mt::MOVABLE : mt;
    int pindex = pp.order > PAGE_ALLOC_COSTLY_ORDER ? L.nr_pcp_lists - 1
                                                    : MIGRATE_PCPTYPES * pp.order + static_cast<int>(list_mt);
    int list = L.pcp_list(pp.cpu, pindex);
    for (int p = pp.pfn; p < pp.pfn + (1 << pp.order); ++p) {
      s.set_owner(p, OWNER_NONE);
      s.set_flags(p, 0);
    }
    if (!ts.kernel().has(F_NO_PCPPAGE_MT_CACHE)) s.set_pcpmt(pp.pfn, static_cast<uint8_t>(mt));
    int tail = s.list_tail(list);
    if (tail < 0)
      s.set_head(list, static_cast<uint8_t>(pp.pfn));
    else
      s.set_next(tail, static_cast<uint8_t>(pp.pfn));
    s.set_list_of(pp.pfn, static_cast<uint8_t>(list));
    s.set_counter(L.counter_pcp_count(pp.cpu), s.counter(L.counter_pcp_count(pp.cpu)) + (1 << pp.order));
  }
  if (g.has_hugetlb()) {
    // The pool: folio pages belong to hugetlb; vmemmap pages listed for a folio back its struct pages.
    for (int slot = 0; slot < L.nr_slots; ++slot)
      for (int i = 0; i < g.hugetlb_vmemmap_pages; ++i) s.set_folio_vmemmap(slot, i, NIL);
    const auto& hi = ml.hugetlb;
    int nr = 0, free = 0, temporary = 0;
    for (const auto& f : hi.folios) {
      temporary += f.temporary;
      int slot = L.slot_of(f.pfn);
      for (int p = f.pfn; p < f.pfn + (1 << g.hugetlb_order); ++p) {
        s.set_owner(p, OWNER_HUGETLB);
        s.set_flags(p, 0);
      }
      uint8_t flags = FOLIO_hugetlb;
      if (f.optimized) flags |= FOLIO_vmemmap_optimized;
      if (f.temporary) flags |= FOLIO_temporary;
      if (!f.in_use) flags |= FOLIO_freed;
      s.set_folio_flags(slot, flags);
      s.set_folio_ref(slot, f.in_use ? 1 : 0);
      for (size_t i = 0; i < f.vmemmap.size(); ++i) {
        s.set_folio_vmemmap(slot, static_cast<int>(i), static_cast<uint8_t>(f.vmemmap[i]));
        s.set_owner(f.vmemmap[i], OWNER_VMEMMAP);
        s.set_flags(f.vmemmap[i], 0);
      }
      int list = L.hugetlb_list(f.in_use ? HL_ACTIVELIST : HL_FREELIST);
      int tail = s.list_tail(list);
      if (tail < 0)
        s.set_head(list, static_cast<uint8_t>(f.pfn));
      else
        s.set_next(tail, static_cast<uint8_t>(f.pfn));
      s.set_list_of(f.pfn, static_cast<uint8_t>(list));
      ++nr;
      free += !f.in_use;
    }
    s.set_counter(L.counter_hugetlb(HC_nr_huge_pages), nr);
    s.set_counter(L.counter_hugetlb(HC_free_huge_pages), free);
    s.set_counter(L.counter_hugetlb(HC_surplus_huge_pages), hi.surplus);
    s.set_counter(L.counter_hugetlb(HC_resv_huge_pages), hi.resv);
    // temporary folios (migration targets) are counted in nr_huge_pages, not in max_huge_pages
    s.set_counter(L.counter_hugetlb(HC_max_huge_pages), hi.max >= 0 ? hi.max : nr - hi.surplus - temporary);
  }
  for (int b = 0; b < g.memory_blocks; ++b) s.set_block_state(b, MB_ABSENT);
  for (int c = 0; c < L.nr_chunks; ++c) {
    s.set_pmd_backing(c, PMD_UNMAPPED);
    s.set_pmd_users(c, 0);
  }
  for (int c = 0; c < L.nr_threads; ++c) s.cpu(c)[cpuoff::res_pfn] = NIL;
  ts.start_programs(s);
  return st;
}

MemoryLayout explicit_layout(const Scenario& sc) {
  return MemoryLayout{sc.pageblock_mt, sc.free, sc.allocated, sc.pcp, sc.hugetlb};
}

namespace {

// The buddies the kernel's merging leaves for a set of free pages, or false when the set and
// types describe a state merging would not leave (two free halves whose blocks would merge).
bool decompose(const Geometry& g, const std::vector<bool>& free, const std::vector<Mt>& types, int pfn,
               int order, std::vector<FreeBuddy>& out) {
  int n = 1 << order;
  if (pfn >= g.nr_pages()) return true;
  bool inside = pfn + n <= g.nr_pages();
  bool all_free = inside;
  for (int p = pfn; all_free && p < pfn + n; ++p) all_free = free[static_cast<size_t>(p)];
  if (all_free) {
    bool uniform = true;
    Mt t0 = types[static_cast<size_t>(g.pageblock_of(pfn))];
    for (int p = pfn; p < pfn + n; p += g.pageblock_nr_pages())
      uniform = uniform && types[static_cast<size_t>(g.pageblock_of(p))] == t0;
    if (uniform) {
      out.push_back({pfn, order, t0});
      return true;
    }
  }
  if (order == 0) return true;  // an allocated page
  size_t mark = out.size();
  if (!decompose(g, free, types, pfn, order - 1, out)) return false;
  if (!decompose(g, free, types, pfn + n / 2, order - 1, out)) return false;
  // Two free halves of order-1 stay apart only where __free_one_page refuses to merge them.
  if (out.size() == mark + 2 && out[mark].order == order - 1 && out[mark + 1].order == order - 1) {
    Mt a = out[mark].mt, b = out[mark + 1].mt;
    bool blocked = order - 1 >= g.pageblock_order && a != b &&
                   (!migratetype_is_mergeable(a) || !migratetype_is_mergeable(b));
    if (!blocked) return false;
  }
  return true;
}

}  // namespace

long for_each_layout(const Scenario& sc, const std::function<void(const MemoryLayout&)>& f) {
  const Geometry& g = sc.geo;
  const int np = g.nr_pages(), nb = g.pageblocks;
  // Pages the scenario frees must start allocated, as one allocation of the freed order.
  std::vector<Allocation> forced;
  std::vector<bool> must_alloc(static_cast<size_t>(np), false);
  for (const auto& prog : sc.programs)
    for (const auto& op : prog)
      if (std::string_view(op_registry()[static_cast<size_t>(op.def)].name) == "free_pages") {
        int pfn = op_arg(op, "pfn"), order = op_arg(op, "order");
        bool dup = false;
        for (int p = pfn; p < pfn + (1 << order); ++p) {
          dup = dup || must_alloc[static_cast<size_t>(p)];
          must_alloc[static_cast<size_t>(p)] = true;
        }
        if (!dup) forced.push_back({pfn, order, true});
      }
  const auto& types = sc.layout_migratetypes;
  const size_t k = types.size();
  long total_types = 1;
  for (int i = 0; i < nb; ++i) total_types *= static_cast<long>(k);
  long count = 0;
  std::vector<Mt> pbt(static_cast<size_t>(nb));
  std::vector<bool> free(static_cast<size_t>(np));
  std::vector<FreeBuddy> buddies;
  for (long ti = 0; ti < total_types; ++ti) {
    long x = ti;
    for (int i = 0; i < nb; ++i, x /= static_cast<long>(k))
      pbt[static_cast<size_t>(i)] = types[static_cast<size_t>(x % static_cast<long>(k))];
    for (long mask = 0; mask < (1L << np); ++mask) {
      bool ok = true;
      for (int p = 0; p < np; ++p) {
        free[static_cast<size_t>(p)] = (mask >> p) & 1;
        if (free[static_cast<size_t>(p)] && must_alloc[static_cast<size_t>(p)]) ok = false;
        if (free[static_cast<size_t>(p)] && !g.zone_spans_pfn(p)) ok = false;  // another zone's page
      }
      if (!ok) continue;
      buddies.clear();
      for (int pfn = 0; pfn < np && ok; pfn += g.max_order_nr_pages())
        ok = decompose(g, free, pbt, pfn, g.max_order, buddies);
      if (!ok) continue;
      // Group by free list, then enumerate every order of every list.
      std::map<std::pair<int, int>, std::vector<FreeBuddy>> lists;
      for (const auto& b : buddies) lists[{b.order, static_cast<int>(b.mt)}].push_back(b);
      std::vector<std::vector<FreeBuddy>*> groups;
      for (auto& [key, v] : lists) {
        std::sort(v.begin(), v.end(), [](const FreeBuddy& a, const FreeBuddy& b) { return a.pfn < b.pfn; });
        groups.push_back(&v);
      }
      // Odometer over the permutations of each group.
      while (true) {
        MemoryLayout ml;
        ml.pageblock_mt = pbt;
        for (auto* gp : groups) ml.free.insert(ml.free.end(), gp->begin(), gp->end());
        ml.allocated = forced;
        f(ml);
        ++count;
        size_t i = 0;
        auto by_pfn = [](const FreeBuddy& a, const FreeBuddy& b) { return a.pfn < b.pfn; };
        while (i < groups.size() && !std::next_permutation(groups[i]->begin(), groups[i]->end(), by_pfn)) ++i;
        if (i == groups.size()) break;
      }
    }
  }
  return count;
}

std::vector<State> initial_states(const TransitionSystem& ts, const Scenario& sc, long limit) {
  std::vector<State> v;
  if (!sc.all_layouts) {
    v.push_back(build_state(ts, explicit_layout(sc)));
    return v;
  }
  if (sc.geo.nr_pages() > 20)
    throw InputError(
        fmt::format("{}: layouts = \"all\" enumerates 2^pages free sets; {} pages is too many "
                    "(at most 20)",
                    sc.file, sc.geo.nr_pages()));
  for_each_layout(sc, [&](const MemoryLayout& ml) {
    if (static_cast<long>(v.size()) >= limit)
      throw InputError(
          fmt::format("{}: layouts = \"all\" gives more than {} layouts; restrict "
                      "initial.migratetypes or the geometry",
                      sc.file, limit));
    v.push_back(build_state(ts, ml));
  });
  return v;
}

}  // namespace pagecheck::model

// Free list typing, buddy structure and free page accounting.
#include <fmt/format.h>

#include <array>

#include "model/kernel/kernel.hpp"
#include "properties/all.hpp"

namespace pagecheck::props {

using model::Counter;
using model::Layout;
using model::Mt;
using model::NIL;
using model::StateRef;
using model::Violation;

namespace {

// Every free buddy on free_list[order][mt] starts in a pageblock of type mt.
std::optional<Violation> check_freelist_hygiene(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  for (int list = 0; list < L.nr_buddy_lists; ++list) {
    Mt mt = L.list_mt(list);
    for (int p = s.head(list); p != NIL; p = s.next(p)) {
      int pb = L.geo.pageblock_of(p);
      Mt block = model::pageblock_type(s, pb);
      if (block != mt) {
        Violation v;
        v.property = "freelist-hygiene";
        v.message = fmt::format(
            "pfn {} (order {}) is on {} but its pageblock {} is {}; the kernel would warn "
            "\"page type is {}, passed migratetype is {}\"",
            p, L.list_order(list), model::list_name(L, list), pb, model::mt_name(block),
            static_cast<int>(block), static_cast<int>(mt));
        v.pfns = {p};
        v.pageblocks = {pb};
        v.lists = {model::list_name(L, list)};
        return v;
      }
    }
  }
  return std::nullopt;
}

Violation structure_violation(std::string msg, std::vector<int> pfns) {
  Violation v;
  v.property = "buddy-structure";
  v.message = std::move(msg);
  v.pfns = std::move(pfns);
  return v;
}

std::optional<Violation> check_buddy_structure(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  const int np = L.nr_pages;
  // Which free buddy (head pfn) or pcp list covers each page.
  std::array<uint8_t, model::Geometry::kMaxPages> cover;
  cover.fill(NIL);
  for (int list = 0; list < L.first_hugetlb_list; ++list) {  // hugetlb lists: properties/hugetlb.cpp
    bool buddy = L.is_buddy_list(list);
    for (int p = s.head(list); p != NIL; p = s.next(p)) {
      if (s.list_of(p) != list)
        return structure_violation(fmt::format("pfn {} is linked on {} but records list {}", p,
                                               model::list_name(L, list), s.list_of(p)),
                                   {p});
      int order = buddy ? L.list_order(list) : L.pcp_pindex_order(L.pcp_list_pindex(list));
      if (buddy) {
        if (!(s.flags(p) & model::PG_buddy))
          return structure_violation(
              fmt::format("pfn {} is on {} without PageBuddy", p, model::list_name(L, list)), {p});
        if (s.priv(p) != order)
          return structure_violation(fmt::format("pfn {} is on {} but its buddy_order is {}", p,
                                                 model::list_name(L, list), s.priv(p)),
                                     {p});
      } else if (s.flags(p) & model::PG_buddy) {
        return structure_violation(
            fmt::format("pfn {} is on {} and PageBuddy at once", p, model::list_name(L, list)), {p});
      }
      if (p & ((1 << order) - 1))
        return structure_violation(fmt::format("free pfn {} of order {} is not aligned", p, order), {p});
      if (p + (1 << order) > np)
        return structure_violation(
            fmt::format("free pfn {} of order {} reaches beyond the zone (pfn {})", p, order, np), {p});
      for (int q = p; q < p + (1 << order); ++q) {
        if (cover[static_cast<size_t>(q)] != NIL)
          return structure_violation(fmt::format("pfn {} is covered by two free entries (pfn {} and pfn {})",
                                                 q, cover[static_cast<size_t>(q)], p),
                                     {q, cover[static_cast<size_t>(q)], p});
        cover[static_cast<size_t>(q)] = static_cast<uint8_t>(p);
        if (s.owner(q) != model::OWNER_NONE)
          return structure_violation(
              fmt::format("pfn {} is free (in the buddy at pfn {} on {}) and allocated at once", q, p,
                          model::list_name(L, list)),
              {q, p});
      }
    }
  }
  for (int p = 0; p < np; ++p) {
    if ((s.flags(p) & model::PG_buddy) && s.list_of(p) == NIL)
      return structure_violation(fmt::format("pfn {} is PageBuddy but on no free list", p), {p});
    if (cover[static_cast<size_t>(p)] == NIL && s.owner(p) == model::OWNER_NONE)
      return structure_violation(fmt::format("pfn {} is lost: neither free on a list nor held by anyone", p),
                                 {p});
  }
  return std::nullopt;
}

void observe_buddy_structure(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::FreeNotAllocated) return;
  c.raise(
      structure_violation(fmt::format("cpu{} frees pfn {} (order {}) which is not allocated: a double free",
                                      c.cpu, o.pfn, o.order),
                          {o.pfn}));
}

Violation accounting_violation(const Layout& L, int idx, int have, int want, std::string what) {
  Violation v;
  v.property = "free-accounting";
  v.message =
      fmt::format("{} is {} but the free lists hold {} ({})", model::counter_name(L, idx), have, want, what);
  return v;
}

std::optional<Violation> check_free_accounting(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  int free_pages = 0, cma_pages = 0;
  for (int o = 0; o < L.nr_orders; ++o) {
    int n = 0;
    for (int mt = 0; mt < model::MIGRATE_TYPES; ++mt) {
      int list = L.buddy_list(o, static_cast<Mt>(mt));
      int len = s.list_len(list);
      n += len;
      if (static_cast<Mt>(mt) != Mt::ISOLATE) free_pages += len << o;
      if (static_cast<Mt>(mt) == Mt::CMA) cma_pages += len << o;
    }
    int idx = L.counter_nr_free(o);
    if (s.counter(idx) != n)
      return accounting_violation(L, idx, s.counter(idx), n, "buddies of that order on all lists");
  }
  int idx = static_cast<int>(Counter::NR_FREE_PAGES);
  if (s.counter(idx) != free_pages)
    return accounting_violation(L, idx, s.counter(idx), free_pages, "pages on every list but ISOLATE");
  idx = static_cast<int>(Counter::NR_FREE_CMA_PAGES);
  if (s.counter(idx) != cma_pages)
    return accounting_violation(L, idx, s.counter(idx), cma_pages, "pages on the CMA lists");
  return std::nullopt;
}

// Offlined blocks stay isolated; offline_pages() takes them off the count in a zone->lock section
// after __offline_isolated_pages(), so while a block's pages are all offline either count is right.
std::optional<Violation> check_isolate_accounting(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  int n = 0, offline = 0;
  for (int pb = 0; pb < L.nr_pb; ++pb) {
    if (model::pageblock_type(s, pb) != Mt::ISOLATE) continue;
    ++n;
    bool all_offline = true;
    for (int p = pb << L.geo.pageblock_order; p < (pb + 1) << L.geo.pageblock_order; ++p)
      all_offline = all_offline && s.owner(p) == model::OWNER_OFFLINE;
    offline += all_offline;
  }
  int have = s.counter(Counter::nr_isolate_pageblock);
  if (have != n && have != n - offline) {
    Violation v;
    v.property = "isolate-accounting";
    v.message =
        offline ? fmt::format("nr_isolate_pageblock is {} but {} pageblocks are isolated, {} of them offline",
                              have, n, offline)
                : fmt::format("nr_isolate_pageblock is {} but {} pageblocks are isolated", have, n);
    return v;
  }
  return std::nullopt;
}

std::optional<Violation> check_pcp_accounting(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  for (int cpu = 0; cpu < L.nr_cpus; ++cpu) {
    int pages = 0;
    for (int pindex = 0; pindex < L.nr_pcp_lists; ++pindex)
      pages += s.list_len(L.pcp_list(cpu, pindex)) << L.pcp_pindex_order(pindex);
    int idx = L.counter_pcp_count(cpu);
    if (s.counter(idx) != pages) {
      Violation v;
      v.property = "pcp-accounting";
      v.message = fmt::format("{} is {} but cpu{}'s pcp lists hold {} pages", model::counter_name(L, idx),
                              s.counter(idx), cpu, pages);
      return v;
    }
  }
  return std::nullopt;
}

// Counted by the type bits: from v6.17 an isolated block keeps its type there. Before v6.17 an
// isolated block has lost it, so the count is compared only while no block is isolated.
std::optional<Violation> check_highatomic_accounting(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  const bool bit = ts.kernel().has(model::F_PB_ISOLATE_BIT);
  int blocks = 0;
  for (int pb = 0; pb < L.nr_pb; ++pb) {
    uint8_t bits = s.pb_bits(pb);
    if (!bit && model::pageblock_type(s, pb) == Mt::ISOLATE) return std::nullopt;
    blocks += static_cast<Mt>(bits & model::PB_MIGRATETYPE_MASK) == Mt::HIGHATOMIC;
  }
  int want = blocks * L.geo.pageblock_nr_pages();
  Violation v;
  v.property = "highatomic-accounting";
  if (s.counter(Counter::nr_reserved_highatomic) != want) {
    v.message = fmt::format("nr_reserved_highatomic is {} but {} pageblock{} of {} pages {} HIGHATOMIC",
                            s.counter(Counter::nr_reserved_highatomic), blocks, blocks == 1 ? "" : "s",
                            L.geo.pageblock_nr_pages(), blocks == 1 ? "is" : "are");
    return v;
  }
  if (ts.kernel().has(model::F_NR_FREE_HIGHATOMIC)) {
    int pages = 0;
    for (int o = 0; o < L.nr_orders; ++o) pages += s.list_len(L.buddy_list(o, Mt::HIGHATOMIC)) << o;
    if (s.counter(Counter::nr_free_highatomic) != pages) {
      v.message = fmt::format("nr_free_highatomic is {} but the HIGHATOMIC lists hold {} pages",
                              s.counter(Counter::nr_free_highatomic), pages);
      return v;
    }
  }
  return std::nullopt;
}

// At the end every page is accounted for exactly once: on a buddy list, on a pcp list, held by
// a CPU or the outside, or offline; and the counters agree with the lists.
std::optional<Violation> check_pages_conserved(const model::TransitionSystem& ts, StateRef s) {
  if (auto v = check_buddy_structure(ts, s)) {
    v->property = "pages-conserved";
    return v;
  }
  if (auto v = check_pcp_accounting(ts, s)) {
    v->property = "pages-conserved";
    return v;
  }
  for (int lock = 0; lock < ts.layout().nr_locks; ++lock) {
    if (s.lock_owner(lock) != 0) {
      Violation v;
      v.property = "pages-conserved";
      v.message = fmt::format("every CPU has finished but lock {} is still held by cpu{}", lock,
                              s.lock_owner(lock) - 1);
      return v;
    }
  }
  return std::nullopt;
}

bool has_isolate_counter(const model::Kernel& k) {
  return k.has(model::F_ISOLATE_RECHECK_ON_FREE);
}

// freelist-hygiene, per page: "p on free_list[o][mt] => pageblock(p) is mt" reads the page
// (which list it is on) and its block. The next links between entries are not read: the Ctx
// list primitives keep them consistent with the pages' lists by themselves.
void support_freelist_hygiene(const Layout& L, const model::ResourceSet& written, model::ResourceSet& reads) {
  const int per_pb = L.geo.pageblock_nr_pages();
  written.for_each([&](int r) {
    if (r < model::res_link(L, 0)) {
      reads.set(model::res_pageblock(L, L.geo.pageblock_of(r)));
    } else if (r >= model::res_pageblock(L, 0) && r < model::res_list(L, 0)) {
      int pb = r - model::res_pageblock(L, 0);
      for (int p = pb * per_pb; p < (pb + 1) * per_pb; ++p) reads.set(model::res_page(L, p));
    }
  });
}

// buddy-structure: each conjunct reads the pages of one MAX_PAGE_ORDER block (a free entry,
// buddy or pcp, never crosses one); as above, not the next links.
void support_buddy_structure(const Layout& L, const model::ResourceSet& written, model::ResourceSet& reads) {
  const int max_pages = L.geo.max_order_nr_pages();
  written.for_each([&](int r) {
    if (r >= model::res_link(L, 0)) return;
    const int lo = r & ~(max_pages - 1);
    for (int p = lo; p < lo + max_pages && p < L.nr_pages; ++p) reads.set(model::res_page(L, p));
  });
}

// isolate-accounting: "nr_isolate_pageblock is the number of isolated blocks, or that number
// less the offlined ones". Where no page can be offline (no offline_pages(), none offline at
// the start) the second disjunct is the first, and the property is one linear equality.
Support support_isolate_accounting(const model::TransitionSystem& ts, std::span<const model::State> initial) {
  if (runs_any(ts, {model::P_offline_pages})) return Support::Global;
  const Layout& L = ts.layout();
  for (const auto& st : initial)
    for (int p = 0; p < L.nr_pages; ++p)
      if (st.ref().owner(p) == model::OWNER_OFFLINE) return Support::Global;
  return Support::Linear;
}

// highatomic-accounting: two linear equalities, except that before v6.17 any isolated block
// makes it hold. Where no block can be isolated that disjunct is never true.
Support support_highatomic_accounting(const model::TransitionSystem& ts,
                                      std::span<const model::State> initial) {
  if (ts.kernel().has(model::F_PB_ISOLATE_BIT)) return Support::Linear;
  if (runs_any(ts, {model::P_start_isolate_page_range, model::P_isolate_single_pageblock,
                    model::P_alloc_contig_range, model::P_offline_pages}))
    return Support::Global;
  const Layout& L = ts.layout();
  for (const auto& st : initial)
    for (int pb = 0; pb < L.nr_pb; ++pb)
      if (model::pageblock_type(st.ref(), pb) == Mt::ISOLATE) return Support::Global;
  return Support::Linear;
}

}  // namespace

void add_buddy_properties(std::vector<Property>& v) {
  v.push_back({"freelist-hygiene", Kind::State,
               "every free buddy on free_list[order][mt] starts in a pageblock of type mt",
               "VM_WARN_ONCE \"page type is %lu, passed migratetype is %d\" in __add_to_free_list, "
               "move_to_free_list and __del_page_from_free_list (mm/page_alloc.c, v6.10)",
               "all variants", applies_everywhere, check_freelist_hygiene, nullptr, Support::Local,
               support_freelist_hygiene});
  v.push_back({"buddy-structure", Kind::State,
               "free buddies are aligned, disjoint, inside the zone, PageBuddy with the order of their "
               "list; no page is both free and allocated, none is lost, none is freed twice",
               "VM_BUG_ON_PAGE(pfn & ((1 << order) - 1)) and bad_range() in __free_one_page, "
               "page_is_buddy(), and the \"nonzero mapcount\" bad-page report of a double free",
               "all variants", applies_everywhere, check_buddy_structure, observe_buddy_structure,
               Support::Local, support_buddy_structure});
  // Raised by the model itself (Ctx::list_corruption()), whatever is selected: no state after it.
  v.push_back({"list-corruption", Kind::Event,
               "a page is added to a list (free list, pcp list, hugetlb list) only when it is on none",
               "none at the add; CONFIG_DEBUG_LIST's __list_del_entry_valid() (lib/list_debug.c) reports "
               "the damage at the next list_del() on either list",
               "all variants; always checked", applies_everywhere});
  v.push_back({"free-accounting", Kind::State,
               "nr_free[order], NR_FREE_PAGES and NR_FREE_CMA_PAGES equal what the free lists hold "
               "(ISOLATE lists not counted in NR_FREE_PAGES)",
               "unchecked in the kernel; the counters drift silently (what account_freepages(), "
               "v6.10, makes exact)",
               "all variants", applies_everywhere, check_free_accounting, nullptr, Support::Linear});
  v.push_back({"isolate-accounting", Kind::State,
               "zone->nr_isolate_pageblock equals the number of isolated pageblocks",
               "unchecked; has_isolate_pageblock() relies on it (the counter is ad53f92eb416's)",
               "kernels with ad53f92eb416", has_isolate_counter, check_isolate_accounting, nullptr,
               Support::Linear, nullptr, support_isolate_accounting});
  v.push_back(
      {"pcp-accounting", Kind::State, "each CPU's pcp->count equals the pages on its pcp lists",
       "unchecked; free_pcppages_bulk() trusts it (\"Ensure proper count is passed which otherwise would "
       "stuck in the below while (list_empty(list)) loop\")",
       "all variants (scenarios with pcp lists)", applies_everywhere, check_pcp_accounting, nullptr,
       Support::Linear});
  v.push_back(
      {"highatomic-accounting", Kind::State,
       "zone->nr_reserved_highatomic is pageblock_nr_pages per HIGHATOMIC pageblock; from v6.12 "
       "zone->nr_free_highatomic equals the pages on the HIGHATOMIC lists",
       "unchecked; unreserve_highatomic_pageblock() guards against underflow (\"It should never happen "
       "but changes to locking could inadvertently allow a per-cpu drain to add pages to "
       "MIGRATE_HIGHATOMIC while unreserving\")",
       "all variants", applies_everywhere, check_highatomic_accounting, nullptr, Support::Linear, nullptr,
       support_highatomic_accounting});
  v.push_back(
      {"pages-conserved", Kind::EndState,
       "when every CPU has finished, each page is on exactly one free list, pcp list or owner, the "
       "pcp counts match their lists and no lock is held",
       "the bad-page checks of free_pages_prepare()/check_new_pages() and the buddy invariants at the "
       "end of the run",
       "all variants", applies_everywhere, check_pages_conserved});
}

}  // namespace pagecheck::props

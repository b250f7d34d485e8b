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
  for (int list = 0; list < L.nr_lists; ++list) {
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

std::optional<Violation> check_isolate_accounting(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  int n = 0;
  for (int pb = 0; pb < L.nr_pb; ++pb) n += model::pageblock_type(s, pb) == Mt::ISOLATE;
  if (s.counter(Counter::nr_isolate_pageblock) != n) {
    Violation v;
    v.property = "isolate-accounting";
    v.message = fmt::format("nr_isolate_pageblock is {} but {} pageblocks are isolated",
                            s.counter(Counter::nr_isolate_pageblock), n);
    return v;
  }
  return std::nullopt;
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
  v.push_back({"free-accounting", Kind::State,
               "nr_free[order], NR_FREE_PAGES and NR_FREE_CMA_PAGES equal what the free lists hold "
               "(ISOLATE lists not counted in NR_FREE_PAGES)",
               "unchecked in the kernel; the counters drift silently (what account_freepages(), "
               "v6.10, makes exact)",
               "all variants", applies_everywhere, check_free_accounting, nullptr, Support::Linear});
  v.push_back({"isolate-accounting", Kind::State,
               "zone->nr_isolate_pageblock equals the number of isolated pageblocks",
               "unchecked; has_isolate_pageblock() relies on it", "all variants", applies_everywhere,
               check_isolate_accounting, nullptr, Support::Linear});
}

}  // namespace pagecheck::props

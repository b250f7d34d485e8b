// hugetlb: what the pool, its counters and HVO promise (scenarios with [hugetlb]).
#include <fmt/format.h>

#include "model/kernel/kernel.hpp"
#include "properties/all.hpp"

namespace pagecheck::props {

using model::HugetlbCounter;
using model::HugetlbList;
using model::Layout;
using model::NIL;
using model::StateRef;
using model::Violation;

namespace {

int hc(const Layout& L, StateRef s, HugetlbCounter c) {
  return s.counter(L.counter_hugetlb(c));
}

int which_hugetlb_list(const Layout& L, StateRef s, int pfn) {
  int l = s.list_of(pfn);
  return l != NIL && L.is_hugetlb_list(l) ? l - L.first_hugetlb_list : -1;
}

Violation pool_violation(std::string msg, int pfn) {
  Violation v;
  v.property = "hugetlb-pool";
  v.message = std::move(msg);
  if (pfn >= 0) v.pfns = {pfn};
  return v;
}

std::string flags_text(uint8_t f) {
  std::string s;
  auto add = [&](uint8_t bit, const char* n) {
    if (f & bit) s += (s.empty() ? "" : "|") + std::string(n);
  };
  add(model::FOLIO_hugetlb, "hugetlb");
  add(model::FOLIO_freed, "HPG_freed");
  add(model::FOLIO_vmemmap_optimized, "HPG_vmemmap_optimized");
  add(model::FOLIO_temporary, "HPG_temporary");
  return s.empty() ? "no flags" : s;
}

// I7a: a folio on a hugetlb list is a hugetlb folio, all its pages hugetlb's and none of them in
// the buddy allocator; its flags and refcount fit the list. With hugetlb_lock free, the free
// counter matches the free list and no counter exceeds nr_huge_pages.
std::optional<Violation> check_hugetlb_pool(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  if (!L.geo.has_hugetlb()) return std::nullopt;
  const int n = 1 << L.geo.hugetlb_order;
  const bool marker = ts.kernel().has(model::F_HUGETLB_FREED_MARKER);
  for (int slot = 0; slot < L.nr_slots; ++slot) {
    const int pfn = L.slot_pfn(slot);
    const uint8_t f = s.folio_flags(slot);
    const int list = which_hugetlb_list(L, s, pfn);
    if ((f & model::FOLIO_freed) && list != model::HL_FREELIST)
      return pool_violation(fmt::format("folio pfn {} is marked HPG_freed but is not on {}", pfn,
                                        model::list_name(L, L.hugetlb_list(model::HL_FREELIST))),
                            pfn);
    if (list < 0) continue;
    // The list's name only for a message: this runs on every new state.
    auto where = [&] { return model::list_name(L, L.hugetlb_list(static_cast<HugetlbList>(list))); };
    for (int p = pfn; p < pfn + n; ++p) {
      if ((s.flags(p) & model::PG_buddy) || s.owner(p) == model::OWNER_NONE)
        return pool_violation(
            fmt::format("folio pfn {} is on {} but pfn {} is a free page of the buddy "
                        "allocator: the page is in the hugetlb pool and in the buddy at once",
                        pfn, where(), p),
            p);
      if (s.owner(p) != model::OWNER_HUGETLB)
        return pool_violation(
            fmt::format("folio pfn {} is on {} but pfn {} is not hugetlb's", pfn, where(), p), p);
    }
    if (!(f & model::FOLIO_hugetlb))
      return pool_violation(fmt::format("folio pfn {} is on {} but is no longer a hugetlb folio ({}): it was "
                                        "taken out of the pool and is "
                                        "on its way to the buddy allocator",
                                        pfn, where(), flags_text(f)),
                            pfn);
    const int ref = s.folio_ref(slot);
    switch (list) {
      case model::HL_FREELIST:
        if (ref || (marker && !(f & model::FOLIO_freed)))
          return pool_violation(
              fmt::format("folio pfn {} is on {} with refcount {} and {}", pfn, where(), ref, flags_text(f)),
              pfn);
        break;
      case model::HL_HPAGE_LLIST:
      case model::HL_WORKFN:
        if (ref || !(f & model::FOLIO_vmemmap_optimized))
          return pool_violation(fmt::format("folio pfn {} waits on {} with refcount {} and {}", pfn, where(),
                                            ref, flags_text(f)),
                                pfn);
        break;
      default: break;
    }
  }
  return std::nullopt;
}

Violation accounting_violation(std::string msg) {
  Violation v;
  v.property = "hugetlb-accounting";
  v.message = std::move(msg);
  return v;
}

// I7c: with hugetlb_lock free (its holders update lists and counters together), free_huge_pages
// counts the free list, the pool lists hold no more than nr_huge_pages, and surplus, reserved and
// max_huge_pages stay in range.
std::optional<Violation> check_hugetlb_accounting(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  if (!L.geo.has_hugetlb() || s.lock_owner(L.lock_hugetlb)) return std::nullopt;
  const int nr = hc(L, s, model::HC_nr_huge_pages), free = hc(L, s, model::HC_free_huge_pages);
  const int on_free = s.list_len(L.hugetlb_list(model::HL_FREELIST));
  if (free != on_free)
    return accounting_violation(fmt::format("free_huge_pages is {} but {} folio{} on the free list", free,
                                            on_free, on_free == 1 ? " is" : "s are"));
  const int pooled = on_free + s.list_len(L.hugetlb_list(model::HL_ACTIVELIST));
  if (pooled > nr)
    return accounting_violation(fmt::format("nr_huge_pages is {} but {} folio{} on the free and active lists",
                                            nr, pooled, pooled == 1 ? " is" : "s are"));
  if (hc(L, s, model::HC_surplus_huge_pages) > nr)
    return accounting_violation(fmt::format("surplus_huge_pages is {} but nr_huge_pages is {}",
                                            hc(L, s, model::HC_surplus_huge_pages), nr));
  if (hc(L, s, model::HC_resv_huge_pages) > free)
    return accounting_violation(fmt::format("resv_huge_pages is {} but free_huge_pages is {}",
                                            hc(L, s, model::HC_resv_huge_pages), free));
  return std::nullopt;
}

// I7b: HVO makes the tail struct pages read-only; only hugetlb code knows not to write them.
std::optional<Violation> check_hvo_flag(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  for (int slot = 0; slot < L.nr_slots; ++slot) {
    uint8_t f = s.folio_flags(slot);
    if ((f & model::FOLIO_vmemmap_optimized) && !(f & model::FOLIO_hugetlb)) {
      Violation v;
      v.property = "hvo-hugetlb-flag";
      v.message = fmt::format(
          "folio pfn {} has its vmemmap optimized (its tail struct pages are mapped read-only) but is not "
          "marked hugetlb: memory_failure() would take it for an ordinary compound page and "
          "SetPageHWPoison() a tail page, a write to read-only vmemmap",
          L.slot_pfn(slot));
      v.pfns = {L.slot_pfn(slot)};
      return v;
    }
  }
  return std::nullopt;
}

// At the end: every pool folio is on a pool list and counted, the deferred frees are done, and
// max_huge_pages agrees with the persistent pages.
std::optional<Violation> check_hugetlb_counters(const model::TransitionSystem& ts, StateRef s) {
  const Layout& L = ts.layout();
  if (!L.geo.has_hugetlb()) return std::nullopt;
  Violation v;
  v.property = "hugetlb-counters";
  const int nr = hc(L, s, model::HC_nr_huge_pages), surplus = hc(L, s, model::HC_surplus_huge_pages);
  const int pooled =
      s.list_len(L.hugetlb_list(model::HL_FREELIST)) + s.list_len(L.hugetlb_list(model::HL_ACTIVELIST));
  for (int l : {model::HL_HPAGE_LLIST, model::HL_WORKFN}) {
    int p = s.head(L.hugetlb_list(static_cast<HugetlbList>(l)));
    if (p != NIL) {
      v.message = fmt::format("every thread has finished but folio pfn {} is still on {}", p,
                              model::list_name(L, L.hugetlb_list(static_cast<HugetlbList>(l))));
      v.pfns = {p};
      return v;
    }
  }
  if (nr != pooled) {
    v.message = fmt::format("nr_huge_pages is {} but {} folio{} on the free and active lists", nr, pooled,
                            pooled == 1 ? " is" : "s are");
    return v;
  }
  for (int slot = 0; slot < L.nr_slots; ++slot) {
    int pfn = L.slot_pfn(slot);
    if (s.owner(pfn) == model::OWNER_HUGETLB && which_hugetlb_list(L, s, pfn) < 0) {
      v.message = fmt::format("folio pfn {} belongs to hugetlb but is on no pool list: lost", pfn);
      v.pfns = {pfn};
      return v;
    }
  }
  if (surplus > nr) {
    v.message = fmt::format("surplus_huge_pages is {} but nr_huge_pages is {}", surplus, nr);
    return v;
  }
  const int max = hc(L, s, model::HC_max_huge_pages);
  int temporary = 0;
  for (int slot = 0; slot < L.nr_slots; ++slot)
    temporary +=
        which_hugetlb_list(L, s, L.slot_pfn(slot)) >= 0 && (s.folio_flags(slot) & model::FOLIO_temporary);
  if (max != nr - surplus - temporary) {
    v.message = fmt::format(
        "max_huge_pages is {} but the pool has {} persistent huge pages (nr_huge_pages {} - "
        "surplus_huge_pages {}{})",
        max, nr - surplus - temporary, nr, surplus,
        temporary ? fmt::format(" - {} temporary", temporary) : std::string());
    return v;
  }
  return std::nullopt;
}

void raise_check(model::Ctx& c, const char* property, std::string msg, int pfn) {
  Violation v;
  v.property = property;
  v.message = std::move(msg);
  v.pfns = {pfn};
  c.raise(std::move(v));
}

void observe_bug_hugetlb(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck) return;
  switch (o.check) {
    case model::KC_HUGETLB_ENQUEUE_REF:
      raise_check(c, "bug-hugetlb",
                  fmt::format("cpu{}: kernel BUG in enqueue_hugetlb_folio: folio pfn {} has refcount {} "
                              "(VM_BUG_ON_FOLIO(folio_ref_count(folio)))",
                              c.cpu, o.pfn, o.a),
                  o.pfn);
      break;
    case model::KC_HUGETLB_ADD_NOT_OPTIMIZED:
      raise_check(c, "bug-hugetlb",
                  fmt::format("cpu{}: kernel BUG in add_hugetlb_folio: folio pfn {} is not vmemmap-optimized",
                              c.cpu, o.pfn),
                  o.pfn);
      break;
    case model::KC_HUGETLB_FREE_REF:
      raise_check(c, "bug-hugetlb",
                  fmt::format("cpu{}: kernel BUG in free_huge_folio: folio pfn {} has refcount {}", c.cpu,
                              o.pfn, o.a),
                  o.pfn);
      break;
    case model::KC_FOLIO_HSTATE:
      raise_check(
          c, "bug-hugetlb",
          fmt::format("cpu{}: kernel BUG in folio_hstate: free_huge_folio() of folio pfn {}, which is not "
                      "hugetlb (VM_BUG_ON_FOLIO(!folio_test_hugetlb(folio)))",
                      c.cpu, o.pfn),
          o.pfn);
      break;
    case model::KC_PUT_ZERO_REF:
      raise_check(
          c, "bug-hugetlb",
          fmt::format("cpu{}: kernel BUG in put_page_testzero: folio pfn {} has refcount 0", c.cpu, o.pfn),
          o.pfn);
      break;
    default: break;
  }
}

void observe_warn_vmemmap(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck) return;
  if (o.check == model::KC_VMEMMAP_NOT_HUGETLB)
    raise_check(c, "warn-hugetlb-vmemmap",
                fmt::format("cpu{}: WARNING in hugetlb_vmemmap: folio pfn {} is not hugetlb "
                            "(VM_WARN_ON_ONCE_FOLIO(!folio_test_hugetlb(folio)))",
                            c.cpu, o.pfn),
                o.pfn);
  else if (o.check == model::KC_VMEMMAP_REFCOUNT)
    raise_check(
        c, "warn-hugetlb-vmemmap",
        fmt::format("cpu{}: WARNING in hugetlb_vmemmap: folio pfn {} has refcount {}", c.cpu, o.pfn, o.a),
        o.pfn);
}

}  // namespace

void add_hugetlb_properties(std::vector<Property>& v) {
  v.push_back(
      {"hugetlb-accounting", Kind::State,
       "with hugetlb_lock free, free_huge_pages counts the free list, the free and active lists hold no more "
       "than nr_huge_pages, surplus_huge_pages <= nr_huge_pages and resv_huge_pages <= free_huge_pages",
       "unchecked in the kernel (the counters behind /proc/meminfo and nr_hugepages drift silently)",
       "scenarios with [hugetlb]", applies_everywhere, check_hugetlb_accounting});
  v.push_back(
      {"hugetlb-pool", Kind::State,
       "a folio on a hugetlb list is a hugetlb folio whose pages are all hugetlb's and none in the buddy "
       "allocator, with the flags and refcount of its list",
       "VM_BUG_ON_FOLIO(folio_ref_count(folio)) in enqueue_hugetlb_folio(), and the page corruption "
       "7ffddd499ba6 describes (\"__free_huge_page would corrupt page(s) already in the buddy "
       "allocator\")",
       "scenarios with [hugetlb]", applies_everywhere, check_hugetlb_pool});
  v.push_back({"hvo-hugetlb-flag", Kind::State,
               "a folio whose vmemmap is optimized (read-only tail struct pages) is marked hugetlb",
               "the invariant of 32c877191e02 and d8f5f7e445f0 (\"The core mm only expects vmemmap to be "
               "potentially optimized for hugetlb and device dax\"); VM_WARN_ON_ONCE(!PageHuge) in HVO",
               "scenarios with [hugetlb] and HVO", applies_everywhere, check_hvo_flag});
  v.push_back(
      {"hugetlb-counters", Kind::EndState,
       "when every thread has finished, nr_huge_pages counts the folios on the free and active lists, "
       "no deferred free is left, surplus_huge_pages <= nr_huge_pages and max_huge_pages == "
       "nr_huge_pages - surplus_huge_pages (- temporary folios)",
       "the hstate accounting behind /proc/sys/vm/nr_hugepages; unchecked in the kernel",
       "scenarios with [hugetlb]", applies_everywhere, check_hugetlb_counters});
  v.push_back(
      {"bug-hugetlb", Kind::Event,
       "no hugetlb VM_BUG_ON fires: refcount 0 in enqueue_hugetlb_folio() and free_huge_folio(), an "
       "optimized folio in add_hugetlb_folio(), a hugetlb folio in folio_hstate(), a reference in "
       "put_page_testzero()",
       "VM_BUG_ON_FOLIO in enqueue_hugetlb_folio, add_hugetlb_folio, free_huge_folio and folio_hstate; "
       "VM_BUG_ON_PAGE in put_page_testzero (mm/hugetlb.c, include/linux/mm.h, v6.12)",
       "scenarios with [hugetlb]", applies_everywhere, nullptr, observe_bug_hugetlb});
  v.push_back(
      {"warn-hugetlb-vmemmap", Kind::Event,
       "HVO optimizes and restores only hugetlb folios with no reference",
       "VM_WARN_ON_ONCE_FOLIO(!folio_test_hugetlb(folio)) and VM_WARN_ON_ONCE_FOLIO(folio_ref_count()) in "
       "__hugetlb_vmemmap_optimize_folio() and __hugetlb_vmemmap_restore_folio() (mm/hugetlb_vmemmap.c, "
       "v6.12; the first from d8f5f7e445f0)",
       "scenarios with [hugetlb] and HVO", applies_everywhere, nullptr, observe_warn_vmemmap});
}

}  // namespace pagecheck::props

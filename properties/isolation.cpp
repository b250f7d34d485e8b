// Isolation: what an isolated pageblock promises.
#include <fmt/format.h>

#include "model/kernel/kernel.hpp"
#include "model/ops.hpp"
#include "properties/all.hpp"

namespace pagecheck::props {

namespace {

// No allocation takes pages of an isolated pageblock from the buddy lists.
void observe_isolation_exclusive(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::AllocFromBuddy) return;
  const model::Geometry& g = c.L.geo;
  for (int p = o.pfn; p < o.pfn + (1 << o.order); p += g.pageblock_nr_pages()) {
    int pb = g.pageblock_of(p);
    if (model::pageblock_type(c.s, pb) == model::Mt::ISOLATE) {
      model::Violation v;
      v.property = "isolation-exclusive";
      v.message = fmt::format(
          "cpu{} allocated pfn {} (order {}) from the buddy lists, but pageblock {} is isolated "
          "(MIGRATE_ISOLATE)",
          c.cpu, o.pfn, o.order, pb);
      v.pfns = {o.pfn};
      v.pageblocks = {pb};
      c.raise(std::move(v));
      return;
    }
  }
}

// No free buddy spans an isolated and a non-isolated pageblock.
std::optional<model::Violation> check_no_isolate_straddle(const model::TransitionSystem& ts,
                                                          model::StateRef s) {
  const model::Layout& L = ts.layout();
  for (int list = 0; list < L.nr_buddy_lists; ++list) {
    int order = L.list_order(list);
    if (order <= L.geo.pageblock_order) continue;
    for (int p = s.head(list); p != model::NIL; p = s.next(p)) {
      int first = L.geo.pageblock_of(p), last = L.geo.pageblock_of(p + (1 << order) - 1);
      bool iso = false, other = false;
      for (int pb = first; pb <= last; ++pb)
        (model::pageblock_type(s, pb) == model::Mt::ISOLATE ? iso : other) = true;
      if (iso && other) {
        model::Violation v;
        v.property = "no-isolate-straddle";
        v.message =
            fmt::format("free pfn {} (order {}) on {} spans isolated and non-isolated pageblocks {}..{}", p,
                        order, model::list_name(L, list), first, last);
        v.pfns = {p};
        for (int pb = first; pb <= last; ++pb) v.pageblocks.push_back(pb);
        v.lists = {model::list_name(L, list)};
        return v;
      }
    }
  }
  return std::nullopt;
}

// At the end no pageblock is isolated and no page is on an ISOLATE list.
std::optional<model::Violation> check_isolation_undone(const model::TransitionSystem& ts, model::StateRef s) {
  const model::Layout& L = ts.layout();
  for (int pb = 0; pb < L.nr_pb; ++pb) {
    if (model::pageblock_type(s, pb) == model::Mt::ISOLATE) {
      model::Violation v;
      v.property = "isolation-undone";
      v.message = fmt::format("every CPU has finished but pageblock {} is still isolated", pb);
      v.pageblocks = {pb};
      return v;
    }
  }
  for (int o = 0; o < L.nr_orders; ++o) {
    int p = s.head(L.buddy_list(o, model::Mt::ISOLATE));
    if (p != model::NIL) {
      model::Violation v;
      v.property = "isolation-undone";
      v.message = fmt::format("every CPU has finished but pfn {} (order {}) is still on {}", p, o,
                              model::list_name(L, L.buddy_list(o, model::Mt::ISOLATE)));
      v.pfns = {p};
      return v;
    }
  }
  return std::nullopt;
}

// A successful alloc_contig_range() leaves its CPU holding exactly [start, end): every page of the
// range, and -- when the CPU runs nothing else that takes pages -- nothing outside it.
std::optional<model::Violation> check_contig_range_owned(const model::TransitionSystem& ts,
                                                         model::StateRef s) {
  const model::Layout& L = ts.layout();
  for (int cpu = 0; cpu < L.nr_cpus; ++cpu) {
    if (s.cpu(cpu)[model::cpuoff::res_contig] != 1) continue;
    int start = -1, end = -1;
    bool takes_other = false;
    for (const auto& op : ts.programs()[static_cast<size_t>(cpu)]) {
      std::string_view name = model::op_registry()[static_cast<size_t>(op.def)].name;
      if (name == "alloc_contig_range") {
        start = model::op_arg(op, "start");
        end = model::op_arg(op, "end");
      } else if (name == "alloc_pages" || name == "isolate_freepages_block") {
        takes_other = true;
      }
    }
    const uint8_t me = model::owner_of_cpu(cpu);
    for (int p = 0; p < L.nr_pages; ++p) {
      bool inside = p >= start && p < end;
      if (inside && s.owner(p) != me) {
        model::Violation v;
        v.property = "contig-range-owned";
        v.message = fmt::format("alloc_contig_range({}, {}) on cpu{} succeeded but pfn {} is not held by it",
                                start, end, cpu, p);
        v.pfns = {p};
        return v;
      }
      if (!inside && !takes_other && s.owner(p) == me) {
        model::Violation v;
        v.property = "contig-range-owned";
        v.message = fmt::format(
            "alloc_contig_range({}, {}) on cpu{} succeeded but cpu{} also holds pfn {} outside it", start,
            end, cpu, cpu, p);
        v.pfns = {p};
        return v;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

void add_isolation_properties(std::vector<Property>& v) {
  v.push_back({"isolation-exclusive", Kind::Event,
               "no allocation hands out pages of an isolated pageblock from the buddy free lists",
               "the promise of start_isolate_page_range(): \"free pages in the range will never be "
               "allocated\" (mm/page_isolation.c); pcp-resident pages are exempt, as its comment says",
               "all variants", applies_everywhere, nullptr, observe_isolation_exclusive});
  v.push_back(
      {"no-isolate-straddle", Kind::State, "no free buddy spans an isolated and a non-isolated pageblock",
       "the intent of d9dddbf55667 (\"prevent merge between freepages on isolate pageblock and normal "
       "pageblock\") and of fd919a85cd55's split of straddling buddies; unchecked",
       "all variants", applies_everywhere, check_no_isolate_straddle});
  v.push_back({"isolation-undone", Kind::EndState,
               "when every CPU has finished, no pageblock is isolated and the ISOLATE lists are empty",
               "undo_isolate_page_range() \"restore[s] the migratetype\" of every block it isolated; what "
               "test_pages_isolated() callers rely on afterwards",
               "all variants (scenarios whose operations undo their isolation)", applies_everywhere,
               check_isolation_undone});
  v.push_back(
      {"contig-range-owned", Kind::EndState,
       "a successful alloc_contig_range(start, end) leaves its CPU holding exactly the pages of [start, end)",
       "the contract of alloc_contig_range() (mm/page_alloc.c): \"On success all pages which PFN is "
       "in [start, end) are allocated for the caller\"",
       "all variants (scenarios with alloc_contig_range)", applies_everywhere, check_contig_range_owned});
}

}  // namespace pagecheck::props

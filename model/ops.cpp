#include "model/ops.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "model/kernel/kernel.hpp"

namespace pagecheck::model {

namespace {

std::string check_range(const Geometry& g, int start, int end) {
  if (start >= end) return fmt::format("start ({}) must be below end ({})", start, end);
  if (start < g.zone_start_pfn)
    return fmt::format("start ({}) lies below the zone, which starts at pfn {}", start, g.zone_start_pfn);
  if (end > g.nr_pages())
    return fmt::format("end ({}) lies beyond the zone, which ends at pfn {}", end, g.nr_pages());
  return {};
}

std::string check_isolate(const Geometry& g, const std::vector<int>& a) {
  std::string e = check_range(g, a[0], a[1]);
  if (!e.empty()) return e;
  int pb = g.pageblock_nr_pages();
  if (a[0] % pb || a[1] % pb)
    return fmt::format("start and end must be pageblock aligned (multiples of {})", pb);
  return {};
}

std::string check_free(const Geometry& g, const std::vector<int>& a) {
  int pfn = a[0], order = a[1];
  if (pfn & ((1 << order) - 1)) return fmt::format("pfn {} is not aligned to order {}", pfn, order);
  if (pfn + (1 << order) > g.nr_pages())
    return fmt::format("pfn {} order {} reaches beyond the zone (pfn {})", pfn, order, g.nr_pages());
  if (pfn < g.zone_start_pfn)
    return fmt::format("pfn {} lies below the zone, which starts at pfn {}", pfn, g.zone_start_pfn);
  return {};
}

std::string check_alloc(const Geometry&, const std::vector<int>& a) {
  // gfp_migratetype() gives UNMOVABLE, MOVABLE or RECLAIMABLE; HIGHATOMIC and CMA are block
  // types reached through alloc_flags, not requested.
  if (a[1] >= MIGRATE_PCPTYPES)
    return "migratetype must be UNMOVABLE, MOVABLE or RECLAIMABLE (what gfp_migratetype() returns)";
  if (a[2] > 1) return "highatomic must be 0 or 1";
  if (a[2] && a[0] == 0)
    return "highatomic needs order > 0 (gfp_to_alloc_flags() sets ALLOC_HIGHATOMIC only then)";
  return {};
}

std::string check_free_scan(const Geometry& g, const std::vector<int>& a) {
  std::string e = check_range(g, a[0], a[1]);
  if (!e.empty()) return e;
  if (g.pageblock_of(a[0]) != g.pageblock_of(a[1] - 1))
    return "start and end must lie in one pageblock (isolate_freepages_block() scans one)";
  if (a[2] < 1) return "nr_migratepages must be at least 1";
  return {};
}

std::string check_contig(const Geometry& g, const std::vector<int>& a) {
  std::string e = check_range(g, a[0], a[1]);
  if (!e.empty()) return e;
  if (a[2] != static_cast<int>(Mt::MOVABLE) && a[2] != static_cast<int>(Mt::CMA))
    return "migratetype must be MOVABLE or CMA";
  return {};
}

std::string check_flag(const Geometry&, const std::vector<int>& a) {
  for (int v : a)
    if (v > 1) return "flags must be 0 or 1";
  return {};
}

std::string check_unreserve(const Geometry&, const std::vector<int>& a) {
  if (a[0] >= MIGRATE_PCPTYPES) return "migratetype must be UNMOVABLE, MOVABLE or RECLAIMABLE";
  if (a[1] > 1) return "force must be 0 or 1";
  return {};
}

std::string check_folio(const Geometry& g, const std::vector<int>& a) {
  if (!g.has_hugetlb()) return "needs a [hugetlb] section";
  if (a[0] & ((1 << g.hugetlb_order) - 1))
    return fmt::format("pfn {} is not the head of a huge page (order {})", a[0], g.hugetlb_order);
  return {};
}

std::string check_hugetlb(const Geometry& g, const std::vector<int>&) {
  return g.has_hugetlb() ? std::string() : "needs a [hugetlb] section";
}

std::string check_offline(const Geometry& g, const std::vector<int>& a) {
  std::string e = check_isolate(g, a);
  if (!e.empty()) return e;
  if (a[2] > 100) return "retries must be 0 (no bound, as in the kernel) or at most 100";
  return {};
}

std::string check_exact(const Geometry& g, const std::vector<int>& a) {
  if (a[0] < 1 || a[0] > g.max_order_nr_pages())
    return fmt::format("nr_pages must be 1..{} (one allocation of at most MAX_PAGE_ORDER)",
                       g.max_order_nr_pages());
  return {};
}

std::string check_free_exact(const Geometry& g, const std::vector<int>& a) {
  if (a[1] < 1 || a[0] + a[1] > g.nr_pages())
    return fmt::format("pfns {}..{} must lie in the zone", a[0], a[0] + a[1] - 1);
  return {};
}

std::string check_block(const Geometry& g, const std::vector<int>& a) {
  if (g.memory_blocks == 0) return "needs a [memmap_on_memory] section";
  if (a[0] >= g.memory_blocks) return fmt::format("block must be 0..{}, got {}", g.memory_blocks - 1, a[0]);
  return {};
}

std::vector<OpDef> make_registry() {
  std::vector<OpDef> r;
  r.push_back(
      {"alloc_pages",
       "allocate 2^order pages: __alloc_pages -> get_page_from_freelist -> rmqueue (pcp list or buddy)",
       P_alloc_pages,
       {{"order", ParamKind::Order, 0, "allocation order"},
        {"migratetype", ParamKind::Migratetype, 1, "gfp_migratetype() of the request"},
        {"highatomic", ParamKind::Int, 0, "1: a high-order atomic request (ALLOC_HIGHATOMIC)"}},
       check_alloc});
  r.push_back(
      {"free_pages",
       "free pages this CPU or the layout owns: __free_pages",
       P_free_pages,
       {{"pfn", ParamKind::Pfn, -1, "first pfn"}, {"order", ParamKind::Order, 0, "order of the allocation"}},
       check_free});
  r.push_back({"drain_all_pages",
               "drain_all_pages(NULL): every CPU's pcp lists back to the buddy (__drain_all_pages)",
               P_drain_all_pages,
               {{"zone", ParamKind::Int, 0, "1: drain_all_pages(zone), which waits for a running drain"},
                {"force", ParamKind::Int, 0, "1: force_all_cpus, no racy pcp->count check"}},
               check_flag});
  r.push_back({"unreserve_highatomic",
               "unreserve_highatomic_pageblock(ac, force): give a HIGHATOMIC block to ac->migratetype",
               P_unreserve_highatomic,
               {{"migratetype", ParamKind::Migratetype, 1, "ac->migratetype of the failing allocation"},
                {"force", ParamKind::Int, 0, "1: even the last reserved pageblock"}},
               check_unreserve});
  r.push_back({"isolate_freepages_block",
               "compaction's free scanner over [start, end): free buddies taken with __isolate_free_page()",
               P_isolate_freepages_block,
               {{"start", ParamKind::Pfn, -1, "first pfn"},
                {"end", ParamKind::Int, -1, "end pfn (exclusive), in the same pageblock"},
                {"nr_migratepages", ParamKind::Int, 1, "stop once this many free pages are taken"}},
               check_free_scan});
  r.push_back({"alloc_contig_range",
               "alloc_contig_range(start, end, migratetype): isolate, drain, test, take the free pages, give "
               "back the outer parts, undo the isolation",
               P_alloc_contig_range,
               {{"start", ParamKind::Pfn, -1, "first pfn"},
                {"end", ParamKind::Int, -1, "end pfn (exclusive)"},
                {"migratetype", ParamKind::Migratetype, 1, "MOVABLE, or CMA as cma_alloc() passes"}},
               check_contig});
  r.push_back(
      {"offline_pages",
       "offline_pages(start, end): zone_pcp_disable, isolate, test until free, __offline_isolated_pages",
       P_offline_pages,
       {{"start", ParamKind::Pfn, -1, "first pfn (pageblock aligned)"},
        {"end", ParamKind::Int, -1, "end pfn (exclusive, pageblock aligned)"},
        {"retries", ParamKind::Int, 0,
         "0: retry until the range is free, as the kernel does; N: report the retry-bound property when the "
         "loop runs N times"}},
       check_offline});
  r.push_back({"folio_put",
               "folio_put() of an in-use huge page by its last user: free_huge_folio() (or the buddy free if "
               "it is no longer hugetlb)",
               P_folio_put,
               {{"pfn", ParamKind::Pfn, -1, "the folio's head pfn"}},
               check_folio});
  r.push_back({"dissolve_free_hugetlb_folio",
               "dissolve_free_hugetlb_folio(): give a free huge page back to the buddy allocator",
               P_dissolve_free_hugetlb_folio,
               {{"pfn", ParamKind::Pfn, -1, "the folio's head pfn"}},
               check_folio});
  r.push_back({"alloc_surplus_hugetlb_folio",
               "alloc_hugetlb_folio() with an empty pool: alloc_surplus_hugetlb_folio() -> "
               "alloc_fresh_hugetlb_folio() (a buddy allocation, HVO), then on the active list for a user",
               P_alloc_surplus_hugetlb_folio,
               {},
               check_hugetlb});
  r.push_back({"alloc_pages_exact",
               "alloc_pages_exact(nr_pages * PAGE_SIZE, GFP_KERNEL): an allocation of get_order(size), its "
               "unused tail pages freed (make_alloc_exact())",
               P_alloc_pages_exact,
               {{"nr_pages", ParamKind::Int, -1, "pages asked for"}},
               check_exact});
  r.push_back({"free_pages_exact",
               "free_pages_exact(): free_page() of each page of an exact allocation",
               P_free_pages_exact,
               {{"pfn", ParamKind::Pfn, -1, "first pfn"}, {"nr_pages", ParamKind::Int, -1, "pages"}},
               check_free_exact});
  r.push_back({"add_memory",
               "add_memory() of a memory block with MHP_MEMMAP_ON_MEMORY (add_memory_resource()): its memmap "
               "from its own start when mhp_supports_memmap_on_memory(), else from ordinary memory",
               P_add_memory,
               {{"block", ParamKind::Int, -1, "memory block index"}},
               check_block});
  r.push_back({"remove_memory",
               "offline_and_remove_memory() of a memory block: try_remove_memory() -> "
               "remove_memory_blocks_and_altmaps(), its memmap unmapped",
               P_remove_memory,
               {{"block", ParamKind::Int, -1, "memory block index"}},
               check_block});
  r.push_back({"isolate_range",
               "start_isolate_page_range(start, end, migratetype): isolate the pageblocks of a range",
               P_start_isolate_page_range,
               {{"start", ParamKind::Pfn, -1, "first pfn"},
                {"end", ParamKind::Int, -1, "end pfn (exclusive)"},
                {"migratetype", ParamKind::Migratetype, 1, "type to restore on failure"}},
               check_isolate});
  r.push_back({"undo_isolate_range",
               "undo_isolate_page_range(start, end, migratetype): give isolated pageblocks back",
               P_undo_isolate_page_range,
               {{"start", ParamKind::Pfn, -1, "first pfn"},
                {"end", ParamKind::Int, -1, "end pfn (exclusive)"},
                {"migratetype", ParamKind::Migratetype, 1, "type the blocks get back"}},
               check_isolate});
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string expected_form(const OpDef& d) {
  std::string s = std::string(d.name) + "(";
  for (size_t i = 0; i < d.params.size(); ++i) {
    if (i) s += ", ";
    s += d.params[i].name;
    s += "=";
    s += d.params[i].kind == ParamKind::Migratetype ? "MT" : "N";
  }
  return s + ")";
}

}  // namespace

const std::vector<OpDef>& op_registry() {
  static const std::vector<OpDef> r = make_registry();
  return r;
}

const OpDef* find_op(std::string_view name) {
  for (const auto& d : op_registry())
    if (name == d.name) return &d;
  return nullptr;
}

Op parse_op(std::string_view text, const Geometry& geo) {
  std::string_view t = trim(text);
  size_t lp = t.find('(');
  if (lp == std::string_view::npos || t.back() != ')')
    throw InputError(fmt::format("operation '{}': expected NAME(KEY=VALUE, ...)", text));
  std::string_view name = trim(t.substr(0, lp));
  const OpDef* d = find_op(name);
  if (!d) {
    std::string known;
    for (const auto& o : op_registry()) known += (known.empty() ? "" : ", ") + std::string(o.name);
    throw InputError(fmt::format("unknown operation '{}'; expected one of: {}", name, known));
  }
  std::vector<int> vals(d->params.size(), -1);
  std::vector<bool> seen(d->params.size(), false);
  std::string_view body = t.substr(lp + 1, t.size() - lp - 2);
  while (!trim(body).empty()) {
    size_t comma = body.find(',');
    std::string_view item = trim(body.substr(0, comma));
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      throw InputError(fmt::format("operation '{}': argument '{}' must be KEY=VALUE; expected {}", text, item,
                                   expected_form(*d)));
    std::string_view key = trim(item.substr(0, eq)), val = trim(item.substr(eq + 1));
    size_t i = 0;
    while (i < d->params.size() && key != d->params[i].name) ++i;
    if (i == d->params.size())
      throw InputError(
          fmt::format("operation '{}': unknown argument '{}'; expected {}", text, key, expected_form(*d)));
    if (seen[i]) throw InputError(fmt::format("operation '{}': argument '{}' given twice", text, key));
    seen[i] = true;
    const ParamDef& p = d->params[i];
    if (p.kind == ParamKind::Migratetype) {
      auto mt = parse_mt(val);
      if (!mt || *mt == Mt::ISOLATE)
        throw InputError(fmt::format(
            "operation '{}': {} must be UNMOVABLE, MOVABLE, RECLAIMABLE, HIGHATOMIC or CMA, got '{}'", text,
            key, val));
      vals[i] = static_cast<int>(*mt);
    } else {
      int v = 0;
      auto [ptr, ec] = std::from_chars(val.data(), val.data() + val.size(), v);
      if (ec != std::errc() || ptr != val.data() + val.size() || v < 0)
        throw InputError(
            fmt::format("operation '{}': {} must be a non-negative integer, got '{}'", text, key, val));
      if (p.kind == ParamKind::Order && v > geo.max_order)
        throw InputError(
            fmt::format("operation '{}': {}={} exceeds MAX_PAGE_ORDER ({})", text, key, v, geo.max_order));
      if (p.kind == ParamKind::Pfn && v >= geo.nr_pages())
        throw InputError(fmt::format("operation '{}': {}={} is outside the zone (pfns 0..{})", text, key, v,
                                     geo.nr_pages() - 1));
      if (v > 255) throw InputError(fmt::format("operation '{}': {}={} is out of range", text, key, v));
      vals[i] = v;
    }
  }
  for (size_t i = 0; i < d->params.size(); ++i) {
    if (!seen[i]) {
      if (d->params[i].default_value < 0)
        throw InputError(fmt::format("operation '{}': missing argument '{}'; expected {}", text,
                                     d->params[i].name, expected_form(*d)));
      vals[i] = d->params[i].default_value;
    }
  }
  if (d->validate) {
    std::string e = d->validate(geo, vals);
    if (!e.empty()) throw InputError(fmt::format("operation '{}': {}", text, e));
  }
  Op op;
  op.def = static_cast<int>(d - op_registry().data());
  op.proc = d->entry_proc;
  op.nargs = static_cast<uint8_t>(vals.size());
  for (size_t i = 0; i < vals.size(); ++i) op.args[i] = static_cast<uint8_t>(vals[i]);
  op.text = std::string(t);
  return op;
}

int op_arg(const Op& op, std::string_view param) {
  const OpDef& d = op_registry().at(static_cast<size_t>(op.def));
  for (size_t i = 0; i < d.params.size(); ++i)
    if (param == d.params[i].name) return op.args[i];
  return -1;
}

}  // namespace pagecheck::model

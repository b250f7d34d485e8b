#include "model/scenario.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "model/ops.hpp"

namespace pagecheck::model {

namespace fs = std::filesystem;

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Holds: return "holds";
    case Verdict::Violated: return "violated";
    case Verdict::Incomplete: return "incomplete";
  }
  return "?";
}

namespace {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* n, const std::string& msg) const {
    int line = n ? static_cast<int>(n->source().begin.line) : 0;
    if (line > 0) throw InputError(fmt::format("{}:{}: {}", file_, line, msg));
    throw InputError(fmt::format("{}: {}", file_, msg));
  }

  void only_keys(const toml::table& t, std::initializer_list<std::string_view> keys,
                 const std::string& where) const {
    for (auto&& [k, v] : t) {
      if (std::find(keys.begin(), keys.end(), k.str()) == keys.end()) {
        std::string list;
        for (auto kk : keys) list += (list.empty() ? "" : ", ") + std::string(kk);
        fail(&v, fmt::format("unknown key '{}' in {}; expected one of: {}", k.str(), where, list));
      }
    }
  }

  const toml::table& table(const toml::table& t, std::string_view key, const std::string& where) const {
    const toml::node* n = t.get(key);
    if (!n) fail(&t, fmt::format("missing [{}]{}", key, where));
    if (!n->is_table()) fail(n, fmt::format("'{}' must be a table", key));
    return *n->as_table();
  }

  long integer(const toml::node* n, const std::string& what, long lo, long hi) const {
    if (!n->is_integer()) fail(n, fmt::format("{} must be an integer", what));
    long v = static_cast<long>(n->as_integer()->get());
    if (v < lo || v > hi) fail(n, fmt::format("{} must be in {}..{}, got {}", what, lo, hi, v));
    return v;
  }

  long req_int(const toml::table& t, std::string_view key, const std::string& what, long lo, long hi) const {
    const toml::node* n = t.get(key);
    if (!n) fail(&t, fmt::format("missing {}", what));
    return integer(n, what, lo, hi);
  }

  std::string string(const toml::node* n, const std::string& what) const {
    if (!n->is_string()) fail(n, fmt::format("{} must be a string", what));
    return n->as_string()->get();
  }

  std::string opt_string(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    return n ? string(n, std::string(key)) : std::string();
  }

  Mt mt(const toml::node* n, const std::string& what) const {
    std::string s = string(n, what);
    auto m = parse_mt(s);
    if (!m)
      fail(n, fmt::format("{} must be a migratetype (UNMOVABLE, MOVABLE, RECLAIMABLE, HIGHATOMIC, "
                          "CMA, ISOLATE), got '{}'",
                          what, s));
    return *m;
  }

  const toml::array& array(const toml::node* n, const std::string& what) const {
    if (!n->is_array()) fail(n, fmt::format("{} must be an array", what));
    return *n->as_array();
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

Verdict parse_verdict(const Reader& r, const toml::node* n) {
  std::string v = r.string(n, "an expected verdict");
  if (v == "holds") return Verdict::Holds;
  if (v == "violated") return Verdict::Violated;
  r.fail(n, fmt::format("expected verdict must be \"holds\" or \"violated\", got '{}'", v));
}

}  // namespace

namespace {
Scenario load_scenario(const std::string& path, const std::string* text);
}

Scenario load_scenario_file(const std::string& path) {
  return load_scenario(path, nullptr);
}

Scenario load_scenario_text(const std::string& text, const std::string& path) {
  return load_scenario(path, &text);
}

namespace {
Scenario load_scenario(const std::string& path, const std::string* text) {
  Reader r(path);
  toml::table doc;
  try {
    doc = text ? toml::parse(std::string_view(*text), std::string_view(path)) : toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    auto line = e.source().begin.line;
    if (!text && !fs::exists(path)) throw InputError(fmt::format("{}: no such scenario file", path));
    throw InputError(fmt::format("{}:{}: {}", path, line, e.description()));
  }
  r.only_keys(doc,
              {"name", "summary", "reference", "description", "geometry", "hugetlb", "memmap_on_memory",
               "initial", "cpu", "check", "expect"},
              "the scenario");
  Scenario sc;
  sc.file = path;
  if (!doc.get("name")) r.fail(nullptr, "missing 'name'");
  sc.name = r.string(doc.get("name"), "name");
  sc.summary = r.opt_string(doc, "summary");
  sc.reference = r.opt_string(doc, "reference");
  sc.description = r.opt_string(doc, "description");

  // [geometry]
  const toml::table& g = r.table(doc, "geometry", "");
  r.only_keys(g,
              {"pageblock_order", "max_order", "pageblocks", "cpus", "zone_start_pfn", "pcp_high",
               "pcp_batch", "managed_pages"},
              "[geometry]");
  sc.geo.pageblock_order =
      static_cast<int>(r.req_int(g, "pageblock_order", "geometry.pageblock_order", 0, Geometry::kMaxOrder));
  sc.geo.max_order =
      static_cast<int>(r.req_int(g, "max_order", "geometry.max_order", 0, Geometry::kMaxOrder));
  sc.geo.pageblocks =
      static_cast<int>(r.req_int(g, "pageblocks", "geometry.pageblocks", 1, Geometry::kMaxPages));
  sc.geo.cpus = static_cast<int>(r.req_int(g, "cpus", "geometry.cpus", 1, Geometry::kMaxCpus));
  if (const toml::node* n = g.get("zone_start_pfn"))
    sc.geo.zone_start_pfn =
        static_cast<int>(r.integer(n, "geometry.zone_start_pfn", 0, Geometry::kMaxPages - 1));
  if (const toml::node* n = g.get("pcp_batch"))
    sc.geo.pcp_batch = static_cast<int>(r.integer(n, "geometry.pcp_batch", 1, 63));
  if (const toml::node* n = g.get("pcp_high")) {
    if (!g.get("pcp_batch")) r.fail(n, "geometry.pcp_high needs geometry.pcp_batch");
    sc.geo.pcp_high = static_cast<int>(r.integer(n, "geometry.pcp_high", 0, 255));
  } else if (const toml::node* b = g.get("pcp_batch")) {
    r.fail(b, "geometry.pcp_batch needs geometry.pcp_high");
  }
  if (const toml::node* n = g.get("managed_pages"))
    sc.geo.managed_pages = static_cast<int>(r.integer(n, "geometry.managed_pages", 1, 1 << 30));
  // [hugetlb]: one hstate (docs/scenario-format.md).
  if (const toml::node* hn = doc.get("hugetlb")) {
    if (!hn->is_table()) r.fail(hn, "[hugetlb] must be a table");
    const toml::table& h = *hn->as_table();
    r.only_keys(h, {"order", "vmemmap_pages", "nr_overcommit_hugepages"}, "[hugetlb]");
    sc.geo.hugetlb_order = static_cast<int>(r.req_int(h, "order", "hugetlb.order", 0, Geometry::kMaxOrder));
    if (const toml::node* n = h.get("vmemmap_pages"))
      sc.geo.hugetlb_vmemmap_pages =
          static_cast<int>(r.integer(n, "hugetlb.vmemmap_pages", 0, Geometry::kMaxVmemmapPages));
    if (const toml::node* n = h.get("nr_overcommit_hugepages"))
      sc.geo.nr_overcommit_huge_pages =
          static_cast<int>(r.integer(n, "hugetlb.nr_overcommit_hugepages", 0, 100));
    if (sc.geo.pcp_enabled())
      r.fail(hn,
             "[hugetlb] cannot be combined with pcp lists (geometry.pcp_high/pcp_batch): the "
             "free_hpage_work worker thread has no CPU of its own in the model");
  }
  // [memmap_on_memory]: hot-pluggable memory blocks (docs/scenario-format.md).
  if (const toml::node* mn = doc.get("memmap_on_memory")) {
    if (!mn->is_table()) r.fail(mn, "[memmap_on_memory] must be a table");
    const toml::table& m = *mn->as_table();
    r.only_keys(m, {"blocks", "struct_page_size", "block_pages", "pmd_pages", "pageblock_pages", "mode"},
                "[memmap_on_memory]");
    sc.geo.memory_blocks =
        static_cast<int>(r.req_int(m, "blocks", "memmap_on_memory.blocks", 1, Geometry::kMaxMemoryBlocks));
    if (const toml::node* n = m.get("struct_page_size"))
      sc.geo.struct_page_size = static_cast<int>(r.integer(n, "memmap_on_memory.struct_page_size", 8, 256));
    if (const toml::node* n = m.get("block_pages"))
      sc.geo.memory_block_pages = static_cast<int>(r.integer(n, "memmap_on_memory.block_pages", 1, 1 << 22));
    if (const toml::node* n = m.get("pmd_pages"))
      sc.geo.pmd_pages = static_cast<int>(r.integer(n, "memmap_on_memory.pmd_pages", 1, 1 << 18));
    if (const toml::node* n = m.get("pageblock_pages"))
      sc.geo.mhp_pageblock_pages =
          static_cast<int>(r.integer(n, "memmap_on_memory.pageblock_pages", 1, 1 << 18));
    if (const toml::node* n = m.get("mode")) {
      std::string v = r.string(n, "memmap_on_memory.mode");
      if (v != "Y" && v != "force")
        r.fail(n, fmt::format("memmap_on_memory.mode must be \"Y\" or \"force\", got '{}'", v));
      sc.geo.memmap_force = v == "force";
    }
    if (std::string e = sc.geo.validate(); !e.empty()) r.fail(mn, "memmap_on_memory: " + e);
  }
  if (std::string e = sc.geo.validate(); !e.empty()) r.fail(&g, "geometry: " + e);
  const int nr_pages = sc.geo.nr_pages();

  // [initial]
  const toml::table& in = r.table(doc, "initial", "");
  r.only_keys(in,
              {"layouts", "migratetypes", "pageblock_migratetype", "free", "allocated", "pcp", "hugetlb",
               "hugetlb_surplus", "hugetlb_resv", "hugetlb_max"},
              "[initial]");
  for (const char* k : {"hugetlb", "hugetlb_surplus", "hugetlb_resv", "hugetlb_max"})
    if (in.get(k) && !sc.geo.has_hugetlb())
      r.fail(in.get(k), fmt::format("initial.{} needs a [hugetlb] section", k));
  if (const toml::node* n = in.get("layouts")) {
    if (sc.geo.has_hugetlb()) r.fail(n, "layouts = \"all\" cannot be combined with [hugetlb]");
    std::string v = r.string(n, "initial.layouts");
    if (v != "all") r.fail(n, fmt::format("initial.layouts must be \"all\", got '{}'", v));
    sc.all_layouts = true;
    for (const char* k : {"pageblock_migratetype", "free", "allocated", "pcp", "hugetlb"})
      if (in.get(k))
        r.fail(in.get(k), fmt::format("initial.{} cannot be combined with layouts = \"all\"", k));
    if (const toml::node* m = in.get("migratetypes")) {
      for (const auto& e : r.array(m, "initial.migratetypes")) {
        Mt t = r.mt(&e, "initial.migratetypes entry");
        if (t == Mt::ISOLATE)
          r.fail(&e,
                 "initial.migratetypes: ISOLATE blocks need an isolating operation; use the "
                 "pageblock types UNMOVABLE, MOVABLE, RECLAIMABLE, HIGHATOMIC or CMA");
        if (std::find(sc.layout_migratetypes.begin(), sc.layout_migratetypes.end(), t) ==
            sc.layout_migratetypes.end())
          sc.layout_migratetypes.push_back(t);
      }
      if (sc.layout_migratetypes.empty()) r.fail(m, "initial.migratetypes must not be empty");
    } else {
      sc.layout_migratetypes = {Mt::UNMOVABLE, Mt::MOVABLE, Mt::RECLAIMABLE};
    }
  } else {
    if (in.get("migratetypes"))
      r.fail(in.get("migratetypes"), "initial.migratetypes applies only with layouts = \"all\"");
    const toml::node* pbn = in.get("pageblock_migratetype");
    if (!pbn) r.fail(&in, "[initial] needs pageblock_migratetype (or layouts = \"all\")");
    const toml::array& pba = r.array(pbn, "initial.pageblock_migratetype");
    if (static_cast<int>(pba.size()) != sc.geo.pageblocks)
      r.fail(pbn, fmt::format("initial.pageblock_migratetype needs {} entries (one per pageblock), got {}",
                              sc.geo.pageblocks, pba.size()));
    for (const auto& e : pba) sc.pageblock_mt.push_back(r.mt(&e, "a pageblock migratetype"));

    std::vector<int> covered(static_cast<size_t>(nr_pages), -1);  // line that covers each page
    auto claim = [&](const toml::node* n, int pfn, int order, const char* what) {
      if (pfn < sc.geo.zone_start_pfn || pfn >= nr_pages)
        r.fail(n, fmt::format("{} pfn {} is outside the zone (pfns {}..{})", what, pfn, sc.geo.zone_start_pfn,
                              nr_pages - 1));
      if (pfn & ((1 << order) - 1))
        r.fail(n, fmt::format("{} at pfn {} is not aligned to its order {} (a head must be a multiple of {})",
                              what, pfn, order, 1 << order));
      if (pfn + (1 << order) > nr_pages)
        r.fail(n, fmt::format("{} at pfn {} order {} reaches beyond the zone (pfn {})", what, pfn, order,
                              nr_pages));
      for (int p = pfn; p < pfn + (1 << order); ++p) {
        if (covered[static_cast<size_t>(p)] >= 0)
          r.fail(n, fmt::format("{} at pfn {} order {} overlaps another entry (line {}) at pfn {}", what, pfn,
                                order, covered[static_cast<size_t>(p)], p));
        covered[static_cast<size_t>(p)] = static_cast<int>(n->source().begin.line);
      }
    };
    if (const toml::node* fn = in.get("free")) {
      for (const auto& e : r.array(fn, "initial.free")) {
        if (!e.is_table())
          r.fail(&e, "initial.free entries must be { pfn = N, order = N, migratetype = \"MT\" }");
        const toml::table& t = *e.as_table();
        r.only_keys(t, {"pfn", "order", "migratetype"}, "an initial.free entry");
        FreeBuddy b;
        b.pfn = static_cast<int>(r.req_int(t, "pfn", "free.pfn", 0, 255));
        b.order = static_cast<int>(r.req_int(t, "order", "free.order", 0, sc.geo.max_order));
        if (!t.get("migratetype")) r.fail(&t, "free entry needs migratetype");
        b.mt = r.mt(t.get("migratetype"), "free.migratetype");
        claim(&e, b.pfn, b.order, "free buddy");
        Mt block = sc.pageblock_mt[static_cast<size_t>(sc.geo.pageblock_of(b.pfn))];
        if (block != b.mt)
          r.fail(&e, fmt::format("free buddy at pfn {} is on the {} list but its pageblock {} is {}: "
                                 "a well-formed layout keeps free lists typed",
                                 b.pfn, mt_name(b.mt), sc.geo.pageblock_of(b.pfn), mt_name(block)));
        if (b.order > sc.geo.pageblock_order) {
          for (int p = b.pfn; p < b.pfn + (1 << b.order); p += sc.geo.pageblock_nr_pages()) {
            Mt t2 = sc.pageblock_mt[static_cast<size_t>(sc.geo.pageblock_of(p))];
            if (t2 != b.mt)
              r.fail(&e, fmt::format("free buddy at pfn {} order {} spans pageblock {} of type {} "
                                     "but sits on the {} list",
                                     b.pfn, b.order, sc.geo.pageblock_of(p), mt_name(t2), mt_name(b.mt)));
          }
        }
        sc.free.push_back(b);
      }
    }
    if (const toml::node* an = in.get("allocated")) {
      for (const auto& e : r.array(an, "initial.allocated")) {
        if (!e.is_table()) r.fail(&e, "initial.allocated entries must be { pfn = N, order = N }");
        const toml::table& t = *e.as_table();
        r.only_keys(t, {"pfn", "order", "movable"}, "an initial.allocated entry");
        Allocation a;
        a.pfn = static_cast<int>(r.req_int(t, "pfn", "allocated.pfn", 0, 255));
        a.order = static_cast<int>(r.req_int(t, "order", "allocated.order", 0, sc.geo.max_order));
        if (const toml::node* m = t.get("movable")) {
          if (!m->is_boolean()) r.fail(m, "allocated.movable must be true or false");
          a.movable = m->as_boolean()->get();
        } else {
          Mt block = sc.pageblock_mt[static_cast<size_t>(sc.geo.pageblock_of(a.pfn))];
          a.movable = block == Mt::MOVABLE || block == Mt::CMA;
        }
        claim(&e, a.pfn, a.order, "allocation");
        sc.allocated.push_back(a);
      }
    }
    if (const toml::node* pn = in.get("pcp")) {
      if (!sc.geo.pcp_enabled())
        r.fail(pn, "initial.pcp needs pcp lists: set geometry.pcp_high and geometry.pcp_batch");
      for (const auto& e : r.array(pn, "initial.pcp")) {
        if (!e.is_table()) r.fail(&e, "initial.pcp entries must be { cpu = N, pfn = N, order = N }");
        const toml::table& t = *e.as_table();
        r.only_keys(t, {"cpu", "pfn", "order"}, "an initial.pcp entry");
        PcpPage pp;
        pp.cpu = static_cast<int>(r.req_int(t, "cpu", "pcp.cpu", 0, sc.geo.cpus - 1));
        pp.pfn = static_cast<int>(r.req_int(t, "pfn", "pcp.pfn", 0, 255));
        pp.order = static_cast<int>(r.req_int(t, "order", "pcp.order", 0, sc.geo.max_order));
        if (pp.order > 3 && pp.order != sc.geo.pageblock_order)
          r.fail(&e, fmt::format("order {} has no pcp list (pcp_allowed_order(): 0..3 and pageblock_order)",
                                 pp.order));
        claim(&e, pp.pfn, pp.order, "pcp page");
        Mt block = sc.pageblock_mt[static_cast<size_t>(sc.geo.pageblock_of(pp.pfn))];
        if (block == Mt::ISOLATE)
          r.fail(&e,
                 fmt::format("pcp page at pfn {} is in an ISOLATE block: free_unref_page() sends those to "
                             "the buddy",
                             pp.pfn));
        sc.pcp.push_back(pp);
      }
    }
    if (const toml::node* hn = in.get("hugetlb")) {
      const int H = sc.geo.hugetlb_order;
      for (const auto& e : r.array(hn, "initial.hugetlb")) {
        if (!e.is_table())
          r.fail(&e, "initial.hugetlb entries must be { pfn = N, state = \"free\"|\"in_use\", ... }");
        const toml::table& t = *e.as_table();
        r.only_keys(t, {"pfn", "state", "optimized", "temporary", "vmemmap"}, "an initial.hugetlb entry");
        HugeFolio f;
        f.pfn = static_cast<int>(r.req_int(t, "pfn", "hugetlb.pfn", 0, 255));
        if (!t.get("state")) r.fail(&t, "a hugetlb entry needs state = \"free\" or \"in_use\"");
        std::string st = r.string(t.get("state"), "hugetlb.state");
        if (st != "free" && st != "in_use")
          r.fail(t.get("state"), fmt::format("hugetlb.state must be \"free\" or \"in_use\", got '{}'", st));
        f.in_use = st == "in_use";
        auto flag = [&](const char* key) {
          const toml::node* b = t.get(key);
          if (!b) return false;
          if (!b->is_boolean()) r.fail(b, fmt::format("hugetlb.{} must be true or false", key));
          return b->as_boolean()->get();
        };
        f.optimized = flag("optimized");
        f.temporary = flag("temporary");
        if (f.optimized && sc.geo.hugetlb_vmemmap_pages == 0)
          r.fail(&e, "an optimized hugetlb folio needs [hugetlb] vmemmap_pages (HVO)");
        claim(&e, f.pfn, H, "hugetlb folio");
        if (const toml::node* vn = t.get("vmemmap")) {
          if (f.optimized) r.fail(vn, "an optimized folio has given its vmemmap pages away; drop vmemmap");
          for (const auto& v : r.array(vn, "hugetlb.vmemmap")) {
            int p = static_cast<int>(r.integer(&v, "a vmemmap pfn", 0, 255));
            claim(&v, p, 0, "vmemmap page");
            f.vmemmap.push_back(p);
          }
          if (static_cast<int>(f.vmemmap.size()) != sc.geo.hugetlb_vmemmap_pages)
            r.fail(vn, fmt::format("hugetlb.vmemmap needs {} pfns (hugetlb.vmemmap_pages), got {}",
                                   sc.geo.hugetlb_vmemmap_pages, f.vmemmap.size()));
        }
        sc.hugetlb.folios.push_back(f);
      }
      // Free folios first, in the order given (the free list, head first), then the active ones.
      std::stable_partition(sc.hugetlb.folios.begin(), sc.hugetlb.folios.end(),
                            [](const HugeFolio& f) { return !f.in_use; });
    }
    int nr = static_cast<int>(sc.hugetlb.folios.size());
    int nfree = static_cast<int>(std::count_if(sc.hugetlb.folios.begin(), sc.hugetlb.folios.end(),
                                               [](const HugeFolio& f) { return !f.in_use; }));
    if (const toml::node* n = in.get("hugetlb_surplus"))
      sc.hugetlb.surplus = static_cast<int>(r.integer(n, "initial.hugetlb_surplus", 0, nr));
    if (const toml::node* n = in.get("hugetlb_resv"))
      sc.hugetlb.resv = static_cast<int>(r.integer(n, "initial.hugetlb_resv", 0, nfree));
    if (const toml::node* n = in.get("hugetlb_max"))
      sc.hugetlb.max = static_cast<int>(r.integer(n, "initial.hugetlb_max", 0, 100));
    // Free buddies that would have merged are not a state the kernel leaves behind.
    for (const auto& a : sc.free) {
      for (const auto& b : sc.free) {
        if (a.order != b.order || a.order >= sc.geo.max_order || (a.pfn ^ (1 << a.order)) != b.pfn ||
            a.pfn > b.pfn)
          continue;
        bool blocked = a.order >= sc.geo.pageblock_order && a.mt != b.mt &&
                       (!migratetype_is_mergeable(a.mt) || !migratetype_is_mergeable(b.mt));
        if (!blocked)
          r.fail(in.get("free"),
                 fmt::format("free buddies at pfn {} and pfn {} (order {}) would have merged into "
                             "one order-{} buddy",
                             a.pfn, b.pfn, a.order, a.order + 1));
      }
    }
  }

  // [[cpu]]
  const toml::node* cn = doc.get("cpu");
  if (!cn) r.fail(nullptr, "missing [[cpu]] sections (one per CPU, each with ops = [...])");
  const toml::array& cpus = r.array(cn, "[[cpu]]");
  if (static_cast<int>(cpus.size()) != sc.geo.cpus)
    r.fail(cn,
           fmt::format("geometry.cpus is {} but there are {} [[cpu]] sections", sc.geo.cpus, cpus.size()));
  for (const auto& c : cpus) {
    if (!c.is_table()) r.fail(&c, "each [[cpu]] must be a table with ops = [...]");
    const toml::table& t = *c.as_table();
    r.only_keys(t, {"ops"}, "[[cpu]]");
    const toml::node* on = t.get("ops");
    if (!on) r.fail(&t, "[[cpu]] needs ops = [\"...\"]");
    Program prog;
    for (const auto& o : r.array(on, "cpu.ops")) {
      std::string text = r.string(&o, "an operation");
      try {
        prog.push_back(parse_op(text, sc.geo));
      } catch (const InputError& e) {
        r.fail(&o, e.what());
      }
    }
    sc.programs.push_back(std::move(prog));
  }

  // [check]
  if (const toml::node* chk = doc.get("check")) {
    if (!chk->is_table()) r.fail(chk, "[check] must be a table");
    const toml::table& t = *chk->as_table();
    r.only_keys(t, {"properties", "capacity_order"}, "[check]");
    if (const toml::node* p = t.get("properties"))
      for (const auto& e : r.array(p, "check.properties"))
        sc.properties.push_back(r.string(&e, "a property"));
    if (const toml::node* n = t.get("capacity_order"))
      sc.geo.capacity_order = static_cast<int>(r.integer(n, "check.capacity_order", 0, sc.geo.max_order));
  }

  // [expect]
  if (const toml::node* ex = doc.get("expect")) {
    if (!ex->is_table()) r.fail(ex, "[expect] must be a table of \"variant\" = \"holds\"|\"violated\"");
    for (auto&& [k, v] : *ex->as_table()) {
      Expectation e;
      e.variant_spec = std::string(k.str());
      e.line = static_cast<int>(v.source().begin.line);
      if (v.is_string()) {
        e.verdict = parse_verdict(r, &v);
      } else if (v.is_table()) {
        const toml::table& t = *v.as_table();
        r.only_keys(t, {"verdict", "states"}, "an [expect] entry");
        if (!t.get("verdict")) r.fail(&v, "an [expect] entry needs verdict = \"holds\"|\"violated\"");
        e.verdict = parse_verdict(r, t.get("verdict"));
        if (const toml::node* s = t.get("states")) e.states = r.integer(s, "expect.states", 1, 1L << 40);
      } else {
        r.fail(&v, "an [expect] value must be \"holds\", \"violated\" or { verdict = ..., states = N }");
      }
      sc.expect.push_back(std::move(e));
    }
    // toml++ keeps keys sorted; the file's order is the one readers expect.
    std::stable_sort(sc.expect.begin(), sc.expect.end(),
                     [](const Expectation& a, const Expectation& b) { return a.line < b.line; });
  }
  return sc;
}
}  // namespace

std::string scenario_dir() {
  if (const char* env = std::getenv("PAGECHECK_SCENARIOS")) return env;
  return std::string(PAGECHECK_SOURCE_DIR) + "/scenarios";
}

std::string resolve_scenario(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".toml")) {
    if (!fs::exists(name_or_path)) throw InputError(fmt::format("{}: no such scenario file", name_or_path));
    return name_or_path;
  }
  std::string p = scenario_dir() + "/" + name_or_path + ".toml";
  if (!fs::exists(p)) {
    std::string known;
    for (const auto& n : catalogue()) known += (known.empty() ? "" : ", ") + n;
    throw InputError(fmt::format("unknown scenario '{}'; the catalogue has: {}", name_or_path, known));
  }
  return p;
}

std::vector<std::string> catalogue() {
  std::vector<std::string> v;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(scenario_dir(), ec))
    if (e.path().extension() == ".toml") v.push_back(e.path().stem().string());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace pagecheck::model

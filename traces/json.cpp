#include "traces/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pagecheck::traces {

using nlohmann::json;

namespace {

constexpr std::pair<model::DeltaKind, const char*> kDeltaKinds[] = {
    {model::DeltaKind::SetPageBuddy, "set_buddy"},
    {model::DeltaKind::ClearPageBuddy, "clear_buddy"},
    {model::DeltaKind::ListAdd, "list_add"},
    {model::DeltaKind::ListDel, "list_del"},
    {model::DeltaKind::PageblockBits, "pageblock"},
    {model::DeltaKind::Counter, "counter"},
    {model::DeltaKind::Owner, "owner"},
    {model::DeltaKind::PageFlags, "page_flags"},
    {model::DeltaKind::PcpMigratetype, "pcp_migratetype"},
    {model::DeltaKind::ZoneByte, "zone_pcp"},
    {model::DeltaKind::LockAcquire, "lock"},
    {model::DeltaKind::LockRelease, "unlock"},
    {model::DeltaKind::FolioFlags, "folio_flags"},
    {model::DeltaKind::FolioRef, "folio_ref"},
    {model::DeltaKind::FolioVmemmap, "folio_vmemmap"},
    {model::DeltaKind::WorkPending, "work_pending"},
    {model::DeltaKind::MemoryBlock, "memory_block"},
    {model::DeltaKind::VmemmapPmd, "vmemmap_pmd"},
};
constexpr std::pair<model::EventKind, const char*> kEventKinds[] = {
    {model::EventKind::Enter, "enter"},   {model::EventKind::Leave, "leave"},
    {model::EventKind::Delta, "delta"},   {model::EventKind::Note, "note"},
    {model::EventKind::Choice, "choice"},
};

template <class E, size_t N>
const char* name_of(const std::pair<E, const char*> (&tab)[N], E k) {
  for (const auto& [e, n] : tab)
    if (e == k) return n;
  return "?";
}

json counters_json(const std::vector<std::pair<std::string, int>>& v) {
  json j = json::object();
  for (const auto& [n, x] : v) j[n] = x;
  return j;
}

json layout_json(const model::MemoryLayout& ml) {
  json pbs = json::array();
  for (auto mt : ml.pageblock_mt) pbs.push_back(std::string(model::mt_name(mt)));
  json free = json::array();
  for (const auto& b : ml.free)
    free.push_back({{"pfn", b.pfn}, {"order", b.order}, {"migratetype", std::string(model::mt_name(b.mt))}});
  json alloc = json::array();
  for (const auto& a : ml.allocated)
    alloc.push_back({{"pfn", a.pfn}, {"order", a.order}, {"movable", a.movable}});
  json pcp = json::array();
  for (const auto& pp : ml.pcp) pcp.push_back({{"cpu", pp.cpu}, {"pfn", pp.pfn}, {"order", pp.order}});
  json j = {{"pageblock_migratetype", pbs}, {"free", free}, {"allocated", alloc}, {"pcp", pcp}};
  if (!ml.hugetlb.folios.empty() || ml.hugetlb.surplus || ml.hugetlb.resv || ml.hugetlb.max >= 0) {
    json folios = json::array();
    for (const auto& f : ml.hugetlb.folios)
      folios.push_back({{"pfn", f.pfn},
                        {"state", f.in_use ? "in_use" : "free"},
                        {"optimized", f.optimized},
                        {"temporary", f.temporary},
                        {"vmemmap", f.vmemmap}});
    j["hugetlb"] = {{"folios", folios},
                    {"surplus", ml.hugetlb.surplus},
                    {"resv", ml.hugetlb.resv},
                    {"max", ml.hugetlb.max}};
  }
  return j;
}

json changes_json(const StepChanges& c) {
  json counters = json::object();
  for (const auto& [n, v] : c.counters) counters[n] = {v.first, v.second};
  return {{"pfns", c.pfns},       {"pageblocks", c.pageblocks},   {"lists", c.lists},
          {"counters", counters}, {"locks_taken", c.locks_taken}, {"locks_released", c.locks_released}};
}

}  // namespace

model::DeltaKind delta_kind_of(const std::string& name) {
  for (const auto& [k, n] : kDeltaKinds)
    if (name == n) return k;
  throw InputError(fmt::format("unknown delta kind '{}'", name));
}

json delta_json(const model::Layout& L, const model::Delta& d) {
  return {{"kind", name_of(kDeltaKinds, d.kind)},
          {"a", d.a},
          {"b", d.b},
          {"c", d.c},
          {"old", d.old_v},
          {"new", d.new_v},
          {"text", format_delta(L, d)}};
}

json snapshot_json(const MemorySnapshot& m) {
  json lists = json::object();
  for (const auto& [n, pfns] : m.lists) lists[n] = pfns;
  json used = json::array();
  for (const auto& r : m.in_use)
    used.push_back({{"pfn", r.pfn}, {"nr_pages", r.nr_pages}, {"owner", r.owner}, {"movable", r.movable}});
  json locks = json::object();
  for (const auto& [l, o] : m.locks) locks[l] = o;
  json j = {{"pageblocks", m.pageblocks},
            {"lists", lists},
            {"in_use", used},
            {"counters", counters_json(m.counters)},
            {"locks", locks}};
  if (!m.objects.empty()) {
    json o = json::object();
    for (const auto& [n, v] : m.objects) o[n] = v;
    j["objects"] = o;
  }
  return j;
}

json trace_json(const Trace& t) {
  model::Layout L(t.geo);
  json j;
  j["format"] = "pagecheck-trace";
  j["version"] = kTraceVersion;
  j["generator"] = std::string("pagecheck ") + PAGECHECK_VERSION;
  j["scenario"] = {{"name", t.scenario.name},
                   {"file", t.scenario.file},
                   {"summary", t.scenario.summary},
                   {"reference", t.scenario.reference},
                   {"toml", t.scenario.toml}};
  json stack = json::array();
  for (const auto& c : t.stack) stack.push_back({{"id", c.id}, {"title", c.title}, {"release", c.release}});
  j["variant"] = {{"spec", t.variant}, {"baseline", t.baseline}, {"commits", stack}};
  j["properties"] = t.properties;
  j["geometry"] = {{"pageblock_order", t.geo.pageblock_order},
                   {"max_order", t.geo.max_order},
                   {"pageblocks", t.geo.pageblocks},
                   {"cpus", t.geo.cpus},
                   {"zone_start_pfn", t.geo.zone_start_pfn},
                   {"pcp_high", t.geo.pcp_high},
                   {"pcp_batch", t.geo.pcp_batch},
                   {"managed_pages", t.geo.managed_pages}};
  if (t.geo.has_hugetlb()) {
    j["geometry"]["hugetlb_order"] = t.geo.hugetlb_order;
    j["geometry"]["hugetlb_vmemmap_pages"] = t.geo.hugetlb_vmemmap_pages;
    j["geometry"]["nr_overcommit_huge_pages"] = t.geo.nr_overcommit_huge_pages;
  }
  if (t.geo.memory_blocks) {
    j["geometry"]["memory_blocks"] = t.geo.memory_blocks;
    j["geometry"]["struct_page_size"] = t.geo.struct_page_size;
    j["geometry"]["memory_block_pages"] = t.geo.memory_block_pages;
    j["geometry"]["pmd_pages"] = t.geo.pmd_pages;
    j["geometry"]["mhp_pageblock_pages"] = t.geo.mhp_pageblock_pages;
    j["geometry"]["memmap_force"] = t.geo.memmap_force;
  }
  if (t.geo.capacity_order >= 0) j["geometry"]["capacity_order"] = t.geo.capacity_order;
  j["programs"] = t.programs;
  json init = layout_json(t.initial.layout);
  init["index"] = t.initial.index;
  init["count"] = t.initial.count;
  init["memory"] = snapshot_json(t.initial.memory);
  j["initial"] = init;
  json steps = json::array();
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const TraceStep& st = t.steps[i];
    json s = {{"n", i + 1},
              {"cpu", st.cpu},
              {"outcome", st.outcome},
              {"choices", st.choices},
              {"label", st.label},
              {"title", st.title},
              {"source", st.source},
              {"call_path", st.call_path},
              {"preemption", st.preemption}};
    json ev = json::array();
    for (const auto& e : st.events) {
      json x = {{"kind", name_of(kEventKinds, e.kind)}, {"depth", e.depth}};
      if (e.kind == model::EventKind::Delta) {
        x["delta"] = delta_json(L, e.delta);
      } else {
        x["text"] = e.text;
        if (!e.cite.empty()) x["source"] = e.cite;
        if (!e.detail.empty()) x["result"] = e.detail;
      }
      ev.push_back(std::move(x));
    }
    s["events"] = std::move(ev);
    s["changes"] = changes_json(st.changes);
    s["memory"] = snapshot_json(st.after);
    steps.push_back(std::move(s));
  }
  j["steps"] = std::move(steps);
  if (t.loop_start >= 0) j["loop_start"] = t.loop_start + 1;  // the first step of the cycle, 1-based
  j["violation"] = {{"property", t.violation.property},
                    {"statement", t.violation.statement},
                    {"kernel_check", t.violation.kernel_check},
                    {"message", t.violation.message},
                    {"pfns", t.violation.pfns},
                    {"pageblocks", t.violation.pageblocks},
                    {"lists", t.violation.lists},
                    {"step", t.steps.size()}};
  const Minimisation& m = t.minimisation;
  const ScenarioReduction& r = m.scenario;
  j["minimisation"] = {{"ran", m.ran},
                       {"bfs_steps", m.bfs_steps},
                       {"bfs_preemptions", m.bfs_preemptions},
                       {"steps", m.steps},
                       {"preemptions", m.preemptions},
                       {"context_switches", m.context_switches},
                       {"states", m.states},
                       {"note", m.note},
                       {"scenario",
                        {{"ran", r.ran},
                         {"reduced", r.reduced},
                         {"removed", r.removed},
                         {"toml", r.toml},
                         {"steps", r.steps},
                         {"checks", r.checks},
                         {"note", r.note}}}};
  return j;
}

// --- reading -----------------------------------------------------------------------------------

namespace {

class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& msg) const {
    throw InputError(fmt::format("{}: {}: {}", where_, path, msg));
  }
  const json& at(const json& o, const std::string& path, const char* key) const {
    if (!o.is_object()) fail(path, "expected an object");
    auto it = o.find(key);
    if (it == o.end()) fail(path, fmt::format("missing \"{}\"", key));
    return *it;
  }
  int integer(const json& o, const std::string& path, const char* key, int lo = INT32_MIN,
              int hi = INT32_MAX) const {
    const json& v = at(o, path, key);
    if (!v.is_number_integer()) fail(path + "." + key, "expected an integer");
    long x = v.get<long>();
    if (x < lo || x > hi) fail(path + "." + key, fmt::format("expected {}..{}, got {}", lo, hi, x));
    return static_cast<int>(x);
  }
  std::string str(const json& o, const std::string& path, const char* key) const {
    const json& v = at(o, path, key);
    if (!v.is_string()) fail(path + "." + key, "expected a string");
    return v.get<std::string>();
  }
  std::string opt_str(const json& o, const char* key) const {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  bool boolean(const json& o, const std::string& path, const char* key) const {
    const json& v = at(o, path, key);
    if (!v.is_boolean()) fail(path + "." + key, "expected true or false");
    return v.get<bool>();
  }
  const json& array(const json& o, const std::string& path, const char* key) const {
    const json& v = at(o, path, key);
    if (!v.is_array()) fail(path + "." + key, "expected an array");
    return v;
  }
  std::vector<int> ints(const json& o, const std::string& path, const char* key) const {
    std::vector<int> v;
    for (const auto& x : array(o, path, key)) {
      if (!x.is_number_integer()) fail(path + "." + key, "expected an array of integers");
      v.push_back(x.get<int>());
    }
    return v;
  }
  std::vector<std::string> strs(const json& o, const std::string& path, const char* key) const {
    std::vector<std::string> v;
    for (const auto& x : array(o, path, key)) {
      if (!x.is_string()) fail(path + "." + key, "expected an array of strings");
      v.push_back(x.get<std::string>());
    }
    return v;
  }
  model::Mt mt(const json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "expected a migratetype");
    auto m = model::parse_mt(v.get<std::string>());
    if (!m) fail(path, fmt::format("unknown migratetype '{}'", v.get<std::string>()));
    return *m;
  }

  MemorySnapshot snapshot(const json& o, const std::string& path) const {
    MemorySnapshot m;
    m.pageblocks = strs(o, path, "pageblocks");
    const json& lists = at(o, path, "lists");
    if (!lists.is_object()) fail(path + ".lists", "expected an object");
    for (auto it = lists.begin(); it != lists.end(); ++it) {
      std::vector<int> pfns;
      for (const auto& x : *it) {
        if (!x.is_number_integer()) fail(path + ".lists", "expected arrays of pfns");
        pfns.push_back(x.get<int>());
      }
      m.lists.emplace_back(it.key(), std::move(pfns));
    }
    const json& used = array(o, path, "in_use");
    for (size_t i = 0; i < used.size(); ++i) {
      std::string p = fmt::format("{}.in_use[{}]", path, i);
      m.in_use.push_back({integer(used[i], p, "pfn"), integer(used[i], p, "nr_pages"),
                          str(used[i], p, "owner"), boolean(used[i], p, "movable")});
    }
    const json& counters = at(o, path, "counters");
    if (!counters.is_object()) fail(path + ".counters", "expected an object");
    for (auto it = counters.begin(); it != counters.end(); ++it) {
      if (!it->is_number_integer()) fail(path + ".counters." + it.key(), "expected an integer");
      m.counters.emplace_back(it.key(), it->get<int>());
    }
    const json& locks = at(o, path, "locks");
    if (!locks.is_object()) fail(path + ".locks", "expected an object");
    for (auto it = locks.begin(); it != locks.end(); ++it) {
      if (!it->is_string()) fail(path + ".locks." + it.key(), "expected a string");
      m.locks.emplace_back(it.key(), it->get<std::string>());
    }
    if (o.contains("objects")) {
      const json& objs = o["objects"];
      if (!objs.is_object()) fail(path + ".objects", "expected an object");
      for (auto it = objs.begin(); it != objs.end(); ++it) {
        if (!it->is_string()) fail(path + ".objects." + it.key(), "expected a string");
        m.objects.emplace_back(it.key(), it->get<std::string>());
      }
    }
    return m;
  }

 private:
  std::string where_;
};

template <class E, size_t N>
E kind_of(const Reader& r, const std::pair<E, const char*> (&tab)[N], const json& v,
          const std::string& path) {
  if (v.is_string())
    for (const auto& [e, n] : tab)
      if (v.get<std::string>() == n) return e;
  std::string known;
  for (const auto& [e, n] : tab) known += (known.empty() ? "" : ", ") + std::string(n);
  r.fail(path, fmt::format("expected one of: {}", known));
}

}  // namespace

Trace trace_from_json(const json& j, const std::string& where) {
  Reader r(where);
  if (!j.is_object()) r.fail("(top)", "expected a JSON object");
  if (!j.contains("format") || j["format"] != "pagecheck-trace")
    r.fail("format", "not a pagecheck trace (expected \"format\": \"pagecheck-trace\")");
  int version = r.integer(j, "(top)", "version");
  if (version != kTraceVersion)
    r.fail("version", fmt::format("version {} is not supported (this pagecheck reads version {})", version,
                                  kTraceVersion));
  Trace t;
  const json& sc = r.at(j, "(top)", "scenario");
  t.scenario.name = r.str(sc, "scenario", "name");
  t.scenario.file = r.opt_str(sc, "file");
  t.scenario.summary = r.opt_str(sc, "summary");
  t.scenario.reference = r.opt_str(sc, "reference");
  t.scenario.toml = r.opt_str(sc, "toml");
  const json& var = r.at(j, "(top)", "variant");
  t.variant = r.str(var, "variant", "spec");
  t.baseline = r.opt_str(var, "baseline");
  const json& commits = r.array(var, "variant", "commits");
  for (size_t i = 0; i < commits.size(); ++i) {
    std::string p = fmt::format("variant.commits[{}]", i);
    t.stack.push_back(
        {r.str(commits[i], p, "id"), r.opt_str(commits[i], "title"), r.opt_str(commits[i], "release")});
  }
  t.properties = r.strs(j, "(top)", "properties");
  const json& g = r.at(j, "(top)", "geometry");
  t.geo.pageblock_order = r.integer(g, "geometry", "pageblock_order", 0, model::Geometry::kMaxOrder);
  t.geo.max_order = r.integer(g, "geometry", "max_order", 0, model::Geometry::kMaxOrder);
  t.geo.pageblocks = r.integer(g, "geometry", "pageblocks", 1, model::Geometry::kMaxPages);
  t.geo.cpus = r.integer(g, "geometry", "cpus", 1, model::Geometry::kMaxCpus);
  // Added with the pcp and zone model: absent means the default (no pcp lists, zone from pfn 0).
  if (g.contains("zone_start_pfn"))
    t.geo.zone_start_pfn = r.integer(g, "geometry", "zone_start_pfn", 0, model::Geometry::kMaxPages - 1);
  if (g.contains("pcp_high")) t.geo.pcp_high = r.integer(g, "geometry", "pcp_high", 0, 255);
  if (g.contains("pcp_batch")) t.geo.pcp_batch = r.integer(g, "geometry", "pcp_batch", 0, 63);
  if (g.contains("managed_pages"))
    t.geo.managed_pages = r.integer(g, "geometry", "managed_pages", 0, 1 << 30);
  // Added with hugetlb, memmap_on_memory and the capacity property (absent: not configured).
  if (g.contains("hugetlb_order")) {
    t.geo.hugetlb_order = r.integer(g, "geometry", "hugetlb_order", 0, model::Geometry::kMaxOrder);
    t.geo.hugetlb_vmemmap_pages =
        r.integer(g, "geometry", "hugetlb_vmemmap_pages", 0, model::Geometry::kMaxVmemmapPages);
    t.geo.nr_overcommit_huge_pages = r.integer(g, "geometry", "nr_overcommit_huge_pages", 0, 100);
  }
  if (g.contains("memory_blocks")) {
    t.geo.memory_blocks = r.integer(g, "geometry", "memory_blocks", 1, model::Geometry::kMaxMemoryBlocks);
    t.geo.struct_page_size = r.integer(g, "geometry", "struct_page_size", 8, 256);
    t.geo.memory_block_pages = r.integer(g, "geometry", "memory_block_pages", 1, 1 << 22);
    t.geo.pmd_pages = r.integer(g, "geometry", "pmd_pages", 1, 1 << 18);
    t.geo.mhp_pageblock_pages = r.integer(g, "geometry", "mhp_pageblock_pages", 1, 1 << 18);
    t.geo.memmap_force = r.boolean(g, "geometry", "memmap_force");
  }
  if (g.contains("capacity_order"))
    t.geo.capacity_order = r.integer(g, "geometry", "capacity_order", 0, model::Geometry::kMaxOrder);
  if (std::string e = t.geo.validate(); !e.empty()) r.fail("geometry", e);
  model::Layout L(t.geo);
  const json& progs = r.array(j, "(top)", "programs");
  if (static_cast<int>(progs.size()) != t.geo.nr_threads())
    r.fail("programs",
           fmt::format("expected {} programs (one per thread), got {}", t.geo.nr_threads(), progs.size()));
  for (size_t c = 0; c < progs.size(); ++c) {
    if (!progs[c].is_array()) r.fail(fmt::format("programs[{}]", c), "expected an array of operations");
    std::vector<std::string> ops;
    for (const auto& o : progs[c]) {
      if (!o.is_string()) r.fail(fmt::format("programs[{}]", c), "expected operation strings");
      ops.push_back(o.get<std::string>());
    }
    t.programs.push_back(std::move(ops));
  }

  const json& in = r.at(j, "(top)", "initial");
  t.initial.index = r.integer(in, "initial", "index", 0);
  t.initial.count = r.integer(in, "initial", "count", 1);
  const json& pbs = r.array(in, "initial", "pageblock_migratetype");
  if (static_cast<int>(pbs.size()) != t.geo.pageblocks)
    r.fail("initial.pageblock_migratetype",
           fmt::format("expected {} entries, got {}", t.geo.pageblocks, pbs.size()));
  for (size_t i = 0; i < pbs.size(); ++i)
    t.initial.layout.pageblock_mt.push_back(
        r.mt(pbs[i], fmt::format("initial.pageblock_migratetype[{}]", i)));
  const json& free = r.array(in, "initial", "free");
  for (size_t i = 0; i < free.size(); ++i) {
    std::string p = fmt::format("initial.free[{}]", i);
    t.initial.layout.free.push_back({r.integer(free[i], p, "pfn", 0, L.nr_pages - 1),
                                     r.integer(free[i], p, "order", 0, t.geo.max_order),
                                     r.mt(r.at(free[i], p, "migratetype"), p + ".migratetype")});
  }
  const json& alloc = r.array(in, "initial", "allocated");
  for (size_t i = 0; i < alloc.size(); ++i) {
    std::string p = fmt::format("initial.allocated[{}]", i);
    t.initial.layout.allocated.push_back({r.integer(alloc[i], p, "pfn", 0, L.nr_pages - 1),
                                          r.integer(alloc[i], p, "order", 0, t.geo.max_order),
                                          r.boolean(alloc[i], p, "movable")});
  }
  if (in.contains("pcp")) {
    const json& pcp = r.array(in, "initial", "pcp");
    for (size_t i = 0; i < pcp.size(); ++i) {
      std::string p = fmt::format("initial.pcp[{}]", i);
      t.initial.layout.pcp.push_back({r.integer(pcp[i], p, "cpu", 0, t.geo.cpus - 1),
                                      r.integer(pcp[i], p, "pfn", 0, L.nr_pages - 1),
                                      r.integer(pcp[i], p, "order", 0, t.geo.max_order)});
    }
  }
  if (in.contains("hugetlb")) {
    if (!t.geo.has_hugetlb()) r.fail("initial.hugetlb", "the geometry has no hugetlb_order");
    const json& h = in["hugetlb"];
    const json& folios = r.array(h, "initial.hugetlb", "folios");
    for (size_t i = 0; i < folios.size(); ++i) {
      std::string p = fmt::format("initial.hugetlb.folios[{}]", i);
      model::HugeFolio f;
      f.pfn = r.integer(folios[i], p, "pfn", 0, L.nr_pages - 1);
      std::string st = r.str(folios[i], p, "state");
      if (st != "free" && st != "in_use") r.fail(p + ".state", "expected \"free\" or \"in_use\"");
      f.in_use = st == "in_use";
      f.optimized = r.boolean(folios[i], p, "optimized");
      f.temporary = r.boolean(folios[i], p, "temporary");
      f.vmemmap = r.ints(folios[i], p, "vmemmap");
      t.initial.layout.hugetlb.folios.push_back(std::move(f));
    }
    t.initial.layout.hugetlb.surplus = r.integer(h, "initial.hugetlb", "surplus", 0, 100);
    t.initial.layout.hugetlb.resv = r.integer(h, "initial.hugetlb", "resv", 0, 100);
    t.initial.layout.hugetlb.max = r.integer(h, "initial.hugetlb", "max", -1, 100);
  }
  t.initial.memory = r.snapshot(r.at(in, "initial", "memory"), "initial.memory");

  const json& steps = r.array(j, "(top)", "steps");
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& s = steps[i];
    std::string p = fmt::format("step {}", i + 1);
    TraceStep st;
    int n = r.integer(s, p, "n");
    if (n != static_cast<int>(i) + 1)
      r.fail(p, fmt::format("is numbered {}: steps must be numbered 1, 2, ... in order (a step is missing "
                            "or out of place)",
                            n));
    st.cpu = r.integer(s, p, "cpu", 0, t.geo.nr_threads() - 1);
    st.outcome = r.integer(s, p, "outcome", 0);
    st.choices = r.ints(s, p, "choices");
    st.label = r.str(s, p, "label");
    st.title = r.str(s, p, "title");
    st.source = r.opt_str(s, "source");
    st.call_path = r.strs(s, p, "call_path");
    st.preemption = r.boolean(s, p, "preemption");
    const json& ev = r.array(s, p, "events");
    for (size_t k = 0; k < ev.size(); ++k) {
      std::string ep = fmt::format("{}: event {}", p, k + 1);
      model::Event e;
      e.kind = kind_of(r, kEventKinds, r.at(ev[k], ep, "kind"), ep + ".kind");
      e.depth = r.integer(ev[k], ep, "depth", 0, 255);
      if (e.kind == model::EventKind::Delta) {
        const json& d = r.at(ev[k], ep, "delta");
        e.delta.kind = kind_of(r, kDeltaKinds, r.at(d, ep, "kind"), ep + ".delta.kind");
        e.delta.a = r.integer(d, ep + ".delta", "a");
        e.delta.b = r.integer(d, ep + ".delta", "b");
        e.delta.c = r.integer(d, ep + ".delta", "c");
        e.delta.old_v = r.integer(d, ep + ".delta", "old");
        e.delta.new_v = r.integer(d, ep + ".delta", "new");
        std::string text = r.str(d, ep + ".delta", "text");
        std::string want = format_delta(L, e.delta);
        if (text != want)
          r.fail(ep, fmt::format("the delta's text '{}' does not match its fields ('{}')", text, want));
      } else {
        e.text = r.str(ev[k], ep, "text");
        e.cite = r.opt_str(ev[k], "source");
        e.detail = r.opt_str(ev[k], "result");
      }
      st.events.push_back(std::move(e));
    }
    st.changes = summarise_changes(L, st.events);
    std::string title = step_title(st.events, st.call_path);
    if (st.title != title)
      r.fail(p, fmt::format("title '{}' does not match its events ('{}')", st.title, title));
    if (s.contains("changes") && s["changes"] != changes_json(st.changes))
      r.fail(p, "\"changes\" does not match the step's deltas");
    st.after = r.snapshot(r.at(s, p, "memory"), p + ": memory");
    t.steps.push_back(std::move(st));
  }

  if (j.contains("loop_start"))
    t.loop_start = r.integer(j, "(top)", "loop_start", 1, static_cast<int>(t.steps.size())) - 1;
  const json& v = r.at(j, "(top)", "violation");
  t.violation.property = r.str(v, "violation", "property");
  t.violation.statement = r.opt_str(v, "statement");
  t.violation.kernel_check = r.opt_str(v, "kernel_check");
  t.violation.message = r.str(v, "violation", "message");
  t.violation.pfns = r.ints(v, "violation", "pfns");
  t.violation.pageblocks = r.ints(v, "violation", "pageblocks");
  t.violation.lists = r.strs(v, "violation", "lists");
  if (v.contains("step") && r.integer(v, "violation", "step") != static_cast<int>(t.steps.size()))
    r.fail("violation.step", fmt::format("says step {}, but the trace has {} steps",
                                         r.integer(v, "violation", "step"), t.steps.size()));

  if (j.contains("minimisation")) {
    const json& m = j["minimisation"];
    Minimisation& mm = t.minimisation;
    mm.ran = r.boolean(m, "minimisation", "ran");
    mm.bfs_steps = r.integer(m, "minimisation", "bfs_steps");
    mm.bfs_preemptions = r.integer(m, "minimisation", "bfs_preemptions");
    mm.steps = r.integer(m, "minimisation", "steps");
    mm.preemptions = r.integer(m, "minimisation", "preemptions");
    mm.context_switches = r.integer(m, "minimisation", "context_switches");
    mm.states = r.at(m, "minimisation", "states").get<long>();
    mm.note = r.opt_str(m, "note");
    const json& s = r.at(m, "minimisation", "scenario");
    mm.scenario.ran = r.boolean(s, "minimisation.scenario", "ran");
    mm.scenario.reduced = r.boolean(s, "minimisation.scenario", "reduced");
    mm.scenario.removed = r.strs(s, "minimisation.scenario", "removed");
    mm.scenario.toml = r.opt_str(s, "toml");
    mm.scenario.steps = r.integer(s, "minimisation.scenario", "steps");
    mm.scenario.checks = r.integer(s, "minimisation.scenario", "checks");
    mm.scenario.note = r.opt_str(s, "note");
  }
  return t;
}

json read_json_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot read the trace file", path));
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    size_t pos = std::min(e.byte > 0 ? e.byte - 1 : 0, text.size());
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
    size_t nl = text.rfind('\n', pos > 0 ? pos - 1 : 0);
    size_t col = nl == std::string::npos ? pos + 1 : pos - nl;
    std::string what = e.what();
    if (auto k = what.find("syntax error"); k != std::string::npos) what = what.substr(k);
    throw InputError(fmt::format("{}:{}:{}: not valid JSON: {}", path, line, col, what));
  }
}

Trace read_trace_file(const std::string& path) {
  return trace_from_json(read_json_file(path), path);
}

}  // namespace pagecheck::traces

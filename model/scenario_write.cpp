// Writing a scenario back as TOML (docs/scenario-format.md): what the minimiser prints as the
// smallest scenario that still breaks a property.
#include <fmt/format.h>

#include "model/ops.hpp"
#include "model/scenario.hpp"

namespace pagecheck::model {

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// key = "value", or for a long value a multi-line string whose line-ending backslashes join
// the lines again (TOML 1.0), so that every line fits a mail.
std::string key_string(const std::string& key, const std::string& value) {
  std::string one = key + " = " + quoted(value);
  if (one.size() <= 76) return one + "\n";
  std::string out = key + " = \"\"\"\\\n", line = " ";
  size_t i = 0;
  while (i < value.size()) {
    size_t j = value.find(' ', i);
    if (j == std::string::npos) j = value.size();
    std::string word = quoted(value.substr(i, j - i));
    word = word.substr(1, word.size() - 2);
    if (line.size() > 1 && line.size() + 1 + word.size() + 2 > 76) {
      out += line + " \\\n";
      line = " ";
    }
    line += " " + word;
    i = j + 1;
  }
  return out + line + "\"\"\"\n";
}

std::string mt_list(const std::vector<Mt>& v) {
  std::string s;
  for (Mt m : v) s += (s.empty() ? "" : ", ") + quoted(std::string(mt_name(m)));
  return "[" + s + "]";
}

}  // namespace

std::string format_op(const Op& op) {
  const OpDef& d = op_registry().at(static_cast<size_t>(op.def));
  std::string s = std::string(d.name) + "(";
  for (size_t i = 0; i < d.params.size(); ++i) {
    if (i) s += ", ";
    int v = op.args[i];
    s += fmt::format("{}={}", d.params[i].name,
                     d.params[i].kind == ParamKind::Migratetype ? std::string(mt_name(static_cast<Mt>(v)))
                                                                : std::to_string(v));
  }
  return s + ")";
}

std::string scenario_to_toml(const Scenario& sc, const std::vector<std::string>& header) {
  std::string t;
  for (const auto& h : header) {  // wrapped to fit a mail
    std::string line = "#";
    size_t i = 0;
    while (i < h.size()) {
      size_t j = h.find(' ', i);
      if (j == std::string::npos) j = h.size();
      std::string word = h.substr(i, j - i);
      if (line.size() > 1 && line.size() + 1 + word.size() > 76) {
        t += line + "\n";
        line = "#";
      }
      line += " " + word;
      i = j + 1;
    }
    t += line + "\n";
  }
  t += key_string("name", sc.name);
  if (!sc.summary.empty()) t += key_string("summary", sc.summary);
  if (!sc.reference.empty()) t += key_string("reference", sc.reference);
  t += fmt::format("\n[geometry]\npageblock_order = {}\nmax_order = {}\npageblocks = {}\ncpus = {}\n",
                   sc.geo.pageblock_order, sc.geo.max_order, sc.geo.pageblocks, sc.geo.cpus);
  if (sc.geo.zone_start_pfn) t += fmt::format("zone_start_pfn = {}\n", sc.geo.zone_start_pfn);
  if (sc.geo.pcp_enabled())
    t += fmt::format("pcp_high = {}\npcp_batch = {}\n", sc.geo.pcp_high, sc.geo.pcp_batch);
  if (sc.geo.managed_pages) t += fmt::format("managed_pages = {}\n", sc.geo.managed_pages);
  if (sc.geo.has_hugetlb()) {
    t += fmt::format("\n[hugetlb]\norder = {}\n", sc.geo.hugetlb_order);
    if (sc.geo.hugetlb_vmemmap_pages) t += fmt::format("vmemmap_pages = {}\n", sc.geo.hugetlb_vmemmap_pages);
    if (sc.geo.nr_overcommit_huge_pages)
      t += fmt::format("nr_overcommit_hugepages = {}\n", sc.geo.nr_overcommit_huge_pages);
  }
  if (sc.geo.memory_blocks) {
    const Geometry d;
    t += fmt::format("\n[memmap_on_memory]\nblocks = {}\nstruct_page_size = {}\n", sc.geo.memory_blocks,
                     sc.geo.struct_page_size);
    if (sc.geo.memory_block_pages != d.memory_block_pages)
      t += fmt::format("block_pages = {}\n", sc.geo.memory_block_pages);
    if (sc.geo.pmd_pages != d.pmd_pages) t += fmt::format("pmd_pages = {}\n", sc.geo.pmd_pages);
    if (sc.geo.mhp_pageblock_pages != d.mhp_pageblock_pages)
      t += fmt::format("pageblock_pages = {}\n", sc.geo.mhp_pageblock_pages);
    t += fmt::format("mode = \"{}\"\n", sc.geo.memmap_force ? "force" : "Y");
  }
  t += "\n[initial]\n";
  if (sc.all_layouts) {
    t += "layouts = \"all\"\nmigratetypes = " + mt_list(sc.layout_migratetypes) + "\n";
  } else {
    t += "pageblock_migratetype = " + mt_list(sc.pageblock_mt) + "\n";
    if (!sc.free.empty()) {
      t += "free = [\n";
      for (const auto& b : sc.free)
        t += fmt::format("  {{ pfn = {}, order = {}, migratetype = \"{}\" }},\n", b.pfn, b.order,
                         mt_name(b.mt));
      t += "]\n";
    }
    if (!sc.allocated.empty()) {
      t += "allocated = [\n";
      for (const auto& a : sc.allocated)
        t += fmt::format("  {{ pfn = {}, order = {}, movable = {} }},\n", a.pfn, a.order, a.movable);
      t += "]\n";
    }
    if (!sc.pcp.empty()) {
      t += "pcp = [\n";
      for (const auto& pp : sc.pcp)
        t += fmt::format("  {{ cpu = {}, pfn = {}, order = {} }},\n", pp.cpu, pp.pfn, pp.order);
      t += "]\n";
    }
    if (!sc.hugetlb.folios.empty()) {
      t += "hugetlb = [\n";
      for (const auto& f : sc.hugetlb.folios) {
        t += fmt::format("  {{ pfn = {}, state = \"{}\"", f.pfn, f.in_use ? "in_use" : "free");
        if (f.optimized) t += ", optimized = true";
        if (f.temporary) t += ", temporary = true";
        if (!f.vmemmap.empty()) {
          std::string v;
          for (int p : f.vmemmap) v += (v.empty() ? "" : ", ") + std::to_string(p);
          t += ", vmemmap = [" + v + "]";
        }
        t += " },\n";
      }
      t += "]\n";
    }
    if (sc.hugetlb.surplus) t += fmt::format("hugetlb_surplus = {}\n", sc.hugetlb.surplus);
    if (sc.hugetlb.resv) t += fmt::format("hugetlb_resv = {}\n", sc.hugetlb.resv);
    if (sc.hugetlb.max >= 0) t += fmt::format("hugetlb_max = {}\n", sc.hugetlb.max);
  }
  for (const auto& prog : sc.programs) {
    std::string one;
    for (size_t i = 0; i < prog.size(); ++i) one += (i ? ", " : "") + quoted(prog[i].text);
    if (one.size() + 8 <= 76) {
      t += "\n[[cpu]]\nops = [" + one + "]\n";
    } else {
      t += "\n[[cpu]]\nops = [\n";
      for (const auto& op : prog) t += "  " + quoted(op.text) + ",\n";
      t += "]\n";
    }
  }
  if (!sc.properties.empty()) {
    std::string p;
    for (const auto& x : sc.properties) p += (p.empty() ? "" : ", ") + quoted(x);
    t += "\n[check]\nproperties = [" + p + "]\n";
    if (sc.geo.capacity_order >= 0) t += fmt::format("capacity_order = {}\n", sc.geo.capacity_order);
  }
  if (!sc.expect.empty()) {
    t += "\n[expect]\n";
    for (const auto& e : sc.expect)
      t += quoted(e.variant_spec) + " = " + quoted(verdict_name(e.verdict)) + "\n";
  }
  return t;
}

}  // namespace pagecheck::model

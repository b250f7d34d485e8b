// Scenario files (TOML): geometry, initial layout(s), each CPU's operations, the properties to
// check and the expected verdict per variant. See docs/scenario-format.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/geometry.hpp"
#include "model/machine.hpp"
#include "model/types.hpp"

namespace pagecheck::model {

struct FreeBuddy {
  int pfn = 0, order = 0;
  Mt mt = Mt::MOVABLE;
};

struct Allocation {
  int pfn = 0, order = 0;
  bool movable = true;  // PG_lru: migration could move it (has_unmovable_pages)
};

// A page on a CPU's pcp list at the start (geometry with pcp lists only): the list is the one
// free_unref_page() would have chosen for the block's type, page->index (<= v6.9) holds that type.
struct PcpPage {
  int cpu = 0, pfn = 0, order = 0;
};

// A hugetlb pool folio at the start (geometry with hugetlb only).
struct HugeFolio {
  int pfn = 0;
  bool in_use = false;       // on hugepage_activelist with one reference (a user holds it); else free
  bool optimized = false;    // HPG_vmemmap_optimized: its vmemmap pages were given to the buddy
  bool temporary = false;    // HPG_temporary
  std::vector<int> vmemmap;  // pfns of the pages backing its struct pages, when they are in the zone
};

struct HugetlbInitial {
  std::vector<HugeFolio> folios;  // the free ones in free-list order, head first
  int surplus = 0, resv = 0;
  int max = -1;  // -1: nr_huge_pages - surplus_huge_pages
};

enum class Verdict : uint8_t { Holds, Violated, Incomplete };
const char* verdict_name(Verdict v);

struct Expectation {
  std::string variant_spec;  // "v6.10", "v6.10 -fd919a85cd55"
  Verdict verdict = Verdict::Holds;
  std::optional<long> states;  // distinct states of the plain BFS, pinned when deterministic
  int line = 0;
};

struct Scenario {
  std::string name, summary, reference, description;
  std::string file;  // the path it was read from
  Geometry geo;

  bool all_layouts = false;
  std::vector<Mt> layout_migratetypes;  // with all_layouts: the types a pageblock may have
  std::vector<Mt> pageblock_mt;         // explicit layout
  std::vector<FreeBuddy> free;          // explicit layout; per list, head first
  std::vector<Allocation> allocated;    // explicit layout; other non-free pages: order 0
  std::vector<PcpPage> pcp;             // explicit layout; per CPU, head first
  HugetlbInitial hugetlb;               // explicit layout, geometry with hugetlb

  std::vector<Program> programs;  // one per CPU
  std::vector<std::string> properties;
  std::vector<Expectation> expect;
};

// Reads and validates a scenario file; throws InputError("FILE:LINE: ...").
Scenario load_scenario_file(const std::string& path);
// The same for a scenario's text (`path` names it in messages).
Scenario load_scenario_text(const std::string& text, const std::string& path);
// A scenario as a TOML file that load_scenario_file() reads back (model/scenario_write.cpp);
// `header` lines become leading comments.
std::string scenario_to_toml(const Scenario& sc, const std::vector<std::string>& header = {});
// An operation in scenario syntax, from its resolved arguments: "free_pages(pfn=2, order=1)".
std::string format_op(const Op& op);

// A catalogue name ("isolate-expand") or a path; throws InputError when neither exists.
std::string resolve_scenario(const std::string& name_or_path);
std::string scenario_dir();
std::vector<std::string> catalogue();  // scenario names, sorted

}  // namespace pagecheck::model

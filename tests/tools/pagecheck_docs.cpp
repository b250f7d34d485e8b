// pagecheck_docs check|update [SCENARIO...]: the golden files (tests/golden/) that pin the text of
// every catalogue trace, and the hazard catalogue pages (docs/hazards/) of the races. `check`
// fails on a missing or stale file; `update` writes them (scripts/update-traces.sh runs it).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "checker/hazards.hpp"
#include "checker/run.hpp"
#include "model/scenario.hpp"

namespace pc = pagecheck;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Returns the number of problems found (check) or files written (update).
int process(const std::string& name, bool update, std::set<std::string>& goldens) {
  int n = 0;
  auto sc = pc::model::load_scenario_file(pc::model::resolve_scenario(name));
  const std::string fix = fmt::format("run scripts/update-traces.sh {}", name);
  for (const auto& e : sc.expect) {
    if (e.verdict != pc::model::Verdict::Violated) continue;
    std::string path = pc::checker::golden_path(name, e.variant_spec);
    goldens.insert(fs::path(path).filename().string());
    std::string text = pc::checker::trace_text(name, e.variant_spec);
    std::string old = pc::checker::read_text_file(path);
    if (old == text) continue;
    ++n;
    if (update) {
      write(path, text);
      fmt::print("wrote {}\n", path);
    } else {
      fmt::print("not ok: {} {} ({})\n", path, old.empty() ? "is missing" : "is stale", fix);
    }
  }
  if (!pc::checker::is_race(sc)) return n;
  std::string page = pc::checker::hazards_dir() + "/" + name + ".md";
  std::string old = pc::checker::read_text_file(page);
  std::string fresh = old.empty() ? pc::checker::new_page(sc) : pc::checker::refresh_page(old, page);
  if (fresh != old) {
    ++n;
    if (update) {
      write(page, fresh);
      fmt::print("{} {}\n", old.empty() ? "created" : "refreshed", page);
    } else {
      fmt::print("not ok: {} {} ({})\n", page, old.empty() ? "is missing" : "has a stale generated part",
                 fix);
    }
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::string(argv[1]) != "check" && std::string(argv[1]) != "update")) {
    fmt::print(stderr, "usage: pagecheck_docs check|update [SCENARIO...]\n");
    return 2;
  }
  const bool update = std::string(argv[1]) == "update";
  std::vector<std::string> names(argv + 2, argv + argc);
  const bool all = names.empty();
  if (all) names = pc::model::catalogue();
  int problems = 0;
  std::set<std::string> goldens;
  try {
    for (const auto& name : names) problems += process(name, update, goldens);
  } catch (const std::exception& e) {
    fmt::print(stderr, "pagecheck_docs: {}\n", e.what());
    return 2;
  }
  if (all && !update) {
    // Golden files of scenarios or variants that are gone.
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(pc::checker::golden_dir(), ec))
      if (!goldens.count(f.path().filename().string())) {
        fmt::print("not ok: {} pins no catalogue trace any more (remove it)\n", f.path().string());
        ++problems;
      }
  }
  if (update) return 0;
  if (problems == 0)
    fmt::print("ok: {} golden files and hazard pages are fresh\n", names.size() == 1 ? names[0] : "all");
  return problems ? 1 : 0;
}

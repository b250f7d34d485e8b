#include "checker/hazards.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "checker/run.hpp"
#include "model/variants/variants.hpp"

namespace pagecheck::checker {

namespace fs = std::filesystem;

std::string hazards_dir() {
  if (const char* env = std::getenv("PAGECHECK_HAZARDS")) return env;
  return std::string(PAGECHECK_SOURCE_DIR) + "/docs/hazards";
}

std::string golden_dir() {
  return std::string(PAGECHECK_SOURCE_DIR) + "/tests/golden";
}

std::vector<std::string> hazard_pages() {
  std::vector<std::string> v;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(hazards_dir(), ec))
    if (e.path().extension() == ".md" && e.path().stem() != "README") v.push_back(e.path().stem().string());
  std::sort(v.begin(), v.end());
  return v;
}

bool is_race(const model::Scenario& sc) {
  return std::any_of(sc.expect.begin(), sc.expect.end(),
                     [](const model::Expectation& e) { return e.verdict == model::Verdict::Violated; });
}

std::string trace_text(const std::string& scenario, const std::string& variant) {
  CheckRequest req;
  req.scenario = scenario;
  req.variant = variant;
  req.bounds.progress = false;
  CheckOutcome o = run_check(req);
  if (!o.trace) throw InputError(fmt::format("{} on {}: no violation, so no trace", scenario, variant));
  return traces::format_text(*o.trace);
}

std::string golden_path(const std::string& scenario, const std::string& variant) {
  std::string v;
  for (char c : variant) v += c == ' ' ? '_' : c;
  return fmt::format("{}/{}@{}.txt", golden_dir(), scenario, v);
}

namespace {

std::string facts(const std::string& name) {
  model::Scenario sc = model::load_scenario_file(model::resolve_scenario(name));
  std::string s = fmt::format("Scenario `{}` ([scenarios/{}.toml](../../scenarios/{}.toml)): {}.\n\n",
                              sc.name, sc.name, sc.name, sc.summary);
  if (!sc.reference.empty()) s += "Reference: " + sc.reference + ".\n\n";
  s += "| variant | verdict | distinct states (BFS) |\n|---|---|---|\n";
  for (const auto& e : sc.expect)
    s += fmt::format("| `{}` | {} | {} |\n", e.variant_spec, model::verdict_name(e.verdict),
                     e.states ? std::to_string(*e.states) : "-");
  // A fix is a commit whose revert from a variant that holds brings the violation back.
  std::vector<std::string> fixes;
  for (const auto& good : sc.expect) {
    if (good.verdict != model::Verdict::Holds) continue;
    for (const auto& bad : sc.expect) {
      if (bad.verdict != model::Verdict::Violated || !bad.variant_spec.starts_with(good.variant_spec + " -"))
        continue;
      std::string id = bad.variant_spec.substr(good.variant_spec.size() + 2);
      if (id.find(' ') != std::string::npos) continue;
      const model::Commit* c = model::find_commit(id);
      if (!c) continue;
      fixes.push_back(
          fmt::format("**Fixed by** `{}` \"{}\" ({}): `{}` holds, and `{}` (the same kernel without it) "
                      "breaks again.",
                      c->id, c->title, c->release, good.variant_spec, bad.variant_spec));
    }
  }
  if (!fixes.empty()) s += "\n";
  for (const auto& f : fixes) s += f + "\n";
  return s;
}

std::string trace_section(const std::string& name, const std::string& variant) {
  std::string s = fmt::format(
      "`pagecheck check {} --variant {}` prints (minimised; regenerate with "
      "`scripts/update-traces.sh {}`):\n\n```\n",
      name, variant.find(' ') != std::string::npos ? "\"" + variant + "\"" : variant, name);
  return s + trace_text(name, variant) + "```\n";
}

std::string generate(const std::string& args, const std::string& where) {
  std::istringstream in(args);
  std::string kind, name, flag, variant;
  in >> kind >> name;
  if (kind == "facts" && !name.empty()) return facts(name);
  if (kind == "trace" && !name.empty() && (in >> flag) && flag == "--variant") {
    std::getline(in, variant);
    variant.erase(0, variant.find_first_not_of(' '));
    if (!variant.empty()) return trace_section(name, variant);
  }
  throw InputError(
      fmt::format("{}: bad marker '<!-- pagecheck:begin {} -->'; expected 'facts SCENARIO' or "
                  "'trace SCENARIO --variant SPEC'",
                  where, args));
}

}  // namespace

std::string refresh_page(const std::string& text, const std::string& where) {
  const std::string begin = "<!-- pagecheck:begin ", end = "<!-- pagecheck:end -->";
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t b = text.find(begin, pos);
    if (b == std::string::npos) break;
    size_t close = text.find("-->", b);
    size_t e = text.find(end, b);
    if (close == std::string::npos || e == std::string::npos)
      throw InputError(fmt::format("{}: a pagecheck:begin marker without its pagecheck:end", where));
    std::string args = text.substr(b + begin.size(), close - b - begin.size());
    while (!args.empty() && args.back() == ' ') args.pop_back();
    out += text.substr(pos, close + 3 - pos) + "\n" + generate(args, where);
    pos = e;
  }
  return out + text.substr(pos);
}

std::string new_page(const model::Scenario& sc) {
  // The scenario's leading comment explains the race; it is the page's first prose.
  std::string text = read_text_file(sc.file), comment;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("#")) break;
    comment += (line.size() > 2 ? line.substr(2) : std::string()) + "\n";
  }
  std::string variant;
  for (const auto& e : sc.expect)
    if (e.verdict == model::Verdict::Violated && variant.empty()) variant = e.variant_spec;
  std::string page =
      fmt::format("# {}\n\n{}.\n\n<!-- pagecheck:begin facts {} -->\n<!-- pagecheck:end -->\n\n", sc.name,
                  sc.summary, sc.name);
  page += "## What happens\n\n" + (comment.empty() ? sc.description + "\n" : comment) + "\n";
  page += "## The minimal trace\n\n";
  page += fmt::format("<!-- pagecheck:begin trace {} --variant {} -->\n<!-- pagecheck:end -->\n", sc.name,
                      variant);
  return refresh_page(page, sc.name);
}

std::string page_for_terminal(const std::string& name) {
  std::string path = hazards_dir() + "/" + name + ".md";
  if (!fs::exists(path)) {
    std::string known;
    for (const auto& n : hazard_pages()) known += (known.empty() ? "" : ", ") + n;
    throw InputError(fmt::format("no hazard page '{}'; the catalogue has: {}", name, known));
  }
  std::istringstream in(read_text_file(path));
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (!line.starts_with("<!-- pagecheck:")) out += line + "\n";
  return out;
}

}  // namespace pagecheck::checker

// End-to-end: runs the pagecheck binary on one catalogue scenario for every variant its [expect]
// names, and holds it to the expected verdict, exit code and pinned state count; every violation's
// trace is replayed, compared with its golden file, and tampered with. Prints KTAP.
#include <fmt/format.h>
#include <sys/wait.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "checker/hazards.hpp"
#include "model/scenario.hpp"
#include "traces/json.hpp"
#include "traces/trace.hpp"

namespace {

struct Run {
  int code = -1;
  std::string out;
};

Run run(const std::string& cmd) {
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A tampered copy of a trace must be rejected (exit 2) with a message naming what broke.
std::string expect_invalid(const std::string& what, const std::string& path, const std::string& text,
                           const std::string& must_say) {
  write(path, text);
  Run r = run(fmt::format("{} replay {} 2>&1", PAGECHECK_BIN, quote(path)));
  if (r.code != 2)
    return fmt::format(" replay of a trace with {} exited {} (expected 2): {}", what, r.code, r.out);
  if (r.out.find(must_say) == std::string::npos)
    return fmt::format(" replay of a trace with {} does not say '{}': {}", what, must_say, r.out);
  fmt::print("# {}: {}", what, r.out);
  return {};
}

// The trace of a violation: replayed (exit 1), printed exactly as its golden file, and rejected
// when tampered with (a step removed, two swapped, a wrong delta, broken JSON).
std::string check_trace(const std::string& name, const std::string& variant, const std::string& file) {
  std::string why;
  Run r = run(fmt::format("{} replay {} 2>&1", PAGECHECK_BIN, quote(file)));
  if (r.code != 1) why += fmt::format(" replay exited {} (expected 1: reproduced): {}", r.code, r.out);
  Run show = run(fmt::format("{} show {} --format text", PAGECHECK_BIN, quote(file)));
  std::string golden = pagecheck::checker::golden_path(name, variant);
  if (!std::filesystem::exists(golden))
    why += fmt::format(" no golden file {}: run scripts/update-traces.sh {}", golden, name);
  else if (slurp(golden) != show.out)
    why += fmt::format(
        " the trace text differs from {} (if the change is intended: scripts/update-traces.sh {})", golden,
        name);

  auto j = nlohmann::json::parse(slurp(file));
  auto renumber = [](nlohmann::json& t) {
    for (size_t i = 0; i < t["steps"].size(); ++i) t["steps"][i]["n"] = i + 1;
    t["violation"]["step"] = t["steps"].size();
  };
  const std::string tmp = file + ".tampered";
  if (j["steps"].size() >= 2) {  // with one step, dropping it leaves a valid trace that reproduces nothing
    auto t = j;
    t["steps"].erase(0);
    renumber(t);
    why += expect_invalid("its first step removed", tmp, t.dump(1), "step 1");
  }
  if (j["steps"].size() >= 2) {
    auto t = j;
    std::swap(t["steps"][0], t["steps"][1]);
    renumber(t);
    why += expect_invalid("its first two steps swapped", tmp, t.dump(1), "step ");
  }
  {
    // A list change moved to another pfn, its text made to match, in the last step.
    auto t = j;
    pagecheck::model::Layout L(pagecheck::traces::trace_from_json(j, file).geo);
    auto& steps = t["steps"];
    bool done = false;
    for (size_t i = steps.size(); i-- > 0 && !done;)
      for (auto& ev : steps[i]["events"])
        if (ev["kind"] == "delta" &&
            (ev["delta"]["kind"] == "list_add" || ev["delta"]["kind"] == "list_del")) {
          auto& d = ev["delta"];
          d["b"] = (d["b"].get<int>() + 1) % L.nr_pages;
          pagecheck::model::Delta x{d["kind"] == "list_add" ? pagecheck::model::DeltaKind::ListAdd
                                                            : pagecheck::model::DeltaKind::ListDel,
                                    d["a"],
                                    d["b"],
                                    d["c"],
                                    d["old"],
                                    d["new"]};
          d["text"] = pagecheck::traces::format_delta(L, x);
          steps[i].erase("changes");
          why += expect_invalid(fmt::format("a wrong delta in step {}", i + 1), tmp, t.dump(1),
                                fmt::format("step {}", i + 1));
          done = true;
          break;
        }
    // Scenarios beyond the buddy lists (memmap_on_memory) may change no list: any delta will do.
    for (size_t i = steps.size(); i-- > 0 && !done;)
      for (auto& ev : steps[i]["events"])
        if (ev["kind"] == "delta" && ev["delta"]["kind"] != "lock" && ev["delta"]["kind"] != "unlock") {
          auto& d = ev["delta"];
          d["new"] = d["new"].get<int>() + 1;
          pagecheck::model::Delta x{pagecheck::traces::delta_kind_of(d["kind"].get<std::string>()),
                                    d["a"],
                                    d["b"],
                                    d["c"],
                                    d["old"],
                                    d["new"]};
          d["text"] = pagecheck::traces::format_delta(L, x);
          steps[i].erase("changes");
          why += expect_invalid(fmt::format("a wrong delta in step {}", i + 1), tmp, t.dump(1),
                                fmt::format("step {}", i + 1));
          done = true;
          break;
        }
    if (!done) why += " the trace has no change to tamper with";
  }
  {
    // An outcome number that does not match the step's recorded choices.
    auto t = j;
    t["steps"][0]["outcome"] = t["steps"][0]["outcome"].get<int>() + 99;
    why += expect_invalid("a wrong outcome in step 1", tmp, t.dump(1), "\"outcome\" is");
  }
  {
    std::string text = j.dump(1);
    why += expect_invalid("broken JSON", tmp, text.substr(0, text.size() / 2), "not valid JSON");
  }
  return why;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: pagecheck_e2e SCENARIO\n");
    return 2;
  }
  const std::string name = argv[1];
  auto sc = pagecheck::model::load_scenario_file(pagecheck::model::resolve_scenario(name));
  fmt::print("KTAP version 1\n1..{}\n", sc.expect.size());
  if (sc.expect.empty()) {
    fmt::print("# {} has no [expect] entries\n", name);
    return 1;
  }
  int failed = 0, n = 0;
  const auto tmpdir = std::filesystem::temp_directory_path() / fmt::format("pagecheck-e2e-{}", getpid());
  std::filesystem::create_directories(tmpdir);
  for (const auto& e : sc.expect) {
    ++n;
    std::string trace_file = (tmpdir / fmt::format("{}-{}.json", name, n)).string();
    const bool violated = e.verdict == pagecheck::model::Verdict::Violated;
    Run r = run(fmt::format("{} check {} --variant {} --json --no-progress{}", PAGECHECK_BIN, quote(name),
                            quote(e.variant_spec), violated ? " --trace-out " + quote(trace_file) : ""));
    std::string why;
    const char* want = pagecheck::model::verdict_name(e.verdict);
    int want_code = e.verdict == pagecheck::model::Verdict::Holds ? 0 : 1;
    try {
      auto j = nlohmann::json::parse(r.out);
      std::string got = j.at("verdict");
      if (got != want) why += fmt::format(" verdict {} (expected {})", got, want);
      if (r.code != want_code) why += fmt::format(" exit code {} (expected {})", r.code, want_code);
      long states = j.at("stats").at("states");
      if (e.states && states != *e.states) why += fmt::format(" {} states (pinned {})", states, *e.states);
      if (got == "violated" && (!j.contains("trace") || j["trace"]["steps"].empty() ||
                                j["violation"]["message"].get<std::string>().empty()))
        why += " violation without a trace";
      if (got == "violated" && violated) why += check_trace(name, e.variant_spec, trace_file);
      fmt::print("# {} [{}]: {} after {} states\n", name, e.variant_spec, got, states);
    } catch (const std::exception& ex) {
      why += fmt::format(" no JSON result (exit {}): {}", r.code, ex.what());
    }
    if (why.empty()) {
      fmt::print("ok {} {} [{}]\n", n, name, e.variant_spec);
    } else {
      ++failed;
      fmt::print("not ok {} {} [{}] #{}\n", n, name, e.variant_spec, why);
    }
  }
  std::filesystem::remove_all(tmpdir);
  return failed ? 1 : 0;
}

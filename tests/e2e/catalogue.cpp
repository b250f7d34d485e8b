// End-to-end: runs the pagecheck binary on one catalogue scenario for every variant its [expect]
// names, and holds it to the expected verdict, exit code and pinned state count. Prints KTAP.
#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "model/scenario.hpp"

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
  for (const auto& e : sc.expect) {
    ++n;
    Run r = run(fmt::format("{} check {} --variant {} --json --no-progress", PAGECHECK_BIN, quote(name),
                            quote(e.variant_spec)));
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
  return failed ? 1 : 0;
}

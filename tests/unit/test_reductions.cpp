// The explorer's modes against the plain BFS: the same verdict on every catalogue scenario in
// every mode (with --check-footprints), the same terminal states under DPOR, the same states
// under sleep sets, the same counterexample with any number of threads.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "checker/explorer.hpp"
#include "checker/run.hpp"
#include "checker/store.hpp"
#include "checker/symmetry.hpp"
#include "helpers.hpp"
#include "model/kernel/kernel.hpp"

using namespace pagecheck;
using checker::Por;
using checker::SearchOptions;
using checker::Strategy;

namespace {

struct Mode {
  const char* name;
  SearchOptions o;
};

std::vector<Mode> modes() {
  std::vector<Mode> m;
  auto add = [&](const char* name, auto&& set) {
    SearchOptions o;
    o.check_footprints = true;
    set(o);
    m.push_back({name, o});
  };
  add("bfs", [](SearchOptions&) {});
  add("dfs", [](SearchOptions& o) { o.strategy = Strategy::Dfs; });
  add("bfs sleep", [](SearchOptions& o) { o.por = Por::Sleep; });
  add("dfs sleep", [](SearchOptions& o) {
    o.strategy = Strategy::Dfs;
    o.por = Por::Sleep;
  });
  add("dpor", [](SearchOptions& o) {
    o.strategy = Strategy::Dfs;
    o.por = Por::Dpor;
  });
  add("bfs symmetry", [](SearchOptions& o) { o.symmetry = true; });
  add("dfs sleep symmetry", [](SearchOptions& o) {
    o.strategy = Strategy::Dfs;
    o.por = Por::Sleep;
    o.symmetry = true;
  });
  add("bfs 2 threads", [](SearchOptions& o) { o.threads = 2; });
  add("bfs 2 threads sleep symmetry", [](SearchOptions& o) {
    o.threads = 2;
    o.por = Por::Sleep;
    o.symmetry = true;
  });
  add("bfs full states", [](SearchOptions& o) { o.full_states = true; });
  add("dpor full states", [](SearchOptions& o) {
    o.strategy = Strategy::Dfs;
    o.por = Por::Dpor;
    o.full_states = true;
  });
  add("bfs preemption bound 2", [](SearchOptions& o) { o.preemption_bound = 2; });
  add("dfs preemption bound 2", [](SearchOptions& o) {
    o.strategy = Strategy::Dfs;
    o.preemption_bound = 2;
  });
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan+UBSan (./test.sh's second build, about ten times slower) a subset that still
  // runs every search engine once: the full matrix runs in the normal build.
  const std::set<std::string> subset{"bfs", "dpor", "dfs sleep symmetry", "bfs 2 threads sleep symmetry"};
  std::erase_if(m, [&](const Mode& x) { return !subset.count(x.name); });
#endif
  return m;
}

checker::CheckOutcome run(const std::string& scenario, const std::string& variant, const SearchOptions& o) {
  checker::CheckRequest req;
  req.scenario = scenario;
  req.variant = variant;
  req.bounds.progress = false;
  req.search = o;
  return checker::run_check(req);
}

// A scenario file with `cpus` CPUs running the given ops, in an 8-pageblock zone.
std::string scenario(
    const std::string& name, const std::vector<std::string>& ops,
    const std::string& types =
        R"x("MOVABLE","MOVABLE","MOVABLE","MOVABLE","MOVABLE","MOVABLE","UNMOVABLE","UNMOVABLE")x",
    const std::string& free =
        R"({pfn=0,order=2,migratetype="MOVABLE"},{pfn=4,order=2,migratetype="MOVABLE"},{pfn=8,order=2,migratetype="MOVABLE"},{pfn=12,order=2,migratetype="UNMOVABLE"})") {
  std::string t = fmt::format(
      "name = \"{}\"\nsummary = \"test\"\nreference = \"test\"\n[geometry]\npageblock_order = 1\nmax_order = "
      "2\npageblocks = 8\ncpus = {}\n[initial]\npageblock_migratetype = [{}]\nfree = [{}]\n",
      name, ops.size(), types, free);
  for (const auto& o : ops) t += fmt::format("[[cpu]]\nops = [{}]\n", o);
  t += "[check]\nproperties = [\"freelist-hygiene\", \"buddy-structure\", \"free-accounting\", "
       "\"isolate-accounting\", "
       "\"isolation-exclusive\"]\n";
  return test::write_temp(name + ".toml", t);
}

// The terminal states a mode reaches (canonical under symmetry), and its verdict.
std::set<uint64_t> terminal_states(const std::string& file, const std::string& variant,
                                   const SearchOptions& o, model::Verdict* verdict = nullptr,
                                   bool no_properties = false) {
  auto sc = model::load_scenario_file(file);
  if (no_properties) sc.properties.clear();
  auto v = model::resolve_variant(variant);
  model::Layout L(sc.geo);
  model::TransitionSystem ts(L, v.kernel, sc.programs);
  std::vector<std::string> not_applicable;  // [check] properties this variant lacks, set aside as check does
  auto props = no_properties ? props::PropertySet(std::vector<const props::Property*>{})
                             : props::select(sc.properties, v.kernel, "", &not_applicable);
  checker::Explorer ex(ts, model::initial_states(ts, sc), props, o);
  std::vector<uint64_t> out;
  ex.collect_terminal_states(&out);
  checker::Bounds b;
  b.progress = false;
  auto r = ex.check(b);
  if (verdict)
    *verdict = r.verdict;
  else
    CHECK(r.verdict == model::Verdict::Holds);
  return {out.begin(), out.end()};
}

}  // namespace

TEST_CASE("every catalogue scenario: every mode gives the plain BFS's verdict, footprints checked") {
  for (const auto& name : model::catalogue()) {
    auto sc = model::load_scenario_file(model::resolve_scenario(name));
    for (const auto& e : sc.expect) {
      auto base = run(name, e.variant_spec, SearchOptions{});
      REQUIRE(base.result.verdict == e.verdict);
      for (const Mode& m : modes()) {
        INFO(name << " [" << e.variant_spec << "] " << std::string(m.name));
        auto r = run(name, e.variant_spec, m.o);
        if (m.o.preemption_bound >= 0 && base.result.verdict == model::Verdict::Holds)
          CHECK(r.result.verdict != model::Verdict::Violated);  // holds, or incomplete if it left some out
        else
          CHECK(r.result.verdict == base.result.verdict);
        if (base.result.verdict == model::Verdict::Violated && r.result.violation) {
          CHECK(r.trace.has_value());
          CHECK(r.result.violation->property == base.result.violation->property);
        }
        if (m.o.por == Por::Sleep && !m.o.symmetry && base.result.verdict == model::Verdict::Holds)
          CHECK(r.result.stats.states == base.result.stats.states);  // sleep sets visit every state
        CHECK(r.result.stats.footprint_checks > 0);
      }
    }
  }
}

TEST_CASE("BFS: the same states, numbering and counterexample with one thread or two") {
  for (const auto& name : model::catalogue()) {
    auto sc = model::load_scenario_file(model::resolve_scenario(name));
    for (const auto& e : sc.expect) {
      INFO(name << " [" << e.variant_spec << "]");
      SearchOptions two;
      two.threads = 2;
      auto a = run(name, e.variant_spec, SearchOptions{});
      auto b = run(name, e.variant_spec, two);
      CHECK(a.result.verdict == b.result.verdict);
      CHECK(a.result.stats.states == b.result.stats.states);
      CHECK(a.result.initial_index == b.result.initial_index);
      CHECK(a.result.path == b.result.path);
    }
  }
}

TEST_CASE("DPOR reaches exactly the terminal states of the full search, and fewer states") {
  const std::vector<std::vector<std::string>> progs = {
      // three isolations of their own ranges, an allocator and freer of another type
      {R"x("isolate_range(start=0, end=4)", "undo_isolate_range(start=0, end=4)")x",
       R"x("isolate_range(start=4, end=8)", "undo_isolate_range(start=4, end=8)")x",
       R"x("alloc_pages(order=0, migratetype=UNMOVABLE)", "free_pages(pfn=12, order=0)")x"},
      // contended: everyone on the MOVABLE lists
      {R"x("alloc_pages(order=0, migratetype=MOVABLE)", "alloc_pages(order=1, migratetype=MOVABLE)")x",
       R"x("isolate_range(start=2, end=8)", "undo_isolate_range(start=2, end=8)")x",
       R"x("alloc_pages(order=0, migratetype=MOVABLE)")x"},
      // readers only
      {R"x("undo_isolate_range(start=0, end=16)")x", R"x("undo_isolate_range(start=0, end=16)")x",
       R"x("undo_isolate_range(start=0, end=16)")x"},
      // isolations of ranges in use, next to frees and allocations elsewhere
      {R"x("isolate_range(start=0, end=4)", "undo_isolate_range(start=0, end=4)")x",
       R"x("isolate_range(start=4, end=8)", "undo_isolate_range(start=4, end=8)")x",
       R"x("free_pages(pfn=8, order=1)", "alloc_pages(order=0, migratetype=MOVABLE)")x",
       R"x("alloc_pages(order=0, migratetype=UNMOVABLE)", "free_pages(pfn=14, order=0)")x"},
  };
  int k = 0;
  for (const auto& p : progs) {
    const bool in_use = k == 3;  // MOVABLE pages in use, one UNMOVABLE buddy free
    const std::string file =
        in_use
            ? scenario(
                  fmt::format("dpor-{}", k++), p,
                  R"x("MOVABLE","MOVABLE","MOVABLE","MOVABLE","MOVABLE","MOVABLE","UNMOVABLE","UNMOVABLE")x",
                  R"x({pfn=12,order=1,migratetype="UNMOVABLE"})x")
            : scenario(fmt::format("dpor-{}", k++), p);
    for (std::string variant : {"v6.10", "v6.6", "hygiene-v2"}) {
      INFO(file << " " << variant);
      SearchOptions dpor;
      dpor.strategy = Strategy::Dfs;
      dpor.por = Por::Dpor;
      SearchOptions sleep;
      sleep.por = Por::Sleep;
      model::Verdict vf, vd, vs;
      auto full = terminal_states(file, variant, SearchOptions{}, &vf);
      auto reduced = terminal_states(file, variant, dpor, &vd);
      auto slept = terminal_states(file, variant, sleep, &vs);
      CHECK(vd == vf);
      CHECK(vs == vf);
      if (vf != model::Verdict::Holds) continue;
      CHECK(!full.empty());
      CHECK(reduced == full);
      CHECK(slept == full);
      CHECK(run(file, variant, dpor).result.stats.states <= run(file, variant, {}).result.stats.states);
    }
  }
  // readers only: DPOR explores one interleaving
  const std::string readers = scenario("dpor-readers", progs[2]);
  SearchOptions dpor;
  dpor.strategy = Strategy::Dfs;
  dpor.por = Por::Dpor;
  CHECK(run(readers, "v6.10", dpor).result.stats.states * 10 < run(readers, "v6.10", {}).result.stats.states);
}

TEST_CASE("every catalogue scenario: DPOR and sleep sets reach the full search's terminal states") {
  // Beyond verdicts: a reduction that drops a successor (a CPU waiting without a lock, a summary
  // that does not cover a cycle) shows as a missing terminal state. With no properties every
  // search runs to the end, so the scenarios whose kernels break a property count too. The
  // 8646-layout scenario is left to the verdict test above.
  SearchOptions dpor;
  dpor.strategy = Strategy::Dfs;
  dpor.por = Por::Dpor;
  SearchOptions sleep;
  sleep.strategy = Strategy::Dfs;
  sleep.por = Por::Sleep;
  int compared = 0;
  for (const auto& name : model::catalogue()) {
    if (name == "isolate-expand-all-layouts") continue;
    const std::string file = model::resolve_scenario(name);
    auto sc = model::load_scenario_file(file);
    for (const auto& e : sc.expect) {
      INFO(name << " [" << e.variant_spec << "]");
      model::Verdict vf, vd, vs;
      auto full = terminal_states(file, e.variant_spec, SearchOptions{}, &vf, true);
      auto reduced = terminal_states(file, e.variant_spec, dpor, &vd, true);
      auto slept = terminal_states(file, e.variant_spec, sleep, &vs, true);
      CHECK(vd == vf);
      CHECK(vs == vf);
      if (vf != model::Verdict::Holds) continue;  // a deadlock or list corruption ends the search
      CHECK(reduced == full);
      CHECK(slept == full);
      ++compared;
    }
  }
  CHECK(compared >= 100);
}

TEST_CASE("symmetry: identical CPUs are one, the terminal states are the canonical ones of the full search") {
  const std::string file = scenario(
      "sym",
      {R"x("alloc_pages(order=0, migratetype=MOVABLE)", "alloc_pages(order=0, migratetype=MOVABLE)")x",
       R"x("alloc_pages(order=0, migratetype=MOVABLE)", "alloc_pages(order=0, migratetype=MOVABLE)")x",
       R"x("alloc_pages(order=0, migratetype=MOVABLE)", "alloc_pages(order=0, migratetype=MOVABLE)")x"});
  SearchOptions sym;
  sym.symmetry = true;
  auto full = terminal_states(file, "v6.10", SearchOptions{});
  auto reduced = terminal_states(file, "v6.10", sym);
  auto sc = model::load_scenario_file(file);
  auto v = model::resolve_variant("v6.10");
  model::Layout L(sc.geo);
  model::TransitionSystem ts(L, v.kernel, sc.programs);
  checker::Symmetry symmetry(ts);
  CHECK(symmetry.classes().size() == 1);
  // Every terminal state of the full search, canonicalised, by a plain recursive walk.
  std::set<uint64_t> canonical;
  std::vector<uint8_t> scratch(static_cast<size_t>(L.size));
  std::set<std::vector<uint8_t>> seen;
  std::vector<std::vector<uint8_t>> todo;
  for (const auto& st : model::initial_states(ts, sc))
    todo.emplace_back(st.bytes().begin(), st.bytes().end());
  while (!todo.empty()) {
    std::vector<uint8_t> s = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(s).second) continue;
    int n = 0;
    std::vector<uint8_t> buf(static_cast<size_t>(L.size));
    for (int c = 0; c < ts.nr_cpus(); ++c)
      n += ts.for_each_outcome(s, c, buf.data(), nullptr, [&](int, model::StateRef nx, const auto&) {
        todo.emplace_back(nx.bytes().begin(), nx.bytes().end());
      });
    if (n == 0) {
      checker::Perm perm;
      symmetry.canonicalize(s.data(), scratch.data(), perm);
      canonical.insert(model::hash_state(s));
    }
  }
  CHECK(canonical == reduced);
  CHECK(reduced.size() < full.size());
  CHECK(run(file, "v6.10", sym).result.stats.states < run(file, "v6.10", {}).result.stats.states);
}

TEST_CASE("the footprint check catches a step that touches what it does not declare") {
  using namespace model;
  Geometry g = test::geo(1, 2, 2, 2);
  Layout L(g);
  Kernel k = resolve_variant("v6.6").kernel;
  static const ProcDef liar{"liar",
                            "test",
                            0,
                            [](Ctx& c) {
                              (void)c.s.flags(3);  // reads page 3
                              return c.ret();
                            },
                            nullptr,
                            RetKind::Void,
                            [](const Ctx&, Footprint& fp) { fp.read_page(1); }};
  k.procs[P_alloc_pages] = &liar;
  Op op;
  op.proc = P_alloc_pages;
  TransitionSystem ts(L, k, {{op}, {}});
  std::vector<State> init{build_state(ts, test::layout({Mt::MOVABLE, Mt::MOVABLE}, {}))};
  SearchOptions o;
  o.check_footprints = true;
  checker::Explorer ex(ts, init, props::PropertySet(), o);
  checker::Bounds b;
  b.progress = false;
  CHECK_THROWS_WITH_AS(ex.check(b), doctest::Contains("reads page 3"), ModelError);
}

TEST_CASE("options that do not combine are refused") {
  auto bad = [](auto&& set) {
    SearchOptions o;
    set(o);
    checker::CheckRequest req;
    req.scenario = "isolate-expand";
    req.search = o;
    req.bounds.progress = false;
    CHECK_THROWS_AS(checker::run_check(req), InputError);
  };
  bad([](SearchOptions& o) { o.por = Por::Dpor; });  // BFS
  bad([](SearchOptions& o) {
    o.strategy = Strategy::Dfs;
    o.threads = 2;
  });
  bad([](SearchOptions& o) {
    o.por = Por::Sleep;
    o.preemption_bound = 1;
  });
  bad([](SearchOptions& o) {
    o.strategy = Strategy::Foundation;
    o.symmetry = true;
  });
}

TEST_CASE("limits end in incomplete in every search") {
  for (const Mode& m : modes()) {
    INFO(std::string(m.name));
    checker::CheckRequest req;
    req.scenario = "isolate-expand-all-layouts";
    req.variant = "v6.10";
    req.bounds.progress = false;
    req.bounds.max_states = 9000;
    req.search = m.o;
    req.search.check_footprints = false;
    auto r = checker::run_check(req);
    CHECK(r.result.verdict == model::Verdict::Incomplete);
    CHECK(r.result.incomplete_reason.find("--max-states") != std::string::npos);
  }
  checker::CheckRequest req;
  req.scenario = "isolate-expand-all-layouts";
  req.variant = "v6.10";
  req.bounds.progress = false;
  req.bounds.memory_limit_mb = 1;
  CHECK(checker::run_check(req).result.verdict == model::Verdict::Incomplete);
}

TEST_CASE("fingerprint store: lookups, growth, whole states; parent records with escapes") {
  checker::StateStore s(4, false, true, 1024);
  for (uint32_t i = 1; i <= 5000; ++i) {
    s.reserve(1, 1);
    uint64_t fp = uint64_t{i} * 0x9E3779B97F4A7C15ull;
    REQUIRE(s.find(fp, nullptr) < 0);
    s.place(fp, i, nullptr);
  }
  CHECK(s.size() == 5000);
  CHECK(s.load() <= checker::StateStore::kMaxLoad);
  for (uint32_t i = 1; i <= 5000; ++i) {
    int64_t slot = s.find(uint64_t{i} * 0x9E3779B97F4A7C15ull, nullptr);
    REQUIRE(slot >= 0);
    CHECK(s.id_at(slot) == i);
  }
  CHECK(s.find(0, nullptr) < 0);  // fingerprint 0 (stored as 1) is absent
  // Whole states: equal fingerprints, different states, both kept.
  checker::StateStore full(3, true, false, 1024);
  const uint8_t a[3] = {1, 2, 3}, b[3] = {1, 2, 4};
  full.reserve(2, 1);
  full.place(42, 0, a);
  CHECK(full.find(42, a) >= 0);
  CHECK(full.find(42, b) < 0);
  full.place(42, 1, b);
  CHECK(full.id_at(full.find(42, b)) == 1);

  checker::ParentRecords r(true);
  r.append(checker::ParentRecords::kRoot, 0, 0);
  r.append(0, 1, 2);
  r.append(0, 3, 40);    // outcome escapes
  r.append(1000, 2, 1);  // parent delta escapes
  for (uint32_t i = 4; i < 300; ++i) r.append(1000 + i / 3, static_cast<int>(i % 4), static_cast<int>(i % 7));
  CHECK(r.parent(0) == checker::ParentRecords::kRoot);
  CHECK(r.parent(1) == 0);
  CHECK(r.outcome(2) == 40);
  CHECK(r.cpu(2) == 3);
  CHECK(r.parent(3) == 1000);
  for (uint32_t i = 4; i < 300; ++i) {
    CHECK(r.parent(i) == 1000 + i / 3);
    CHECK(r.cpu(i) == static_cast<int>(i % 4));
    CHECK(r.outcome(i) == static_cast<int>(i % 7));
  }
  for (uint32_t i = 300; i < 100000; ++i) r.append(1000 + i / 3, 1, 1);
  CHECK(r.parent(99999) == 1000 + 99999 / 3);
  CHECK(r.bytes() < 100000 * 27 / 10);  // about two bytes a state, and a quarter of slack
}

TEST_CASE("the hugetlb worker beside four CPUs: every mode agrees, symmetry permutes the CPUs only") {
  // Four CPUs and the worker: five threads (Geometry::kMaxThreads). CPU0's folio_put() of a
  // temporary optimized folio defers the free to the worker; CPUs 1-3 run the same program.
  const std::string file = test::write_temp("hugetlb-4cpu.toml", R"x(name = "hugetlb-4cpu"
summary = "test"
reference = "test"
[geometry]
pageblock_order = 1
max_order = 1
pageblocks = 4
cpus = 4
[hugetlb]
order = 1
vmemmap_pages = 1
[initial]
pageblock_migratetype = ["MOVABLE", "MOVABLE", "MOVABLE", "MOVABLE"]
free = [{ pfn = 2, order = 1, migratetype = "MOVABLE" }, { pfn = 4, order = 1, migratetype = "MOVABLE" }]
hugetlb = [{ pfn = 0, state = "in_use", optimized = true, temporary = true }]
[[cpu]]
ops = ["folio_put(pfn=0)"]
[[cpu]]
ops = ["alloc_pages(order=0, migratetype=MOVABLE)"]
[[cpu]]
ops = ["alloc_pages(order=0, migratetype=MOVABLE)"]
[[cpu]]
ops = ["alloc_pages(order=0, migratetype=MOVABLE)"]
[check]
properties = ["hugetlb-pool", "hugetlb-accounting", "buddy-structure", "free-accounting", "pages-conserved"]
)x");
  auto base = run(file, "v6.12", SearchOptions{});
  REQUIRE(base.result.verdict == model::Verdict::Holds);
  for (const Mode& m : modes()) {
    INFO(std::string(m.name));
    auto r = run(file, "v6.12", m.o);
    if (m.o.preemption_bound >= 0)
      CHECK(r.result.verdict != model::Verdict::Violated);
    else
      CHECK(r.result.verdict == model::Verdict::Holds);
    if (m.o.symmetry) CHECK(r.result.stats.states < base.result.stats.states);
    CHECK(r.result.stats.footprint_checks > 0);
  }
}

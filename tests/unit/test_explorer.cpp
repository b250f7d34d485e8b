// The explorer: counts, deadlocks, bounds, and the layouts it starts from.
#include <doctest/doctest.h>

#include "checker/explorer.hpp"
#include "checker/run.hpp"
#include "helpers.hpp"
#include "model/kernel/kernel.hpp"

using namespace pagecheck;
using namespace pagecheck::model;
using pagecheck::test::geo;
using pagecheck::test::layout;

TEST_CASE("isolate-expand: the race on hygiene-v2, a clean sweep on v6.10, same counts every run") {
  checker::CheckRequest req;
  req.scenario = "isolate-expand";
  req.bounds.progress = false;
  req.variant = "hygiene-v2";
  auto bad = checker::run_check(req);
  CHECK(bad.result.verdict == Verdict::Violated);
  REQUIRE(bad.result.violation);
  CHECK(bad.result.violation->property == "freelist-hygiene");
  CHECK(bad.result.violation->pfns == std::vector<int>{2});
  CHECK(bad.result.violation->pageblocks == std::vector<int>{1});
  CHECK(bad.result.path.size() == 2);
  CHECK(bad.result.path[0].cpu == 0);  // set_migratetype_isolate first
  CHECK(bad.result.path[1].cpu == 1);  // then the allocation's expand()
  req.variant = "v6.10";
  auto good = checker::run_check(req);
  CHECK(good.result.verdict == Verdict::Holds);
  auto again = checker::run_check(req);
  CHECK(good.result.stats.states == again.result.stats.states);
  CHECK(good.result.stats.transitions == again.result.stats.transitions);
}

TEST_CASE("bounds end in incomplete, never holds") {
  checker::CheckRequest req;
  req.scenario = "isolate-expand";
  req.variant = "v6.10";
  req.bounds.progress = false;
  req.bounds.max_depth = 2;
  auto r = checker::run_check(req);
  CHECK(r.result.verdict == Verdict::Incomplete);
  CHECK(r.result.incomplete_reason.find("--max-depth 2") != std::string::npos);
  req.bounds.max_depth = -1;
  req.bounds.max_states = 3;
  r = checker::run_check(req);
  CHECK(r.result.verdict == Verdict::Incomplete);
}

namespace {
// A test-only procedure: takes pcp[cpu0]->lock and keeps it.
Flow run_hold(Ctx& c) {
  if (!c.spin_lock(lock_pcp(0))) return Flow::Blocked;
  return c.ret();
}
// Takes and drops the same lock.
Flow run_take(Ctx& c) {
  if (!c.spin_lock(lock_pcp(0))) return Flow::Blocked;
  c.spin_unlock(lock_pcp(0));
  return c.ret();
}
const ProcDef kHold{"hold", "test", 0, run_hold};
const ProcDef kTake{"take", "test", 0, run_take};
}  // namespace

TEST_CASE("a CPU blocked for ever on a lock is a deadlock") {
  Geometry g = geo(1, 2, 2, 2);
  Layout L(g);
  Kernel k;
  fill_baseline(k);
  k.procs[P_alloc_pages] = &kHold;
  k.procs[P_free_pages] = &kTake;
  Op hold;
  hold.proc = P_alloc_pages;
  Op take;
  take.proc = P_free_pages;
  TransitionSystem ts(L, k, {{hold}, {take}});
  std::vector<State> init{build_state(ts, layout({Mt::MOVABLE, Mt::MOVABLE}, {}))};
  checker::Explorer ex(ts, init, props::PropertySet());
  checker::Bounds b;
  b.progress = false;
  auto r = ex.check(b);
  CHECK(r.verdict == Verdict::Violated);
  REQUIRE(r.violation);
  CHECK(r.violation->property == "deadlock-free");
  CHECK(r.path.size() == 1);
  CHECK(r.path[0].cpu == 0);
}

TEST_CASE("every well-formed layout: a 2-block zone of one type has 20") {
  Scenario sc;
  sc.geo = geo(1, 2, 2, 1);
  sc.all_layouts = true;
  sc.layout_migratetypes = {Mt::MOVABLE};
  sc.programs = {{}};
  long n = for_each_layout(sc, [](const MemoryLayout&) {});
  CHECK(n == 20);
  // All of them satisfy the structural properties.
  Layout L(sc.geo);
  auto v = resolve_variant("v6.10");
  TransitionSystem ts(L, v.kernel, sc.programs);
  auto states = initial_states(ts, sc);
  CHECK(states.size() == 20);
  auto ps = props::select({"freelist-hygiene", "buddy-structure", "free-accounting"}, v.kernel, "");
  for (const auto& s : states) CHECK(!ps.check_state(ts, s.ref()));
}

TEST_CASE("layouts with mixed mergeable types are left out where merging would have fused them") {
  Scenario sc;
  sc.geo = geo(1, 2, 2, 1);
  sc.all_layouts = true;
  sc.layout_migratetypes = {Mt::MOVABLE, Mt::UNMOVABLE};
  sc.programs = {{}};
  bool fused_mixed = false;
  for_each_layout(sc, [&](const MemoryLayout& ml) {
    if (ml.pageblock_mt[0] != ml.pageblock_mt[1])
      for (const auto& b : ml.free) fused_mixed = fused_mixed || b.order == 2;
    // both blocks wholly free as two order-1 buddies of different types cannot happen
    if (ml.pageblock_mt[0] != ml.pageblock_mt[1] && ml.free.size() == 2 && ml.free[0].order == 1 &&
        ml.free[1].order == 1)
      fused_mixed = true;
  });
  CHECK(!fused_mixed);
}

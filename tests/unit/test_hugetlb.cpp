// Beyond the buddy core: the hugetlb pool and HVO, the progress check, memory offline with
// hugetlb, memmap_on_memory and alloc_pages_exact.
#include <doctest/doctest.h>

#include "checker/liveness.hpp"
#include "checker/run.hpp"
#include "helpers.hpp"
#include "model/kernel/kernel.hpp"
#include "model/ops.hpp"
#include "traces/json.hpp"
#include "traces/replay.hpp"

using namespace pagecheck;
using namespace pagecheck::model;
using pagecheck::test::geo;
using pagecheck::test::layout;

namespace {

checker::CheckOutcome check(const std::string& scenario, const std::string& variant,
                            std::vector<std::string> props = {}) {
  checker::CheckRequest req;
  req.scenario = scenario;
  req.variant = variant;
  req.properties = std::move(props);
  req.bounds.progress = false;
  req.reduce_scenario = false;
  return checker::run_check(req);
}

// Runs every thread of a one-CPU system to the end, always the first outcome.
void run_to_end(const TransitionSystem& ts, State& s) {
  for (int guard = 0; guard < 1000 && !ts.all_done(s.ref()); ++guard) {
    bool stepped = false;
    for (int t = 0; t < ts.nr_cpus() && !stepped; ++t) {
      if (ts.cpu_done(s.ref(), t)) continue;
      std::vector<int> arity;
      stepped = ts.run_step(s.ref(), t, nullptr, &arity, nullptr, nullptr).status == StepStatus::Ok;
    }
    REQUIRE(stepped);
  }
  REQUIRE(ts.all_done(s.ref()));
}

}  // namespace

TEST_CASE("a geometry without hugetlb or memmap_on_memory lays its state out as before") {
  Geometry g = geo(1, 2, 2, 2);
  Layout plain(g);
  CHECK(plain.nr_threads == 2);
  CHECK(plain.nr_lists == plain.first_hugetlb_list);
  CHECK(plain.lock_hugetlb == -1);
  CHECK(plain.off_cpus == plain.off_locks + plain.nr_locks);  // nothing between the locks and the CPUs
  g.hugetlb_order = 1;
  g.hugetlb_vmemmap_pages = 1;
  Layout huge(g);
  CHECK(huge.nr_threads == 3);  // the free_hpage_work worker
  CHECK(huge.nr_slots == 2);
  CHECK(huge.nr_lists == plain.nr_lists + HL_COUNT);
  CHECK(huge.nr_counters == plain.nr_counters + HC_COUNT);
  CHECK(huge.size > plain.size);
  CHECK(list_name(huge, huge.hugetlb_list(HL_FREELIST)) == "hugepage_freelists[0]");
  CHECK(counter_name(huge, huge.counter_hugetlb(HC_surplus_huge_pages)) == "surplus_huge_pages");
}

TEST_CASE("the initial pool: counters from the folios, pages owned by hugetlb, free folios marked") {
  Geometry g = geo(1, 2, 2, 1);
  g.hugetlb_order = 1;
  g.hugetlb_vmemmap_pages = 1;
  MemoryLayout ml = layout({Mt::MOVABLE, Mt::MOVABLE}, {});
  ml.hugetlb.folios = {{0, false, true, false, {}}, {2, true, false, false, {}}};
  ml.hugetlb.surplus = 1;
  test::Bench b(g, "v6.12", ml);
  CHECK(b.s().counter(b.layout.counter_hugetlb(HC_nr_huge_pages)) == 2);
  CHECK(b.s().counter(b.layout.counter_hugetlb(HC_free_huge_pages)) == 1);
  CHECK(b.s().counter(b.layout.counter_hugetlb(HC_max_huge_pages)) == 1);  // nr - surplus
  CHECK(b.s().owner(0) == OWNER_HUGETLB);
  CHECK(b.s().folio_flags(0) == (FOLIO_hugetlb | FOLIO_freed | FOLIO_vmemmap_optimized));
  CHECK(b.s().folio_ref(1) == 1);
  auto ps = props::select({"hugetlb-pool", "hugetlb-accounting", "hvo-hugetlb-flag", "buddy-structure"},
                          b.variant.kernel, "");
  CHECK(!ps.check_state(b.ts, b.s()));
}

TEST_CASE("scenario files: [hugetlb] is checked and reported with its line") {
  auto text = [](const std::string& extra, const std::string& initial) {
    return "name = \"t\"\n[geometry]\npageblock_order = 1\nmax_order = 1\npageblocks = 2\ncpus = 1\n" +
           extra + "[initial]\npageblock_migratetype = [\"MOVABLE\", \"MOVABLE\"]\n" + initial +
           "[[cpu]]\nops = [\"dissolve_free_hugetlb_folio(pfn=0)\"]\n";
  };
  auto load = [](const std::string& t) { return load_scenario_file(test::write_temp("h.toml", t)); };
  CHECK_NOTHROW(load(text("[hugetlb]\norder = 1\n", "hugetlb = [{ pfn = 0, state = \"free\" }]\n")));
  CHECK_THROWS_WITH_AS(load(text("", "")), doctest::Contains("needs a [hugetlb] section"), InputError);
  CHECK_THROWS_WITH_AS(load(text("[hugetlb]\norder = 1\n", "hugetlb = [{ pfn = 1, state = \"free\" }]\n")),
                       doctest::Contains("not aligned to its order 1"), InputError);
  CHECK_THROWS_WITH_AS(
      load(text("[hugetlb]\norder = 1\n", "hugetlb = [{ pfn = 0, state = \"free\", optimized = true }]\n")),
      doctest::Contains("needs [hugetlb] vmemmap_pages"), InputError);
  CHECK_THROWS_WITH_AS(load(text("[hugetlb]\norder = 2\n", "")), doctest::Contains("hugetlb order must be"),
                       InputError);
  CHECK_THROWS_WITH_AS(load(text("[hugetlb]\norder = 1\nsize = 2\n", "")),
                       doctest::Contains("unknown key 'size'"), InputError);
}

TEST_CASE("7ffddd499ba6: without the freed marker dissolve takes a folio free_huge_folio() is enqueueing") {
  auto bad = check("hugetlb-free-dissolve", "v6.12 -7ffddd499ba6");
  REQUIRE(bad.result.verdict == Verdict::Violated);
  CHECK(bad.result.violation->property == "hugetlb-pool");
  auto good = check("hugetlb-free-dissolve", "v6.12");
  CHECK(good.result.verdict == Verdict::Holds);  // the retry loop is excused: free_huge_folio() can run
}

TEST_CASE("HVO: the free path puts a folio whose vmemmap cannot be restored back as surplus") {
  // On v6.12 every interleaving keeps the pool consistent; some end with the folio back in the pool.
  auto o = check("hugetlb-hvo-free-fail", "v6.12");
  CHECK(o.result.verdict == Verdict::Holds);
  auto r = check("hugetlb-hvo-free-fail", "v6.12 -52ccdde16b65 -32c877191e02");
  REQUIRE(r.result.verdict == Verdict::Violated);
  CHECK(r.result.violation->property == "hvo-hugetlb-flag");
}

TEST_CASE("progress: a loop that waits for an enabled thread is excused, one that nobody can end is not") {
  // offline_pages() retries while the worker has not freed the folio: weakly fair, holds.
  auto wait = check("hugetlb-offline-deferred", "v6.12", {"operations-finish"});
  CHECK(wait.result.verdict == Verdict::Holds);
  // The RFC design: offline_pages() spins in msleep()/retry with every page isolated.
  auto spin = check("hugetlb-offline-last-section", "v6.12 +vmemmap-retry-forever", {"operations-finish"});
  REQUIRE(spin.result.verdict == Verdict::Violated);
  CHECK(spin.result.violation->property == "operations-finish");
  REQUIRE(spin.trace);
  CHECK(spin.trace->loop_start > 0);
  CHECK(spin.trace->loop_start < static_cast<int>(spin.trace->steps.size()));
  // The lasso survives JSON and replays: the cycle comes back to its state.
  auto t2 = traces::trace_from_json(traces::trace_json(*spin.trace), "round trip");
  CHECK(t2.loop_start == spin.trace->loop_start);
  auto rep = traces::replay_trace(t2, "round trip", "");
  CHECK(rep.outcome == traces::ReplayOutcome::Reproduced);
  // The merged design fails cleanly instead.
  auto merged = check("hugetlb-offline-last-section", "v6.12");
  CHECK(merged.result.verdict == Verdict::Holds);
}

namespace {
// Test-only procedures over a shared word (nr_reserved_highatomic): one spins until it is set.
Flow run_spin(Ctx& c) {
  switch (c.pc()) {
    case 0: c.set_pc(1); [[fallthrough]];
    case 1: {
      if (c.must_yield()) return c.yield(1);
      bool set = c.s.counter(Counter::nr_reserved_highatomic) != 0;
      c.unlocked_read();
      if (set) return c.ret();
      return c.yield(2);
    }
    case 2: return c.yield(1);  // cond_resched(); goto retry
    default: throw ModelError("spin: bad pc");
  }
}
Flow run_set(Ctx& c) {
  c.mod_counter(Counter::nr_reserved_highatomic, 1);
  c.unlocked_read();
  return c.ret();
}
const ProcDef kSpin{"spin", "test", 0, run_spin};
const ProcDef kSet{"set", "test", 0, run_set};
}  // namespace

TEST_CASE("progress on a hand-made system: fairness, and the state limit") {
  Geometry g = geo(1, 2, 2, 2);
  Layout L(g);
  Kernel k;
  fill_baseline(k);
  k.procs[P_alloc_pages] = &kSpin;
  k.procs[P_free_pages] = &kSet;
  Op spin, set;
  spin.proc = P_alloc_pages;
  set.proc = P_free_pages;
  MemoryLayout ml = layout({Mt::MOVABLE, Mt::MOVABLE}, {});
  {
    TransitionSystem ts(L, k, {{spin}, {set}});
    std::vector<State> init{build_state(ts, ml)};
    auto r = checker::check_progress(ts, init, -1, 0);
    CHECK(r.result.verdict == Verdict::Holds);  // the setter is enabled throughout and must run
    auto capped = checker::check_progress(ts, init, 2, 0);
    CHECK(capped.result.verdict == Verdict::Incomplete);
    CHECK(capped.result.incomplete_reason.find("whole state graph") != std::string::npos);
  }
  {
    TransitionSystem ts(L, k, {{spin}, {}});
    std::vector<State> init{build_state(ts, ml)};
    auto r = checker::check_progress(ts, init, -1, 0);
    REQUIRE(r.result.verdict == Verdict::Violated);
    CHECK(r.loop_start == 1);  // the first read, then read and retry for ever
    CHECK(r.result.path.size() == 3);
    CHECK(r.result.violation->message.find("cpu0") != std::string::npos);
  }
}

TEST_CASE("offline_pages(..., retries=N) reports the bound through retry-bound") {
  std::string path = test::write_temp("od.toml", R"toml(name = "od"
[geometry]
pageblock_order = 1
max_order = 1
pageblocks = 2
cpus = 1
[hugetlb]
order = 1
vmemmap_pages = 1
[initial]
pageblock_migratetype = ["MOVABLE", "MOVABLE"]
free = [{ pfn = 2, order = 1, migratetype = "MOVABLE" }]
hugetlb = [{ pfn = 0, state = "in_use", optimized = true, temporary = true }]
[[cpu]]
ops = ["folio_put(pfn=0)", "offline_pages(start=0, end=2, retries=1)"]
)toml");
  auto o = check(path, "v6.12", {"retry-bound"});
  REQUIRE(o.result.verdict == Verdict::Violated);
  CHECK(o.result.violation->message.find("offline_pages() retried 1 time ") != std::string::npos);
}

TEST_CASE("memmap_on_memory: the PMD gate decides where the memmap lives") {
  for (int S : {56, 64, 72}) {
    std::string name = "memmap-on-memory-" + std::to_string(S);
    CHECK(check(name, "v6.12").result.verdict == Verdict::Holds);
    CHECK(check(name, "v6.12 +no-pmd-gate").result.verdict == (S == 64 ? Verdict::Holds : Verdict::Violated));
  }
  // Geometry: the memmap of two 128 MiB blocks with a 56-byte struct page spans two PMDs.
  Geometry g = geo(0, 0, 1, 1);
  g.memory_blocks = 2;
  g.struct_page_size = 56;
  CHECK(g.memmap_chunks() == 2);
  g.struct_page_size = 72;
  CHECK(g.memmap_chunks() == 3);
}

TEST_CASE("memmap_on_memory: removing the block whose altmap backs a shared PMD warns") {
  Geometry g = geo(0, 0, 1, 1);
  g.memory_blocks = 2;
  g.struct_page_size = 56;
  g.memmap_force = true;
  Layout L(g);
  auto v = resolve_variant("v6.12 +no-pmd-gate");
  auto op = [&](const std::string& t) { return parse_op(t, g); };
  TransitionSystem ts(L, v.kernel,
                      {{op("add_memory(block=0)"), op("add_memory(block=1)"), op("remove_memory(block=0)")}});
  State s = build_state(ts, layout({Mt::MOVABLE}, {}));
  run_to_end(ts, s);
  CHECK(s.ref().pmd_backing(0) == 0);   // still mapped onto block 0's altmap
  CHECK(s.ref().pmd_users(0) == 0b10);  // for block 1's struct pages
  CHECK(s.ref().block_state(0) == MB_ABSENT);
  auto ps = props::select({"memmap-self-hosted"}, v.kernel, "");
  auto viol = ps.check_state(ts, s.ref());
  REQUIRE(viol);
  CHECK(viol->message.find("removed") != std::string::npos);
}

TEST_CASE("make_alloc_exact(): tail pages to the pcp head before df48a5f7a3bb, to the buddy tail after") {
  Geometry g = geo(3, 3, 2, 1);
  g.pcp_high = 4;
  g.pcp_batch = 1;
  Layout L(g);
  MemoryLayout ml = layout({Mt::UNMOVABLE, Mt::UNMOVABLE}, {{0, 0, Mt::UNMOVABLE}, {8, 3, Mt::UNMOVABLE}});
  for (const char* variant : {"v6.12", "v6.12 -df48a5f7a3bb"}) {
    auto v = resolve_variant(variant);
    TransitionSystem ts(L, v.kernel, {{parse_op("alloc_pages_exact(nr_pages=5)", g)}});
    State s = build_state(ts, ml);
    run_to_end(ts, s);
    CHECK(s.ref().cpu(0)[cpuoff::res_pfn] == 8);
    if (v.kernel.has(F_ALLOC_EXACT_TO_TAIL)) {
      CHECK(s.ref().list_pfns(L.buddy_list(0, Mt::UNMOVABLE)) == std::vector<int>{0, 13});  // 13 at the tail
      CHECK(s.ref().list_pfns(L.buddy_list(1, Mt::UNMOVABLE)) == std::vector<int>{14});
    } else {
      CHECK(s.ref().list_pfns(L.pcp_list(0, 0)) == std::vector<int>{15, 14, 13});  // LIFO
    }
    for (int p = 8; p < 13; ++p) CHECK(s.ref().owner(p) == owner_of_cpu(0));
  }
}

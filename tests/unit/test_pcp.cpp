// The per-cpu page lists: refill, bulk free, the cached type and its check.
#include <doctest/doctest.h>

#include "checker/explorer.hpp"
#include "helpers.hpp"
#include "model/kernel/internal.hpp"
#include "properties/property.hpp"

using namespace pagecheck;
using namespace pagecheck::model;
using pagecheck::test::Bench;
using pagecheck::test::geo;
using pagecheck::test::layout;

namespace {
Geometry pcp_geo(int pb_order, int max_order, int pageblocks, int cpus, int high, int batch) {
  Geometry g = geo(pb_order, max_order, pageblocks, cpus);
  g.pcp_high = high;
  g.pcp_batch = batch;
  return g;
}

struct Checks : Observer {
  std::vector<Observation> seen;
  void observe(Ctx&, const Observation& o) override { seen.push_back(o); }
  int count(Obs k, int check = -1) const {
    int n = 0;
    for (const auto& o : seen) n += o.kind == k && (check < 0 || o.check == check);
    return n;
  }
};
}  // namespace

TEST_CASE("rmqueue_pcplist refills batch pages from the buddy under zone->lock, then takes the head") {
  Bench b(pcp_geo(1, 2, 2, 1, 6, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 2, Mt::MOVABLE}}));
  Ctx c = b.ctx();
  Checks obs;
  c.set_observer(&obs);
  int page = rmqueue_pcplist(c, 0, Mt::MOVABLE, ALLOC_CMA);
  CHECK(page == 0);
  CHECK(obs.count(Obs::AllocFromBuddy) == 2);  // both refilled pages left the buddy
  int list = b.layout.pcp_list(0, order_to_pindex(c, Mt::MOVABLE, 0));
  CHECK(b.s().list_pfns(list) == std::vector<int>{1});
  CHECK(pcp_count(c, 0) == 1);
  CHECK(b.counter(Counter::NR_FREE_PAGES) == 2);  // pfns 2-3 on the buddy, pcp pages not counted
  CHECK(b.s().lock_owner(LOCK_ZONE) == 0);
  CHECK(b.s().lock_owner(lock_pcp(0)) == 0);
}

TEST_CASE("rmqueue_pcplist reports a failed trylock when another CPU holds the pcp lock") {
  Bench b(pcp_geo(1, 2, 2, 2, 6, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 2, Mt::MOVABLE}}));
  b.s().set_lock_owner(lock_pcp(0), owner_of_cpu(1));
  Ctx c = b.ctx(0);
  CHECK(rmqueue_pcplist(c, 0, Mt::MOVABLE, ALLOC_CMA) == kPcpTrylockFailed);
  CHECK(c.must_yield());
  CHECK(b.list(2, Mt::MOVABLE) == std::vector<int>{0});
}

TEST_CASE("free_pcppages_bulk frees from the tail with the cached type <= v6.9, the block's after") {
  for (const char* v : {"v6.6", "v6.10"}) {
    Bench b(pcp_geo(1, 1, 2, 1, 6, 2), v,
            model::MemoryLayout{{Mt::MOVABLE, Mt::UNMOVABLE}, {}, {}, {{0, 2, 0}}, {}});
    // The block of pfn 2 was MOVABLE when the page was freed, UNMOVABLE now (a steal).
    if (std::string(v) == "v6.6") b.s().set_pcpmt(2, static_cast<uint8_t>(Mt::MOVABLE));
    Ctx c = b.ctx();
    b.variant.kernel.fn.free_pcppages_bulk(c, 0, 1, 0);
    CHECK(pcp_count(c, 0) == 0);
    if (std::string(v) == "v6.6")
      CHECK(b.list(0, Mt::MOVABLE) == std::vector<int>{2});  // stale type: wrong list
    else
      CHECK(b.list(0, Mt::UNMOVABLE) == std::vector<int>{2});
  }
}

TEST_CASE(
    "VM_BUG_ON_PAGE(is_migrate_isolate(mt)) in free_pcppages_bulk: V2 1/6 reads the block and keeps it") {
  for (const char* v : {"hygiene-v2", "v6.10"}) {
    Bench b(pcp_geo(1, 1, 2, 1, 6, 2), v,
            model::MemoryLayout{{Mt::MOVABLE, Mt::MOVABLE}, {}, {}, {{0, 2, 0}}, {}});
    Ctx c = b.ctx();
    c.set_pb_bits(1, static_cast<uint8_t>(Mt::ISOLATE));  // isolated while the page sat on the pcp list
    c.mod_counter(Counter::nr_isolate_pageblock, 1);
    Checks obs;
    c.set_observer(&obs);
    b.variant.kernel.fn.free_pcppages_bulk(c, 0, 1, 0);
    CHECK(obs.count(Obs::KernelCheck, KC_PCP_BULK_ISOLATE) == (std::string(v) == "hygiene-v2" ? 1 : 0));
    CHECK(b.list(0, Mt::ISOLATE) == std::vector<int>{2});
  }
}

TEST_CASE("a free to a full pcp list flushes min(batch, high - batch) pages") {
  Bench b(pcp_geo(1, 2, 2, 1, 2, 1), "v6.10",
          model::MemoryLayout{{Mt::MOVABLE, Mt::MOVABLE}, {}, {{2, 0, true}}, {{0, 0, 0}}, {}});
  Ctx c = b.ctx();
  CHECK(free_unref_page_commit_locked(c, 2, 0, Mt::MOVABLE));
  CHECK(pcp_count(c, 0) == 1);  // one of the two went back to the buddy
  CHECK(b.nr_free(0) == 1);
  CHECK(b.s().owner(2) == OWNER_NONE);
}

namespace {
checker::Result explore(const Scenario& sc, const std::string& variant) {
  auto v = resolve_variant(variant);
  auto props = props::select(sc.properties, v.kernel, "");
  Layout L(sc.geo);
  TransitionSystem ts(L, v.kernel, sc.programs);
  checker::Explorer ex(ts, initial_states(ts, sc), props);
  checker::Bounds b;
  b.progress = false;
  return ex.check(b);
}
}  // namespace

// docs/model.md, "Per-cpu pages": same verdicts and counterexample lengths; the pcp path only adds
// intermediate states (a failed refill before rmqueue_buddy(), v6.10's lockless read).
TEST_CASE("the boot pageset (high 0, batch 1) gives the verdicts of the buddy path") {
  for (const char* name :
       {"isolate-expand", "isolate-expand-3block", "isolate-undo-free-merge", "isolate-expand-all-layouts"}) {
    Scenario sc = load_scenario_file(resolve_scenario(name));
    for (const char* v : {"v6.6", "hygiene-v2", "v6.10"}) {
      CAPTURE(name);
      CAPTURE(v);
      auto plain = explore(sc, v);
      Scenario boot = sc;
      boot.geo.pcp_high = 0;
      boot.geo.pcp_batch = 1;
      auto pcp = explore(boot, v);
      CHECK(plain.verdict == pcp.verdict);
      CHECK(plain.stats.states <= pcp.stats.states);
      CHECK(plain.path.size() == pcp.path.size());
    }
  }
}

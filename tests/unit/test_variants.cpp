// Variant specs: commit stacks, --apply and --revert.
#include <doctest/doctest.h>

#include "model/variants/variants.hpp"

using namespace pagecheck;
using namespace pagecheck::model;

TEST_CASE("variants resolve to their commit stacks") {
  auto v = resolve_variant("v6.10");
  CHECK(v.spec == "v6.10");
  CHECK(v.kernel.has(F_ISOLATE_SPLITS_UNDER_LOCK));
  CHECK(v.kernel.has(F_ACCOUNT_FREEPAGES));
  CHECK(v.kernel.has(F_ISOLATE_RECHECK_ON_FREE));
  CHECK(v.kernel.has(F_HIGHATOMIC_MULTIBLOCK));
  auto h = resolve_variant("hygiene-v2");
  CHECK(!h.kernel.has(F_ISOLATE_SPLITS_UNDER_LOCK));
  CHECK(h.kernel.has(F_ACCOUNT_FREEPAGES));
  CHECK(h.kernel.has(F_V2_MERGE_RETYPE_BEFORE_DEL));
  CHECK(h.kernel.has(F_V2_KEEP_PCP_BULK_BUG_ON));
  CHECK(!h.kernel.has(F_MOVE_FREEPAGES_RANGE_FIX));  // V2 4/6 clamps instead
  bool has_split = h.kernel.fn.split_free_page != nullptr;
  CHECK(has_split);
  auto o = resolve_variant("v6.6");
  CHECK(o.stack.size() ==
        7);  // the buddy commits, then df48a5f7a3bb, 7ffddd499ba6, 32c877191e02, d8f5f7e445f0
  CHECK(o.kernel.has(F_HUGETLB_FREED_MARKER));
  CHECK(o.kernel.has(F_HUGETLB_FLAG_BEFORE_OPTIMIZE));
  CHECK(!o.kernel.has(F_HUGETLB_CLEAR_IF_HUGETLB));
  auto v612 = resolve_variant("v6.12");
  CHECK(v612.kernel.has(F_HUGETLB_CLEAR_IF_HUGETLB));
  CHECK(!v612.kernel.has(F_WAIT_FREED_HUGETLB));  // 67bab13307c8 is v6.14
  CHECK(!v612.kernel.has(F_DISSOLVE_ADJUST_SURPLUS));
  CHECK(resolve_variant("v6.15").kernel.has(F_WAIT_FREED_HUGETLB));
  CHECK_THROWS_AS(resolve_variant("v6.12 -32c877191e02"), InputError);  // 52ccdde16b65 needs it
  CHECK(o.baseline->name == "v6.5-core");
  CHECK(o.kernel.has(F_PCP_BYPASS_TRUE_MT));
  CHECK(!o.kernel.has(F_ACCOUNT_FREEPAGES));
  auto f = resolve_variant("v6.5");
  CHECK(!f.kernel.has(F_PCP_BYPASS_TRUE_MT));
  CHECK(f.kernel.has(F_ISOLATE_RECHECK_ON_FREE));
  CHECK(f.kernel.has(F_MERGE_CHECKS_BUDDY_TYPE));
}

TEST_CASE("reverting and applying commits") {
  auto r = resolve_variant("v6.10 -fd919a85cd55");
  CHECK(r.spec == "v6.10 -fd919a85cd55");
  CHECK(!r.kernel.has(F_ISOLATE_SPLITS_UNDER_LOCK));
  auto r2 = resolve_variant("v6.10", {}, {"fd919a8"});  // a unique prefix
  CHECK(r2.spec == "v6.10 -fd919a85cd55");
  auto old = resolve_variant("v6.5", {}, {"ad53f92eb416"});
  CHECK(old.spec == "v6.5 -ad53f92eb416");
  CHECK(!old.kernel.has(F_ISOLATE_RECHECK_ON_FREE));
  auto nomerge = resolve_variant("v6.5 -d9dddbf55667");
  CHECK(!nomerge.kernel.has(F_MERGE_CHECKS_BUDDY_TYPE));
  auto a = resolve_variant("v6.6", {"17edeb5d3f76"});
  CHECK(a.spec == "v6.6 +17edeb5d3f76");
  CHECK(a.kernel.has(F_NO_PCPPAGE_MT_CACHE));
  // fd919a85cd55 alone does not fit on hygiene-v2: it was written on top of c0cd6f557b90.
  CHECK_THROWS_WITH_AS(resolve_variant("hygiene-v2 +fd919a85cd55"), doctest::Contains("c0cd6f557b90"),
                       InputError);
}

TEST_CASE("bad variant specs are refused with a reason") {
  CHECK_THROWS_WITH_AS(resolve_variant("v9.99"), doctest::Contains("unknown variant 'v9.99'"), InputError);
  CHECK_THROWS_WITH_AS(resolve_variant("v6.10 -deadbeef00"), doctest::Contains("unknown commit"), InputError);
  CHECK_THROWS_WITH_AS(resolve_variant("v6.6 -fd919a85cd55"), doctest::Contains("not in v6.6's stack"),
                       InputError);
  CHECK_THROWS_WITH_AS(resolve_variant("v6.10 +fd919a85cd55"), doctest::Contains("already has it"),
                       InputError);
  CHECK_THROWS_WITH_AS(resolve_variant("v6.10 fd919a85cd55"), doctest::Contains("must be +COMMIT or -COMMIT"),
                       InputError);
  // fd919a85cd55 was written on top of f37c0f6876a8.
  CHECK_THROWS_WITH_AS(resolve_variant("v6.10 -f37c0f6876a8"),
                       doctest::Contains("written on top of f37c0f6876a8"), InputError);
  CHECK_THROWS_WITH_AS(resolve_variant(""), doctest::Contains("empty variant spec"), InputError);
}

#include "model/layouts.hpp"
#include "model/scenario.hpp"

TEST_CASE("the worked example of docs/writing-a-variant.md isolates as the mainline fd919a85cd55 does") {
  // Every layout of a 4-block zone, every block: the example's move_freepages_block_isolate()
  // against the mainline model's, both on hygiene-v2 with the example applied.
  Scenario sc = load_scenario_file(resolve_scenario("isolate-expand-all-layouts"));
  auto ex = resolve_variant("hygiene-v2 +example-isolate-split");
  Kernel mainline = ex.kernel;
  mainline.fn.move_freepages_block_isolate = hygiene::move_freepages_block_isolate;
  Layout L(sc.geo);
  std::vector<Program> none(static_cast<size_t>(sc.geo.cpus));
  TransitionSystem ts_ex(L, ex.kernel, none), ts_ml(L, mainline, none);
  long compared = 0;
  for_each_layout(sc, [&](const MemoryLayout& ml) {
    for (int pb = 0; pb < sc.geo.pageblocks; ++pb) {
      State a = build_state(ts_ex, ml), b = build_state(ts_ml, ml);
      Ctx ca(a.ref(), ex.kernel, none, 0), cb(b.ref(), mainline, none, 0);
      bool ra = ex.kernel.fn.move_freepages_block_isolate(ca, pb << sc.geo.pageblock_order, Mt::ISOLATE);
      bool rb = mainline.fn.move_freepages_block_isolate(cb, pb << sc.geo.pageblock_order, Mt::ISOLATE);
      REQUIRE(ra == rb);
      REQUIRE(a == b);
      ++compared;
    }
  });
  CHECK(compared > 1000);
}

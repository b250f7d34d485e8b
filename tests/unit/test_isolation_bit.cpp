// v6.17: isolation as a pageblock bit of its own.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "model/kernel/internal.hpp"

using namespace pagecheck;
using namespace pagecheck::model;
using pagecheck::test::Bench;
using pagecheck::test::geo;
using pagecheck::test::layout;

namespace {
struct Checks : Observer {
  std::vector<int> seen;
  void observe(Ctx&, const Observation& o) override {
    if (o.kind == Obs::KernelCheck) seen.push_back(o.check);
  }
};
}  // namespace

TEST_CASE("isolating and unisolating keeps the block's type with PB_migrate_isolate, not before") {
  for (const char* v : {"v6.10", "v6.17"}) {
    Bench b(geo(1, 2, 2), v, layout({Mt::UNMOVABLE, Mt::MOVABLE}, {{0, 1, Mt::UNMOVABLE}}));
    Ctx c = b.ctx();
    CHECK(b.variant.kernel.fn.set_migratetype_isolate(c, 0, Mt::MOVABLE, 0, 2) == 0);
    CHECK(pageblock_type(b.s(), 0) == Mt::ISOLATE);
    CHECK(b.list(1, Mt::ISOLATE) == std::vector<int>{0});
    Ctx c2 = b.ctx();
    b.variant.kernel.fn.unset_migratetype_isolate(c2, 0, Mt::MOVABLE);
    if (std::string(v) == "v6.17") {
      CHECK(pageblock_type(b.s(), 0) == Mt::UNMOVABLE);  // the kept type
      CHECK(b.list(1, Mt::UNMOVABLE) == std::vector<int>{0});
    } else {
      CHECK(pageblock_type(b.s(), 0) == Mt::MOVABLE);  // the caller's
      CHECK(b.list(1, Mt::MOVABLE) == std::vector<int>{0});
    }
    CHECK(b.counter(Counter::nr_isolate_pageblock) == 0);
  }
}

TEST_CASE("v6.17 warns when a block is isolated twice or retyped while isolated") {
  Bench b(geo(1, 2, 2), "v6.17", layout({Mt::MOVABLE, Mt::MOVABLE}, {}));
  Ctx c = b.ctx();
  Checks obs;
  c.set_observer(&obs);
  CHECK(b.variant.kernel.fn.move_freepages_block_isolate(c, 0, Mt::ISOLATE));
  CHECK(!b.variant.kernel.fn.move_freepages_block_isolate(c, 0, Mt::ISOLATE));
  b.variant.kernel.fn.set_pageblock_migratetype(c, 0, Mt::UNMOVABLE);
  b.variant.kernel.fn.set_pageblock_migratetype(c, 2, Mt::ISOLATE);
  CHECK(obs.seen == std::vector<int>{KC_ISOLATE_STATE, KC_SET_PAGEBLOCK_ISOLATE, KC_SET_PAGEBLOCK_ISOLATE});
  CHECK(pageblock_type(b.s(), 1) == Mt::MOVABLE);  // ISOLATE is refused as a type
}

TEST_CASE("the v6.15 fallback claims a block or steals a single page, never both") {
  // An 8-page MOVABLE block with two free pages and six movable pages in use: not claimable.
  Bench b(geo(3, 3, 1), "v6.15",
          layout({Mt::MOVABLE}, {{1, 0, Mt::MOVABLE}, {2, 0, Mt::MOVABLE}},
                 {{0, 0, true}, {3, 0, true}, {4, 2, true}}));
  Ctx c = b.ctx();
  int page = b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::UNMOVABLE, 0);
  CHECK(page >= 0);
  CHECK(pageblock_type(b.s(), 0) == Mt::MOVABLE);
  CHECK(b.list(0, Mt::MOVABLE).size() == 1);  // the other free page stays where it was
  CHECK(b.list(0, Mt::UNMOVABLE).empty());
}

// __rmqueue beyond the requested lists: CMA balancing, fallback and block stealing, highatomic.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "model/kernel/internal.hpp"

using namespace pagecheck;
using namespace pagecheck::model;
using pagecheck::test::Bench;
using pagecheck::test::geo;
using pagecheck::test::layout;

TEST_CASE("an unmovable allocation claims a mostly free movable block (whole-block steal)") {
  for (const char* v : {"v6.6", "v6.10"}) {
    Bench b(geo(2, 2, 2), v, layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 1, Mt::MOVABLE}, {2, 0, Mt::MOVABLE}}));
    Ctx c = b.ctx();
    int page = b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::UNMOVABLE, 0);
    CHECK(page >= 0);
    CHECK(pageblock_type(b.s(), 0) == Mt::UNMOVABLE);
    CHECK(b.list(1, Mt::MOVABLE).empty());
    CHECK(b.list(0, Mt::MOVABLE).empty());
  }
}

TEST_CASE("v6.6 moves the free pages of a block it then does not claim; c0cd6f557b90 does not") {
  // Block 0 (4 pages): one free page, three movable pages in use. A RECLAIMABLE request may
  // steal whole blocks, but 1 free + 0 alike < 2: the block stays MOVABLE.
  Bench b(geo(2, 2, 2), "v6.6",
          layout({Mt::MOVABLE, Mt::UNMOVABLE}, {{3, 0, Mt::MOVABLE}},
                 {{0, 0, true}, {1, 0, true}, {2, 0, true}}));
  Ctx c = b.ctx();
  int page = b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::RECLAIMABLE, 0);
  CHECK(page == 3);
  CHECK(pageblock_type(b.s(), 0) == Mt::MOVABLE);  // not claimed

  Bench b2(geo(2, 2, 2), "v6.6",
           layout({Mt::MOVABLE, Mt::UNMOVABLE}, {{3, 0, Mt::MOVABLE}, {1, 0, Mt::MOVABLE}},
                  {{0, 0, true}, {2, 0, true}}));
  Ctx c2 = b2.ctx();
  // Order-0 RECLAIMABLE request, order-0 free pages: can steal; 2 free + 0 alike >= 2: claimed.
  b2.variant.kernel.fn.rmqueue_buddy(c2, 0, Mt::RECLAIMABLE, 0);
  CHECK(pageblock_type(b2.s(), 0) == Mt::RECLAIMABLE);
  CHECK(b2.list(0, Mt::RECLAIMABLE).size() == 1);
}

TEST_CASE("v6.6: moved pages of an unclaimed block land on lists that do not match it") {
  // An 8-page MOVABLE block with free pages at pfn 1 and 2 and six movable pages in use.
  Bench b(geo(3, 3, 1), "v6.6",
          layout({Mt::MOVABLE}, {{1, 0, Mt::MOVABLE}, {2, 0, Mt::MOVABLE}},
                 {{0, 0, true}, {3, 0, true}, {4, 2, true}}));
  Ctx c = b.ctx();
  b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::UNMOVABLE, 0);
  // 2 free + (8 - 2 - 6 movable) alike = 2 < 4: not claimed, but pfn 2 was moved.
  CHECK(pageblock_type(b.s(), 0) == Mt::MOVABLE);
  CHECK(b.list(0, Mt::UNMOVABLE).size() == 1);  // a free page of a MOVABLE block on UNMOVABLE

  Bench b10(geo(3, 3, 1), "v6.10",
            layout({Mt::MOVABLE}, {{1, 0, Mt::MOVABLE}, {2, 0, Mt::MOVABLE}},
                   {{0, 0, true}, {3, 0, true}, {4, 2, true}}));
  Ctx c10 = b10.ctx();
  b10.variant.kernel.fn.rmqueue_buddy(c10, 0, Mt::UNMOVABLE, 0);
  CHECK(pageblock_type(b10.s(), 0) == Mt::MOVABLE);
  CHECK(b10.list(0, Mt::UNMOVABLE).empty());
  CHECK(b10.list(0, Mt::MOVABLE).size() == 1);
}

TEST_CASE("movable allocations go to CMA when over half of the free memory is CMA") {
  Bench b(geo(1, 1, 2), "v6.10", layout({Mt::MOVABLE, Mt::CMA}, {{0, 1, Mt::MOVABLE}, {2, 1, Mt::CMA}}));
  CHECK(b.counter(Counter::NR_FREE_CMA_PAGES) == 2);
  Ctx c = b.ctx();
  // 2 > 4 / 2 is false: the MOVABLE list first.
  CHECK(b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::MOVABLE, ALLOC_CMA) == 0);
  // now 2 > 3 / 2: CMA.
  CHECK(b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::MOVABLE, ALLOC_CMA) == 2);
  CHECK(b.counter(Counter::NR_FREE_CMA_PAGES) == 1);
  // An unmovable request never takes CMA pages.
  CHECK(b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::UNMOVABLE, 0) == 1);
  CHECK(b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::UNMOVABLE, 0) == -1);
}

TEST_CASE("the V2 posting's __rmqueue() never falls back for ALLOC_CMA requests") {
  for (const char* v : {"hygiene-v2", "v6.10"}) {
    Bench b(geo(1, 1, 2), v, layout({Mt::UNMOVABLE, Mt::UNMOVABLE}, {{0, 1, Mt::UNMOVABLE}}));
    Ctx c = b.ctx();
    int page = b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::MOVABLE, ALLOC_CMA);
    CHECK((page >= 0) == (std::string(v) == "v6.10"));
  }
}

TEST_CASE("highatomic: reserve a block, count it, and give it back") {
  Geometry g = geo(1, 2, 2);
  g.managed_pages = 400;  // 1% is two pageblocks
  for (const char* v : {"v6.6", "v6.10"}) {
    Bench b(g, v, layout({Mt::MOVABLE, Mt::MOVABLE}, {{2, 1, Mt::MOVABLE}}, {{0, 1, true}}));
    Ctx c = b.ctx();
    CHECK(highatomic_below_limit(c));
    b.variant.kernel.fn.reserve_highatomic_pageblock(c, 0, 1);
    CHECK(pageblock_type(b.s(), 0) == Mt::HIGHATOMIC);
    CHECK(b.counter(Counter::nr_reserved_highatomic) == 2);
    b.s().set_owner(0, OWNER_NONE);
    b.s().set_owner(1, OWNER_NONE);
    b.variant.kernel.fn.__free_one_page(c, 0, 1, Mt::HIGHATOMIC, FPI_NONE);
    CHECK(b.list(1, Mt::HIGHATOMIC) == std::vector<int>{0});
    CHECK(b.variant.kernel.fn.unreserve_highatomic_pageblock(c, Mt::UNMOVABLE, true) > 0);
    CHECK(pageblock_type(b.s(), 0) == Mt::UNMOVABLE);
    CHECK(b.counter(Counter::nr_reserved_highatomic) == 0);
    CHECK(b.list(1, Mt::UNMOVABLE) == std::vector<int>{0});
  }
}

TEST_CASE("the v6.8 limit reserves nothing when 1% of the zone is below a pageblock") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {}));
  Ctx c = b.ctx();
  CHECK(!highatomic_below_limit(c));
  Bench old(geo(1, 2, 2), "v6.6", layout({Mt::MOVABLE, Mt::MOVABLE}, {}));
  Ctx co = old.ctx();
  CHECK(highatomic_below_limit(co));  // v6.1.8: 1% + one pageblock
}

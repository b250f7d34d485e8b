// The buddy allocator functions on hand-made states.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "model/kernel/kernel.hpp"

using namespace pagecheck;
using namespace pagecheck::model;
using pagecheck::test::Bench;
using pagecheck::test::geo;
using pagecheck::test::layout;

TEST_CASE("buddy arithmetic helpers") {
  CHECK(__ffs(4) == 2);
  CHECK(__ffs(6) == 1);
  CHECK(__fls(1) == 0);
  CHECK(__fls(6) == 2);
  Geometry g = geo(1, 2, 4);
  CHECK(g.nr_pages() == 8);
  CHECK(g.pageblock_of(5) == 2);
  CHECK(g.pageblock_start_pfn(5) == 4);
  CHECK(g.validate().empty());
  CHECK(!geo(3, 2, 1).validate().empty());    // pageblock_order above max_order
  CHECK(!geo(1, 2, 100).validate().empty());  // too many pages
}

TEST_CASE("expand puts the upper halves at the head of the lists of the type it is given") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 2, Mt::MOVABLE}}));
  Ctx c = b.ctx();
  int page = b.variant.kernel.fn.__rmqueue_smallest(c, 0, Mt::MOVABLE);
  CHECK(page == 0);
  CHECK(b.list(2, Mt::MOVABLE).empty());
  CHECK(b.list(1, Mt::MOVABLE) == std::vector<int>{2});
  CHECK(b.list(0, Mt::MOVABLE) == std::vector<int>{1});
  CHECK(b.nr_free(2) == 0);
  CHECK(b.nr_free(1) == 1);
  CHECK(b.nr_free(0) == 1);
  CHECK(b.counter(Counter::NR_FREE_PAGES) == 3);  // v6.10 accounts in page_del_and_expand
  CHECK(PageBuddy(c, 2));
  CHECK(buddy_order(c, 2) == 1);
  CHECK(!PageBuddy(c, 0));
}

TEST_CASE("__rmqueue_smallest takes the head of the list, so insertion order decides") {
  Bench b(geo(0, 1, 4), "v6.10",
          layout({Mt::MOVABLE, Mt::MOVABLE, Mt::MOVABLE, Mt::MOVABLE},
                 {{2, 1, Mt::MOVABLE}, {0, 1, Mt::MOVABLE}}));
  CHECK(b.list(1, Mt::MOVABLE) == std::vector<int>{2, 0});
  Ctx c = b.ctx();
  CHECK(b.variant.kernel.fn.__rmqueue_smallest(c, 1, Mt::MOVABLE) == 2);
  CHECK(b.list(1, Mt::MOVABLE) == std::vector<int>{0});
}

TEST_CASE("__free_one_page merges free buddies up to MAX_PAGE_ORDER") {
  Bench b(geo(1, 2, 2), "v6.10",
          layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 1, Mt::MOVABLE}, {3, 0, Mt::MOVABLE}}, {{2, 0, true}}));
  Ctx c = b.ctx();
  b.s().set_owner(2, OWNER_NONE);
  b.variant.kernel.fn.__free_one_page(c, 2, 0, Mt::MOVABLE, FPI_NONE);
  CHECK(b.list(2, Mt::MOVABLE) == std::vector<int>{0});
  CHECK(b.list(1, Mt::MOVABLE).empty());
  CHECK(b.list(0, Mt::MOVABLE).empty());
  CHECK(b.nr_free(2) == 1);
  CHECK(b.counter(Counter::NR_FREE_PAGES) == 4);
}

TEST_CASE("__free_one_page does not merge an isolated block with a normal one at pageblock order") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::ISOLATE, Mt::MOVABLE}, {{0, 1, Mt::ISOLATE}}, {{2, 1, true}}));
  Ctx c = b.ctx();
  b.s().set_owner(2, OWNER_NONE);
  b.s().set_owner(3, OWNER_NONE);
  b.variant.kernel.fn.__free_one_page(c, 2, 1, Mt::MOVABLE, FPI_NONE);
  CHECK(b.list(1, Mt::ISOLATE) == std::vector<int>{0});
  CHECK(b.list(1, Mt::MOVABLE) == std::vector<int>{2});
  CHECK(b.list(2, Mt::MOVABLE).empty());
  CHECK(b.counter(Counter::NR_FREE_PAGES) == 2);  // ISOLATE pages are not counted
}

TEST_CASE("merging compatible blocks fixes the buddy's block type only with e6cf9e1c4cde") {
  for (const char* v : {"v6.10", "v6.10 -e6cf9e1c4cde"}) {
    Bench b(geo(1, 2, 2), v, layout({Mt::UNMOVABLE, Mt::MOVABLE}, {{0, 1, Mt::UNMOVABLE}}, {{2, 1, true}}));
    Ctx c = b.ctx();
    b.s().set_owner(2, OWNER_NONE);
    b.s().set_owner(3, OWNER_NONE);
    b.variant.kernel.fn.__free_one_page(c, 2, 1, Mt::MOVABLE, FPI_NONE);
    CHECK(b.list(2, Mt::MOVABLE) == std::vector<int>{0});
    Mt block0 = pageblock_type(b.s(), 0);
    if (std::string(v) == "v6.10")
      CHECK(block0 == Mt::MOVABLE);
    else
      CHECK(block0 == Mt::UNMOVABLE);  // the pre-hygiene mismatch: an UNMOVABLE block on a MOVABLE buddy
  }
}

TEST_CASE("a freed page goes to the tail when its merged buddy is likely to coalesce (buddy_merge_likely)") {
  // pfn 1 freed: its buddy pfn 0 is allocated, but the order-1 buddy at pfn 2 is free.
  Bench b(geo(2, 3, 2), "v6.10",
          layout({Mt::MOVABLE, Mt::MOVABLE}, {{2, 1, Mt::MOVABLE}, {4, 0, Mt::MOVABLE}},
                 {{0, 0, true}, {1, 0, true}}));
  Ctx c = b.ctx();
  b.s().set_owner(1, OWNER_NONE);
  b.variant.kernel.fn.__free_one_page(c, 1, 0, Mt::MOVABLE, FPI_NONE);
  CHECK(b.list(0, Mt::MOVABLE) == std::vector<int>{4, 1});  // tail
}

TEST_CASE("move_freepages_block moves only buddies whose head lies in the block") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 2, Mt::MOVABLE}}));
  Ctx c = b.ctx();
  int moved = b.variant.kernel.fn.move_freepages_block(c, 2, Mt::MOVABLE, Mt::ISOLATE);
  CHECK(moved == 0);
  CHECK(b.list(2, Mt::MOVABLE) == std::vector<int>{0});  // the straddling buddy stays
  CHECK(pageblock_type(b.s(), 1) == Mt::ISOLATE);        // f37c0f6876a8 sets the type
}

TEST_CASE("move_freepages_block_isolate splits a straddling buddy under the same lock") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 2, Mt::MOVABLE}}));
  Ctx c = b.ctx();
  CHECK(b.variant.kernel.fn.move_freepages_block_isolate(c, 2, Mt::ISOLATE));
  CHECK(b.list(2, Mt::MOVABLE).empty());
  CHECK(b.list(1, Mt::MOVABLE) == std::vector<int>{0});
  CHECK(b.list(1, Mt::ISOLATE) == std::vector<int>{2});
  CHECK(pageblock_type(b.s(), 1) == Mt::ISOLATE);
  CHECK(b.counter(Counter::NR_FREE_PAGES) == 2);
}

TEST_CASE("split_free_page frees each side with its own block's type, and re-validates the buddy") {
  Bench b(geo(1, 2, 2), "hygiene-v2", layout({Mt::MOVABLE, Mt::ISOLATE}, {{0, 2, Mt::MOVABLE}}));
  Ctx c = b.ctx();
  CHECK(b.variant.kernel.fn.split_free_page(c, 0, 1, 2) == -kENOENT);  // wrong order: changed
  CHECK(b.variant.kernel.fn.split_free_page(c, 0, 2, 2) == 0);
  CHECK(b.list(1, Mt::MOVABLE) == std::vector<int>{0});
  CHECK(b.list(1, Mt::ISOLATE) == std::vector<int>{2});
}

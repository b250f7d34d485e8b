// Each property on hand-made good and bad states.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "properties/property.hpp"

using namespace pagecheck;
using namespace pagecheck::model;
using pagecheck::test::Bench;
using pagecheck::test::geo;
using pagecheck::test::layout;

namespace {
std::optional<Violation> check(const char* name, Bench& b) {
  const props::Property* p = props::find(name);
  REQUIRE(p != nullptr);
  return p->check(b.ts, b.s());
}
}  // namespace

TEST_CASE("freelist-hygiene holds on a typed layout and names the page, block and list when broken") {
  Bench b(geo(1, 2, 2), "v6.10",
          layout({Mt::MOVABLE, Mt::UNMOVABLE}, {{0, 1, Mt::MOVABLE}, {2, 1, Mt::UNMOVABLE}}));
  CHECK(!check("freelist-hygiene", b));
  Ctx c = b.ctx();
  c.set_pb_bits(1, static_cast<uint8_t>(Mt::ISOLATE));
  auto v = check("freelist-hygiene", b);
  REQUIRE(v);
  CHECK(v->pfns == std::vector<int>{2});
  CHECK(v->pageblocks == std::vector<int>{1});
  CHECK(v->lists == std::vector<std::string>{"free_list[1][UNMOVABLE]"});
  CHECK(v->message.find("page type is 5, passed migratetype is 0") != std::string::npos);
}

TEST_CASE("freelist-hygiene looks at the head's block, as the kernel's check does") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 2, Mt::MOVABLE}}));
  Ctx c = b.ctx();
  c.set_pb_bits(1, static_cast<uint8_t>(Mt::ISOLATE));  // the tail block of the buddy
  CHECK(!check("freelist-hygiene", b));
}

TEST_CASE("buddy-structure catches order mismatch, misalignment, overlap, lost and doubly held pages") {
  Bench good(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 1, Mt::MOVABLE}}));
  CHECK(!check("buddy-structure", good));

  {  // PageBuddy order differs from the list's order
    Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 1, Mt::MOVABLE}}));
    b.s().set_priv(0, 0);
    auto v = check("buddy-structure", b);
    REQUIRE(v);
    CHECK(v->message.find("buddy_order is 0") != std::string::npos);
  }
  {  // a free page that is also held
    Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 1, Mt::MOVABLE}}));
    b.s().set_owner(1, owner_of_cpu(0));
    auto v = check("buddy-structure", b);
    REQUIRE(v);
    CHECK(v->message.find("free") != std::string::npos);
    CHECK(v->pfns.front() == 1);
  }
  {  // a page nobody holds and no list has
    Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 1, Mt::MOVABLE}}));
    b.s().set_owner(3, OWNER_NONE);
    auto v = check("buddy-structure", b);
    REQUIRE(v);
    CHECK(v->message.find("lost") != std::string::npos);
  }
  {  // overlapping and misaligned buddies
    Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 1, Mt::MOVABLE}}));
    Ctx c = b.ctx();
    c.set_buddy(1, 1);
    b.s().set_owner(1, OWNER_NONE);
    c.list_add(b.layout.buddy_list(1, Mt::MOVABLE), 1);
    auto v = check("buddy-structure", b);
    REQUIRE(v);
    CHECK(v->message.find("not aligned") != std::string::npos);
  }
}

TEST_CASE("free-accounting compares nr_free and NR_FREE_PAGES with the lists, ISOLATE excluded") {
  Bench b(geo(1, 2, 2), "v6.10",
          layout({Mt::ISOLATE, Mt::MOVABLE}, {{0, 1, Mt::ISOLATE}, {2, 1, Mt::MOVABLE}}));
  CHECK(b.counter(Counter::NR_FREE_PAGES) == 2);
  CHECK(!check("free-accounting", b));
  Ctx c = b.ctx();
  c.mod_counter(Counter::NR_FREE_PAGES, 2);
  auto v = check("free-accounting", b);
  REQUIRE(v);
  CHECK(v->message.find("NR_FREE_PAGES is 4 but the free lists hold 2") != std::string::npos);
  c.mod_counter(Counter::NR_FREE_PAGES, -2);
  c.mod_counter(b.layout.counter_nr_free(1), 1);
  REQUIRE(check("free-accounting", b));
}

TEST_CASE("no-isolate-straddle names a free buddy across an isolated and a normal block") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::MOVABLE}, {{0, 2, Mt::MOVABLE}}));
  CHECK(!check("no-isolate-straddle", b));
  Ctx c = b.ctx();
  c.set_pb_bits(1, static_cast<uint8_t>(Mt::ISOLATE));
  auto v = check("no-isolate-straddle", b);
  REQUIRE(v);
  CHECK(v->pageblocks == std::vector<int>{0, 1});
}

TEST_CASE("pcp-accounting and highatomic-accounting compare the counters with lists and blocks") {
  Geometry g = geo(1, 2, 2);
  g.pcp_high = 4;
  g.pcp_batch = 1;
  Bench b(g, "v6.10", model::MemoryLayout{{Mt::HIGHATOMIC, Mt::MOVABLE}, {}, {}, {{0, 2, 0}}, {}});
  CHECK(!check("pcp-accounting", b));
  CHECK(!check("highatomic-accounting", b));
  CHECK(b.counter(Counter::nr_reserved_highatomic) == 2);
  Ctx c = b.ctx();
  c.mod_counter(b.layout.counter_pcp_count(0), 1);
  CHECK(check("pcp-accounting", b));
  c.set_pb_bits(0, static_cast<uint8_t>(Mt::MOVABLE));
  auto v = check("highatomic-accounting", b);
  REQUIRE(v);
  CHECK(v->message.find("nr_reserved_highatomic is 2 but 0 pageblocks") != std::string::npos);
}

TEST_CASE("isolate-accounting counts isolated pageblocks") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::ISOLATE, Mt::MOVABLE}, {}));
  CHECK(!check("isolate-accounting", b));
  Ctx c = b.ctx();
  c.set_pb_bits(1, static_cast<uint8_t>(Mt::ISOLATE));
  CHECK(check("isolate-accounting", b));
}

TEST_CASE("isolation-exclusive fires when an allocation takes a page of an isolated block") {
  Bench b(geo(1, 2, 2), "v6.10", layout({Mt::MOVABLE, Mt::ISOLATE}, {{2, 1, Mt::MOVABLE}}));
  props::PropertySet ps({props::find("isolation-exclusive")});
  Ctx c = b.ctx();
  c.set_observer(&ps);
  b.variant.kernel.fn.rmqueue_buddy(c, 0, Mt::MOVABLE, ALLOC_CMA);
  REQUIRE(c.raised());
  CHECK(c.raised()->property == "isolation-exclusive");
  CHECK(c.raised()->pageblocks == std::vector<int>{1});
}

TEST_CASE("property selection rejects unknown names with the known ones listed") {
  auto v = resolve_variant("v6.10");
  CHECK_THROWS_WITH_AS(props::select({"no-such-property"}, v.kernel, "x: "),
                       doctest::Contains("unknown property 'no-such-property'"), InputError);
  size_t applicable = 0;
  for (const auto& p : props::registry()) applicable += p.applies(v.kernel);
  CHECK(props::select({}, v.kernel, "").all().size() == applicable);
  CHECK(applicable < props::registry().size());  // bug-pcp-bulk-isolate is gone in v6.10
  // A scenario's list may name properties of other kernels: they are set aside, not refused.
  std::vector<std::string> na;
  auto set = props::select({"freelist-hygiene", "bug-pcp-bulk-isolate"}, v.kernel, "x: ", &na);
  CHECK(set.all().size() == 1);
  CHECK(na == std::vector<std::string>{"bug-pcp-bulk-isolate"});
  CHECK_THROWS_WITH_AS(props::select({"bug-pcp-bulk-isolate"}, v.kernel, "x: "),
                       doctest::Contains("does not apply"), InputError);
}

// Scenario files: what they accept, and the one-line errors they give for bad input.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "model/ops.hpp"
#include "model/scenario.hpp"

using namespace pagecheck;
using namespace pagecheck::model;
using pagecheck::test::write_temp;

namespace {
const char* kGood = R"TOML(name = "t"
summary = "s"
[geometry]
pageblock_order = 1
max_order = 2
pageblocks = 2
cpus = 2
[initial]
pageblock_migratetype = ["MOVABLE", "UNMOVABLE"]
free = [{ pfn = 0, order = 1, migratetype = "MOVABLE" }]
allocated = [{ pfn = 2, order = 1, movable = false }]
[[cpu]]
ops = ["isolate_range(start=0, end=2)"]
[[cpu]]
ops = ["alloc_pages(order=1, migratetype=UNMOVABLE)", "free_pages(pfn=2, order=1)"]
[check]
properties = ["freelist-hygiene"]
[expect]
"v6.10" = "holds"
"hygiene-v2" = { verdict = "violated", states = 7 }
)TOML";

// Replaces the first occurrence of `from` in the good scenario and expects an error containing `want`.
void expect_error(const std::string& from, const std::string& to, const std::string& want) {
  std::string text = kGood;
  auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  text.replace(pos, from.size(), to);
  std::string path = write_temp("bad.toml", text);
  CAPTURE(from);
  CHECK_THROWS_WITH_AS(load_scenario_file(path), doctest::Contains(want.c_str()), InputError);
}
}  // namespace

TEST_CASE("a well-formed scenario loads") {
  Scenario sc = load_scenario_file(write_temp("good.toml", kGood));
  CHECK(sc.name == "t");
  CHECK(sc.geo.nr_pages() == 4);
  CHECK(sc.free.size() == 1);
  CHECK(sc.allocated.size() == 1);
  CHECK(!sc.allocated[0].movable);
  REQUIRE(sc.programs.size() == 2);
  CHECK(sc.programs[1].size() == 2);
  CHECK(op_arg(sc.programs[1][1], "pfn") == 2);
  REQUIRE(sc.expect.size() == 2);
  CHECK(sc.expect[1].variant_spec == "hygiene-v2");
  CHECK(sc.expect[1].verdict == Verdict::Violated);
  CHECK(sc.expect[1].states == 7);
}

TEST_CASE("bad scenarios give file:line and what was expected") {
  expect_error("pageblocks = 2", "pageblocks = 0", "geometry.pageblocks must be in 1..");
  expect_error("max_order = 2", "max_order = 0", "max_order must be pageblock_order..");
  expect_error("cpus = 2", "cpus = 3", "geometry.cpus is 3 but there are 2 [[cpu]] sections");
  expect_error("\"MOVABLE\", \"UNMOVABLE\"]", "\"MOVABLE\"]", "needs 2 entries");
  expect_error("{ pfn = 0, order = 1,", "{ pfn = 1, order = 1,", "not aligned to its order 1");
  expect_error("{ pfn = 0, order = 1,", "{ pfn = 9, order = 0,", "outside the zone");
  expect_error("{ pfn = 2, order = 1, movable", "{ pfn = 0, order = 0, movable", "overlaps another entry");
  expect_error("migratetype = \"MOVABLE\" }", "migratetype = \"UNMOVABLE\" }",
               "a well-formed layout keeps free lists typed");
  expect_error("migratetype = \"MOVABLE\" }", "migratetype = \"SQUISHY\" }", "must be a migratetype");
  expect_error("alloc_pages(order=1,", "alloc_pages(order=5,", "exceeds MAX_PAGE_ORDER");
  expect_error("alloc_pages(order=1,", "grab_pages(order=1,", "unknown operation 'grab_pages'");
  expect_error("free_pages(pfn=2, order=1)", "free_pages(order=1)", "missing argument 'pfn'");
  expect_error("isolate_range(start=0, end=2)", "isolate_range(start=1, end=2)", "pageblock aligned");
  expect_error("\"v6.10\" = \"holds\"", "\"v6.10\" = \"maybe\"", "must be \"holds\" or \"violated\"");
  expect_error("summary = \"s\"", "sumary = \"s\"", "unknown key 'sumary'");
  expect_error("[check]", "[check", "");  // a TOML syntax error still names the file and line
}

TEST_CASE("errors name the file and the line") {
  std::string text = kGood;
  text.replace(text.find("order = 1, migratetype"), 9, "order = 7");
  std::string path = write_temp("line.toml", text);
  try {
    load_scenario_file(path);
    FAIL("expected an error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).rfind(path + ":10: ", 0) == 0);
  }
}

TEST_CASE("free buddies that would have merged are rejected") {
  std::string text = kGood;
  text.replace(text.find("free = [{ pfn = 0, order = 1, migratetype = \"MOVABLE\" }]"),
               std::string("free = [{ pfn = 0, order = 1, migratetype = \"MOVABLE\" }]").size(),
               "free = [{ pfn = 0, order = 0, migratetype = \"MOVABLE\" }, { pfn = 1, order = 0, migratetype "
               "= \"MOVABLE\" }]");
  CHECK_THROWS_WITH_AS(load_scenario_file(write_temp("merge.toml", text)),
                       doctest::Contains("would have merged"), InputError);
}

TEST_CASE("unknown scenario names list the catalogue") {
  CHECK_THROWS_WITH_AS(resolve_scenario("no-such-scenario"), doctest::Contains("isolate-expand"), InputError);
  CHECK_THROWS_WITH_AS(resolve_scenario("/nonexistent/x.toml"), doctest::Contains("no such scenario file"),
                       InputError);
}

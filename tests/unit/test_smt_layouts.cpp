// The symbolic layouts and the explicit layouts = "all" enumeration are one definition: for small
// geometries, Z3's models of the layout constraints (enumerated with blocking clauses) are
// exactly the states the enumeration builds, as many and state for state.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>

#include "checker/smt/encoder.hpp"
#include "helpers.hpp"
#include "model/layouts.hpp"
#include "model/ops.hpp"

using namespace pagecheck;
using model::Mt;

namespace {

struct Case {
  int pb_order, max_order, pageblocks;
  std::vector<Mt> types;
  std::vector<std::string> ops;  // CPU0's operations (a free_pages fixes pages allocated)
  std::string variant = "v6.10";
};

void agree(const Case& k) {
  model::Scenario sc;
  sc.geo = test::geo(k.pb_order, k.max_order, k.pageblocks, 1);
  sc.all_layouts = true;
  sc.layout_migratetypes = k.types;
  model::Program prog;
  for (const auto& o : k.ops) prog.push_back(model::parse_op(o, sc.geo));
  sc.programs = {prog};
  auto var = model::resolve_variant(k.variant);
  model::Layout layout(sc.geo);
  model::TransitionSystem ts(layout, var.kernel, sc.programs);

  std::set<std::vector<uint8_t>> explicit_states;
  long enumerated = model::for_each_layout(sc, [&](const model::MemoryLayout& ml) {
    auto s = model::build_state(ts, ml);
    explicit_states.emplace(s.bytes().begin(), s.bytes().end());
  });

  z3::context c;
  smt::Encoder enc(c, ts, var.spec, {});
  z3::solver solver(c);
  smt::SymState s0 = smt::fresh_state(c, enc.S, "s0");
  solver.add(enc.layouts(s0, k.types));
  long models = 0;
  std::set<std::vector<uint8_t>> smt_states;
  while (solver.check() == z3::sat) {
    REQUIRE(models < 100000);
    const std::vector<int> v = smt::model_values(solver.get_model(), s0);
    model::State st = smt::to_state(enc.S, v, enc.k);
    smt_states.emplace(st.bytes().begin(), st.bytes().end());
    ++models;
    // Block this layout (the state variables determine it).
    z3::expr other = c.bool_val(false);
    for (size_t i = 0; i < v.size(); ++i)
      other = smt::lor(other,
                       smt::ne(s0[static_cast<int>(i)], smt::num(c, v[i], enc.S.width(static_cast<int>(i)))));
    solver.add(other);
  }
  INFO(fmt::format("{} with types {}: {} layouts enumerated, {} Z3 models", sc.geo.describe(), k.types.size(),
                   enumerated, models));
  CHECK(models == enumerated);
  CHECK(smt_states.size() == static_cast<size_t>(models));  // distinct models are distinct states
  CHECK(smt_states == explicit_states);
}

}  // namespace

TEST_CASE("symbolic layouts: the same layouts as layouts = \"all\", counted and compared state by state") {
  agree({0, 1, 2, {Mt::MOVABLE}, {"alloc_pages(order=0)"}});
  agree({0, 1, 2, {Mt::MOVABLE, Mt::UNMOVABLE}, {"alloc_pages(order=0)"}});
  agree({1, 2, 2, {Mt::UNMOVABLE, Mt::MOVABLE, Mt::RECLAIMABLE}, {"alloc_pages(order=0)"}});
  agree({1, 2, 2, {Mt::MOVABLE, Mt::CMA, Mt::HIGHATOMIC}, {"free_pages(pfn=2, order=1)"}});
  agree({0, 2, 4, {Mt::MOVABLE, Mt::UNMOVABLE}, {"isolate_range(start=1, end=3)"}});
  agree({1, 2, 3, {Mt::MOVABLE, Mt::UNMOVABLE}, {"free_pages(pfn=0, order=0)", "alloc_pages(order=1)"}});
  agree({1, 1, 3, {Mt::MOVABLE, Mt::UNMOVABLE}, {"alloc_pages(order=0)"}});
  // Counters that exist only from some commit on: nr_isolate_pageblock (ad53f92eb416),
  // nr_free_highatomic (v6.12's account_freepages()).
  agree({1, 2, 2, {Mt::MOVABLE, Mt::ISOLATE}, {"alloc_pages(order=0)"}, "v6.5 -ad53f92eb416"});
  agree(
      {1, 2, 2, {Mt::MOVABLE, Mt::ISOLATE, Mt::HIGHATOMIC}, {"alloc_pages(order=0)"}, "v6.10 +c928807f6f6b"});
}

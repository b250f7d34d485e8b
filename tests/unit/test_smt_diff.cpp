// The differential test that holds the SMT encoding to the explicit model: random geometries,
// variants (commit stacks), layouts and programs; random walks through the explicit model; at
// every state, for every CPU that can step, Z3 must accept exactly the successor the explicit
// step computes and reject any other, and the event and state properties must agree.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <random>

#include "checker/smt/encoder.hpp"
#include "helpers.hpp"
#include "model/layouts.hpp"
#include "model/ops.hpp"
#include "properties/smt/smt.hpp"

using namespace pagecheck;
using model::Mt;

namespace {

constexpr Mt kAllTypes[] = {Mt::UNMOVABLE,  Mt::MOVABLE, Mt::RECLAIMABLE,
                            Mt::HIGHATOMIC, Mt::CMA,     Mt::ISOLATE};
constexpr const char* kOpTypes[] = {"UNMOVABLE", "MOVABLE", "RECLAIMABLE", "HIGHATOMIC", "CMA"};

struct Rng {
  std::mt19937 g;
  int operator()(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); }
  bool chance(int percent) { return (*this)(1, 100) <= percent; }
};

model::Geometry random_geometry(Rng& r, bool small) {
  model::Geometry g;
  do {
    g.pageblock_order = r(0, 2);
    g.max_order = std::min(g.pageblock_order + r(0, 2), 3);
    g.pageblocks = r(1, 4);
    g.cpus = r(1, small ? 2 : 3);
  } while (g.nr_pages() > (small ? 8 : 16));
  return g;
}

// A commit stack: a variant, possibly with commits reverted or applied; retried until the
// stack keeps every commit's prerequisites.
model::ResolvedVariant random_variant(Rng& r) {
  static const char* bases[] = {"v6.5", "v6.6", "hygiene-v2", "v6.10", "v6.12"};
  for (;;) {
    std::string spec = bases[r(0, 4)];
    if (r.chance(40)) {
      const auto& all = model::commits();
      const auto& c = all[static_cast<size_t>(r(0, static_cast<int>(all.size()) - 1))];
      auto stack = model::resolve_variant(spec).stack;
      bool has = std::find(stack.begin(), stack.end(), &c) != stack.end();
      spec += (has ? " -" : " +") + std::string(c.id);
    }
    try {
      return model::resolve_variant(spec);
    } catch (const InputError&) {
    }
  }
}

// A layout the explicit loader could describe: buddies aligned, inside the zone, over blocks of
// their list's type; the rest allocated in aligned runs of random orders.
void split(Rng& r, const model::Geometry& g, const std::vector<Mt>& types, int pfn, int order,
           model::MemoryLayout& ml) {
  if (pfn >= g.nr_pages()) return;
  const int n = 1 << order;
  bool uniform = pfn + n <= g.nr_pages();
  for (int p = pfn; uniform && p < pfn + n; p += g.pageblock_nr_pages())
    uniform =
        types[static_cast<size_t>(g.pageblock_of(p))] == types[static_cast<size_t>(g.pageblock_of(pfn))];
  if (uniform && r.chance(order == 0 ? 45 : 30)) {
    ml.free.push_back({pfn, order, types[static_cast<size_t>(g.pageblock_of(pfn))]});
    return;
  }
  if (uniform && r.chance(order == 0 ? 100 : 20)) {
    ml.allocated.push_back({pfn, order, r.chance(50)});
    return;
  }
  split(r, g, types, pfn, order - 1, ml);
  split(r, g, types, pfn + n / 2, order - 1, ml);
}

model::MemoryLayout random_layout(Rng& r, const model::Geometry& g) {
  model::MemoryLayout ml;
  for (int b = 0; b < g.pageblocks; ++b)
    ml.pageblock_mt.push_back(r.chance(60) ? (r.chance(50) ? Mt::MOVABLE : Mt::UNMOVABLE)
                                           : kAllTypes[static_cast<size_t>(r(0, 5))]);
  for (int pfn = 0; pfn < g.nr_pages(); pfn += g.max_order_nr_pages())
    split(r, g, ml.pageblock_mt, pfn, g.max_order, ml);
  // Free lists in a random order (build_state appends in this order).
  std::shuffle(ml.free.begin(), ml.free.end(), r.g);
  return ml;
}

model::Program random_program(Rng& r, const model::Geometry& g, const model::MemoryLayout& ml, bool small) {
  model::Program prog;
  const int pb = g.pageblock_nr_pages(), nb = g.pageblocks;
  const int n = small ? r(1, 2) : r(2, 5);
  for (int i = 0; i < n; ++i) {
    std::string text;
    switch (r(0, 3)) {
      case 0:
        text = fmt::format("alloc_pages(order={}, migratetype={})", r(0, g.max_order),
                           r.chance(60) ? "MOVABLE" : kOpTypes[r(0, 2)]);  // gfp_migratetype()
        break;
      case 1: {
        int pfn, order;
        if (!ml.allocated.empty() && r.chance(70)) {
          const auto& a = ml.allocated[static_cast<size_t>(r(0, static_cast<int>(ml.allocated.size()) - 1))];
          pfn = a.pfn, order = a.order;
        } else {
          order = r(0, g.max_order);
          while ((1 << order) > g.nr_pages()) --order;
          pfn = r(0, g.nr_pages() / (1 << order) - 1) << order;
        }
        text = fmt::format("free_pages(pfn={}, order={})", pfn, order);
        break;
      }
      default: {
        int a = r(0, nb - 1), b = r(a + 1, nb);
        text = fmt::format("{}(start={}, end={}, migratetype={})",
                           r.chance(75) ? "isolate_range" : "undo_isolate_range", a * pb, b * pb,
                           r.chance(70) ? "MOVABLE" : kOpTypes[r(0, 4)]);
      }
    }
    try {
      prog.push_back(model::parse_op(text, g));
    } catch (const InputError&) {
      // an argument the operation does not take (e.g. an isolation migratetype): draw again
    }
  }
  if (prog.empty()) prog.push_back(model::parse_op("alloc_pages(order=0)", g));
  return prog;
}

std::vector<const props::Property*> smt_properties(const model::Kernel& k) {
  std::vector<const props::Property*> v;
  for (const auto& p : props::registry())
    if (p.applies(k) && smt::find_smt(p.name)) v.push_back(&p);
  return v;
}

struct Tally {
  long pairs = 0, walks = 0, raised = 0, model_errors = 0, fallbacks = 0, refused = 0;
};

// The explicit __rmqueue_fallback(), wrapped to count the steps that run it (the encoder is built
// before the wrapper is installed, so it encodes the real one).
int (*g_fallback)(model::Ctx&, int, Mt, int) = nullptr;
bool g_fallback_ran = false;
int fallback_spy(model::Ctx& c, int order, Mt mt, int flags) {
  g_fallback_ran = true;
  return g_fallback(c, order, mt, flags);
}

// One (state, cpu) pair: the explicit step against the encoding.
void check_pair(z3::context& c, z3::solver& solver, const smt::Encoder& enc, model::StateRef s, int cpu,
                bool via_configs, Tally& tally, const std::string& where) {
  const model::TransitionSystem& ts = enc.ts;
  props::PropertySet ps(enc.props);
  model::State next(ts.layout(), s.bytes());
  std::vector<int> arity;
  model::StepResult r;
  g_fallback_ran = false;
  try {
    r = ts.run_step(next.ref(), cpu, nullptr, &arity, nullptr, &ps);
  } catch (const ModelError&) {
    ++tally.model_errors;  // a state the explicit model itself refuses to step from
    return;
  }
  const bool fallback = g_fallback_ran;
  REQUIRE_MESSAGE(r.status == model::StepStatus::Ok, where);
  REQUIRE_MESSAGE(arity.empty(), where);
  ++tally.pairs;

  const std::vector<int> vals = smt::values_of(enc.S, s, enc.k);
  const smt::SymState pre = smt::const_state(c, enc.S, vals);
  smt::StepEnc st{c.bool_val(true), pre, {}, c.bool_val(false)};
  if (via_configs) {
    // The step relation as BMC and k-induction use it: over the control states the encoder
    // explored, selected by their guards.
    st = enc.step(pre, cpu, std::numeric_limits<int>::max());
    REQUIRE_MESSAGE(st.enabled.is_true(), where << " no explored control state matches");
  } else {
    // The step from the state's own control state (every local concrete).
    auto paths = enc.paths(pre, cpu, smt::ctrl_of(enc.S, vals, cpu));
    REQUIRE_MESSAGE(paths.size() == 1, where);
    REQUIRE_MESSAGE(paths.front().cond.is_true(), where);
    st.next = paths.front().next;
    st.viol = paths.front().viol;
    st.unsup = paths.front().unsup;
  }
  // The encoding models every path these steps take (an "unsupported path" flag would mean it
  // gave up on one).
  CHECK_MESSAGE(st.unsup.is_false(), where << " encoding flags an unsupported path");
  if (fallback) ++tally.fallbacks;
  // Z3 accepts the explicit successor and rejects every other.
  const std::vector<int> want = smt::values_of(enc.S, next.ref(), enc.k);
  smt::SymState post = smt::fresh_state(c, enc.S, "post");
  solver.push();
  solver.add(smt::states_equal(post, st.next));
  // Positions encode the order of each list; the explicit state only has the order, so the
  // comparison goes through it: the successor's values, linked as the explicit state links them.
  z3::check_result first = solver.check();
  REQUIRE_MESSAGE(first == z3::sat, where);
  const std::vector<int> got = smt::model_values(solver.get_model(), post);
  const model::State got_state = smt::to_state(enc.S, got, enc.k);
  if (!(got_state == next)) {
    std::string diff;
    const auto gv = smt::values_of(enc.S, got_state.ref(), enc.k);
    for (size_t i = 0; i < gv.size(); ++i)
      if (gv[i] != want[i])
        diff += fmt::format(" {}: explicit {}, SMT {};", enc.S.name(static_cast<int>(i)), want[i], gv[i]);
    FAIL_CHECK(where << " successor differs:" << diff);
  }
  // Nothing else: every value other than the successor's is rejected.
  z3::expr other = c.bool_val(false);
  for (size_t i = 0; i < got.size(); ++i)
    other = smt::lor(
        other, smt::ne(post[static_cast<int>(i)], smt::num(c, got[i], enc.S.width(static_cast<int>(i)))));
  solver.add(other);
  CHECK_MESSAGE(solver.check() == z3::unsat, where);
  solver.pop();

  // Event properties: the explicit step raises one exactly when the encoding says so.
  std::vector<std::string> fired;
  for (size_t i = 0; i < st.viol.size(); ++i) {
    z3::expr f = st.viol[i];
    REQUIRE_MESSAGE((f.is_true() || f.is_false()), where);
    if (f.is_true()) fired.emplace_back(enc.event_props[i]->name);
  }
  if (r.raised) {
    ++tally.raised;
    CHECK_MESSAGE(std::find(fired.begin(), fired.end(), r.raised->property) != fired.end(),
                  where << " explicit raises " << r.raised->property);
  } else {
    CHECK_MESSAGE(fired.empty(), where << " encoding raises " << (fired.empty() ? "" : fired.front()));
  }
  // State properties on the successor.
  const smt::SymState succ = smt::const_state(c, enc.S, got);
  smt::SymView view(succ);
  for (const props::Property* p : enc.props) {
    const smt::SmtProperty* f = smt::find_smt(p->name);
    if (!p->check || !f->holds) continue;
    z3::expr holds = f->holds(view);
    REQUIRE_MESSAGE((holds.is_true() || holds.is_false()), where);
    CHECK_MESSAGE(holds.is_true() == !p->check(ts, next.ref()).has_value(), where << " property " << p->name);
  }
}

}  // namespace

TEST_CASE("SMT encoding and explicit model: the same successor on random (state, step) pairs") {
  Rng rng{std::mt19937(20240320)};
  Tally tally;
  z3::context shared;
#ifdef __SANITIZE_ADDRESS__
  const long kPairs = 600;  // the sanitizer build looks for memory errors; the normal build covers more
#else
  const long kPairs = 2500;
#endif
  int round = 0;
  while (tally.pairs < kPairs) {
    ++round;
    // Every sixth walk, on a small geometry, also goes through the encoder's explored control
    // states (the step relation as BMC and k-induction use it). The exploration is symbolic and
    // costs, and Z3 4.8 frees the terms it leaves slowly (so those walks get a context each);
    // the other walks step from each state's own control state.
    const bool via_configs = round % 6 == 1;
    model::Geometry g = random_geometry(rng, via_configs);
    model::ResolvedVariant var = random_variant(rng);
    model::MemoryLayout ml = random_layout(rng, g);
    std::vector<model::Program> programs;
    for (int cpu = 0; cpu < g.cpus; ++cpu) programs.push_back(random_program(rng, g, ml, via_configs));
    model::Layout layout(g);
    model::TransitionSystem ts(layout, var.kernel, programs);
    model::State s = model::build_state(ts, ml);
    std::optional<z3::context> own;
    if (via_configs) own.emplace();
    z3::context& c = via_configs ? *own : shared;
    z3::solver solver(c);
    std::optional<smt::Encoder> encoder;
    try {
      encoder.emplace(c, ts, var.spec, smt_properties(var.kernel));
    } catch (const InputError&) {
      ++tally.refused;  // a commit the SMT engine refuses (it says so up front)
      continue;
    }
    const smt::Encoder& enc = *encoder;
    g_fallback = var.kernel.fn.__rmqueue_fallback;
    var.kernel.fn.__rmqueue_fallback = fallback_spy;  // ts runs the kernel by reference
    ++tally.walks;
    for (int step = 0; step < 80 && !ts.all_done(s.ref()); ++step) {
      std::vector<int> ready;
      for (int cpu = 0; cpu < g.cpus; ++cpu) {
        if (ts.cpu_done(s.ref(), cpu)) continue;
        ready.push_back(cpu);
        check_pair(c, solver, enc, s.ref(), cpu, via_configs, tally,
                   fmt::format("round {} ({}, {}) step {} cpu{}", round, var.spec, g.describe(), step, cpu));
      }
      const int cpu = ready[static_cast<size_t>(rng(0, static_cast<int>(ready.size()) - 1))];
      std::vector<int> arity;
      try {
        ts.run_step(s.ref(), cpu, nullptr, &arity, nullptr, nullptr);
      } catch (const ModelError&) {
        break;
      }
    }
  }
  MESSAGE(fmt::format(
      "{} (state, step) pairs over {} random walks, {} raising a property, {} running the "
      "fallback path, {} the explicit model refused; {} variants the SMT engine "
      "refused",
      tally.pairs, tally.walks, tally.raised, tally.fallbacks, tally.model_errors, tally.refused));
  CHECK(tally.raised > 0);
  CHECK(tally.fallbacks > 0);
}

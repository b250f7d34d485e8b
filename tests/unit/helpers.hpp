// Test helpers: hand-made states and a context to run kernel functions on them directly.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/layouts.hpp"
#include "model/system.hpp"
#include "model/variants/variants.hpp"

namespace pagecheck::test {

// A zone, a variant's kernel and a state built from a layout, with a Ctx on CPU 0.
struct Bench {
  Bench(model::Geometry g, const std::string& variant, const model::MemoryLayout& ml)
      : layout(g),
        variant(model::resolve_variant(variant)),
        programs(static_cast<size_t>(g.cpus)),
        ts(layout, this->variant.kernel, programs),
        state(model::build_state(ts, ml)) {}

  model::Ctx ctx(int cpu = 0) { return model::Ctx(state.ref(), variant.kernel, ts.programs(), cpu); }
  model::StateRef s() { return state.ref(); }
  std::vector<int> list(int order, model::Mt mt) { return s().list_pfns(layout.buddy_list(order, mt)); }
  int counter(model::Counter c) { return s().counter(c); }
  int nr_free(int order) { return s().counter(layout.counter_nr_free(order)); }

  model::Layout layout;
  model::ResolvedVariant variant;
  std::vector<model::Program> programs;
  model::TransitionSystem ts;
  model::State state;
};

inline model::Geometry geo(int pb_order, int max_order, int pageblocks, int cpus = 1) {
  model::Geometry g;
  g.pageblock_order = pb_order;
  g.max_order = max_order;
  g.pageblocks = pageblocks;
  g.cpus = cpus;
  return g;
}

inline model::MemoryLayout layout(std::vector<model::Mt> pbs, std::vector<model::FreeBuddy> free,
                                  std::vector<model::Allocation> alloc = {}) {
  return model::MemoryLayout{std::move(pbs), std::move(free), std::move(alloc), {}, {}};
}

// Writes a scenario file into a temporary directory and returns its path.
std::string write_temp(const std::string& name, const std::string& text);

}  // namespace pagecheck::test

// Minimising a counterexample: the explorer's BFS already gives the fewest steps; among the
// traces of that length this finds one with the fewest preemptions (CHESS's measure), and
// delta debugging shrinks the scenario itself while the same property still breaks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checker/engine.hpp"
#include "model/layouts.hpp"
#include "model/scenario.hpp"
#include "model/system.hpp"
#include "model/variants/variants.hpp"
#include "traces/trace.hpp"

namespace pagecheck::checker {

struct FewestPreemptions {
  bool found = false;
  int initial_index = -1;
  std::vector<PathStep> path;
  model::Violation violation;
  int preemptions = 0;
  long states = 0;   // states of the shortest-path graph it built
  std::string note;  // why it gave up, when it did
};

// Among the counterexamples of exactly `steps` steps that break `property`, one with the fewest
// preemptions: a 0/1-weighted shortest path (Boost.Graph Dijkstra) over (state, last CPU) pairs
// of the breadth-first graph, where a step costs 1 when it switches away from a CPU that could
// have gone on. Gives up (found = false, note) past `max_states` states.
FewestPreemptions fewest_preemptions(const model::TransitionSystem& ts,
                                     const std::vector<model::State>& initial, const std::string& property,
                                     int steps, long max_states = 1'000'000);

// The properties a search for `property` needs: that one alone (none for deadlock-free, which
// every search checks).
props::PropertySet only_property(const std::string& property, const model::Kernel& k);

// Delta debugging over the scenario: fix the counterexample's initial layout, then drop CPUs,
// operations, pageblocks and free pages (or halves of free buddies) one at a time while
// `property` still breaks on `variant`, until nothing more can go.
traces::ScenarioReduction reduce_scenario(const model::Scenario& sc, const model::MemoryLayout& initial,
                                          int initial_count, const model::ResolvedVariant& variant,
                                          const std::string& property, int max_checks = 400);

}  // namespace pagecheck::checker

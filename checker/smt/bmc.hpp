// Bounded model checking with Z3: the scenario's initial states (every well-formed layout at
// once, for layouts = "all") unrolled depth by depth, the scheduler a free choice of CPU per
// step. A satisfying model is turned into a concrete layout and schedule, replayed on the
// explicit model (which must reproduce every state and the violation), and returned as the same
// checker::Result the explicit engine gives, so the trace pipeline is shared. The search ends
// with "holds" only when no execution is longer than the depth reached.
#pragma once

#include <optional>
#include <string>

#include "checker/engine.hpp"
#include "checker/smt/options.hpp"
#include "model/layouts.hpp"
#include "model/system.hpp"
#include "properties/property.hpp"

namespace pagecheck::smt {

class Encoder;
class Worker;
struct InitSpec;

class SmtEngine : public checker::Engine {
 public:
  SmtEngine(const model::Scenario& sc, const model::TransitionSystem& ts, props::PropertySet props,
            std::string variant, SmtOptions opt);
  checker::Result check(const checker::Bounds& bounds) override;
  // The concrete initial state of the counterexample (after a violation).
  const std::optional<model::State>& counterexample_initial() const { return cex_initial_; }
  const SmtStats& stats() const { return stats_; }
  // How many explicit initial layouts the counterexample's index counts among (1 where the
  // enumeration of layouts = "all" is too large to place it).
  int initial_count() const { return initial_count_; }

 private:
  const model::Scenario& sc_;
  const model::TransitionSystem& ts_;
  props::PropertySet props_;
  std::string variant_;
  SmtOptions opt_;
  SmtStats stats_;
  std::optional<model::State> cex_initial_;
  int initial_count_ = 1;
  int unsupported_depth_ = -1;  // the first step at which an unencoded path is reachable
};

// What Exec::unsupported() marks, in words (for the "incomplete" verdicts).
inline constexpr const char* kUnsupportedPaths =
    "the fallback allocation path (__rmqueue_fallback(): the requested type's free lists are empty)";

// The initial condition of a scenario for the encoder: its explicit layout, or every layout
// (layouts = "all", or `all_layouts` for a scenario with an explicit one, over UNMOVABLE,
// MOVABLE and RECLAIMABLE pageblocks).
InitSpec init_spec(const model::Scenario& sc, const Encoder& enc, bool all_layouts);

// The layout a state of a scenario starts from, as build_state() takes it.
model::MemoryLayout layout_of(const model::Scenario& sc, const model::TransitionSystem& ts,
                              model::StateRef s);

// Replays (initial state, schedule) on the explicit model, checking that each step is enabled
// and gives the state the encoding computed (`expected`, one per step, may be empty), and
// returns the violation the explicit model reports at the end (nullopt if none). Throws
// ModelError naming the first step and variable where the two disagree.
std::optional<model::Violation> replay_explicit(const Encoder& enc, const model::State& initial,
                                                const std::vector<int>& cpus,
                                                const std::vector<std::vector<int>>& expected,
                                                props::PropertySet& props,
                                                model::State* final_state = nullptr);

// The index of a state among the scenario's explicit initial states (the enumeration order of
// layouts = "all"), or -1 (not one of them, or too many pages to enumerate).
int initial_index_of(const model::Scenario& sc, const model::TransitionSystem& ts, const model::State& s);

}  // namespace pagecheck::smt

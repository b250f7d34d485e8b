// The progress check ("every operation can finish"): builds the explicit reachable state graph of
// a small scenario, with every edge labelled by the thread that took it, and looks for a
// strongly connected component that a weakly fair scheduler may stay in forever while some
// thread never finishes its operation. docs/design.md, "Progress".
//
// Weak fairness: a thread that is enabled in every state of a cycle must take a step in it. A
// thread waiting for another one (dissolve_free_hugetlb_folio()'s "goto retry" while
// free_huge_folio() is about to enqueue, offline_pages() retrying while the worker has not run)
// is therefore excused: the cycle it spins in is not fair unless the other thread moves too. A
// deadlock (no thread enabled, some not finished) is the explorer's "deadlock-free" violation.
//
// The graph is built here, not taken from the explorer, so no reduction of the explorer can make
// it unsound; past the state limit the check stops and says so (incomplete), never "holds".
#pragma once

#include <vector>

#include "checker/engine.hpp"
#include "model/system.hpp"

namespace pagecheck::checker {

inline constexpr long kLivenessDefaultStates = 500'000;

struct LivenessResult {
  Result result;        // Holds, Violated (path = prefix + one fair round of the cycle), Incomplete
  int loop_start = -1;  // index in result.path where the cycle starts
};

// `max_states` < 0: kLivenessDefaultStates.
LivenessResult check_progress(const model::TransitionSystem& ts, const std::vector<model::State>& initial,
                              long max_states, double time_limit);

}  // namespace pagecheck::checker

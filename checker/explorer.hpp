// The explicit-state explorer: breadth first (level-synchronous, parallel) or depth first over
// the interleavings of the CPUs' steps, storing 64-bit fingerprints (or whole states) of the
// canonical states, with the reductions of SearchOptions. docs/design.md, "The explorer".
#pragma once

#include <vector>

#include "checker/engine.hpp"
#include "model/system.hpp"
#include "properties/property.hpp"

namespace pagecheck::checker {

class Explorer : public Engine {
 public:
  Explorer(const model::TransitionSystem& ts, std::vector<model::State> initial, props::PropertySet props,
           SearchOptions options = {});
  Result check(const Bounds& bounds) override;

  // Tests: collect the fingerprints of the terminal states (every CPU done, or a deadlock)
  // the search reaches, in the store's canonical form.
  void collect_terminal_states(std::vector<uint64_t>* out) { terminal_out_ = out; }

  // Throws InputError when the options do not combine (one line naming them).
  static void validate(const SearchOptions& o);

 private:
  const model::TransitionSystem& ts_;
  std::vector<model::State> initial_;
  props::PropertySet props_;
  SearchOptions opt_;
  std::vector<uint64_t>* terminal_out_ = nullptr;
};

}  // namespace pagecheck::checker

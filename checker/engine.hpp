// The engine contract (Pono style): an engine checks a transition system within bounds and
// returns a Result. Engines never decide exit codes; checker/cli does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/machine.hpp"
#include "model/scenario.hpp"

namespace pagecheck::checker {

using model::Verdict;

struct Bounds {
  long max_depth = -1;       // -1: none
  long max_states = -1;      // distinct states
  double time_limit = 0;     // seconds; 0: none
  long memory_limit_mb = 0;  // 0: none
  bool progress = true;      // progress lines on stderr for long runs
};

struct Stats {
  long initial_states = 0;
  long states = 0;          // distinct states stored
  long transitions = 0;     // steps executed (successors generated)
  long max_depth = 0;       // deepest BFS level reached
  long complete_depth = 0;  // deepest level explored completely
  double seconds = 0;
  long memory_bytes = 0;  // what the state store and queues held at their peak
};

// One transition of a counterexample: which CPU stepped, and which of its outcomes.
struct PathStep {
  int cpu = 0;
  int outcome = 0;
  bool operator==(const PathStep&) const = default;
};

struct Result {
  Verdict verdict = Verdict::Holds;
  Stats stats;
  std::optional<model::Violation> violation;
  int initial_index = -1;         // which initial state the counterexample starts from
  std::vector<PathStep> path;     // the counterexample's steps
  std::string incomplete_reason;  // what bound stopped the search
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual Result check(const Bounds& bounds) = 0;
};

}  // namespace pagecheck::checker

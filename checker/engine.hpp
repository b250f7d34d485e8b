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

// How the explicit explorer searches (docs/design.md, "The explorer").
enum class Strategy : uint8_t {
  Bfs,         // level-synchronous breadth first: shortest counterexamples; parallel with threads > 1
  Dfs,         // depth first (the only order --por dpor runs in)
  Foundation,  // the foundation's sequential BFS, kept as the benchmark baseline
};
enum class Por : uint8_t {
  None,   // every interleaving
  Sleep,  // sleep sets: every state, fewer transitions
  Dpor,   // dynamic partial-order reduction from declared footprints: fewer states
};
const char* strategy_name(Strategy s);
const char* por_name(Por p);

struct SearchOptions {
  Strategy strategy = Strategy::Bfs;
  Por por = Por::None;
  int threads = 1;
  bool symmetry = false;          // CPUs with identical programs are interchangeable
  int preemption_bound = -1;      // -1: none
  bool full_states = false;       // store whole states instead of 64-bit fingerprints
  bool check_footprints = false;  // verify every executed step against its declared footprint
};

struct Stats {
  long initial_states = 0;
  long states = 0;          // distinct states stored
  long transitions = 0;     // steps executed (successors generated)
  long max_depth = 0;       // deepest BFS level reached (DFS: deepest stack)
  long complete_depth = 0;  // deepest level explored completely
  double seconds = 0;
  long memory_bytes = 0;  // what the state store and queues held at their peak
  long store_bytes = 0;   // what the state store (table and parent records) holds at the end
  // Probability that a fingerprint collision hid a state (0 with full states), TLC's
  // "calculated (optimistic)" estimate d * (g - d) / 2^64: each of the g - d generated states
  // found in the store could have been a false match against any of the d fingerprints.
  double collision_probability = 0;
  long revisits = 0;          // sleep sets / preemption bound: states explored again
  long pruned = 0;            // transitions left out by sleep sets, DPOR or the preemption bound
  long footprint_checks = 0;  // steps verified by --check-footprints
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

// Ctrl-C: the CLI's SIGINT handler sets this; engines poll it and stop with an incomplete verdict.
void request_interrupt();
bool interrupt_requested();
void clear_interrupt();

}  // namespace pagecheck::checker

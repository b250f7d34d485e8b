// Internals shared by the explorer's searches (bfs.cpp, dfs.cpp, dpor.cpp): the set-up of one
// run, its limits, and the expansion of one state into its successors.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checker/engine.hpp"
#include "checker/footprints.hpp"
#include "checker/progress.hpp"
#include "checker/store.hpp"
#include "checker/symmetry.hpp"
#include "model/system.hpp"
#include "properties/property.hpp"

namespace pagecheck::checker {

using Mask = uint8_t;  // a set of CPUs
inline constexpr Mask kAllCpus = 0xFF;

// Per-state data of the reductions, 16 bits: the sleep set (sleep), or the fewest preemptions
// a state was reached with and the CPUs that made its last step with that many (preemption
// bound).
inline uint16_t pb_aux(int k, Mask last) {
  return static_cast<uint16_t>(k | last << 8);
}
inline int pb_k(uint16_t aux) {
  return aux & 0xFF;
}
inline Mask pb_last(uint16_t aux) {
  return static_cast<Mask>(aux >> 8);
}

// Everything one run shares, read-only while it runs.
struct Setup {
  Setup(const model::TransitionSystem& ts, const std::vector<model::State>& initial,
        props::PropertySet& props, const SearchOptions& opt, const Bounds& bounds);
  const model::TransitionSystem& ts;
  const model::Layout& L;
  size_t S;  // state bytes
  int cpus;
  const std::vector<model::State>& initial;
  props::PropertySet& props;
  SearchOptions opt;
  Bounds bounds;
  StepFootprints footprints;
  Symmetry symmetry;
  bool sym;       // symmetry requested and some CPUs are interchangeable
  bool sleep;     // --por sleep
  bool pb;        // --preemption-bound
  bool need_aux;  // per-state reduction data
};

// Limits, interrupts and progress: polled by every thread, decided once.
class Control {
 public:
  Control(const Bounds& b);
  double elapsed() const;
  // Stops the search with an incomplete verdict (the first reason wins).
  void stop(std::string why);
  bool stopped() const { return stop_.load(std::memory_order_relaxed); }
  std::string reason() const;
  // Polls time, memory and Ctrl-C; returns stopped().
  bool poll(long memory_bytes);
  bool memory_over(long bytes) const { return limit_ > 0 && bytes > limit_; }
  long memory_limit() const { return limit_; }
  void note_memory(long bytes);
  long peak_memory() const { return peak_.load(std::memory_order_relaxed); }
  Progress& progress() { return progress_; }

 private:
  const Bounds& b_;
  std::chrono::steady_clock::time_point t0_;
  long limit_;
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_{0};
  mutable std::mutex mu_;
  std::string reason_;
  Progress progress_;
};

// One successor of an expansion.
struct Succ {
  int cpu = 0;
  int outcome = 0;
  uint64_t fp = 0;
  uint32_t off = 0;  // its bytes in Expander::buf
  int raised = -1;   // index in Expander::raised, or -1
  Perm perm{};       // where canonicalisation sent each CPU
};

// Expands states one at a time; one per thread.
class Expander {
 public:
  explicit Expander(const Setup& su);
  // Runs the next step of every CPU in `todo` at s (every outcome), canonicalises and hashes
  // the successors. Returns the CPUs whose step is enabled (of those in `todo`). With
  // generate == false only enabledness is computed.
  Mask expand(std::span<const uint8_t> s, Mask todo, bool generate = true);
  std::vector<Succ> succs;
  std::vector<uint8_t> buf;
  std::vector<model::Violation> raised;
  const uint8_t* bytes(const Succ& x) const { return buf.data() + x.off; }
  // Canonicalises an initial state in place.
  uint64_t canonical_root(uint8_t* s, Perm& perm);
  // Footprints of every CPU's next step at s (widened by the properties).
  void footprints(std::span<const uint8_t> s, Mask cpus, std::vector<model::Footprint>& out);
  std::vector<uint8_t> scratch, scratch2, scratch3;
  long footprint_checks = 0;

 private:
  void check_symmetry(std::span<const uint8_t> s);
  const Setup& su_;
  FootprintLog log_, fnlog_;
};

// Which CPUs of s have finished their programs.
Mask done_cpus(const model::Layout& L, std::span<const uint8_t> s);

// The Result of a violation: property text and the path.
struct Found {
  model::Violation violation;
  int initial_index = -1;
  std::vector<PathStep> path;
};

// A new state: the state and end-state properties; a violation, or nothing.
std::optional<model::Violation> check_new_state(const Setup& su, std::span<const uint8_t> s);
model::Violation deadlock_violation();

}  // namespace pagecheck::checker

namespace pagecheck::checker {

// The reductions' data of every successor of the last expansion (ex.succs), in the
// successor's canonical numbering: its sleep set (sleep), or its preemption count and last
// CPU (preemption bound); skip[i] when the bound leaves successor i out. `aux` is the expanded
// state's data, `enabled` the CPUs enabled there. Returns the number left out.
long annotate(const Setup& su, Expander& ex, std::span<const uint8_t> s, Mask enabled, uint16_t aux,
              std::vector<uint16_t>& out, std::vector<uint8_t>& skip, std::vector<model::Footprint>& fps);

// Preemption-bound data: does `stored` make an arrival with `arrival` redundant, and the two
// merged (the fewest preemptions, and every last CPU that reaches that).
bool pb_dominated(uint16_t stored, uint16_t arrival);
uint16_t pb_merge(uint16_t stored, uint16_t arrival);

// Sleep sets: an arrival with sleep set z at a state stored with sleep set stored must explore
// the CPUs asleep before but awake now.
inline Mask sleep_todo(uint16_t stored, uint16_t z) {
  return static_cast<Mask>(stored & ~z & 0xFF);
}

// The state number a key names, in BFS: (position in the level, cpu, outcome).
inline uint64_t make_key(uint64_t pos, int cpu, int outcome) {
  if (outcome >= 4096) throw ModelError("a step has more than 4096 outcomes");
  return pos << 16 | static_cast<uint64_t>(cpu) << 12 | static_cast<uint64_t>(outcome);
}
inline uint64_t key_pos(uint64_t key) {
  return key >> 16;
}
inline int key_cpu(uint64_t key) {
  return static_cast<int>(key >> 12 & 0xF);
}
inline int key_outcome(uint64_t key) {
  return static_cast<int>(key & 0xFFF);
}
inline constexpr uint64_t kDeadlockStep = 0xFFFF;

}  // namespace pagecheck::checker

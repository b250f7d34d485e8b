// Symmetry between CPUs that run identical programs: such CPUs are interchangeable, so the
// explorer stores one representative per class of states that differ only by a permutation of
// them (Ip and Dill's scalarset reduction). The canonical representative sorts each class's
// CPUs by what they hold: their call stack, the pages they own, their pcp lists and counts and
// the locks they hold.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/system.hpp"

namespace pagecheck::checker {

using Perm =
    std::array<int8_t, model::Geometry::kMaxThreads>;  // perm[c]: thread c's new number (the worker stays)

class Symmetry {
 public:
  explicit Symmetry(const model::TransitionSystem& ts);
  // Some class has two CPUs or more, and nothing in the scenario breaks the symmetry.
  bool active() const { return active_; }
  // Why symmetry is off although some CPUs run the same program ("" when it is not refused).
  const std::string& refused() const { return refused_; }
  const std::vector<std::vector<int>>& classes() const { return classes_; }

  // Rewrites s into its canonical representative; perm says where each CPU went. `scratch`
  // holds layout().size bytes. Returns false when s already was canonical (perm is identity).
  bool canonicalize(uint8_t* s, uint8_t* scratch, Perm& perm) const;
  // dst = src with CPU c renumbered perm[c] (every per-CPU object and every CPU number).
  void apply(const uint8_t* src, uint8_t* dst, const Perm& perm) const;
  static Perm identity();
  static Perm inverse(const Perm& p);
  // A CPU mask renumbered.
  static uint8_t map_mask(uint8_t mask, const Perm& p);

 private:
  void cpu_key(const uint8_t* s, int cpu, std::vector<uint8_t>& key) const;
  const model::TransitionSystem& ts_;
  std::vector<std::vector<int>> classes_;  // CPUs with identical programs, ascending
  bool active_ = false;
  std::string refused_;
};

}  // namespace pagecheck::checker

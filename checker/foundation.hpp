// The foundation's explorer, kept unchanged as the benchmark baseline (--strategy foundation):
// sequential breadth-first search over every interleaving, a visited set of 64-bit state
// fingerprints, parent links to rebuild the shortest counterexample.
#pragma once

#include <vector>

#include "checker/engine.hpp"
#include "model/system.hpp"
#include "properties/property.hpp"

namespace pagecheck::checker {

class FoundationExplorer : public Engine {
 public:
  FoundationExplorer(const model::TransitionSystem& ts, std::vector<model::State> initial,
                     props::PropertySet props);
  Result check(const Bounds& bounds) override;

 private:
  const model::TransitionSystem& ts_;
  std::vector<model::State> initial_;
  props::PropertySet props_;
};

// Open-addressing set of 64-bit fingerprints mapping to a state index.
class FoundationTable {
 public:
  explicit FoundationTable(size_t initial_capacity = 1 << 16);
  // Returns {index, inserted}; index is the new state's number when inserted.
  std::pair<uint32_t, bool> insert(uint64_t fp, uint32_t index_if_new);
  size_t size() const { return size_; }
  size_t bytes() const { return keys_.capacity() * sizeof(uint64_t) + vals_.capacity() * sizeof(uint32_t); }

 private:
  void grow();
  std::vector<uint64_t> keys_;  // 0 = empty (fingerprint 0 is remapped to 1)
  std::vector<uint32_t> vals_;
  size_t size_ = 0;
  size_t mask_;
};

}  // namespace pagecheck::checker

// The explorer's state store: which states were seen, and how each was reached.
//
// StateStore is an open-addressing table of 64-bit fingerprints (XXH3 of the canonical state),
// or with --full-states of whole states. Lookups are read-only and run in parallel; new states
// are placed in batches (level by level in BFS), by several threads at once with a CAS on the
// slot, never while lookups run. The capacity is not a power of two: the home slot is
// fastrange(fp, capacity), the table grows by kGrowth when it passes kMaxLoad, so its load stays
// between kMaxLoad / kGrowth (0.59) and kMaxLoad (docs/design.md has the byte accounting).
//
// ParentRecords holds, per state number, the parent's number and the step that led there; BFS
// numbers states so that parents never decrease, which lets the parent be stored as a one-byte
// delta.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace pagecheck::checker {

class StateStore {
 public:
  static constexpr double kMaxLoad = 0.8;
  static constexpr double kGrowth = 1.35;
  static constexpr uint32_t kNoId = UINT32_MAX;

  // state_bytes: the size of one state; full: store whole states; with_ids: keep each slot's
  // state number (needed by the reductions that keep data per state).
  StateStore(size_t state_bytes, bool full, bool with_ids, size_t initial_capacity = 1 << 12);
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Read-only: the slot holding this state, or -1. `state` is compared only with full states.
  int64_t find(uint64_t fp, const uint8_t* state) const;
  // Starts loading the cache line a lookup of fp will probe first.
  void prefetch(uint64_t fp) const { __builtin_prefetch(&keys_[home(key(fp))]); }
  // The state number in a slot (with_ids or full only).
  uint32_t id_at(int64_t slot) const { return ids_[static_cast<size_t>(slot)]; }

  // What the store would hold with `extra` more states (to check a memory limit first).
  size_t bytes_with(size_t extra) const;
  // Makes room for `extra` more states: grows the table (rehashing with `threads` threads).
  void reserve(size_t extra, int threads);
  // Several threads: lookup-or-insert by CAS in one probe run (fingerprints only, no number
  // yet: set_id() later). {slot, inserted}; slot -1 when the table must grow first.
  std::pair<int64_t, bool> insert_concurrent(uint64_t fp);
  void set_id(int64_t slot, uint32_t id) { ids_[static_cast<size_t>(slot)] = id; }
  // Would `extra` more states pass the load limit?
  bool needs_room(size_t extra) const {
    return static_cast<double>(size() + extra) > kMaxLoad * static_cast<double>(cap_);
  }
  // Slots filled during the current BFS level, one bit each.
  void mark_fresh(int64_t slot) {
    fresh_[static_cast<size_t>(slot) >> 6].fetch_or(uint64_t{1} << (slot & 63), std::memory_order_relaxed);
  }
  bool is_fresh(int64_t slot) const {
    return (fresh_[static_cast<size_t>(slot) >> 6].load(std::memory_order_relaxed) >> (slot & 63)) & 1;
  }
  void clear_fresh(int64_t slot) {
    fresh_[static_cast<size_t>(slot) >> 6].store(0, std::memory_order_relaxed);
  }
  void use_fresh_bits();
  // Single-threaded lookup-or-insert in one probe run (after reserve(1)): {slot, inserted}.
  std::pair<int64_t, bool> find_or_place(uint64_t fp, uint32_t id, const uint8_t* state);
  // Places a state known to be absent, as number `id`. Safe from several threads at once
  // (after reserve() for all of them), never concurrently with find().
  void place(uint64_t fp, uint32_t id, const uint8_t* state);

  size_t size() const { return size_.load(std::memory_order_relaxed); }
  size_t capacity() const { return cap_; }
  size_t bytes() const;
  bool full() const { return full_; }
  double load() const { return cap_ ? static_cast<double>(size()) / static_cast<double>(cap_) : 0; }

 private:
  size_t home(uint64_t fp) const {
    return static_cast<size_t>((static_cast<unsigned __int128>(fp) * cap_) >> 64);
  }
  static uint64_t key(uint64_t fp) { return fp ? fp : 1; }  // 0 marks an empty slot
  void alloc(size_t cap);
  void rehash(size_t new_cap, int threads);
  uint8_t* arena_slot(uint32_t id) const;
  void ensure_arena(size_t states);

  size_t state_bytes_;
  bool full_, with_ids_;
  size_t cap_ = 0, slots_ = 0;  // slots_ = cap_ + padding for probe runs past the end
  std::unique_ptr<std::atomic<uint64_t>[]> keys_;
  std::unique_ptr<uint32_t[]> ids_;
  std::unique_ptr<std::atomic<uint64_t>[]> fresh_;
  std::atomic<size_t> size_{0};
  // Whole states by number, in chunks so that growing never moves them.
  static constexpr int kChunkShift = 14;
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
};

// Per state number: its parent's number and the step (cpu, outcome) that led to it.
class ParentRecords {
 public:
  static constexpr uint32_t kRoot = UINT32_MAX;
  // monotone: parents are appended in non-decreasing order (BFS), so they are delta-coded.
  explicit ParentRecords(bool monotone) : monotone_(monotone) {}

  uint32_t append(uint32_t parent, int cpu, int outcome);  // returns the new state's number
  uint32_t size() const { return n_; }
  uint32_t parent(uint32_t id) const;
  int cpu(uint32_t id) const;
  int outcome(uint32_t id) const;
  size_t bytes() const;

 private:
  static constexpr int kBlock = 64;
  bool monotone_;
  uint32_t n_ = 0;
  uint32_t last_parent_ = 0;
  std::vector<uint8_t> step_;                            // cpu << 5 | outcome, or 0xFF
  std::vector<std::pair<uint32_t, uint32_t>> big_step_;  // id -> cpu << 16 | outcome
  // monotone: one-byte deltas, 0xFF escaping to big_delta_, the absolute parent every kBlock
  std::vector<uint8_t> delta_;
  std::vector<uint32_t> block_base_;
  std::vector<std::pair<uint32_t, uint32_t>> big_delta_;  // id -> absolute parent
  std::vector<uint32_t> plain_;                           // !monotone: the parents
};

}  // namespace pagecheck::checker

#include "checker/store.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace pagecheck::checker {

namespace {
// Probe runs never wrap: the table has this many slots past its capacity (runs are far shorter:
// their expected length is a few slots at load 0.8, the longest grows with the log of the size).
size_t pad_for(size_t cap) {
  return std::clamp<size_t>(cap / 16, 256, 4096);
}
}  // namespace

StateStore::StateStore(size_t state_bytes, bool full, bool with_ids, size_t initial_capacity)
    : state_bytes_(state_bytes), full_(full), with_ids_(with_ids || full) {
  alloc(std::max<size_t>(initial_capacity, 256));
}

void StateStore::alloc(size_t cap) {
  cap_ = cap;
  slots_ = cap + pad_for(cap);
  keys_.reset(new std::atomic<uint64_t>[slots_]);
  for (size_t i = 0; i < slots_; ++i) keys_[i].store(0, std::memory_order_relaxed);
  if (with_ids_) ids_.reset(new uint32_t[slots_]);
  if (fresh_) use_fresh_bits();
}

void StateStore::use_fresh_bits() {
  const size_t words = (slots_ + 63) / 64;
  fresh_.reset(new std::atomic<uint64_t>[words]);
  for (size_t i = 0; i < words; ++i) fresh_[i].store(0, std::memory_order_relaxed);
}

std::pair<int64_t, bool> StateStore::insert_concurrent(uint64_t fp) {
  const uint64_t k = key(fp);
  for (size_t i = home(k);; ++i) {
    if (i >= slots_) return {-1, false};
    uint64_t cur = keys_[i].load(std::memory_order_acquire);
    if (cur == 0) {
      // A slot empty when the level began is fresh whoever fills it: mark it first, so that a
      // thread that sees the key (acquire) sees the mark.
      mark_fresh(static_cast<int64_t>(i));
      if (keys_[i].compare_exchange_strong(cur, k, std::memory_order_acq_rel, std::memory_order_acquire)) {
        size_.fetch_add(1, std::memory_order_relaxed);
        return {static_cast<int64_t>(i), true};
      }
    }
    if (cur == k) return {static_cast<int64_t>(i), false};
  }
}

int64_t StateStore::find(uint64_t fp, const uint8_t* state) const {
  const uint64_t k = key(fp);
  for (size_t i = home(k);; ++i) {
    uint64_t cur = keys_[i].load(std::memory_order_relaxed);
    if (cur == 0) return -1;
    if (cur == k && (!full_ || std::memcmp(arena_slot(ids_[i]), state, state_bytes_) == 0))
      return static_cast<int64_t>(i);
  }
}

uint8_t* StateStore::arena_slot(uint32_t id) const {
  return chunks_[id >> kChunkShift].get() + (id & ((1u << kChunkShift) - 1)) * state_bytes_;
}

void StateStore::ensure_arena(size_t states) {
  while ((chunks_.size() << kChunkShift) < states)
    chunks_.emplace_back(new uint8_t[(size_t{1} << kChunkShift) * state_bytes_]);
}

size_t StateStore::bytes() const {
  size_t b = slots_ * (sizeof(uint64_t) + (with_ids_ ? sizeof(uint32_t) : 0));
  return b + chunks_.size() * ((size_t{1} << kChunkShift) * state_bytes_);
}

size_t StateStore::bytes_with(size_t extra) const {
  size_t need = size() + extra;
  size_t cap = cap_;
  while (static_cast<double>(need) > kMaxLoad * static_cast<double>(cap))
    cap = static_cast<size_t>(static_cast<double>(cap) * kGrowth) + 1;
  size_t b = (cap + pad_for(cap)) * (sizeof(uint64_t) + (with_ids_ ? sizeof(uint32_t) : 0));
  if (cap != cap_) b += bytes();  // the old table is still there while rehashing
  if (full_) b += (need + (size_t{1} << kChunkShift)) * state_bytes_;
  return b;
}

void StateStore::reserve(size_t extra, int threads) {
  size_t need = size() + extra;
  size_t cap = cap_;
  while (static_cast<double>(need) > kMaxLoad * static_cast<double>(cap))
    cap = static_cast<size_t>(static_cast<double>(cap) * kGrowth) + 1;
  if (cap != cap_) rehash(cap, threads);
  if (full_) ensure_arena(need);
}

void StateStore::rehash(size_t new_cap, int threads) {
  std::unique_ptr<std::atomic<uint64_t>[]> old_keys = std::move(keys_);
  std::unique_ptr<uint32_t[]> old_ids = std::move(ids_);
  size_t old_slots = slots_;
  size_t n = size();
  alloc(new_cap);
  size_.store(0, std::memory_order_relaxed);
  auto work = [&](size_t lo, size_t hi) {
    for (size_t j = lo; j < hi; ++j) {
      uint64_t k = old_keys[j].load(std::memory_order_relaxed);
      if (!k) continue;
      for (size_t i = home(k);; ++i) {
        if (i >= slots_) throw std::length_error("fingerprint table: probe run past the end");
        uint64_t expect = 0;
        if (keys_[i].compare_exchange_strong(expect, k, std::memory_order_relaxed)) {
          if (with_ids_) ids_[i] = old_ids[j];
          break;
        }
      }
    }
  };
  if (threads <= 1 || old_slots < (1u << 16)) {
    work(0, old_slots);
  } else {
    std::vector<std::thread> ts;
    size_t step = (old_slots + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
    for (int t = 0; t < threads; ++t)
      ts.emplace_back(work, std::min(old_slots, step * static_cast<size_t>(t)),
                      std::min(old_slots, step * static_cast<size_t>(t + 1)));
    for (auto& t : ts) t.join();
  }
  size_.store(n, std::memory_order_relaxed);
}

std::pair<int64_t, bool> StateStore::find_or_place(uint64_t fp, uint32_t id, const uint8_t* state) {
  const uint64_t k = key(fp);
  for (size_t i = home(k);; ++i) {
    if (i >= slots_) throw std::length_error("fingerprint table: probe run past the end");
    uint64_t cur = keys_[i].load(std::memory_order_relaxed);
    if (cur == 0) {
      keys_[i].store(k, std::memory_order_relaxed);
      if (with_ids_) ids_[i] = id;
      if (full_) std::memcpy(arena_slot(id), state, state_bytes_);
      size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return {static_cast<int64_t>(i), true};
    }
    if (cur == k && (!full_ || std::memcmp(arena_slot(ids_[i]), state, state_bytes_) == 0))
      return {static_cast<int64_t>(i), false};
  }
}

void StateStore::place(uint64_t fp, uint32_t id, const uint8_t* state) {
  const uint64_t k = key(fp);
  for (size_t i = home(k);; ++i) {
    if (i >= slots_) throw std::length_error("fingerprint table: probe run past the end");
    uint64_t expect = 0;
    if (keys_[i].load(std::memory_order_relaxed) == 0 &&
        keys_[i].compare_exchange_strong(expect, k, std::memory_order_relaxed)) {
      if (with_ids_) ids_[i] = id;
      break;
    }
  }
  if (full_) std::memcpy(arena_slot(id), state, state_bytes_);
  size_.fetch_add(1, std::memory_order_relaxed);
}

// ---- ParentRecords ----------------------------------------------------------------------------

namespace {
// Grows by an eighth, not double: the records are a good part of what a state costs.
template <class V>
void grow_gently(V& v) {
  if (v.size() == v.capacity()) v.reserve(v.capacity() + v.capacity() / 8 + 4096);
}
}  // namespace

uint32_t ParentRecords::append(uint32_t parent, int cpu, int outcome) {
  const uint32_t id = n_++;
  grow_gently(step_);
  grow_gently(monotone_ ? delta_ : step_);
  if (!monotone_) grow_gently(plain_);
  if (cpu < 7 && outcome < 31) {
    step_.push_back(static_cast<uint8_t>(cpu << 5 | outcome));
  } else {
    step_.push_back(0xFF);
    big_step_.emplace_back(id, static_cast<uint32_t>(cpu) << 16 | static_cast<uint32_t>(outcome));
  }
  if (!monotone_) {
    plain_.push_back(parent);
    return id;
  }
  if (id % kBlock == 0) {
    block_base_.push_back(parent);
    delta_.push_back(0);
  } else if (parent != kRoot && last_parent_ != kRoot && parent >= last_parent_ &&
             parent - last_parent_ < 0xFF) {
    delta_.push_back(static_cast<uint8_t>(parent - last_parent_));
  } else {
    delta_.push_back(0xFF);
    big_delta_.emplace_back(id, parent);
  }
  last_parent_ = parent;
  return id;
}

uint32_t ParentRecords::parent(uint32_t id) const {
  if (!monotone_) return plain_[id];
  uint32_t block = id / kBlock;
  uint32_t p = block_base_[block];
  for (uint32_t i = block * kBlock + 1; i <= id; ++i) {
    if (delta_[i] == 0xFF) {
      auto it = std::lower_bound(big_delta_.begin(), big_delta_.end(), std::make_pair(i, 0u));
      p = it->second;
    } else {
      p += delta_[i];
    }
  }
  return p;
}

int ParentRecords::cpu(uint32_t id) const {
  uint8_t s = step_[id];
  if (s != 0xFF) return s >> 5;
  auto it = std::lower_bound(big_step_.begin(), big_step_.end(), std::make_pair(id, 0u));
  return static_cast<int>(it->second >> 16);
}

int ParentRecords::outcome(uint32_t id) const {
  uint8_t s = step_[id];
  if (s != 0xFF) return s & 31;
  auto it = std::lower_bound(big_step_.begin(), big_step_.end(), std::make_pair(id, 0u));
  return static_cast<int>(it->second & 0xFFFF);
}

size_t ParentRecords::bytes() const {
  return step_.capacity() + big_step_.capacity() * 8 + delta_.capacity() + block_base_.capacity() * 4 +
         big_delta_.capacity() * 8 + plain_.capacity() * 4;
}

}  // namespace pagecheck::checker

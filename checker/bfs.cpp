// Level-synchronous breadth-first search, on one thread or several (docs/design.md,
// "The explorer"). During a level the store is read-only: the states new in the level go to a
// LevelMap that keeps, for each, the least key (position of the parent in the level, cpu,
// outcome) that reached it. Between levels the new states are numbered in key order, which is
// the order a sequential search discovers them in: the same states, numbers, parents and
// counterexample whatever the number of threads.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <shared_mutex>

#include "checker/bfs.hpp"
#include "checker/pool.hpp"

namespace pagecheck::checker {

namespace {

// A thread's states of one level, in chunks that never move.
class Arena {
 public:
  explicit Arena(size_t S) : S_(S) {}
  uint8_t* alloc() {
    if (used_ == kPer) {
      chunks_.emplace_back(new uint8_t[kPer * S_]);
      used_ = 0;
    }
    return chunks_.back().get() + used_++ * S_;
  }
  void unalloc() { --used_; }
  size_t bytes() const { return chunks_.size() * kPer * S_; }
  void clear() {
    chunks_.clear();
    used_ = kPer;
  }

 private:
  static constexpr size_t kPer = 1024;
  size_t S_;
  size_t used_ = kPer;
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
};

struct Entry {
  const uint8_t* bytes;
  uint32_t id;
  uint16_t aux;
  Mask todo;
};

// The states new in the current level. Inserts from several threads at once; grows only
// while no thread inserts (under the level's exclusive lock).
class LevelMap {
 public:
  struct Item {
    uint64_t fp;
    std::atomic<uint64_t> key;
    std::atomic<uint16_t> aux;
    const uint8_t* bytes;
  };
  static constexpr uint32_t kNone = UINT32_MAX;
  enum class Merge : uint8_t { None, Sleep, Preemption };

  void reset(size_t expected, bool full, size_t S, Merge merge) {
    full_ = full;
    S_ = S;
    merge_ = merge;
    size_t cap = 1024;
    while (cap < 2 * expected) cap <<= 1;
    alloc_slots(cap);
    if (items_cap_ < cap) {
      items_.reset(new Item[cap]);
      items_cap_ = cap;
    }
    count_.store(0, std::memory_order_relaxed);
  }
  bool needs_grow() const { return count_.load(std::memory_order_relaxed) * 2 > cap_; }
  // Doubles the table; only while no thread inserts.
  void grow() {
    const uint32_t n = count_.load(std::memory_order_relaxed);
    alloc_slots(cap_ * 2);
    std::unique_ptr<Item[]> items(new Item[cap_]);
    for (uint32_t i = 0; i < n; ++i) {
      items[i].fp = items_[i].fp;
      items[i].key.store(items_[i].key.load(std::memory_order_relaxed), std::memory_order_relaxed);
      items[i].aux.store(items_[i].aux.load(std::memory_order_relaxed), std::memory_order_relaxed);
      items[i].bytes = items_[i].bytes;
      size_t j = slot_of(items[i].fp);
      while (slots_[j].load(std::memory_order_relaxed)) j = (j + 1) & mask_;
      slots_[j].store(key_of(items[i].fp), std::memory_order_relaxed);
      idx_[j].store(i, std::memory_order_relaxed);
    }
    items_ = std::move(items);
    items_cap_ = cap_;
  }
  // {item, new}; {kNone, false} when the table must grow first.
  void prefetch(uint64_t fp) const { __builtin_prefetch(&slots_[slot_of(fp)]); }
  std::pair<uint32_t, bool> insert(uint64_t fp, const uint8_t* bytes, uint64_t key, uint16_t aux) {
    const uint64_t k = key_of(fp);
    for (size_t j = slot_of(fp);; j = (j + 1) & mask_) {
      uint64_t cur = slots_[j].load(std::memory_order_acquire);
      if (cur == 0) {
        if (count_.load(std::memory_order_relaxed) + 1 >= (cap_ * 3) / 4) return {kNone, false};
        if (!slots_[j].compare_exchange_strong(cur, k, std::memory_order_acq_rel)) {
          if (cur != k) continue;
        } else {
          const uint32_t i = count_.fetch_add(1, std::memory_order_relaxed);
          Item& it = items_[i];
          it.fp = fp;
          it.key.store(key, std::memory_order_relaxed);
          it.aux.store(aux, std::memory_order_relaxed);
          it.bytes = bytes;
          idx_[j].store(i, std::memory_order_release);
          return {i, true};
        }
      }
      if (cur != k) continue;
      uint32_t i;
      while ((i = idx_[j].load(std::memory_order_acquire)) == kNone) {
      }
      Item& it = items_[i];
      if (full_ && std::memcmp(it.bytes, bytes, S_) != 0) continue;
      uint64_t old = it.key.load(std::memory_order_relaxed);
      while (key < old && !it.key.compare_exchange_weak(old, key, std::memory_order_relaxed)) {
      }
      merge_aux(it.aux, aux);
      return {i, false};
    }
  }
  uint32_t size() const { return count_.load(std::memory_order_relaxed); }
  Item& item(uint32_t i) { return items_[i]; }
  size_t bytes() const { return cap_ * 12 + items_cap_ * sizeof(Item); }

 private:
  static uint64_t key_of(uint64_t fp) { return fp ? fp : 1; }
  size_t slot_of(uint64_t fp) const { return static_cast<size_t>(fp * 0x9E3779B97F4A7C15ull >> 20) & mask_; }
  void alloc_slots(size_t cap) {
    cap_ = cap;
    mask_ = cap - 1;
    slots_.reset(new std::atomic<uint64_t>[cap]);
    idx_.reset(new std::atomic<uint32_t>[cap]);
    for (size_t j = 0; j < cap; ++j) {
      slots_[j].store(0, std::memory_order_relaxed);
      idx_[j].store(kNone, std::memory_order_relaxed);
    }
  }
  void merge_aux(std::atomic<uint16_t>& a, uint16_t v) {
    switch (merge_) {
      case Merge::None: return;
      case Merge::Sleep: a.fetch_and(v, std::memory_order_relaxed); return;
      case Merge::Preemption: {
        uint16_t old = a.load(std::memory_order_relaxed);
        while (!a.compare_exchange_weak(old, pb_merge(old, v), std::memory_order_relaxed)) {
        }
        return;
      }
    }
  }

  bool full_ = false;
  size_t S_ = 0;
  Merge merge_ = Merge::None;
  size_t cap_ = 0, mask_ = 0, items_cap_ = 0;
  std::unique_ptr<std::atomic<uint64_t>[]> slots_;
  std::unique_ptr<std::atomic<uint32_t>[]> idx_;
  std::unique_ptr<Item[]> items_;
  std::atomic<uint32_t> count_{0};
};

struct Candidate {
  uint64_t key;
  uint32_t item;  // state violations: the LevelMap item (or NewRec), whose least key counts
  bool state;
  model::Violation v;
};

// fingerprint -> index, for settling the level's meetings (built once per level).
class FpIndex {
 public:
  explicit FpIndex(size_t n) {
    size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    keys_.assign(cap, 0);
    vals_.assign(cap, 0);
    mask_ = cap - 1;
  }
  void put(uint64_t fp, uint32_t v) {
    const uint64_t k = fp ? fp : 1;
    size_t j = static_cast<size_t>(k * 0x9E3779B97F4A7C15ull >> 17) & mask_;
    while (keys_[j]) j = (j + 1) & mask_;
    keys_[j] = k;
    vals_[j] = v;
  }
  uint32_t get(uint64_t fp) const {
    const uint64_t k = fp ? fp : 1;
    for (size_t j = static_cast<size_t>(k * 0x9E3779B97F4A7C15ull >> 17) & mask_;; j = (j + 1) & mask_)
      if (keys_[j] == k) return vals_[j];
  }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  size_t mask_;
};

struct Revisit {
  uint64_t key;
  uint32_t id;
  uint16_t aux;
  const uint8_t* bytes;
};

// Shared-store BFS: a state this thread inserted during the level, and a meeting of a state
// some thread inserted during the level (its least key and merged data are settled after it).
struct NewRec {
  uint64_t fp, key;
  const uint8_t* bytes;
  int64_t slot;
  uint16_t aux;
};
struct DupRec {
  uint64_t fp, key;
  uint16_t aux;
};

struct Worker {
  explicit Worker(const Setup& su) : ex(su), arena{Arena(su.S), Arena(su.S)} {}
  std::vector<NewRec> news;
  std::vector<DupRec> dups;
  Expander ex;
  Arena arena[2];
  std::vector<Candidate> cands;
  std::vector<Revisit> revisits;
  std::vector<uint16_t> auxo;
  std::vector<uint8_t> skip;
  std::vector<model::Footprint> fps;
  std::vector<uint64_t> terminal;
  long transitions = 0, pruned = 0;
};

void atomic_min(std::atomic<uint64_t>& a, uint64_t v) {
  uint64_t old = a.load(std::memory_order_relaxed);
  while (v < old && !a.compare_exchange_weak(old, v, std::memory_order_relaxed)) {
  }
}

}  // namespace

std::optional<Found> run_bfs(const Setup& su, Control& ctl, Stats& st, std::vector<uint64_t>* terminal) {
  const size_t S = su.S;
  const int T = std::max(1, su.opt.threads);
  const Mask all_cpus = static_cast<Mask>((1u << su.cpus) - 1);
  StateStore store(S, su.opt.full_states, su.need_aux);
  ParentRecords records(true);
  std::vector<int> root_initial;  // root state number -> initial index
  std::vector<uint16_t> aux;      // by state number, with need_aux
  Pool pool(T);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < T; ++t) workers.emplace_back(new Worker(su));
  LevelMap level;
  const LevelMap::Merge merge = su.sleep ? LevelMap::Merge::Sleep
                                : su.pb  ? LevelMap::Merge::Preemption
                                         : LevelMap::Merge::None;
  std::vector<Entry> cur, next;
  std::vector<long> level_sizes;

  auto path_to = [&](uint32_t id, Found& f) {
    std::vector<PathStep> rev;
    while (records.parent(id) != ParentRecords::kRoot) {
      rev.push_back({records.cpu(id), records.outcome(id)});
      id = records.parent(id);
    }
    f.initial_index = root_initial[id];
    f.path.assign(rev.rbegin(), rev.rend());
  };
  auto memory = [&] {
    size_t m = store.bytes() + records.bytes() + aux.capacity() * sizeof(uint16_t) + level.bytes() +
               (cur.capacity() + next.capacity()) * sizeof(Entry);
    for (auto& w : workers)
      m += w->arena[0].bytes() + w->arena[1].bytes() + w->ex.buf.capacity() +
           w->news.capacity() * sizeof(NewRec) + w->dups.capacity() * sizeof(DupRec);
    return static_cast<long>(m);
  };
  auto finish = [&] {
    st.states = static_cast<long>(store.size());
    st.store_bytes = static_cast<long>(store.bytes() + records.bytes() + aux.capacity() * sizeof(uint16_t));
    ctl.note_memory(memory());
  };

  // Level 0: the initial states.
  {
    Worker& w = *workers[0];
    for (size_t i = 0; i < su.initial.size(); ++i) {
      uint8_t* b = w.arena[0].alloc();
      std::memcpy(b, su.initial[i].bytes().data(), S);
      Perm perm;
      const uint64_t fp = w.ex.canonical_root(b, perm);
      if (store.find(fp, b) >= 0) {
        w.arena[0].unalloc();
        continue;
      }
      store.reserve(1, 1);
      const uint32_t id = records.append(ParentRecords::kRoot, 0, 0);
      root_initial.push_back(static_cast<int>(i));
      store.place(fp, id, b);
      const uint16_t a = su.pb ? pb_aux(0, 0) : 0;
      if (su.need_aux) aux.push_back(a);
      if (auto v = check_new_state(su, {b, S})) {
        finish();
        return Found{std::move(*v), static_cast<int>(i), {}};
      }
      cur.push_back({b, id, a, kAllCpus});
    }
    st.initial_states = static_cast<long>(records.size());
  }

  if (T > 1 && !su.opt.full_states) store.use_fresh_bits();
  int parity = 0;  // cur lives in arena[parity]
  long depth = 0;
  std::atomic<long> transitions_live{0};
  while (!cur.empty()) {
    st.max_depth = depth;
    const bool at_bound = su.bounds.max_depth >= 0 && depth >= su.bounds.max_depth;
    const int np = parity ^ 1;
    // One thread: discovery order is key order, so new states go into the store at once.
    const bool direct = T == 1;
    // Several threads, fingerprints: insert into the store by CAS, settle keys after the level.
    const bool shared = !direct && !su.opt.full_states;
    const uint32_t level_base = records.size();
    for (auto& w : workers) {
      w->arena[np].clear();
      w->cands.clear();
      w->revisits.clear();
    }
    next.clear();
    next.reserve(level_sizes.empty() ? cur.size() : static_cast<size_t>(level_sizes.back()) + cur.size() / 2);
    for (auto& w : workers) {
      w->news.clear();
      w->dups.clear();
    }
    if (shared)
      store.reserve(level_sizes.empty() ? 2 * cur.size() : 2 * static_cast<size_t>(level_sizes.back()), T);
    if (!direct && !shared)
      level.reset(level_sizes.empty() ? cur.size() : static_cast<size_t>(level_sizes.back()) * 2,
                  su.opt.full_states, S, merge);
    std::atomic<size_t> next_pos{0};
    std::atomic<uint64_t> best{UINT64_MAX};
    std::atomic<uint64_t> min_enabled{UINT64_MAX};
    std::shared_mutex level_mu;
    std::atomic<bool> grow_req{false};
    constexpr size_t kChunk = 64;

    constexpr size_t kRoom = kChunk * 64;  // inserts one chunk may make, with room to spare
    auto grow_if_needed = [&] {
      if (direct) return;
      if (shared) {
        if (!grow_req.load(std::memory_order_relaxed) && !store.needs_room(T * kRoom)) return;
        std::unique_lock<std::shared_mutex> ul(level_mu);
        if (store.needs_room(T * kRoom) &&
            ctl.memory_over(memory() + static_cast<long>(store.bytes_with(2 * T * kRoom + store.size() / 2) -
                                                         store.bytes()))) {
          ctl.stop(fmt::format("--memory-limit {} MB reached", su.bounds.memory_limit_mb));
          // No room: let the level end; inserts that still come go past the limit by a chunk.
          store.reserve(T * kRoom, T);
        } else if (store.needs_room(T * kRoom)) {
          store.reserve(2 * T * kRoom + store.size() / 2, T);  // rehash: the fresh marks start over
          for (auto& w : workers)
            for (NewRec& r : w->news) {
              r.slot = store.find(r.fp, nullptr);
              store.mark_fresh(r.slot);
            }
        }
        grow_req.store(false, std::memory_order_relaxed);
        return;
      }
      if (!grow_req.load(std::memory_order_relaxed) && !level.needs_grow()) return;
      std::unique_lock<std::shared_mutex> ul(level_mu);
      if (level.needs_grow()) level.grow();
      grow_req.store(false, std::memory_order_relaxed);
    };

    auto process = [&](Worker& w, size_t pos, std::shared_lock<std::shared_mutex>& lk) {
      const Entry& e = cur[pos];
      const std::span<const uint8_t> s(e.bytes, S);
      Expander& ex = w.ex;
      const Mask done = done_cpus(su.L, s);
      auto deadlock = [&] {
        w.cands.push_back({make_key(pos, 0, 0) | kDeadlockStep, 0, false, deadlock_violation()});
        atomic_min(best, w.cands.back().key);
      };
      if (at_bound) {
        const Mask en = ex.expand(s, kAllCpus, false);
        if (en) {
          atomic_min(min_enabled, pos);
        } else {
          if (terminal) w.terminal.push_back(model::hash_state(s));
          if (done != all_cpus) deadlock();
        }
        return;
      }
      const Mask z = su.sleep ? static_cast<Mask>(e.aux & 0xFF) : 0;
      const Mask en = ex.expand(s, static_cast<Mask>(e.todo & ~z));
      w.transitions += static_cast<long>(ex.succs.size());
      if (e.todo == kAllCpus && en == 0 && (z & ~done) == 0) {
        if (terminal) w.terminal.push_back(model::hash_state(s));
        if (done != all_cpus) return deadlock();
      }
      if (su.need_aux) w.pruned += annotate(su, ex, s, en, e.aux, w.auxo, w.skip, w.fps);
      if (su.sleep) w.pruned += __builtin_popcount(z & ~done & all_cpus);
      for (const Succ& x : ex.succs) {
        store.prefetch(x.fp);
        if (!direct && !shared) level.prefetch(x.fp);
      }
      for (size_t i = 0; i < ex.succs.size(); ++i) {
        if (su.need_aux && w.skip[i]) continue;
        const Succ& x = ex.succs[i];
        const uint64_t key = make_key(pos, x.cpu, x.outcome);
        if (x.raised >= 0) {
          w.cands.push_back({key, 0, false, ex.raised[static_cast<size_t>(x.raised)]});
          atomic_min(best, key);
          if (direct) return;
          continue;
        }
        const uint8_t* b = ex.bytes(x);
        const uint16_t a = su.need_aux ? w.auxo[i] : 0;
        // A state met again: explored once more if it now has less reduction data.
        auto again = [&](uint32_t id) {
          if (direct && id >= level_base) {  // new in this level: merged, as the LevelMap does
            aux[id] = su.sleep ? static_cast<uint16_t>(aux[id] & a) : pb_merge(aux[id], a);
            return;
          }
          if (su.sleep ? sleep_todo(aux[id], a) != 0 : !pb_dominated(aux[id], a)) {
            uint8_t* copy = w.arena[np].alloc();
            std::memcpy(copy, b, S);
            w.revisits.push_back({key, id, a, copy});
          }
        };
        if (direct) {
          if (store.needs_room(1) &&
              ctl.memory_over(memory() + static_cast<long>(store.bytes_with(1) - store.bytes()))) {
            ctl.stop(fmt::format("--memory-limit {} MB reached", su.bounds.memory_limit_mb));
            return;
          }
          store.reserve(1, 1);
          const auto [slot, fresh] = store.find_or_place(x.fp, records.size(), b);
          if (!fresh) {
            if (su.need_aux) again(store.id_at(slot));
            continue;
          }
          const uint32_t id = records.append(e.id, x.cpu, x.outcome);
          if (su.need_aux) aux.push_back(a);
          uint8_t* dst = w.arena[np].alloc();
          std::memcpy(dst, b, S);
          next.push_back({dst, id, a, kAllCpus});
          if (auto v = check_new_state(su, {dst, S})) {
            w.cands.push_back({key, 0, false, std::move(*v)});
            atomic_min(best, key);
            return;
          }
          continue;
        }
        if (shared) {
          std::pair<int64_t, bool> r;
          while ((r = store.insert_concurrent(x.fp)).first < 0) {
            grow_req.store(true, std::memory_order_relaxed);
            lk.unlock();
            grow_if_needed();
            lk.lock();
          }
          if (!r.second) {
            if (store.is_fresh(r.first))
              w.dups.push_back({x.fp, key, a});
            else if (su.need_aux)
              again(store.id_at(r.first));
            continue;
          }
          uint8_t* dst = w.arena[np].alloc();
          std::memcpy(dst, b, S);
          w.news.push_back({x.fp, key, dst, r.first, a});
          if (auto v = check_new_state(su, {dst, S})) {
            w.cands.push_back({key, static_cast<uint32_t>(w.news.size() - 1), true, std::move(*v)});
            atomic_min(best, key);
          }
          continue;
        }
        const int64_t slot = store.find(x.fp, b);
        if (slot >= 0) {
          if (su.need_aux) again(store.id_at(slot));
          continue;
        }
        uint8_t* dst = w.arena[np].alloc();
        std::memcpy(dst, b, S);
        std::pair<uint32_t, bool> r;
        while ((r = level.insert(x.fp, dst, key, a)).first == LevelMap::kNone) {
          grow_req.store(true, std::memory_order_relaxed);
          lk.unlock();
          grow_if_needed();
          lk.lock();
        }
        if (!r.second) {
          w.arena[np].unalloc();
          continue;
        }
        if (auto v = check_new_state(su, {dst, S})) {
          w.cands.push_back({key, r.first, true, std::move(*v)});
          atomic_min(best, key);
        }
      }
    };

    pool.run([&](int t) {
      Worker& w = *workers[static_cast<size_t>(t)];
      long last_tr = w.transitions;
      while (!ctl.stopped()) {
        grow_if_needed();
        const size_t begin = next_pos.fetch_add(kChunk, std::memory_order_relaxed);
        if (begin >= cur.size() || begin > key_pos(best.load(std::memory_order_relaxed))) break;
        const size_t end = std::min(begin + kChunk, cur.size());
        {
          std::shared_lock<std::shared_mutex> lk(level_mu);
          for (size_t pos = begin; pos < end; ++pos) {
            if (pos > key_pos(best.load(std::memory_order_relaxed))) break;
            process(w, pos, lk);
          }
        }
        transitions_live.fetch_add(w.transitions - last_tr, std::memory_order_relaxed);
        last_tr = w.transitions;
        if (t == 0) {
          const long mem = memory();
          const long states = static_cast<long>(store.size() + (direct ? 0 : level.size()));
          if (su.bounds.max_states >= 0 && states > su.bounds.max_states)
            ctl.stop(fmt::format("--max-states {} reached", su.bounds.max_states));
          ctl.poll(mem);
          ProgressInfo pi;
          pi.seconds = ctl.elapsed();
          pi.depth = depth;
          pi.states = states;
          pi.queued = static_cast<long>(cur.size() - std::min(cur.size(), end) +
                                        (direct ? next.size() : level.size()));
          pi.transitions = st.transitions + transitions_live.load(std::memory_order_relaxed);
          pi.memory_bytes = mem;
          pi.eta_seconds = estimate_remaining(level_sizes, pi.queued, states, pi.seconds);
          ctl.progress().tick(pi);
        }
      }
    });
    transitions_live.store(0, std::memory_order_relaxed);
    for (auto& w : workers) {
      st.transitions += w->transitions;
      st.pruned += w->pruned;
      st.footprint_checks += w->ex.footprint_checks;
      w->ex.footprint_checks = 0;
      w->transitions = w->pruned = 0;
      if (terminal) {
        terminal->insert(terminal->end(), w->terminal.begin(), w->terminal.end());
        w->terminal.clear();
      }
    }

    // Shared store: every state new in the level gets the least key that met it, and the
    // reduction data of every meeting merged (both orders of merging give the same).
    std::vector<std::pair<uint64_t, std::pair<uint32_t, uint32_t>>> settled;  // key -> (thread, index)
    if (shared) {
      // Each thread settles the fingerprints of its share (by hash), then sorts a slice of the keys.
      size_t total = 0;
      for (auto& w : workers) total += w->news.size();
      settled.resize(total);
      const uint64_t parts = static_cast<uint64_t>(T);
      pool.run([&](int t) {
        size_t mine = 0;
        for (auto& w : workers)
          for (const NewRec& r : w->news) mine += (r.fp >> 40) % parts == static_cast<uint64_t>(t);
        FpIndex index(mine);
        std::vector<NewRec*> byidx;
        byidx.reserve(mine);
        for (auto& w : workers)
          for (NewRec& r : w->news)
            if ((r.fp >> 40) % parts == static_cast<uint64_t>(t)) {
              index.put(r.fp, static_cast<uint32_t>(byidx.size()));
              byidx.push_back(&r);
            }
        for (auto& w : workers)
          for (const DupRec& d : w->dups) {
            if ((d.fp >> 40) % parts != static_cast<uint64_t>(t)) continue;
            NewRec& r = *byidx[index.get(d.fp)];
            r.key = std::min(r.key, d.key);
            if (su.need_aux) r.aux = su.sleep ? static_cast<uint16_t>(r.aux & d.aux) : pb_merge(r.aux, d.aux);
          }
      });
      size_t at = 0;
      std::vector<size_t> cuts{0};
      for (uint32_t t = 0; t < workers.size(); ++t) {
        for (uint32_t i = 0; i < workers[t]->news.size(); ++i)
          settled[at++] = {workers[t]->news[i].key, {t, i}};
        cuts.push_back(at);
      }
      pool.run([&](int t) {
        std::sort(settled.begin() + static_cast<long>(cuts[static_cast<size_t>(t)]),
                  settled.begin() + static_cast<long>(cuts[static_cast<size_t>(t) + 1]));
      });
      for (size_t t = 1; t + 1 < cuts.size(); ++t)
        std::inplace_merge(settled.begin(), settled.begin() + static_cast<long>(cuts[t]),
                           settled.begin() + static_cast<long>(cuts[t + 1]));
    }
    auto state_key = [&](const Candidate& c, size_t t) {
      if (!c.state) return c.key;
      if (shared) return workers[t]->news[c.item].key;
      return level.item(c.item).key.load(std::memory_order_relaxed);
    };

    // A violation in this level: the least key, as a sequential search meets it.
    const Candidate* first = nullptr;
    uint64_t first_key = UINT64_MAX;
    for (size_t t = 0; t < workers.size(); ++t)
      for (auto& c : workers[t]->cands) {
        const uint64_t k = state_key(c, t);
        if (k < first_key) {
          first_key = k;
          first = &c;
        }
      }
    if (first && (!at_bound || key_pos(first_key) < min_enabled.load())) {
      Found f;
      f.violation = first->v;
      path_to(cur[key_pos(first_key)].id, f);
      if ((first_key & 0xFFFF) != kDeadlockStep)
        f.path.push_back({key_cpu(first_key), key_outcome(first_key)});
      finish();
      // As a sequential search counts: the states met before the violation (and the violating one).
      if (shared)
        for (const auto& k : settled) st.states -= k.first > first_key;
      else if (!direct)
        for (uint32_t j = 0; j < level.size(); ++j)
          st.states += level.item(j).key.load(std::memory_order_relaxed) <= first_key;
      return f;
    }
    if (ctl.stopped()) break;
    if (at_bound) {
      if (min_enabled.load() != UINT64_MAX)
        ctl.stop(fmt::format("--max-depth {} reached with states left to explore", su.bounds.max_depth));
      break;
    }

    // The new states, numbered in key order (one thread: numbered already).
    const uint32_t n = direct   ? records.size() - level_base
                       : shared ? static_cast<uint32_t>(settled.size())
                                : level.size();
    if (direct) {
      if (su.need_aux)
        for (Entry& e : next) e.aux = aux[e.id];  // merged with the level's later arrivals
    } else if (shared) {
      next.reserve(n);
      for (uint32_t j = 0; j < n; ++j) {
        const NewRec& r = workers[settled[j].second.first]->news[settled[j].second.second];
        records.append(cur[key_pos(r.key)].id, key_cpu(r.key), key_outcome(r.key));
        if (su.need_aux) {
          aux.push_back(r.aux);
          store.set_id(r.slot, level_base + j);
        }
        store.clear_fresh(r.slot);
        next.push_back({r.bytes, level_base + j, r.aux, kAllCpus});
      }
    } else {
      if (ctl.memory_over(static_cast<long>(store.bytes_with(n) + records.bytes() + 2 * n) + memory() -
                          static_cast<long>(store.bytes()))) {
        ctl.stop(fmt::format("--memory-limit {} MB reached", su.bounds.memory_limit_mb));
        break;
      }
      std::vector<uint32_t> order(n);
      for (uint32_t i = 0; i < n; ++i) order[i] = i;
      std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return level.item(a).key.load(std::memory_order_relaxed) <
               level.item(b).key.load(std::memory_order_relaxed);
      });
      store.reserve(n, T);
      next.reserve(n);
      for (uint32_t j = 0; j < n; ++j) {
        LevelMap::Item& it = level.item(order[j]);
        const uint64_t key = it.key.load(std::memory_order_relaxed);
        records.append(cur[key_pos(key)].id, key_cpu(key), key_outcome(key));
        const uint16_t a = it.aux.load(std::memory_order_relaxed);
        if (su.need_aux) aux.push_back(a);
        next.push_back({it.bytes, level_base + j, a, kAllCpus});
      }
      pool.run([&](int t) {
        const uint32_t per = (n + static_cast<uint32_t>(T) - 1) / static_cast<uint32_t>(T);
        const uint32_t lo = std::min(n, per * static_cast<uint32_t>(t)), hi = std::min(n, lo + per);
        for (uint32_t j = lo; j < hi; ++j)
          store.place(level.item(order[j]).fp, level_base + j, next[j].bytes);
      });
    }
    // States met again with less reduction data than they were explored with, in key order.
    if (su.need_aux) {
      std::vector<Revisit> rv;
      for (auto& w : workers) rv.insert(rv.end(), w->revisits.begin(), w->revisits.end());
      std::sort(rv.begin(), rv.end(), [](const Revisit& a, const Revisit& b) { return a.key < b.key; });
      for (const Revisit& r : rv) {
        uint16_t& stored = aux[r.id];
        if (su.sleep) {
          const Mask todo = sleep_todo(stored, r.aux);
          if (!todo) continue;
          stored = static_cast<uint16_t>(stored & r.aux);
          next.push_back({r.bytes, r.id, stored, todo});
        } else {
          if (pb_dominated(stored, r.aux)) continue;
          stored = pb_merge(stored, r.aux);
          next.push_back({r.bytes, r.id, r.aux, kAllCpus});
        }
        ++st.revisits;
      }
    }
    level_sizes.push_back(static_cast<long>(n));
    st.complete_depth = depth;
    std::swap(cur, next);
    parity = np;
    ++depth;
  }
  if (!ctl.stopped()) st.complete_depth = st.max_depth;
  finish();
  return std::nullopt;
}

}  // namespace pagecheck::checker

#include "checker/foundation.hpp"

#include <fmt/format.h>

#include <chrono>

#include "checker/progress.hpp"
#include "checker/search.hpp"

namespace pagecheck::checker {

FoundationTable::FoundationTable(size_t initial_capacity) {
  size_t cap = 16;
  while (cap < initial_capacity) cap <<= 1;
  keys_.assign(cap, 0);
  vals_.assign(cap, 0);
  mask_ = cap - 1;
}

std::pair<uint32_t, bool> FoundationTable::insert(uint64_t fp, uint32_t index_if_new) {
  if (fp == 0) fp = 1;
  if ((size_ + 1) * 2 > keys_.size()) grow();
  size_t i = static_cast<size_t>(fp) & mask_;
  while (true) {
    uint64_t k = keys_[i];
    if (k == fp) return {vals_[i], false};
    if (k == 0) {
      keys_[i] = fp;
      vals_[i] = index_if_new;
      ++size_;
      return {index_if_new, true};
    }
    i = (i + 1) & mask_;
  }
}

void FoundationTable::grow() {
  std::vector<uint64_t> ok = std::move(keys_);
  std::vector<uint32_t> ov = std::move(vals_);
  keys_.assign(ok.size() * 2, 0);
  vals_.assign(ok.size() * 2, 0);
  mask_ = keys_.size() - 1;
  for (size_t j = 0; j < ok.size(); ++j) {
    if (!ok[j]) continue;
    size_t i = static_cast<size_t>(ok[j]) & mask_;
    while (keys_[i]) i = (i + 1) & mask_;
    keys_[i] = ok[j];
    vals_[i] = ov[j];
  }
}

FoundationExplorer::FoundationExplorer(const model::TransitionSystem& ts, std::vector<model::State> initial,
                                       props::PropertySet props)
    : ts_(ts), initial_(std::move(initial)), props_(std::move(props)) {}

namespace {

struct Rec {
  uint32_t parent;
  uint8_t cpu;
  uint8_t outcome;
};
constexpr uint32_t kRoot = UINT32_MAX;

}  // namespace

Result FoundationExplorer::check(const Bounds& b) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  Result res;
  const model::Layout& L = ts_.layout();
  const size_t S = static_cast<size_t>(L.size);

  FoundationTable table;
  std::vector<Rec> recs;
  std::vector<int> root_initial;  // initial-state number of each root record
  std::vector<uint8_t> cur, next;
  std::vector<uint32_t> cur_idx, next_idx;
  std::vector<uint8_t> scratch(S);
  Progress progress(b.progress);
  bool done = false;

  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  auto memory = [&] {
    return static_cast<long>(table.bytes() + recs.capacity() * sizeof(Rec) + cur.capacity() +
                             next.capacity() + (cur_idx.capacity() + next_idx.capacity()) * sizeof(uint32_t));
  };
  auto finish_stats = [&] {
    res.stats.states = static_cast<long>(recs.size());
    res.stats.store_bytes = static_cast<long>(table.bytes() + recs.capacity() * sizeof(Rec) +
                                              root_initial.capacity() * sizeof(int));
    res.stats.seconds = elapsed();
    res.stats.memory_bytes = std::max(res.stats.memory_bytes, memory());
    progress.finish(res.stats);
  };
  auto violation_at = [&](uint32_t idx, const PathStep* extra, model::Violation v) {
    std::vector<PathStep> path;
    if (extra) path.push_back(*extra);
    while (recs[idx].parent != kRoot) {
      path.push_back({recs[idx].cpu, recs[idx].outcome});
      idx = recs[idx].parent;
    }
    std::reverse(path.begin(), path.end());
    res.verdict = Verdict::Violated;
    res.violation = std::move(v);
    res.initial_index = root_initial[idx];
    res.path = std::move(path);
    done = true;
  };
  auto incomplete = [&](std::string why) {
    if (res.verdict != Verdict::Violated) {
      res.verdict = Verdict::Incomplete;
      res.incomplete_reason = std::move(why);
    }
    done = true;
  };
  // A new state: properties on it, then queue it.
  auto admit = [&](uint32_t idx, model::StateRef s) {
    if (auto v = props_.check_state(ts_, s)) return violation_at(idx, nullptr, std::move(*v));
    if (ts_.all_done(s)) {
      if (auto v = props_.check_end(ts_, s)) return violation_at(idx, nullptr, std::move(*v));
    }
    next.insert(next.end(), s.data(), s.data() + S);
    next_idx.push_back(idx);
  };

  for (size_t i = 0; i < initial_.size() && !done; ++i) {
    auto bytes = initial_[i].bytes();
    auto [idx, fresh] = table.insert(model::hash_state(bytes), static_cast<uint32_t>(recs.size()));
    if (!fresh) continue;
    recs.push_back({kRoot, 0, 0});
    root_initial.push_back(static_cast<int>(i));
    admit(idx, initial_[i].ref());
  }
  res.stats.initial_states = static_cast<long>(recs.size());

  long depth = 0;
  while (!done && !next.empty()) {
    std::swap(cur, next);
    std::swap(cur_idx, next_idx);
    next.clear();
    next_idx.clear();
    res.stats.max_depth = depth;
    const bool at_bound = b.max_depth >= 0 && depth >= b.max_depth;
    for (size_t k = 0; k < cur_idx.size() && !done; ++k) {
      const uint32_t idx = cur_idx[k];
      std::span<const uint8_t> s(cur.data() + k * S, S);
      bool enabled = false;
      for (int cpu = 0; cpu < ts_.nr_cpus() && !done; ++cpu) {
        int n = ts_.for_each_outcome(
            s, cpu, scratch.data(), &props_,
            [&](int outcome, model::StateRef nx, const std::optional<model::Violation>& raised) {
              if (done || at_bound) return;
              ++res.stats.transitions;
              if (raised) {
                PathStep st{cpu, outcome};
                return violation_at(idx, &st, *raised);
              }
              auto [nidx, fresh] =
                  table.insert(model::hash_state(nx.bytes()), static_cast<uint32_t>(recs.size()));
              if (!fresh) return;
              recs.push_back({idx, static_cast<uint8_t>(cpu), static_cast<uint8_t>(outcome)});
              admit(nidx, nx);
            });
        enabled = enabled || n > 0;
      }
      if (done) break;
      model::StateRef sr(const_cast<uint8_t*>(s.data()), &L);
      if (!enabled && !ts_.all_done(sr)) {
        violation_at(idx, nullptr, deadlock_violation());
        break;
      }
      if (at_bound && enabled) {
        incomplete(fmt::format("--max-depth {} reached with states left to explore", b.max_depth));
        break;
      }
      if ((k & 1023) == 0) {
        double t = elapsed();
        if (b.time_limit > 0 && t > b.time_limit)
          incomplete(fmt::format("--time-limit {}s reached", b.time_limit));
        if (interrupt_requested()) incomplete("interrupted (Ctrl-C)");
        long mem = memory();
        res.stats.memory_bytes = std::max(res.stats.memory_bytes, mem);
        if (b.memory_limit_mb > 0 && mem > b.memory_limit_mb * (1L << 20))
          incomplete(fmt::format("--memory-limit {} MB reached", b.memory_limit_mb));
        progress.tick(t, depth, static_cast<long>(recs.size()),
                      static_cast<long>(cur_idx.size() - k + next_idx.size()), res.stats.transitions, mem);
      }
      if (b.max_states >= 0 && static_cast<long>(recs.size()) > b.max_states)
        incomplete(fmt::format("--max-states {} reached", b.max_states));
    }
    if (!done) res.stats.complete_depth = depth;
    ++depth;
  }
  if (!done && res.verdict == Verdict::Holds) res.stats.complete_depth = res.stats.max_depth;
  finish_stats();
  return res;
}

}  // namespace pagecheck::checker

#include "checker/liveness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <chrono>
#include <deque>
#include <string>
#include <unordered_map>

#include "model/ops.hpp"

namespace pagecheck::checker {

namespace {

struct Edge {
  uint32_t to;
  uint8_t thread;
  uint8_t outcome;
};

struct Graph {
  std::vector<std::string> states;  // state bytes
  std::vector<std::vector<Edge>> out;
  std::vector<uint32_t> parent;  // BFS tree
  std::vector<PathStep> via;
  std::vector<int> root;          // initial-state index of each BFS root
  std::vector<uint32_t> enabled;  // bitmask of threads with a step
};

constexpr uint32_t kNone = UINT32_MAX;

const uint8_t* bytes_of(const Graph& g, uint32_t v) {
  return reinterpret_cast<const uint8_t*>(g.states[v].data());
}

bool thread_busy(const model::TransitionSystem& ts, const Graph& g, uint32_t v, int t) {
  const auto& L = ts.layout();
  return bytes_of(g, v)[L.off_cpus + t * L.cpu_stride + model::cpuoff::depth] != 0;
}

// Shortest path inside `comp` from `from` to a vertex satisfying `goal` (BFS); empty if `from`
// satisfies it. Returns false when unreachable.
template <class Goal>
bool path_within(const Graph& g, const std::vector<int>& comp_of, int comp, uint32_t from, Goal goal,
                 std::vector<PathStep>& steps, uint32_t& reached) {
  std::unordered_map<uint32_t, std::pair<uint32_t, PathStep>> prev;
  std::deque<uint32_t> q{from};
  prev[from] = {kNone, {}};
  while (!q.empty()) {
    uint32_t u = q.front();
    q.pop_front();
    if (goal(u)) {
      std::vector<PathStep> rev;
      for (uint32_t x = u; x != from; x = prev[x].first) rev.push_back(prev[x].second);
      steps.insert(steps.end(), rev.rbegin(), rev.rend());
      reached = u;
      return true;
    }
    for (const Edge& e : g.out[u]) {
      if (comp_of[e.to] != comp || prev.count(e.to)) continue;
      prev[e.to] = {u, {e.thread, e.outcome}};
      q.push_back(e.to);
    }
  }
  return false;
}

}  // namespace

LivenessResult check_progress(const model::TransitionSystem& ts, const std::vector<model::State>& initial,
                              long max_states, double time_limit) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  LivenessResult lr;
  Result& res = lr.result;
  const long cap = max_states >= 0 ? max_states : kLivenessDefaultStates;
  const int nthreads = ts.nr_cpus();
  const auto& L = ts.layout();
  const size_t S = static_cast<size_t>(L.size);

  Graph g;
  std::unordered_map<std::string, uint32_t> index;
  std::deque<uint32_t> queue;
  auto add = [&](std::string&& bytes, uint32_t parent, PathStep via, int root) -> uint32_t {
    auto [it, fresh] = index.emplace(std::move(bytes), static_cast<uint32_t>(g.states.size()));
    if (!fresh) return it->second;
    g.states.push_back(it->first);
    g.out.emplace_back();
    g.parent.push_back(parent);
    g.via.push_back(via);
    g.root.push_back(root);
    g.enabled.push_back(0);
    queue.push_back(it->second);
    return it->second;
  };
  for (size_t i = 0; i < initial.size(); ++i) {
    auto b = initial[i].bytes();
    add(std::string(reinterpret_cast<const char*>(b.data()), b.size()), kNone, {}, static_cast<int>(i));
  }
  res.stats.initial_states = static_cast<long>(g.states.size());
  std::vector<uint8_t> scratch(S);
  while (!queue.empty()) {
    uint32_t u = queue.front();
    queue.pop_front();
    if (static_cast<long>(g.states.size()) > cap) {
      res.verdict = Verdict::Incomplete;
      res.incomplete_reason = fmt::format(
          "the progress check builds the whole state graph and stopped at {} states (--max-states to raise "
          "it)",
          cap);
      res.stats.states = static_cast<long>(g.states.size());
      return lr;
    }
    if (time_limit > 0 && (g.states.size() & 1023) == 0 &&
        std::chrono::duration<double>(clock::now() - t0).count() > time_limit) {
      res.verdict = Verdict::Incomplete;
      res.incomplete_reason =
          fmt::format("--time-limit {}s reached while building the state graph", time_limit);
      res.stats.states = static_cast<long>(g.states.size());
      return lr;
    }
    const std::string cur = g.states[u];  // copy: g.states may grow
    std::span<const uint8_t> s(reinterpret_cast<const uint8_t*>(cur.data()), cur.size());
    for (int t = 0; t < nthreads; ++t) {
      int n = ts.for_each_outcome(
          s, t, scratch.data(), nullptr,
          [&](int outcome, model::StateRef nx, const std::optional<model::Violation>&) {
            ++res.stats.transitions;
            auto b = nx.bytes();
            uint32_t v = add(std::string(reinterpret_cast<const char*>(b.data()), b.size()), u, {t, outcome},
                             g.root[u]);
            g.out[u].push_back({v, static_cast<uint8_t>(t), static_cast<uint8_t>(outcome)});
          });
      if (n > 0) g.enabled[u] |= 1u << t;
    }
  }
  const size_t N = g.states.size();
  res.stats.states = static_cast<long>(N);

  // Strongly connected components (Boost.Graph, Tarjan's algorithm).
  boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS> bg(N);
  for (uint32_t u = 0; u < N; ++u)
    for (const Edge& e : g.out[u]) boost::add_edge(u, e.to, bg);
  std::vector<int> comp_of(N);
  int ncomp = boost::strong_components(
      bg, boost::make_iterator_property_map(comp_of.begin(), boost::get(boost::vertex_index, bg)));
  std::vector<std::vector<uint32_t>> members(static_cast<size_t>(ncomp));
  for (uint32_t u = 0; u < N; ++u) members[static_cast<size_t>(comp_of[u])].push_back(u);

  for (int c = 0; c < ncomp; ++c) {
    const auto& mem = members[static_cast<size_t>(c)];
    uint32_t enabled_all = ~0u, moves = 0;
    bool cyclic = mem.size() > 1;
    for (uint32_t u : mem) {
      enabled_all &= g.enabled[u];
      for (const Edge& e : g.out[u])
        if (comp_of[e.to] == c) {
          moves |= 1u << e.thread;
          cyclic = true;
        }
    }
    if (!cyclic) continue;
    if ((enabled_all & ~moves) != 0) continue;  // a thread always enabled never moves: not weakly fair
    std::vector<int> stuck;
    for (int t = 0; t < nthreads; ++t) {
      bool busy = true;
      for (uint32_t u : mem) busy = busy && thread_busy(ts, g, u, t);
      if (busy) stuck.push_back(t);
    }
    if (stuck.empty()) continue;

    // A lasso: the shortest way into the component, then one fair round of it.
    uint32_t entry = mem.front();
    auto depth_of = [&](uint32_t v) {
      int d = 0;
      while (g.parent[v] != kNone) v = g.parent[v], ++d;
      return d;
    };
    for (uint32_t u : mem)
      if (depth_of(u) < depth_of(entry)) entry = u;
    std::vector<PathStep> path;
    for (uint32_t v = entry; g.parent[v] != kNone; v = g.parent[v]) path.push_back(g.via[v]);
    std::reverse(path.begin(), path.end());
    lr.loop_start = static_cast<int>(path.size());
    uint32_t cur = entry;
    uint32_t need = moves;  // every thread that moves in the component moves in the round
    for (int t = 0; t < nthreads; ++t) {
      if (!(need & (1u << t))) continue;
      uint32_t reached = cur;
      auto has_edge = [&](uint32_t u) {
        for (const Edge& e : g.out[u])
          if (e.thread == t && comp_of[e.to] == c) return true;
        return false;
      };
      if (!path_within(g, comp_of, c, cur, has_edge, path, reached)) continue;
      for (const Edge& e : g.out[reached])
        if (e.thread == t && comp_of[e.to] == c) {
          path.push_back({e.thread, e.outcome});
          cur = e.to;
          break;
        }
    }
    uint32_t back = cur;
    path_within(
        g, comp_of, c, cur, [&](uint32_t u) { return u == entry; }, path, back);
    if (static_cast<int>(path.size()) == lr.loop_start) continue;  // cannot happen for a cyclic component

    const model::Program& prog = ts.programs()[static_cast<size_t>(stuck.front())];
    const int t = stuck.front();
    const uint8_t* a = bytes_of(g, entry) + L.off_cpus + t * L.cpu_stride;
    std::string who = ts.is_worker(t)
                          ? std::string("the free_hpage_work worker")
                          : fmt::format("cpu{} ({})", t,
                                        a[model::cpuoff::op] < prog.size() ? prog[a[model::cpuoff::op]].text
                                                                           : std::string("?"));
    std::string others;
    for (size_t i = 1; i < stuck.size(); ++i)
      others +=
          fmt::format("{}{}", others.empty() ? "" : ", ",
                      ts.is_worker(stuck[i]) ? std::string("the worker") : fmt::format("cpu{}", stuck[i]));
    model::Violation v;
    v.property = "operations-finish";
    v.message = fmt::format(
        "{} can loop forever without finishing: a cycle of {} state{} that it never leaves{}, and every "
        "thread "
        "that stays enabled in it also takes steps (a weakly fair schedule); the cycle is marked in the "
        "trace",
        who, mem.size(), mem.size() == 1 ? "" : "s", others.empty() ? "" : " (nor does " + others + ")");
    res.verdict = Verdict::Violated;
    res.violation = std::move(v);
    res.initial_index = g.root[entry];
    res.path = std::move(path);
    res.stats.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    return lr;
  }
  res.stats.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return lr;
}

}  // namespace pagecheck::checker

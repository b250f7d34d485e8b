#include "checker/minimise.hpp"

#include <fmt/format.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <map>
#include <unordered_map>

#include "checker/explorer.hpp"
#include "model/ops.hpp"

namespace pagecheck::checker {

props::PropertySet only_property(const std::string& property, const model::Kernel& k) {
  if (property == "deadlock-free") return props::PropertySet();
  return props::select({property}, k, "");
}

// --- fewest preemptions ------------------------------------------------------------------------

FewestPreemptions fewest_preemptions(const model::TransitionSystem& ts,
                                     const std::vector<model::State>& initial, const std::string& property,
                                     int steps, long max_states) {
  FewestPreemptions res;
  const model::Layout& L = ts.layout();
  const size_t S = static_cast<size_t>(L.size);
  const int ncpu = ts.nr_cpus();
  props::PropertySet props = only_property(property, ts.kernel());

  // The breadth-first graph up to `steps`: states, their level, which CPUs can step, and the
  // edges that lead one level down (the only ones a shortest counterexample uses).
  std::vector<uint8_t> store;
  std::vector<int> level, root;  // root: initial-state number of level-0 states
  std::vector<std::vector<char>> enabled;
  std::vector<char> bad;  // the state breaks the property
  std::unordered_map<uint64_t, uint32_t> index;
  struct Edge {
    uint32_t from, to;
    uint8_t cpu, outcome;
    bool raises;  // the step itself breaks the property (to = from, unused)
  };
  std::vector<Edge> edges;
  std::vector<model::Violation> raised_v;  // per raising edge, in edge order
  std::vector<model::Violation> bad_v;     // per state, when bad

  auto check_state = [&](model::StateRef s) -> std::optional<model::Violation> {
    if (auto v = props.check_state(ts, s); v && v->property == property) return v;
    if (ts.all_done(s))
      if (auto v = props.check_end(ts, s); v && v->property == property) return v;
    return std::nullopt;
  };
  auto add = [&](model::StateRef s, int lvl, int root_index) -> std::pair<uint32_t, bool> {
    uint64_t fp = model::hash_state(s.bytes());
    auto [it, fresh] = index.emplace(fp, static_cast<uint32_t>(level.size()));
    if (!fresh) return {it->second, false};
    store.insert(store.end(), s.data(), s.data() + S);
    level.push_back(lvl);
    root.push_back(root_index);
    enabled.emplace_back(static_cast<size_t>(ncpu), 0);
    auto v = check_state(s);
    bad.push_back(v.has_value());
    bad_v.push_back(v ? *v : model::Violation{});
    return {it->second, true};
  };
  for (size_t i = 0; i < initial.size(); ++i) add(initial[i].ref(), 0, static_cast<int>(i));

  std::vector<uint8_t> scratch(S), cur(S);
  for (size_t k = 0; k < level.size(); ++k) {
    if (static_cast<long>(level.size()) > max_states) {
      res.note = fmt::format("more than {} states; the explorer's trace is shown", max_states);
      return res;
    }
    const int lvl = level[k];
    std::memcpy(cur.data(), store.data() + k * S, S);
    model::StateRef sr(cur.data(), &L);
    if (lvl >= steps) {
      // Only whether it can step matters here (deadlocks).
      if (property == "deadlock-free") {
        bool any = false;
        for (int c = 0; c < ncpu; ++c)
          any = any ||
                ts.for_each_outcome(sr.bytes(), c, scratch.data(), nullptr,
                                    [](int, model::StateRef, const std::optional<model::Violation>&) {}) > 0;
        if (!any && !ts.all_done(sr) && !bad[k]) {
          bad[k] = 1;
          bad_v[k].property = "deadlock-free";
          bad_v[k].message = "no CPU can take a step but not every CPU has finished its operations";
        }
      }
      continue;
    }
    bool any = false;
    for (int c = 0; c < ncpu; ++c) {
      int n = ts.for_each_outcome(
          sr.bytes(), c, scratch.data(), &props,
          [&](int outcome, model::StateRef nx, const std::optional<model::Violation>& raised) {
            if (raised) {
              if (raised->property == property) {
                edges.push_back({static_cast<uint32_t>(k), static_cast<uint32_t>(k), static_cast<uint8_t>(c),
                                 static_cast<uint8_t>(outcome), true});
                raised_v.push_back(*raised);
              }
              return;  // the explorer does not go on from a violating step
            }
            auto [to, fresh] = add(nx, lvl + 1, -1);
            if (level[to] == lvl + 1)
              edges.push_back({static_cast<uint32_t>(k), to, static_cast<uint8_t>(c),
                               static_cast<uint8_t>(outcome), false});
          });
      enabled[k][static_cast<size_t>(c)] = n > 0;
      any = any || n > 0;
    }
    if (property == "deadlock-free" && !any && !ts.all_done(sr) && !bad[k]) {
      bad[k] = 1;
      bad_v[k].property = "deadlock-free";
      bad_v[k].message = "no CPU can take a step but not every CPU has finished its operations";
    }
  }
  res.states = static_cast<long>(level.size());

  // Vertices: (state, last CPU + 1) pairs, one per raising edge, a source and a sink. A step
  // weighs K (so that fewer steps always win) plus 1 when it preempts.
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                      boost::property<boost::edge_weight_t, long>>;
  const size_t nst = level.size();
  const size_t per = static_cast<size_t>(ncpu) + 1;
  size_t nraise = 0;
  for (const auto& e : edges) nraise += e.raises;
  const size_t src = nst * per + nraise, sink = src + 1;
  Graph g(sink + 1);
  const long K = steps + 1;
  auto vtx = [&](size_t s, int last) { return s * per + static_cast<size_t>(last + 1); };
  auto cost = [&](size_t s, int last, int cpu) -> long {
    return K + (last >= 0 && last != cpu && enabled[s][static_cast<size_t>(last)] ? 1 : 0);
  };
  std::vector<size_t> raise_edge;  // raising vertex -> edge
  std::map<std::tuple<size_t, size_t, int>, int> outcome_of;
  for (size_t s = 0; s < nst; ++s)
    if (level[s] == 0) boost::add_edge(src, vtx(s, -1), 0, g);
  for (size_t i = 0; i < edges.size(); ++i) {
    const Edge& e = edges[i];
    if (e.raises) {
      size_t rv = nst * per + raise_edge.size();
      raise_edge.push_back(i);
      for (int last = -1; last < ncpu; ++last)
        boost::add_edge(vtx(e.from, last), rv, cost(e.from, last, e.cpu), g);
      boost::add_edge(rv, sink, 0, g);
    } else {
      outcome_of.emplace(std::tuple{static_cast<size_t>(e.from), static_cast<size_t>(e.to), int(e.cpu)},
                         e.outcome);
      for (int last = -1; last < ncpu; ++last)
        boost::add_edge(vtx(e.from, last), vtx(e.to, e.cpu), cost(e.from, last, e.cpu), g);
    }
  }
  for (size_t s = 0; s < nst; ++s)
    if (bad[s])
      for (int last = -1; last < ncpu; ++last) boost::add_edge(vtx(s, last), sink, 0, g);

  std::vector<size_t> pred(boost::num_vertices(g));
  std::vector<long> dist(boost::num_vertices(g));
  boost::dijkstra_shortest_paths(g, src, boost::predecessor_map(pred.data()).distance_map(dist.data()));
  if (pred[sink] == sink) {
    res.note = "no counterexample of that length was found again";
    return res;
  }
  // Walk back from the sink.
  std::vector<size_t> chain;
  for (size_t v = sink; v != src; v = pred[v]) chain.push_back(v);
  std::reverse(chain.begin(), chain.end());  // (s0,-1), ..., [raise vertex], sink
  size_t first = chain.front() / per;
  res.initial_index = root[first];
  for (size_t i = 1; i < chain.size(); ++i) {
    size_t v = chain[i];
    size_t u = chain[i - 1];
    if (v == sink) {
      if (u < nst * per) res.violation = bad_v[u / per];
      break;
    }
    if (v >= nst * per) {
      const Edge& e = edges[raise_edge[v - nst * per]];
      res.path.push_back({e.cpu, e.outcome});
      res.violation = raised_v[v - nst * per];  // raising vertices were made in edge order
      continue;
    }
    int cpu = static_cast<int>(v % per) - 1;
    res.path.push_back({cpu, outcome_of.at({u / per, v / per, cpu})});
  }
  res.preemptions = static_cast<int>(dist[sink] - K * static_cast<long>(res.path.size()));
  res.found = true;
  return res;
}

// --- scenario reduction ------------------------------------------------------------------------

namespace {

struct Candidate {
  model::Scenario sc;
  std::string what;
};

bool is_pfn_param(const model::ParamDef& p) {
  return p.kind == model::ParamKind::Pfn || std::string_view(p.name) == "end";
}

// The same op with every pfn argument shifted down by `shift`; false if one would go below 0.
bool shift_op(model::Op& op, int shift, const model::Geometry& g) {
  const model::OpDef& d = model::op_registry().at(static_cast<size_t>(op.def));
  for (size_t i = 0; i < d.params.size(); ++i) {
    if (!is_pfn_param(d.params[i])) continue;
    if (op.args[i] < shift) return false;
    op.args[i] = static_cast<uint8_t>(op.args[i] - shift);
  }
  op = model::parse_op(model::format_op(op), g);  // re-validated against the geometry
  return true;
}

// Pages [lo, hi) of the zone kept, renumbered from 0.
std::optional<model::Scenario> crop(const model::Scenario& sc, int lo_pb, int hi_pb) {
  model::Scenario c = sc;
  const int pbn = sc.geo.pageblock_nr_pages();
  const int lo = lo_pb * pbn, hi = hi_pb * pbn;
  c.geo.pageblocks = hi_pb - lo_pb;
  c.pageblock_mt.assign(sc.pageblock_mt.begin() + lo_pb, sc.pageblock_mt.begin() + hi_pb);
  c.free.clear();
  for (auto b : sc.free)
    if (b.pfn >= lo && b.pfn + (1 << b.order) <= hi) {
      b.pfn -= lo;
      c.free.push_back(b);
    }
  c.allocated.clear();
  for (auto a : sc.allocated)
    if (a.pfn >= lo && a.pfn + (1 << a.order) <= hi) {
      a.pfn -= lo;
      c.allocated.push_back(a);
    }
  // hugetlb folios move with their pages; cropping one (or its vmemmap pages) is not a candidate.
  c.hugetlb.folios.clear();
  for (auto f : sc.hugetlb.folios) {
    bool inside = f.pfn >= lo && f.pfn + (1 << sc.geo.hugetlb_order) <= hi;
    for (int& p : f.vmemmap) {
      inside = inside && p >= lo && p < hi;
      p -= lo;
    }
    if (!inside) return std::nullopt;
    f.pfn -= lo;
    c.hugetlb.folios.push_back(f);
  }
  if (sc.geo.has_hugetlb() && (lo & ((1 << sc.geo.hugetlb_order) - 1))) return std::nullopt;
  try {
    for (auto& prog : c.programs)
      for (auto& op : prog)
        if (!shift_op(op, lo, c.geo)) return std::nullopt;
  } catch (const InputError&) {
    return std::nullopt;  // an operation reaches beyond the smaller zone
  }
  return c;
}

std::string ops_text(const model::Program& p) {
  std::string s;
  for (const auto& op : p) s += (s.empty() ? "" : "; ") + op.text;
  return s.empty() ? "nothing" : s;
}

std::vector<Candidate> candidates(const model::Scenario& sc) {
  std::vector<Candidate> v;
  const model::Geometry& g = sc.geo;
  // Whole CPUs first, the last one first.
  if (g.cpus > 1)
    for (int c = g.cpus - 1; c >= 0; --c) {
      Candidate k{sc, fmt::format("CPU{} ({})", c, ops_text(sc.programs[static_cast<size_t>(c)]))};
      k.sc.geo.cpus -= 1;
      k.sc.programs.erase(k.sc.programs.begin() + c);
      v.push_back(std::move(k));
    }
  // Operations, the last ones first.
  for (int c = 0; c < g.cpus; ++c) {
    const auto& prog = sc.programs[static_cast<size_t>(c)];
    for (int i = static_cast<int>(prog.size()) - 1; i >= 0; --i) {
      if (prog.size() == 1 && g.cpus > 1) continue;  // that is dropping the CPU
      Candidate k{sc, fmt::format("operation {} of CPU{}", prog[static_cast<size_t>(i)].text, c)};
      auto& p = k.sc.programs[static_cast<size_t>(c)];
      p.erase(p.begin() + i);
      v.push_back(std::move(k));
    }
  }
  // Ranges of operations, a pageblock shorter at either end.
  for (int c = 0; c < g.cpus; ++c) {
    const auto& prog = sc.programs[static_cast<size_t>(c)];
    for (size_t i = 0; i < prog.size(); ++i) {
      int start = model::op_arg(prog[i], "start"), end = model::op_arg(prog[i], "end");
      if (start < 0 || end < 0 || end - start <= g.pageblock_nr_pages()) continue;
      const model::OpDef& d = model::op_registry().at(static_cast<size_t>(prog[i].def));
      for (int side = 0; side < 2; ++side) {
        model::Op op = prog[i];
        for (size_t k = 0; k < d.params.size(); ++k)
          if (std::string_view(d.params[k].name) == (side ? "start" : "end"))
            op.args[k] = static_cast<uint8_t>(op.args[k] + (side ? 1 : -1) * g.pageblock_nr_pages());
        try {
          op = model::parse_op(model::format_op(op), g);
        } catch (const InputError&) {
          continue;
        }
        Candidate k{sc,
                    fmt::format("the {} pageblock of {} on CPU{}", side ? "first" : "last", prog[i].text, c)};
        k.sc.programs[static_cast<size_t>(c)][i] = op;
        v.push_back(std::move(k));
      }
    }
  }
  // Pageblocks: the last one, or the first max-order block (buddy alignment must not change).
  if (g.pageblocks > 1) {
    if (auto c = crop(sc, 0, g.pageblocks - 1))
      v.push_back({*c, fmt::format("pageblock {} (the last)", g.pageblocks - 1)});
    int chunk = 1 << (g.max_order - g.pageblock_order);
    if (chunk < g.pageblocks)
      if (auto c = crop(sc, chunk, g.pageblocks))
        v.push_back({*c, chunk == 1 ? "pageblock 0 (pfns shift down by " +
                                          std::to_string(g.pageblock_nr_pages()) + ")"
                                    : fmt::format("pageblocks 0-{} (pfns shift down by {})", chunk - 1,
                                                  chunk * g.pageblock_nr_pages())});
  }
  // Free pages: a whole buddy, or one half of it.
  for (size_t i = 0; i < sc.free.size(); ++i) {
    const auto& b = sc.free[i];
    Candidate k{sc, fmt::format("the free buddy at pfn {} (order {})", b.pfn, b.order)};
    k.sc.free.erase(k.sc.free.begin() + static_cast<long>(i));
    v.push_back(std::move(k));
    if (b.order > 0) {
      for (int half = 0; half < 2; ++half) {
        Candidate h{sc, fmt::format("{} half of the free buddy at pfn {} (order {})",
                                    half ? "the lower" : "the upper", b.pfn, b.order)};
        h.sc.free[i].order = b.order - 1;
        h.sc.free[i].pfn = b.pfn + (half ? 1 << (b.order - 1) : 0);
        v.push_back(std::move(h));
      }
    }
  }
  return v;
}

}  // namespace

traces::ScenarioReduction reduce_scenario(const model::Scenario& orig, const model::MemoryLayout& initial,
                                          int initial_count, const model::ResolvedVariant& variant,
                                          const std::string& property, int max_checks) {
  traces::ScenarioReduction r;
  r.ran = true;
  model::Scenario cur = orig;
  cur.name = orig.name + "-min";
  cur.summary = "reduced from " + orig.name + ": " + property + " still breaks";
  cur.reference = orig.reference;
  cur.all_layouts = false;
  cur.pageblock_mt = initial.pageblock_mt;
  cur.free = initial.free;
  cur.allocated = initial.allocated;
  if (property != "deadlock-free") cur.properties = {property};
  cur.expect.clear();
  cur.expect.push_back({variant.spec, model::Verdict::Violated, std::nullopt, 0});
  if (initial_count > 1) r.removed.push_back(fmt::format("the other {} initial layouts", initial_count - 1));

  // Does `sc` still break the property on the variant? Returns the counterexample length.
  auto breaks = [&](const model::Scenario& sc) -> std::optional<int> {
    ++r.checks;
    model::Scenario loaded;
    try {
      loaded = model::load_scenario_text(model::scenario_to_toml(sc), sc.name + ".toml");
    } catch (const InputError&) {
      return std::nullopt;  // not a well-formed scenario (e.g. free buddies that would merge)
    }
    model::Layout layout(loaded.geo);
    model::TransitionSystem ts(layout, variant.kernel, loaded.programs);
    std::vector<model::State> init = model::initial_states(ts, loaded);
    Explorer ex(ts, std::move(init), only_property(property, variant.kernel));
    Bounds b;
    b.progress = false;
    b.max_states = 200'000;
    Result res = ex.check(b);
    if (res.verdict != Verdict::Violated || !res.violation || res.violation->property != property)
      return std::nullopt;
    return static_cast<int>(res.path.size());
  };

  auto first = breaks(cur);
  if (!first) {
    r.note = "the counterexample's own layout did not break it again";
    return r;
  }
  r.steps = *first;
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto& c : candidates(cur)) {
      if (r.checks >= max_checks) {
        r.note = fmt::format("stopped after {} checks", max_checks);
        progress = false;
        break;
      }
      if (auto n = breaks(c.sc)) {
        cur = std::move(c.sc);
        r.removed.push_back(c.what);
        r.steps = *n;
        progress = true;
        break;
      }
    }
  }
  r.reduced = !r.removed.empty();
  if (r.reduced) {
    std::string dropped;
    for (const auto& x : r.removed) dropped += (dropped.empty() ? "" : "; ") + x;
    r.toml = model::scenario_to_toml(cur, {fmt::format("Reduced by pagecheck from {}: {} still breaks on {}.",
                                                       orig.name, property, variant.spec),
                                           "Dropped: " + dropped + "."});
  }
  return r;
}

}  // namespace pagecheck::checker

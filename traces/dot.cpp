// Graphviz output: the trace as per-CPU swimlanes, and the reachable state graph.
#include <fmt/format.h>

// g++ 12 reports a false maybe-uninitialized inside Boost's edge iterator (boost::optional)
// when write_graphviz is instantiated; nothing in this file reads uninitialized memory.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "traces/state_graph.hpp"
#include "traces/trace.hpp"

namespace pagecheck::traces {

namespace {

std::string dot_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}

// Lines of a label, left-justified ("\l" ends each line in DOT).
std::string label(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += dot_escape(l) + "\\l";
  return s;
}

}  // namespace

std::string format_dot(const Trace& t) {
  model::Layout L(t.geo);
  std::string o = "digraph trace {\n";
  o += fmt::format("  label=\"{} on {}: {} after {} steps\";\n  labelloc=t;\n", dot_escape(t.scenario.name),
                   dot_escape(t.variant), dot_escape(t.violation.property), t.steps.size());
  o += "  rankdir=TB;\n  newrank=true;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n";
  std::vector<std::string> init{"initial memory"};
  std::string pbs;
  for (size_t i = 0; i < t.initial.memory.pageblocks.size(); ++i)
    pbs += fmt::format("{}{}:{}", i ? " " : "", i, t.initial.memory.pageblocks[i]);
  init.push_back("pageblocks " + pbs);
  for (const auto& [name, pfns] : t.initial.memory.lists) {
    std::string s;
    for (int p : pfns) s += (s.empty() ? "" : ", ") + std::to_string(p);
    init.push_back(name + ": pfn " + s);
  }
  o += fmt::format("  start [shape=note, label=\"{}\"];\n", label(init));
  for (int c = 0; c < t.geo.nr_threads(); ++c) {
    o +=
        fmt::format("  subgraph cluster_cpu{} {{\n    label=\"{}\";\n    style=rounded;\n    color=gray60;\n",
                    c, thread_name(t.geo, c));
    std::string ops;
    for (const auto& op : t.programs[static_cast<size_t>(c)]) ops += (ops.empty() ? "" : "; ") + op;
    o += fmt::format("    cpu{}_ops [shape=plaintext, label=\"{}\"];\n", c,
                     dot_escape(ops.empty() ? "(nothing)" : ops));
    for (size_t i = 0; i < t.steps.size(); ++i) {
      const TraceStep& st = t.steps[i];
      if (st.cpu != c) continue;
      std::vector<std::string> lines{fmt::format("step {}: {}", i + 1, st.title)};
      for (const auto& l : st.changes.locks_taken) lines.push_back("lock " + l);
      for (const auto& e : st.events)
        if (e.kind == model::EventKind::Delta) {
          auto k = e.delta.kind;
          if (k == model::DeltaKind::ListAdd || k == model::DeltaKind::ListDel ||
              k == model::DeltaKind::PageblockBits || k == model::DeltaKind::Owner)
            lines.push_back("  " + format_delta(L, e.delta));
        } else if (e.kind == model::EventKind::Note && e.text.starts_with("WARNING")) {
          lines.push_back("  " + e.text);
        }
      for (const auto& l : st.changes.locks_released) lines.push_back("unlock " + l);
      bool last = i + 1 == t.steps.size();
      o += fmt::format("    s{} [label=\"{}\"{}];\n", i + 1, label(lines),
                       last ? ", color=red, penwidth=2" : "");
    }
    o += "  }\n";
  }
  // Time runs down: each step after the one before it; a dashed edge is a switch of CPU.
  std::string prev = "start";
  for (size_t i = 0; i < t.steps.size(); ++i) {
    bool sw = i > 0 && t.steps[i].cpu != t.steps[i - 1].cpu;
    o += fmt::format(
        "  {} -> s{}{};\n", prev, i + 1,
        sw ? fmt::format(" [style=dashed, label=\"{}\"]", t.steps[i].preemption ? "preempt" : "switch") : "");
    prev = fmt::format("s{}", i + 1);
  }
  std::vector<std::string> broken{"Broken: " + t.violation.property};
  std::istringstream in(t.violation.message);
  std::string word, line;
  while (in >> word) {
    if (line.size() + word.size() > 60) {
      broken.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) broken.push_back(line);
  o += fmt::format(
      "  violation [shape=box, style=\"rounded,filled\", fillcolor=\"#ffebee\", color=red, "
      "fontcolor=\"#b71c1c\", label=\"{}\"];\n",
      label(broken));
  o += fmt::format("  {} -> violation [color=red];\n", prev);
  o += "}\n";
  return o;
}

namespace {

const char* mt_letter(model::Mt mt) {
  switch (mt) {
    case model::Mt::UNMOVABLE: return "U";
    case model::Mt::MOVABLE: return "M";
    case model::Mt::RECLAIMABLE: return "R";
    case model::Mt::HIGHATOMIC: return "H";
    case model::Mt::CMA: return "C";
    case model::Mt::ISOLATE: return "I";
  }
  return "?";
}

std::string state_label(const model::TransitionSystem& ts, model::StateRef s) {
  const model::Layout& L = ts.layout();
  std::string pb = "pb ";
  for (int b = 0; b < L.nr_pb; ++b) pb += mt_letter(model::pageblock_type(s, b));
  std::vector<std::string> lines{pb};
  std::string lists;
  for (int l = 0; l < L.nr_buddy_lists; ++l) {
    auto pfns = s.list_pfns(l);
    if (pfns.empty()) continue;
    std::string e;
    for (int p : pfns) e += (e.empty() ? "" : ",") + std::to_string(p);
    lists += fmt::format("{}o{}{}:{}", lists.empty() ? "" : " ", L.list_order(l), mt_letter(L.list_mt(l)), e);
  }
  lines.push_back(lists.empty() ? "no free pages" : lists);
  std::string cpus;
  for (int c = 0; c < L.nr_threads; ++c) {
    std::string lab = step_label(ts, s, c);
    cpus += fmt::format("{}cpu{}:{}", c ? " " : "", c, lab.empty() ? "done" : lab);
  }
  lines.push_back(cpus);
  return label(lines);
}

struct Vertex {
  std::string label;
  bool initial = false, bad = false, on_path = false;
};
struct EdgeP {
  int cpu = 0;
  bool on_path = false, raises = false;
};

}  // namespace

std::string format_state_graph(const model::TransitionSystem& ts, const std::vector<model::State>& initial,
                               const props::PropertySet& props_in, const Trace* trace, long limit) {
  const model::Layout& L = ts.layout();
  const size_t S = static_cast<size_t>(L.size);
  props::PropertySet props = props_in;
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, Vertex, EdgeP>;
  Graph g;
  std::unordered_map<uint64_t, size_t> index;
  std::vector<std::vector<uint8_t>> states;
  auto add = [&](model::StateRef s) -> size_t {
    uint64_t fp = model::hash_state(s.bytes());
    auto it = index.find(fp);
    if (it != index.end()) return it->second;
    if (static_cast<long>(states.size()) >= limit)
      throw InputError(
          fmt::format("--state-graph: the scenario has more than {} reachable states; it is "
                      "meant for small scenarios (try the minimised one)",
                      limit));
    size_t v = boost::add_vertex(g);
    g[v].label = state_label(ts, s);
    g[v].bad = props.check_state(ts, s).has_value() || (ts.all_done(s) && props.check_end(ts, s).has_value());
    states.emplace_back(s.data(), s.data() + S);
    index.emplace(fp, v);
    return v;
  };
  for (const auto& s : initial) g[add(s.ref())].initial = true;
  std::vector<uint8_t> scratch(S);
  for (size_t k = 0; k < states.size(); ++k) {
    std::vector<uint8_t> cur = states[k];
    for (int c = 0; c < ts.nr_cpus(); ++c) {
      ts.for_each_outcome(cur, c, scratch.data(), &props,
                          [&](int, model::StateRef nx, const std::optional<model::Violation>& raised) {
                            size_t to = add(nx);
                            auto [e, ok] = boost::add_edge(k, to, g);
                            g[e].cpu = c;
                            g[e].raises = raised.has_value();
                            if (raised) g[to].bad = true;
                          });
    }
  }
  // The trace's path, replayed from its initial layout.
  if (trace) {
    model::State s = model::build_state(ts, trace->initial.layout);
    auto it = index.find(model::hash_state(s.bytes()));
    if (it != index.end()) {
      size_t v = it->second;
      g[v].on_path = true;
      for (const auto& st : trace->steps) {
        std::vector<int> arity;
        if (ts.run_step(s.ref(), st.cpu, &st.choices, &arity, nullptr, nullptr).status !=
            model::StepStatus::Ok)
          break;
        auto jt = index.find(model::hash_state(s.bytes()));
        if (jt == index.end()) break;
        for (auto [e, end] = boost::out_edges(v, g); e != end; ++e)
          if (boost::target(*e, g) == jt->second && g[*e].cpu == st.cpu) g[*e].on_path = true;
        v = jt->second;
        g[v].on_path = true;
      }
    }
  }
  std::ostringstream os;
  boost::write_graphviz(
      os, g,
      [&](std::ostream& out, size_t v) {
        const Vertex& x = g[v];
        out << "[label=\"" << x.label << "\"";
        if (x.bad)
          out << ", style=filled, fillcolor=\"#ffcdd2\", color=red";
        else if (x.initial)
          out << ", style=filled, fillcolor=\"#e3f2fd\"";
        if (x.on_path) out << ", penwidth=3" << (x.bad ? "" : ", color=\"#c62828\"");
        out << "]";
      },
      [&](std::ostream& out, Graph::edge_descriptor e) {
        const EdgeP& x = g[e];
        out << "[label=\"cpu" << x.cpu << "\"";
        if (x.on_path)
          out << ", color=\"#c62828\", penwidth=3, fontcolor=\"#c62828\"";
        else if (x.raises)
          out << ", color=red, style=dashed";
        out << "]";
      },
      [&](std::ostream& out) {
        out << "node [shape=box, fontname=\"monospace\", fontsize=9];\n";
        out << "label=\"reachable states: " << states.size() << (trace ? "; the trace in red" : "")
            << "\";\n";
      });
  return os.str();
}

}  // namespace pagecheck::traces

// One trace type, many printers. A trace is rebuilt from a counterexample (initial state and
// (cpu, outcome) steps) by re-executing it with event recording on. It carries everything a
// reader or `pagecheck replay` needs: the scenario (its TOML text too), the variant and its
// commit stack, the geometry, the programs, the initial layout, every step with its events and
// the memory after it, the violation, and what minimisation did. docs/trace-format.md.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/engine.hpp"
#include "model/events.hpp"
#include "model/layouts.hpp"
#include "model/scenario.hpp"
#include "model/system.hpp"
#include "properties/property.hpp"

namespace pagecheck::traces {

inline constexpr int kTraceVersion = 1;

struct CommitRef {
  std::string id, title, release;
  bool operator==(const CommitRef&) const = default;
};

// Pages in use, as runs of consecutive pages with the same holder.
struct PageRun {
  int pfn = 0, nr_pages = 0;
  std::string owner;  // "cpu0", "earlier owner"
  bool movable = false;
  bool operator==(const PageRun&) const = default;
};

// The memory at one point of the trace, in kernel terms.
struct MemorySnapshot {
  std::vector<std::string> pageblocks;                          // migratetype per pageblock
  std::vector<std::pair<std::string, std::vector<int>>> lists;  // non-empty lists, head first
  std::vector<PageRun> in_use;                                  // pages somebody holds
  std::vector<std::pair<std::string, int>> counters;            // every zone counter
  std::vector<std::pair<std::string, std::string>> locks;       // held locks: lock -> cpu
  // hugetlb folios, the free_hpage_work item, memory blocks and vmemmap PMDs: name -> state in words
  std::vector<std::pair<std::string, std::string>> objects;
  bool operator==(const MemorySnapshot&) const = default;
};

// What one step changed, summed up from its deltas (for printers that highlight).
struct StepChanges {
  std::vector<int> pfns;           // pages whose list, flags or owner changed
  std::vector<int> pageblocks;     // pageblocks whose type changed
  std::vector<std::string> lists;  // lists an entry was added to or taken off
  std::vector<std::pair<std::string, std::pair<int, int>>> counters;  // name -> (old, new)
  std::vector<std::string> locks_taken, locks_released;
  bool operator==(const StepChanges&) const = default;
};

struct TraceStep {
  int cpu = 0;
  int outcome = 0;                     // index among the step's nondeterministic outcomes
  std::vector<int> choices;            // the choice script of that outcome
  std::string label;                   // "procedure@pc" of the frame the step resumes
  std::string title;                   // the step's first line: "f(args)" or "f() continues"
  std::string source;                  // citation of the procedure the step runs in
  std::vector<std::string> call_path;  // procedures on the CPU's stack before the step
  bool preemption = false;             // the previous step's CPU could have gone on
  std::vector<model::Event> events;
  StepChanges changes;
  MemorySnapshot after;
};

struct ScenarioInfo {
  std::string name, file, summary, reference;
  std::string toml;  // the scenario file's text
};

// The explicit initial layout of the trace (one of the scenario's layouts).
struct InitialLayout {
  int index = 0;  // which of the scenario's initial layouts
  int count = 1;  // how many it has
  model::MemoryLayout layout;
  MemorySnapshot memory;
};

struct ViolationInfo {
  std::string property, statement, kernel_check, message;
  std::vector<int> pfns, pageblocks;
  std::vector<std::string> lists;
};

// What minimisation did (docs/user-guide.md, "Minimisation").
struct ScenarioReduction {
  bool ran = false;
  bool reduced = false;
  std::vector<std::string> removed;  // what was dropped, in words
  std::string toml;                  // the smallest scenario that still breaks the property
  int steps = 0;                     // its counterexample's length
  int checks = 0;                    // candidate scenarios checked
  std::string note;                  // why it stopped early, if it did
};

struct Minimisation {
  bool ran = false;
  int bfs_steps = 0, bfs_preemptions = 0;  // the explorer's counterexample
  int steps = 0, preemptions = 0, context_switches = 0;
  long states = 0;   // states the preemption search looked at
  std::string note;  // why preemptions were not minimised, if they were not
  ScenarioReduction scenario;
};

struct Trace {
  ScenarioInfo scenario;
  std::string variant;  // canonical spec
  std::string baseline;
  std::vector<CommitRef> stack;
  std::vector<std::string> properties;  // the properties the run checked
  model::Geometry geo;
  std::vector<std::vector<std::string>> programs;  // per CPU, operation texts
  InitialLayout initial;
  std::vector<TraceStep> steps;
  // A progress violation is a lasso: the steps from loop_start (0-based) on form a cycle that a
  // fair scheduler may repeat forever; -1 for every other violation.
  int loop_start = -1;
  ViolationInfo violation;
  Minimisation minimisation;
};

struct TraceMeta {
  ScenarioInfo scenario;
  std::string variant, baseline;
  std::vector<CommitRef> stack;
  std::vector<std::string> properties;
  int initial_count = 1;
};

// Re-executes `path` from `initial` and records every step. Throws ModelError when a step is
// not enabled (the counterexample does not belong to this system).
Trace build_trace(const model::TransitionSystem& ts, const model::State& initial, int initial_index,
                  const std::vector<checker::PathStep>& path, const model::Violation& violation,
                  props::PropertySet& props, const TraceMeta& meta);

// The memory of a state, and the explicit layout it was built from (initial states only).
MemorySnapshot snapshot(const model::Layout& L, model::StateRef s);
std::vector<std::pair<std::string, std::string>> snapshot_objects(const model::Layout& L, model::StateRef s);
model::MemoryLayout layout_of(const model::Layout& L, model::StateRef s);
StepChanges summarise_changes(const model::Layout& L, const std::vector<model::Event>& events);

// "procedure@pc" of the frame a CPU resumes, "" when it has finished.
std::string step_label(const model::TransitionSystem& ts, model::StateRef s, int cpu);
// A step's first line: "f(args)" when it enters its first call, else "f() continues".
std::string step_title(const std::vector<model::Event>& events, const std::vector<std::string>& call_path);

// Preemptions of a path: switches away from a CPU that could have taken another step.
int count_preemptions(const model::TransitionSystem& ts, const model::State& initial,
                      const std::vector<checker::PathStep>& path, std::vector<bool>* marks = nullptr);
int count_context_switches(const std::vector<checker::PathStep>& path);

// Lock names as printed: "zone->lock", "pcp[cpu0]->lock".
std::string lock_name(const model::Layout& L, int lock);
std::string owner_name(int owner);
// "CPU0", or "kworker" for the hugetlb worker thread.
std::string thread_name(const model::Geometry& g, int thread);

// One line of text for a delta, in kernel terms ("free_list[1][MOVABLE] += pfn 2").
std::string format_delta(const model::Layout& L, const model::Delta& d);

// --- printers (text.cpp, dot.cpp, html.cpp) ----------------------------------------------------

struct TextOptions {
  bool colour = false;  // ANSI colours (only for a terminal)
};
// The mail-ready two-column text: ASCII, at most 80 columns, deterministic.
std::string format_text(const Trace& t, const TextOptions& o = {});
// The interleaving alone: per step, (depth, line) pairs before placing them in a column.
std::vector<std::pair<int, std::string>> step_lines(const model::Layout& L, const TraceStep& st);

// Graphviz: one swimlane per CPU, a node per step.
std::string format_dot(const Trace& t);
// One self-contained HTML page (no network): step slider, CPU columns, a picture of memory.
std::string format_html(const Trace& t);

}  // namespace pagecheck::traces

// One trace type, many printers. A trace is rebuilt from a counterexample (initial state and
// (cpu, outcome) steps) by re-executing it with event recording on.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checker/engine.hpp"
#include "model/events.hpp"
#include "model/scenario.hpp"
#include "model/system.hpp"
#include "properties/property.hpp"

namespace pagecheck::traces {

struct TraceStep {
  int cpu = 0;
  int outcome = 0;
  std::vector<std::string> call_path;  // procedures on the CPU's stack before the step
  std::vector<model::Event> events;
};

struct CommitRef {
  std::string id, title, release;
};

struct InitialMemory {
  std::vector<std::string> pageblock_mt;                             // per pageblock
  std::vector<std::pair<std::string, std::vector<int>>> free_lists;  // non-empty lists, head first
  std::vector<std::pair<int, int>> allocated;  // runs of pages in use: (first pfn, count)
};

struct Trace {
  std::string scenario, scenario_file, summary;
  std::string variant;  // canonical spec
  std::vector<CommitRef> stack;
  model::Geometry geo;
  std::vector<std::vector<std::string>> programs;  // per CPU, operation texts
  InitialMemory initial;
  int initial_index = 0;
  std::vector<TraceStep> steps;
  model::Violation violation;
  std::string property_statement;
  std::string kernel_check;
};

struct TraceMeta {
  std::string scenario, scenario_file, summary, variant;
  std::vector<CommitRef> stack;
};

// Re-executes the counterexample of `r` from `initial` and records every step.
Trace build_trace(const model::TransitionSystem& ts, const model::State& initial, const checker::Result& r,
                  props::PropertySet& props, const TraceMeta& meta);

InitialMemory describe_memory(const model::TransitionSystem& ts, model::StateRef s);

// The mail-ready two-column text: ASCII, at most 80 columns, deterministic.
std::string format_text(const Trace& t);

// One line of text for a delta, in kernel terms ("free_list[1][MOVABLE] += pfn 2").
std::string format_delta(const model::Layout& L, const model::Delta& d);

}  // namespace pagecheck::traces

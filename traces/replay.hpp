// `pagecheck replay`: an independent validator of a trace file. It rebuilds the transition
// system from the trace alone (variant, geometry, programs, initial layout), checks that every
// step was enabled and that its recorded choices are one of its outcomes, re-executes it with
// the model's step functions, compares what it did with what the trace records, and re-checks
// the violation at the end. It shares nothing with the explorer but the step functions.
#pragma once

#include <string>
#include <vector>

#include "traces/trace.hpp"

namespace pagecheck::traces {

enum class ReplayOutcome { Reproduced, NotReproduced };

struct ReplayReport {
  ReplayOutcome outcome = ReplayOutcome::NotReproduced;
  std::string variant;  // the spec it ran on
  int steps = 0;
  int preemptions = 0;
  std::string message;  // the violation it saw, or why it saw none
  std::vector<std::string> notes;
};

// `variant_override` (a spec, or "") runs the trace's steps on another kernel: then only
// enabledness and the violation are checked, not what each step did. Throws InputError naming
// `where`, the step and what did not match when the trace is not a valid trace.
ReplayReport replay_trace(const Trace& t, const std::string& where, const std::string& variant_override = {});

}  // namespace pagecheck::traces

// k-induction with Z3 (pagecheck prove). For k = 1, 2, ... up to a bound:
//   base case: BMC from the initial states (every well-formed layout of the geometry by
//     default) shows the goal holds at depth k-1; a violation there is a real one, with a trace;
//   inductive step: k consecutive steps from an arbitrary state, along which the goal and the
//     strengthening hold, cannot end in a state (or step) that breaks the goal.
// The strengthening is chosen Houdini-style from candidates (the other properties' SMT forms
// and the encoding's lemmas, checker/smt/encoder.cpp): a candidate is dropped when the base case
// finds it false in a reachable state or the inductive step finds it not preserved; what is
// left is inductive together with the goal. When the step still fails for the goal at the last
// k, the counterexample to induction is printed: the state the missing strengthening must
// exclude. Verdicts: proved, violated, unknown (Z3's reason, or induction failing at the bound);
// unknown is never "proved".
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/engine.hpp"
#include "checker/smt/options.hpp"
#include "model/scenario.hpp"
#include "model/variants/variants.hpp"
#include "traces/trace.hpp"

namespace pagecheck::smt {

struct ProveRequest {
  std::string scenario;
  std::string variant;
  std::vector<std::string> apply, revert;
  std::vector<std::string> properties;  // the goals (all of them must hold)
  int max_k = 4;
  bool all_layouts = true;              // every well-formed layout of the scenario's geometry
  std::vector<std::string> strengthen;  // empty: every candidate; {"none"}: none; else these
  double time_limit = 0;                // seconds for the whole proof; 0: none
  SmtOptions smt;
};

enum class ProofVerdict : uint8_t { Proved, Violated, Unknown };
const char* proof_verdict_name(ProofVerdict v);

struct CtiState {
  std::string text;  // the state in kernel terms, several lines
};

struct ProveOutcome {
  model::Scenario scenario;
  model::ResolvedVariant variant;
  std::vector<std::string> goals;
  ProofVerdict verdict = ProofVerdict::Unknown;
  int k = 0;                        // the k that proved it, or the last one tried
  bool by_exhaustion = false;       // proved because no execution is longer than the base case
  std::string initial;              // the initial condition, in words
  std::vector<std::string> lemmas;  // the strengthening that was kept
  std::vector<std::pair<std::string, std::string>> dropped;  // candidates dropped, and why
  std::vector<std::string> candidates;                       // every candidate considered
  std::string reason;                                        // with Unknown
  checker::Result result;                                    // with Violated: the counterexample
  std::optional<traces::Trace> trace;
  std::optional<std::string> cti;  // the last counterexample to induction, rendered
  std::vector<std::string> cti_broken;
  SmtStats stats;
  double seconds = 0;
};

// Throws InputError for bad input or what the SMT engine does not encode.
ProveOutcome run_prove(const ProveRequest& req);

}  // namespace pagecheck::smt

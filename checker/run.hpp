// Running one check: scenario + variant spec -> transition system -> engine -> result (+ trace).
// Shared by the CLI and the end-to-end tests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checker/engine.hpp"
#include "checker/smt/options.hpp"
#include "model/layouts.hpp"
#include "model/scenario.hpp"
#include "model/system.hpp"
#include "model/variants/variants.hpp"
#include "properties/property.hpp"
#include "traces/trace.hpp"

namespace pagecheck::checker {

struct CheckRequest {
  std::string scenario;  // catalogue name or path
  std::string variant;   // spec
  std::vector<std::string> apply, revert;
  std::vector<std::string> properties;  // empty: the scenario's [check], else all that apply
  Bounds bounds;
  SearchOptions search;
  bool minimise = true;             // fewest preemptions among the shortest counterexamples
  bool reduce_scenario = true;      // and delta debugging over the scenario (needs minimise)
  std::string engine = "explicit";  // or "smt"
  smt::SmtOptions smt;
};

struct CheckOutcome {
  model::Scenario scenario;
  model::ResolvedVariant variant;
  std::vector<std::string> properties;
  std::vector<std::string> not_applicable;  // [check] properties this variant does not have
  Result result;
  std::optional<traces::Trace> trace;
  std::string engine = "explicit";
  std::optional<smt::SmtStats> smt;  // with engine "smt"
};

// Throws InputError for bad input.
CheckOutcome run_check(const CheckRequest& req);

// A file's whole text ("" when it cannot be read).
std::string read_text_file(const std::string& path);

// What a trace records of the run: the scenario (with its file's text), the variant and its
// commit stack, the properties checked, and how many initial layouts there were.
traces::TraceMeta trace_meta(const model::Scenario& scenario, const model::ResolvedVariant& variant,
                             std::vector<std::string> properties, int initial_count);

// The newest modelled kernel: the default --variant.
std::string default_variant();

}  // namespace pagecheck::checker

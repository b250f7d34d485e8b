// pagecheck prove SCENARIO --variant V --property P [--k N]
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "checker/cli/commands.hpp"
#include "checker/cli/output.hpp"
#include "checker/smt/prove.hpp"
#include "traces/json.hpp"

namespace pc = pagecheck;
using nlohmann::json;

namespace pagecheck::cli {

namespace {

struct ProveArgs {
  pc::smt::ProveRequest req;
  std::string layouts = "all";
  bool as_json = false;
  std::string trace_out;
};

int cmd_prove(ProveArgs& a) {
  a.req.all_layouts = a.layouts == "all";
  pc::smt::ProveOutcome o = pc::smt::run_prove(a.req);
  if (!a.trace_out.empty()) {
    if (o.trace)
      emit(pc::traces::trace_json(*o.trace).dump(2) + "\n", a.trace_out);
    else  // the verdict keeps its exit code: no violation is not an error
      fmt::print(stderr, "pagecheck: --trace-out {}: no violation, so no trace was written\n", a.trace_out);
  }
  const int code = o.verdict == pc::smt::ProofVerdict::Proved     ? kHolds
                   : o.verdict == pc::smt::ProofVerdict::Violated ? kViolated
                                                                  : kIncomplete;
  std::string goals, lemmas;
  for (const auto& g : o.goals) goals += (goals.empty() ? "" : ", ") + g;
  for (const auto& l : o.lemmas) lemmas += (lemmas.empty() ? "" : ", ") + l;
  if (a.as_json) {
    json dropped = json::array();
    for (const auto& [name, why] : o.dropped) dropped.push_back({{"candidate", name}, {"why", why}});
    json j = {{"verdict", pc::smt::proof_verdict_name(o.verdict)},
              {"scenario", o.scenario.name},
              {"variant", o.variant.spec},
              {"engine", "smt"},
              {"properties", o.goals},
              {"initial", o.initial},
              {"k", o.k},
              {"by_exhaustion", o.by_exhaustion},
              {"strengthening", o.lemmas},
              {"candidates", o.candidates},
              {"dropped", dropped},
              {"stats",
               {{"seconds", o.seconds},
                {"queries", o.stats.queries},
                {"solver_seconds", o.stats.solver_seconds},
                {"encode_seconds", o.stats.encode_seconds},
                {"state_variables", o.stats.variables}}}};
    if (!o.reason.empty()) j["reason"] = o.reason;
    if (o.result.violation)
      j["violation"] = {{"property", o.result.violation->property},
                        {"message", o.result.violation->message},
                        {"pfns", o.result.violation->pfns},
                        {"pageblocks", o.result.violation->pageblocks}};
    if (o.trace) j["trace"] = pc::traces::trace_json(*o.trace);
    if (o.cti) j["counterexample_to_induction"] = {{"breaks", o.cti_broken}, {"text", *o.cti}};
    fmt::print("{}\n", j.dump(2));
    return code;
  }
  switch (o.verdict) {
    case pc::smt::ProofVerdict::Proved:
      if (o.by_exhaustion)
        fmt::print(
            "{} on {}: proved ({}) for {}: no execution is longer than {} steps and the base case checked "
            "every one.\n",
            o.scenario.name, o.variant.spec, goals, o.initial, o.k - 2);
      else
        fmt::print("{} on {}: proved ({}) for {}, by {}-induction{}.\n", o.scenario.name, o.variant.spec,
                   goals, o.initial, o.k, lemmas.empty() ? "" : ", strengthened with " + lemmas);
      break;
    case pc::smt::ProofVerdict::Violated:
      fmt::print("{}", pc::traces::format_text(*o.trace));
      fmt::print(
          "\n{} on {}: violated in the base case at depth {} (from {}); the trace was replayed on the "
          "explicit model.\n",
          o.scenario.name, o.variant.spec, o.result.path.size(), o.initial);
      break;
    case pc::smt::ProofVerdict::Unknown:
      fmt::print("{} on {}: unknown ({}): {}.\n", o.scenario.name, o.variant.spec, goals, o.reason);
      if (o.cti) fmt::print("\n{}", *o.cti);
      break;
  }
  for (const auto& [name, why] : o.dropped) fmt::print("Candidate dropped: {} ({}).\n", name, why);
  fmt::print("Z3: {} queries, {:.3f} s ({:.3f} s solving).\n", o.stats.queries, o.seconds,
             o.stats.solver_seconds);
  return code;
}

}  // namespace

Runner add_prove(CLI::App& app) {
  auto pa = std::make_shared<ProveArgs>();
  auto* prove = app.add_subcommand(
      "prove",
      "Prove properties for every layout and every depth with Z3 (k-induction, with a base case by BMC)");
  prove->add_option("scenario", pa->req.scenario, "Catalogue name or path of a scenario file")->required();
  prove->add_option("--variant", pa->req.variant, "Variant spec, e.g. \"v6.10\" or \"v6.10 -fd919a85cd55\"")
      ->required();
  prove->add_option("--apply", pa->req.apply, "Add a modelled commit to the variant's stack");
  prove->add_option("--revert", pa->req.revert, "Drop a modelled commit from the variant's stack");
  prove->add_option("--property", pa->req.properties, "Property to prove (repeatable: all must hold)")
      ->required();
  prove->add_option("--k", pa->req.max_k, "Try k-induction for k = 1 .. N (default 4)")
      ->check(CLI::Range(1, 64));
  prove
      ->add_option(
          "--layouts", pa->layouts,
          "all: every well-formed layout of the scenario's geometry (default); scenario: its own layout(s)")
      ->check(CLI::IsMember({"all", "scenario"}));
  prove->add_option("--strengthen", pa->req.strengthen,
                    "Candidate lemmas (repeatable; default: every other property and the encoding's lemmas; "
                    "'none': prove the goal alone)");
  prove->add_option("--time-limit", pa->req.time_limit, "Give up (unknown) after this many seconds")
      ->check(CLI::Range(0.001, 1e7));
  prove->add_option("--smt-timeout", pa->req.smt.query_timeout, "Seconds per Z3 query")
      ->check(CLI::Range(0.001, 1e7));
  prove->add_option("--smt-dump", pa->req.smt.dump_file,
                    "Write the SMT-LIB of the last Z3 query to this file");
  prove->add_flag("--smt-log", pa->req.smt.log, "One line per Z3 query on stderr");
  prove->add_flag("--json", pa->as_json, "Print one JSON object");
  prove->add_option("--trace-out", pa->trace_out, "Write the counterexample trace (JSON) to this file");
  return [prove, pa]() -> int { return prove->parsed() ? cmd_prove(*pa) : -1; };
}

}  // namespace pagecheck::cli

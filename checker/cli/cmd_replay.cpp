// pagecheck replay TRACE.json [--variant SPEC]: the independent validator (traces/replay.hpp).
// Exit 1: the trace reproduces its violation; 0: it runs but does not; 2: not a valid trace.
#include <fmt/format.h>

#include "checker/cli/commands.hpp"
#include "traces/json.hpp"
#include "traces/replay.hpp"

namespace pagecheck::cli {

namespace {

int cmd_replay(const std::string& file, const std::string& variant, bool quiet) {
  traces::Trace t = traces::read_trace_file(file);
  traces::ReplayReport r = traces::replay_trace(t, file, variant);
  if (!quiet)
    for (const auto& n : r.notes) fmt::print("note: {}\n", n);
  if (r.outcome == traces::ReplayOutcome::Reproduced) {
    if (!quiet)
      fmt::print("{}: reproduced on {}: {} after {} step{} ({} preemption{}{}): {}\n", file, r.variant,
                 t.violation.property, r.steps, r.steps == 1 ? "" : "s", r.preemptions,
                 r.preemptions == 1 ? "" : "s",
                 variant.empty() ? "; every step and its effects as recorded" : "", r.message);
    return kViolated;
  }
  if (!quiet)
    fmt::print("{}: not reproduced on {}: all {} step{} ran, but {}\n", file, r.variant, r.steps,
               r.steps == 1 ? "" : "s", r.message);
  return kHolds;
}

}  // namespace

Runner add_replay(CLI::App& app) {
  struct Args {
    std::string file, variant;
    bool quiet = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "replay",
      "Validate a trace file independently: re-run its steps on the model and re-check its violation");
  cmd->add_option("trace", a->file, "A trace file written by --trace-out")->required();
  cmd->add_option("--variant", a->variant,
                  "Run the same steps on another variant spec (checks enabledness and the violation only)");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing; the exit code says it");
  return [cmd, a]() -> int { return cmd->parsed() ? cmd_replay(a->file, a->variant, a->quiet) : -1; };
}

}  // namespace pagecheck::cli

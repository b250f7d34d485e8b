#include "checker/explorer.hpp"

#include <fmt/format.h>

#include <cmath>

#include "checker/bfs.hpp"
#include "checker/foundation.hpp"

namespace pagecheck::checker {

Explorer::Explorer(const model::TransitionSystem& ts, std::vector<model::State> initial,
                   props::PropertySet props, SearchOptions options)
    : ts_(ts), initial_(std::move(initial)), props_(std::move(props)), opt_(options) {}

void Explorer::validate(const SearchOptions& o) {
  if (o.threads < 1) throw InputError("--threads must be at least 1");
  if (o.preemption_bound > 255)
    throw InputError("--preemption-bound must be at most 255 (the count is kept in 8 bits)");
  if (o.strategy == Strategy::Foundation && (o.por != Por::None || o.symmetry || o.preemption_bound >= 0 ||
                                             o.threads > 1 || o.full_states || o.check_footprints))
    throw InputError(
        "--strategy foundation is the foundation's plain BFS, the benchmark baseline: it takes no --por, "
        "--symmetry, --preemption-bound, --threads, --full-states or --check-footprints");
  if (o.threads > 1 && o.strategy != Strategy::Bfs)
    throw InputError("--threads runs the level-synchronous BFS in parallel: it needs --strategy bfs");
  if (o.por == Por::Dpor && o.strategy != Strategy::Dfs)
    throw InputError("--por dpor explores depth first: use it with --strategy dfs");
  if (o.por == Por::Dpor && o.symmetry) throw InputError("--symmetry does not combine with --por dpor");
  if (o.preemption_bound >= 0 && o.por != Por::None)
    throw InputError("--preemption-bound combines only with --por none");
}

namespace {

// With symmetry the path runs over canonical states: renumber each step's CPU for the states
// the scenario really starts from, and recompute the violation on them.
void concretize(const Setup& su, Result& r) {
  model::State x = su.initial[static_cast<size_t>(r.initial_index)];
  std::vector<uint8_t> canon(su.S), scratch(su.S);
  std::optional<model::Violation> raised;
  for (PathStep& step : r.path) {
    std::memcpy(canon.data(), x.bytes().data(), su.S);
    Perm perm;
    su.symmetry.canonicalize(canon.data(), scratch.data(), perm);
    step.cpu = Symmetry::inverse(perm)[static_cast<size_t>(step.cpu)];
    model::StepResult sr = su.ts.replay(x.ref(), step.cpu, step.outcome, nullptr, &su.props);
    if (sr.status != model::StepStatus::Ok)
      throw ModelError("symmetry: a step of the counterexample does not replay on the scenario's own CPUs");
    raised = sr.raised;
  }
  if (raised) {
    r.violation = *raised;
  } else if (auto v = check_new_state(su, x.bytes())) {
    r.violation = *v;
  } else if (r.violation && r.violation->property != "deadlock-free") {
    throw ModelError("symmetry: the counterexample does not violate its property on the scenario's own CPUs");
  }
}

}  // namespace

Result Explorer::check(const Bounds& b) {
  validate(opt_);
  if (opt_.strategy == Strategy::Foundation) return FoundationExplorer(ts_, initial_, props_).check(b);
  Setup su(ts_, initial_, props_, opt_, b);
  Control ctl(b);
  Result r;
  std::optional<Found> found;
  switch (opt_.strategy) {
    case Strategy::Bfs: found = run_bfs(su, ctl, r.stats, terminal_out_); break;
    case Strategy::Dfs:
      found = opt_.por == Por::Dpor ? run_dpor(su, ctl, r.stats, terminal_out_)
                                    : run_dfs(su, ctl, r.stats, terminal_out_);
      break;
    case Strategy::Foundation: break;
  }
  if (found) {
    r.verdict = Verdict::Violated;
    r.violation = std::move(found->violation);
    r.initial_index = found->initial_index;
    r.path = std::move(found->path);
    if (su.sym) concretize(su, r);
  } else if (ctl.stopped()) {
    r.verdict = Verdict::Incomplete;
    r.incomplete_reason = ctl.reason();
  } else if (su.pb && r.stats.pruned > 0) {
    r.verdict = Verdict::Incomplete;
    r.incomplete_reason =
        fmt::format("--preemption-bound {} left out {} steps of interleavings with more preemptions",
                    opt_.preemption_bound, r.stats.pruned);
  }
  r.stats.seconds = ctl.elapsed();
  r.stats.memory_bytes = ctl.peak_memory();
  if (!opt_.full_states) {
    const double d = static_cast<double>(r.stats.states);
    const double g = static_cast<double>(r.stats.transitions + static_cast<long>(initial_.size()));
    r.stats.collision_probability = g > d ? d * (g - d) / std::ldexp(1.0, 64) : 0;
  }
  ctl.progress().finish(r.stats);
  return r;
}

}  // namespace pagecheck::checker

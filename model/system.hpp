// The transition system a scenario and a variant make together: initial states, and for each CPU
// its next atomic step (with every nondeterministic outcome of that step).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "model/kernel/kernel.hpp"
#include "model/machine.hpp"
#include "model/state.hpp"

namespace pagecheck::model {

enum class StepStatus : uint8_t { Ok, Blocked, Done };

struct StepResult {
  StepStatus status = StepStatus::Done;
  std::optional<Violation> raised;
};

class TransitionSystem {
 public:
  TransitionSystem(const Layout& layout, const Kernel& kernel, std::vector<Program> programs);

  const Layout& layout() const { return layout_; }
  const Kernel& kernel() const { return kernel_; }
  const std::vector<Program>& programs() const { return programs_; }
  // The threads the scheduler runs: every CPU, then the hugetlb worker (if any). A worker thread
  // has no program; it has a frame only while queue_work() has given it something to run.
  int nr_cpus() const { return layout_.nr_threads; }
  bool is_worker(int thread) const { return thread >= layout_.nr_cpus; }

  // Pushes each CPU's first operation onto a state whose memory part is already laid out.
  void start_programs(StateRef s) const;

  bool cpu_done(StateRef s, int cpu) const { return s.cpu(cpu)[cpuoff::depth] == 0; }
  bool all_done(StateRef s) const;

  // Runs one step of `cpu` in place on `s`, taking the nondeterministic choices from `script`
  // (then 0s) and appending to `arity` the number of outcomes of every choice point met beyond
  // the script. On Blocked the state must be discarded.
  StepResult run_step(StateRef s, int cpu, const std::vector<int>* script, std::vector<int>* arity,
                      Recorder* rec, Observer* obs) const;

  // Every outcome of one CPU's next step, in a fixed order: f(outcome, StateRef next, raised).
  // `scratch` must hold layout().size bytes; `next` points into it and is valid during f.
  // Returns the number of outcomes (0 when the CPU is done or blocked).
  template <class F>
  int for_each_outcome(std::span<const uint8_t> s, int cpu, uint8_t* scratch, Observer* obs, F&& f) const {
    return enumerate(s, cpu, scratch, obs,
                     [&](int n, const std::vector<int>&, StateRef next,
                         const std::optional<Violation>& raised) { f(n, next, raised); });
  }

  // As for_each_outcome, with the choice script of each outcome: f(outcome, script, next, raised).
  template <class F>
  int enumerate(std::span<const uint8_t> s, int cpu, uint8_t* scratch, Observer* obs, F&& f) const;

  // Replays outcome number `outcome` of `cpu` from `s` (in place), recording events.
  StepResult replay(StateRef s, int cpu, int outcome, Recorder* rec, Observer* obs) const;

  // The procedures on a CPU's stack, bottom first: its call path between steps.
  std::vector<const ProcDef*> call_path(StateRef s, int cpu) const;

 private:
  Layout layout_;
  const Kernel& kernel_;
  std::vector<Program> programs_;
};

template <class F>
int TransitionSystem::enumerate(std::span<const uint8_t> s, int cpu, uint8_t* scratch, Observer* obs,
                                F&& f) const {
  if (s[static_cast<size_t>(layout_.off_cpus + cpu * layout_.cpu_stride + cpuoff::depth)] == 0) return 0;
  // Run with no script first: most steps have no choice point. Then a depth-first enumeration
  // of choice scripts: queue the siblings of every choice point a run met beyond its script.
  thread_local std::vector<int> arity;
  arity.clear();
  std::memcpy(scratch, s.data(), s.size());
  StateRef next(scratch, &layout_);
  StepResult r = run_step(next, cpu, nullptr, &arity, nullptr, obs);
  if (r.status == StepStatus::Blocked) return 0;
  static const std::vector<int> kEmpty;
  f(0, kEmpty, next, r.raised);
  if (arity.empty()) return 1;
  int n = 1;
  std::vector<std::vector<int>> pending;
  auto queue_siblings = [&](const std::vector<int>& script, const std::vector<int>& ar) {
    for (size_t j = ar.size(); j-- > 0;) {
      for (int k = ar[j] - 1; k >= 1; --k) {
        std::vector<int> sib = script;
        sib.resize(script.size() + j, 0);
        sib.push_back(k);
        pending.push_back(std::move(sib));
      }
    }
  };
  queue_siblings({}, std::vector<int>(arity));
  while (!pending.empty()) {
    std::vector<int> script = std::move(pending.back());
    pending.pop_back();
    std::memcpy(scratch, s.data(), s.size());
    arity.clear();
    r = run_step(next, cpu, &script, &arity, nullptr, obs);
    if (r.status == StepStatus::Blocked) throw ModelError("a step blocked after a nondeterministic choice");
    f(n, script, next, r.raised);
    ++n;
    queue_siblings(script, std::vector<int>(arity));
  }
  return n;
}

}  // namespace pagecheck::model

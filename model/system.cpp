#include "model/system.hpp"

#include <fmt/format.h>

namespace pagecheck::model {

TransitionSystem::TransitionSystem(const Layout& layout, const Kernel& kernel, std::vector<Program> programs)
    : layout_(layout), kernel_(kernel), programs_(std::move(programs)) {
  if (static_cast<int>(programs_.size()) != layout_.nr_cpus &&
      static_cast<int>(programs_.size()) != layout_.nr_threads)
    throw ModelError("one program per CPU is needed");
  for (size_t t = static_cast<size_t>(layout_.nr_cpus); t < programs_.size(); ++t)
    if (!programs_[t].empty()) throw ModelError("a worker thread has no program");
  // Worker threads (the hugetlb free_hpage_work worker) have no program: queue_work() starts them.
  programs_.resize(static_cast<size_t>(layout_.nr_threads));
  for (const auto& prog : programs_)
    for (const auto& op : prog)
      if (!kernel_.procs[op.proc])
        throw InputError(fmt::format("operation '{}' is not modelled by this variant", op.text));
}

void TransitionSystem::start_programs(StateRef s) const {
  for (int c = 0; c < layout_.nr_cpus; ++c) {
    uint8_t* a = s.cpu(c);
    a[cpuoff::op] = 0;
    const Program& prog = programs_[static_cast<size_t>(c)];
    if (prog.empty()) continue;
    Ctx ctx(s, kernel_, programs_, c);
    ctx.push_frame(prog[0].proc, prog[0].args.data(), prog[0].nargs);
  }
}

bool TransitionSystem::all_done(StateRef s) const {
  for (int c = 0; c < layout_.nr_threads; ++c)
    if (!cpu_done(s, c)) return false;
  return true;
}

StepResult TransitionSystem::run_step(StateRef s, int cpu, const std::vector<int>* script,
                                      std::vector<int>* arity, Recorder* rec, Observer* obs) const {
  StepResult res;
  uint8_t* a = s.cpu(cpu);
  if (a[cpuoff::depth] == 0) return res;  // Done
  Ctx c(s, kernel_, programs_, cpu);
  c.set_recorder(rec);
  c.set_observer(obs);
  c.set_choices(script, arity);
  while (true) {
    const ProcDef* d = kernel_.procs[static_cast<size_t>(c.proc())];
    if (c.pc() == 0 && rec)
      c.enter(fmt::format("{}({})", d->name, d->describe ? d->describe(c) : std::string()), d->source,
              c.depth() - 1);
    Flow f;
    try {
      f = d->run(c);
    } catch (const StepAborted&) {
      res.status = StepStatus::Ok;
      res.raised = c.raised();
      return res;
    }
    if (f == Flow::Blocked) {
      res.status = StepStatus::Blocked;
      return res;
    }
    if (f == Flow::Yield) {
      if (c.pc() == 0) throw ModelError(fmt::format("{} yields back to its entry pc", d->name));
      break;
    }
    if (f == Flow::Call) continue;
    // Return.
    if (rec) c.leave(d->name, format_ret(d->ret, c.retval()), c.depth() - 1);
    c.pop_frame();
    if (a[cpuoff::depth] == 0) {
      if (cpu >= layout_.nr_cpus) break;  // a worker goes idle until queue_work() wakes it again
      int next = a[cpuoff::op] + 1;
      const Program& prog = c.program();
      a[cpuoff::op] = static_cast<uint8_t>(next);
      if (next < static_cast<int>(prog.size())) {
        const Op& op = prog[static_cast<size_t>(next)];
        c.push_frame(op.proc, op.args.data(), op.nargs);
      }
      break;  // a new operation starts in a step of its own
    }
  }
  res.status = StepStatus::Ok;
  res.raised = c.raised();
  return res;
}

StepResult TransitionSystem::replay(StateRef s, int cpu, int outcome, Recorder* rec, Observer* obs) const {
  std::vector<uint8_t> scratch(static_cast<size_t>(layout_.size));
  std::vector<int> chosen;
  bool found = false;
  enumerate(s.bytes(), cpu, scratch.data(), nullptr,
            [&](int n, const std::vector<int>& script, StateRef, const std::optional<Violation>&) {
              if (n == outcome) {
                chosen = script;
                found = true;
              }
            });
  if (!found) {
    StepResult r;
    r.status = s.cpu(cpu)[cpuoff::depth] == 0 ? StepStatus::Done : StepStatus::Blocked;
    return r;
  }
  std::vector<int> arity;
  return run_step(s, cpu, &chosen, &arity, rec, obs);
}

std::vector<const ProcDef*> TransitionSystem::call_path(StateRef s, int cpu) const {
  std::vector<const ProcDef*> v;
  const uint8_t* a = s.cpu(cpu);
  int off = 0;
  for (int i = 0; i < a[cpuoff::depth]; ++i) {
    const ProcDef* d = kernel_.procs[a[cpuoff::stack + off]];
    v.push_back(d);
    off += 2 + d->nlocals;
  }
  return v;
}

}  // namespace pagecheck::model

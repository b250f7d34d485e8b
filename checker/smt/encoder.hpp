// The transition system of a scenario and a variant, encoded: the control states each CPU can
// be in, each CPU's step as a relation between two symbolic states, the scheduler's choice of
// CPU, the initial states (one, or every well-formed layout), and the properties and lemmas
// over a state. One Encoder belongs to one z3::context (one worker).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checker/smt/exec.hpp"
#include "checker/smt/kernel.hpp"
#include "checker/smt/view.hpp"
#include "model/scenario.hpp"
#include "model/system.hpp"
#include "properties/property.hpp"

namespace pagecheck::smt {

// One path of one step from one control state.
struct PathResult {
  Ctrl from, to;
  z3::expr cond;  // the path's condition (decisions taken)
  SymState next;
  std::vector<z3::expr> viol;  // per event property
  z3::expr unsup;              // the path reached code the encoding does not model
};

// One CPU's step from a state: the successor (meaningful where `enabled`), the event
// properties it raises.
struct StepEnc {
  z3::expr enabled;
  SymState next;
  std::vector<z3::expr> viol;
  z3::expr unsup;  // the step reaches code the encoding does not model (next is meaningless)
};

// A candidate strengthening for k-induction: a property's SMT form, or a lemma of the encoding.
struct Invariant {
  std::string name;
  std::string statement;
  bool is_property = false;
  const SmtProperty* prop = nullptr;  // state part: prop->holds; event part: prop->on_observe
  z3::expr (*lemma)(const class Encoder&, const SymView&) = nullptr;
};

// How the initial states are given: one explicit state, or every well-formed layout of the
// geometry over some pageblock types (the definition of layouts = "all").
struct InitSpec {
  bool symbolic = false;
  std::vector<model::Mt> types;  // with symbolic
  std::vector<int> values;       // otherwise
};

class Encoder {
 public:
  // `props`: the properties to check (each must have an SMT form); throws InputError for what
  // the encoding does not cover.
  Encoder(z3::context& c, const model::TransitionSystem& ts, const std::string& variant,
          const std::vector<const props::Property*>& props);

  z3::context& c;
  const model::TransitionSystem& ts;
  const model::Kernel& k;
  SymLayout S;
  SymKernel K;
  ExecEnv env;
  std::vector<const props::Property*> props;               // selected
  std::vector<const SmtProperty*> state_props, end_props;  // their SMT state forms
  std::vector<const props::Property*> event_props;         // their explicit entries, in env.events order

  // Control states each CPU can reach, with the fewest own steps that reach them (explored on
  // first use: a symbolic run of every step from every control state found).
  const std::map<Ctrl, int>& configs(int cpu) const {
    explore_configs();
    return configs_[static_cast<size_t>(cpu)];
  }
  Ctrl start_ctrl(int cpu) const;
  // The most steps any execution takes (the sum of each CPU's longest path through its control
  // states), or -1 when a CPU's control states form a cycle (a loop over a value read from
  // memory).
  int max_steps() const {
    explore_configs();
    return max_steps_;
  }

  // Every path of cpu's step from control state `from` on state s.
  std::vector<PathResult> paths(const SymState& s, int cpu, const Ctrl& from) const;
  // cpu's step from s, over the control states reached within `max_dist` own steps.
  StepEnc step(const SymState& s, int cpu, int max_dist) const;
  // s -> t by the CPU `sel` (a byte variable): the constraint, per event property whether the
  // step raised it, and whether it reached code the encoding does not model (`unsup`; t is then
  // meaningless).
  z3::expr transition(const SymState& s, const SymState& t, const z3::expr& sel, int max_dist,
                      std::vector<z3::expr>& viol, z3::expr& unsup) const;

  // The selected state (and, where every CPU is done, end-state) properties hold on s.
  z3::expr state_ok(const SymState& s) const;
  // The initial condition on s0.
  z3::expr initial(const SymState& s0, const InitSpec& init) const;
  // Every well-formed layout with the scenario's programs started (layouts = "all").
  z3::expr layouts(const SymState& s0, const std::vector<model::Mt>& types) const;

  // Candidate strengthenings (the SMT forms of every property but `except`, and the lemmas).
  std::vector<Invariant> candidates(const std::vector<std::string>& except) const;
  z3::expr holds(const Invariant& inv, const SymState& s) const;
  z3::expr control_ok(const SymView& v) const;     // each CPU is in one of its control states
  int event_index(const std::string& name) const;  // in env.events, or -1

 private:
  void explore_configs() const;
  mutable std::vector<std::map<Ctrl, int>> configs_;
  mutable int max_steps_ = -1;
  mutable bool explored_ = false;
};

// The values of an explicit state (InputError if the encoding cannot represent it).
std::vector<int> encode_values(const Encoder& e, model::StateRef s);

}  // namespace pagecheck::smt

// Properties as named objects: what must hold, the kernel check it corresponds to, where it
// applies, and a checker that names the offending pages.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/footprint.hpp"
#include "model/machine.hpp"
#include "model/system.hpp"

namespace pagecheck::props {

enum class Kind : uint8_t {
  State,     // checked on every reachable state
  Event,     // checked when the model reports an observation during a step
  EndState,  // checked on states where every CPU has finished
  Progress,  // "every operation can finish": checked on the whole state graph (checker/liveness.hpp)
};
const char* kind_name(Kind k);

// How a state property's verdict depends on the state, for the reductions (docs/design.md,
// "Reductions and properties"). A reduced search visits fewer states; it still finds a
// violating state if, for every conjunct of the property, a step that writes one of the
// objects the conjunct reads is taken to read all of them.
enum class Support : uint8_t {
  Global,  // undeclared: a step that writes anything shared is taken to read everything
  Local,   // conjuncts over a few objects each; support() names what a write makes a step read
  Linear,  // counters equal to sums over the lists: each step changes the difference by an
           // amount its own reads decide, so a violating step shows in every order: no extension
};
using SupportFn = void (*)(const model::Layout&, const model::ResourceSet& written,
                           model::ResourceSet& reads);

struct Property {
  const char* name;
  Kind kind;
  const char* statement;     // one line, in words
  const char* kernel_check;  // the kernel's own check it mirrors, or what it makes explicit
  const char* applies_text;  // where it is meaningful, in words
  bool (*applies)(const model::Kernel&);
  std::optional<model::Violation> (*check)(const model::TransitionSystem&, model::StateRef) = nullptr;
  void (*observe)(model::Ctx&, const model::Observation&) = nullptr;
  Support support = Support::Global;
  // Support::Local: adds to `reads` the objects of every conjunct that reads one of `written`.
  SupportFn support_fn = nullptr;
  // Where the form of the property depends on the scenario (a disjunct that only some operations
  // can make true): the support on this transition system and these initial states, instead of
  // `support`.
  Support (*support_in)(const model::TransitionSystem&, std::span<const model::State> initial) = nullptr;
};

const std::vector<Property>& registry();
const Property* find(std::string_view name);
bool applies_everywhere(const model::Kernel&);

// The properties selected for one run.
class PropertySet : public model::Observer {
 public:
  PropertySet() = default;
  explicit PropertySet(std::vector<const Property*> props);

  const std::vector<const Property*>& all() const { return props_; }
  std::optional<model::Violation> check_state(const model::TransitionSystem& ts, model::StateRef s) const;
  std::optional<model::Violation> check_end(const model::TransitionSystem& ts, model::StateRef s) const;
  void observe(model::Ctx& ctx, const model::Observation& o) override;
  const std::vector<const Property*>& state_properties() const { return state_; }
  bool empty() const { return props_.empty(); }
  bool has_progress() const { return has_progress_; }

 private:
  std::vector<const Property*> props_;
  std::vector<const Property*> state_, end_, event_;
  bool has_progress_ = false;
};

// What the selected state properties read, resolved for one transition system (see Support).
class Supports {
 public:
  Supports(const PropertySet& props, const model::TransitionSystem& ts,
           std::span<const model::State> initial);
  // Widens a step's footprint by what the state properties read.
  void extend(const model::Layout& L, model::Footprint& fp) const;
  // The properties whose support is Global here (for messages and tests).
  const std::vector<std::string>& global() const { return global_names_; }

 private:
  bool global_ = false;
  std::vector<SupportFn> local_;
  std::vector<std::string> global_names_;
};

// Whether some CPU's program has an operation whose entry procedure is one of `procs`.
bool runs_any(const model::TransitionSystem& ts, std::initializer_list<int> procs);

// Resolves names (all of them when `names` is empty: every property that applies to the
// kernel); throws InputError for an unknown name, and for one that does not apply unless
// `not_applicable` collects those (a scenario's [check] list names properties for all the
// kernels its [expect] covers).
PropertySet select(const std::vector<std::string>& names, const model::Kernel& k, const std::string& where,
                   std::vector<std::string>* not_applicable = nullptr);

}  // namespace pagecheck::props

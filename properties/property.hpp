// Properties as named objects: what must hold, the kernel check it corresponds to, where it
// applies, and a checker that names the offending pages.
#pragma once

#include <optional>
#include <string>
#include <vector>

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

struct Property {
  const char* name;
  Kind kind;
  const char* statement;     // one line, in words
  const char* kernel_check;  // the kernel's own check it mirrors, or what it makes explicit
  const char* applies_text;  // where it is meaningful, in words
  bool (*applies)(const model::Kernel&);
  std::optional<model::Violation> (*check)(const model::TransitionSystem&, model::StateRef) = nullptr;
  void (*observe)(model::Ctx&, const model::Observation&) = nullptr;
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
  bool empty() const { return props_.empty(); }
  bool has_progress() const { return has_progress_; }

 private:
  std::vector<const Property*> props_;
  std::vector<const Property*> state_, end_, event_;
  bool has_progress_ = false;
};

// Resolves names (all of them when `names` is empty: every property that applies to the
// kernel); throws InputError for an unknown name, and for one that does not apply unless
// `not_applicable` collects those (a scenario's [check] list names properties for all the
// kernels its [expect] covers).
PropertySet select(const std::vector<std::string>& names, const model::Kernel& k, const std::string& where,
                   std::vector<std::string>* not_applicable = nullptr);

}  // namespace pagecheck::props

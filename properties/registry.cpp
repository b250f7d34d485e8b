#include <fmt/format.h>

#include <algorithm>

#include "properties/all.hpp"
#include "properties/property.hpp"

namespace pagecheck::props {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::State: return "state";
    case Kind::Event: return "event";
    case Kind::EndState: return "end-state";
    case Kind::Progress: return "progress";
  }
  return "?";
}

bool applies_everywhere(const model::Kernel&) {
  return true;
}

const std::vector<Property>& registry() {
  static const std::vector<Property> r = [] {
    std::vector<Property> v;
    add_buddy_properties(v);
    add_isolation_properties(v);
    add_kernel_check_properties(v);
    add_hugetlb_properties(v);
    add_hotplug_properties(v);
    add_progress_properties(v);
    return v;
  }();
  return r;
}

const Property* find(std::string_view name) {
  for (const auto& p : registry())
    if (name == p.name) return &p;
  return nullptr;
}

PropertySet::PropertySet(std::vector<const Property*> props) : props_(std::move(props)) {
  for (const Property* p : props_) {
    if (p->kind == Kind::State && p->check) state_.push_back(p);
    if (p->kind == Kind::EndState && p->check) end_.push_back(p);
    if (p->observe) event_.push_back(p);
    if (p->kind == Kind::Progress) has_progress_ = true;
  }
}

std::optional<model::Violation> PropertySet::check_state(const model::TransitionSystem& ts,
                                                         model::StateRef s) const {
  for (const Property* p : state_)
    if (auto v = p->check(ts, s)) return v;
  return std::nullopt;
}

std::optional<model::Violation> PropertySet::check_end(const model::TransitionSystem& ts,
                                                       model::StateRef s) const {
  for (const Property* p : end_)
    if (auto v = p->check(ts, s)) return v;
  return std::nullopt;
}

void PropertySet::observe(model::Ctx& ctx, const model::Observation& o) {
  for (const Property* p : event_) p->observe(ctx, o);
}

PropertySet select(const std::vector<std::string>& names, const model::Kernel& k, const std::string& where,
                   std::vector<std::string>* not_applicable) {
  std::vector<const Property*> v;
  if (names.empty()) {
    for (const auto& p : registry())
      if (p.applies(k)) v.push_back(&p);
    return PropertySet(std::move(v));
  }
  for (const auto& n : names) {
    const Property* p = find(n);
    if (!p) {
      std::string known;
      for (const auto& q : registry()) known += (known.empty() ? "" : ", ") + std::string(q.name);
      throw InputError(fmt::format("{}unknown property '{}'; expected one of: {}", where, n, known));
    }
    if (!p->applies(k) && not_applicable) {
      not_applicable->push_back(n);
      continue;
    }
    if (!p->applies(k))
      throw InputError(
          fmt::format("{}property '{}' does not apply to this variant ({})", where, n, p->applies_text));
    if (std::find(v.begin(), v.end(), p) == v.end()) v.push_back(p);
  }
  return PropertySet(std::move(v));
}

}  // namespace pagecheck::props

#include "properties/smt/smt.hpp"

namespace pagecheck::smt {

const std::vector<SmtProperty>& smt_registry() {
  static const std::vector<SmtProperty> r = [] {
    std::vector<SmtProperty> v;
    add_smt_buddy_properties(v);
    add_smt_isolation_properties(v);
    return v;
  }();
  return r;
}

const SmtProperty* find_smt(std::string_view name) {
  for (const auto& p : smt_registry())
    if (name == p.name) return &p;
  return nullptr;
}

}  // namespace pagecheck::smt

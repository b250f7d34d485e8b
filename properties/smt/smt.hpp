// The SMT forms of the properties (properties/*.cpp hold their explicit checkers). A property
// the SMT engine checks needs a form here under the same name; the engine refuses the others.
// Each form must agree with the explicit checker on every reachable state (the differential
// test compares them on the states it visits).
#pragma once

#include <string_view>
#include <vector>

#include "checker/smt/exec.hpp"
#include "checker/smt/view.hpp"

namespace pagecheck::smt {

struct SmtProperty {
  const char* name;
  // State and end-state properties: "holds on this state".
  z3::expr (*holds)(const SymView&) = nullptr;
  // Event properties: the violation this observation raises, read at the observation.
  z3::expr (*on_observe)(const Exec&, const SymObs&) = nullptr;
};

const std::vector<SmtProperty>& smt_registry();
const SmtProperty* find_smt(std::string_view name);

// Registration, one line per file in registry.cpp.
void add_smt_buddy_properties(std::vector<SmtProperty>& v);
void add_smt_isolation_properties(std::vector<SmtProperty>& v);

}  // namespace pagecheck::smt

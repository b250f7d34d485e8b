// Operations a scenario can run on a CPU: "alloc_pages(order=0, migratetype=MOVABLE)".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/geometry.hpp"
#include "model/machine.hpp"

namespace pagecheck::model {

enum class ParamKind : uint8_t { Int, Pfn, Order, Migratetype };

struct ParamDef {
  const char* name;
  ParamKind kind;
  int default_value = -1;  // -1: required
  const char* help = "";
};

struct OpDef {
  const char* name;
  const char* summary;  // one line: which kernel entry point it runs
  int entry_proc;       // ProcId
  std::vector<ParamDef> params;
  // Extra checks on the values against the geometry; returns an error text or "".
  std::string (*validate)(const Geometry&, const std::vector<int>& args) = nullptr;
};

const std::vector<OpDef>& op_registry();
const OpDef* find_op(std::string_view name);

// Parses one operation; throws InputError with a message that names what was expected
// (without file and line: the scenario loader adds those).
Op parse_op(std::string_view text, const Geometry& geo);

// The arguments of an op by parameter name (for layout filters and tests).
int op_arg(const Op& op, std::string_view param);

}  // namespace pagecheck::model

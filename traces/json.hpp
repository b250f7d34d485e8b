// The trace and check results as JSON ("format": "pagecheck-trace", "version": 1).
#pragma once

#include <nlohmann/json.hpp>

#include "traces/trace.hpp"

namespace pagecheck::traces {

nlohmann::json delta_json(const model::Layout& L, const model::Delta& d);
nlohmann::json trace_json(const Trace& t);

}  // namespace pagecheck::traces

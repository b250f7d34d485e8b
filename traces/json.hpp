// The trace as JSON ("format": "pagecheck-trace", "version": 1; docs/trace-format.md) and back.
#pragma once

#include <nlohmann/json.hpp>

#include "traces/trace.hpp"

namespace pagecheck::traces {

nlohmann::json delta_json(const model::Layout& L, const model::Delta& d);
// The delta kind named in the JSON ("list_add", "folio_flags", ...); throws InputError if unknown.
model::DeltaKind delta_kind_of(const std::string& name);
nlohmann::json snapshot_json(const MemorySnapshot& m);
nlohmann::json trace_json(const Trace& t);

// Reads a trace; throws InputError naming `where` (the file), the step and the field that is
// wrong. Derived fields (delta texts, changes, titles) must agree with what they derive from.
Trace trace_from_json(const nlohmann::json& j, const std::string& where);

// Reads a trace file: JSON syntax errors name the line and column.
Trace read_trace_file(const std::string& path);
nlohmann::json read_json_file(const std::string& path);

}  // namespace pagecheck::traces

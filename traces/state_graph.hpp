// The reachable state graph of a small scenario as Graphviz DOT (Boost.Graph write_graphviz),
// with a trace's path and its violation highlighted.
#pragma once

#include <string>
#include <vector>

#include "model/system.hpp"
#include "properties/property.hpp"
#include "traces/trace.hpp"

namespace pagecheck::traces {

// Throws InputError when the graph has more than `limit` states.
std::string format_state_graph(const model::TransitionSystem& ts, const std::vector<model::State>& initial,
                               const props::PropertySet& props, const Trace* trace, long limit = 400);

}  // namespace pagecheck::traces

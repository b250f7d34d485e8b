// The HTML viewer: traces/viewer.html (compiled in) with the trace's view model inside.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "traces/json.hpp"
#include "traces/trace.hpp"

namespace pagecheck::traces {

extern const char* const kViewerHtml;

namespace {

// What the page's script reads: the trace, with each step's lines as the text printer makes them.
nlohmann::json view_model(const Trace& t) {
  using nlohmann::json;
  model::Layout L(t.geo);
  json j;
  j["scenario"] = t.scenario.name;
  j["summary"] = t.scenario.summary;
  j["variant"] = t.variant;
  j["geometry_text"] = t.geo.describe();
  j["cpus"] = t.geo.nr_threads();
  json names = json::array();
  for (int c = 0; c < t.geo.nr_threads(); ++c) names.push_back(thread_name(t.geo, c));
  j["threads"] = names;  // "CPU0", ..., "kworker"
  if (t.loop_start >= 0) j["loop_start"] = t.loop_start + 1;
  j["pages"] = t.geo.nr_pages();
  j["pb_pages"] = t.geo.pageblock_nr_pages();
  j["property"] = t.violation.property;
  j["statement"] = t.violation.statement;
  j["message"] = t.violation.message;
  j["kernel_check"] = t.violation.kernel_check;
  j["vpfns"] = t.violation.pfns;
  j["vpageblocks"] = t.violation.pageblocks;
  j["vlists"] = t.violation.lists;
  j["generator"] = std::string("pagecheck ") + PAGECHECK_VERSION;
  const Minimisation& m = t.minimisation;
  j["minimised"] = m.ran ? fmt::format("Minimised: {} steps, {} preemption{}.", m.steps, m.preemptions,
                                       m.preemptions == 1 ? "" : "s")
                         : std::string("Not minimised.");
  j["initial"] = snapshot_json(t.initial.memory);
  json steps = json::array();
  for (const auto& st : t.steps) {
    json lines = json::array();
    for (const auto& [d, text] : step_lines(L, st)) lines.push_back({d, text});
    json counters = json::object();
    for (const auto& [n, v] : st.changes.counters) counters[n] = {v.first, v.second};
    steps.push_back({{"cpu", st.cpu},
                     {"title", st.title},
                     {"preemption", st.preemption},
                     {"lines", lines},
                     {"changes",
                      {{"pfns", st.changes.pfns},
                       {"pageblocks", st.changes.pageblocks},
                       {"lists", st.changes.lists},
                       {"counters", counters}}},
                     {"memory", snapshot_json(st.after)}});
  }
  j["steps"] = steps;
  return j;
}

}  // namespace

std::string format_html(const Trace& t) {
  std::string data = view_model(t).dump(-1, ' ', true);  // ASCII only
  // Inside <script>: no "</" may end the element early.
  std::string safe;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '<') {
      safe += "\\u003c";
      continue;
    }
    safe += data[i];
  }
  std::string page = kViewerHtml;
  const std::string marker = "/*PAGECHECK_DATA*/";
  size_t at = page.find(marker);
  if (at == std::string::npos) throw ModelError("the HTML viewer template has no data marker");
  page.replace(at, marker.size(), safe);
  return page;
}

}  // namespace pagecheck::traces

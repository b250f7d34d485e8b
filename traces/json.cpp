#include "traces/json.hpp"

namespace pagecheck::traces {

using nlohmann::json;

namespace {
const char* delta_kind(model::DeltaKind k) {
  switch (k) {
    case model::DeltaKind::SetPageBuddy: return "set_buddy";
    case model::DeltaKind::ClearPageBuddy: return "clear_buddy";
    case model::DeltaKind::ListAdd: return "list_add";
    case model::DeltaKind::ListDel: return "list_del";
    case model::DeltaKind::PageblockBits: return "pageblock";
    case model::DeltaKind::Counter: return "counter";
    case model::DeltaKind::Owner: return "owner";
    case model::DeltaKind::PageFlags: return "page_flags";
    case model::DeltaKind::PcpMigratetype: return "pcp_migratetype";
    case model::DeltaKind::ZoneByte: return "zone_pcp";
    case model::DeltaKind::LockAcquire: return "lock";
    case model::DeltaKind::LockRelease: return "unlock";
  }
  return "?";
}
const char* event_kind(model::EventKind k) {
  switch (k) {
    case model::EventKind::Enter: return "enter";
    case model::EventKind::Leave: return "leave";
    case model::EventKind::Delta: return "delta";
    case model::EventKind::Note: return "note";
    case model::EventKind::Choice: return "choice";
  }
  return "?";
}
}  // namespace

json delta_json(const model::Layout& L, const model::Delta& d) {
  json j = {
      {"kind", delta_kind(d.kind)}, {"a", d.a}, {"b", d.b}, {"c", d.c}, {"old", d.old_v}, {"new", d.new_v}};
  j["text"] = format_delta(L, d);
  return j;
}

json trace_json(const Trace& t) {
  model::Layout L(t.geo);
  json j;
  j["format"] = "pagecheck-trace";
  j["version"] = 1;
  j["scenario"] = t.scenario;
  j["scenario_file"] = t.scenario_file;
  j["variant"] = t.variant;
  json stack = json::array();
  for (const auto& c : t.stack) stack.push_back({{"id", c.id}, {"title", c.title}, {"release", c.release}});
  j["commits"] = stack;
  j["geometry"] = {{"pageblock_order", t.geo.pageblock_order},
                   {"max_order", t.geo.max_order},
                   {"pageblocks", t.geo.pageblocks},
                   {"cpus", t.geo.cpus}};
  j["programs"] = t.programs;
  json init;
  init["pageblock_migratetype"] = t.initial.pageblock_mt;
  json lists = json::object();
  for (const auto& [name, pfns] : t.initial.free_lists) lists[name] = pfns;
  init["free_lists"] = lists;
  json used = json::array();
  for (auto [first, n] : t.initial.allocated) used.push_back({{"pfn", first}, {"nr_pages", n}});
  init["in_use"] = used;
  j["initial"] = init;
  j["initial_index"] = t.initial_index;
  json steps = json::array();
  for (const auto& st : t.steps) {
    json s = {{"cpu", st.cpu}, {"outcome", st.outcome}, {"call_path", st.call_path}};
    json ev = json::array();
    for (const auto& e : st.events) {
      json x = {{"kind", event_kind(e.kind)}, {"depth", e.depth}};
      if (e.kind == model::EventKind::Delta) {
        x["delta"] = delta_json(L, e.delta);
      } else {
        x["text"] = e.text;
        if (!e.cite.empty()) x["source"] = e.cite;
        if (!e.detail.empty()) x["result"] = e.detail;
      }
      ev.push_back(std::move(x));
    }
    s["events"] = std::move(ev);
    steps.push_back(std::move(s));
  }
  j["steps"] = std::move(steps);
  j["violation"] = {{"property", t.violation.property}, {"message", t.violation.message},
                    {"pfns", t.violation.pfns},         {"pageblocks", t.violation.pageblocks},
                    {"lists", t.violation.lists},       {"statement", t.property_statement}};
  return j;
}

}  // namespace pagecheck::traces

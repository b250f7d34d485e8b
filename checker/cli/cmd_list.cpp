// pagecheck list {scenarios|variants|properties|operations} [--json]
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "checker/cli/commands.hpp"
#include "model/ops.hpp"
#include "model/variants/variants.hpp"
#include "properties/property.hpp"

namespace pc = pagecheck;
using nlohmann::json;

namespace pagecheck::cli {

namespace {
int cmd_list(const std::string& what, bool as_json) {
  json j = json::array();
  if (what == "scenarios") {
    for (const auto& name : pc::model::catalogue()) {
      auto sc = pc::model::load_scenario_file(pc::model::resolve_scenario(name));
      json e = {{"name", name}, {"summary", sc.summary}, {"reference", sc.reference}};
      json ex = json::object();
      for (const auto& x : sc.expect) ex[x.variant_spec] = pc::model::verdict_name(x.verdict);
      e["expect"] = ex;
      j.push_back(e);
      if (!as_json) fmt::print("{:<28} {}\n", name, sc.summary);
    }
  } else if (what == "variants") {
    for (const auto& v : pc::model::variants()) {
      json stack = json::array();
      for (auto id : v.commits) {
        const auto* c = pc::model::find_commit(id);
        stack.push_back({{"id", c->id}, {"title", c->title}, {"release", c->release}, {"change", c->change}});
      }
      j.push_back(
          {{"name", v.name}, {"description", v.description}, {"baseline", v.baseline}, {"commits", stack}});
      if (!as_json) {
        fmt::print("{}: {}\n  baseline: {}\n", v.name, v.description, v.baseline);
        for (auto id : v.commits) {
          const auto* c = pc::model::find_commit(id);
          fmt::print("  + {} {} ({})\n", c->id, c->title, c->release);
        }
      }
    }
  } else if (what == "properties") {
    for (const auto& p : pc::props::registry()) {
      j.push_back({{"name", p.name},
                   {"kind", pc::props::kind_name(p.kind)},
                   {"statement", p.statement},
                   {"kernel_check", p.kernel_check},
                   {"applies", p.applies_text}});
      if (!as_json)
        fmt::print("{} ({}): {}\n  kernel: {}\n  applies: {}\n", p.name, pc::props::kind_name(p.kind),
                   p.statement, p.kernel_check, p.applies_text);
    }
  } else if (what == "operations") {
    for (const auto& o : pc::model::op_registry()) {
      json params = json::array();
      std::string sig;
      for (const auto& p : o.params) {
        params.push_back({{"name", p.name}, {"help", p.help}});
        sig += (sig.empty() ? "" : ", ") + std::string(p.name);
      }
      j.push_back({{"name", o.name}, {"summary", o.summary}, {"params", params}});
      if (!as_json) fmt::print("{}({})\n  {}\n", o.name, sig, o.summary);
    }
  } else {
    throw InputError(
        fmt::format("list: unknown kind '{}'; expected scenarios, variants, properties or operations", what));
  }
  if (as_json) fmt::print("{}\n", j.dump(2));
  return 0;
}

}  // namespace

Runner add_list(CLI::App& app) {
  struct Args {
    std::string what;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* list = app.add_subcommand("list", "List scenarios, variants, properties or operations");
  list->add_option("what", a->what, "scenarios | variants | properties | operations")->required();
  list->add_flag("--json", a->json, "Print JSON");
  return [list, a]() -> int { return list->parsed() ? cmd_list(a->what, a->json) : -1; };
}

}  // namespace pagecheck::cli

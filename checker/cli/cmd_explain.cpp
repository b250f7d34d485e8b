// pagecheck explain [NAME]: a hazard catalogue page (docs/hazards/NAME.md) in the terminal.
#include <fmt/format.h>

#include <sstream>

#include "checker/cli/commands.hpp"
#include "checker/cli/output.hpp"
#include "checker/hazards.hpp"
#include "model/scenario.hpp"

namespace pagecheck::cli {

namespace {

int cmd_explain(const std::string& name) {
  if (name.empty()) {
    for (const auto& n : checker::hazard_pages()) {
      std::string summary;
      try {
        summary = model::load_scenario_file(model::resolve_scenario(n)).summary;
      } catch (const InputError&) {
      }
      fmt::print("{:<28} {}\n", n, summary);
    }
    return kHolds;
  }
  std::string page = checker::page_for_terminal(name);
  if (colour_stdout()) {  // headings in bold
    std::istringstream in(page);
    std::string out;
    for (std::string line; std::getline(in, line);)
      out += line.starts_with("#") ? "\033[1m" + line + "\033[0m\n" : line + "\n";
    page = out;
  }
  fmt::print("{}", page);
  return kHolds;
}

}  // namespace

Runner add_explain(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("explain",
                                 "Print a hazard catalogue page: the race, why it is a bug, its minimal "
                                 "trace, the fix (no NAME: list the pages)");
  cmd->add_option("name", *name, "A hazard (a catalogue race, e.g. isolate-expand)");
  return [cmd, name]() -> int { return cmd->parsed() ? cmd_explain(*name) : -1; };
}

}  // namespace pagecheck::cli

// The hazard catalogue (docs/hazards/NAME.md): one page per catalogue race, whose generated parts
// (the verdicts, the fix, the minimal trace) come from the tool, and the golden files that pin
// the text of every catalogue trace (tests/golden/). See docs/hazards/README.md.
#pragma once

#include <string>
#include <vector>

#include "model/scenario.hpp"

namespace pagecheck::checker {

std::string hazards_dir();                // $PAGECHECK_HAZARDS, else the source tree's docs/hazards
std::string golden_dir();                 // the source tree's tests/golden
std::vector<std::string> hazard_pages();  // page names, sorted

// A catalogue scenario is a race when one of its [expect] entries says "violated".
bool is_race(const model::Scenario& sc);

// The trace text a golden file pins: `pagecheck show` of the minimised trace (no colour).
std::string trace_text(const std::string& scenario, const std::string& variant);
std::string golden_path(const std::string& scenario, const std::string& variant);

// Regenerates the parts of a page between <!-- pagecheck:begin KIND ARGS --> and
// <!-- pagecheck:end --> (KIND: facts SCENARIO | trace SCENARIO --variant SPEC).
std::string refresh_page(const std::string& text, const std::string& where);
// A first page for a race, its prose taken from the scenario file's leading comment.
std::string new_page(const model::Scenario& sc);

// The page as text for a terminal: markers dropped.
std::string page_for_terminal(const std::string& name);

}  // namespace pagecheck::checker

// The explorer's searches (internal to checker/): each returns the violation it found, or
// nothing (Control says whether a limit cut the search short).
#pragma once

#include <optional>
#include <vector>

#include "checker/search.hpp"

namespace pagecheck::checker {

std::optional<Found> run_bfs(const Setup& su, Control& ctl, Stats& st, std::vector<uint64_t>* terminal);
std::optional<Found> run_dfs(const Setup& su, Control& ctl, Stats& st, std::vector<uint64_t>* terminal);
std::optional<Found> run_dpor(const Setup& su, Control& ctl, Stats& st, std::vector<uint64_t>* terminal);

}  // namespace pagecheck::checker

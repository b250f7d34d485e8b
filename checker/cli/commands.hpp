// The subcommands of the pagecheck CLI. Each cmd_*.cpp adds its subcommand to the app and
// returns a runner; main.cpp runs the one that was parsed and maps exceptions to exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "model/scenario.hpp"

namespace pagecheck::cli {

inline constexpr int kHolds = 0, kViolated = 1, kBadInput = 2, kIncomplete = 3;

int exit_code(model::Verdict v);

// Registers a subcommand; the returned function runs it (after parsing) and returns the exit code.
using Runner = std::function<int()>;
Runner add_list(CLI::App& app);
Runner add_check(CLI::App& app);
Runner add_replay(CLI::App& app);
Runner add_show(CLI::App& app);
Runner add_explain(CLI::App& app);
Runner add_compare(CLI::App& app);
Runner add_prove(CLI::App& app);

}  // namespace pagecheck::cli

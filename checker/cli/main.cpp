// pagecheck: the command line. The only place that maps results and errors to exit codes:
// 0 holds within the bounds, 1 violated, 2 bad usage or input, 3 incomplete.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <vector>

#include "checker/cli/commands.hpp"

namespace pc = pagecheck;
namespace cli = pagecheck::cli;

int main(int argc, char** argv) {
  CLI::App app{"pagecheck: a model checker for the concurrency of the Linux page allocator"};
  app.set_version_flag("--version", std::string("pagecheck ") + PAGECHECK_VERSION);
  app.require_subcommand(1);
  // One line per subcommand.
  std::vector<cli::Runner> runners = {
      cli::add_list(app), cli::add_check(app),   cli::add_compare(app), cli::add_replay(app),
      cli::add_show(app), cli::add_explain(app), cli::add_prove(app),
  };
  try {
    app.parse(argc, argv);
    for (auto& run : runners) {
      int rc = run();
      if (rc >= 0) return rc;
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "pagecheck: error: {} (see pagecheck --help)\n", e.what());
    return cli::kBadInput;
  } catch (const pc::InputError& e) {
    fmt::print(stderr, "pagecheck: error: {}\n", e.what());
    return cli::kBadInput;
  } catch (const pc::ModelError& e) {
    fmt::print(stderr, "pagecheck: the model cannot run this: {}\n", e.what());
    return cli::kBadInput;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "pagecheck: out of memory; the search is incomplete (use --memory-limit)\n");
    return cli::kIncomplete;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pagecheck: error: {}\n", e.what());
    return cli::kBadInput;
  }
  return cli::kBadInput;
}

#include "checker/cli/output.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "traces/json.hpp"

namespace pagecheck::cli {

bool colour_stdout() {
  if (std::getenv("NO_COLOR")) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return isatty(STDOUT_FILENO) != 0;
}

void emit(const std::string& text, const std::string& file) {
  if (file.empty() || file == "-") {
    fmt::print("{}", text);
    std::fflush(stdout);
    return;
  }
  std::ofstream f(file, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot write the file", file));
  f << text;
  if (!f) throw InputError(fmt::format("{}: writing failed", file));
}

std::string render_trace(const traces::Trace& t, const std::string& format, bool colour) {
  if (format == "text") return traces::format_text(t, {colour});
  if (format == "json") return traces::trace_json(t).dump(2) + "\n";
  if (format == "dot") return traces::format_dot(t);
  if (format == "html") return traces::format_html(t);
  throw InputError(fmt::format("unknown format '{}'; expected text, json, dot or html", format));
}

}  // namespace pagecheck::cli

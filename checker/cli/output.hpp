// Where a subcommand's output goes, and how traces are rendered for it.
#pragma once

#include <string>

#include "traces/trace.hpp"

namespace pagecheck::cli {

// Colour only for a terminal on stdout, never with NO_COLOR or TERM=dumb, never into files.
bool colour_stdout();

// Writes `text` to `file`, or to stdout when `file` is empty or "-"; throws InputError when the
// file cannot be written.
void emit(const std::string& text, const std::string& file);

// A trace in one of the printers' formats: text, json, dot, html.
std::string render_trace(const traces::Trace& t, const std::string& format, bool colour);

inline const std::vector<std::string>& trace_formats() {
  static const std::vector<std::string> f = {"text", "json", "dot", "html"};
  return f;
}

}  // namespace pagecheck::cli

// pagecheck show TRACE.json [--format text|json|dot|html] [-o FILE] [--state-graph]
#include <fmt/format.h>

#include "checker/cli/commands.hpp"
#include "checker/cli/output.hpp"
#include "model/ops.hpp"
#include "model/variants/variants.hpp"
#include "traces/json.hpp"
#include "traces/state_graph.hpp"

namespace pagecheck::cli {

namespace {

std::string state_graph(const traces::Trace& t) {
  auto var = model::resolve_variant(t.variant);
  std::vector<model::Program> programs;
  for (const auto& p : t.programs) {
    model::Program prog;
    for (const auto& op : p) prog.push_back(model::parse_op(op, t.geo));
    programs.push_back(std::move(prog));
  }
  model::Layout layout(t.geo);
  model::TransitionSystem ts(layout, var.kernel, programs);
  auto props = props::select(t.properties, var.kernel, "");
  return traces::format_state_graph(ts, {model::build_state(ts, t.initial.layout)}, props, &t);
}

int cmd_show(const std::string& file, const std::string& format, const std::string& out, bool graph) {
  if (graph && format != "dot") throw InputError("--state-graph needs --format dot");
  traces::Trace t = traces::read_trace_file(file);
  if (graph) {
    emit(state_graph(t), out);
    return 0;
  }
  bool to_stdout = out.empty() || out == "-";
  emit(render_trace(t, format, format == "text" && to_stdout && colour_stdout()), out);
  return 0;
}

}  // namespace

Runner add_show(CLI::App& app) {
  struct Args {
    std::string file, format = "text", out;
    bool graph = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("show", "Print a trace file as text, JSON, Graphviz DOT or an HTML viewer");
  cmd->add_option("trace", a->file, "A trace file written by --trace-out")->required();
  cmd->add_option("--format", a->format, "text (default), json, dot, html")
      ->check(CLI::IsMember({"text", "json", "dot", "html"}));
  cmd->add_option("-o,--output", a->out, "Write to this file instead of stdout");
  cmd->add_flag(
      "--state-graph", a->graph,
      "With --format dot: the reachable state graph from the trace's initial layout, the trace in red");
  return [cmd, a]() -> int { return cmd->parsed() ? cmd_show(a->file, a->format, a->out, a->graph) : -1; };
}

}  // namespace pagecheck::cli

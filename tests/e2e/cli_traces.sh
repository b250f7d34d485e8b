#!/usr/bin/env bash
# cli_traces.sh PAGECHECK DIR: the trace subcommands end to end on the isolate/expand race:
# --trace-out, show in every format, replay on the variant and on the fixed kernel, the smallest
# scenario as a runnable file, check --format dot|html -o, explain.
set -u
pc=$1; dir=$2
mkdir -p "$dir"
fail=0
expect() {  # expect CODE DESCRIPTION CMD...
  local want=$1 what=$2; shift 2
  "$@" >"$dir/out" 2>"$dir/err"; local code=$?
  if [ "$code" -ne "$want" ]; then echo "not ok: $what: exit $code, expected $want: $(head -c 400 "$dir/err")"; fail=1; fi
}
has() {  # has FILE REGEX DESCRIPTION
  if ! grep -Eq -- "$2" "$1"; then echo "not ok: $3: /$2/ not in $1"; fail=1; fi
}

expect 1 "check --trace-out" "$pc" check isolate-expand-all-layouts --variant hygiene-v2 --no-progress \
  --trace-out "$dir/t.json" --min-scenario-out "$dir/min.toml"
expect 1 "replay" "$pc" replay "$dir/t.json"
has "$dir/out" "reproduced on hygiene-v2: freelist-hygiene after 2 steps" "replay says so"
expect 0 "replay on the fixed kernel" "$pc" replay "$dir/t.json" --variant v6.10
has "$dir/out" "not reproduced on v6.10" "replay --variant says so"
expect 1 "replay --quiet" "$pc" replay -q "$dir/t.json"
[ -s "$dir/out" ] && { echo "not ok: replay -q printed something"; fail=1; }
for f in text json dot html; do
  expect 0 "show --format $f" "$pc" show "$dir/t.json" --format "$f" -o "$dir/t.$f"
done
has "$dir/t.text" "^Broken: freelist-hygiene" "text"
has "$dir/t.json" '"format": "pagecheck-trace"' "json"
has "$dir/t.dot" "subgraph cluster_cpu1" "dot"
has "$dir/t.html" "<!DOCTYPE html>" "html"
if grep -q $'\033' "$dir/t.text"; then echo "not ok: colour in a file"; fail=1; fi
expect 0 "show --state-graph" "$pc" show "$dir/t.json" --format dot --state-graph
has "$dir/out" "penwidth=3" "state graph with the trace"
if command -v dot >/dev/null; then
  dot -Tsvg "$dir/t.dot" -o "$dir/t.svg" || { echo "not ok: graphviz rejects the swimlanes"; fail=1; }
  "$pc" show "$dir/t.json" --format dot --state-graph | dot -Tsvg -o "$dir/g.svg" ||
    { echo "not ok: graphviz rejects the state graph"; fail=1; }
fi
# The smallest scenario runs and breaks the same property.
expect 1 "the smallest scenario" "$pc" check "$dir/min.toml" --variant hygiene-v2 --no-progress
has "$dir/out" "Violated:  freelist-hygiene after 2 steps" "smallest scenario's trace"
expect 1 "check --format html -o" "$pc" check isolate-expand --variant hygiene-v2 --format html -o "$dir/c.html" --no-progress
has "$dir/c.html" "trace-data" "html from check"
expect 1 "check --format dot" "$pc" check isolate-expand --variant hygiene-v2 --format dot --no-progress
has "$dir/out" "digraph trace" "dot from check"
expect 0 "check --format dot --state-graph (holds)" "$pc" check isolate-expand --variant v6.10 --format dot --state-graph --no-progress
has "$dir/out" "reachable states: 12" "state graph of the fixed kernel"
expect 1 "check --no-minimise" "$pc" check isolate-expand --variant hygiene-v2 --no-minimise --no-progress
has "$dir/out" "Minimised: no" "no minimisation"
expect 0 "explain" "$pc" explain isolate-expand
has "$dir/out" "^## Why it is a bug" "explain prints the page"
has "$dir/out" "^Broken: freelist-hygiene" "explain prints the trace"
if grep -q "pagecheck:begin" "$dir/out"; then echo "not ok: explain shows markers"; fail=1; fi
expect 0 "explain (list)" "$pc" explain
has "$dir/out" "^isolate-expand " "explain lists the pages"
[ "$fail" -eq 0 ] && echo "ok: trace subcommands"
exit "$fail"

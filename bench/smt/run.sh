#!/usr/bin/env bash
# bench/smt/run.sh [PAGECHECK]: solve times of the SMT engine (issue 5), one run, printed as the
# Markdown rows of the "SMT engine" section of bench/README.md. Three series:
#   1. catalogue scenarios at several --max-depth bounds (check --engine smt);
#   2. growth with the number of pageblocks: the isolate/expand race over every well-formed
#      layout of an N-pageblock zone, check at depth 2 and prove (k-induction);
#   3. growth with depth on the 4-pageblock symbolic layout.
# Every run has --time-limit 90: a row that hit it says so (verdict incomplete/unknown).
set -u
pc=${1:-build/pagecheck}
limit=90
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {  # run LABEL ARGS... -> one table row: label, verdict (exit code), wall s, solver s, queries, peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$pc" "$@" --json >"$tmp/out" 2>/dev/null
  local rc=$?
  read -r wall rss < <(tail -1 "$tmp/time")
  local solve queries
  solve=$(grep -o '"solver_seconds": [0-9.e+-]*' "$tmp/out" | head -1 | awk '{printf "%.2f", $2}')
  queries=$(grep -o '"queries": [0-9]*' "$tmp/out" | head -1 | awk '{print $2}')
  local verdict
  case $rc in 0) verdict="holds/proved";; 1) verdict=violated;; 3) verdict="incomplete/unknown";; *) verdict="exit $rc";; esac
  printf '| %s | %s | %.2f | %s | %s | %d |\n' "$label" "$verdict" "$wall" "${solve:-?}" "${queries:-?}" $((rss / 1024))
}

scenario() {  # scenario N: the isolate/expand race over every layout of an N-pageblock zone
  cat >"$tmp/pb$1.toml" <<TOML
name = "isolate-expand-pb$1"
summary = "bench: isolating pageblock 1 of a $1-block zone during an allocation, over every layout"
[geometry]
pageblock_order = 1
max_order = 2
pageblocks = $1
cpus = 2
[initial]
layouts = "all"
migratetypes = ["MOVABLE", "UNMOVABLE"]
[[cpu]]
ops = ["isolate_range(start=2, end=4)"]
[[cpu]]
ops = ["alloc_pages(order=0, migratetype=MOVABLE)"]
[check]
properties = ["freelist-hygiene", "buddy-structure", "free-accounting", "isolation-exclusive"]
TOML
  echo "$tmp/pb$1.toml"
}

echo "| run | verdict | wall s | Z3 s | queries | peak MB |"
echo "|---|---|---|---|---|---|"
# 1. Catalogue scenarios and depths.
for d in 2 4 8; do run "isolate-expand v6.10, depth $d" check isolate-expand --variant v6.10 --engine smt --max-depth $d --time-limit $limit; done
run "isolate-expand hygiene-v2, depth 8" check isolate-expand --variant hygiene-v2 --engine smt --max-depth 8 --time-limit $limit
for d in 2 4; do run "isolate-expand-3block v6.10, depth $d" check isolate-expand-3block --variant v6.10 --engine smt --max-depth $d --time-limit $limit; done
run "isolate-free-race-2014 v6.5, depth 8" check isolate-free-race-2014 --variant v6.5 --engine smt --max-depth 8 --time-limit $limit
run "isolate-undo-free-merge v6.10, depth 8" check isolate-undo-free-merge --variant v6.10 --engine smt --max-depth 8 --time-limit $limit
# 2. Pageblocks (every layout at once).
for n in 2 3 4; do
  f=$(scenario $n)
  run "every layout, $n pageblocks, hygiene-v2, depth 2" check "$f" --variant hygiene-v2 --engine smt --max-depth 2 --time-limit $limit
  run "every layout, $n pageblocks, v6.10, depth 1" check "$f" --variant v6.10 --engine smt --max-depth 1 --time-limit $limit
  run "prove freelist-hygiene, $n pageblocks, v6.10" prove "$f" --variant v6.10 --property freelist-hygiene --time-limit $limit
done
# 3. Depth on the 4-pageblock symbolic layout.
f=$(scenario 4)
for d in 0 1 2; do run "every layout, 4 pageblocks, v6.10, depth $d" check "$f" --variant v6.10 --engine smt --max-depth $d --time-limit $limit; done

#!/usr/bin/env bash
# cli_smt.sh PAGECHECK DIR: the SMT engine end to end (issue 5's done-when): BMC over a fully
# symbolic 4-pageblock layout finds the isolate/expand race on hygiene-v2 and its trace replays;
# prove gives proved (0) on v6.10, violated (1, with a trace) on hygiene-v2, unknown (3, with
# Z3's reason) on a timeout, and prints the counterexample to induction when the step fails;
# --smt-dump writes SMT-LIB.
set -u
pc=$1; dir=$2
mkdir -p "$dir"
fail=0
expect() {  # expect CODE DESCRIPTION CMD...
  local want=$1 what=$2; shift 2
  "$@" >"$dir/out" 2>"$dir/err"; local code=$?
  if [ "$code" -ne "$want" ]; then
    echo "not ok: $what: exit $code, expected $want: $(head -c 400 "$dir/err") $(tail -c 400 "$dir/out")"; fail=1
  fi
}
has() {  # has FILE REGEX DESCRIPTION
  if ! grep -Eq -- "$2" "$1"; then echo "not ok: $3: /$2/ not in $1"; fail=1; fi
}

# BMC from every well-formed layout of the 4-pageblock zone; the trace replays on the explicit model.
expect 1 "check --engine smt (symbolic layout)" "$pc" check isolate-expand-all-layouts --variant hygiene-v2 \
  --engine smt --max-depth 4 --no-progress --trace-out "$dir/t.json"
has "$dir/out" "^Broken: freelist-hygiene" "smt trace text"
has "$dir/out" "every well-formed layout at once" "smt search line"
expect 1 "replay of the SMT trace" "$pc" replay "$dir/t.json"
has "$dir/out" "reproduced on hygiene-v2: freelist-hygiene" "replay reproduces it"
expect 0 "the SMT trace on the fixed kernel" "$pc" replay "$dir/t.json" --variant v6.10
expect 0 "check --engine smt holds on v6.10 (one layout, whole depth), --smt-dump" "$pc" check isolate-expand \
  --variant v6.10 --engine smt --max-depth 12 --no-progress --smt-dump "$dir/q.smt2"
has "$dir/out" ": holds" "smt holds"
has "$dir/q.smt2" "^\(check-sat" "SMT-LIB dump"
expect 3 "check --engine smt cut at depth 1" "$pc" check isolate-expand --variant v6.10 --engine smt \
  --max-depth 1 --no-progress
# What the engine does not encode is refused up front: one line, exit 2.
expect 2 "pcp geometry refused" "$pc" check pcp-bulk-isolate-bug --variant hygiene-v2 --engine smt --no-progress
has "$dir/err" "the SMT engine does not encode operation .drain_all_pages" "pcp refusal says why"
expect 2 "v6.15 commits refused" "$pc" check isolate-expand --variant v6.15 --engine smt --no-progress
has "$dir/err" "does not encode every commit of variant 'v6.15'" "commit refusal says why"
expect 2 "explorer options refused with --engine smt" "$pc" check isolate-expand --variant v6.10 --engine smt \
  --por dpor --no-progress
has "$dir/err" "steer the explicit explorer" "explorer-option refusal says why"
expect 2 "prove of a hugetlb scenario refused" "$pc" prove hugetlb-free-dissolve --variant v6.12 \
  --property buddy-structure

# prove: the done-when pair.
expect 0 "prove v6.10" "$pc" prove isolate-expand --variant v6.10 --property freelist-hygiene
has "$dir/out" "proved \(freelist-hygiene\) for every well-formed layout" "proved line"
expect 1 "prove hygiene-v2" "$pc" prove isolate-expand --variant hygiene-v2 --property freelist-hygiene \
  --trace-out "$dir/p.json"
has "$dir/out" "violated in the base case" "violated line"
has "$dir/p.json" '"format": "pagecheck-trace"' "prove trace file"
# No strengthening: the inductive step fails and the counterexample to induction is printed.
expect 3 "prove without strengthening" "$pc" prove isolate-expand --variant v6.10 --property freelist-hygiene \
  --strengthen none --k 2
has "$dir/out" "^Counterexample to induction \(k = 2\)" "CTI printed"
has "$dir/out" "^State before the steps:" "CTI state"
# Z3 gives up: unknown with its reason, never proved.
expect 3 "prove timeout" "$pc" prove isolate-expand-all-layouts --variant v6.10 --property freelist-hygiene \
  --smt-timeout 0.005
has "$dir/out" "unknown \(freelist-hygiene\): Z3 returned unknown .*\((timeout|canceled)\)" "unknown reason"
expect 2 "prove unknown property" "$pc" prove isolate-expand --variant v6.10 --property nope
exit $fail

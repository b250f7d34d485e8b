#!/usr/bin/env bash
# smt_catalogue.sh PAGECHECK SCENARIOS_DIR: the SMT engine agrees with the explicit engine's pinned
# verdicts (the scenarios' [expect] entries) on catalogue scenarios it encodes, including the
# fallback path (steal-without-claim) and commits reverted from v6.5.
set -u
pc=$1; dir=$2
fail=0
while IFS='|' read -r name variant; do
  want=$(grep -E "^\"$variant\" = \{ verdict = " "$dir/$name.toml" | sed -E 's/.*verdict = "([a-z]+)".*/\1/')
  case $want in holds) code=0;; violated) code=1;; *) echo "not ok: no [expect] for $name @ $variant"; fail=1; continue;; esac
  "$pc" check "$name" --variant "$variant" --engine smt --max-depth 16 --no-progress >/dev/null 2>&1
  got=$?
  [ "$got" -eq "$code" ] || { echo "not ok: $name @ $variant: smt exit $got, explicit [expect] $want"; fail=1; }
done <<'LIST'
steal-without-claim|v6.6
steal-without-claim|v6.10
isolate-undo-free-merge|v6.5 -d9dddbf55667
isolate-undo-free-merge|v6.10
isolate-free-race-2014|v6.5 -ad53f92eb416
isolate-free-race-2014|v6.5
merge-block-type|v6.6
LIST
exit $fail

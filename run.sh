#!/usr/bin/env bash
# Installs what is missing, builds into build/, and runs the main job: the isolate/expand race
# of September 2023 on the hygiene V2 posting (prints the trace), then the same check on v6.10,
# which holds for every interleaving.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh build

set +e
build/pagecheck check isolate-expand --variant hygiene-v2
race=$?
echo
build/pagecheck check isolate-expand --variant v6.10
fixed=$?
set -e
if [ "$race" -ne 1 ] || [ "$fixed" -ne 0 ]; then
  echo "run.sh: unexpected verdicts (hygiene-v2 exit $race, v6.10 exit $fixed)" >&2
  exit 1
fi

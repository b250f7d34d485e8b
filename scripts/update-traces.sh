#!/usr/bin/env bash
# Regenerates the golden trace texts (tests/golden/) and the generated parts of the hazard pages
# (docs/hazards/) for the named catalogue scenarios, or for all of them; creates the hazard page
# of a new race from its scenario's leading comment. Review the diff, then commit it.
#   scripts/update-traces.sh [SCENARIO...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j2 --target pagecheck pagecheck_docs >/dev/null
"$build/tests/pagecheck_docs" update "$@"

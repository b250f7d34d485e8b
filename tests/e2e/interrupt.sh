#!/usr/bin/env bash
# interrupt.sh PAGECHECK SCENARIO: Ctrl-C (SIGINT) one second into a long search must stop it
# cleanly: exit 3, "interrupted (Ctrl-C)" and the levels explored completely on stdout.
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$1" check "$2" --variant v6.10 --no-progress >"$out" 2>&1 &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
code=$?
if [ "$code" -ne 3 ]; then echo "exit code $code, expected 3: $(cat "$out")"; exit 1; fi
grep -q "incomplete, interrupted (Ctrl-C)" "$out" || { echo "no interruption line: $(cat "$out")"; exit 1; }
grep -Eq "levels 0\.\.[0-9]+ complete" "$out" || { echo "no complete levels: $(cat "$out")"; exit 1; }
exit 0

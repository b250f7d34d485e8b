#!/usr/bin/env bash
# expect_exit.sh CODE REGEX CMD...: runs CMD, passes if it exits with CODE and its stderr matches
# REGEX (an extended regular expression) on one line.
set -u
want=$1; re=$2; shift 2
err=$("$@" 2>&1 >/dev/null); code=$?
if [ "$code" -ne "$want" ]; then echo "exit code $code, expected $want; stderr: $err"; exit 1; fi
if ! grep -Eq -- "$re" <<<"$err"; then echo "stderr does not match /$re/: $err"; exit 1; fi
lines=$(printf '%s' "$err" | grep -c '' || true)
if [ "$want" -eq 2 ] && [ "$lines" -ne 1 ]; then echo "expected a one-line error, got $lines lines: $err"; exit 1; fi
exit 0

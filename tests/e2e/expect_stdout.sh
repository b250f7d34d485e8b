#!/usr/bin/env bash
# expect_stdout.sh CODE REGEX CMD...: runs CMD, passes if it exits with CODE and its stdout has a
# line matching REGEX (an extended regular expression).
set -u
want=$1; re=$2; shift 2
out=$("$@" 2>/dev/null); code=$?
if [ "$code" -ne "$want" ]; then echo "exit code $code, expected $want; stdout: $out"; exit 1; fi
if ! grep -Eq -- "$re" <<<"$out"; then echo "stdout does not match /$re/: $out"; exit 1; fi
exit 0

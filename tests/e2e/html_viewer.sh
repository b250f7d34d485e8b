#!/usr/bin/env bash
# html_viewer.sh PAGECHECK OUTDIR: the HTML trace viewer in headless Chromium. Writes the
# isolate-expand trace as HTML, loads it, steps to the end with the viewer's Next button,
# checks that the DOM shows the violation, and keeps a screenshot (OUTDIR/isolate-expand.png).
# Exit 77 (ctest: Skipped) with a SKIP line when Chromium is missing or cannot start.
set -u
pc=$1; out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIP: chromium is not installed (Debian package 'chromium'; scripts/setup.sh installs it)"
  exit 77
fi
profile=$(mktemp -d "$out/profile.XXXXXX")
trap 'rm -rf "$profile"' EXIT
run() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --virtual-time-budget=5000 "$@" 2>>"$out/chromium.log"
}
if ! run --dump-dom "data:text/html,<p id=ok>ok</p>" | grep -q 'id="ok"'; then
  echo "SKIP: chromium is installed but cannot start headless here; see $out/chromium.log"
  exit 77
fi

html=$out/isolate-expand.html
"$pc" check isolate-expand --variant hygiene-v2 --format html -o "$html" --no-progress
rc=$?
if [ "$rc" -ne 1 ]; then echo "FAIL: check --format html exited $rc, expected 1 (violated)"; exit 1; fi
# Self-contained: no URL the browser would fetch.
if grep -Eq '(src|href)="(https?:)?//' "$html"; then echo "FAIL: the page refers to the network"; exit 1; fi

dom=$(run --dump-dom "file://$html#play")
steps=$(grep -o 'class="step[^"]*" data-step="[0-9]*"' <<<"$dom" | wc -l)
fail=0
check() { if ! grep -Eq -- "$1" <<<"$dom"; then echo "FAIL: the DOM after stepping to the end lacks /$1/"; fail=1; fi; }
check "data-step=\"$steps\" data-at-end=\"yes\""
check 'id="violation" class="shown"><b>Broken: freelist-hygiene</b>'
check 'pfn 2 \(order 1\) is on free_list\[1\]\[MOVABLE\] but its pageblock 1 is ISOLATE'
check 'class="bad"><td class="name">free_list\[1\]\[MOVABLE\]'
check 'class="pageblock" data-pb="1"[^>]*stroke="#c62828"'
[ "$steps" -ge 1 ] || { echo "FAIL: no steps in the interleaving table"; fail=1; }

run --window-size=1400,900 --screenshot="$out/isolate-expand.png" "file://$html#play" >/dev/null
if [ ! -s "$out/isolate-expand.png" ]; then echo "FAIL: no screenshot"; fail=1; fi
[ "$fail" -eq 0 ] && echo "ok: the viewer stepped through $steps steps to the violation; screenshot $out/isolate-expand.png"
exit "$fail"

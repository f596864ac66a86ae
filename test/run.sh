#!/usr/bin/env bash
# Runs tap over compiled test files and ends with the plain summary line CI reads:
# "N passed, N failed". Reports tests leave for people in test-output/reports/ (e.g. the chaos
# test's recovery times) are printed before it.
set -uo pipefail
cd "$(dirname "$0")/.."
files=()
for dir in "$@"; do
  while IFS= read -r f; do files+=("$f"); done < <(find "$dir" -name '*.test.js' | sort)
done
if [ ${#files[@]} -eq 0 ]; then echo "no test files under: $*"; echo "0 passed, 1 failed"; exit 1; fi
log=$(mktemp)
rm -rf test-output/reports
npx tap --disable-coverage --timeout 300 -R terse "${files[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
rm -f "$log"
for report in test-output/reports/*.txt; do
  [ -f "$report" ] && { echo; cat "$report"; }
done
echo
if [ -z "$summary" ]; then echo "0 passed, 1 failed"; exit 1; fi
[ "$status" -ne 0 ] && [ "${fail:-0}" -eq 0 ] && fail=1
echo "${pass:-0} passed, ${fail:-0} failed"
exit "$status"

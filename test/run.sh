#!/usr/bin/env bash
# Runs tap over compiled test files and ends with the plain summary line CI reads:
# "N passed, N failed". Reports tests leave for people in test-output/reports/ (e.g. the chaos
# test's recovery times) are printed before it. With TEST_LEG=name (a platform leg, see
# infra/scripts/test-legs.sh) it ends instead with "leg name: N pass, N fail" and the leg's versions
# (OS, Node, glibc, uWebSockets.js binary, nats-server), and keeps the counts in test-output/legs/.
# Files that start a line with "// own-slot:" (those that run a NATS cluster) run after the others,
# one at a time: on two shared cores a cluster electing leaders beside the whole suite can miss
# its deadlines, and their failover figures would measure the machine's load.
set -uo pipefail
cd "$(dirname "$0")/.."
files=()
for dir in "$@"; do
  while IFS= read -r f; do files+=("$f"); done < <(find "$dir" -name '*.test.js' | sort)
done
leg=${TEST_LEG:-}
finish() { # pass fail status
  if [ -z "$leg" ]; then echo "$1 passed, $2 failed"; exit "$3"; fi
  local os uws nats
  os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || uname -s)
  uws=$(node -e 'import("./dist/gateway/transport/uws.js").then((m) => console.log(m.uwsDescription()))' 2>&1 | tail -1)
  nats=$(nats-server --version 2>&1 | head -1)
  mkdir -p test-output/legs
  echo "$1 $2 leg $leg ($os; $uws; $nats)" >"test-output/legs/$leg.txt"
  echo "leg $leg: $1 pass, $2 fail ($os; $uws; $nats)"
  exit "$3"
}
if [ ${#files[@]} -eq 0 ]; then echo "no test files under: $*"; finish 0 1 1; fi
parallel=() alone=()
for f in "${files[@]}"; do
  if grep -q '^// own-slot:' "$f"; then alone+=("$f"); else parallel+=("$f"); fi
done
rm -rf test-output/reports
pass=0 fail=0 status=0 ran=0
run_tap() { # tap arguments…
  local log rc summary
  log=$(mktemp)
  node_modules/.bin/tap --disable-coverage --timeout 300 -R terse "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -1)
  rm -f "$log"
  if [ -z "$summary" ]; then fail=$((fail + 1)); status=1; return; fi
  ran=1
  pass=$((pass + $(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")))
  local failed
  failed=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
  [ "$rc" -ne 0 ] && [ "${failed:-0}" -eq 0 ] && failed=1
  fail=$((fail + ${failed:-0}))
  [ "$rc" -ne 0 ] && status=$rc
}
[ ${#parallel[@]} -gt 0 ] && run_tap "${parallel[@]}"
[ ${#alone[@]} -gt 0 ] && run_tap --jobs=1 "${alone[@]}"
for report in test-output/reports/*.txt; do
  [ -f "$report" ] && { echo; cat "$report"; }
done
echo
if [ "$ran" -eq 0 ]; then finish 0 1 1; fi
finish "$pass" "$fail" "$status"

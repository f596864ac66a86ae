#!/usr/bin/env bash
# `make test`: the suite over DIR... on the platform legs in LEGS (both by default), then ONE
# "N passed, N failed" line over them (the line CI reads):
#   today    this machine (Debian 12: Node 20, uWebSockets.js 20.30, its own nats-server 2.9.10)
#   current  a Debian 13 root (Node 24 LTS, glibc 2.41, uWebSockets.js 20.57, the newest nats-server
#            of Debian's packages), see infra/scripts/current-leg.sh
# Each leg's line names its versions; a leg that ends without counts counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
legs=${LEGS:-today current}
rm -rf test-output/legs
status=0

run_today() {
  local nats_dir
  nats_dir=$(NATS_SERVER=system bash infra/scripts/ensure-nats.sh) || return 1
  echo "==> leg today: this machine's Node and nats-server"
  PATH="$nats_dir:$PATH" NATS_SERVER=system TEST_LEG=today bash test/run.sh "$@"
}
run_current() {
  echo "==> leg current: a Debian 13 root"
  bash infra/scripts/current-leg.sh test "$@"
}

for leg in $legs; do
  case $leg in
    today) run_today "$@" || status=1 ;;
    current) run_current "$@" || status=1 ;;
    *) echo "unknown leg $leg (LEGS takes today and current)" >&2; exit 2 ;;
  esac
done

echo
pass=0 fail=0
for leg in $legs; do
  f=test-output/legs/$leg.txt
  if [ -f "$f" ]; then
    read -r p n rest <"$f"
    echo "$rest: $p pass, $n fail"
  else
    p=0 n=1
    echo "leg $leg: did not finish"
  fi
  pass=$((pass + p)) fail=$((fail + n))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && exit "$status"
exit 1

#!/usr/bin/env bash
# `make dev`: starts nats-server (unless NATS_URL is set), the gateway, the example services and the
# demo pages; prints the one URL to open; stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
config=${JETGATE_CONFIG:-jetgate.json}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_port() { # host port what
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$3 did not start on $1:$2" >&2
  return 1
}

if [ -z "${NATS_URL:-}" ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
    echo "Port 4222 is taken: is a nats-server already running? Use it with NATS_URL=nats://127.0.0.1:4222 make dev" >&2
    exit 1
  fi
  mkdir -p .data/nats
  echo "==> starting nats-server (JetStream data in .data/nats, log in .data/nats.log)"
  nats-server -c infra/nats/dev.conf >.data/nats.log 2>&1 &
  pids+=($!)
  wait_port 127.0.0.1 4222 nats-server
  export NATS_URL=nats://127.0.0.1:4222
else
  echo "==> using NATS at $NATS_URL"
fi

echo "==> starting the gateway (config: $config)"
node dist/gateway/cli.js serve --config "$config" &
pids+=($!)
wait_port 127.0.0.1 "${JETGATE_WEBSOCKET_PORT:-8080}" gateway

echo "==> starting the example services (metrics, lobby) and the demo pages"
node dist/services/metrics/main.js &
pids+=($!)
node dist/services/lobby/main.js &
pids+=($!)
demo_port=${DEMO_PORT:-8090}
node dist/demo/server.js --port "$demo_port" --gateway "ws://127.0.0.1:${JETGATE_WEBSOCKET_PORT:-8080}/ws" &
pids+=($!)
wait_port 127.0.0.1 "$demo_port" "demo pages"
cat <<MSG

  ┌──────────────────────────────────────────────┐
    Open the demos:  http://127.0.0.1:${demo_port}/
  └──────────────────────────────────────────────┘
  (live dashboard and game lobby; Ctrl-C stops everything)

MSG
wait -n "${pids[@]}"

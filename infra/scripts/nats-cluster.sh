#!/usr/bin/env bash
# `make nats-cluster`: the 3-node NATS cluster of infra/nats/cluster.conf on this one host, on
# distinct ports (clients 4222-4224, routes 6222-6224, monitoring 8222-8224), data kept under
# .data/nats-cluster/. Ctrl-C stops all three. Gateways use it with
#   NATS_URL=nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224
set -euo pipefail
cd "$(dirname "$0")/../.."
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for i in 1 2 3; do
  mkdir -p ".data/nats-cluster/nats-$i"
  NATS_SERVER_NAME="nats-$i" NATS_HOST=127.0.0.1 NATS_PORT=$((4221 + i)) NATS_HTTP_PORT=$((8221 + i)) \
    NATS_CLUSTER_PORT=$((6221 + i)) NATS_STORE_DIR="$PWD/.data/nats-cluster/nats-$i" \
    NATS_ROUTE_1=nats-route://127.0.0.1:6222 NATS_ROUTE_2=nats-route://127.0.0.1:6223 NATS_ROUTE_3=nats-route://127.0.0.1:6224 \
    nats-server -c infra/nats/cluster.conf >".data/nats-cluster/nats-$i.log" 2>&1 &
  pids+=($!)
done
cat <<MSG
==> NATS cluster: nats-1..3 on 127.0.0.1:4222-4224 (logs in .data/nats-cluster/)
  Gateways on the cluster (R3 streams), each in its own terminal:
    NATS_URL=nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224 \\
      JETGATE_CONFIG=infra/jetgate/cluster.json JETGATE_WEBSOCKET_PORT=8081 node dist/gateway/cli.js serve
  Ctrl-C stops the cluster.
MSG
wait -n "${pids[@]}"

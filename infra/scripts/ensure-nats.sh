#!/usr/bin/env bash
# Makes sure nats-server (with JetStream) is on PATH: installs Debian's package when we are root.
set -euo pipefail
if command -v nats-server >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing nats-server from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  command -v nats-server >/dev/null 2>&1 && exit 0
fi
cat >&2 <<'MSG'
jetgate needs nats-server (2.9 or newer, with JetStream) and could not install it.
  Debian/Ubuntu:  sudo apt-get install nats-server
  Or point jetgate at an existing NATS:  NATS_URL=nats://host:4222 make dev
MSG
exit 1

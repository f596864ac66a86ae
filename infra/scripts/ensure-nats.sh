#!/usr/bin/env bash
# Finds the nats-server that `make dev`, `make test` and the benchmarks run, and prints the folder
# that holds it (callers put it first on PATH). Which one, by NATS_SERVER:
#   (unset)        the newest nats-server of Debian's packages (unstable, trixie-backports), fetched
#                  once with a private apt configuration (the system's apt sources are not touched)
#                  and unpacked under .cache/nats-server/; its version is in .cache/nats-server/VERSION
#   system         the one on PATH (installs Debian's package, 2.9.10 on Debian 12, when root)
#   /path/to/bin   that binary
# Progress and the version chosen go to stderr; only the folder goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
cache=.cache/nats-server
say() { echo "==> $*" >&2; }
version_of() { "$1" --version 2>/dev/null | sed -nE 's/^nats-server: v([0-9][0-9.]*).*/\1/p' | head -1; }

fetch_debian() {
  if [ -x "$cache/usr/sbin/nats-server" ] && [ -s "$cache/VERSION" ]; then return; fi
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1 || [ ! -f "$KEYRING" ]; then
    cat >&2 <<MSG
Fetching a current nats-server needs apt-get, dpkg-deb and Debian's archive keyring ($KEYRING).
  Use your own:            NATS_SERVER=/path/to/nats-server make ...
  Or the one on PATH:      NATS_SERVER=system make ...
MSG
    exit 1
  fi
  say "fetching the newest nats-server of Debian's packages (once, into $cache)"
  local apt=$cache/apt
  rm -rf "$cache"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$apt/deb"
  : >"$apt/status"
  {
    echo "deb [signed-by=$KEYRING] $MIRROR unstable main"
    echo "deb [signed-by=$KEYRING] $MIRROR trixie-backports main"
  } >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$PWD/$apt/sources.list" -o "Dir::Etc::SourceParts=$PWD/$apt/parts"
    -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$PWD/$apt/parts"
    -o "Dir::State::Lists=$PWD/$apt/lists" -o "Dir::State::Status=$PWD/$apt/status" -o "Dir::Cache=$PWD/$apt/cache"
    -o "APT::Sandbox::User=root" -qq)
  apt-get "${opts[@]}" update >&2
  (cd "$apt/deb" && apt-get "${opts[@]}" download nats-server >&2)
  local deb
  deb=$(ls "$apt"/deb/nats-server_*.deb)
  dpkg-deb -x "$deb" "$cache"
  local v
  v=$(version_of "$cache/usr/sbin/nats-server")
  [ -n "$v" ] || { echo "the nats-server unpacked from $deb does not run" >&2; exit 1; }
  echo "$v (Debian package $(basename "$deb"))" >"$cache/VERSION"
  rm -rf "$apt"
}

case "${NATS_SERVER:-}" in
  '')
    fetch_debian
    say "nats-server $(cat "$cache/VERSION")"
    echo "$PWD/$cache/usr/sbin"
    ;;
  system)
    if ! command -v nats-server >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing nats-server from Debian's packages"
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
    fi
    bin=$(command -v nats-server || true)
    if [ -z "$bin" ]; then
      cat >&2 <<'MSG'
NATS_SERVER=system: no nats-server on PATH, and it could not be installed.
  Debian/Ubuntu:  sudo apt-get install nats-server
  Or leave NATS_SERVER unset to fetch a current one into .cache/nats-server/
MSG
      exit 1
    fi
    say "nats-server $(version_of "$bin") (the system's, $bin)"
    dirname "$bin"
    ;;
  *)
    [ -x "$NATS_SERVER" ] || { echo "NATS_SERVER=$NATS_SERVER is not an executable" >&2; exit 1; }
    v=$(version_of "$NATS_SERVER")
    [ -n "$v" ] || { echo "NATS_SERVER=$NATS_SERVER does not print a nats-server version" >&2; exit 1; }
    say "nats-server $v ($NATS_SERVER)"
    if [ "$(basename "$NATS_SERVER")" = nats-server ]; then
      (cd "$(dirname "$NATS_SERVER")" && pwd)
    else # callers run `nats-server`: a link of that name
      mkdir -p .cache/nats-server-link
      ln -sfn "$(realpath "$NATS_SERVER")" .cache/nats-server-link/nats-server
      echo "$PWD/.cache/nats-server-link"
    fi
    ;;
esac

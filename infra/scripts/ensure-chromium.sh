#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed (the browser tests drive it with playwright-core).
set -euo pipefail
bin=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$bin" ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing chromium from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  [ -x "$bin" ] && exit 0
fi
cat >&2 <<'MSG'
The browser tests need Chromium and could not install it.
  Debian/Ubuntu:  sudo apt-get install chromium
  Or point them at another build:  CHROMIUM_PATH=/path/to/chromium make test
MSG
exit 1

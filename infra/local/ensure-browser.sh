#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; install it where it is missing. They also run
# axe-core (the npm package, pinned below) over every page of the walk: it is installed
# under var/axe with npm where it is missing.
set -euo pipefail
AXE_VERSION=4.14.1
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
AXE_DIR="$ROOT/var/axe"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser tests"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and cannot be installed here; the browser tests will be skipped" >&2
  fi
fi

if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] || \
   ! grep -q "\"version\": \"$AXE_VERSION\"" "$AXE_DIR/node_modules/axe-core/package.json" 2>/dev/null; then
  if command -v npm >/dev/null; then
    echo "installing axe-core $AXE_VERSION for the accessibility checks of the browser walk"
    mkdir -p "$AXE_DIR"
    npm install --silent --no-audit --no-fund --prefix "$AXE_DIR" "axe-core@$AXE_VERSION" >/dev/null
  else
    echo "npm is missing: axe-core cannot be installed; the browser walk will be skipped" >&2
  fi
fi

#!/usr/bin/env bash
# Install what the web chat's browser tests (tests/webchat) need, skipping what is already there:
#   - Chromium and its driver from Debian's packages (/usr/bin/chromium, /usr/bin/chromedriver);
#   - axe-core (pinned in tests/webchat/package-lock.json) with `npm ci` into tests/webchat/node_modules.
# Selenium itself is a pinned pip package in requirements.txt. Nothing here downloads a browser build
# of its own: Selenium Manager is never used (the tests pass Service("/usr/bin/chromedriver")).
# Runs as root in CI (apt-get); elsewhere it uses sudo when it is available.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "chromium and chromedriver: present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "Need root (or sudo) to apt-get install chromium chromium-driver" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "Installing chromium and chromium-driver with apt-get"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium chromium-driver
fi

AXE=tests/webchat/node_modules/axe-core/axe.min.js
WANT=$(sed -n 's/.*"axe-core": "\([0-9.]*\)".*/\1/p' tests/webchat/package.json | head -n1)
HAVE=$(sed -n 's/.*"version": "\([0-9.]*\)".*/\1/p' tests/webchat/node_modules/axe-core/package.json 2>/dev/null | head -n1 || true)
if [ -f "$AXE" ] && [ "$HAVE" = "$WANT" ]; then
  echo "axe-core $HAVE: present"
else
  if ! command -v npm >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || { echo "npm is missing: install Node.js and npm (apt-get install -y npm)" >&2; exit 1; }
    echo "Installing npm with apt-get"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm
  fi
  echo "Installing axe-core $WANT with npm ci"
  (cd tests/webchat && npm ci --no-audit --no-fund --ignore-scripts)
fi

#!/usr/bin/env bash
# Install what `make run-cluster` and tests/cluster need, skipping what is already there:
# PostgreSQL (tracker store), Redis (lock store) and nginx (the one address in front of the replicas),
# all from Debian's packages. The cluster launcher (cluster/) runs its OWN instances of each on free
# loopback ports with data under var/cluster/, so the Debian services are not needed: while this
# script installs, a temporary /usr/sbin/policy-rc.d keeps them from starting on 5432, 6379 and 80.
# The Python clients (psycopg2-binary, redis) are pinned in requirements.txt.
# Runs as root in CI (apt-get); elsewhere it uses sudo when it is available.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)

if [ ${#missing[@]} -eq 0 ]; then
  echo "postgresql, redis-server and nginx: present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi

POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  # exit 101 = "action forbidden": invoke-rc.d and deb-systemd-invoke then leave the new services stopped.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi

echo "Installing ${missing[*]} with apt-get"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"

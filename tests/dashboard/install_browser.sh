#!/usr/bin/env bash
# Install Debian's Chromium (and its driver) for the dashboard's browser tests.
# Idempotent and quiet: does nothing when chromium is already there; prints the apt log on failure.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! {
  $SUDO apt-get update -qq &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
} >"$log" 2>&1; then
  cat "$log" >&2
  echo "install_browser.sh: could not install chromium" >&2
  exit 1
fi
command -v chromium >/dev/null

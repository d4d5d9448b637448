#!/usr/bin/env bash
# Installs what lakectl needs to build and test on a Debian machine with the Swift toolchain:
# the C libraries' -dev packages (apt) and a Python venv with the pinned reference tools.
# Idempotent and quick on a second run. Prints the venv path last.
#   scripts/setup.sh --system-only   only the Debian packages (what building lakectl needs)
set -euo pipefail
system_only=false
[ "${1:-}" = "--system-only" ] && system_only=true
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${LAKECTL_VENV:-$ROOT/.venv}

APT_PACKAGES=(pkg-config libcurl4-openssl-dev libssl-dev libzstd-dev zlib1g-dev libsqlite3-dev libsnappy-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v python3 >/dev/null 2>&1; then missing+=(python3 python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null 2>&1 || { echo "setup: the Swift toolchain (6.1 or newer) is not on PATH; install it from swift.org" >&2; exit 1; }

$system_only && exit 0

stamp="$VENV/.requirements.sha256"
want=$(sha256sum tests/python/requirements.txt | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating the Python venv in $VENV" >&2
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tests/python/requirements.txt
  echo "$want" > "$stamp"
fi
echo "$VENV"

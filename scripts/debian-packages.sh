#!/usr/bin/env bash
# Installs the named Debian packages where they are missing (for boltzflow's optional parts:
# libopenblas-dev for the native backend, chromium for the browser tests). Uses sudo when not
# root. Exits 0 when all of them are present afterwards, 1 (with a message) otherwise.
# Usage: scripts/debian-packages.sh PACKAGE...
set -uo pipefail
# Installed means "install ok installed": a removed package keeps its config files, and `dpkg -s`
# still answers 0 for it.
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
missing=()
for p in "$@"; do installed "$p" || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "boltzflow: missing Debian packages ${missing[*]}, and no apt-get here to install them" >&2
  exit 1
fi
as_root=()
[ "$(id -u)" -ne 0 ] && as_root=(sudo)
echo "boltzflow: installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
  # A fresh machine may have no package lists yet.
  "${as_root[@]}" apt-get update -q >/dev/null && "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
for p in "${missing[@]}"; do
  if ! installed "$p"; then
    echo "boltzflow: could not install $p" >&2
    exit 1
  fi
done

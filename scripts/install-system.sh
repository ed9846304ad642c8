#!/usr/bin/env bash
# Install the Debian packages civicgrid needs (PostgreSQL + PostGIS, GDAL, Chromium, a CJK font),
# only those missing. Needs root or sudo; otherwise says exactly what to install.
set -euo pipefail
PACKAGES=(postgresql-15 postgresql-15-postgis-3 gdal-bin chromium chromium-driver fonts-noto-cjk python3-venv)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "civicgrid: installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo); else
  echo "civicgrid: missing Debian packages and no root/sudo: apt-get install ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Install the Debian packages crosscheck needs, only those that are missing.
#   scripts/system-deps.sh run    — what the app needs (poppler for scans, DejaVu fonts for cover sheets
#                                   and the PDF reports, which embed them)
#   scripts/system-deps.sh test   — plus what the tests need (redis-server, chromium)
#   scripts/system-deps.sh ci     — plus postgresql
set -euo pipefail
profile="${1:-run}"
packages=(poppler-utils fonts-dejavu-core)
[[ "$profile" == test || "$profile" == ci ]] && packages+=(redis-server chromium)
[[ "$profile" == ci ]] && packages+=(postgresql)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "crosscheck needs these system packages: ${missing[*]} (install them with your package manager)" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

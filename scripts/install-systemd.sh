#!/bin/bash
# Installs and enables the systemd unit for an install tree made by scripts/install.sh.
# Usage: sudo scripts/install-systemd.sh [PREFIX]   (default /usr/local)
set -euo pipefail
prefix="$(readlink -f "${1:-/usr/local}")"
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$prefix/bin/baetyl" ]; then
  echo "error: $prefix/bin/baetyl not found; run scripts/install.sh $prefix first" >&2
  exit 1
fi
sed "s#@PREFIX@#$prefix#g" "$here/baetyl.service" > /etc/systemd/system/baetyl.service
systemctl daemon-reload
systemctl enable baetyl
echo "installed /etc/systemd/system/baetyl.service; start it with: sudo systemctl start baetyl"

#!/usr/bin/env bash
# Installs everything the tests need (Debian packages only when missing, npm packages) and runs the
# whole test suite. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in tshark:tshark smbd:samba smbclient:smbclient smbtorture:samba-testsuite tcpdump:tcpdump tmux:tmux chromium:chromium firefox-esr:firefox-esr; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
done
# impacket's SMB client drives some harness scenarios (run with Debian's /usr/bin/python3).
/usr/bin/python3 -c 'import impacket' >/dev/null 2>&1 || need+=(python3-impacket)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections || true
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build
npm run lint
npm test

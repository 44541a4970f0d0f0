#!/usr/bin/env bash
# Installs, from Debian's packages, the real peers and tools `npm run test:interop` uses. Idempotent.
set -euo pipefail
PKGS=(sip-tester kamailio baresip baresip-core tshark sox libsox-fmt-all espeak-ng
      pocketsphinx pocketsphinx-en-us ffmpeg chromium coreutils procps)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "interop peers: $(sipp -v 2>&1 | grep -o 'SIPp v[^ ,-]*' | head -1), $(kamailio -v | head -1 | cut -d' ' -f1-3)"

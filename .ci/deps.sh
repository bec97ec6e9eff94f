#!/bin/sh
# Installs what onestop needs from Debian's packages, only if missing;
# with arguments, those packages instead (make fuzz: clang and its runtimes).
set -e
pkgs="$*"
[ -n "$pkgs" ] || pkgs="nginx nginx-dev liblmdb-dev lmdb-utils libyajl-dev libqrencode-dev
      libhiredis-dev redis-server zlib1g-dev libssl-dev libpcre2-dev
      build-essential perl zbar-tools wrk chromium prometheus librsvg2-bin
      libxml2-utils fonts-dejavu-core dpkg-dev debhelper openssl
      libcurl4-openssl-dev python3-aiosmtpd curl valgrind"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
# node and npm (t/openapi.t's linter and validator) from Debian's packages
# only where there are none: a machine's own Node.js (20, with its npm) is
# kept, never replaced by Debian's older one
if [ -z "$*" ] && ! { command -v node && command -v npm; } >/dev/null 2>&1
then
    missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "onestop: missing packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "onestop: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends --no-upgrade $missing >/dev/null
# Debian's nginx package starts a server on port 80 where it can: not ours
if command -v service >/dev/null 2>&1; then
    service nginx stop >/dev/null 2>&1 || true
fi

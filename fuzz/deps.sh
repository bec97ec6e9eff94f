#!/bin/sh
# make fuzz: installs what the fuzz targets need from Debian's packages,
# only if missing (clang with libFuzzer and the sanitizers' runtimes,
# llvm-symbolizer for the reports).  make test never needs them.
set -e
pkgs="clang libclang-rt-dev llvm"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "onestop: make fuzz needs:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "onestop: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null

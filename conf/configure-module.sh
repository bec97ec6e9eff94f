#!/bin/bash
# Configures nginx's build of the onestop module in a private copy of
# Debian's nginx-dev sources (nothing under /usr/share is written), with
# Debian's own flags so that the module loads into /usr/sbin/nginx.
# Debian's conf_flags carry the configure arguments but not the compiler
# flags its nginx package is built with (its rules add them): without
# them nginx compiles a module at -O (-O1), and the statistics ran at
# half the speed of the engine's own -O2 build.  So dpkg-buildflags
# (dpkg-dev, which nginx-dev pulls in through debhelper) gives them here.
# Usage: configure-module.sh NGINX_SRC PROJECT_DIR BUILD_DIR
set -e
src=$1 project=$2 build=$3
rm -rf "$build/nginx-src"
cp -r "$src" "$build/nginx-src"
cd "$build/nginx-src"
. ./conf_flags
if command -v dpkg-buildflags > /dev/null; then
    cc_opt="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
    ld_opt="$(dpkg-buildflags --get LDFLAGS)"
else
    cc_opt="-g -O2" ld_opt=""
fi
./configure "${NGX_CONF_FLAGS[@]}" --with-cc-opt="$cc_opt" \
    --with-ld-opt="$ld_opt" --add-dynamic-module="$project" \
    --builddir="$build/nginx" > "$build/nginx-configure.log" 2>&1 \
    || { tail -20 "$build/nginx-configure.log"; exit 1; }

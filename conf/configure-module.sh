#!/bin/bash
# Configures nginx's build of the onestop module in a private copy of
# Debian's nginx-dev sources (nothing under /usr/share is written), with
# Debian's own flags so that the module loads into /usr/sbin/nginx.
# Usage: configure-module.sh NGINX_SRC PROJECT_DIR BUILD_DIR
set -e
src=$1 project=$2 build=$3
rm -rf "$build/nginx-src"
cp -r "$src" "$build/nginx-src"
cd "$build/nginx-src"
. ./conf_flags
./configure "${NGX_CONF_FLAGS[@]}" --add-dynamic-module="$project" \
    --builddir="$build/nginx" > "$build/nginx-configure.log" 2>&1 \
    || { tail -20 "$build/nginx-configure.log"; exit 1; }

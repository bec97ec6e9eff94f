#!/bin/sh
# make run / make stop: the demo store, Redis and nginx on 127.0.0.1:8080,
# everything under var/ (nginx's prefix is the project's root).
set -e
cd "$(dirname "$0")/.."
root=$(pwd)
var="$root/var"

start() {
    mkdir -p "$var/tmp" "$var/redis"
    chmod 755 "$var"

    if [ ! -f "$var/store/data.mdb" ]; then
        echo "onestop: writing the demo store (200,000 dossiers)..."
        build/onestop --store "$var/store" demo
    fi

    if [ ! -f "$var/admin.key" ]; then
        umask 077
        head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$var/admin.key"
        umask 022
        printf '%s * administrator (make run)\n' \
            "$(tr -d '\n' < "$var/admin.key" | sha256sum | cut -d' ' -f1)" \
            > "$var/keys"
    fi

    if [ ! -f "$var/qr.key" ]; then
        umask 077
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$var/qr.key"
        echo >> "$var/qr.key"
        umask 022
    fi

    if command -v redis-server >/dev/null 2>&1 \
       && ! redis-cli -p 6379 ping >/dev/null 2>&1
    then
        redis-server --port 6379 --bind 127.0.0.1 --dir "$var/redis" \
            --daemonize yes --pidfile "$var/redis.pid" \
            --logfile "$var/redis.log" --save "" --appendonly no
    fi

    if [ -f "$var/nginx.pid" ] && kill -0 "$(cat "$var/nginx.pid")" 2>/dev/null
    then
        /usr/sbin/nginx -p "$root/" -c conf/onestop.conf -s reload
    else
        /usr/sbin/nginx -p "$root/" -c conf/onestop.conf
    fi

    code=$(build/onestop --store "$var/store" stats --period all >/dev/null \
           && echo ok)
    cat <<END

onestop is running on http://127.0.0.1:8080

  dashboard        http://127.0.0.1:8080/
  lookup page      http://127.0.0.1:8080/tra-cuu
  lookup API       http://127.0.0.1:8080/api/v1/dossiers/000.00.12.H36-190710-0001
  statistics       http://127.0.0.1:8080/api/v1/stats?period=year&group=agency
  statistics CSV   http://127.0.0.1:8080/api/v1/stats?period=year&group=top_agency&format=csv
  apology letters  http://127.0.0.1:8080/api/v1/apologies
  widget           http://127.0.0.1:8080/widget/province.svg
  metrics          http://127.0.0.1:8080/metrics
  receipt (key)    curl -H "Authorization: Bearer \$(cat var/admin.key)" http://127.0.0.1:8080/receipt/000.00.12.H36-190710-0001

  writes need the key in var/admin.key:
    curl -H "Authorization: Bearer \$(cat var/admin.key)" \\
         -d @record.json http://127.0.0.1:8080/api/v1/ingest/dossiers

  logs in var/, stop with: make stop
END
}

stop() {
    if [ -f "$var/nginx.pid" ]; then
        /usr/sbin/nginx -p "$root/" -c conf/onestop.conf -s quit || true
    fi

    if [ -f "$var/redis.pid" ]; then
        kill "$(cat "$var/redis.pid")" 2>/dev/null || true
        rm -f "$var/redis.pid"
    fi

    echo "onestop: stopped"
}

case "$1" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: run.sh start|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throwaway PostgreSQL for Osprey's tests and benchmarks: a cluster in a temp directory, owned
# by the `postgres` user (PostgreSQL refuses to run as root), listening on loopback only, with
# trust auth for user `osprey`. Installs Debian's `postgresql` package if it is missing (as root).
#
#   scripts/postgres-test.sh start   start (or find running) and print the connection URL
#   scripts/postgres-test.sh url     print the URL without starting anything
#   scripts/postgres-test.sh stop    stop the cluster and delete its directory
#   eval "$(scripts/postgres-test.sh env)"   start, then export OSPREY_TEST_PG_URL
#
# OSPREY_PG_PORT (default 55432) and OSPREY_PG_DIR (default /tmp/osprey-pg-$PORT) pick the
# instance; several test processes may call `start` at once (a lock serializes them).
set -euo pipefail

PORT=${OSPREY_PG_PORT:-55432}
BASE=${OSPREY_PG_DIR:-/tmp/osprey-pg-$PORT}
DATA=$BASE/data
URL="postgres://osprey@127.0.0.1:$PORT/postgres"

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

ensure_installed() {
  [ -n "$(pg_bindir)" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "postgres-test: PostgreSQL is not installed and installing it needs root (apt-get install postgresql)" >&2
    exit 1
  fi
  echo "postgres-test: installing Debian's postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
}

# PostgreSQL will not run as root: as root, run its tools as the `postgres` user the package made.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  ensure_installed
  local bin
  bin=$(pg_bindir)
  mkdir -p "$BASE"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$BASE"
  exec 9>"$BASE.lock"
  flock 9
  if ! as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$DATA" -U osprey --auth=trust --encoding=UTF8 --no-sync >"$BASE/initdb.log" 2>&1 ||
        { cat "$BASE/initdb.log" >&2; exit 1; }
    fi
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -t 60 \
      -o "-p $PORT -k $BASE -c listen_addresses=127.0.0.1 -c max_connections=200" start >&2 ||
      { cat "$BASE/server.log" >&2; exit 1; }
  fi
  echo "$URL"
}

stop() {
  local bin
  bin=$(pg_bindir) || true
  if [ -n "$bin" ] && [ -d "$DATA" ]; then
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
  fi
  rm -rf "$BASE" "$BASE.lock"
}

case "${1:-}" in
  start) start ;;
  url) echo "$URL" ;;
  stop) stop ;;
  env) echo "export OSPREY_TEST_PG_URL=$(start)" ;;
  *) echo "usage: $0 start|url|stop|env" >&2; exit 2 ;;
esac

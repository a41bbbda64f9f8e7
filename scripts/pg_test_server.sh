#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS server for the tests and benchmarks:
#   scripts/pg_test_server.sh start   # prints: export GEO311_TEST_PG=postgresql+psycopg://...
#   scripts/pg_test_server.sh stop
# PostgreSQL refuses to run as root: as root it runs as the `postgres` system user (runuser),
# otherwise as you. Loopback only, its own port, data and socket directories; the superuser
# `geo311` is trusted on loopback (a test server: never expose it).
# Needs the Debian package postgresql-15-postgis-3. Settings: GEO311_PG_DIR (default
# /tmp/geo311-pg), GEO311_PG_PORT (default 55432), GEO311_PG_BIN (default PostgreSQL 15's).
set -euo pipefail
DIR="${GEO311_PG_DIR:-/tmp/geo311-pg}"
PORT="${GEO311_PG_PORT:-55432}"
BIN="${GEO311_PG_BIN:-/usr/lib/postgresql/15/bin}"
URL="postgresql+psycopg://geo311@127.0.0.1:${PORT}/geo311"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    [ -x "$BIN/pg_ctl" ] || { echo "no PostgreSQL in $BIN: apt-get install postgresql-15-postgis-3" >&2; exit 1; }
    mkdir -p "$DIR/socket"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$DIR"
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DIR/data" -U geo311 --auth=trust -E UTF8 >"$DIR/initdb.log"
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      # pg_ctl's own wait has been seen to give up on a loaded machine while the server came
      # up: wait for it to accept connections, and show its log if it never does
      as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
        -o "-p $PORT -k $DIR/socket -c listen_addresses=127.0.0.1" >/dev/null || true
      for _ in $(seq 60); do
        as_owner "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
        sleep 1
      done
      as_owner "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" \
        || { echo "PostgreSQL did not start:" >&2; tail -20 "$DIR/server.log" >&2; exit 1; }
    fi
    if ! as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U geo311 -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'geo311'" | grep -q 1; then
      as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U geo311 geo311
    fi
    as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U geo311 -d template1 -qc \
      "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null 2>&1
    echo "export GEO311_TEST_PG=$URL"
    ;;
  stop)
    if [ -f "$DIR/data/PG_VERSION" ]; then
      as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: Debian's package (installed with apt-get when
# missing), a fresh cluster under build/postgres that listens on a unix socket only (no TCP port
# to collide with), a `registry` role that may create databases, and a `registry` database.
#
#   scripts/postgres.sh run CMD...   start, run CMD with TEST_DATABASE_URL set, always stop
#   scripts/postgres.sh start        start and print the URL (the cluster is kept until `stop`)
#   scripts/postgres.sh stop
#
# initdb refuses to run as root: as root the cluster belongs to the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT="${POSTGRES_DIR:-$PWD/build/postgres}"
DATA="$ROOT/data"
ROLE=registry

main() {
  case "${1:-}" in
    run)
      shift
      if ! installed && [ "$(id -u)" != 0 ]; then
        echo "PostgreSQL is not installed and only root may install it: PostgreSQL run skipped" >&2
        exit 0
      fi
      start
      trap stop EXIT
      TEST_DATABASE_URL="$(url)" "$@"
      ;;
    start) start; url ;;
    stop) stop ;;
    *) echo "usage: $0 run CMD... | start | stop" >&2; exit 2 ;;
  esac
}

start() {
  find_binaries
  stop_if_running
  rm -rf "$ROOT"
  mkdir -p "$ROOT"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$ROOT"
    runuser -u postgres -- test -w "$ROOT" ||
      { echo "the postgres user cannot write $ROOT: set POSTGRES_DIR" >&2; exit 1; }
  fi
  "${as_owner[@]}" "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$ROOT/initdb.log"
  # Durability off: the cluster is thrown away after the run, and the tests create and drop
  # a database per test. No autovacuum either: a worker of its (not the tests' role) on a test
  # database would stop the test role's DROP DATABASE ... WITH (FORCE).
  "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -w -t 60 start -o \
    "-c listen_addresses='' -c unix_socket_directories='$ROOT' -c max_connections=300 \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" >/dev/null
  psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB" -c "CREATE DATABASE $ROLE OWNER $ROLE" \
    -c "GRANT pg_signal_backend TO $ROLE"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $ROOT" >&2
}

stop() {
  find_binaries
  stop_if_running
  echo "PostgreSQL stopped" >&2
}

stop_if_running() {
  if [ -f "$DATA/postmaster.pid" ]; then
    "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
  fi
}

url() {
  echo "postgresql+psycopg://$ROLE@/$ROLE?host=$ROOT"
}

psql_admin() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$ROOT" -U postgres -d postgres "$@"
}

# Debian keeps the server programs out of PATH, in /usr/lib/postgresql/<major>/bin.
find_binaries() {
  as_owner=()
  if [ "$(id -u)" = 0 ]; then as_owner=(runuser -u postgres --); fi
  if ! installed; then
    [ "$(id -u)" = 0 ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
    echo "installing PostgreSQL (apt-get install postgresql)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    installed
  fi
}

# Sets PG_BIN, preferring Debian's newest major version to whatever initdb is on PATH.
installed() {
  PG_BIN="$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V |
    tail -1 | xargs -r dirname)"
  if [ -z "$PG_BIN" ] && command -v initdb >/dev/null; then
    PG_BIN="$(dirname "$(readlink -f "$(command -v initdb)")")"
  fi
  [ -n "$PG_BIN" ]
}

main "$@"

# Sourced by the shell tests and bench/cluster: a throwaway PostgreSQL 15
# (Debian's postgresql-15) on loopback, made by initdb in a directory of
# its own and run as the postgres user (needs root). The C tests have the
# same in tests/cw-test-postgres.c.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   pg_up PORT DIR   initdb (role "certward", SCRAM password) and start;
#                    database "certward". Sets PG_CONNINFO (for [cluster]
#                    uri: no password in it, the password is in
#                    PG_PASSFILE, libpq's pgpass format) and PG_PID.
#   pg_stop          fast shutdown (clients cut off); pg_start starts the
#                    same data again
#   pg_psql SQL      runs SQL, prints unaligned tuples
#   pg_down          stops it and removes DIR

PG_BIN=/usr/lib/postgresql/15/bin

pg_up() {
  PG_PORT=$1 PG_DIR=$2
  mkdir -p "$PG_DIR"
  chown postgres "$PG_DIR"
  chmod 0711 "$PG_DIR"
  echo certward-test-password > "$PG_DIR/pw"
  chmod 0644 "$PG_DIR/pw"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U certward -A scram-sha-256 \
    --pwfile="$PG_DIR/pw" -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || {
      cat "$PG_DIR/initdb.log" >&2; return 1; }
  PG_PASSFILE=$PG_DIR/pgpass
  echo "127.0.0.1:$PG_PORT:*:certward:certward-test-password" > "$PG_PASSFILE"
  chmod 0600 "$PG_PASSFILE"
  PG_CONNINFO="host=127.0.0.1 port=$PG_PORT dbname=certward user=certward passfile=$PG_PASSFILE connect_timeout=3"
  pg_start || return 1
  PGPASSFILE=$PG_PASSFILE "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U certward -d postgres \
    -c 'CREATE DATABASE certward' >/dev/null
}

pg_start() {
  # setpriv execs postgres itself: PG_PID is the postmaster
  setpriv --reuid=postgres --regid=postgres --init-groups -- "$PG_BIN/postgres" -D "$PG_DIR/data" \
    -p "$PG_PORT" -k "$PG_DIR" -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB \
    -c max_connections=40 >>"$PG_DIR/postgres.log" 2>&1 &
  PG_PID=$!
  for _ in $(seq 200); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && return 0
    sleep 0.05
  done
  echo "PostgreSQL did not start:" >&2
  cat "$PG_DIR/postgres.log" >&2
  return 1
}

pg_stop() {
  [ -n "${PG_PID:-}" ] || return 0
  kill -INT "$PG_PID" 2>/dev/null
  wait "$PG_PID" 2>/dev/null
  PG_PID=
}

pg_psql() {
  PGPASSFILE=$PG_PASSFILE "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
    -U certward -d certward -c "$1"
}

pg_down() {
  pg_stop
  [ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
}

#!/bin/bash
# ci/pg-up.sh: start a throw-away PostgreSQL 15 cluster on 127.0.0.1 for tests. Run as root.
#
#   eval "$(bash ci/pg-up.sh)"      # exports PGDATA, PGPORT and DATABASE_URL
#   ...
#   bash ci/pg-down.sh "$PGDATA"
#
# PGPORT picks the port (default: the first free one from 54329 up). initdb/postgres refuse
# to run as root, so they run as PGUSER_OS (default: Debian's `postgres` user, created if missing).
# fsync is off: this cluster is for tests only and is deleted afterwards.
set -euo pipefail

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -z "${PGPORT:-}" ]; then
  PGPORT=54329
  for _ in $(seq 1 50); do port_free "$PGPORT" && break; PGPORT=$((PGPORT + 1)); done
fi
port_free "$PGPORT" || { echo "pg-up: port $PGPORT on 127.0.0.1 is in use" >&2; exit 1; }

PGUSER_OS=${PGUSER_OS:-postgres}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/initdb" ] || PGBIN=$(dirname "$(command -v initdb)")

if [ "$(id -u)" = 0 ]; then
  id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
  as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
else
  as_pg() { "$@"; }
fi

PGDATA=$(mktemp -d /tmp/pgci.XXXXXX)
[ "$(id -u)" = 0 ] && chown "$PGUSER_OS": "$PGDATA"
chmod 700 "$PGDATA"

if ! as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$PGDATA.initdb.log" 2>&1; then
  cat "$PGDATA.initdb.log" >&2
  rm -rf "$PGDATA" "$PGDATA.initdb.log"
  exit 1
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 20 \
    -o "-h 127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null; then
  cat "$PGDATA/server.log" >&2 || true
  rm -rf "$PGDATA" "$PGDATA.initdb.log"
  exit 1
fi

echo "export PGDATA=$PGDATA"
echo "export PGPORT=$PGPORT"
echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PGPORT/postgres"

#!/bin/bash
# ci/pg-down.sh [PGDATA]: stop a cluster started by ci/pg-up.sh and delete its data directory.
set -euo pipefail
PGDATA=${1:-${PGDATA:-}}
case "$PGDATA" in
  /tmp/pgci.*) ;;
  *) echo "pg-down: refusing to remove '$PGDATA' (not a ci/pg-up.sh data dir)" >&2; exit 1 ;;
esac
PGUSER_OS=${PGUSER_OS:-postgres}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/pg_ctl" ] || PGBIN=$(dirname "$(command -v pg_ctl)")
if [ -f "$PGDATA/postmaster.pid" ]; then
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null || true
  else
    "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null || true
  fi
fi
rm -rf "$PGDATA" "$PGDATA.initdb.log"

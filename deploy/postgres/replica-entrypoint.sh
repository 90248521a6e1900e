#!/bin/bash
# Streaming replica of postgres-primary (official postgres image, run as the postgres user).
# First start: copy the primary with pg_basebackup (-R writes primary_conninfo and standby.signal, -S uses
# the slot primary-init.sh created); later starts: run the existing hot standby. Read-only; promote it with
# `pg_ctl promote` (deploy/README.md, "PostgreSQL").
set -euo pipefail
export PGPASSWORD="$(cat "${POSTGRES_REPLICATION_PASSWORD_FILE}")"
if [ ! -s "${PGDATA}/PG_VERSION" ]; then
    until pg_isready -h "${PRIMARY_HOST}" -p 5432 -U replicator; do sleep 2; done
    mkdir -p "${PGDATA}" && chmod 700 "${PGDATA}"
    pg_basebackup -h "${PRIMARY_HOST}" -p 5432 -U replicator -D "${PGDATA}" -X stream -S replica_1 -R -P
fi
exec postgres -c hot_standby=on -c hba_file="${PGDATA}/pg_hba.conf"

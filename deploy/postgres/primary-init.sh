#!/bin/bash
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): a replication role
# for the streaming replica (its password from the postgres_replication_password secret), a physical
# replication slot so the primary keeps the WAL the replica has not received yet, and a login-less
# `healthcheck` role that HAProxy's pgsql-check uses.
set -euo pipefail
REPLICATION_PASSWORD="$(cat "${POSTGRES_REPLICATION_PASSWORD_FILE}")"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v repl_password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'repl_password';
CREATE ROLE healthcheck WITH LOGIN;
SELECT pg_create_physical_replication_slot('replica_1');
SQL

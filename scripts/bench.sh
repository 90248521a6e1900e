#!/usr/bin/env bash
# Run a benchmark from bench/ on the test stack: bash scripts/bench.sh relay_benchmark [args...]
# Benchmarks use their own database (bench_prs1), created and migrated here.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: scripts/bench.sh NAME [args...]   (NAME: one of $(ls bench/*.py | xargs -n1 basename | sed 's/\.py$//' | tr '\n' ' '))" >&2; exit 2; }
name="$1"; shift
[ -f "bench/${name}.py" ] || { echo "scripts/bench.sh: no benchmark bench/${name}.py" >&2; exit 2; }
source scripts/stack.sh
export CELERY_TASK_ALWAYS_EAGER="${CELERY_TASK_ALWAYS_EAGER:-true}"
$BIN/python - <<'PY'
import psycopg
with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'bench_prs1'").fetchone():
        conn.execute("CREATE DATABASE bench_prs1")
PY
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/bench_prs1"
$BIN/python manage.py migrate --noinput -v0
$BIN/python "bench/${name}.py" "$@"

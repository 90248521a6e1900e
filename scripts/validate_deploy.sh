#!/usr/bin/env bash
# deploy/ validated with the real tools (make test, make validate-deploy):
#   promtool check config / check rules / test rules (alert unit tests)
#   haproxy -c (with a throw-away self-signed certificate)
#   deck validate (Kong's declarative config, offline)
#   docker compose config (or docker-compose v1), on a copy with the example .env, secrets and certificate
# A missing tool is installed from its Debian package (apt-get; as root, or through sudo). A check is
# skipped, with the reason printed, only when its package does not exist on this system.
set -euo pipefail
cd "$(dirname "$0")/.."
DEPLOY="$PWD/deploy"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
skipped=()

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
package_exists() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [0-9]'; }

# ensure TOOL PACKAGE: 0 when TOOL is on PATH (installing PACKAGE if needed), 1 when the package does not exist
apt_updated=""
ensure() {
  local tool=$1 package=$2
  command -v "$tool" >/dev/null && return 0
  command -v apt-get >/dev/null || { skipped+=("$tool: no apt-get on this system to install $package"); return 1; }
  if ! package_exists "$package" && [ -z "$apt_updated" ]; then
    as_root apt-get update -qq >/dev/null || true; apt_updated=1
  fi
  if ! package_exists "$package"; then
    skipped+=("$tool: Debian/Ubuntu package '$package' does not exist here"); return 1
  fi
  echo "   installing $package (for $tool)"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$package" >/dev/null \
    || { echo "validate_deploy: apt-get install $package failed" >&2; exit 1; }
  command -v "$tool" >/dev/null || { echo "validate_deploy: $package installed no $tool" >&2; exit 1; }
}

echo "== deploy: prometheus config, rules and alert unit tests (promtool)"
if ensure promtool prometheus; then
  promtool check config "$DEPLOY/monitoring/prometheus.yml"
  promtool check rules "$DEPLOY/monitoring/alerts.yml"
  promtool test rules "$DEPLOY/monitoring/alerts_test.yml"
fi

echo "== deploy: haproxy.cfg (haproxy -c)"
if ensure haproxy haproxy; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
  cat "$WORK/cert.pem" "$WORK/key.pem" > "$WORK/test.pem"
  HAPROXY_CERT="$WORK/test.pem" haproxy -c -f "$DEPLOY/haproxy.cfg"
fi

echo "== deploy: kong.yml (deck validate, offline)"
if ensure deck deck; then
  deck validate --state "$DEPLOY/kong.yml" && echo "kong.yml is valid"
fi

echo "== deploy: docker-compose files (compose config)"
# On a copy: the example .env, secrets and certificate stand in for the real (git-ignored) ones.
cp -r "$DEPLOY" "$WORK/deploy"
cp "$WORK/deploy/.env.example" "$WORK/deploy/.env"
mkdir -p "$WORK/deploy/secrets" "$WORK/deploy/certs"
cp "$WORK/deploy/secrets.example/"* "$WORK/deploy/secrets/"
compose_files=(-f docker-compose.yml -f docker-compose.split.yml)
if docker compose version >/dev/null 2>&1; then
  (cd "$WORK/deploy" && docker compose --env-file .env.example "${compose_files[@]}" --profile logging config -q) \
    && echo "compose files are valid (docker compose $(docker compose version --short))"
elif ensure docker-compose docker-compose; then
  # Compose v1 predates the top-level `name:` (v2 reads it): drop it on the copy, pass the name with -p.
  sed -i '/^name: /d' "$WORK/deploy/docker-compose.yml"
  (cd "$WORK/deploy" && docker-compose -p prs1 --env-file .env.example "${compose_files[@]}" --profile logging config -q) \
    && echo "compose files are valid (docker-compose $(docker-compose version --short))"
fi

if [ ${#skipped[@]} -gt 0 ]; then
  printf '   SKIPPED %s\n' "${skipped[@]}"
fi

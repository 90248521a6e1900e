# PRS1 — two commands a newcomer needs:
#   make run    set up, migrate, load the demo school, serve on http://127.0.0.1:8000
#   make test   set up, start the test broker, run every check and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# One venv for running and testing: requirements-dev.txt (= requirements.txt + tests, lint, test broker).
# The stamp names both files' checksums: a change to either reinstalls.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test venv lint migrate seed worker relay clean validate-deploy check-image

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PRS1 needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

run: venv
	$(BIN)/python scripts/run.py

test: venv
	bash scripts/test.sh

# deploy/ checked with the real tools (promtool, haproxy, decK, docker-compose; installed from Debian
# packages when missing). `make test` runs it too.
validate-deploy:
	bash scripts/validate_deploy.sh

# The production dependency set alone: a fresh venv from requirements.txt runs `manage.py check --deploy`
# (what the image does; for a real image: docker build -f deploy/Dockerfile .).
check-image:
	bash scripts/check_image.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

migrate: venv
	$(BIN)/python manage.py migrate --noinput

seed: venv
	$(BIN)/python manage.py seed_demo

worker: venv
	$(BIN)/celery -A prs1 worker --loglevel=INFO --concurrency=2

relay: venv
	$(BIN)/python manage.py relay_outbox

clean:
	rm -rf $(VENV) var staticfiles

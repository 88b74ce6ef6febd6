# Xinqing: `make run` to try it, `make test` to prove it. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := FLASK_APP=wsgi XINQING_CONFIG=development $(BIN)/flask
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
# pytest-xdist: one process per core, each with its own migrated database (tests/conftest.py).
# `make test XDIST=` runs in one process.
XDIST ?= -n auto
PO_FILES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: bench bench-cluster bench-faults bench-reports replica replica-down run serve-prod test test-sqlite test-postgres lint audit translations e2e-deps i18n-update install install-dev clean

PORT ?= 5000

run: install translations instance/keys.json ## serve http://127.0.0.1:$(PORT) with demo data (make run PORT=8000)
	$(FLASK) db upgrade
	$(FLASK) seed-demo --history 30000
	@echo "SMS (codes, notices) are written to $${SMS_FILE:-instance/sms.jsonl}: tail -f it to read sign-up codes"
	SMS_PROVIDER=file $(FLASK) outbox send --watch & watcher=$$!; \
	  trap 'kill $$watcher' EXIT INT TERM; \
	  SMS_PROVIDER=file $(FLASK) run --host 127.0.0.1 --port $(PORT)

PROD_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/xinqing
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0

serve-prod: install translations instance/keys.json ## gunicorn + local PostgreSQL + Redis, production settings
	$(BIN)/python tools/services.py createdb "$(PROD_DATABASE_URL)"
	XINQING_CONFIG=production DATABASE_URL="$(PROD_DATABASE_URL)" REDIS_URL="$(PROD_REDIS_URL)" \
	  SMS_PROVIDER="$${SMS_PROVIDER:-tencent}" \
	  SECRET_KEY="$$(cat instance/secret_key)" XINQING_KEY_FILE=instance/keys.json \
	  sh -c '$(BIN)/flask --app wsgi db upgrade && exec $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app'

test: install-dev translations e2e-deps lint audit test-sqlite test-postgres ## lint, audit, then the suite on SQLite and PostgreSQL

lint: install-dev ## ruff, the layering contracts and the types (see pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

audit: $(VENV)/.installed-audit ## bandit on our code, pip-audit on requirements.txt (see tools/audit.py)
	$(BIN)/python tools/audit.py

$(VENV)/.installed-audit: requirements-audit.txt $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -r requirements-audit.txt
	@touch $@

test-sqlite: install-dev translations
	@mkdir -p build
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "################################################################################"; \
	  echo "## Browser tests will be SKIPPED: /usr/bin/chromium is missing."; \
	  echo "## sudo apt-get install -y chromium fonts-noto-cjk   (.ci/run does this)"; \
	  echo "################################################################################"; \
	fi
	TEST_DATABASE_URL=sqlite:// $(BIN)/python -m pytest $(XDIST) --junitxml=build/junit-sqlite.xml \
	  $(PYTEST_ARGS)

test-postgres: install-dev translations
	@mkdir -p build
	@if $(BIN)/python tools/services.py postgres "$(PG_TEST_URL)"; then \
	  TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest $(XDIST) \
	    --junitxml=build/junit-postgresql.xml $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then \
	  echo "CI: PostgreSQL at $(PG_TEST_URL) is not reachable; the PostgreSQL pass is required."; \
	  exit 1; \
	else \
	  echo ""; \
	  echo "################################################################################"; \
	  echo "## SKIPPED: the PostgreSQL pass. Nothing answers at $(PG_TEST_URL)."; \
	  echo "## Start PostgreSQL (or set PG_TEST_URL) to run the suite against it too."; \
	  echo "################################################################################"; \
	  rm -f build/junit-postgresql.xml; \
	fi

bench: install translations ## load test vs a bare Flask app (wrk, PostgreSQL, Redis) -> bench/results/
	@command -v wrk >/dev/null || { \
	  echo "make bench needs wrk, the HTTP load tool: sudo apt-get install -y wrk"; exit 2; }
	$(BIN)/python bench/run.py --url "$(PG_TEST_URL)" $(BENCH_ARGS)

REPLICA_PORT ?= 5433

replica: install ## a streaming replica of PG_TEST_URL's server on 127.0.0.1:$(REPLICA_PORT) (pg_basebackup -R)
	$(BIN)/python tools/replica.py up --primary "$(PG_TEST_URL)" --port $(REPLICA_PORT)

replica-down: install ## stop that replica (its directory stays; `make replica` starts it again)
	$(BIN)/python tools/replica.py down --port $(REPLICA_PORT)

bench-cluster: install translations ## two gunicorn servers behind nginx, one killed mid-run -> bench/results/
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { \
	  echo "make bench-cluster needs wrk and nginx: sudo apt-get install -y wrk nginx-light"; exit 2; }
	$(BIN)/python bench/cluster.py --url "$(PG_TEST_URL)" $(BENCH_ARGS)

bench-faults: install translations ## kill a worker, restart PostgreSQL, stop Redis (private servers)
	$(BIN)/python bench/faults.py $(BENCH_ARGS)

bench-reports: install-dev ## reports on 10k/100k/1M statistics rows (PostgreSQL) -> bench/results/
	$(BIN)/python bench/reports_scale.py --url "$(PG_TEST_URL)"

translations: install $(MO_FILES)

AXE_VERSION := 4.14.1
AXE := build/axe/node_modules/axe-core/axe.min.js

e2e-deps: $(AXE) ## axe-core for the browser tests' accessibility checks (npm registry, no CDN)

$(AXE):
	@if command -v npm >/dev/null; then \
	  npm install --silent --no-audit --no-fund --prefix build/axe axe-core@$(AXE_VERSION); \
	else echo "npm not found: accessibility checks in browser tests will be skipped"; fi

%.mo: %.po
	$(BIN)/pybabel compile --statistics -i $< -o $@

i18n-update: install-dev ## extract messages and update both catalogues
	$(BIN)/python tools/i18n.py update

instance/keys.json: install
	$(BIN)/python -m app.security.bootstrap instance

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-run

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache $(MO_FILES)

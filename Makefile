# honeydesk: the two commands a newcomer needs are `make run` and `make test`.
#
#   make run             install into .venv, migrate, load demo data, serve on http://127.0.0.1:8000 with a worker
#   make test            the whole test suite on SQLite (installs Chromium and Dovecot when root)
#   make test-postgres   the whole suite again on a throw-away PostgreSQL 15 cluster
#   make lint            ruff check, ruff format --check, mypy --strict
#   make bench           100,000 and 1,000,000 cases on PostgreSQL and SQLite (pages, search, API create, memory),
#                        e-mail ingest by 2 workers on PostgreSQL, text intelligence (BENCH_ARGS=--quick: smoke run;
#                        BENCH_ARGS="--reuse": keep generated data between runs)
#   make bench-peer      honeydesk and django-helpdesk 2.6.1 at 100,000 tickets in one run, ratio table
#   make bench-email     e-mail ingest benchmark (10,000 messages, one worker, SQLite)
#   make eval            the evaluation script (dev, grouped cross-validation, blind held-out)
#   make train           rebuild the learned heads (honeydesk/intelligence/data/heads.*)
#
# Extra pytest arguments: make test PYTEST_ARGS="-k portal -x"

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# pip on this kind of machine warns about every configured local index it ignores.
PIP_QUIET := { grep -v "^WARNING: Location 'file:///opt/pypi" || true; }

# Settings for test runs: never a real secret, never DEBUG.
TEST_ENV := SECRET_KEY=test-only-not-a-secret DEBUG=0
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help venv run test test-postgres lint bench bench-peer bench-email eval train system-deps

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

# --- setup ---------------------------------------------------------------------------

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[dev]' 2>&1 | $(PIP_QUIET)
	touch $@

# Browser tests drive Debian's Chromium (and inject axe-core, installed by npm from
# package-lock.json, used only in tests); e-mail tests start a real Dovecot.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="chromium chromium-driver"; \
	[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null || missing="$$missing dovecot-imapd"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing $$missing (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $$missing >/dev/null; \
	  else \
	    echo "Missing system packages: $$missing. As root: apt-get install --no-install-recommends $$missing" >&2; \
	    exit 1; \
	  fi; \
	fi

# --- run -----------------------------------------------------------------------------

run: venv
	DEBUG=1 $(BIN)/honeydesk migrate --noinput --verbosity 0
	DEBUG=1 $(BIN)/honeydesk demo
	DEBUG=1 $(BIN)/honeydesk serve --host 127.0.0.1 --port 8000 --with-worker

# --- checks --------------------------------------------------------------------------

# axe-core for the accessibility checks, exactly as package-lock.json pins it.
node_modules/.package-lock.json: package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error

# pytest exits 5 when it collected no tests: make treats that as a failure too.
test: venv system-deps node_modules/.package-lock.json
	$(TEST_ENV) $(BIN)/honeydesk makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	  [ $$rc -ne 5 ] || echo "make test: no tests ran" >&2; exit $$rc

test-postgres: venv system-deps node_modules/.package-lock.json
	@pg=$$(bash ci/pg-up.sh) || exit 1; eval "$$pg"; \
	trap 'bash ci/pg-down.sh "$$PGDATA"' EXIT; trap 'exit 130' INT TERM; \
	echo "PostgreSQL test cluster: $$DATABASE_URL"; \
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	[ $$rc -ne 5 ] || echo "make test-postgres: no tests ran" >&2; exit $$rc

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/mypy honeydesk config

# --- measurements --------------------------------------------------------------------

bench: venv
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	SECRET_KEY=bench-only-not-a-secret $(BIN)/python bench/email_ingest.py --database postgresql --workers 2 \
	  $(if $(findstring --quick,$(BENCH_ARGS)),--count 1000 --no-record,)
	SECRET_KEY=bench-only-not-a-secret $(BIN)/python bench/intelligence.py
	$(BIN)/python bench/worker_memory.py
	$(BIN)/python bench/gc_pauses.py --database sqlite \
	  $(if $(findstring --quick,$(BENCH_ARGS)),--cases 3000 --pages 300 --rounds 1,--cases 100000)

# The peer's harness lives in ../shared/bench/peer-django-helpdesk (it installs the peer from
# the package index into /tmp/peer-venv); bench/peer.py runs it, then honeydesk's side.
bench-peer: venv
	$(BIN)/python bench/peer.py $(BENCH_ARGS)

# E-mail ingest (issue 4), written by the e-mail channel's owner.
bench-email: venv
	SECRET_KEY=bench-only-not-a-secret $(BIN)/python bench/email_ingest.py

eval: venv
	$(BIN)/python eval/run_eval.py

# Deterministic: the same data rebuild the same weights (tests/test_learned.py checks 1e-6).
train: venv
	$(BIN)/python eval/blind/build.py >/dev/null
	$(BIN)/python -m honeydesk.intelligence.train

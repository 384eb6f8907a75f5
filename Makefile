# quizapp: `make run` serves the demo contest on SQLite; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
BIN    := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run test test-pg lint seed migrate venv bench clean help axe constraints

help:
	@echo "make run         - the app with the demo contest on SQLite at http://$(HOST):$(PORT)"
	@echo "make test        - the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set)"
	@echo "make test-pg     - the whole test suite on the local PostgreSQL (and Redis)"
	@echo "make lint        - ruff over the code, the tests and the benchmarks"
	@echo "make seed        - migrate and load the demo contest (idempotent)"
	@echo "make migrate     - apply the database migrations"
	@echo "make bench       - the quick benchmarks (10k-question import); see bench/README.md for the others"
	@echo "make venv        - only create .venv with the app's dependencies"
	@echo "make axe         - fetch axe-core for the browser tests' accessibility checks (needs npm)"
	@echo "make constraints - pin every dependency, transitive ones too, into constraints.txt (pip-compile)"
	@echo "make clean       - remove .venv and caches"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Cần Python 3.11 ($(PYTHON)); đặt PYTHON=/đường/dẫn/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# constraints.txt pins every package, transitive ones too, at the version CI tested: a fresh clone installs those.
$(VENV)/.installed: $(BIN)/python requirements.txt constraints.txt
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt constraints.txt
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements-dev.txt
	@touch $@

# After changing requirements*.txt: pip-tools in a throwaway venv (never in .venv) resolves the whole tree again.
PIP_TOOLS := pip-tools==7.6.2
constraints:
	@tmp=$$(mktemp -d) && $(PYTHON) -m venv $$tmp && $$tmp/bin/python -m pip install -q $(PIP_TOOLS) && \
	  $$tmp/bin/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links \
	    --output-file constraints.txt requirements-dev.txt; status=$$?; rm -rf $$tmp; exit $$status

venv: $(VENV)/.installed

migrate: $(VENV)/.installed
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask demo seed

run: seed
	@echo "quizapp: http://$(HOST):$(PORT)   (trang quản trị: http://$(HOST):$(PORT)/quan-tri)"
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2} --threads 4 --access-logfile - wsgi:app

# axe-core (accessibility rules) for the browser tests, from the npm registry; skipped when npm is missing.
AXE_VERSION := 4.11.1
AXE := .cache/axe-core-$(AXE_VERSION)/axe.min.js

$(AXE):
	@mkdir -p $(dir $(AXE))
	@if command -v npm >/dev/null 2>&1; then \
	  (cd $(dir $(AXE)) && npm pack -q axe-core@$(AXE_VERSION) >/dev/null && \
	   tar xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js && rm -f axe-core-$(AXE_VERSION).tgz) \
	  || echo "axe-core could not be fetched; accessibility checks will be skipped"; \
	else echo "npm is not installed; accessibility checks will be skipped"; fi

axe: $(AXE)

test: $(VENV)/.installed-dev axe
	AXE_JS=$(AXE) $(BIN)/python -m pytest -q

test-pg: $(VENV)/.installed-dev axe
	AXE_JS=$(AXE) TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} $(BIN)/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check quizapp tests bench

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .cache

# quizapp: `make run` serves the demo contest on SQLite; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
BIN    := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run test test-pg seed migrate venv bench clean help

help:
	@echo "make run      - the app with the demo contest on SQLite at http://$(HOST):$(PORT)"
	@echo "make test     - the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set)"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Cần Python 3.11 ($(PYTHON)); đặt PYTHON=/đường/dẫn/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/python -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

migrate: $(VENV)/.installed
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask demo seed

run: seed
	@echo "quizapp: http://$(HOST):$(PORT)   (trang quản trị: http://$(HOST):$(PORT)/quan-tri)"
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2} --threads 4 --access-logfile - wsgi:app

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache

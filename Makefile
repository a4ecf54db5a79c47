# The two commands: `make demo` and `make test`. Both create .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: demo test lint bench server clean

$(BIN)/statreturns: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/statreturns
	$(BIN)/statreturns demo

# Every test on the SQLite store, then again on a PostgreSQL store (skipped, saying so,
# where PostgreSQL is not reachable at 127.0.0.1:5432).
test: $(BIN)/statreturns
	$(BIN)/python -m pytest
	STATRETURNS_TEST_STORE=postgresql $(BIN)/python -m pytest

bench: $(BIN)/statreturns
	$(BIN)/python -m benchmarks.run

server: $(BIN)/statreturns
	$(BIN)/statreturns ops serve

lint: $(BIN)/statreturns
	$(BIN)/ruff check .

clean:
	rm -rf var outputs/*/

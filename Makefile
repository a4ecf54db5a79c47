# The two commands: `make demo` and `make test`. Both create .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: demo test debian-packages lint bench server clean

$(BIN)/statreturns: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/statreturns
	$(BIN)/statreturns demo

# Every test on the SQLite store, then again on a PostgreSQL store (skipped, saying so,
# where PostgreSQL is not reachable at 127.0.0.1:5432).
test: $(BIN)/statreturns debian-packages
	$(BIN)/python -m pytest
	STATRETURNS_TEST_STORE=postgresql $(BIN)/python -m pytest

# What tests need from Debian's packages: pdftotext reads the PDFs, Chromium opens the Prefect
# UI. Installed when missing where apt can (as root); else the tests that need them skip,
# saying so.
debian-packages:
	@if ! command -v pdftotext >/dev/null || ! command -v chromium >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing poppler-utils and chromium from Debian's packages"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq poppler-utils chromium >/dev/null) || \
	      echo "could not install them: tests that need them skip"; \
	  else \
	    echo "poppler-utils or chromium is missing and cannot be installed here: tests that need them skip"; \
	  fi; \
	fi

bench: $(BIN)/statreturns
	$(BIN)/python -m benchmarks.run

server: $(BIN)/statreturns
	$(BIN)/statreturns ops serve

lint: $(BIN)/statreturns
	$(BIN)/ruff check .

clean:
	rm -rf var outputs/*/

# The two commands: `make demo` and `make test`. Both create .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: demo test check lock debian-packages lint bench server clean

# The environment is made anew from the lock whenever the lock or pyproject.toml changes:
# exactly the locked versions, each checked against its hash, nothing else.
$(BIN)/statreturns: pyproject.toml requirements.lock
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

demo: $(BIN)/statreturns
	$(BIN)/statreturns demo

# Every test once, on the SQLite store, then the tests that touch the store again on a
# PostgreSQL store (skipped, saying so, where PostgreSQL is not reachable at 127.0.0.1:5432).
# Tests run in parallel, one worker per core, each module's tests in one worker (so that a
# module's fixtures are made once).
PYTEST = $(BIN)/python -m pytest -n auto --dist loadfile
test: $(BIN)/statreturns debian-packages
	@start=$$(date +%s); status=0; \
	$(PYTEST) || status=$$?; \
	if [ $$status = 0 ]; then \
	  STATRETURNS_TEST_STORE=postgresql $(PYTEST) -m store || status=$$?; \
	fi; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

# The fast tier, for every edit: no Prefect run, subprocess, server or browser.
check: $(BIN)/statreturns
	@start=$$(date +%s); status=0; \
	$(PYTEST) -m "$(FAST)" || status=$$?; \
	echo "make check: $$(( $$(date +%s) - start )) s"; exit $$status

FAST := not prefect and not subprocess and not server and not browser

# Refresh the lock to the newest releases pyproject.toml allows, rebuild the environment
# from it and run the whole suite: commit the new lock only if this passes.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --group build --generate-hashes \
	  --python $(BIN)/python --custom-compile-command "make lock" --upgrade --quiet \
	  -o requirements.lock
	$(MAKE) test

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

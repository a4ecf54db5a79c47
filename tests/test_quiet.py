"""The terminal shows the officer's lines; Prefect's and Great Expectations' log records go
to the run's log, and to the terminal only with ``statreturns --verbose``."""

import logging
import os
import subprocess
import sys

import pytest
from conftest import breach, write_log

from statreturns.app import quiet

PREFECT_LINES = ("Starting temporary server", "Beginning flow run", "Finished in state",
                 "Created flow run", "great_expectations", "| INFO", "| WARNING")


def command(*args: str, api_url: str | None) -> subprocess.CompletedProcess:
    """The command in its own process; with no `api_url`, on a temporary server of its own,
    as `make demo` runs."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return subprocess.run([sys.executable, "-m", "statreturns.app.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def prefect_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines()
            if any(words in line for words in PREFECT_LINES)]


@pytest.mark.prefect
@pytest.mark.store
@pytest.mark.subprocess
def test_a_run_on_a_temporary_server_shows_only_the_officers_lines(tmp_path):
    log = write_log(tmp_path / "enforcement-log.csv", [breach(order="Nowhere")])
    result = command("run", "pspo-breaches", "-p", "2026-Q2", "-i", str(log), api_url=None)
    assert result.returncode == 1, result.stderr
    assert prefect_lines(result) == [] and result.stderr == ""
    assert result.stdout.startswith("PSPO breach counts demo 2026-Q2: Blocked")
    assert result.stdout.count("PSPO-006 Every order") == 1  # its warning is in its log
    assert "details: statreturns history pspo-breaches" in result.stdout


@pytest.mark.subprocess
@pytest.mark.usefixtures("harness")
def test_verbose_shows_prefects_and_great_expectations_records_too(tmp_path):
    from prefect.settings import PREFECT_API_URL

    log = write_log(tmp_path / "enforcement-log.csv",
                    [breach(breach_datetime="2026-05-10 21:15", outcome_date="2026-05-10")])
    result = command("--verbose", "run", "pspo-breaches", "-p", "2026-05", "-i", str(log),
                     "--force", api_url=PREFECT_API_URL.value())
    assert result.returncode == 0, result.stderr
    shown = "\n".join(prefect_lines(result))
    for words in ("Beginning flow run", "Finished in state Completed()", "great_expectations"):
        assert words in shown
    assert "PSPO breach counts demo 2026-05: Pass" in result.stdout


def record(name: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "a record", (), None)


def test_only_warnings_and_errors_no_runs_log_holds_reach_the_terminal():
    assert not quiet.for_the_terminal(record("prefect"))  # "Starting temporary server ..."
    assert quiet.for_the_terminal(record("prefect", logging.WARNING))
    assert quiet.for_the_terminal(record("great_expectations.core", logging.ERROR))  # no run
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        assert not quiet.for_the_terminal(record(name, logging.ERROR))  # in the run's log
    assert not quiet.for_the_terminal(record("great_expectations.core"))


def test_verbose_takes_the_filter_off_prefects_console_handlers_again():
    from prefect.logging.handlers import PrefectConsoleHandler

    quiet.configure()
    try:
        consoles = [h for h in logging.getLogger().handlers
                    if isinstance(h, PrefectConsoleHandler)]
        assert consoles and all(quiet.for_the_terminal in h.filters for h in consoles)
        library = logging.getLogger("great_expectations")
        assert sum(isinstance(h, quiet.RunLogHandler) for h in library.handlers) == 1
    finally:
        quiet.configure(verbose=True)
    assert not any(quiet.for_the_terminal in h.filters for h in consoles)

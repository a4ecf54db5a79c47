"""What the terminal shows of the log records of Prefect, Great Expectations and the runs.

An officer reads the lines the commands print; the records go to the flow run's log (the
Prefect API handler, so the UI shows them), not to the terminal. The terminal keeps only
warnings and errors that no run's log holds (the temporary server's trouble, say); with
``statreturns --verbose`` it shows every record as Prefect's logging settings have it.
"""

from __future__ import annotations

import logging

from prefect.context import FlowRunContext, TaskRunContext
from prefect.logging.configuration import ensure_logging_setup
from prefect.logging.handlers import APILogHandler, PrefectConsoleHandler
from prefect.settings import get_current_settings

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
"""Prefect's loggers for each flow and task run: every record of theirs is in a run's log."""
LIBRARIES = ("great_expectations",)
"""Loggers of libraries that work inside runs: their records made in a run go to its log."""


def _in_a_run() -> bool:
    return bool(FlowRunContext.get() or TaskRunContext.get())


def _under(name: str, loggers: tuple[str, ...]) -> bool:
    return any(name == logger or name.startswith(f"{logger}.") for logger in loggers)


def in_a_run_log(record: logging.LogRecord) -> bool:
    """Whether the record goes to a flow run's log."""
    if not get_current_settings().logging.to_api.enabled:
        return False
    return _under(record.name, RUN_LOGGERS) or (_under(record.name, LIBRARIES)
                                                 and _in_a_run())


def for_the_terminal(record: logging.LogRecord) -> bool:
    """A console handler's filter: warnings and errors that no run's log holds."""
    return record.levelno >= logging.WARNING and not in_a_run_log(record)


class RunLogHandler(APILogHandler):
    """Prefect's API handler for the records a library makes inside a run (outside one
    there is no run's log to send them to)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _in_a_run() and super().filter(record)


def _console_handlers() -> set[PrefectConsoleHandler]:
    loggers = [logging.getLogger(), *(logger for logger in
                                      logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    return {h for logger in loggers for h in logger.handlers
            if isinstance(h, PrefectConsoleHandler)}


def configure(verbose: bool = False) -> None:
    """Send the libraries' records made in runs to the runs' logs; unless `verbose`, keep
    off the terminal every record but the warnings and errors no run's log holds."""
    ensure_logging_setup()
    for name in LIBRARIES:
        library = logging.getLogger(name)
        if not any(isinstance(h, RunLogHandler) for h in library.handlers):
            library.addHandler(RunLogHandler())
    for handler in _console_handlers():
        handler.removeFilter(for_the_terminal)
        if not verbose:
            handler.addFilter(for_the_terminal)

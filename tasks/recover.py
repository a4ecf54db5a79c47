"""Runs whose process died (killed, out of memory, the machine restarted): found, marked
crashed in the store and in Prefect, their half-made versions put aside.

A run records the process that runs it and clears it when the run ends, however it ends.
A run still naming a process that no longer exists crashed; so did one that ran on another
machine and whose flow run Prefect has already ended (its worker saw the process die).
Every run starts by recovering such runs, so a rerun after a crash finds things in order.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from prefect import get_run_logger
from sqlalchemy import update
from sqlmodel import select

from statreturns.periods import parse_period
from statreturns.processes import alive, staged_by
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import Run
from tasks.outputs import version_folder

CRASHED = "Its process ended before the run did (killed or stopped): outputs not recorded " \
          "were put aside; run it again."


def _flow_run_state(flow_run_id: str | None):
    from prefect.client.orchestration import get_client

    if not flow_run_id:
        return None
    try:
        with get_client(sync_client=True) as client:
            return client.read_flow_run(flow_run_id).state
    except Exception:  # noqa: BLE001  a flow run this server does not know
        return None


def _crashed(run: Run) -> bool:
    running = alive(run.process)
    if running is None:
        state = _flow_run_state(run.flow_run_id)
        return state is not None and state.is_final()
    return not running


def _claim(run: Run) -> Run | None:
    """The run as it is now, once this process has taken it from its dead process; None
    when it has just ended after all, or another process took it first."""
    with session() as s:
        taken = s.exec(update(Run).where(Run.id == run.id, Run.process == run.process)
                       .values(process=None))
        s.commit()
        return s.get(Run, run.id, populate_existing=True) if taken.rowcount == 1 else None


def _mark_crashed(run: Run) -> None:
    """A run that died before it was recorded: crashed, its version folder (if it reached
    outputs/) put aside, and only then its version number given back."""
    settings = get_settings()
    if run.version is not None:
        folder = version_folder(settings.outputs, run.authority, run.return_id,
                                parse_period(run.period), run.version)
        if folder.exists():
            aside = settings.var / "crashed" / f"run-{run.id}"
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(folder, aside)  # outputs/ may be on another file system
    with session() as s:
        s.exec(update(Run).where(Run.id == run.id).values(
            status="crashed", verdict=None, message=CRASHED, version=None,
            finished_at=datetime.now(UTC)))
        s.commit()


def _crash_in_prefect(flow_run_id: str | None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    state = _flow_run_state(flow_run_id)
    if state is None or state.is_final():
        return
    try:
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(flow_run_id, Crashed(message=CRASHED), force=True)
    except Exception:  # noqa: BLE001  the store is right; Prefect is told next time
        pass


def _clear_staging() -> None:
    """Staging folders left by processes that died while writing outputs."""
    root = get_settings().var / "staging"
    for folder in root.glob("*") if root.is_dir() else []:
        if alive(staged_by(folder)) is False:
            shutil.rmtree(folder, ignore_errors=True)


def recover_crashed() -> list[int]:
    """Find runs whose process died, mark them crashed; the ids of the runs recovered."""
    with session() as s:
        suspects = s.exec(select(Run).where(Run.process.is_not(None))).all()
    recovered, logger = [], get_run_logger()
    for suspect in suspects:
        try:
            if not _crashed(suspect) or (run := _claim(suspect)) is None:
                continue
            if run.status == "running":
                _mark_crashed(run)
            _crash_in_prefect(run.flow_run_id)
        except Exception as exc:  # noqa: BLE001  one run's trouble must not stop every run
            logger.error("run %s could not be recovered (%s)", suspect.id, type(exc).__name__)
            continue
        recovered.append(run.id)
        logger.warning("run %s (%s %s %s) had crashed: marked crashed, outputs it had not "
                       "recorded put aside", run.id, run.return_id, run.authority, run.period)
    _clear_staging()
    return recovered

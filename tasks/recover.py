"""Runs whose process died (killed, out of memory, the machine restarted): found, marked
crashed in the store and in Prefect, their half-made versions put aside.

A run records the process that runs it and clears it when the run ends, however it ends.
A run still naming a process that no longer exists crashed; so did one that ran on another
machine and whose flow run Prefect has already ended (its worker saw the process die).
Every run starts by recovering such runs, so a rerun after a crash finds things in order.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from datetime import UTC, datetime

from prefect import get_run_logger
from sqlalchemy import update
from sqlmodel import select

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


def _claim(run: Run) -> bool:
    """Mark the run crashed, unless another process has just done so."""
    values = {"process": None, "finished_at": datetime.now(UTC)}
    if run.status == "running":
        values |= {"status": "crashed", "verdict": None, "message": CRASHED, "version": None}
    with session() as s:
        done = s.exec(update(Run).where(Run.id == run.id, Run.process == run.process)
                      .values(**values))
        s.commit()
        return done.rowcount == 1


def _put_aside(run: Run) -> None:
    """A version folder moved into place but never recorded: out of the outputs, kept."""
    settings = get_settings()
    if run.status != "running" or run.version is None:
        return
    folder = version_folder(settings.outputs, run.authority, run.return_id, run.period,
                            run.version)
    aside = settings.var / "crashed" / f"run-{run.id}"
    aside.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):  # never moved into place, or put aside
        os.replace(folder, aside)


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
    recovered = []
    for run in suspects:
        if _crashed(run):
            _put_aside(run)
            if _claim(run):
                _crash_in_prefect(run.flow_run_id)
                recovered.append(run.id)
                get_run_logger().warning(
                    "run %s (%s %s %s) had crashed: marked crashed, outputs it had not "
                    "recorded put aside", run.id, run.return_id, run.authority, run.period)
    _clear_staging()
    return recovered

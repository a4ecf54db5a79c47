"""Backfill: many periods of a return at once, each its own recorded run and version with
its own flow run, on one Prefect server for the whole backfill.

Periods run in worker processes (as many as asked, the machine's cores by default), all on
the command's server (`statreturns.app.servers`: where none is running, one temporary server
for them all, stopped at the end). A progress bar counts the periods done, blocked and
failed. Ctrl-C stops cleanly: no period not yet started is started, and each one running is
let finish, so every period is either recorded whole or not begun.
"""

from __future__ import annotations

import signal
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from statreturns.app.terminal import console

if TYPE_CHECKING:
    from statreturns.app.servers import Server

DONE = ("produced", "unchanged")


@dataclass(frozen=True)
class Outcome:
    period: str
    status: str
    """produced, unchanged, blocked, refused or failed."""
    code: int
    message: str = ""


def _worker_starts(return_id: str) -> None:
    """Ctrl-C is the backfill's to handle: a worker finishes the period it is running. The
    runs' log records go to their flow runs' logs, not over the progress bar. The return's
    flow and its stages are loaded at once, while the server may still be starting."""
    from flows import registry
    from flows.skeleton import load_stages
    from statreturns.app.quiet import configure

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure()
    registry.flow_of(return_id)
    load_stages()


def _started() -> None:
    """Nothing: asked of each worker so that it starts (and loads) now."""


def run_period(return_id: str, period: str, authority: str, reason: str, force: bool,
               own_server: bool) -> Outcome:
    """One period, in a worker process: its run, recorded as any run is."""
    from flows import registry
    from flows.skeleton import EXIT_CODES, RunFailed, RunHeld, RunRefused, checked, outcome

    try:
        checked(registry.get(return_id).DECLARATION, period, authority, None, "backfill",
                reason)
    except RunRefused as exc:
        status = "held" if isinstance(exc, RunHeld) else "refused"
        return Outcome(period, status, EXIT_CODES[status], str(exc))
    from statreturns.heartbeats import only_where_watched

    try:
        with only_where_watched(not own_server):
            summary = outcome(registry.flow_of(return_id)(
                period=period, authority=authority, inputs=[], trigger="backfill",
                reason=reason, force=force, return_state=True))
    except (RunFailed, Exception) as exc:  # recorded as failed; said without a traceback
        return Outcome(period, "failed", EXIT_CODES["failed"],
                       f"{type(exc).__name__}: {str(exc)[:300]}")
    return Outcome(period, summary.status, EXIT_CODES[summary.status],
                   summary.message if summary.status not in DONE else "")


def backfill(server: Server, return_id: str, periods: list[str], authority: str, reason: str,
             force: bool, workers: int) -> tuple[list[Outcome], bool]:
    """Every period run, `workers` at a time; the outcomes in period order, and whether the
    backfill was stopped (Ctrl-C) before every period was run."""
    from statreturns.store.db import engine

    engine()  # the store's schema brought up to date once, before the workers share it
    outcomes: dict[str, Outcome] = {}
    stopped = False
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=_worker_starts, initargs=(return_id,)) as pool:
        for _ in range(workers):  # each worker loads while the server may still be starting
            pool.submit(_started)
        with server.ready(), _bar(len(periods)) as (bar, task):
            waiting = list(reversed(periods))
            running: dict[Future, str] = {}
            try:
                while waiting or running:
                    while waiting and len(running) < workers and not stopped:
                        period = waiting.pop()
                        running[pool.submit(run_period, return_id, period, authority, reason,
                                            force, server.own)] = period
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        outcomes[running.pop(future)] = future.result()
                        _advance(bar, task, outcomes.values())
            except KeyboardInterrupt:
                stopped = True
                console.print(f"stopping: letting the {len(running)} period(s) running "
                              "finish; no more are started")
                for future in running:
                    outcomes[running[future]] = future.result()
                _advance(bar, task, outcomes.values())
    return [outcomes[p] for p in periods if p in outcomes], stopped or len(outcomes) < len(periods)


TERMINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def through_the_pool(server: Server, return_id: str, periods: list[str], authority: str,
                     reason: str, force: bool) -> tuple[list[Outcome], bool] | None:
    """Where Prefect's settings name a server (``PREFECT_API_URL``) with the return's
    deployment: each period a flow run of it, for the work pool's workers (on any host) to
    share; the outcomes once every one has ended. None where there is no such server or
    deployment. Ctrl-C stops the watching only: the runs go on, on the workers."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    from flows.skeleton import EXIT_CODES

    if server.api_url is not None:  # the command's own server, or one `ops serve` runs
        return None
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(f"{return_id}/{return_id}")
        except ObjectNotFound:
            return None
        started = {client.create_flow_run_from_deployment(deployment.id, parameters={
            "period": p, "authority": authority, "trigger": "backfill", "reason": reason,
            "force": force, "sign_off": False}).id: p for p in periods}  # approved later
        outcomes: dict[str, Outcome] = {}
        with _bar(len(periods)) as (bar, task):
            try:
                while len(outcomes) < len(periods):
                    for flow_run_id, period in started.items():
                        if period in outcomes:
                            continue
                        state = client.read_flow_run(flow_run_id).state
                        if state is not None and state.type.value in TERMINAL:
                            status = "produced" if state.is_completed() else \
                                "blocked" if state.name == "Blocked" else "failed"
                            outcomes[period] = Outcome(period, status, EXIT_CODES[status],
                                                       "" if status == "produced"
                                                       else state.message or state.name)
                    _advance(bar, task, outcomes.values())
                    time.sleep(1)
            except KeyboardInterrupt:
                console.print("stopped watching: the periods not yet ended go on, on the "
                              "work pool's workers")
                return [outcomes[p] for p in periods if p in outcomes], True
    return [outcomes[p] for p in periods], False


@contextmanager
def _bar(total: int):
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                  console=console, transient=False) as bar:
        yield bar, bar.add_task("periods", total=total, counts="")


def _advance(bar: Progress, task, outcomes) -> None:
    counts = Counter("done" if o.status in DONE else "blocked" if o.status == "blocked"
                     else "failed" for o in outcomes)
    bar.update(task, completed=sum(counts.values()),
               counts=f"{counts['done']} done, {counts['blocked']} blocked, "
                      f"{counts['failed']} failed")

"""Heartbeats only where a server outlives the run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import get_current_settings, temporary_settings


@contextmanager
def only_where_watched(watched: bool | None = None) -> Iterator[None]:
    """Flow runs started inside this block send heartbeats only to a server that outlives
    them (`watched`; by default, one Prefect's settings name).

    A heartbeat lets a shared server mark a run Crashed when its process dies. A temporary
    server (Prefect's own where no server is named, or a command's: `statreturns.app.servers`)
    stops with the runs' process, so nothing is left to notice a missed heartbeat, while
    stopping the heartbeat thread costs up to a second at the end of every run (0.5 s
    median; README, Performance). Runs on a shared server (deployments, workers, a CLI
    given PREFECT_API_URL, the one `ops serve` runs) keep their heartbeats.
    """
    settings = get_current_settings()
    if watched is None:
        watched = bool(settings.api.url)
    if watched or settings.flows.heartbeat_frequency is None:
        yield
        return
    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        yield
